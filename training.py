# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Meta-training runs: the loop that `train.py`, `paper/figures.py` and
`paper/reproduction.py` share.

    result = training.meta_train(problem, net_config, num_steps=100,
                                 unroll_length=20, save_path="run")

A run trains the optimizer nets epoch after epoch (an epoch draws a new
problem instance and optimizes it for `num_steps` steps, one `step()` per
unroll). Every `evaluation_period` epochs it evaluates them without training
and, with a `save_path`, saves them there (`<net key>.l2l`) whenever the
evaluation improves. It keeps checkpoints under `save_path/checkpoint/` to
resume from, never applies a non-finite meta-gradient, and reports progress
through a `Progress` object and, optionally, TensorBoard scalars.
"""

import collections
import collections.abc
import contextlib
import json
import math
import os
import re
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from absl import logging
import numpy as np
import tensorflow as tf

import errors
import meta
import util

RUN_FILE = "run.json"
CHECKPOINT_FOLDER = "checkpoint"
# Checkpoints kept: a damaged newest one leaves older ones to resume from.
CHECKPOINTS_KEPT = 3


class Schedule(collections.namedtuple(
    "Schedule", "num_epochs log_period evaluation_period evaluation_epochs "
    "checkpoint_period max_nonfinite_epochs stalled_evaluations",
    defaults=(3,))):
  """When a run logs, evaluates, checkpoints, warns and stops; all in epochs
  but the last.

  Attributes:
    num_epochs: Epochs to train, counted from the start of the run (a
        resumed run continues up to it).
    log_period: Epochs between statistics of the training epochs.
    evaluation_period: Epochs between evaluations.
    evaluation_epochs: Epochs per evaluation.
    checkpoint_period: Epochs between checkpoints (one is also written after
        each improvement).
    max_nonfinite_epochs: Stop after this many epochs in a row whose final
        loss is NaN or infinite.
    stalled_evaluations: Warn after this many evaluations in a row that
        left the loss at its initial value (see `STALLED_LOSS_FRACTION`).
  """


# The defaults of the original's train.py, and of train.py's added flags.
DEFAULT_SCHEDULE = Schedule(num_epochs=10000, log_period=100,
                            evaluation_period=1000, evaluation_epochs=20,
                            checkpoint_period=100, max_nonfinite_epochs=5,
                            stalled_evaluations=3)

# An evaluation whose mean final loss is above this fraction of the mean
# loss at the instances' initial values has left the loss where it was: the
# optimizer has not learned to optimize (or diverges).
STALLED_LOSS_FRACTION = 0.9
# What the warning of a stalled run suggests.
STALLED_RUN_ADVICE = (
    "try --zero_output_layer (the MNIST problems' default), a lower "
    "--learning_rate, or a new --seed; see README, 'A run that stays at its "
    "initial loss'")

Result = collections.namedtuple(
    "Result", "optimizer epoch best_epoch best_evaluation")


class NonFiniteLossError(errors.Error):
  """Too many epochs in a row ended with a NaN or infinite loss."""


class Stopped(Exception):
  """A run was interrupted (Ctrl-C, SIGTERM); its checkpoint is written.

  Attributes:
    epoch: The last epoch completed.
  """

  def __init__(self, epoch: int):
    super().__init__("stopped at epoch {}".format(epoch))
    self.epoch = epoch


class WorkerLost(Exception):
  """A worker of a multi-worker run became unreachable, which stopped the
  run on this worker.

  Attributes:
    task: The cluster index of the unreachable worker, if the error names
        it, else `None`.
    checkpoint_epoch: The epoch of the last checkpoint written (0: none).
  """

  def __init__(self, task: Optional[int], checkpoint_epoch: int):
    super().__init__("worker {} unreachable; last checkpoint at epoch {}"
                     .format("?" if task is None else task, checkpoint_epoch))
    self.task = task
    self.checkpoint_epoch = checkpoint_epoch


# How a collective names the remote worker it lost.
_REMOTE_TASK = re.compile(r"/job:worker/replica:\d+/task:(\d+)")
# Errors by which a collective of a MultiWorkerMirroredStrategy reports a
# worker that died or stopped answering.
_LOST_WORKER_ERRORS = (tf.errors.UnavailableError,
                       tf.errors.DeadlineExceededError)


def _lost_worker(error: tf.errors.OpError, checkpoint_epoch: int
                 ) -> WorkerLost:
  """The `WorkerLost` of a collective's `error`."""
  match = _REMOTE_TASK.search(str(error))
  return WorkerLost(int(match.group(1)) if match else None, checkpoint_epoch)


