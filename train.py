# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Learning to learn: meta-trains an optimizer.

    python train.py --problem=quadratic --save_path=./quadratic

Prints the original's statistics every `log_period` epochs and after each
evaluation; with `--save_path`, saves the optimizer there (`<net key>.l2l`)
whenever the evaluation improves, and keeps a checkpoint from which
`--resume` continues a stopped or killed run.
"""

import importlib.util
import json
import math
import os

# TensorFlow's C++ start-up messages would bury the scripts' own output;
# set TF_CPP_MIN_LOG_LEVEL to see them.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import signal
import sys
import time

from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

import meta
import util

FLAGS = flags.FLAGS
flags.DEFINE_string("save_path", None, "Path for saved meta-optimizer.")
flags.DEFINE_integer("num_epochs", 10000, "Number of training epochs.")
flags.DEFINE_integer("log_period", 100, "Log period.")
flags.DEFINE_integer("evaluation_period", 1000, "Evaluation period.")
flags.DEFINE_integer("evaluation_epochs", 20, "Number of evaluation epochs.")

flags.DEFINE_string("problem", "simple", "Type of problem.")
flags.DEFINE_integer("num_steps", 100,
                     "Number of optimization steps per epoch.")
flags.DEFINE_integer("unroll_length", 20, "Meta-optimizer unroll length.")
flags.DEFINE_float("learning_rate", 0.001, "Learning rate.")
flags.DEFINE_boolean("second_derivatives", False, "Use second derivatives.")

flags.DEFINE_boolean("resume", False,
                     "Continue the run checkpointed in --save_path.")
flags.DEFINE_integer("checkpoint_period", 100,
                     "Epochs between checkpoints in --save_path (a checkpoint "
                     "is also written after each improvement).")
flags.DEFINE_integer("seed", None,
                     "Seed of TensorFlow's random numbers; a run with a seed "
                     "repeats exactly on the CPU.")
flags.DEFINE_string("logdir", None, "Folder for TensorBoard scalars.")
flags.DEFINE_string("data_dir", None,
                    "Folder of the data files of the MNIST and CIFAR-10 "
                    "problems (see README).")
flags.DEFINE_integer("max_nonfinite_epochs", 5,
                     "Stop after this many epochs in a row whose final loss "
                     "is NaN or infinite.")

_CHECKPOINT_FOLDER = "checkpoint"
_RUN_FILE = "run.json"
# Flags that define the optimizer being trained: a resumed run must use the
# values of the run it continues.
_RUN_FLAGS = ("problem", "num_steps", "unroll_length", "second_derivatives")


def _check_flags():
  """Raises `util.UsageError` for flag values out of range."""
  positive = ("num_epochs", "log_period", "evaluation_period",
              "evaluation_epochs", "num_steps", "unroll_length",
              "checkpoint_period", "max_nonfinite_epochs")
  util.check_positive_flags(FLAGS, positive)
  util.check_unroll_flags(FLAGS.num_steps, FLAGS.unroll_length)
  util.check_learning_rate_flag(FLAGS.learning_rate)
  util.check_problem_flag(FLAGS.problem)
  if FLAGS.logdir is not None and importlib.util.find_spec(
      "tensorboard") is None:
    raise util.UsageError("--logdir needs the tensorboard package: "
                          "python -m pip install tensorboard")
  if FLAGS.resume and FLAGS.save_path is None:
    raise util.UsageError("--resume needs --save_path, the folder of the run "
                          "to continue.")
  if FLAGS.save_path is not None:
    exists = os.path.exists(FLAGS.save_path)
    if exists and not FLAGS.resume:
      raise util.UsageError("Folder {} already exists; pass --resume to "
                            "continue its run.".format(FLAGS.save_path))
    if FLAGS.resume and not os.path.exists(
        os.path.join(FLAGS.save_path, _RUN_FILE)):
      raise util.UsageError("--resume: {} holds no run to continue.".format(
          FLAGS.save_path))
    if not exists and not os.path.isdir(
        os.path.dirname(os.path.abspath(FLAGS.save_path))):
      raise util.UsageError("Cannot create {}: its parent folder does not "
                            "exist.".format(FLAGS.save_path))


def _run_config():
  return {name: FLAGS[name].value for name in _RUN_FLAGS}


def _check_resumed_run():
  """Raises `util.UsageError` if the flags differ from the resumed run's."""
  with open(os.path.join(FLAGS.save_path, _RUN_FILE)) as f:
    saved = json.load(f)
  differences = ["--{}={} (the run used {})".format(k, v, saved.get(k))
                 for k, v in _run_config().items() if saved.get(k) != v]
  if differences:
    raise util.UsageError("--resume with other flags than the run in {}: {}."
                          .format(FLAGS.save_path, ", ".join(differences)))


