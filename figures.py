# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Reproduces the paper's figures: L2L against tuned baselines.

    python figures.py --output_dir=docs/figures           # the paper's settings
    python figures.py --output_dir=/tmp/figures --quick   # a one-minute smoke run

For each figure, the L2L optimizer is meta-trained with `training.meta_train`,
as `train.py` trains it, into `<output_dir>/work/optimizers/<problem>` (a run
there is reused when trained to `--train_epochs`, continued otherwise; a
folder holding only `.l2l` files, such as a copy of a `train.py` run's, is
used as it is). The optimizer kept is the best of the run's evaluations,
which draw their own instances (validation instances), never the figure's.

The comparison is paired: every optimizer runs on the same held-out
instances (initial networks and minibatch sequences, one seed). Two metrics
are compared, each per instance: the mean loss over the run (the paper's
meta-objective) and the final loss, measured without minibatch noise (the
final network's loss on the whole data split it trained on; the quadratic's
last loss is exact). Each baseline (SGD, RMSprop, Adam, NAG, with the
Torch-optim defaults) is tuned for each metric on other instances of the
same distribution: the learning rate of `--learning_rates` with the lowest
mean, the grid extended by half decades while the best is at its edge.
The data problems' optimizees train on the training split, as in
meta-training, and their final networks are also scored on the test split,
which they never trained on (loss and accuracy).

