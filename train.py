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
import os

# TensorFlow's C++ start-up messages would bury the scripts' own output;
# set TF_CPP_MIN_LOG_LEVEL to see them.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import signal
import sys
from typing import Optional

from absl import flags
import tensorflow as tf

import augmentation
import cli
import training
import util

FLAGS = flags.FLAGS
flags.DEFINE_string("save_path", None, "Path for saved meta-optimizer.")
flags.DEFINE_integer("num_epochs", 10000, "Number of training epochs.")
flags.DEFINE_integer("log_period", 100, "Log period.")
flags.DEFINE_integer("evaluation_period", 1000, "Evaluation period.")
flags.DEFINE_integer("evaluation_epochs", 20, "Number of evaluation epochs.")

flags.DEFINE_string("problem", "simple",
                    "Type of problem; several, comma-separated, meta-train "
                    "one optimizer on the family (the first problem's nets).")
flags.DEFINE_integer("num_steps", 100,
                     "Number of optimization steps per epoch.")
flags.DEFINE_integer("unroll_length", 20, "Meta-optimizer unroll length.")
flags.DEFINE_float("learning_rate", 0.001, "Learning rate.")
flags.DEFINE_boolean("second_derivatives", False, "Use second derivatives.")
flags.DEFINE_float("log_and_sign_k", None,
                   "The k of the nets' LogAndSign preprocessing (MNIST, "
                   "CIFAR): default, the paper's 10; the original code's "
                   "is 5.")
flags.DEFINE_float("output_scale", None,
                   "Output scale of the learned nets: default, the paper's "
                   "0.1 for MNIST and CIFAR (the original code's is 0.01), "
                   "1 for the quadratic.")
flags.DEFINE_boolean("zero_output_layer", None,
                     "Start the learned nets with a zero output layer, so "
                     "that their first updates are zero: default, the "
                     "problem's (see README); --nozero_output_layer gives "
                     "the original's random output layer.")

flags.DEFINE_string("net", None,
                    "Learned net replacing the problem's, e.g. RNNprop (see "
                    "README); default, the problem's.")
flags.DEFINE_float("random_scaling", 0,
                   "Task augmentation: the problem sees each parameter times "
                   "exp(u), u ~ U[-r, r] per coordinate, redrawn every epoch; "
                   "the evaluations run the problem unscaled. 0: off.")
flags.DEFINE_list("curriculum", [],
                  "num_steps of the later stages of a horizon curriculum "
                  "(increasing multiples of --unroll_length): the run moves "
                  "to the next stage at the first evaluation that does not "
                  "improve on its stage's best.")

flags.DEFINE_integer("num_instances", 1,
                     "Problem instances optimized together per meta-step "
                     "(the meta-loss is their mean).")
flags.DEFINE_boolean("rematerialize", False,
                     "Recompute each unroll step's activations in the "
                     "meta-gradient instead of keeping them: the same "
                     "training with much less memory, for a slower step.")
flags.DEFINE_string("distribution_strategy", "off",
                    "off (one device), mirrored (every local GPU, or CPU) "
                    "or multi_worker_mirrored (the cluster of TF_CONFIG; "
                    "every worker runs train.py with the same flags).")
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
flags.DEFINE_integer("stalled_evaluations", 3,
                     "Warn after this many evaluations in a row that left "
                     "the loss at its initial value (the optimizer is not "
                     "learning).")

# Flags that define the optimizer being trained: a resumed run must use the
# values of the run it continues (they are kept in save_path/run.json).
# Run flags added later (see `training.run_config`): run.json records them
# only when they are not at their defaults, so that runs recorded before they
# existed still resume.
_LATER_RUN_FLAGS = ("net", "random_scaling", "curriculum")
_STRATEGIES = ("off", "mirrored", "multi_worker_mirrored")
_SCHEDULE_FLAGS = training.Schedule._fields


