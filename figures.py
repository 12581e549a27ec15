# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Reproduces the paper's figures: L2L against tuned baselines.

    python figures.py --output_dir=docs/figures           # the paper's settings
    python figures.py --output_dir=/tmp/figures --quick   # a one-minute smoke run

For each figure, the L2L optimizer is meta-trained with `training.meta_train`,
as `train.py` trains it, into `<output_dir>/work/optimizers/<problem>` (a run
there is reused when trained to `--train_epochs`, continued otherwise; a
folder holding only `.l2l` files, such as a copy of a `train.py` run's, is
used as it is). Each baseline (SGD, RMSprop, Adam, NAG, with the Torch-optim
defaults) gets the learning rate of `--learning_rates` with the lowest mean
final loss on instances of the training distribution. Every optimizer is
then evaluated on the same held-out instances (one seed), on the test split
of the data problems.

Each figure is written to `<output_dir>` as `<figure>.png` (mean loss per
step on a log scale, with the interquartile range over instances as a band;
L2L solid, baselines dashed), `<figure>.csv` (those curves) and
`<figure>.md` (final losses); `FIGURES.md` gathers the tables. Trained
optimizers and every evaluation run are kept under `<output_dir>/work`, so
that a rerun reuses them.
"""

import collections
import hashlib
import os
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

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
           20, 5),
    Figure("mnist_generalization",
           "MNIST: optimizer trained on the base MLP, applied to variants",
           "mnist",
           [Panel("mnist-wider", 100, "40 hidden units"),
            Panel("mnist-deeper", 100, "2 hidden layers"),
            Panel("mnist-relu", 100, "ReLU activations")], 20, 5),
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
    "Settings", "output_dir quick train_epochs seed data_dir command")):
  """What every figure of one `figures.py` run shares.

  Attributes:
    output_dir: Folder of the figures; `work/` under it holds the trained
        optimizers and the evaluation runs.
    quick: Whether to scale every budget down (`_QUICK`).
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
          elapsed / self._done * (self._num_runs - self._done))
    else:
      remaining = "?"
    print("[{} {}/{} runs, {} elapsed, {} left] {}".format(
        self._figure, self._done, self._num_runs,
        training.format_duration(elapsed), remaining, message), flush=True)

  def done(self):
    self._done += 1


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


def evaluation_run(panel_problem: str, optimizer: str, num_instances: int,
                   num_steps: int, seed: int, settings: Settings,
                   mode: str = "test", learning_rate: float = 0.0,
                   l2l_path: Optional[str] = None) -> np.ndarray:
  """Losses `[num_instances, num_steps]` of one optimizer, computed with
  `experiment.evaluate_losses` or read back from an earlier run's file."""
  key = (_net_files_digest(l2l_path) if optimizer == "L2L" else
         "lr{:g}".format(learning_rate))
  filename = settings.work_path("runs", "{}_{}_{}_{}_{}x{}_seed{}.npz".format(
      panel_problem, optimizer, key, mode, num_instances, num_steps, seed))

  def compute():
    config = experiment.optimizer_config(optimizer, panel_problem, l2l_path,
                                         learning_rate, settings.data_dir,
                                         mode)
    losses, _ = experiment.evaluate_losses(
        *config, num_epochs=num_instances, num_steps=num_steps, seed=seed)
    return {"losses": losses}

  return experiment.cached_arrays(filename, compute)["losses"]


