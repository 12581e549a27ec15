# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The `.l2l` file format: a learned optimizer network's weights.

A `.l2l` file is a NumPy `.npz` archive (a zip of `.npy` arrays) holding
`{module: {variable: array}}` with one entry per variable, named
`"module/variable"` (e.g. `"lstm_1/w_i"`, `"linear/b"`), every array of a
floating point dtype. It is never a pickle: `read` opens it with
`allow_pickle=False` and refuses the original code's (dill) pickles, since
unpickling can run arbitrary code. `write` writes it with
`fileio.write_atomically`, so a crash never leaves a half-written file.

This module owns everything about the format: writing, reading and
validating, and matching a file against the variables a network saves.
Anything stored beside the weights (such as the network's class and options)
belongs here too.
"""

import io
import zipfile
from typing import Dict, Mapping, Sequence

import numpy as np

import errors
import fileio

# Saved weights: {module name: {variable name: array}}.
NetVariables = Dict[str, Dict[str, np.ndarray]]


def _flatten_variables(net_vars: NetVariables) -> Dict[str, np.ndarray]:
  return {"{}/{}".format(module, variable): value
          for module, variables in net_vars.items()
          for variable, value in variables.items()}


def write(filename: str, net_vars: NetVariables):
  """Writes `{module: {variable: array}}` to `filename` as a `.l2l` file.

  The file is written with `fileio.write_atomically`, so an existing file is
  never left half written.

  Args:
    filename: Destination path (written exactly, no suffix added).
    net_vars: Arrays by module and variable name.
  """
  buffer = io.BytesIO()
  np.savez(buffer, **_flatten_variables(net_vars))
  fileio.write_atomically(filename, buffer.getvalue())


def read(filename: str) -> NetVariables:
  """Reads a `.l2l` file written by `write` (or `networks.save`).

  Args:
    filename: Path of the file.

  Returns:
    `{module: {variable: array}}`.

  Raises:
    errors.MissingFileError: If the file cannot be read (an `IOError`).
    errors.InputError: If it is not a `.l2l` archive of floating point arrays
        (a pickle, such as the original's files, is refused: unpickling runs
        code). A `ValueError`.
  """
  try:
    with open(filename, "rb") as f:
      contents = f.read()
  except OSError as e:
    raise errors.MissingFileError("Cannot read optimizer file {}: {}.".format(
        filename, e.strerror or e)) from e
  if contents[:1] == b"\x80":
    raise errors.InputError(
        "{} is a Python pickle (the original learning-to-learn format), not a "
        ".l2l archive; it is not loaded because unpickling can run arbitrary "
        "code.".format(filename))
  try:
    with np.load(io.BytesIO(contents), allow_pickle=False) as archive:
      arrays = {key: archive[key] for key in archive.files}
  except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as e:
    raise errors.InputError(
        "{} is not a valid .l2l file (a NumPy .npz archive of network "
        "weights): {}".format(filename, e)) from e
  result = {}
  for key, value in arrays.items():
    module, _, variable = key.partition("/")
    if not module or not variable or "/" in variable:
      raise errors.InputError(
          "{} is not a valid .l2l file: unexpected entry {!r} (expected "
          "'module/variable').".format(filename, key))
    if not np.issubdtype(value.dtype, np.floating):
      raise errors.InputError(
          "{} is not a valid .l2l file: entry {!r} has dtype {}, expected "
          "floating point.".format(filename, key, value.dtype))
    result.setdefault(module, {})[variable] = value
  return result


def check_matches(filename: str, net_vars: NetVariables,
                  saved_variables: Mapping[str, Sequence[str]],
                  network_name: str):
  """Checks that a file holds exactly the variables a network saves.

  Only the names are compared; each array's shape is checked when the
  variable it initializes is created.

  Args:
    filename: The file `net_vars` was read from, for the message.
    net_vars: `{module: {variable: array}}`, as `read` returns.
    saved_variables: `{module: variable names}` of the network, its
        `saved_variables`.
    network_name: The network's class name, for the message.

  Raises:
    errors.InputError: If the modules or variables differ (a `ValueError`).
  """
  found = {module: tuple(sorted(v)) for module, v in net_vars.items()}
  expected = {module: tuple(sorted(v))
              for module, v in saved_variables.items()}
  if found != expected:
    raise errors.InputError(
        "{} does not match the network it should initialize: the file holds "
        "{}, the network ({}) has {}.".format(filename, found, network_name,
                                               expected))
