# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Runs the generalization suite: learned optimizers against tuned baselines
on held-out tasks (`tasks.py`, `suite.py`).

    python generalization.py --output_dir=docs/generalization
    python generalization.py --tasks=mnist@100,mnist-relu@1000 \
        --paths=my-run --output_dir=out
    python generalization.py --quick --output_dir=/tmp/quick

Measured side by side: the shipped optimizers (`pretrained/general`,
`pretrained/mnist`, `pretrained/quadratic`), the optimizers saved in
`--paths` (folders of `train.py --save_path`), and the
hand-written baselines (SGD, RMSprop, Adam, NAG), each tuned per task. Then
the speed of the drop-in path: seconds per step of `optimizers.L2L` against
`keras.optimizers.Adam` in `model.fit` on each Keras task, with and without
`jit_compile`.

Results: `<output_dir>/generalization.md` (the protocol, a score line per
optimizer, a table per task, the speed table) and
`<output_dir>/generalization.png` (a panel per task: mean loss per step,
log scale, interquartile band). Every run is kept under
`<output_dir>/runs`, so a stopped suite continues where it stopped when the
same command is run again. `--quick` runs two tasks for 20 steps on two
instances (a check that the suite works, not a measurement).
"""

import os
from typing import List, Sequence

# TensorFlow's C++ start-up messages would bury the results.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import flags  # pylint: disable=g-import-not-at-top

import cli
import comparison
import curves
import fileio
import optimizers
import suite
import tasks

FLAGS = flags.FLAGS
flags.DEFINE_string("output_dir", "generalization",
                    "Folder of the results and of the runs.")
flags.DEFINE_list("tasks", None, "Tasks to run, `<problem>@<steps>` (default: "
                  "the whole suite, CIFAR-10 when its files are present).")
flags.DEFINE_list("paths", [], "Folders of further learned optimizers "
                  "(train.py's --save_path).")
flags.DEFINE_integer("num_instances", 20, "Instances every optimizer runs "
                     "on, per task.")
flags.DEFINE_integer("num_tuning_instances", 10, "Other instances the "
                     "baselines are tuned on, per task.")
flags.DEFINE_integer("seed", 0, "Seed of the compared instances (tuning uses "
                     "seed + 1).")
flags.DEFINE_list("learning_rates", None, "Starting learning-rate grid of the "
                  "baselines (default 1e-4 to 10 in half decades).")
flags.DEFINE_integer("max_extensions", comparison.MAX_GRID_EXTENSIONS,
                     "Half-decade extensions of the grid per metric while "
                     "the best learning rate is at its edge.")
flags.DEFINE_integer("speed_steps", 50, "Steps of each timed model.fit.")
flags.DEFINE_integer("speed_rounds", 3, "Timed fits per optimizer, taking "
                     "turns.")
flags.DEFINE_string("data_dir", None, "Folder of the MNIST, digits and "
                    "CIFAR-10 files.")
flags.DEFINE_bool("quick", False, "Two tasks, 20 steps, two instances, two "
                  "learning rates: a check that the suite runs.")

# The learned optimizers this repository ships, in its folder.
SHIPPED = ("pretrained/general", "pretrained/mnist", "pretrained/quadratic")
_REPOSITORY = os.path.dirname(os.path.abspath(__file__))
_QUICK_TASKS = (tasks.Task("digits-logistic", 20), tasks.Task("quadratic", 20))
_QUICK_INSTANCES = 2
_QUICK_LEARNING_RATES = (0.1, 1.0)
_QUICK_SPEED_STEPS = 5


class _PrintedProgress(comparison.Progress):
  """Prints the choices the comparison makes."""

  def log(self, message: str):
    print(message, flush=True)


def _check_paths(paths: Sequence[str]) -> List[str]:
  """The learned optimizers' folders, the shipped ones first; a one-line
  error for one that holds no optimizer."""
  for path in paths:
    optimizers.optimizer_file(path)
  # Relative to the working folder: `pretrained/...` when run from the
  # repository, as the labels of the results then read.
  shipped = [os.path.relpath(os.path.join(_REPOSITORY, path))
             for path in SHIPPED]
  return shipped + [path for path in paths if path not in shipped]


def _selected_tasks() -> List[tasks.Task]:
  if FLAGS.quick:
    return list(_QUICK_TASKS)
  if FLAGS.tasks:
    return [tasks.get_task(name) for name in FLAGS.tasks]
  return tasks.suite(FLAGS.data_dir)


def main(argv):
  del argv  # Unused.
  cli.check_positive_flags(FLAGS, ["num_instances", "num_tuning_instances",
                                   "speed_steps", "speed_rounds"])
  cli.check_non_negative_flags(FLAGS, ["max_extensions"])
  selected = _selected_tasks()
  paths = _check_paths(FLAGS.paths)
  cli.check_parent_folder(FLAGS.output_dir, "output_dir")
  num_instances, num_tuning = FLAGS.num_instances, FLAGS.num_tuning_instances
  learning_rates = cli.learning_rates_flag(
      FLAGS.learning_rates or comparison.DEFAULT_LEARNING_RATES)
  max_extensions, speed_steps = FLAGS.max_extensions, FLAGS.speed_steps
  speed_rounds, jit_settings = FLAGS.speed_rounds, (False, True)
  if FLAGS.quick:
    num_instances = num_tuning = _QUICK_INSTANCES
    learning_rates, max_extensions = list(_QUICK_LEARNING_RATES), 0
    speed_steps, speed_rounds, jit_settings = _QUICK_SPEED_STEPS, 1, (False,)
  os.makedirs(FLAGS.output_dir, exist_ok=True)
  evaluations = comparison.Evaluations(
      os.path.join(FLAGS.output_dir, "runs"), FLAGS.data_dir,
      _PrintedProgress())
  results = []
  for task in selected:
    print("Task {}".format(task.name), flush=True)
    results.append(suite.run_task(evaluations, task, paths, num_instances,
                                  num_tuning, FLAGS.seed, learning_rates,
                                  max_extensions))
  protocol = suite.protocol_line(num_instances, num_tuning, FLAGS.seed,
                                 learning_rates, max_extensions)
  keras_problems = list(dict.fromkeys(
      task.problem for task in selected if tasks.has_keras_model(task.problem)))
  speeds = []
  for problem in keras_problems:
    for jit_compile in jit_settings:
      print("Speed of model.fit on {} (jit_compile={})".format(problem,
                                                              jit_compile),
            flush=True)
      speeds.append(suite.drop_in_speed(problem, paths[0], speed_steps,
                                        speed_rounds, jit_compile,
                                        FLAGS.data_dir, FLAGS.seed))
  text = suite.report(results, protocol)
  if speeds:
    text += ("\n### Speed of the drop-in path\n\n`optimizers.L2L({!r})` "
             "against `keras.optimizers.Adam()` in `model.fit`, the same "
             "model and batches, {} steps per fit, median of {} fits each "
             "(taking turns, in one process).\n\n{}\n".format(
                 paths[0], speed_steps, speed_rounds,
                 suite.speed_table(speeds)))
  fileio.write_atomically(os.path.join(FLAGS.output_dir, "generalization.md"),
                          text.encode())
  curves.plot(os.path.join(FLAGS.output_dir, "generalization.png"),
              "Held-out tasks: mean training loss per step",
              suite.figure_panels(results), protocol.split(". ")[0] + ".",
              columns=suite.figure_columns(len(results)))
  print(text)


if __name__ == "__main__":
  cli.run_main(main)
