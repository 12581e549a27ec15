# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Reproduces the paper's figures: L2L against tuned baselines.

    python -m paper.figures --output_dir=docs/figures          # paper's settings
    python -m paper.figures --output_dir=/tmp/figures --quick  # smoke run, 1 min

For each figure, the L2L optimizer is meta-trained with `training.meta_train`,
as `train.py` trains it, into `<output_dir>/work/optimizers/<problem>` (a run
there is reused when trained to `--train_epochs`, continued otherwise; a
folder holding only `.l2l` files, such as a copy of a `train.py` run's, is
used as it is). The optimizer kept is the best of the run's evaluations,
which draw their own instances (validation instances), never the figure's.

The comparison (`comparison.py`) is paired: every optimizer runs on the
same held-out instances, and each baseline (SGD, RMSprop, Adam, NAG, with
the Torch-optim defaults) is tuned on other instances for each of the two
metrics compared, the mean loss over the run and the final loss without
minibatch noise, on a grid (`--learning_rates`) extended while its best
learning rate is at an edge. The data problems' optimizees train on the
training split, as in meta-training.

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
import os
import sys
import time
from typing import List, Optional, Sequence

# TensorFlow's C++ start-up messages would bury the progress lines.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import flags  # pylint: disable=g-import-not-at-top
from absl import logging

import cli
import comparison
import curves
import errors
import experiment
import fileio
import l2l_files
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

_QUICK_LEARNING_RATES = ("0.1",)
_DEFAULT_TRAIN_EPOCHS = 10000
_QUICK_TRAIN_EPOCHS = 2
# The optimizers shipped with the code: pretrained/<problem>/<net key>.l2l.
PRETRAINED_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pretrained")
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


# Held-out and tuning instances of the quadratic and MNIST figures.
_INSTANCES = (comparison.NUM_HELD_OUT_INSTANCES,
              comparison.NUM_TUNING_INSTANCES)
FIGURES = [
    Figure("quadratic", "Quadratic functions (10-d)", "quadratic",
           [Panel("quadratic", 100, "Quadratic")], *_INSTANCES),
    Figure("mnist", "MNIST, 1 hidden layer of 20 sigmoid units", "mnist",
           [Panel("mnist", 100, "MNIST"), Panel("mnist", 200, "MNIST")],
           *_INSTANCES),
    Figure("mnist_generalization",
           "MNIST: optimizer trained on the base MLP, applied to variants",
           "mnist",
           [Panel("mnist-wider", 100, "40 hidden units"),
            Panel("mnist-deeper", 100, "2 hidden layers"),
            Panel("mnist-relu", 100, "ReLU activations")], *_INSTANCES),
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
  """What every figure of one `paper/figures.py` run shares.

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


class Progress(comparison.Progress):
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
  if l2l_files.has_nets(path) and not resume:
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
      run_config=training.run_config(problem, net_config, num_steps,
                                     unroll_length),
      seed=settings.seed + 2, progress=_TrainingProgress(progress))
  if not l2l_files.has_nets(path):
    raise errors.InputError("Meta-training on {} saved no optimizer in {}: "
                            "no evaluation had a finite loss.".format(
                                problem, path))
  _write_text(done_file, "{}\n".format(num_epochs))
  return path


def _write_text(filename: str, text: str):
  fileio.write_atomically(filename, text.encode())


def _data_note(problem_name: str, data_dir: Optional[str]) -> Optional[str]:
  """Where the problem's data comes from.

  Raises:
    errors.MissingFileError: If the data is missing.
  """
  problem, _, _ = util.get_config(problem_name,
                                  mode=util.comparison_split(problem_name),
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
    if not l2l_files.has_nets(l2l_path):
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

  evaluations = comparison.Evaluations(
      os.path.join(settings.output_dir, "work", "runs"), settings.data_dir,
      progress)
  chosen, tuning_lines = {}, []
  for problem in problems:
    chosen[problem], scores = evaluations.tune(
        problem, shortest[problem], figure.num_tuning_instances,
        settings.seed + 1, learning_rates,
        max_extensions=1 if settings.quick else
        comparison.MAX_GRID_EXTENSIONS)
    tuning_lines += [
        "| {} | {} | {:g} | {} |".format(
            problem, baseline, learning_rate, " | ".join(
                "{:.4g}".format(means[metric])
                for metric in comparison.METRICS))
        for baseline, learning_rate, means in scores]
  panels_results = [
      (panel, evaluations.held_out(panel.problem, settings.panel_steps(panel),
                                   figure.num_instances, settings.seed,
                                   chosen[panel.problem], l2l_path))
      for panel in figure.panels]
  sources = sorted({d for d in data.values() if d})
  note = ("{} held-out instances, the same for every optimizer (seed {}); "
          "band: interquartile range; {}{}".format(
              figure.num_instances, settings.seed, l2l_note,
              "; data: " + ", ".join(sources) if sources else ""))
  _write_figure(figure, panels_results, note, sources, tuning_lines,
                settings)
  progress.log("done: {}.png".format(stem))


def _write_figure(figure: Figure, panels_results, note: str,
                  sources: Sequence[str], tuning_lines: Sequence[str],
                  settings: Settings):
  """Writes `<figure>.png`, `.csv` and `.md` from `[(panel,
  comparison.PanelRuns)]` (`sources`: where the data came from, empty for
  data-free problems)."""
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
  split = ("Every optimizee trains on the {} split. ".format(
      _split_note(figure)) if sources else "")
  sections = ["## {}\n\n![{}]({}.png)\n\nMade by `{}`: {}. {}The final "
              "loss is {}.\n".format(
                  figure.title, figure.name, figure.name, settings.command,
                  note, split,
                  _final_loss_note(panels_results, bool(sources)))]
  for title, (panel, runs) in zip(titles, panels_results):
    sections.append("### {} (`{}`)\n".format(title, panel.problem))
    sections += runs.tables()
  sections.append(
      "<details><summary>Learning-rate grid (means over {} tuning "
      "instances)</summary>\n\n| problem | optimizer | learning rate | {} "
      "|\n|---|---|---:|{}\n{}\n\n</details>\n".format(
          figure.num_tuning_instances,
          " | ".join(comparison.METRICS.values()),
          "---:|" * len(comparison.METRICS), "\n".join(tuning_lines)))
  _write_text(stem + ".md", "\n".join(sections))


def _split_note(figure: Figure) -> str:
  modes = sorted({util.comparison_split(panel.problem)
                  for panel in figure.panels})
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
  learning_rates = cli.learning_rates_flag(FLAGS.learning_rates or (
      _QUICK_LEARNING_RATES if FLAGS.quick else
      comparison.DEFAULT_LEARNING_RATES))
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
  header = ("# Figures\n\nEach section names the `paper/figures.py` command "
            "that made it. L2L is drawn solid, the baselines dashed, with the "
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
      command=" ".join(["python -m paper.figures"] + sys.argv[1:]))
  make_figures(FLAGS.figures or FIGURE_NAMES, learning_rates, settings)


if __name__ == "__main__":
  cli.run_main(main)
