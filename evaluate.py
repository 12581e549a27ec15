# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Learning to learn: evaluates a trained optimizer or a baseline.

    python evaluate.py --problem=quadratic --optimizer=L2L --path=./quadratic
    python evaluate.py --problem=quadratic --optimizer=Adam --learning_rate=0.1

Runs `num_epochs` optimizations of `num_steps` steps each on new problem
instances and prints the original's statistics of the final losses, then
the mean trajectory loss and, for the MNIST problems, the final networks'
loss and accuracy on the whole test split (evaluated on) and training split.
With `--output`, writes every epoch's loss after each step (see
`_write_losses`).
"""

import io
import os
from typing import Any, Dict

# TensorFlow's C++ start-up messages would bury the script's own output;
# set TF_CPP_MIN_LOG_LEVEL to see them.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

import cli
import experiment
import fileio
import util

FLAGS = flags.FLAGS
flags.DEFINE_string("optimizer", "L2L",
                    "Optimizer: L2L, Adam, SGD, RMSprop or NAG.")
flags.DEFINE_string("path", None, "Path to saved meta-optimizer network.")
flags.DEFINE_integer("num_epochs", 100, "Number of evaluation epochs.")
flags.DEFINE_integer("seed", None, "Seed for TensorFlow's RNG.")

flags.DEFINE_string("problem", "simple", "Type of problem.")
flags.DEFINE_integer("num_steps", 100,
                     "Number of optimization steps per epoch.")
flags.DEFINE_float("learning_rate", 0.001, "Learning rate.")
flags.DEFINE_string("data_dir", None,
                    "Folder of the data files of the MNIST and CIFAR-10 "
                    "problems (see README).")
flags.DEFINE_integer("num_instances", 1,
                     "Problem instances optimized together in each epoch.")
flags.DEFINE_string("output", None,
                    "File for the loss after every step of every epoch: "
                    ".csv or .npz.")

_OUTPUT_FORMATS = (".csv", ".npz")


def _check_flags():
  """Raises `cli.UsageError` for bad flag values."""
  if FLAGS.optimizer not in experiment.OPTIMIZERS:
    raise cli.UsageError("--optimizer={} is not a valid optimizer; valid "
                         "optimizers: {}.".format(
                             FLAGS.optimizer, ", ".join(experiment.OPTIMIZERS)))
  cli.check_problem_flag(FLAGS.problem)
  cli.check_positive_flags(FLAGS, ("num_epochs", "num_steps",
                                  "num_instances"))
  cli.check_learning_rate_flag(FLAGS.learning_rate)
  if FLAGS.path is not None and not os.path.isdir(FLAGS.path):
    raise cli.UsageError("--path={} is not a folder of saved optimizer "
                         "files.".format(FLAGS.path))
  if FLAGS.output is not None:
    if os.path.splitext(FLAGS.output)[1] not in _OUTPUT_FORMATS:
      raise cli.UsageError("--output={} must end in .csv or .npz.".format(
          FLAGS.output))
    cli.check_parent_folder(FLAGS.output, "output")


def _write_losses(filename: str, losses: np.ndarray, num_instances: int,
                  run: Dict[str, Any]):
  """Writes the losses `[num_epochs * num_instances, num_steps]` to
  `filename`.

  A `.csv` file has a `#` comment line per entry of `run`, a header
  `epoch,step_1,...,step_N`, then one row per instance of each epoch
  (epoch-major): the epoch, then the loss after each step. A `.npz` file
  holds `losses` (the same array), `num_instances` and the entries of
  `run`. The file is written with `fileio.write_atomically`.
  """
  buffer = io.BytesIO()
  if filename.endswith(".npz"):
    np.savez(buffer, losses=losses, num_instances=num_instances, **run)
  else:
    text = io.StringIO()
    for key, value in run.items():
      text.write("# {}={}\n".format(key, value))
    header = ",".join(["epoch"] + ["step_{}".format(s + 1)
                                   for s in range(losses.shape[1])])
    epochs = np.repeat(np.arange(1, losses.shape[0] // num_instances + 1),
                       num_instances)
    rows = np.column_stack([epochs, losses])
    np.savetxt(text, rows, delimiter=",", header=header, comments="",
               fmt=["%d"] + ["%.9g"] * losses.shape[1])
    buffer.write(text.getvalue().encode())
  fileio.write_atomically(filename, buffer.getvalue())


def _print_scores(losses: np.ndarray, scores: Dict[str, np.ndarray]):
  """Prints the mean over instances of the mean loss over steps (the
  paper's meta-objective) and, for each split scored (the evaluated one,
  `util.EVALUATION_SPLIT`, first), the
  final networks' mean loss and accuracy on it."""
  print("Mean trajectory loss: {:.4g}".format(np.mean(losses)))
  evaluated = util.EVALUATION_SPLIT
  for split in (evaluated, experiment.other_split(evaluated)):
    if split + "_loss" in scores:
      print("Final network, whole {} split{}: loss {:.4g}, accuracy {:.4f}"
            .format(split, "" if split == evaluated else " (not trained on)",
                    np.mean(scores[split + "_loss"]),
                    np.mean(scores[split + "_accuracy"])))


def main(argv):
  del argv  # Unused.
  _check_flags()
  if FLAGS.seed is not None:
    tf.random.set_seed(FLAGS.seed)

  if FLAGS.optimizer == "L2L" and FLAGS.path is None:
    logging.warning("Evaluating untrained L2L optimizer")
  problem, net_config, net_assignments = experiment.optimizer_config(
      FLAGS.optimizer, FLAGS.problem, FLAGS.path, FLAGS.learning_rate,
      FLAGS.data_dir, util.EVALUATION_SPLIT)
  if hasattr(problem, "data_source"):
    logging.info("Data: %s", problem.data_source)
  run = experiment.evaluate_losses(
      problem, net_config, net_assignments, FLAGS.num_epochs,
      FLAGS.num_steps, FLAGS.seed, FLAGS.num_instances,
      experiment.split_scorers(FLAGS.problem, util.EVALUATION_SPLIT,
                               FLAGS.data_dir))
  losses, total_time, scores = run.losses, run.seconds, run.scores

  # Results: the mean final loss over every instance of every epoch, and
  # the mean time of an epoch.
  util.print_stats("Epoch {}".format(FLAGS.num_epochs),
                   float(np.sum(losses[:, -1])) / FLAGS.num_instances,
                   total_time, FLAGS.num_epochs)
  _print_scores(losses, scores)
  if FLAGS.output is not None:
    _write_losses(FLAGS.output, losses, FLAGS.num_instances, {
        "optimizer": FLAGS.optimizer, "problem": FLAGS.problem,
        "learning_rate": FLAGS.learning_rate,
        "seed": -1 if FLAGS.seed is None else FLAGS.seed,
        "path": (FLAGS.path or "") if FLAGS.optimizer == "L2L" else "",
        "data": getattr(problem, "data_source", "")})


if __name__ == "__main__":
  cli.run_main(main)