class _Training:
  """The training state that a checkpoint holds besides the nets."""

  def __init__(self, optimizer: meta.MetaOptimizer):
    self.epoch = tf.Variable(0, dtype=tf.int64, name="epoch")
    self.best_evaluation = tf.Variable(np.inf, dtype=tf.float64,
                                       name="best_evaluation")
    self.best_epoch = tf.Variable(-1, dtype=tf.int64, name="best_epoch")
    self.manager = None
    if FLAGS.save_path is not None:
      checkpoint = tf.train.Checkpoint(
          epoch=self.epoch, best_evaluation=self.best_evaluation,
          best_epoch=self.best_epoch, **optimizer.checkpoint_items())
      self.manager = tf.train.CheckpointManager(
          checkpoint, os.path.join(FLAGS.save_path, _CHECKPOINT_FOLDER),
          max_to_keep=2)

  def checkpoint(self):
    if self.manager is not None:
      self.manager.save(checkpoint_number=int(self.epoch.numpy()))

  def restore(self):
    """Restores the latest checkpoint; returns whether there was one."""
    if self.manager.latest_checkpoint is None:
      return False
    self.manager.checkpoint.restore(
        self.manager.latest_checkpoint).assert_existing_objects_matched()
    return True


def _save_optimizer(optimizer: meta.MetaOptimizer):
  print("Saving meta-optimizer to {}".format(FLAGS.save_path))
  optimizer.save(FLAGS.save_path)


def _raise_keyboard_interrupt(signum, frame):
  del signum, frame
  raise KeyboardInterrupt


