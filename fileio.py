# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Reading files, and writing them so that a crash never leaves one half
written."""

import os
import tempfile

import errors


def write_atomically(filename: str, contents: bytes):
  """Writes `contents` to `filename`, all or nothing.

  The bytes go to a temporary file in the same folder, are flushed to disk,
  and the temporary file is then moved over `filename`. Readers see either
  the old file or the complete new one; on failure, the old file is left as
  it was and the temporary file is removed.

  Args:
    filename: Destination path; its folder must exist.
    contents: The file's bytes.
  """
  handle, temp_name = tempfile.mkstemp(
      dir=os.path.dirname(os.path.abspath(filename)),
      prefix="." + os.path.basename(filename) + ".", suffix=".tmp")
  try:
    with os.fdopen(handle, "wb") as f:
      f.write(contents)
      f.flush()
      os.fsync(f.fileno())
    os.replace(temp_name, filename)
  except BaseException:
    if os.path.exists(temp_name):
      os.remove(temp_name)
    raise


def read_bytes(filename: str, description: str) -> bytes:
  """Reads a whole file.

  Args:
    filename: The file.
    description: What the file is, for the message (e.g. "optimizer file").

  Raises:
    errors.MissingFileError: If it cannot be read (an `IOError`), with a
        message naming `description` and the reason.
  """
  try:
    with open(filename, "rb") as f:
      return f.read()
  except OSError as e:
    raise errors.MissingFileError("Cannot read {} {}: {}.".format(
        description, filename, e.strerror or e)) from e