def _check_flags():
  """Raises `cli.UsageError` for flag values out of range, and
  `errors.InputError` for a `--save_path` the run cannot use."""
  cli.check_positive_flags(FLAGS, ("num_steps", "unroll_length",
                                  "num_instances") + _SCHEDULE_FLAGS)
  cli.check_unroll_flags(FLAGS.num_steps, FLAGS.unroll_length)
  cli.check_learning_rate_flag(FLAGS.learning_rate)
  for problem_name in _problem_names():
    cli.check_problem_flag(problem_name)
  cli.check_random_scaling_flag(FLAGS.random_scaling)
  try:
    training.check_curriculum(
        FLAGS.num_steps, FLAGS.unroll_length,
        cli.integers_flag(FLAGS.curriculum, "curriculum"))
  except ValueError as e:
    raise cli.UsageError("--curriculum: {}".format(e)) from None
  _net_config()  # Checks the net settings flags.
  if FLAGS.logdir is not None and importlib.util.find_spec(
      "tensorboard") is None:
    raise cli.UsageError("--logdir needs the tensorboard package: "
                         "python -m pip install tensorboard")
  if FLAGS.resume and FLAGS.save_path is None:
    raise cli.UsageError("--resume needs --save_path, the folder of the run "
                         "to continue.")
  if FLAGS.distribution_strategy not in _STRATEGIES:
    raise cli.UsageError(
        "--distribution_strategy={} is not a valid strategy; valid "
        "strategies: {}.".format(FLAGS.distribution_strategy,
                                 ", ".join(_STRATEGIES)))
  if FLAGS.distribution_strategy == "multi_worker_mirrored":
    _check_tf_config(os.environ.get("TF_CONFIG"))
  elif FLAGS.save_path is not None:
    # In a cluster only the chief checks: it creates the folder.
    training.check_save_path(FLAGS.save_path, FLAGS.resume, _run_config())


def _check_tf_config(tf_config: Optional[str]):
  """Raises `cli.UsageError` unless `tf_config` (the `TF_CONFIG` variable)
  describes a cluster of workers and this process's place in it."""
  if not tf_config:
    raise cli.UsageError("--distribution_strategy=multi_worker_mirrored "
                         "needs TF_CONFIG, the cluster and this worker's "
                         "task (see README).")
  try:
    config = json.loads(tf_config)
    workers = config["cluster"]["worker"]
    task = config["task"]
    index = int(task["index"])
  except (ValueError, KeyError, TypeError) as e:
    raise cli.UsageError("TF_CONFIG is not a cluster description "
                         "({}: {}).".format(type(e).__name__, e)) from None
  if not workers or task.get("type") != "worker" or not (
      0 <= index < len(workers)):
    raise cli.UsageError(
        "TF_CONFIG: task {} is not one of the {} worker(s) of the cluster."
        .format(task, len(workers)))


def _strategy() -> Optional[tf.distribute.Strategy]:
  """The strategy of --distribution_strategy, created before any eager op
  (a MultiWorkerMirroredStrategy must be)."""
  if FLAGS.distribution_strategy == "mirrored":
    return tf.distribute.MirroredStrategy()
  if FLAGS.distribution_strategy == "multi_worker_mirrored":
    # RING on CPUs (NCCL runs on GPUs only), NCCL on GPUs.
    return tf.distribute.MultiWorkerMirroredStrategy(
        communication_options=tf.distribute.experimental.CommunicationOptions(
            implementation=(
                tf.distribute.experimental.CommunicationImplementation.AUTO)))
  return None


def _net_config():
  """The problem's nets with --log_and_sign_k, --output_scale and
  --zero_output_layer applied.

  Raises:
    cli.UsageError: For a value out of range or a setting the problem's
        nets do not have.
  """
  for name in ("log_and_sign_k", "output_scale"):
    if FLAGS[name].value is not None and not FLAGS[name].value > 0:
      raise cli.UsageError("--{} must be positive, got {}.".format(
          name, FLAGS[name].value))
  first, *others = _problem_names()
  net_config, net_assignments = util.get_net_config(first)
  for other in others:
    other_config, other_assignments = util.get_net_config(other)
    if (net_assignments is not None or other_assignments is not None or
        len(other_config) != len(net_config)):
      raise cli.UsageError(
          "--problem={}: a family's problems must all be trained by a "
          "single net; {} and {} assign their variables to several."
          .format(FLAGS.problem, first, other))
  try:
    if FLAGS.net is not None:
      net_config = util.with_net(net_config, FLAGS.net)
    return util.with_net_settings(net_config, FLAGS.log_and_sign_k,
                                  FLAGS.output_scale,
                                  FLAGS.zero_output_layer)
  except ValueError as e:
    raise cli.UsageError("--problem={}: --{}".format(FLAGS.problem,
                                                     e)) from None