def _train(optimizer, minimize, training, summary_writer):
  """The training loop, from `training.epoch` to `--num_epochs`."""
  step, update, reset, cost_op, _ = minimize
  num_unrolls = FLAGS.num_steps // FLAGS.unroll_length
  start_epoch = int(training.epoch.numpy())
  run_start = time.time()
  total_time = 0
  total_cost = 0
  finite_epochs = 0
  nonfinite_in_a_row = 0
  for e in range(start_epoch, FLAGS.num_epochs):
    # Training.
    skipped = optimizer.skipped_steps
    epoch_time, cost = util.run_epoch(cost_op, [step], reset, num_unrolls)
    total_time += epoch_time
    if math.isfinite(cost):
      total_cost += cost
      finite_epochs += 1
      nonfinite_in_a_row = 0
    else:
      nonfinite_in_a_row += 1
      logging.warning(
          "Epoch %d: final loss %s; %d meta-optimizer update(s) skipped, the "
          "problem is reset at the next epoch.", e + 1, cost,
          optimizer.skipped_steps - skipped)
      if nonfinite_in_a_row >= FLAGS.max_nonfinite_epochs:
        raise RuntimeError(
            "{} epochs in a row ended with a non-finite loss (last: epoch "
            "{}); stopping. The saved optimizer, if any, is untouched.".format(
                nonfinite_in_a_row, e + 1))
    training.epoch.assign(e + 1)
    if summary_writer is not None:
      with summary_writer.as_default(step=e + 1):
        tf.summary.scalar("train/final_loss", cost)
        tf.summary.scalar("train/epoch_time", epoch_time)

    # Logging.
    if (e + 1) % FLAGS.log_period == 0:
      done = e + 1 - start_epoch
      rate = done / (time.time() - run_start)
      util.print_stats(
          "Epoch {}/{} ({:.2f} epochs/s, {} left)".format(
              e + 1, FLAGS.num_epochs, rate,
              util.format_duration((FLAGS.num_epochs - e - 1) / rate)),
          total_cost if finite_epochs else math.nan, total_time,
          max(finite_epochs, 1))
      if summary_writer is not None and finite_epochs:
        with summary_writer.as_default(step=e + 1):
          tf.summary.scalar("train/log_mean_final_error",
                            np.log10(total_cost / finite_epochs))
      total_time = 0
      total_cost = 0
      finite_epochs = 0

    # Evaluation.
    improved = False
    if (e + 1) % FLAGS.evaluation_period == 0:
      eval_cost = 0
      eval_time = 0
      for _ in range(FLAGS.evaluation_epochs):
        epoch_time, cost = util.run_epoch(cost_op, [update], reset,
                                          num_unrolls)
        eval_time += epoch_time
        eval_cost += cost
      util.print_stats("EVALUATION", eval_cost, eval_time,
                       FLAGS.evaluation_epochs)
      if summary_writer is not None and math.isfinite(eval_cost):
        with summary_writer.as_default(step=e + 1):
          tf.summary.scalar("evaluation/log_mean_final_error",
                            np.log10(eval_cost / FLAGS.evaluation_epochs))
      if FLAGS.save_path is not None and eval_cost < float(
          training.best_evaluation.numpy()):
        training.best_evaluation.assign(eval_cost)
        training.best_epoch.assign(e + 1)
        improved = True

    # Persistence: the checkpoint first, so that a run killed between the two
    # writes re-exports the improved nets when it resumes.
    if improved or (e + 1) % FLAGS.checkpoint_period == 0:
      training.checkpoint()
    if improved:
      _save_optimizer(optimizer)


def main(argv):
  del argv  # Unused.
  _check_flags()
  if FLAGS.resume:
    _check_resumed_run()
  if FLAGS.seed is not None:
    tf.random.set_seed(FLAGS.seed)

  # Problem.
  problem, net_config, net_assignments = util.get_config(
      FLAGS.problem, data_dir=FLAGS.data_dir)
  if hasattr(problem, "data_source"):
    logging.info("Data: %s", problem.data_source)

  # Optimizer setup.
  optimizer = meta.MetaOptimizer(**net_config)
  minimize = optimizer.meta_minimize(
      problem, FLAGS.unroll_length,
      learning_rate=FLAGS.learning_rate,
      net_assignments=net_assignments,
      second_derivatives=FLAGS.second_derivatives)
  training = _Training(optimizer)

  if FLAGS.resume:
    if training.restore():
      logging.info("Resuming %s at epoch %d (best evaluation so far: %g).",
                   FLAGS.save_path, int(training.epoch.numpy()),
                   float(training.best_evaluation.numpy()))
      if FLAGS.seed is not None:
        # TensorFlow's random state cannot be checkpointed: a resumed run is
        # repeatable, from a seed derived from the run's seed and its epoch.
        tf.random.set_seed(FLAGS.seed + int(training.epoch.numpy()))
      if int(training.best_epoch.numpy()) == int(training.epoch.numpy()):
        _save_optimizer(optimizer)
  elif FLAGS.save_path is not None:
    os.mkdir(FLAGS.save_path)
    with open(os.path.join(FLAGS.save_path, _RUN_FILE), "w") as f:
      json.dump(_run_config(), f)

  summary_writer = (tf.summary.create_file_writer(FLAGS.logdir)
                    if FLAGS.logdir else None)
  signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
  try:
    _train(optimizer, minimize, training, summary_writer)
  except KeyboardInterrupt:
    training.checkpoint()
    sys.exit("train.py: stopped at epoch {}; checkpoint written{}.".format(
        int(training.epoch.numpy()),
        ", continue with --resume" if FLAGS.save_path else ""))
  finally:
    if summary_writer is not None:
      summary_writer.flush()
  training.checkpoint()


if __name__ == "__main__":
  util.run_main(main)