class Progress:
  """Receives the progress of a run. The defaults print `train.py`'s lines;
  override them to send progress elsewhere."""

  def epoch_done(self, epoch: int, final_loss: float, seconds: float):
    """After each training epoch: its number (from 1), its final loss and
    its wall-clock seconds."""

  def statistics(self, header: str, total_error: float, total_time: float,
                 num_epochs: int):
    """Statistics of `num_epochs` epochs, as `util.print_stats` takes them;
    `header` is `Epoch <e>/<n> (...)` or `EVALUATION`."""
    util.print_stats(header, total_error, total_time, num_epochs)

  def saved(self, save_path: str):
    """After the optimizer was saved to `save_path`."""
    print("Saving meta-optimizer to {}".format(save_path))


def format_duration(seconds: float) -> str:
  """`1h02m03s`, or `2m03s` under an hour."""
  seconds = int(round(seconds))
  hours, seconds = divmod(seconds, 3600)
  minutes, seconds = divmod(seconds, 60)
  if hours:
    return "{}h{:02d}m{:02d}s".format(hours, minutes, seconds)
  return "{}m{:02d}s".format(minutes, seconds)


def worker_seed(seed: int,
                strategy: Optional[tf.distribute.Strategy] = None) -> int:
  """`seed` on the chief (or without a cluster); on the other workers of a
  `MultiWorkerMirroredStrategy`, a seed derived from `seed` and the worker's
  index, so that workers draw other instances."""
  resolver = getattr(strategy, "cluster_resolver", None)
  task_id = (resolver.task_id or 0) if resolver is not None else 0
  if not task_id:
    return seed
  return int(np.random.SeedSequence([seed, task_id]).generate_state(1)[0])


def run_config(problem: str, net_config: Dict[str, Dict[str, Any]],
               num_steps: int, unroll_length: int,
               second_derivatives: bool = False,
               **later_settings: Any) -> Dict[str, Any]:
  """What defines the optimizer a run trains, as `run.json` records it and
  `check_save_path` compares it (keys are `train.py`'s flag names).

  Args:
    problem: The problem's name (a family: the names joined by commas).
    net_config: `{net key: networks.factory arguments}` of the nets trained;
        their LogAndSign k, output scale and zero output layer are recorded
        (`util.net_settings`).
    num_steps: Optimization steps per epoch.
    unroll_length: Steps per unroll.
    second_derivatives: Whether the meta-gradient flows through the
        optimizee's gradients.
    **later_settings: Settings added after the first runs were recorded
        (e.g. `net`, `random_scaling`, `curriculum`): pass only those that
        differ from their defaults, so that the earlier runs still resume.

  Returns:
    `{setting: JSON value}`.
  """
  config = dict(problem=problem, num_steps=num_steps,
                unroll_length=unroll_length,
                second_derivatives=second_derivatives)
  config.update(util.net_settings(net_config))
  config.update(later_settings)
  return config


def check_save_path(save_path: str, resume: bool,
                    run_config: Optional[Dict[str, Any]] = None):
  """Checks that a run may use `save_path`, touching nothing.

  Args:
    save_path: Folder of the run.
    resume: Whether the run continues the one saved there.
    run_config: What defines the optimizer being trained (JSON values); a
        resumed run must have that of the run it continues.

  Raises:
    errors.InputError: If the folder exists and `resume` is false, if
        `resume` is true and the folder holds no run or one of another
        `run_config`, or if the folder's parent does not exist.
  """
  run_file = os.path.join(save_path, RUN_FILE)
  if not resume:
    if os.path.exists(save_path):
      raise errors.InputError("Folder {} already exists; pass --resume to "
                              "continue its run.".format(save_path))
    if not os.path.isdir(os.path.dirname(os.path.abspath(save_path))):
      raise errors.InputError("Cannot create {}: its parent folder does not "
                              "exist.".format(save_path))
    return
  if not os.path.exists(run_file):
    raise errors.InputError("--resume: {} holds no run to continue.".format(
        save_path))
  with open(run_file) as f:
    saved = json.load(f)
  differences = ["--{}={} (the run used {})".format(k, v, saved.get(k))
                 for k, v in (run_config or {}).items() if saved.get(k) != v]
  if differences:
    raise errors.InputError(
        "--resume with other flags than the run in {}: {}.".format(
            save_path, ", ".join(differences)))