Each figure is written to `<output_dir>` as `<figure>.png` (mean loss per
step on a log scale, with the interquartile range over instances as a band;
L2L solid, the baselines tuned on the mean loss dashed), `<figure>.csv`
(the curves of every run) and `<figure>.md` (per metric: mean, standard
error and median of each optimizer, and the L2L-minus-baseline difference,
instance by instance, with its standard error); `FIGURES.md` gathers the
tables. Trained optimizers and every evaluation run are kept under
`<output_dir>/work`, so that a rerun reuses them.
"""

import collections
import hashlib
import math
import os
import sys
import time
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

# TensorFlow's C++ start-up messages would bury the progress lines.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import flags  # pylint: disable=g-import-not-at-top
from absl import logging
import numpy as np

import cli
import curves
import errors
import experiment
import fileio
import training
import util

FLAGS = flags.FLAGS
flags.DEFINE_string("output_dir", "figures", "Folder of the figures, tables "
                    "and (under work/) the trained optimizers and runs.")
flags.DEFINE_list("figures", None, "Figures to make (default: all).")
flags.DEFINE_boolean("quick", False, "Tiny budgets: every figure end to end "
                     "in about a minute (a smoke test; results not "
                     "meaningful).")
flags.DEFINE_boolean("pretrained", False, "Use the optimizers shipped in "
                     "pretrained/<problem> instead of training them (a "
                     "figure without one is skipped).")
flags.DEFINE_integer("train_epochs", None, "Meta-training epochs of each L2L "
                     "optimizer (default 10000, the original's; --quick: 2).")
flags.DEFINE_list("learning_rates", None, "Learning-rate grid of the "
                  "baselines (default 1e-4 to 10 in half decades).")
flags.DEFINE_integer("seed", 0, "Seed of the held-out instances (tuning "
                     "uses seed + 1, training seed + 2).")
flags.DEFINE_string("data_dir", None,
                    "Folder of the MNIST and CIFAR-10 data (see README).")

_DEFAULT_LEARNING_RATES = ("1e-4", "3e-4", "1e-3", "3e-3", "0.01", "0.03",
                           "0.1", "0.3", "1", "3", "10")
_QUICK_LEARNING_RATES = ("0.01", "0.1")
_DEFAULT_TRAIN_EPOCHS = 10000
_QUICK_TRAIN_EPOCHS = 2
# The optimizers shipped with the code: pretrained/<problem>/<net key>.l2l.
PRETRAINED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "pretrained")
# Written next to an optimizer trained to the end: its epochs.
_TRAINED_EPOCHS_FILE = "trained_epochs.txt"

Panel = collections.namedtuple("Panel", "problem num_steps title")


class Figure(collections.namedtuple(
    "Figure", "name title train_problem panels num_instances "
    "num_tuning_instances")):
  """One figure: panels of problems optimized by the L2L optimizer trained
  on `train_problem` and by the tuned baselines.

  Attributes:
    name: File name stem.
    title: Figure title.
    train_problem: Problem the L2L optimizer is trained on.
    panels: `Panel(problem, num_steps, title)` tuples.
    num_instances: Held-out instances per optimizer.
    num_tuning_instances: Training-distribution instances per learning rate.
  """


def _cifar_figure(name, problem, title):
  return Figure(name, title, problem, [Panel(problem, 100, problem)], 20,
                5)


FIGURES = [
    Figure("quadratic", "Quadratic functions (10-d)", "quadratic",
           [Panel("quadratic", 100, "Quadratic")], 100, 20),
    Figure("mnist", "MNIST, 1 hidden layer of 20 sigmoid units", "mnist",
           [Panel("mnist", 100, "MNIST"), Panel("mnist", 200, "MNIST")],
           100, 20),
    Figure("mnist_generalization",
           "MNIST: optimizer trained on the base MLP, applied to variants",
           "mnist",
           [Panel("mnist-wider", 100, "40 hidden units"),
            Panel("mnist-deeper", 100, "2 hidden layers"),
            Panel("mnist-relu", 100, "ReLU activations")], 100, 20),
    _cifar_figure("cifar", "cifar", "CIFAR-10, one LSTM"),
    _cifar_figure("cifar_multi", "cifar-multi",
                  "CIFAR-10, separate conv and fc LSTMs"),
    _cifar_figure("cifar5", "cifar5", "CIFAR-5 (held-out labels)"),
    _cifar_figure("cifar2", "cifar2", "CIFAR-2 (held-out labels)"),
]
FIGURE_NAMES = [f.name for f in FIGURES]

# --quick: the settings of every run, scaled down.
_QUICK = {"num_instances": 2, "num_tuning_instances": 1, "num_steps": 10,
          "train_num_steps": 10, "train_unroll_length": 5}


class Settings(collections.namedtuple(
    "Settings",
    "output_dir quick pretrained train_epochs seed data_dir command")):
  """What every figure of one `figures.py` run shares.

  Attributes:
    output_dir: Folder of the figures; `work/` under it holds the trained
        optimizers and the evaluation runs.
    quick: Whether to scale every budget down (`_QUICK`).
    pretrained: Whether to use the optimizers of `pretrained/` rather than
        train them.
    train_epochs: Meta-training epochs of each L2L optimizer.
    seed: Seed of the held-out instances (tuning uses seed + 1, training
        seed + 2).
    data_dir: Folder of the MNIST and CIFAR-10 data, or `None`.
    command: The command line that made the figures, quoted in them.
  """

  def work_path(self, *parts) -> str:
    """`output_dir/work/<parts>`, its parent folder created."""
    path = os.path.join(self.output_dir, "work", *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path

  def panel_steps(self, panel: Panel) -> int:
    return (_QUICK["num_steps"] * panel.num_steps // 100 if self.quick else
            panel.num_steps)


class Progress:
  """Prints the progress of one figure: runs done, elapsed and remaining
  time (extrapolated from the runs done)."""

  def __init__(self, figure: str, num_runs: int):
    self._figure = figure
    self._num_runs = num_runs
    self._done = 0
    self._start = time.time()

  def log(self, message: str):
    elapsed = time.time() - self._start
    if self._done:
      remaining = "~" + training.format_duration(
          elapsed / self._done * max(0, self._num_runs - self._done))
    else:
      remaining = "?"
    print("[{} {}/{} runs, {} elapsed, {} left] {}".format(
        self._figure, self._done, self._num_runs,
        training.format_duration(elapsed), remaining, message), flush=True)

  def done(self):
    self._done += 1

  def add_runs(self, count: int):
    """Counts `count` more runs than announced (e.g. a grid extension)."""
    self._num_runs += count


class _TrainingProgress(training.Progress):
  """Relays a meta-training run's statistics to a figure's progress lines."""

  def __init__(self, progress: Progress):
    self._progress = progress

  def statistics(self, header, total_error, total_time, num_epochs):
    self._progress.log("L2L training, {}: log mean final error {:.2f}".format(
        header, util.log_mean_error(total_error, num_epochs)))

  def saved(self, save_path):
    self._progress.log("L2L saved to " + save_path)


def _net_files_digest(path: str) -> str:
  """Short digest of the saved nets in `path` (the cache key of L2L runs)."""
  digest = hashlib.sha256()
  for name in sorted(os.listdir(path)):
    if name.endswith(".l2l"):
      with open(os.path.join(path, name), "rb") as f:
        digest.update(name.encode() + f.read())
  return digest.hexdigest()[:12]


def _has_nets(path: str) -> bool:
  return os.path.isdir(path) and any(n.endswith(".l2l")
                                     for n in os.listdir(path))


def train_optimizer(problem: str, settings: Settings,
                    progress: Progress) -> str:
  """Trains (or reuses) the L2L optimizer of `problem`; returns its folder.

  The folder is `work/optimizers/<problem>`. One that holds `.l2l` files
  but no `run.json` is used as it is; a run trained to `train_epochs` is
  reused; any other run there is continued with `resume`.

  Raises:
    errors.InputError: If the run saved no optimizer.
  """
  path = settings.work_path("optimizers", problem)
  done_file = os.path.join(path, _TRAINED_EPOCHS_FILE)
  num_epochs = settings.train_epochs
  resume = os.path.exists(os.path.join(path, training.RUN_FILE))
  if _has_nets(path) and not resume:
    progress.log("using the optimizer in {} as it is".format(path))
    return path
  if os.path.exists(done_file):
    with open(done_file) as f:
      if f.read().strip() == str(num_epochs):
        progress.log("reusing the optimizer in {}, trained {} epochs".format(
            path, num_epochs))
        return path
  period = max(1, num_epochs // 20)
  num_steps, unroll_length = ((_QUICK["train_num_steps"],
                               _QUICK["train_unroll_length"])
                              if settings.quick else (100, 20))
  progress.log("training L2L on {} for {} epochs{} into {}".format(
      problem, num_epochs, " (resumed)" if resume else "", path))
  problem_fn, net_config, net_assignments = util.get_config(
      problem, data_dir=settings.data_dir)
  training.meta_train(
      problem_fn, net_config, net_assignments, num_steps=num_steps,
      unroll_length=unroll_length,
      schedule=training.DEFAULT_SCHEDULE._replace(
          num_epochs=num_epochs, log_period=period, evaluation_period=period,
          evaluation_epochs=1 if settings.quick else 20,
          checkpoint_period=period),
      save_path=path, resume=resume,
      run_config={"problem": problem, "num_steps": num_steps,
                  "unroll_length": unroll_length,
                  "second_derivatives": False},
      seed=settings.seed + 2, progress=_TrainingProgress(progress))
  if not _has_nets(path):
    raise errors.InputError("Meta-training on {} saved no optimizer in {}: "
                            "no evaluation had a finite loss.".format(
                                problem, path))
  _write_text(done_file, "{}\n".format(num_epochs))
  return path


# Instances optimized together in one evaluation program (a divisor of the
# number of instances of a run).
_MAX_INSTANCES_PER_PROGRAM = 20
# The metrics compared, by the name of their per-instance values
# (`instance_metrics`), with their description in the tables.
METRICS = {"trajectory": "mean loss over the run",
           "final": "final loss"}
# Scores of the final network on the split it never trained on.
_UNSEEN_SCORES = {"unseen_loss": "loss on unseen data",
                  "unseen_accuracy": "accuracy on unseen data"}
# The grid is extended by this factor (half a decade) while its best
# learning rate is at an edge, up to `_MAX_GRID_EXTENSIONS` times per metric
# (`--quick`: once).
_GRID_FACTOR = 10 ** 0.5
_MAX_GRID_EXTENSIONS = 4


def evaluation_mode(problem_name: str) -> str:
  """The data split the evaluated optimizees train on: the training split,
  as in meta-training, but for CIFAR-5 and CIFAR-2, whose optimizer is
  evaluated on the labels it never trained on (their "test" mode)."""
  return "test" if problem_name in ("cifar5", "cifar2") else "train"


def evaluation_run(panel_problem: str, optimizer: str, num_instances: int,
                   num_steps: int, seed: int, settings: Settings,
                   learning_rate: float = 0.0,
                   l2l_path: Optional[str] = None) -> Dict[str, np.ndarray]:
  """One optimizer's run on `num_instances` instances of `num_steps` steps.

  Computed with `experiment.evaluate_losses` (instances optimized
  `_MAX_INSTANCES_PER_PROGRAM` at a time), or read back from an earlier
  run's file.

  Returns:
    `{"losses": [num_instances, num_steps]}`, with, for the problems that
    have scorers, each final network's scores on both whole splits
    `[num_instances]` (`train_loss`, `train_accuracy`, `test_loss`,
    `test_accuracy`).
  """
  mode = evaluation_mode(panel_problem)
  key = (_net_files_digest(l2l_path) if optimizer == "L2L" else
         "lr{:g}".format(learning_rate))
  filename = settings.work_path(
      "runs", "{}_{}_{}_{}_{}x{}_seed{}_scored.npz".format(
          panel_problem, optimizer, key, mode, num_instances, num_steps,
          seed))

  def compute():
    config = experiment.optimizer_config(optimizer, panel_problem, l2l_path,
                                         learning_rate, settings.data_dir,
                                         mode)
    per_program = math.gcd(num_instances, _MAX_INSTANCES_PER_PROGRAM)
    run = experiment.evaluate_losses(
        *config, num_epochs=num_instances // per_program,
        num_steps=num_steps, seed=seed, num_instances=per_program,
        scorers=experiment.split_scorers(panel_problem, mode,
                                         settings.data_dir))
    return dict(run.scores, losses=run.losses)

  return experiment.cached_arrays(filename, compute)


def instance_metrics(arrays: Dict[str, np.ndarray],
                     mode: str) -> Dict[str, np.ndarray]:
  """Each instance's value of every metric of a run (`evaluation_run`).

  Args:
    arrays: The run's arrays.
    mode: The split its optimizees trained on (`evaluation_mode`).

  Returns:
    `{"trajectory": mean loss over the steps, "final": final loss}`, each
    `[instances]`; the final loss is the final network's on the whole split
    `mode` where the problem has scorers, the last step's loss otherwise
    (exact for the data-free problems). With scorers, also `"unseen_loss"`
    and `"unseen_accuracy"`, the final network's on the other split.
  """
  losses = arrays["losses"]
  metrics = {"trajectory": curves.trajectory_losses(losses),
             "final": arrays.get(mode + "_loss", losses[:, -1])}
  unseen = experiment.other_split(mode)
  for name in _UNSEEN_SCORES:
    key = name.replace("unseen", unseen)
    if key in arrays:
      metrics[name] = arrays[key]
  return metrics


def _best_learning_rate(means: Dict[float, Dict[str, float]],
                        metric: str) -> Tuple[float, bool]:
  """The learning rate with the lowest mean `metric`, and whether it is at
  an edge of the grid (`means`: `{learning rate: {metric: mean}}`)."""
  grid = sorted(means)
  best = min(grid, key=lambda learning_rate: means[learning_rate][metric])
  return best, len(grid) > 1 and best in (grid[0], grid[-1])


def tune(panel_problem: str, num_steps: int, figure: Figure,
         learning_rates: Sequence[float], settings: Settings,
         progress: Progress) -> Tuple[Dict[str, Dict[str, float]],
                                      List[Tuple]]:
  """Picks each baseline's learning rate for each metric.

  Tuning runs use other instances (seed + 1) of the distribution the
  figure's instances come from. While a metric's best learning rate is at
  an edge of the grid, the grid is extended to the next half decade beyond
  it (at most `_MAX_GRID_EXTENSIONS` times per metric); each metric's rate
  is then the best of the whole grid.

  Returns:
    `({baseline: {metric: learning rate}}, [(baseline, learning rate,
    {metric: mean over the tuning instances})])`.
  """
  max_extensions = 1 if settings.quick else _MAX_GRID_EXTENSIONS
  chosen, scores = {}, []
  for baseline in experiment.BASELINES:
    means = {}

    def evaluate(learning_rate, baseline=baseline, means=means):
      arrays = evaluation_run(panel_problem, baseline,
                              figure.num_tuning_instances, num_steps,
                              settings.seed + 1, settings,
                              learning_rate=learning_rate)
      metrics = instance_metrics(arrays, evaluation_mode(panel_problem))
      means[learning_rate] = {metric: curves.mean_or_inf(metrics[metric])
                              for metric in METRICS}
      progress.done()

    for learning_rate in learning_rates:
      evaluate(learning_rate)
    extensions = dict.fromkeys(METRICS, 0)
    while True:
      at_edge = [metric for metric in METRICS
                 if _best_learning_rate(means, metric)[1] and
                 extensions[metric] < max_extensions]
      if not at_edge:
        break
      best, _ = _best_learning_rate(means, at_edge[0])
      extensions[at_edge[0]] += 1
      progress.add_runs(1)
      evaluate(experiment.next_half_decade(best, up=best == max(means)))
    chosen[baseline] = {}
    for metric in METRICS:
      best, edge = _best_learning_rate(means, metric)
      chosen[baseline][metric] = best
      progress.log("{} on {}, {}: learning rate {:g} (mean {:.4g} on the "
                   "tuning instances){}".format(
                       baseline, panel_problem, METRICS[metric], best,
                       means[best][metric],
                       "; still at the edge of the extended grid: widen "
                       "--learning_rates" if edge else ""))
    scores += [(baseline, lr, means[lr]) for lr in sorted(means)]
  return chosen, scores


def _write_text(filename: str, text: str):
  fileio.write_atomically(filename, text.encode())


def _data_note(problem_name: str, data_dir: Optional[str]) -> Optional[str]:
  """Where the problem's data comes from.

  Raises:
    errors.MissingFileError: If the data is missing.
  """
  problem, _, _ = util.get_config(problem_name, mode="test",
                                  data_dir=data_dir)
  return getattr(problem, "data_source", None)


def make_figure(figure: Figure, learning_rates: Sequence[float],
                settings: Settings):
  """Makes one figure: `<figure>.png`, `.csv` and `.md` (its section of
  FIGURES.md, which says why where the figure was skipped)."""
  if settings.quick:
    figure = figure._replace(
        num_instances=_QUICK["num_instances"],
        num_tuning_instances=_QUICK["num_tuning_instances"])
  problems = list(dict.fromkeys(panel.problem for panel in figure.panels))
  # Baselines are tuned once per problem, at its shortest horizon, as the
  # paper reused its learning rates for the longer runs.
  shortest = {problem: min(settings.panel_steps(panel)
                           for panel in figure.panels
                           if panel.problem == problem)
              for problem in problems}
  num_runs = (len(problems) * len(experiment.BASELINES) *
              len(learning_rates) +
              len(figure.panels) * (1 + 2 * len(experiment.BASELINES)))
  progress = Progress(figure.name, num_runs)
  stem = os.path.join(settings.output_dir, figure.name)
  try:
    data = {p: _data_note(p, settings.data_dir) for p in problems}
  except errors.MissingFileError as e:
    progress.log("skipped: " + str(e))
    _write_text(stem + ".md", "## {}\n\nSkipped: {}\n".format(figure.title, e))
    return
  for problem, source in data.items():
    if source:
      progress.log("data of {}: {}".format(problem, source))
  if settings.pretrained:
    l2l_path = os.path.join(PRETRAINED_DIR, figure.train_problem)
    if not _has_nets(l2l_path):
      progress.log("skipped: no optimizer in pretrained/" +
                   figure.train_problem)
      _write_text(stem + ".md", "## {}\n\nSkipped: no pretrained optimizer "
                  "in pretrained/{}.\n".format(figure.title,
                                               figure.train_problem))
      return
    l2l_note = "L2L: the optimizer of pretrained/{} (see its README)".format(
        figure.train_problem)
  else:
    l2l_path = train_optimizer(figure.train_problem, settings, progress)
    l2l_note = "L2L trained {} epochs".format(settings.train_epochs)

  chosen, tuning_lines = {}, []
  for problem in problems:
    chosen[problem], scores = tune(problem, shortest[problem], figure,
                                   learning_rates, settings, progress)
    tuning_lines += [
        "| {} | {} | {:g} | {} |".format(
            problem, baseline, learning_rate, " | ".join(
                "{:.4g}".format(means[metric]) for metric in METRICS))
        for baseline, learning_rate, means in scores]
  panels_results = [
      (panel, _held_out_runs(panel.problem, settings.panel_steps(panel),
                             figure.num_instances, chosen[panel.problem],
                             l2l_path, settings, progress))
      for panel in figure.panels]
  sources = sorted({d for d in data.values() if d})
  note = ("{} held-out instances, the same for every optimizer (seed {}); "
          "band: interquartile range; {}{}".format(
              figure.num_instances, settings.seed, l2l_note,
              "; data: " + ", ".join(sources) if sources else ""))
  _write_figure(figure, panels_results, note, sources, tuning_lines,
                settings)
  progress.log("done: {}.png".format(stem))


class PanelRuns(NamedTuple):
  """A panel's held-out runs, every optimizer on the same instances.

  Attributes:
    l2l: L2L's run (`evaluation_run`'s arrays).
    baselines: `{(baseline, learning rate): run}`, each baseline at the
        learning rate chosen for each metric.
    chosen: `{baseline: {metric: learning rate}}`.
    mode: The split the optimizees trained on.
  """
  l2l: Dict[str, np.ndarray]
  baselines: Dict[Tuple[str, float], Dict[str, np.ndarray]]
  chosen: Dict[str, Dict[str, float]]
  mode: str

  @property
  def scored(self) -> bool:
    """Whether the final networks were scored on whole splits."""
    return self.mode + "_loss" in self.l2l

  def curves(self, metric: str = "trajectory"):
    """`[(label, losses [instances, steps])]`: L2L, then each baseline at
    its learning rate for `metric`."""
    return [("L2L", self.l2l["losses"])] + [
        ("{} (lr {:g})".format(baseline, rates[metric]),
         self.baselines[baseline, rates[metric]]["losses"])
        for baseline, rates in self.chosen.items()]

  def all_curves(self):
    """`[(label, losses)]` of every run: L2L, then each baseline run."""
    return [("L2L", self.l2l["losses"])] + [
        ("{} (lr {:g})".format(baseline, rate), run["losses"])
        for (baseline, rate), run in self.baselines.items()]

  def values(self, metric: str, tuned_for: str):
    """`[(label, per-instance values of metric)]`: L2L, then each baseline
    at its learning rate for `tuned_for`; empty if the runs lack `metric`."""
    l2l = instance_metrics(self.l2l, self.mode)
    if metric not in l2l:
      return []
    return [("L2L", l2l[metric])] + [
        ("{} (lr {:g})".format(baseline, rates[tuned_for]),
         instance_metrics(self.baselines[baseline, rates[tuned_for]],
                          self.mode)[metric])
        for baseline, rates in self.chosen.items()]


def _held_out_runs(problem: str, num_steps: int, num_instances: int,
                   chosen: Dict[str, Dict[str, float]], l2l_path: str,
                   settings: Settings, progress: Progress) -> PanelRuns:
  """L2L's and each baseline's runs on the figure's instances (seed)."""
  l2l = evaluation_run(problem, "L2L", num_instances, num_steps,
                       settings.seed, settings, l2l_path=l2l_path)
  progress.done()
  baselines = {}
  for baseline, rates in chosen.items():
    for learning_rate in sorted(set(rates.values())):
      baselines[baseline, learning_rate] = evaluation_run(
          problem, baseline, num_instances, num_steps, settings.seed,
          settings, learning_rate=learning_rate)
      progress.done()
  return PanelRuns(l2l, baselines, chosen, evaluation_mode(problem))


