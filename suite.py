# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The generalization suite: learned optimizers and tuned baselines on the
held-out tasks of `tasks.py`, with `comparison.py`'s protocol per task.

On each task every optimizer runs on the same instances (seed `seed`); each
baseline is tuned for each metric on other instances (seed `seed + 1`,
`comparison.Evaluations.tune`, with its grid extension) and compared at the
learning rate it got for the final training loss. The learned optimizers
run untuned, as trained (`learning_rate=1.0`).

Per instance: the final training loss (the final network's on the whole
training split where the task has a scorer, else the last step's), the
test loss and accuracy (where it has a scorer), the mean loss over the run,
and whether it diverged: a non-finite loss at some step, or a final loss
above the loss it started from. The steps an optimizer takes to reach tuned
Adam's final loss are read off the mean curves.
"""

import math
from timeit import default_timer as timer
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

import comparison
import curves
import optimizers
import tasks
import util

# The baseline every optimizer is measured against.
REFERENCE = "Adam"
# The mean curves are averaged over a trailing window of this fraction of
# the steps before the steps to reach the reference's final loss are read
# off them (minibatch losses are noisy).
SMOOTHING_FRACTION = 0.05


def l2l_label(path: str) -> str:
  """The label of the learned optimizer saved in `path`: `"L2L <path>"`."""
  return "L2L " + path


def optimizer_name(label: str) -> str:
  """A run's label without the learning rate: `"Adam (lr 0.1)"` ->
  `"Adam"`."""
  return label.split(" (lr")[0]


def diverged(arrays: Dict[str, np.ndarray], mode: str) -> np.ndarray:
  """Whether each instance of a run diverged, `[instances]` bool: a
  non-finite loss at some step, or a final loss (as
  `comparison.instance_metrics` gives it) above the initial loss."""
  final = comparison.instance_metrics(arrays, mode)["final"]
  with np.errstate(invalid="ignore"):
    return (~np.all(np.isfinite(arrays["losses"]), axis=1) |
            ~np.isfinite(final) | (final > arrays["initial_losses"]))


def smoothed_mean_curve(losses: np.ndarray) -> np.ndarray:
  """The mean over instances of `losses` `[instances, steps]`, each step
  averaged with the steps before it over a window of `SMOOTHING_FRACTION`
  of the steps, `[steps]`."""
  mean = np.mean(losses, axis=0)
  window = max(1, int(SMOOTHING_FRACTION * len(mean)))
  sums = np.cumsum(np.concatenate([[0.0], mean]))
  counts = np.minimum(np.arange(1, len(mean) + 1), window)
  return (sums[1:] - sums[np.arange(1, len(mean) + 1) - counts]) / counts


def steps_to_reach(losses: np.ndarray, target: float) -> Optional[int]:
  """The first step (counted from 1) at which the smoothed mean curve of
  `losses` is at or below `target`; `None` if it never is."""
  with np.errstate(invalid="ignore"):
    reached = np.flatnonzero(smoothed_mean_curve(losses) <= target)
  return int(reached[0]) + 1 if reached.size else None


class TaskResult(NamedTuple):
  """Every optimizer's run on one task, on the same instances.

  Attributes:
    task: The task.
    runs: `{label: run}` (`comparison.Evaluations.run`'s arrays): the
        learned optimizers (`l2l_label`), then each baseline at the learning
        rate tuned for the final loss (`comparison.label`).
    learning_rates: `{label: learning rate}` of the baselines.
    mode: The split the optimizees trained on.
  """
  task: tasks.Task
  runs: Dict[str, Dict[str, np.ndarray]]
  learning_rates: Dict[str, float]
  mode: str

  @property
  def reference(self) -> str:
    """The label of tuned Adam's run."""
    return next(label for label in self.learning_rates
                if label.startswith(REFERENCE + " "))

  def metrics(self, label: str) -> Dict[str, np.ndarray]:
    """`comparison.instance_metrics` of a run, with `"diverged"`."""
    arrays = self.runs[label]
    return dict(comparison.instance_metrics(arrays, self.mode),
                diverged=diverged(arrays, self.mode))

  def target_loss(self) -> float:
    """Tuned Adam's final loss on the smoothed mean curve."""
    return float(smoothed_mean_curve(self.runs[self.reference]["losses"])[-1])

  def at_or_below_reference(self, label: str) -> bool:
    """Whether the run's final loss is below tuned Adam's, or within two
    standard errors of it (paired)."""
    if label == self.reference:
      return True
    difference = curves.paired_difference(
        self.metrics(label)["final"], self.metrics(self.reference)["final"])
    return curves.verdict(difference) in ("lower", "within 2 SE")


def run_task(evaluations: comparison.Evaluations, task: tasks.Task,
             l2l_paths: Sequence[str], num_instances: int,
             num_tuning_instances: int, seed: int,
             learning_rates: Sequence[float],
             max_extensions: int = comparison.MAX_GRID_EXTENSIONS
             ) -> TaskResult:
  """Tunes the baselines on `task` and runs every optimizer on it.

  Args:
    evaluations: Where the runs are computed and kept.
    task: The task.
    l2l_paths: Folders of the learned optimizers (`train.py --save_path`).
    num_instances: Instances every optimizer runs on (seed `seed`).
    num_tuning_instances: Instances the baselines are tuned on (seed
        `seed + 1`).
    seed: Seed of the compared instances.
    learning_rates: The baselines' starting learning-rate grid.
    max_extensions: Extensions of the grid per metric (see
        `comparison.Evaluations.tune`).

  Returns:
    The `TaskResult`.
  """
  chosen, _ = evaluations.tune(task.problem, task.num_steps,
                               num_tuning_instances, seed + 1, learning_rates,
                               max_extensions)
  runs = {l2l_label(path): evaluations.run(task.problem, "L2L", num_instances,
                                           task.num_steps, seed,
                                           l2l_path=path)
          for path in l2l_paths}
  rates = {}
  for baseline, metric_rates in chosen.items():
    label = comparison.label(baseline, metric_rates["final"])
    rates[label] = metric_rates["final"]
    runs[label] = evaluations.run(task.problem, baseline, num_instances,
                                  task.num_steps, seed,
                                  learning_rate=metric_rates["final"])
  return TaskResult(task, runs, rates, util.comparison_split(task.problem))


def _mean_and_error(values: np.ndarray, digits: int = 4) -> str:
  summary = curves.summarize(values)
  return "{:.{d}g} ({:.2g})".format(summary.mean, summary.standard_error,
                                    d=digits)


def task_table(result: TaskResult) -> str:
  """Markdown: one row per optimizer of a task.

  Columns: the learning rate (baselines: tuned for the final loss; learned
  optimizers: 1, untuned), the final training loss mean (SE), its paired
  difference with tuned Adam (SE) and verdict, the test loss and accuracy
  where the task has them, the mean loss over the run, the steps to reach
  tuned Adam's final loss on the smoothed mean curve (and the speed-up over
  Adam's own), and the diverged instances.
  """
  reference = result.metrics(result.reference)
  scored = "unseen_loss" in reference
  target = result.target_loss()
  reference_steps = steps_to_reach(result.runs[result.reference]["losses"],
                                   target)
  header = ["optimizer", "lr", "final training loss",
            "minus tuned Adam (paired)", "verdict"]
  if scored:
    header += ["test loss", "test accuracy"]
  header += ["mean loss over the run",
             "steps to Adam's final loss (speed-up)", "diverged"]
  rows = []
  for label, arrays in result.runs.items():
    metrics = result.metrics(label)
    difference = curves.paired_difference(metrics["final"],
                                          reference["final"])
    cells = [optimizer_name(label),
             "{:g}".format(result.learning_rates.get(label, 1.0)),
             _mean_and_error(metrics["final"])]
    if label == result.reference:
      cells += ["", ""]
    else:
      cells += ["{:+.3g} ({:.2g})".format(difference.mean,
                                          difference.standard_error),
                curves.verdict(difference)]
    if scored:
      cells += [_mean_and_error(metrics["unseen_loss"]),
                _mean_and_error(metrics["unseen_accuracy"], 3)]
    steps = steps_to_reach(arrays["losses"], target)
    cells += [_mean_and_error(metrics["trajectory"]),
              "never" if steps is None else "{} ({:.2g}x)".format(
                  steps, reference_steps / steps),
              "{}/{}".format(int(np.sum(metrics["diverged"])),
                             len(metrics["diverged"]))]
    rows.append("| " + " | ".join(cells) + " |")
  return "\n".join(["| " + " | ".join(header) + " |",
                    "|---" * len(header) + "|"] + rows)


def optimizer_labels(results: Sequence[TaskResult]) -> List[str]:
  """Every optimizer of `results`, learned ones first, by the name the score
  line gives it (a baseline without its learning rate)."""
  names = []
  for result in results:
    for label in result.runs:
      name = optimizer_name(label)
      if name not in names:
        names.append(name)
  return names


def _run_label(result: TaskResult, name: str) -> Optional[str]:
  """The label of the run of optimizer `name` in `result`, if it has one."""
  return next((label for label in result.runs
               if optimizer_name(label) == name), None)


class Score(NamedTuple):
  """An optimizer's score over the tasks.

  Attributes:
    at_or_below: Tasks where its final loss is at or below tuned Adam's
        (lower, or within two standard errors, paired).
    num_tasks: Tasks it ran on.
    diverged_tasks: Tasks where at least one instance diverged.
    diverged_instances: Diverged instances, over every task.
    num_instances: Instances, over every task.
  """
  at_or_below: int
  num_tasks: int
  diverged_tasks: int
  diverged_instances: int
  num_instances: int


def score(results: Sequence[TaskResult], name: str) -> Score:
  """The `Score` of optimizer `name` (as `optimizer_labels` names it)."""
  at_or_below = num_tasks = diverged_tasks = 0
  diverged_instances = num_instances = 0
  for result in results:
    label = _run_label(result, name)
    if label is None:
      continue
    num_tasks += 1
    at_or_below += result.at_or_below_reference(label)
    instances = result.metrics(label)["diverged"]
    diverged_tasks += bool(np.any(instances))
    diverged_instances += int(np.sum(instances))
    num_instances += len(instances)
  return Score(at_or_below, num_tasks, diverged_tasks, diverged_instances,
               num_instances)


def score_lines(results: Sequence[TaskResult]) -> str:
  """Markdown list: one line per optimizer, its `Score`."""
  lines = []
  for name in optimizer_labels(results):
    s = score(results, name)
    lines.append("- **{}**: final training loss at or below tuned Adam's on "
                 "{}/{} tasks; diverged on {} tasks ({} of {} instances)"
                 .format(name, s.at_or_below, s.num_tasks, s.diverged_tasks,
                         s.diverged_instances, s.num_instances))
  return "\n".join(lines)


def figure_panels(results: Sequence[TaskResult]):
  """`[(task name, [(label, losses)])]`, the panels of `curves.plot`."""
  return [(result.task.name, [(label, arrays["losses"])
                              for label, arrays in result.runs.items()])
          for result in results]


def figure_columns(num_panels: int) -> int:
  """Panels per row of the suite's figure: at most 4, as square as fits."""
  return min(4, max(1, math.ceil(math.sqrt(num_panels))))


def report(results: Sequence[TaskResult], protocol: str) -> str:
  """Markdown of the suite: the protocol, the score lines, then one table
  per task."""
  sections = [protocol, "Score over the tasks:\n\n" + score_lines(results)]
  for result in results:
    rates = ", ".join("{} {:g}".format(label.split(" ")[0], rate)
                      for label, rate in result.learning_rates.items())
    sections.append("### {}\n\n{} steps; baselines tuned for the final "
                    "training loss: {}.\n\n{}".format(
                        result.task.name, result.task.num_steps, rates,
                        task_table(result)))
  return "\n\n".join(sections) + "\n"


def protocol_line(num_instances: int, num_tuning_instances: int, seed: int,
                  learning_rates: Sequence[float],
                  max_extensions: int) -> str:
  """The sentence saying how the suite was measured."""
  return (
      "Every optimizer on the same {n} instances of each task (seed {s}); "
      "each baseline (SGD, RMSprop, Adam, NAG) tuned for the final training "
      "loss on {t} other instances (seed {s1}) over the learning rates {g}, "
      "the grid extended by half decades up to {e} times while the best is "
      "at its edge; the learned optimizers untuned (learning rate 1). Each "
      "cell: mean over instances (SE); differences are paired, instance by "
      "instance. Final training loss: the final network's on the whole "
      "training split (the last step's loss for the quadratic). An instance "
      "diverged if a loss was not finite or its final loss is above its "
      "initial loss. Steps to Adam's final loss: the first step at which "
      "the mean curve, averaged over a trailing window of {w:g}% of the "
      "steps, reaches tuned Adam's last value; the speed-up is Adam's own "
      "steps over them.".format(
          n=num_instances, s=seed, t=num_tuning_instances, s1=seed + 1,
          g=", ".join("{:g}".format(rate) for rate in learning_rates),
          e=max_extensions, w=100 * SMOOTHING_FRACTION))


class DropInSpeed(NamedTuple):
  """Seconds per step of `model.fit` with a learned optimizer and with
  Adam, each the median over rounds."""
  problem: str
  jit_compile: bool
  l2l_seconds: float
  adam_seconds: float


def fit_seconds_per_step(make_model: Callable[[], keras.Model],
                         loss: keras.losses.Loss, batches: tf.data.Dataset,
                         l2l_path: Optional[str], num_steps: int, rounds: int,
                         jit_compile: bool) -> Dict[str, float]:
  """Times `optimizers.L2L` against `keras.optimizers.Adam` in `model.fit`.

  Two models of `make_model()` (it should make them alike, e.g. seeded) are
  compiled, one with each optimizer, and fit on `batches`; after a warm-up
  fit of each (tracing and compiling), they take turns, `rounds` times,
  fitting `num_steps` steps each.

  Args:
    make_model: Makes a new, built Keras model.
    loss: The models' loss.
    batches: An endless dataset of `(inputs, targets)` batches.
    l2l_path: The learned optimizer (`optimizers.L2L`'s `path`).
    num_steps: Steps per timed fit.
    rounds: Timed fits per optimizer.
    jit_compile: `model.compile`'s `jit_compile` (XLA).

  Returns:
    `{"L2L": seconds, "Adam": seconds}`: the median over the rounds of the
    wall-clock seconds per step, fit overhead included.
  """
  models = {}
  for name, optimizer in (("L2L", optimizers.L2L(l2l_path)),
                          ("Adam", keras.optimizers.Adam())):
    model = make_model()
    model.compile(optimizer=optimizer, jit_compile=jit_compile, loss=loss)
    model.fit(batches, epochs=1, steps_per_epoch=2, verbose=0)
    models[name] = model
  seconds = {name: [] for name in models}
  for _ in range(rounds):
    for name, model in models.items():
      start = timer()
      model.fit(batches, epochs=1, steps_per_epoch=num_steps, verbose=0)
      seconds[name].append((timer() - start) / num_steps)
  return {name: float(np.median(times)) for name, times in seconds.items()}


def drop_in_speed(problem: str, l2l_path: str, num_steps: int, rounds: int,
                  jit_compile: bool, data_dir: Optional[str] = None,
                  seed: int = 0) -> DropInSpeed:
  """`fit_seconds_per_step` on a task's Keras model (`tasks.keras_model`,
  seeded alike) and its training split, shuffled, in its batch size.

  Args:
    problem: A problem with a Keras model (`tasks.has_keras_model`).
    l2l_path, num_steps, rounds, jit_compile: As for
        `fit_seconds_per_step`.
    data_dir: Folder of the data files.
    seed: Seed of the initial weights and of the shuffle.

  Returns:
    The `DropInSpeed`.
  """
  (inputs, targets), _ = tasks.keras_data(problem, data_dir)
  batches = tf.data.Dataset.from_tensor_slices((inputs, targets)).shuffle(
      len(targets), seed=seed).repeat().batch(tasks.keras_batch_size(problem))
  seconds = fit_seconds_per_step(
      lambda: tasks.keras_model(problem, seed=seed),
      tasks.keras_loss(problem), batches, l2l_path, num_steps, rounds,
      jit_compile)
  return DropInSpeed(problem, jit_compile, seconds["L2L"], seconds["Adam"])


def speed_table(speeds: Sequence[DropInSpeed]) -> str:
  """Markdown: seconds per step of each `DropInSpeed`, and the ratio."""
  rows = ["| {} | {} | {:.3g} | {:.3g} | {:.2f} |".format(
      s.problem, "yes" if s.jit_compile else "no", 1e3 * s.l2l_seconds,
      1e3 * s.adam_seconds, s.l2l_seconds / s.adam_seconds) for s in speeds]
  return "\n".join(["| task | jit_compile | L2L ms/step | Adam ms/step | "
                    "L2L / Adam |", "|---|---|---:|---:|---:|"] + rows)
