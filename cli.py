# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Command-line plumbing shared by the scripts: flag checks and errors.

The scripts (`train.py`, `evaluate.py`, ...) parse their absl flags in
`main()`, check them with the helpers here, and run `main` with `run_main`,
which reports the project's own errors (`errors.Error`) in one line.
"""

import logging
import math
import os
import sys
from typing import Any, Callable, List, Sequence

from absl import app
from absl import logging as absl_logging

import errors
import training
import util


_PROJECT_DIR = os.path.dirname(os.path.abspath(__file__))
# The folders of the project's modules: the repository root (the library),
# the paper's experiments, the benchmarks and the examples.
_MODULE_FOLDERS = frozenset(
    [_PROJECT_DIR] + [os.path.join(_PROJECT_DIR, folder)
                      for folder in ("paper", "benchmarks", "examples")])


class UsageError(errors.Error):
  """A bad command-line flag."""


def check_positive_flags(flag_values, names: Sequence[str]):
  """Raises `UsageError` unless every integer flag in `names` is at least 1."""
  _check_flags_at_least(flag_values, names, 1)


def check_non_negative_flags(flag_values, names: Sequence[str]):
  """Raises `UsageError` unless every integer flag in `names` is at least 0."""
  _check_flags_at_least(flag_values, names, 0)


def _check_flags_at_least(flag_values, names: Sequence[str], least: int):
  for name in names:
    if flag_values[name].value < least:
      raise UsageError("--{} must be at least {}, got {}.".format(
          name, least, flag_values[name].value))


def check_problem_flag(problem_name: str):
  """Raises `UsageError` unless `--problem` names a problem of
  `util.get_config`."""
  if problem_name not in util.PROBLEM_NAMES:
    raise UsageError("--problem={} is not a valid problem; valid problems: "
                     "{}.".format(problem_name, ", ".join(util.PROBLEM_NAMES)))


def check_learning_rate_flag(learning_rate: float,
                             flag: str = "learning_rate"):
  """Raises `UsageError` unless the learning rate of `--<flag>` is positive
  and finite."""
  if not (math.isfinite(learning_rate) and learning_rate > 0):
    raise UsageError("--{} must be positive, got {}.".format(
        flag, learning_rate))


def check_random_scaling_flag(random_scaling: float):
  """Raises `UsageError` unless `--random_scaling` (the `r` of the factors
  `exp(U[-r, r])`) is finite and at least 0."""
  if not 0 <= random_scaling < float("inf"):
    raise UsageError("--random_scaling must be at least 0, got {}.".format(
        random_scaling))


def with_net_flag(net_config, net: str):
  """`util.with_net(net_config, net)` for `--net`; `UsageError` for a net
  that is not learned, or a configuration without a learned net."""
  try:
    return util.with_net(net_config, net)
  except ValueError as e:
    raise UsageError("--{}".format(e)) from None


def learning_rates_flag(values: Sequence[Any],
                        flag: str = "learning_rates") -> List[float]:
  """The learning rates of the list flag `--<flag>` (`values`: its strings,
  or numbers); `UsageError` unless each is a positive finite number."""
  try:
    learning_rates = [float(value) for value in values]
  except ValueError:
    raise UsageError("--{} must be numbers, got {}.".format(
        flag, ",".join(str(value) for value in values))) from None
  for learning_rate in learning_rates:
    check_learning_rate_flag(learning_rate, flag)
  return learning_rates


def integers_flag(values: Sequence[Any], flag: str) -> List[int]:
  """The integers of the list flag `--<flag>` (`values`: its strings);
  `UsageError` unless each is one."""
  try:
    return [int(value) for value in values]
  except ValueError:
    raise UsageError("--{} must be integers, got {}.".format(
        flag, ",".join(str(value) for value in values))) from None


def check_unroll_flags(num_steps: int, unroll_length: int):
  """Raises `UsageError` unless an epoch is a whole number of unrolls."""
  try:
    training.check_unroll(num_steps, unroll_length,
                          names=("--num_steps", "--unroll_length"))
  except ValueError as e:
    raise UsageError(str(e)) from None


def check_parent_folder(path: str, flag: str):
  """Raises `UsageError` unless the folder that would hold `path` exists."""
  if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
    raise UsageError("Cannot create --{}={}: its parent folder does not "
                     "exist.".format(flag, path))


class _ProjectInfoFilter(logging.Filter):
  """Passes warnings and errors, and info lines logged by this project's
  modules (`_MODULE_FOLDERS`)."""

  def filter(self, record: logging.LogRecord) -> bool:
    return (record.levelno >= logging.WARNING or
            os.path.dirname(os.path.abspath(record.pathname)) in
            _MODULE_FOLDERS)


def run_main(main: Callable[[List[str]], Any]):
  """Runs an absl `main`.

  The project's own errors (`errors.Error`: bad flags, missing or malformed
  files) end the script with one line on stderr, `<script>: error:
  <message>`, and exit status 1. Any other exception is a bug: it keeps its
  traceback (and a non-zero exit). Info lines that TensorFlow logs through
  absl (such as one per checkpoint written) are left out; warnings, and the
  project's own info lines, are kept.
  """
  absl_logging.get_absl_logger().addFilter(_ProjectInfoFilter())

  def guarded(argv):
    try:
      return main(argv)
    except errors.Error as e:
      sys.exit("{}: error: {}".format(os.path.basename(sys.argv[0]), e))
  app.run(guarded)