def _problem_names():
  """The problems of --problem: one, or a family."""
  return [name.strip() for name in FLAGS.problem.split(",")]


def _run_config():
  """`training.run_config` of the flags, with the LogAndSign k and output
  scale that the nets have (the problem's where the flags are not given), so
  that a run is resumed with the nets it trained even if the problem's
  defaults changed."""
  return training.run_config(
      FLAGS.problem, _net_config(), FLAGS.num_steps, FLAGS.unroll_length,
      FLAGS.second_derivatives,
      **{name: FLAGS[name].value for name in _LATER_RUN_FLAGS
         if FLAGS[name].value != FLAGS[name].default})


def _problems():
  """`(problem, evaluation_problem, net_assignments)` of `meta_train`: the
  problem of --problem (a `{name: make_loss}` family for several), with
  --random_scaling applied, and the problem the evaluations run (`None`:
  the same)."""
  names = _problem_names()
  configs = {name: util.get_config(name, data_dir=FLAGS.data_dir)
             for name in names}
  net_assignments = configs[names[0]][2]
  plain = {name: config[0] for name, config in configs.items()}
  if not FLAGS.random_scaling:
    return _one_or_family(plain), None, net_assignments
  scaled = {name: augmentation.random_scaling(make_loss, FLAGS.random_scaling)
            for name, make_loss in plain.items()}
  return _one_or_family(scaled), _one_or_family(plain), net_assignments


def _one_or_family(family):
  """The only `make_loss` of a family of one (`meta_train` prints its
  evaluations as the original did), or the `{name: make_loss}` family."""
  return next(iter(family.values())) if len(family) == 1 else family


def _raise_keyboard_interrupt(signum, frame):
  del signum, frame
  raise KeyboardInterrupt


def main(argv):
  del argv  # Unused.
  _check_flags()
  strategy = _strategy()
  problem, evaluation_problem, net_assignments = _problems()
  net_config = _net_config()
  signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
  try:
    training.meta_train(
        problem, net_config, net_assignments, num_steps=FLAGS.num_steps,
        unroll_length=FLAGS.unroll_length, learning_rate=FLAGS.learning_rate,
        second_derivatives=FLAGS.second_derivatives,
        num_instances=FLAGS.num_instances,
        rematerialize=FLAGS.rematerialize,
        schedule=training.Schedule(
            **{name: FLAGS[name].value for name in _SCHEDULE_FLAGS}),
        save_path=FLAGS.save_path, resume=FLAGS.resume,
        run_config=_run_config(), seed=FLAGS.seed, logdir=FLAGS.logdir,
        strategy=strategy, evaluation_problem=evaluation_problem,
        curriculum=cli.integers_flag(FLAGS.curriculum, "curriculum"))
  except training.Stopped as e:
    sys.exit("train.py: stopped at epoch {}; checkpoint written{}.".format(
        e.epoch, ", continue with --resume" if FLAGS.save_path else ""))
  except training.WorkerLost as e:
    sys.exit("train.py: error: {}".format(_worker_lost_message(e)))


def _worker_lost_message(lost: training.WorkerLost) -> str:
  """What a worker that lost another of the cluster prints."""
  workers = json.loads(os.environ["TF_CONFIG"])["cluster"]["worker"]
  who = ("worker {} (task {})".format(workers[lost.task], lost.task)
         if lost.task is not None and lost.task < len(workers) else
         "a worker")
  if not FLAGS.save_path:
    where = "nothing was saved (no --save_path): restart every worker"
  elif lost.checkpoint_epoch:
    where = ("the last checkpoint is at epoch {} in {}: restart every worker "
             "with --resume".format(lost.checkpoint_epoch, FLAGS.save_path))
  else:
    where = ("no checkpoint was written yet: remove {} and restart every "
             "worker".format(FLAGS.save_path))
  return "{} of the cluster is unreachable (it died or stopped answering); "          "{}.".format(who, where)


if __name__ == "__main__":
  cli.run_main(main)