def tune(panel_problem: str, num_steps: int, figure: Figure,
         learning_rates: Sequence[float], settings: Settings,
         progress: Progress) -> Tuple[Dict[str, float], List[Tuple]]:
  """Picks each baseline's learning rate on the training distribution.

  Returns:
    `({baseline: learning rate}, [(baseline, learning rate, mean final
    loss)])`.
  """
  chosen, scores = {}, []
  for baseline in experiment.BASELINES:
    best = None
    for learning_rate in learning_rates:
      losses = evaluation_run(panel_problem, baseline,
                              figure.num_tuning_instances, num_steps,
                              settings.seed + 1, settings, mode="train",
                              learning_rate=learning_rate)
      score = curves.mean_final_loss(losses)
      scores.append((baseline, learning_rate, score))
      if best is None or score < best[1]:
        best = (learning_rate, score)
      progress.done()
    chosen[baseline] = best[0]
    edge = best[0] in (min(learning_rates), max(learning_rates))
    progress.log("{} on {}: learning rate {:g} (mean final loss {:.4g} on "
                 "the training distribution){}".format(
                     baseline, panel_problem, best[0], best[1],
                     "; at the edge of the grid, widen --learning_rates"
                     if edge and len(learning_rates) > 1 else ""))
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
  num_instances = figure.num_instances
  # Panels of the same problem share runs: the longest one is evaluated and
  # the shorter ones are its first steps (the same optimizer trajectories).
  longest, shortest = {}, {}
  for panel in figure.panels:
    steps = settings.panel_steps(panel)
    longest[panel.problem] = max(longest.get(panel.problem, 0), steps)
    shortest[panel.problem] = min(shortest.get(panel.problem, steps), steps)
  num_runs = len(longest) * (
      len(experiment.BASELINES) * (len(learning_rates) + 1) + 1)
  progress = Progress(figure.name, num_runs)
  stem = os.path.join(settings.output_dir, figure.name)
  try:
    data = {p: _data_note(p, settings.data_dir) for p in longest}
  except errors.MissingFileError as e:
    progress.log("skipped: " + str(e))
    _write_text(stem + ".md", "## {}\n\nSkipped: {}\n".format(figure.title, e))
    return
  for problem, source in data.items():
    if source:
      progress.log("data of {}: {}".format(problem, source))
  l2l_path = train_optimizer(figure.train_problem, settings, progress)

  runs = {}
  tuning_lines = []
  for problem, num_steps in longest.items():
    # Tuned at the shortest horizon, as the paper reused its learning rates
    # for the longer runs.
    chosen, scores = tune(problem, shortest[problem], figure, learning_rates,
                          settings, progress)
    tuning_lines += ["| {} | {} | {:g} | {:.4g} |".format(problem, *s)
                     for s in scores]
    runs[problem] = _held_out_runs(problem, num_steps, num_instances, chosen,
                                   l2l_path, settings, progress)
  panels_results = [
      (panel, [(label, losses[:, :settings.panel_steps(panel)])
               for label, losses in runs[panel.problem]])
      for panel in figure.panels]

  sources = sorted({d for d in data.values() if d})
  note = ("{} held-out instances, seed {}; band: interquartile range; L2L "
          "trained {} epochs{}".format(
              num_instances, settings.seed, settings.train_epochs,
              "; data: " + ", ".join(sources) if sources else ""))
  _write_figure(figure, panels_results, note, tuning_lines, settings)
  progress.log("done: {}.png".format(stem))


def _held_out_runs(problem: str, num_steps: int, num_instances: int,
                   learning_rates: Dict[str, float], l2l_path: str,
                   settings: Settings, progress: Progress):
  """L2L's and each baseline's (at its chosen learning rate) held-out runs:
  `[(label, losses [num_instances, num_steps])]`, L2L first."""
  results = [("L2L", evaluation_run(problem, "L2L", num_instances, num_steps,
                                    settings.seed, settings,
                                    l2l_path=l2l_path))]
  progress.done()
  for baseline in experiment.BASELINES:
    results.append(("{} (lr {:g})".format(baseline, learning_rates[baseline]),
                    evaluation_run(problem, baseline, num_instances,
                                   num_steps, settings.seed, settings,
                                   learning_rate=learning_rates[baseline])))
    progress.done()
  return results


def _write_figure(figure: Figure, panels_results, note: str,
                  tuning_lines: Sequence[str], settings: Settings):
  """Writes `<figure>.png`, `.csv` and `.md` from `[(panel, results)]`."""
  stem = os.path.join(settings.output_dir, figure.name)
  titles = ["{}, {} steps".format(panel.title, settings.panel_steps(panel))
            for panel, _ in panels_results]
  curves.plot(stem + ".png", figure.title,
              [(title, results) for title, (_, results)
               in zip(titles, panels_results)], note)
  curves.write_curves_csv(
      stem + ".csv",
      [("{}_{}steps".format(panel.problem, settings.panel_steps(panel)),
        results) for panel, results in panels_results])
  sections = ["## {}\n\n![{}]({}.png)\n\nMade by `{}`: {}.\n".format(
      figure.title, figure.name, figure.name, settings.command, note)]
  for title, (panel, results) in zip(titles, panels_results):
    sections.append("### {} (`{}`)\n\n{}\n".format(
        title, panel.problem, curves.final_loss_table(results)))
  sections.append(
      "<details><summary>Learning-rate grid (mean final loss on {} "
      "training-distribution instances)</summary>\n\n| problem | optimizer | "
      "learning rate | mean final loss |\n|---|---|---:|---:|\n{}\n\n"
      "</details>\n".format(figure.num_tuning_instances,
                            "\n".join(tuning_lines)))
  _write_text(stem + ".md", "\n".join(sections))


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
      train_epochs=FLAGS.train_epochs or (
          _QUICK_TRAIN_EPOCHS if FLAGS.quick else _DEFAULT_TRAIN_EPOCHS),
      seed=FLAGS.seed, data_dir=FLAGS.data_dir,
      command=" ".join(["python figures.py"] + sys.argv[1:]))
  make_figures(FLAGS.figures or FIGURE_NAMES, learning_rates, settings)


if __name__ == "__main__":
  cli.run_main(main)
