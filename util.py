# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Helpers of the training and evaluation scripts."""

import copy
import math
import os
import sys
from timeit import default_timer as timer
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from absl import app
import numpy as np
import tensorflow as tf

import datasets
import meta
import problems


class UsageError(Exception):
  """Bad input to a script: reported as one line on stderr."""


def check_positive_flags(flag_values, names: Sequence[str]):
  """Raises `UsageError` unless every integer flag in `names` is at least 1."""
  for name in names:
    if flag_values[name].value < 1:
      raise UsageError("--{} must be at least 1, got {}.".format(
          name, flag_values[name].value))


def check_problem_flag(problem_name: str):
  """Raises `UsageError` unless `--problem` names a problem of `get_config`."""
  if problem_name not in PROBLEM_NAMES:
    raise UsageError("--problem={} is not a valid problem; valid problems: "
                     "{}.".format(problem_name, ", ".join(PROBLEM_NAMES)))


def check_learning_rate_flag(learning_rate: float,
                             flag: str = "learning_rate"):
  """Raises `UsageError` unless the learning rate of `--<flag>` is positive
  and finite."""
  if not (math.isfinite(learning_rate) and learning_rate > 0):
    raise UsageError("--{} must be positive, got {}.".format(
        flag, learning_rate))


def check_unroll_flags(num_steps: int, unroll_length: int):
  """Raises `UsageError` unless an epoch is a whole number of unrolls."""
  if num_steps % unroll_length:
    raise UsageError(
        "--num_steps ({}) must be a multiple of --unroll_length ({}).".format(
            num_steps, unroll_length))


def run_main(main: Callable[[List[str]], Any]):
  """Runs an absl `main`; bad input ends it with one line on stderr
  (`<script>: error: <message>`) and exit status 1, never a traceback."""
  def guarded(argv):
    try:
      return main(argv)
    except (UsageError, ValueError, IOError, RuntimeError) as e:
      sys.exit("{}: error: {}".format(os.path.basename(sys.argv[0]), e))
  app.run(guarded)


def format_duration(seconds: float) -> str:
  """`1h02m03s`, or `2m03s` under an hour."""
  seconds = int(round(seconds))
  hours, seconds = divmod(seconds, 3600)
  minutes, seconds = divmod(seconds, 60)
  if hours:
    return "{}h{:02d}m{:02d}s".format(hours, minutes, seconds)
  return "{}m{:02d}s".format(minutes, seconds)


def run_epoch(cost_op: tf.Variable, ops: Sequence[Callable[[], Any]],
              reset: Callable[[], Any],
              num_unrolls: int) -> Tuple[float, float]:
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


# Baselines, as networks with the Torch-optim defaults the paper used:
# Adam betas 0.9/0.999, epsilon 1e-8; RMSprop decay 0.99, epsilon 1e-8; NAG
# (Nesterov) momentum 0.9.
BASELINES = {
    "Adam": "Adam",
    "SGD": "Sgd",
    "RMSprop": "RMSprop",
    "NAG": "Nag",
}


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


def get_optimizer_config(optimizer: str, problem_name: str,
                         path: Optional[str] = None,
                         learning_rate: float = 0.001,
                         data_dir: Optional[str] = None, mode: str = "test"):
  """Returns `(problem, net_config, net_assignments)` to evaluate an optimizer.

  Every optimizer is evaluated on the test split of the data problems by
  default (the original used it for L2L only, and the training split for
  Adam).

  Args:
    optimizer: `"L2L"` or one of `BASELINES`.
    problem_name: A problem of `util.get_config`.
    path: Folder of the saved L2L optimizer (`None`: untrained).
    learning_rate: Learning rate of a baseline.
    data_dir: Data folder of the MNIST and CIFAR-10 problems.
    mode: Data split, `"test"` or `"train"` (to tune on the training
        distribution).
  """
  if optimizer == "L2L":
    return get_config(problem_name, path, mode=mode, data_dir=data_dir)
  problem, _, _ = get_config(problem_name, mode=mode, data_dir=data_dir)
  net_config = {optimizer: {
      "net": BASELINES[optimizer],
      "net_options": {"learning_rate": learning_rate}}}
  return problem, net_config, None


def evaluate_losses(problem, net_config, net_assignments, num_epochs: int,
                    num_steps: int, seed: Optional[int] = None):
  """Runs `num_epochs` optimizations of `num_steps` steps each.

  Args:
    problem, net_config, net_assignments: As `get_optimizer_config` returns.
    num_epochs: Number of problem instances, each drawn by `reset()`.
    num_steps: Optimization steps per instance.
    seed: Global TensorFlow seed. With the same seed, every optimizer sees
        the same problem instances (and minibatches).

  Returns:
    `(losses, seconds)`: the loss after every step, `[num_epochs,
    num_steps]`, and the time the epochs took, in seconds.
  """
  optimizer = meta.MetaOptimizer(**net_config)
  _, update, reset, _, _ = optimizer.meta_loss(
      problem, 1, net_assignments=net_assignments)
  if seed is not None:
    # The problem's random ops get their seeds when first traced: seeding
    # just before gives every optimizer the same problem instances.
    tf.random.set_seed(seed)
    reset()
    tf.random.set_seed(seed)
    update()
  losses = np.zeros([num_epochs, num_steps])
  start = timer()
  for e in range(num_epochs):
    reset()
    for s in range(num_steps):
      losses[e, s] = float(update().numpy())
  return losses, timer() - start