class _State:
  """What a checkpoint holds besides the nets and their Adam state: the
  epoch, the best evaluation so far and, with a curriculum, its stage."""

  def __init__(self, optimizer: meta.MetaOptimizer,
               save_path: Optional[str], writes: bool = True,
               curriculum: bool = False):
    """Creates the state, and a manager of the checkpoints under
    `save_path` if given, which `save` writes only if `writes` (on the
    chief worker of a cluster; every worker reads them). The stage of the
    curriculum is checkpointed only if `curriculum` (so that checkpoints of
    runs without one keep the layout they always had)."""
    self._writes = writes
    self.epoch = tf.Variable(0, dtype=tf.int64, name="epoch")
    self.best_evaluation = tf.Variable(np.inf, dtype=tf.float64,
                                       name="best_evaluation")
    self.best_epoch = tf.Variable(-1, dtype=tf.int64, name="best_epoch")
    self.stage = tf.Variable(0, dtype=tf.int64, name="curriculum_stage")
    # The epoch of the last checkpoint written (by the chief: every worker
    # saves in step), or restored.
    self.checkpoint_epoch = 0
    self._manager = None
    if save_path is not None:
      items = dict(epoch=self.epoch, best_evaluation=self.best_evaluation,
                   best_epoch=self.best_epoch, **optimizer.checkpoint_items())
      if curriculum:
        items["curriculum_stage"] = self.stage
      self._manager = tf.train.CheckpointManager(
          tf.train.Checkpoint(**items),
          os.path.join(save_path, CHECKPOINT_FOLDER),
          max_to_keep=CHECKPOINTS_KEPT)

  def save(self):
    if self._manager is not None:
      if self._writes:
        self._manager.save(checkpoint_number=int(self.epoch.numpy()))
      self.checkpoint_epoch = int(self.epoch.numpy())

  def restore(self) -> bool:
    """Restores the newest checkpoint that reads back whole.

    A damaged checkpoint (truncated or unreadable files) is skipped with a
    warning naming it, and the next older one is tried.

    Returns:
      Whether the newest checkpoint was restored.

    Raises:
      errors.InputError: If no checkpoint reads back whole.
    """
    checkpoints = list(reversed(self._manager.checkpoints))
    if not checkpoints:
      raise errors.InputError("--resume: {} holds no checkpoint.".format(
          self._manager.directory))
    for path in checkpoints:
      try:
        self._manager.checkpoint.restore(path).assert_existing_objects_matched()
        self.checkpoint_epoch = int(self.epoch.numpy())
        return path == checkpoints[0]
      except (tf.errors.OpError, ValueError, AssertionError, IndexError) as e:
        logging.warning("Checkpoint %s is damaged and is skipped: %s", path,
                        str(e).strip().splitlines()[0] if str(e) else
                        type(e).__name__)
    raise errors.InputError(
        "--resume: no intact checkpoint in {} (tried {}); the saved optimizer "
        "files are untouched.".format(self._manager.directory,
                                      ", ".join(checkpoints)))