def _panel_tables(runs: PanelRuns) -> List[str]:
  """Markdown sections comparing L2L with the tuned baselines, per metric
  (the baselines tuned for it), then the unseen-data scores (the baselines
  tuned for the final loss)."""
  sections = []
  for metric, description in METRICS.items():
    sections.append("{} (baselines tuned for it):\n\n{}\n".format(
        description.capitalize(),
        curves.comparison_table(description, runs.values(metric, metric))))
  for metric, description in _UNSEEN_SCORES.items():
    values = runs.values(metric, "final")
    if values:
      sections.append("Final network, {} (baselines tuned for the final "
                      "loss):\n\n{}\n".format(
                          description, curves.comparison_table(description,
                                                               values)))
  return sections


def _write_figure(figure: Figure, panels_results, note: str,
                  sources: Sequence[str], tuning_lines: Sequence[str],
                  settings: Settings):
  """Writes `<figure>.png`, `.csv` and `.md` from `[(panel, PanelRuns)]`
  (`sources`: where the data came from, empty for data-free problems)."""
  stem = os.path.join(settings.output_dir, figure.name)
  titles = ["{}, {} steps".format(panel.title, settings.panel_steps(panel))
            for panel, _ in panels_results]
  curves.plot(stem + ".png", figure.title,
              [(title, runs.curves()) for title, (_, runs)
               in zip(titles, panels_results)], note)
  curves.write_curves_csv(
      stem + ".csv",
      [("{}_{}steps".format(panel.problem, settings.panel_steps(panel)),
        runs.all_curves()) for panel, runs in panels_results])
  sections = ["## {}\n\n![{}]({}.png)\n\nMade by `{}`: {}. Every "
              "optimizee trains on the {} split; the final loss is {}.\n"
              .format(figure.title, figure.name, figure.name,
                      settings.command, note, _split_note(figure),
                      _final_loss_note(panels_results, bool(sources)))]
  for title, (panel, runs) in zip(titles, panels_results):
    sections.append("### {} (`{}`)\n".format(title, panel.problem))
    sections += _panel_tables(runs)
  sections.append(
      "<details><summary>Learning-rate grid (means over {} tuning "
      "instances)</summary>\n\n| problem | optimizer | learning rate | {} "
      "|\n|---|---|---:|{}\n{}\n\n</details>\n".format(
          figure.num_tuning_instances, " | ".join(METRICS.values()),
          "---:|" * len(METRICS), "\n".join(tuning_lines)))
  _write_text(stem + ".md", "\n".join(sections))


