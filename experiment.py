# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Optimizers to compare, and evaluation runs that record every step's loss.

`evaluate.py`, `paper/figures.py` and `paper/reproduction.py` evaluate the
trained L2L optimizer and the hand-written baselines the same way: every
optimizer runs through `MetaOptimizer.meta_loss` as a network, taking the
steps of one-step unrolls in one program (`MetaLoss.run_steps`), on problem
instances drawn by `reset()`, and the loss after every step is kept.
Each instance's final network can also be scored on whole data splits.
"""

import collections
import io
import math
import os
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import tensorflow as tf

import image_datasets
import fileio
import meta
import optimizee
import problems
import training
import util

# The baselines, in the paper's order, by the name the scripts use, and the
# network (`networks.factory` name) that implements each, with the
# Torch-optim defaults the paper used: Adam betas 0.9/0.999, epsilon 1e-8;
# RMSprop decay 0.99, epsilon 1e-8; NAG (Nesterov) momentum 0.9.
BASELINES = {
    "SGD": "Sgd",
    "RMSprop": "RMSprop",
    "Adam": "Adam",
    "NAG": "Nag",
}
# Every optimizer the scripts evaluate.
OPTIMIZERS = ["L2L"] + list(BASELINES)


def optimizer_config(optimizer: str, problem_name: str,
                     path: Optional[str] = None, learning_rate: float = 0.001,
                     data_dir: Optional[str] = None,
                     mode: str = util.EVALUATION_SPLIT):
  """Returns `(problem, net_config, net_assignments)` to evaluate an optimizer.

  Every optimizer is evaluated on the test split of the data problems by
  default (the original used it for L2L only, and the training split for
  Adam).

  Args:
    optimizer: One of `OPTIMIZERS`.
    problem_name: A problem of `util.get_config`.
    path: Folder of the saved L2L optimizer (`None`: untrained).
    learning_rate: Learning rate of a baseline.
    data_dir: Data folder of the MNIST and CIFAR-10 problems.
    mode: Data split, `"test"` or `"train"` (to tune on the training
        distribution).

  Raises:
    ValueError: For an unknown optimizer or problem.
  """
  if optimizer not in OPTIMIZERS:
    raise ValueError("{} is not a valid optimizer; valid optimizers: {}."
                     .format(optimizer, ", ".join(OPTIMIZERS)))
  if optimizer == "L2L":
    return util.get_config(problem_name, path, mode=mode, data_dir=data_dir)
  problem, _, _ = util.get_config(problem_name, mode=mode, data_dir=data_dir)
  net_config = {optimizer: {
      "net": BASELINES[optimizer],
      "net_options": {"learning_rate": learning_rate}}}
  return problem, net_config, None


def other_split(mode: str) -> str:
  """The data split that is not `mode`: `"train"` for `"test"`, and back."""
  [other] = set(image_datasets.MODES) - {mode}
  return other


def split_scorers(problem_name: str, mode: str = util.EVALUATION_SPLIT,
                  data_dir: Optional[str] = None
                 ) -> Dict[str, problems.MakeScores]:
  """The scorers of a problem's final networks on both whole data splits.

  Args:
    problem_name: A problem of `util.get_config`.
    mode: The split the networks are trained on, `"test"` or `"train"`.
    data_dir: Data folder of the MNIST problems.

  Returns:
    `{mode: make_scores, other_split(mode): make_scores}` (in this order)
    for the problems `util.get_scores` scores (MNIST); `{}` for the others.
  """
  scorers = {split: util.get_scores(problem_name, split, data_dir)
             for split in (mode, other_split(mode))}
  return {} if None in scorers.values() else scorers


def next_half_decade(learning_rate: float, up: bool) -> float:
  """The next point of the half-decade grid (..., 0.1, 0.316, 1, 3.16, ...)
  above (`up`) or below `learning_rate`, to three significant digits."""
  # Grid points are rounded: 0.316 is the point 10 ** -0.5.
  position = 2 * math.log10(learning_rate)
  index = (math.floor(position + 0.01) + 1 if up else
           math.ceil(position - 0.01) - 1)
  return float("{:.3g}".format(10 ** (index / 2)))


class Run(collections.namedtuple("Run",
                                  "losses, seconds, scores, initial_losses")):
  """What `evaluate_losses` returns.

  Fields:
    losses: The loss of every instance after every unroll (every step
        with one-step unrolls), `[num_epochs * num_instances, num_unrolls]`
        (epoch-major: the first epoch's instances, then the second's, ...).
    seconds: The time the epochs took, in seconds (scoring excluded; the
        first epoch's includes the setup of the program's first call, its
        XLA compilation with XLA).
    scores: `{"<scorer>_<metric>": [num_epochs * num_instances]}`, each
        instance's final network scored (rows as in `losses`); `{}` without
        scorers.
    initial_losses: Each instance's loss before the first step (on the
        minibatch of step 0), `[num_epochs * num_instances]`.
  """


def _scoring_function(make_scores: problems.MakeScores
                     ) -> Callable[[List[tf.Tensor]], Dict[str, tf.Tensor]]:
  """`make_scores` of one instance's parameter values (one tensor per
  trainable variable, in creation order), as a `tf.function` traced once
  for every call with values of the same shapes."""
  return tf.function(
      lambda values: optimizee.call_with_values(make_scores, values))


def _score_instances(scoring_functions, x: Sequence[tf.Variable],
                     num_instances: int) -> Dict[str, np.ndarray]:
  """Scores each instance's current values.

  Args:
    scoring_functions: `{scorer name: _scoring_function}`.
    x: Every instance's variables, instance by instance (`MetaLoss.x`).
    num_instances: Number of instances.

  Returns:
    `{"<scorer>_<metric>": [num_instances]}`.
  """
  per_instance = len(x) // num_instances
  scores = collections.defaultdict(list)
  for i in range(num_instances):
    values = [v.read_value() for v in
              x[i * per_instance:(i + 1) * per_instance]]
    for name, score in scoring_functions.items():
      for metric, value in score(values).items():
        scores["{}_{}".format(name, metric)].append(float(value))
  return {key: np.array(values) for key, values in scores.items()}


def evaluate_losses(problem, net_config, net_assignments, num_epochs: int,
                    num_steps: int, seed: Optional[int] = None,
                    num_instances: int = 1,
                    scorers: Optional[Dict[str, problems.MakeScores]] = None,
                    unroll_length: int = 1) -> Run:
  """Runs `num_epochs` epochs of `num_steps` optimization steps.

  Each epoch optimizes `num_instances` instances together for `num_steps`
  steps, as one program (`MetaLoss.run_steps`: the steps of one-step
  unrolls, as the original's `evaluate.py` ran them, and of unrolls of any
  length); the losses are recorded after every `unroll_length`-th step.
  After it, each instance's final network is scored with every scorer.

  Args:
    problem, net_config, net_assignments: As `optimizer_config` returns.
    num_epochs: Number of epochs, each drawing new instances (`reset()`).
    num_steps: Optimization steps per instance.
    seed: Global TensorFlow seed. With the same seed, every optimizer sees
        the same problem instances (and minibatches).
    num_instances: Instances per epoch (`meta_loss`'s `num_instances`).
    scorers: `{name: make_scores}` (e.g. `split_scorers`'s), each building
        the problem's network and returning `{metric: scalar}`; called with
        an instance's final values (`optimizee.call_with_values`) in a
        `tf.function`, so it may create trainable variables only.
    unroll_length: Steps per unroll (a divisor of `num_steps`); the losses
        are recorded after each unroll, as the unrolls' `update()` would
        leave them.

  Returns:
    A `Run`, whose `losses` have one column per unroll: the loss after each
    step with one-step unrolls.

  Raises:
    ValueError: If `unroll_length` does not divide `num_steps`.
  """
  training.check_unroll(num_steps, unroll_length)
  num_unrolls = num_steps // unroll_length
  optimizer = meta.MetaOptimizer(**net_config)
  ops = optimizer.meta_loss(problem, unroll_length,
                            net_assignments=net_assignments,
                            num_instances=num_instances)
  reset, run = ops.reset, ops.run_steps.program(num_steps)
  if seed is not None:
    # The problem's random ops get their seeds when first traced: seeding
    # just before gives every optimizer the same problem instances (initial
    # values and the seed of their minibatches).
    tf.random.set_seed(seed)
    reset()
    tf.random.set_seed(seed)
    run.trace()
  def run_and_record():
    # Each instance's loss after every unroll_length-th step,
    # [num_instances, num_unrolls].
    epoch_losses.append(
        tf.transpose(run()[unroll_length - 1::unroll_length]))

  scoring_functions = {name: _scoring_function(make_scores)
                       for name, make_scores in (scorers or {}).items()}
  def reset_and_record():
    reset()
    initial_losses.append(ops.instance_fx.numpy())

  losses = np.zeros([num_epochs, num_instances, num_unrolls])
  initial_losses = []
  epoch_scores = collections.defaultdict(list)
  total_time = 0.0
  for epoch in range(num_epochs):
    epoch_losses = []
    epoch_time, _ = util.run_epoch(ops.fx, [run_and_record],
                                   reset_and_record, 1)
    total_time += epoch_time
    losses[epoch] = epoch_losses[0].numpy()
    for key, values in _score_instances(scoring_functions, ops.x,
                                        num_instances).items():
      epoch_scores[key].append(values)
  return Run(losses=losses.reshape([num_epochs * num_instances,
                                    num_unrolls]),
             seconds=total_time,
             scores={key: np.concatenate(values)
                     for key, values in epoch_scores.items()},
             initial_losses=np.concatenate(initial_losses))


def cached_arrays(filename: str, compute: Callable[[], Dict[str, np.ndarray]]
                 ) -> Dict[str, np.ndarray]:
  """The arrays saved in `filename`, or `compute()`'s, saved there first.

  Args:
    filename: A `.npz` file; its folder is created if missing. It is written
        with `fileio.write_atomically`, so an interrupted run never leaves a
        partial file to be read back.
    compute: Returns `{name: array}` when `filename` does not exist.

  Returns:
    `{name: array}`.
  """
  if os.path.exists(filename):
    with np.load(filename) as saved:
      return {name: saved[name] for name in saved.files}
  arrays = compute()
  os.makedirs(os.path.dirname(os.path.abspath(filename)), exist_ok=True)
  buffer = io.BytesIO()
  np.savez(buffer, **arrays)
  fileio.write_atomically(filename, buffer.getvalue())
  return arrays