class _Run:
  """The loop of `meta_train`."""

  def __init__(self, optimizer, steps, evaluations, state, unroll_length,
               stage_num_steps, schedule, save_path, summary_writer,
               progress):
    """Creates the loop.

    Args:
      optimizer: The `MetaOptimizer`.
      steps: The `MetaStep` of each training problem; epoch `e` (from 0)
          trains on `steps[e % len(steps)]`.
      evaluations: `[(name, MetaLoss or MetaStep)]`: the problems the
          evaluations run (`name` is `None` for a single problem).
      state: The `_State`.
      unroll_length: Steps per unroll.
      stage_num_steps: The epoch's `num_steps` at each stage of the
          curriculum (one stage without a curriculum).
      schedule: The `Schedule`.
      save_path: Folder to save the optimizer in, or `None`.
      summary_writer: TensorBoard writer, or `None`.
      progress: The `Progress`.
    """
    self._optimizer = optimizer
    self._steps = steps
    self._evaluations = evaluations
    self._state = state
    self._unroll_length = unroll_length
    self._stage_num_steps = stage_num_steps
    self._schedule = schedule
    self._save_path = save_path
    self._summary_writer = summary_writer
    self._progress = progress
    self._stalled_in_a_row = 0

  @property
  def _num_unrolls(self) -> int:
    """Unrolls per epoch at the curriculum's current stage."""
    stage = int(self._state.stage.numpy())
    return self._stage_num_steps[stage] // self._unroll_length

  def _scalars(self, epoch: int, values: Dict[str, float]):
    """Writes `{tag: value}` as TensorBoard scalars of `epoch`, if logging."""
    if self._summary_writer is not None:
      with self._summary_writer.as_default(step=epoch):
        for tag, value in values.items():
          tf.summary.scalar(tag, value)

  def save_optimizer(self):
    self._optimizer.save(self._save_path)
    self._progress.saved(self._save_path)

  def _evaluate_problem(self, name: Optional[str],
                        ops) -> Tuple[float, float]:
    """Runs the evaluation epochs of one problem; prints their statistics
    and returns the sums of their final losses and of their losses at the
    initial values."""
    total_cost = total_time = total_initial = 0

    def reset():
      nonlocal total_initial
      ops.reset()
      total_initial += float(ops.fx.numpy())  # The initial loss.

    for _ in range(self._schedule.evaluation_epochs):
      epoch_time, cost = util.run_epoch(ops.fx, [ops.update], reset,
                                        self._num_unrolls)
      total_time += epoch_time
      total_cost += cost
    self._progress.statistics(
        "EVALUATION" if name is None else "EVALUATION " + name, total_cost,
        total_time, self._schedule.evaluation_epochs)
    return total_cost, total_initial

  def _evaluate(self, epoch: int) -> Tuple[float, float]:
    """Runs the evaluation epochs of every evaluation problem.

    Returns:
      `(evaluation, initial)`: for a single problem, the sums of its final
      losses and of its losses at the initial values; for a family, the sum
      over its problems of their summed final losses divided by their summed
      initial losses, and the number of problems (so that losses of other
      scales weigh alike).
    """
    results = [self._evaluate_problem(name, ops)
               for name, ops in self._evaluations]
    if len(results) == 1:
      evaluation, initial = results[0]
    else:
      evaluation = sum(cost / initial for cost, initial in results)
      initial = len(results)
    if math.isfinite(evaluation):
      self._scalars(epoch, {"evaluation/log_mean_final_error":
                                util.log_mean_error(
                                    evaluation,
                                    self._schedule.evaluation_epochs
                                    if len(results) == 1 else initial)})
    return evaluation, initial

  def _next_stage(self, epoch: int):
    """Moves the curriculum to its next stage, whose evaluations start a
    new best."""
    stage = int(self._state.stage.numpy()) + 1
    self._state.stage.assign(stage)
    self._state.best_evaluation.assign(np.inf)
    logging.info("Epoch %d: the evaluation did not improve; the curriculum "
                 "moves to stage %d, num_steps=%d.", epoch, stage,
                 self._stage_num_steps[stage])

  def _watch_for_stall(self, epoch: int, evaluation: float,
                       initial: float):
    """Counts the evaluations in a row whose summed final losses
    (`evaluation`) stay above `STALLED_LOSS_FRACTION` of their summed
    initial losses (`initial`), and warns once when they reach
    `schedule.stalled_evaluations`."""
    if not evaluation <= STALLED_LOSS_FRACTION * initial:  # NaN included.
      self._stalled_in_a_row += 1
    else:
      self._stalled_in_a_row = 0
    if self._stalled_in_a_row == self._schedule.stalled_evaluations:
      n = self._schedule.evaluation_epochs
      logging.warning(
          "Epoch %d: %d evaluations in a row left the loss at its initial "
          "value (last: mean final loss %.4g, initial %.4g): the optimizer "
          "is not learning; %s.", epoch, self._stalled_in_a_row,
          evaluation / n, initial / n, STALLED_RUN_ADVICE)

  def train(self):
    """Trains from `state.epoch` to `schedule.num_epochs`."""
    schedule = self._schedule
    start_epoch = int(self._state.epoch.numpy())
    run_start = time.time()
    total_time = total_cost = finite_epochs = nonfinite_in_a_row = 0
    for e in range(start_epoch, schedule.num_epochs):
      epoch = e + 1
      skipped = self._optimizer.skipped_steps
      ops = self._steps[e % len(self._steps)]
      epoch_time, cost = util.run_epoch(ops.fx, [ops.step], ops.reset,
                                        self._num_unrolls)
      total_time += epoch_time
      if math.isfinite(cost):
        total_cost += cost
        finite_epochs += 1
        nonfinite_in_a_row = 0
      else:
        nonfinite_in_a_row += 1
        logging.warning(
            "Epoch %d: final loss %s; %d meta-optimizer update(s) skipped, "
            "the problem is reset at the next epoch.", epoch, cost,
            self._optimizer.skipped_steps - skipped)
        if nonfinite_in_a_row >= schedule.max_nonfinite_epochs:
          raise NonFiniteLossError(
              "{} epochs in a row ended with a non-finite loss (last: epoch "
              "{}); stopping. The saved optimizer, if any, is untouched."
              .format(nonfinite_in_a_row, epoch))
      self._state.epoch.assign(epoch)
      self._progress.epoch_done(epoch, cost, epoch_time)
      self._scalars(epoch, {"train/final_loss": cost,
                            "train/epoch_time": epoch_time})

      if epoch % schedule.log_period == 0:
        rate = (epoch - start_epoch) / (time.time() - run_start)
        self._progress.statistics(
            "Epoch {}/{} ({:.2f} epochs/s, {} left)".format(
                epoch, schedule.num_epochs, rate,
                format_duration((schedule.num_epochs - epoch) / rate)),
            total_cost if finite_epochs else math.nan, total_time,
            max(finite_epochs, 1))
        if finite_epochs:
          self._scalars(epoch, {"train/log_mean_final_error":
                                util.log_mean_error(total_cost,
                                                    finite_epochs)})
        total_time = total_cost = finite_epochs = 0

      improved = advanced = False
      if epoch % schedule.evaluation_period == 0:
        evaluation, initial = self._evaluate(epoch)
        self._watch_for_stall(epoch, evaluation, initial)
        better = evaluation < float(self._state.best_evaluation.numpy())
        if better and (self._save_path is not None or
                       len(self._stage_num_steps) > 1):
          self._state.best_evaluation.assign(evaluation)
          self._state.best_epoch.assign(epoch)
          improved = self._save_path is not None
        elif (not better and int(self._state.stage.numpy()) <
              len(self._stage_num_steps) - 1):
          self._next_stage(epoch)
          advanced = True

      # The checkpoint first, so that a run killed between the two writes
      # re-exports the improved nets when it resumes.
      if improved or advanced or epoch % schedule.checkpoint_period == 0:
        self._state.save()
      if improved:
        self.save_optimizer()