def _split_note(figure: Figure) -> str:
  modes = sorted({evaluation_mode(panel.problem) for panel in figure.panels})
  return " and ".join("\"{}\"".format(mode) for mode in modes)


def _final_loss_note(panels_results, has_data: bool) -> str:
  """How the final loss of `[(panel, PanelRuns)]` is measured."""
  if all(runs.scored for _, runs in panels_results):
    return ("the final network's loss on the whole split it trained on; its "
            "loss and accuracy on the test split, which it never trained "
            "on, are given too")
  if has_data:
    return ("the loss of the last step's minibatch (this problem has no "
            "whole-split scorer)")
  return "the loss after the last step (exact: no minibatch)"


def _check_flags() -> List[float]:
  """Raises `cli.UsageError` for bad flags; returns the learning rates."""
  unknown = sorted(set(FLAGS.figures or ()) - set(FIGURE_NAMES))
  if unknown:
    raise cli.UsageError("--figures: unknown figure(s) {}; valid: {}.".format(
        ", ".join(unknown), ", ".join(FIGURE_NAMES)))
  if FLAGS.train_epochs is not None:
    cli.check_positive_flags(FLAGS, ("train_epochs",))
  values = FLAGS.learning_rates or (
      _QUICK_LEARNING_RATES if FLAGS.quick else _DEFAULT_LEARNING_RATES)
  try:
    learning_rates = [float(v) for v in values]
  except ValueError:
    raise cli.UsageError("--learning_rates must be numbers, got {}.".format(
        ",".join(values))) from None
  for learning_rate in learning_rates:
    cli.check_learning_rate_flag(learning_rate, "learning_rates")
  cli.check_parent_folder(FLAGS.output_dir, "output_dir")
  return learning_rates


