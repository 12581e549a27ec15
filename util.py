# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The original's helpers of the training and evaluation scripts.

`get_config` names the problems and their optimizer nets; `run_epoch` runs
one optimization epoch; `print_stats` prints the original's statistics.
"""

import copy
import os
from timeit import default_timer as timer
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

import datasets
import meta
import problems


def run_epoch(cost_op: tf.Variable, ops: Sequence[Callable[[], Any]],
              reset: Callable[[], Any],
              num_unrolls: int) -> Tuple[float, float]:
  """Runs one optimization epoch.

  TF1's `sess.run([cost_op] + ops)` became: call every op of `ops`, then read
  `cost_op`. Pass `[step]` to train (it also updates) and `[update]` to
  evaluate. The TF1 idiom `[update, step]` is refused: each of the two
  unrolls, so the first unroll of every pair would go untrained.

  Args:
    cost_op: The `fx` variable of a `MetaLoss`/`MetaStep`.
    ops: Callables run once per unroll, in order.
    reset: Callable run at the start of the epoch.
    num_unrolls: Number of unrolls in the epoch.

  Returns:
    `(time, cost)`: wall-clock seconds of the epoch and the final `cost_op`.

  Raises:
    ValueError: If `ops` holds both an `update` and a `step` program.
  """
  names = {getattr(op, "name", None) for op in ops}
  if {"update", "step"} <= names:
    raise ValueError(
        "run_epoch: ops holds both update and step, which would unroll twice "
        "per unroll (the first unroll untrained); pass [step], which also "
        "updates, as TF1's sess.run([update, step]) did.")
  start = timer()
  reset()
  for _ in range(num_unrolls):
    for op in ops:
      op()
  cost = float(cost_op.numpy())
  return timer() - start, cost


def log_mean_error(total_error: float, n: int) -> float:
  """`log10` of the mean of `n` final losses that sum to `total_error`: the
  original's `Log Mean Final Error`."""
  return float(np.log10(total_error / n))


def print_stats(header: str, total_error: float, total_time: float, n: int):
  """Prints the mean final error (log10) and mean epoch time of `n` epochs."""
  print(header)
  print("Log Mean Final Error: {:.2f}".format(log_mean_error(total_error, n)))
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


def _simple_config(path, mode, data_dir):
  del mode, data_dir  # No data.
  net_config = {"cw": {
      "net": "CoordinateWiseDeepLSTM",
      "net_options": {"layers": (), "initializer": "zeros"},
      "net_path": get_net_path("cw", path)
  }}
  return problems.simple(), net_config, None


def _simple_multi_config(path, mode, data_dir):
  del mode, data_dir  # No data.
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


def _quadratic_config(path, mode, data_dir):
  del mode, data_dir  # No data.
  net_config = {"cw": {
      "net": "CoordinateWiseDeepLSTM",
      "net_options": {"layers": (20, 20)},
      "net_path": get_net_path("cw", path)
  }}
  return problems.quadratic(batch_size=128, num_dims=10), net_config, None


def _mnist_config(layers, activation="sigmoid"):
  """The MNIST MLP with the given hidden layers (the paper's variants)."""
  def config(path, mode, data_dir):
    problem = problems.mnist(layers=layers, activation=activation, mode=mode,
                             data_dir=data_dir)
    return problem, {"cw": get_default_net_config("cw", path)}, None
  return config


# The original's CIFAR-10 network.
_CIFAR_CONV_CHANNELS = (16, 16, 16)
_CIFAR_LINEAR_LAYERS = (32,)
# The original downloaded CIFAR-10 into ./cifar10 when no folder was given.
_CIFAR_DEFAULT_PATH = "cifar10"


def _cifar_problem(mode, data_dir, classes=None):
  return problems.cifar10(data_dir or _CIFAR_DEFAULT_PATH,
                          conv_channels=_CIFAR_CONV_CHANNELS,
                          linear_layers=_CIFAR_LINEAR_LAYERS, mode=mode,
                          classes=classes)


def _cifar_config(path, mode, data_dir):
  return (_cifar_problem(mode, data_dir),
          {"cw": get_default_net_config("cw", path)}, None)


def _cifar_multi_config(path, mode, data_dir):
  """Convolution kernels to one net, every other parameter to another."""
  num_conv = len(_CIFAR_CONV_CHANNELS)
  conv_vars = ["conv_net_2d/conv_2d_{}/w".format(i) for i in range(num_conv)]
  fc_vars = ["conv_net_2d/conv_2d_{}/b".format(i) for i in range(num_conv)]
  fc_vars += ["conv_net_2d/batch_norm_{}/offset".format(i)
              for i in range(num_conv)]
  fc_vars += ["mlp/linear_{}/{}".format(i, v)
              for i in range(len(_CIFAR_LINEAR_LAYERS) + 1) for v in "wb"]
  fc_vars += ["mlp/batch_norm/offset"]
  net_config = {
      "conv": get_default_net_config("conv", path),
      "fc": get_default_net_config("fc", path)
  }
  return (_cifar_problem(mode, data_dir), net_config,
          [("conv", conv_vars), ("fc", fc_vars)])


def _cifar_subset_config(num_classes):
  """CIFAR-<num_classes>: evaluated (mode "test") on the first
  `num_classes` labels, trained (mode "train") on the other, held-out
  labels, so that the optimizer never trains on the classes it is tested
  on (the paper's CIFAR-5 and CIFAR-2)."""
  def config(path, mode, data_dir):
    if mode == "test":
      classes = list(range(num_classes))
    else:
      classes = list(range(num_classes, datasets.NUM_CLASSES))
    return (_cifar_problem(mode, data_dir, classes),
            {"cw": get_default_net_config("cw", path)}, None)
  return config


_CONFIGS = {
    "simple": _simple_config,
    "simple-multi": _simple_multi_config,
    "quadratic": _quadratic_config,
    "mnist": _mnist_config(layers=(20,)),
    "mnist-wider": _mnist_config(layers=(40,)),
    "mnist-deeper": _mnist_config(layers=(20, 20)),
    "mnist-relu": _mnist_config(layers=(20,), activation="relu"),
    "cifar": _cifar_config,
    "cifar-multi": _cifar_multi_config,
    "cifar5": _cifar_subset_config(5),
    "cifar2": _cifar_subset_config(2),
}

PROBLEM_NAMES: List[str] = list(_CONFIGS)


def get_config(problem_name: str, path: Optional[str] = None,
               mode: Optional[str] = None, data_dir: Optional[str] = None):
  """Returns the configuration of a named problem.

  Args:
    problem_name: One of `PROBLEM_NAMES`.
    path: Optional folder of saved nets (`<net key>.l2l`) to load.
    mode: Data split of the data problems, `"train"` or `"test"`; by default,
        as in the original, `"train"` without `path` and `"test"` with it.
    data_dir: Folder of the data files (MNIST: `mnist.npz` or the IDX files;
        CIFAR-10: the folder holding `cifar-10-batches-bin/`, by default
        `./cifar10`).

  Returns:
    `(problem, net_config, net_assignments)`: the `make_loss` callable, the
    `MetaOptimizer` keyword arguments and the `net_assignments`.

  Raises:
    ValueError: For an unknown problem name, or malformed data files.
    IOError: If a data problem's files cannot be found.
  """
  if problem_name not in _CONFIGS:
    raise ValueError("{} is not a valid problem; valid problems: {}.".format(
        problem_name, ", ".join(PROBLEM_NAMES)))
  if mode is None:
    mode = "train" if path is None else "test"
  return _CONFIGS[problem_name](path, mode, data_dir)
