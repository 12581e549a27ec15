# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Reproduces the paper's figures: L2L against tuned baselines.

    python figures.py --output_dir=docs/figures           # the paper's settings
    python figures.py --output_dir=/tmp/figures --quick   # a one-minute smoke run

For each figure, the L2L optimizer is trained with `train.py` (or reused: a
folder `<output_dir>/work/optimizers/<problem>` saved by `train.py` is
continued with `--resume`, or used as it is when it holds the net files
alone). Each baseline (SGD, RMSprop, Adam, NAG, with the Torch-optim
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
import io
import os
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

# TensorFlow's C++ start-up messages would bury the progress lines.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import flags  # pylint: disable=g-import-not-at-top
from absl import logging
import numpy as np

import curves
import fileio
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

BASELINES = ("SGD", "RMSprop", "Adam", "NAG")
_DEFAULT_LEARNING_RATES = ("1e-4", "3e-4", "1e-3", "3e-3", "0.01", "0.03",
                           "0.1", "0.3", "1", "3", "10")
_QUICK_LEARNING_RATES = ("0.01", "0.1")
_DEFAULT_TRAIN_EPOCHS = 10000
_QUICK_TRAIN_EPOCHS = 2
# Written next to an optimizer that train.py trained to the end: its epochs.
_TRAINED_EPOCHS_FILE = "trained_epochs.txt"
# train.py's output, appended run after run.
_TRAIN_LOG_FILE = "train.log"

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
      remaining = "~" + util.format_duration(
          elapsed / self._done * (self._num_runs - self._done))
    else:
      remaining = "?"
    print("[{} {}/{} runs, {} elapsed, {} left] {}".format(
        self._figure, self._done, self._num_runs,
        util.format_duration(elapsed), remaining, message), flush=True)

  def done(self):
    self._done += 1


def _work_dir(*parts) -> str:
  path = os.path.join(FLAGS.output_dir, "work", *parts)
  os.makedirs(os.path.dirname(path), exist_ok=True)
  return path


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


def _train_epochs() -> int:
  return FLAGS.train_epochs or (_QUICK_TRAIN_EPOCHS if FLAGS.quick else
                                _DEFAULT_TRAIN_EPOCHS)


def train_optimizer(problem: str, progress: Progress) -> str:
  """Trains (or reuses) the L2L optimizer of `problem`; returns its folder.

  Raises:
    RuntimeError: If train.py fails or saves no optimizer.
  """
  path = _work_dir("optimizers", problem)
  run_file = os.path.join(path, "run.json")
  done_file = os.path.join(path, _TRAINED_EPOCHS_FILE)
  num_epochs = _train_epochs()
  if _has_nets(path) and not os.path.exists(run_file):
    progress.log("using the optimizer in {} as it is".format(path))
    return path
  if os.path.exists(done_file):
    with open(done_file) as f:
      if f.read().strip() == str(num_epochs):
        progress.log("reusing the optimizer in {}, trained {} epochs".format(
            path, num_epochs))
        return path
  period = max(1, num_epochs // 20)
  command = [sys.executable, os.path.join(os.path.dirname(
      os.path.abspath(__file__)), "train.py"),
             "--problem=" + problem, "--save_path=" + path,
             "--num_epochs={}".format(num_epochs),
             "--log_period={}".format(period),
             "--evaluation_period={}".format(period),
             "--evaluation_epochs={}".format(1 if FLAGS.quick else 20),
             "--checkpoint_period={}".format(period),
             "--seed={}".format(FLAGS.seed + 2)]
  if FLAGS.quick:
    command += ["--num_steps={}".format(_QUICK["train_num_steps"]),
                "--unroll_length={}".format(_QUICK["train_unroll_length"])]
  if FLAGS.data_dir:
    command.append("--data_dir=" + FLAGS.data_dir)
  if os.path.exists(run_file):
    command.append("--resume")
  progress.log("training L2L on {} for {} epochs: {}".format(
      problem, num_epochs, " ".join(command[1:])))
  process = subprocess.Popen(command, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
  lines = []
  for line in process.stdout:
    lines.append(line.rstrip())
    if line.startswith(("Epoch", "EVALUATION")):
      progress.log("train.py: " + line.strip())
  returncode = process.wait()
  if os.path.isdir(path):  # train.py creates it once its flags are checked.
    with open(os.path.join(path, _TRAIN_LOG_FILE), "a") as f:
      f.write("\n".join(lines) + "\n")
  if returncode != 0 or not _has_nets(path):
    raise RuntimeError("train.py failed on {}: {}".format(
        problem, lines[-1] if lines else "no output"))
  _write_text(done_file, "{}\n".format(num_epochs))
  return path


def _run_file(panel_problem, optimizer, learning_rate, net_digest, mode,
              num_instances, num_steps, seed) -> str:
  name = "{}_{}_{}_{}_{}x{}_seed{}.npy".format(
      panel_problem, optimizer,
      net_digest if optimizer == "L2L" else "lr{:g}".format(learning_rate),
      mode, num_instances, num_steps, seed)
  return _work_dir("runs", name)


def evaluation_run(panel_problem: str, optimizer: str, num_instances: int,
                   num_steps: int, seed: int, mode: str = "test",
                   learning_rate: float = 0.0,
                   l2l_path: Optional[str] = None) -> np.ndarray:
  """Losses `[num_instances, num_steps]` of one optimizer, computed with
  `util.evaluate_losses` or read back from an earlier run's file."""
  net_digest = _net_files_digest(l2l_path) if optimizer == "L2L" else None
  filename = _run_file(panel_problem, optimizer, learning_rate, net_digest,
                       mode, num_instances, num_steps, seed)
  if os.path.exists(filename):
    return np.load(filename)
  config = util.get_optimizer_config(optimizer, panel_problem, l2l_path,
                                     learning_rate, FLAGS.data_dir, mode)
  losses, _ = util.evaluate_losses(*config, num_epochs=num_instances,
                                       num_steps=num_steps, seed=seed)
  buffer = io.BytesIO()
  np.save(buffer, losses)
  fileio.write_atomically(filename, buffer.getvalue())
  return losses


def tune(panel_problem: str, num_steps: int, figure: Figure,
         learning_rates: Sequence[float],
         progress: Progress) -> Tuple[Dict[str, float], List[Tuple]]:
  """Picks each baseline's learning rate on the training distribution.

  Returns:
    `({baseline: learning rate}, [(baseline, learning rate, mean final
    loss)])`.
  """
  chosen, scores = {}, []
  for baseline in BASELINES:
    best = None
    for learning_rate in learning_rates:
      losses = evaluation_run(panel_problem, baseline,
                              figure.num_tuning_instances, num_steps,
                              FLAGS.seed + 1, mode="train",
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


def _panel_steps(panel: Panel) -> int:
  return _QUICK["num_steps"] * panel.num_steps // 100 if FLAGS.quick else (
      panel.num_steps)


def _data_note(problem_name: str) -> Optional[str]:
  """Where the problem's data comes from; raises IOError if it is missing."""
  problem, _, _ = util.get_config(problem_name, mode="test",
                                  data_dir=FLAGS.data_dir)
  return getattr(problem, "data_source", None)


def make_figure(figure: Figure, learning_rates: Sequence[float]):
  """Makes one figure: `<figure>.png`, `.csv` and `.md` (its section of
  FIGURES.md, which says why where the figure was skipped)."""
  if FLAGS.quick:
    figure = figure._replace(
        num_instances=_QUICK["num_instances"],
        num_tuning_instances=_QUICK["num_tuning_instances"])
  num_instances = figure.num_instances
  # Panels of the same problem share runs: the longest one is evaluated and
  # the shorter ones are its first steps (the same optimizer trajectories).
  longest, shortest = {}, {}
  for panel in figure.panels:
    steps = _panel_steps(panel)
    longest[panel.problem] = max(longest.get(panel.problem, 0), steps)
    shortest[panel.problem] = min(shortest.get(panel.problem, steps), steps)
  num_runs = len(longest) * (len(BASELINES) * (len(learning_rates) + 1) + 1)
  progress = Progress(figure.name, num_runs)
  stem = os.path.join(FLAGS.output_dir, figure.name)
  try:
    data = {p: _data_note(p) for p in longest}
  except IOError as e:
    progress.log("skipped: " + str(e))
    _write_text(stem + ".md", "## {}\n\nSkipped: {}\n".format(figure.title, e))
    return
  for problem, source in data.items():
    if source:
      progress.log("data of {}: {}".format(problem, source))
  l2l_path = train_optimizer(figure.train_problem, progress)

  runs = {}
  tuning_lines = []
  for problem, num_steps in longest.items():
    # Tuned at the shortest horizon, as the paper reused its learning rates
    # for the longer runs.
    chosen, scores = tune(problem, shortest[problem], figure, learning_rates,
                          progress)
    tuning_lines += ["| {} | {} | {:g} | {:.4g} |".format(problem, *s)
                     for s in scores]
    runs[problem] = _held_out_runs(problem, num_steps, num_instances, chosen,
                                   l2l_path, progress)
  panels_results = [
      (panel, [(label, losses[:, :_panel_steps(panel)])
               for label, losses in runs[panel.problem]])
      for panel in figure.panels]

  sources = sorted({d for d in data.values() if d})
  note = ("{} held-out instances, seed {}; band: interquartile range; L2L "
          "trained {} epochs{}".format(
              num_instances, FLAGS.seed, _train_epochs(),
              "; data: " + ", ".join(sources) if sources else ""))
  _write_figure(figure, panels_results, note, tuning_lines)
  progress.log("done: {}.png".format(stem))


def _held_out_runs(problem: str, num_steps: int, num_instances: int,
                   learning_rates: Dict[str, float], l2l_path: str,
                   progress: Progress):
  """L2L's and each baseline's (at its chosen learning rate) held-out runs:
  `[(label, losses [num_instances, num_steps])]`, L2L first."""
  results = [("L2L", evaluation_run(problem, "L2L", num_instances, num_steps,
                                    FLAGS.seed, l2l_path=l2l_path))]
  progress.done()
  for baseline in BASELINES:
    results.append(("{} (lr {:g})".format(baseline, learning_rates[baseline]),
                    evaluation_run(problem, baseline, num_instances,
                                   num_steps, FLAGS.seed,
                                   learning_rate=learning_rates[baseline])))
    progress.done()
  return results


def _write_figure(figure: Figure, panels_results, note: str,
                  tuning_lines: Sequence[str]):
  """Writes `<figure>.png`, `.csv` and `.md` from `[(panel, results)]`."""
  stem = os.path.join(FLAGS.output_dir, figure.name)
  curves.plot(stem + ".png", figure.title,
              [("{}, {} steps".format(panel.title, _panel_steps(panel)),
                results) for panel, results in panels_results], note)
  curves.write_curves_csv(
      stem + ".csv", [("{}_{}steps".format(panel.problem, _panel_steps(panel)),
                       results) for panel, results in panels_results])
  sections = ["## {}\n\n![{}]({}.png)\n\nMade by `python figures.py {}`: "
              "{}.\n".format(figure.title, figure.name, figure.name,
                             " ".join(sys.argv[1:]), note)]
  for panel, results in panels_results:
    sections.append("### {}, {} steps (`{}`)\n\n{}\n".format(
        panel.title, _panel_steps(panel), panel.problem,
        curves.final_loss_table(results)))
  sections.append(
      "<details><summary>Learning-rate grid (mean final loss on {} "
      "training-distribution instances)</summary>\n\n| problem | optimizer | "
      "learning rate | mean final loss |\n|---|---|---:|---:|\n{}\n\n"
      "</details>\n".format(figure.num_tuning_instances,
                            "\n".join(tuning_lines)))
  _write_text(stem + ".md", "\n".join(sections))


def _check_flags() -> List[float]:
  """Raises `util.UsageError` for bad flags; returns the learning rates."""
  unknown = sorted(set(FLAGS.figures or ()) - set(FIGURE_NAMES))
  if unknown:
    raise util.UsageError("--figures: unknown figure(s) {}; valid: {}.".format(
        ", ".join(unknown), ", ".join(FIGURE_NAMES)))
  if FLAGS.train_epochs is not None:
    util.check_positive_flags(FLAGS, ("train_epochs",))
  values = FLAGS.learning_rates or (
      _QUICK_LEARNING_RATES if FLAGS.quick else _DEFAULT_LEARNING_RATES)
  try:
    learning_rates = [float(v) for v in values]
  except ValueError:
    raise util.UsageError("--learning_rates must be numbers, got {}.".format(
        ",".join(values))) from None
  for learning_rate in learning_rates:
    util.check_learning_rate_flag(learning_rate, "learning_rates")
  parent = os.path.dirname(os.path.abspath(FLAGS.output_dir))
  if not os.path.isdir(parent):
    raise util.UsageError("Cannot create --output_dir={}: its parent folder "
                          "does not exist.".format(FLAGS.output_dir))
  return learning_rates


def main(argv):
  del argv  # Unused.
  learning_rates = _check_flags()
  # Each run reloads its data with the same warnings; the figures and the
  # progress lines name the data instead.
  logging.set_verbosity(logging.ERROR)
  os.makedirs(FLAGS.output_dir, exist_ok=True)
  names = FLAGS.figures or FIGURE_NAMES
  start = time.time()
  for index, figure in enumerate(f for f in FIGURES if f.name in names):
    print("Figure {}/{}: {} ({} elapsed)".format(
        index + 1, len(names), figure.name,
        util.format_duration(time.time() - start)), flush=True)
    make_figure(figure, learning_rates)
  # FIGURES.md gathers every figure made so far, by this run or earlier ones.
  sections = []
  for figure in FIGURES:
    filename = os.path.join(FLAGS.output_dir, figure.name + ".md")
    if os.path.exists(filename):
      with open(filename) as f:
        sections.append(f.read())
  header = ("# Figures\n\nEach section names the `figures.py` command that "
            "made it. L2L is drawn solid, the baselines dashed, with the "
            "learning rate each chose on the training distribution.\n")
  _write_text(os.path.join(FLAGS.output_dir, "FIGURES.md"),
              "\n".join([header] + sections))
  print("Wrote {} in {}.".format(
      os.path.join(FLAGS.output_dir, "FIGURES.md"),
      util.format_duration(time.time() - start)))


if __name__ == "__main__":
  util.run_main(main)
