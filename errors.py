# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Errors in what the user gave: the scripts report them in one line.

Library code raises these for input a user can fix: a malformed or
mismatched data or optimizer file, a missing file, a bad command-line flag.
The scripts (`cli.run_main`) print them as `<script>: error: <message>` and
exit with status 1. Any other exception is a bug and keeps its traceback.
"""


class Error(Exception):
  """Bad input that the user can fix."""


class InputError(Error, ValueError):
  """A malformed or mismatched file, or a value out of range."""


class MissingFileError(Error, IOError):
  """A needed file that is not there and cannot be fetched."""