def make_figures(names: Sequence[str], learning_rates: Sequence[float],
                 settings: Settings):
  """Makes the figures `names`, then `FIGURES.md`, which gathers every
  figure under `settings.output_dir`, made by this run or earlier ones."""
  os.makedirs(settings.output_dir, exist_ok=True)
  start = time.time()
  for index, figure in enumerate(f for f in FIGURES if f.name in names):
    print("Figure {}/{}: {} ({} elapsed)".format(
        index + 1, len(names), figure.name,
        training.format_duration(time.time() - start)), flush=True)
    make_figure(figure, learning_rates, settings)
  sections = []
  for figure in FIGURES:
    filename = os.path.join(settings.output_dir, figure.name + ".md")
    if os.path.exists(filename):
      with open(filename) as f:
        sections.append(f.read())
  header = ("# Figures\n\nEach section names the `figures.py` command that "
            "made it. L2L is drawn solid, the baselines dashed, with the "
            "learning rate each chose on the training distribution.\n")
  _write_text(os.path.join(settings.output_dir, "FIGURES.md"),
              "\n".join([header] + sections))
  print("Wrote {} in {}.".format(
      os.path.join(settings.output_dir, "FIGURES.md"),
      training.format_duration(time.time() - start)))


def main(argv):
  del argv  # Unused.
  learning_rates = _check_flags()
  # Each run reloads its data with the same warnings; the figures and the
  # progress lines name the data instead.
  logging.set_verbosity(logging.ERROR)
  settings = Settings(
      output_dir=FLAGS.output_dir, quick=FLAGS.quick,
      pretrained=FLAGS.pretrained,
      train_epochs=FLAGS.train_epochs or (
          _QUICK_TRAIN_EPOCHS if FLAGS.quick else _DEFAULT_TRAIN_EPOCHS),
      seed=FLAGS.seed, data_dir=FLAGS.data_dir,
      command=" ".join(["python figures.py"] + sys.argv[1:]))
  make_figures(FLAGS.figures or FIGURE_NAMES, learning_rates, settings)


if __name__ == "__main__":
  cli.run_main(main)