def check_unroll(num_steps: int, unroll_length: int,
                 names: Sequence[str] = ("num_steps", "unroll_length")):
  """Checks that an epoch of `num_steps` steps is a whole number of unrolls.

  Args:
    num_steps: Steps per epoch.
    unroll_length: Steps per unroll.
    names: How the error names the two numbers (e.g. as flags).

  Raises:
    ValueError: Unless both are positive and `unroll_length` divides
        `num_steps`.
  """
  if unroll_length < 1:
    raise ValueError("{} must be positive, got {}.".format(names[1],
                                                           unroll_length))
  if num_steps < 1 or num_steps % unroll_length:
    raise ValueError("{} ({}) must be a positive multiple of {} ({})."
                     .format(names[0], num_steps, names[1], unroll_length))


def check_curriculum(num_steps: int, unroll_length: int,
                     curriculum: Sequence[int] = ()) -> List[int]:
  """The `num_steps` of every stage of a curriculum, checked.

  Args:
    num_steps: Steps per epoch of the first stage.
    unroll_length: Steps per unroll.
    curriculum: Steps per epoch of the later stages.

  Returns:
    `[num_steps] + list(curriculum)`.

  Raises:
    ValueError: Unless every stage's steps are a positive multiple of
        `unroll_length` and the stages increase.
  """
  stages = [num_steps] + [int(n) for n in curriculum]
  for steps in stages:
    check_unroll(steps, unroll_length)
  if any(later <= earlier for earlier, later in zip(stages, stages[1:])):
    raise ValueError("The curriculum's num_steps must increase from "
                     "num_steps={}, got {}.".format(num_steps, stages[1:]))
  return stages


