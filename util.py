# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Helpers of the training and evaluation scripts."""

import copy
import os
import sys
from timeit import default_timer as timer
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from absl import app
import numpy as np
import tensorflow as tf

import meta
import problems


class UsageError(Exception):
  """Bad input to a script: reported as one line on stderr."""


def run_main(main: Callable[[List[str]], Any]):
  """Runs an absl `main`; bad input ends it with one line on stderr
  (`<script>: error: <message>`) and exit status 1, never a traceback."""
  def guarded(argv):
    try:
      return main(argv)
    except (UsageError, ValueError, IOError, RuntimeError) as e:
      sys.exit("{}: error: {}".format(os.path.basename(sys.argv[0]), e))
  app.run(guarded)


def run_epoch(cost_op: tf.Variable, ops: Sequence[Callable[[], Any]],
              reset: Callable[[], Any], num_unrolls: int) -> Tuple[float, float]:
  """Runs one optimization epoch.

  TF1's `sess.run([cost_op] + ops)` became: call every op of `ops`, then read
  `cost_op`. Pass `[step]` to train (it also updates) and `[update]` to
  evaluate; passing `[update, step]` would unroll twice.

  Args:
    cost_op: The `fx` variable of a `MetaLoss`/`MetaStep`.
    ops: Callables run once per unroll, in order.
    reset: Callable run at the start of the epoch.
    num_unrolls: Number of unrolls in the epoch.

  Returns:
    `(time, cost)`: wall-clock seconds of the epoch and the final `cost_op`.
  """
  start = timer()
  reset()
  for _ in range(num_unrolls):
    for op in ops:
      op()
  cost = float(cost_op.numpy())
  return timer() - start, cost


def print_stats(header: str, total_error: float, total_time: float, n: int):
  """Prints the mean final error (log10) and mean epoch time of `n` epochs."""
  print(header)
  print("Log Mean Final Error: {:.2f}".format(np.log10(total_error / n)))
  print("Mean epoch time: {:.2f} s".format(total_time / n))


def get_net_path(name: str, path: Optional[str]) -> Optional[str]:
  """Returns `path/<name>.l2l`, or `None` without a `path`."""
  return None if path is None else os.path.join(path, name + ".l2l")


def get_default_net_config(name: str, path: Optional[str]) -> Dict[str, Any]:
  """The original's default net (`meta.DEFAULT_NET_CONFIG`: 2x20
  coordinatewise LSTM, LogAndSign k=5, scale 0.01), loaded from
  `path/<name>.l2l` if `path` is given."""
  return dict(copy.deepcopy(meta.DEFAULT_NET_CONFIG),
              net_path=get_net_path(name, path))


def _simple_config(path):
  net_config = {"cw": {
      "net": "CoordinateWiseDeepLSTM",
      "net_options": {"layers": (), "initializer": "zeros"},
      "net_path": get_net_path("cw", path)
  }}
  return problems.simple(), net_config, None


def _simple_multi_config(path):
  net_config = {
      "cw": {
          "net": "CoordinateWiseDeepLSTM",
          "net_options": {"layers": (), "initializer": "zeros"},
          "net_path": get_net_path("cw", path)
      },
      "adam": {
          "net": "Adam",
          "net_options": {"learning_rate": 0.1}
      }
  }
  net_assignments = [("cw", ["x_0"]), ("adam", ["x_1"])]
  return problems.simple_multi_optimizer(), net_config, net_assignments


def _quadratic_config(path):
  net_config = {"cw": {
      "net": "CoordinateWiseDeepLSTM",
      "net_options": {"layers": (20, 20)},
      "net_path": get_net_path("cw", path)
  }}
  return problems.quadratic(batch_size=128, num_dims=10), net_config, None


_CONFIGS = {
    "simple": _simple_config,
    "simple-multi": _simple_multi_config,
    "quadratic": _quadratic_config,
}

PROBLEM_NAMES: List[str] = list(_CONFIGS)


def get_config(problem_name: str, path: Optional[str] = None):
  """Returns the configuration of a named problem.

  Args:
    problem_name: One of `PROBLEM_NAMES`.
    path: Optional folder of saved nets (`<net key>.l2l`) to load.

  Returns:
    `(problem, net_config, net_assignments)`: the `make_loss` callable, the
    `MetaOptimizer` keyword arguments and the `net_assignments`.

  Raises:
    ValueError: For an unknown problem name.
  """
  if problem_name not in _CONFIGS:
    raise ValueError("{} is not a valid problem; valid problems: {}.".format(
        problem_name, ", ".join(PROBLEM_NAMES)))
  return _CONFIGS[problem_name](path)