def _family(problem) -> Dict[Optional[str], Any]:
  """`{name: make_loss}` of a family, or `{None: make_loss}` of a single
  problem."""
  if isinstance(problem, collections.abc.Mapping):
    if not problem:
      raise ValueError("A family of problems needs at least one problem.")
    return dict(problem)
  return {None: problem}


def meta_train(problem, net_config: Dict[str, Any],
               net_assignments: Optional[
                   Sequence[Tuple[str, Sequence[str]]]] = None, *,
               num_steps: int = 100, unroll_length: int = 20,
               learning_rate: float = 0.001, second_derivatives: bool = False,
               num_instances: int = 1, rematerialize: bool = False,
               schedule: Schedule = DEFAULT_SCHEDULE,
               save_path: Optional[str] = None, resume: bool = False,
               run_config: Optional[Dict[str, Any]] = None,
               seed: Optional[int] = None, logdir: Optional[str] = None,
               progress: Optional[Progress] = None,
               strategy: Optional[tf.distribute.Strategy] = None,
               evaluation_problem=None,
               curriculum: Sequence[int] = ()) -> Result:
  """Meta-trains optimizer nets on a problem, or on a family of problems.

  Args:
    problem: The `make_loss` callable (e.g. from `util.get_config`), or a
        family: `{name: make_loss}`, at least one, all trained by the same
        nets (see `MetaOptimizer.meta_minimize_family`). Epoch `e` (from 1)
        trains on the family's problem `(e - 1) % len(problem)`, in order.
    net_config: `MetaOptimizer` keyword arguments.
    net_assignments: As `MetaOptimizer.meta_minimize` takes them.
    num_steps: Optimization steps per epoch; a multiple of `unroll_length`.
        With a `curriculum`, those of its first stage.
    unroll_length: Steps per unroll (per meta-gradient).
    learning_rate: Adam learning rate of the nets.
    second_derivatives: Whether the meta-gradient flows through the
        optimizee's gradients.
    num_instances: Problem instances optimized together per meta-step; an
        epoch's final loss is their mean.
    rematerialize: Whether the meta-gradient recomputes the unroll's
        activations instead of keeping them (less memory, same result).
    schedule: When to log, evaluate, checkpoint and stop.
    save_path: Folder for the best optimizer (`<net key>.l2l`), the
        checkpoints and `run.json`; it must not exist unless `resume`.
        Without it nothing is written.
    resume: Continue the run in `save_path` from its newest intact
        checkpoint (re-exporting the optimizer if that checkpoint was written
        for an improvement).
    run_config: What defines the optimizer (JSON values, e.g. the problem
        name), written to `save_path/run.json`; a resumed run must match it.
    seed: Seed of TensorFlow's random numbers, set before the nets are
        built; a resumed run reseeds with `seed + epoch` (the random state
        itself cannot be checkpointed).
    logdir: Folder for TensorBoard scalars: `train/final_loss` and
        `train/epoch_time` per epoch, `train/log_mean_final_error` per log
        period, `evaluation/log_mean_final_error` per evaluation.
    progress: Receives the statistics lines (default: printed).
    strategy: A `tf.distribute` strategy (`MirroredStrategy`,
        `MultiWorkerMirroredStrategy`) to meta-train under: each replica
        optimizes its own instances, the nets' meta-gradient is averaged
        over the replicas. Every worker of a cluster runs `meta_train` with
        the same arguments and the same `save_path` (shared storage); only
        the chief writes there (the optimizer, checkpoints, `run.json`,
        TensorBoard scalars), and every worker resumes from it. The other
        workers fold their index into `seed`.
    evaluation_problem: What the evaluations run, on instances of their
        own: a `make_loss` or a `{name: make_loss}` family, as `problem`
        (e.g. the problems without the task augmentation that `problem`
        has). By default the evaluations run `problem` itself. Each problem
        of a family is evaluated for `schedule.evaluation_epochs` epochs; the
        family's evaluation, which picks the optimizer kept, is the sum over
        its problems of their final losses relative to their initial ones.
    curriculum: The `num_steps` of the curriculum's later stages, increasing
        multiples of `unroll_length` (empty: no curriculum). The run starts
        at `num_steps`; at the first evaluation that does not improve on
        the best of its stage, it moves to the next stage, whose epochs and
        evaluations are that many steps long, and whose first evaluation
        starts a new best: the optimizer kept is the best of the last stage
        reached. The checkpoints hold the stage, so `resume` continues it.

  Returns:
    `Result(optimizer, epoch, best_epoch, best_evaluation)`: the
    `MetaOptimizer` as trained at the last epoch, the last epoch, and the
    epoch and summed final losses of the best evaluation (-1 and inf when
    nothing was saved).

  Raises:
    errors.InputError: For a `save_path` that cannot be used (see
        `check_save_path`) or that holds no intact checkpoint to resume.
    NonFiniteLossError: After `max_nonfinite_epochs` non-finite epochs in a
        row; the saved optimizer is left as it was.
    Stopped: On `KeyboardInterrupt` (Ctrl-C, or SIGTERM where the caller
        turns it into one), after writing a checkpoint.
    WorkerLost: Under a `MultiWorkerMirroredStrategy`, when a collective
        lost another worker (it died or stopped answering); nothing more is
        written, and the last checkpoint is where every worker resumes.
  """
  stage_num_steps = check_curriculum(num_steps, unroll_length, curriculum)
  training_problems = _family(problem)
  is_chief = strategy is None or strategy.extended.should_checkpoint
  if save_path is not None and (is_chief or resume):
    check_save_path(save_path, resume, run_config)
  if seed is not None:
    seed = worker_seed(seed, strategy)
    tf.random.set_seed(seed)
  if hasattr(problem, "data_source"):
    logging.info("Data: %s", problem.data_source)
  with strategy.scope() if strategy else contextlib.nullcontext():
    optimizer = meta.MetaOptimizer(**net_config)
    unroll_options = dict(net_assignments=net_assignments,
                          second_derivatives=second_derivatives,
                          num_instances=num_instances,
                          rematerialize=rematerialize)
    steps = optimizer.meta_minimize_family(
        list(training_problems.values()), unroll_length,
        learning_rate=learning_rate, **unroll_options)
    if evaluation_problem is None:
      evaluations = list(zip(training_problems, steps))
    else:
      evaluations = [
          (name, optimizer.meta_loss(make_loss, unroll_length,
                                     **unroll_options))
          for name, make_loss in _family(evaluation_problem).items()]
  state = _State(optimizer, save_path, writes=is_chief,
                 curriculum=len(stage_num_steps) > 1)
  summary_writer = (tf.summary.create_file_writer(logdir)
                    if logdir and is_chief else None)
  run = _Run(optimizer, steps, evaluations, state, unroll_length,
             stage_num_steps, schedule, save_path if is_chief else None,
             summary_writer, progress or Progress())

  if resume:
    newest = state.restore()
    epoch = int(state.epoch.numpy())
    best_epoch = int(state.best_epoch.numpy())
    logging.info("Resuming %s at epoch %d (best evaluation so far: epoch "
                 "%d, summed final losses %g).", save_path, epoch, best_epoch,
                 float(state.best_evaluation.numpy()))
    if seed is not None:
      tf.random.set_seed(seed + epoch)
    # A run killed between the checkpoint of an improvement and the saving
    # of the nets saves them now. After a damaged newest checkpoint, the
    # saved nets may be newer than the checkpoint: they are left as they are.
    if newest and is_chief and best_epoch == epoch:
      run.save_optimizer()
  elif save_path is not None and is_chief:
    os.mkdir(save_path)
    with open(os.path.join(save_path, RUN_FILE), "w") as f:
      json.dump(run_config or {}, f)

  try:
    run.train()
  except KeyboardInterrupt:
    state.save()
    raise Stopped(int(state.epoch.numpy())) from None
  except _LOST_WORKER_ERRORS as e:
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
      raise
    raise _lost_worker(e, state.checkpoint_epoch) from e
  finally:
    if summary_writer is not None:
      summary_writer.flush()
  state.save()
  return Result(optimizer, int(state.epoch.numpy()),
                int(state.best_epoch.numpy()),
                float(state.best_evaluation.numpy()))
