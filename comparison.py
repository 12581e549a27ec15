# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Paired comparisons of L2L with tuned baselines on held-out instances.

Every optimizer runs on the same instances (initial networks and minibatch
sequences, one seed). Two metrics are compared, each per instance:

- `"trajectory"`: the mean loss over the run, the paper's meta-objective;
- `"final"`: the final loss, measured without minibatch noise: the final
  network's loss on the whole split it trained on where the problem has a
  scorer (MNIST), else the last step's loss (exact for the quadratic).

Each baseline is tuned for each metric on other instances of the same
distribution (`Evaluations.tune`), and compared at that learning rate
(`PanelRuns.values`). Final networks with a scorer are also scored on the
split they never trained on (`"unseen_loss"`, `"unseen_accuracy"`).
`Evaluations` keeps every run in a folder, so that it is computed once.
"""

import hashlib
import math
import os
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

import curves
import experiment
import util

# The baselines' learning-rate grid: 1e-4 to 10 in half decades.
DEFAULT_LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0,
                          3.0, 10.0)
# Held-out and tuning instances of the quadratic and MNIST comparisons.
NUM_HELD_OUT_INSTANCES = 100
NUM_TUNING_INSTANCES = 20
# Instances optimized together in one evaluation program (a divisor of the
# number of instances of a run).
MAX_INSTANCES_PER_PROGRAM = 20
# The metrics compared, by the name of their per-instance values
# (`instance_metrics`), with their description in the tables.
METRICS = {"trajectory": "mean loss over the run",
           "final": "final loss"}
# Scores of the final network on the split it never trained on.
UNSEEN_SCORES = {"unseen_loss": "loss on unseen data",
                 "unseen_accuracy": "accuracy on unseen data"}
# While the best learning rate of a metric is at an edge of the grid, the
# grid is extended to the next half decade beyond it, up to this many times
# per metric.
MAX_GRID_EXTENSIONS = 4
# Part of every kept run's file name: a change of what a run computes or
# records raises it, so that runs of an earlier protocol are never read back.
PROTOCOL_VERSION = 2


class Progress:
  """What `Evaluations` reports as it goes; this base reports nothing."""

  def log(self, message: str):
    """A line about the comparison (e.g. a learning rate chosen)."""

  def done(self):
    """One more run finished (computed or read back)."""

  def add_runs(self, count: int):
    """`count` more runs will be made than were announced."""


def net_files_digest(path: str) -> str:
  """Short digest of the saved nets in `path` (the cache key of L2L runs)."""
  digest = hashlib.sha256()
  for name in sorted(os.listdir(path)):
    if name.endswith(".l2l"):
      with open(os.path.join(path, name), "rb") as f:
        digest.update(name.encode() + f.read())
  return digest.hexdigest()[:12]


def instance_metrics(arrays: Dict[str, np.ndarray],
                     mode: str) -> Dict[str, np.ndarray]:
  """Each instance's value of every metric of a run (`Evaluations.run`).

  Args:
    arrays: The run's arrays.
    mode: The split its optimizees trained on (`util.comparison_split`).

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
  for name in UNSEEN_SCORES:
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


def label(baseline: str, learning_rate: float) -> str:
  """A baseline's label in tables and plots: `"Adam (lr 0.01)"`."""
  return "{} (lr {:g})".format(baseline, learning_rate)


# L2L's summary of a metric, and `{baseline label: (summary of the paired
# difference, verdict)}` (`PanelRuns.against_baselines`).
AgainstBaselines = Tuple[curves.Summary, Dict[str, Tuple[curves.Summary, str]]]


class PanelRuns(NamedTuple):
  """The held-out runs of one problem and horizon, every optimizer on the
  same instances.

  Attributes:
    l2l: L2L's run (`Evaluations.run`'s arrays).
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
        (label(baseline, rates[metric]),
         self.baselines[baseline, rates[metric]]["losses"])
        for baseline, rates in self.chosen.items()]

  def all_curves(self):
    """`[(label, losses)]` of every run: L2L, then each baseline run."""
    return [("L2L", self.l2l["losses"])] + [
        (label(baseline, rate), run["losses"])
        for (baseline, rate), run in self.baselines.items()]

  def values(self, metric: str, tuned_for: str):
    """`[(label, per-instance values of metric)]`: L2L, then each baseline
    at its learning rate for `tuned_for`; empty if the runs lack `metric`."""
    l2l = instance_metrics(self.l2l, self.mode)
    if metric not in l2l:
      return []
    return [("L2L", l2l[metric])] + [
        (label(baseline, rates[tuned_for]),
         instance_metrics(self.baselines[baseline, rates[tuned_for]],
                          self.mode)[metric])
        for baseline, rates in self.chosen.items()]

  def against_baselines(self, metric: str) -> AgainstBaselines:
    """L2L's `curves.Summary` of `metric`, and for each baseline tuned for
    it, `{label: (summary of L2L minus baseline, instance by instance;
    its verdict, as curves.verdict gives it)}`."""
    (_, first), *others = self.values(metric, metric)
    differences = {}
    for name, values in others:
      difference = curves.paired_difference(first, values)
      differences[name] = (difference, curves.verdict(difference))
    return curves.summarize(first), differences

  def tables(self) -> List[str]:
    """Markdown sections comparing L2L with the tuned baselines, per metric
    (the baselines tuned for it), then the unseen-data scores (the
    baselines tuned for the final loss)."""
    sections = []
    for metric, description in METRICS.items():
      sections.append("{} (baselines tuned for it):\n\n{}\n".format(
          description.capitalize(),
          curves.comparison_table(description, self.values(metric, metric))))
    for metric, description in UNSEEN_SCORES.items():
      values = self.values(metric, "final")
      if values:
        sections.append("Final network, {} (baselines tuned for the final "
                        "loss):\n\n{}\n".format(
                            description,
                            curves.comparison_table(description, values)))
    return sections


def _run_in_programs(config, num_instances: int, num_steps: int, seed: int,
                     **evaluate_options) -> experiment.Run:
  """`experiment.evaluate_losses` of `num_instances` instances drawn with
  `seed`, optimized `MAX_INSTANCES_PER_PROGRAM` (or a divisor of
  `num_instances`) at a time; `config` as `experiment.optimizer_config`
  returns it, `evaluate_options` passed on (`scorers`, `unroll_length`)."""
  per_program = math.gcd(num_instances, MAX_INSTANCES_PER_PROGRAM)
  return experiment.evaluate_losses(
      *config, num_epochs=num_instances // per_program, num_steps=num_steps,
      seed=seed, num_instances=per_program, **evaluate_options)


class Evaluations:
  """Evaluation runs, each computed once and kept as a file in a folder."""

  def __init__(self, runs_dir: str, data_dir: Optional[str] = None,
               progress: Optional[Progress] = None):
    """Creates an `Evaluations`.

    Args:
      runs_dir: Folder of the runs' files (created when needed).
      data_dir: Data folder of the MNIST and CIFAR-10 problems.
      progress: Where to report the runs and the choices made.
    """
    self._runs_dir = runs_dir
    self._data_dir = data_dir
    self._progress = progress or Progress()
    self._data_digests = {}

  def _data_digest(self, problem: str) -> str:
    """`util.data_digest` of `problem`'s data, computed once per problem."""
    if problem not in self._data_digests:
      self._data_digests[problem] = util.data_digest(problem, self._data_dir)
    return self._data_digests[problem]

  def run(self, problem: str, optimizer: str, num_instances: int,
          num_steps: int, seed: int, learning_rate: float = 0.0,
          l2l_path: Optional[str] = None) -> Dict[str, np.ndarray]:
    """One optimizer's run on `num_instances` instances of `num_steps`
    steps, in the split `util.comparison_split(problem)`.

    Computed with `experiment.evaluate_losses` (instances optimized
    `MAX_INSTANCES_PER_PROGRAM` at a time), or read back from the file of
    an earlier run.

    Returns:
      `{"losses": [num_instances, num_steps], "initial_losses":
      [num_instances]}` (the loss before the first step; absent from the
      files of runs recorded before it was kept), with, for the problems
      that have scorers, each final network's scores on both whole splits
      `[num_instances]` (`train_loss`, `train_accuracy`, `test_loss`,
      `test_accuracy`).
    """
    mode = util.comparison_split(problem)
    key = (net_files_digest(l2l_path) if optimizer == "L2L" else
           "lr{:g}".format(learning_rate))
    filename = os.path.join(
        self._runs_dir, "{}_{}_{}_{}_{}x{}_seed{}_data{}_v{}.npz".format(
            problem, optimizer, key, mode, num_instances, num_steps, seed,
            self._data_digest(problem), PROTOCOL_VERSION))

    def compute():
      config = experiment.optimizer_config(optimizer, problem, l2l_path,
                                           learning_rate, self._data_dir,
                                           mode)
      run = _run_in_programs(
          config, num_instances, num_steps, seed,
          scorers=experiment.split_scorers(problem, mode, self._data_dir))
      return dict(run.scores, losses=run.losses,
                  initial_losses=run.initial_losses)

    arrays = experiment.cached_arrays(filename, compute)
    self._progress.done()
    return arrays

  def tune(self, problem: str, num_steps: int, num_instances: int,
           seed: int, learning_rates: Sequence[float],
           max_extensions: int = MAX_GRID_EXTENSIONS
           ) -> Tuple[Dict[str, Dict[str, float]], List[Tuple]]:
    """Picks each baseline's learning rate for each metric.

    The runs are on `num_instances` instances drawn with `seed`, which must
    not be the seed of the instances compared. While a metric's best
    learning rate is at an edge of the grid, the grid is extended to the
    next half decade beyond it (at most `max_extensions` times per metric);
    each metric's rate is then the best of the whole grid.

    Returns:
      `({baseline: {metric: learning rate}}, [(baseline, learning rate,
      {metric: mean over the instances})])`.
    """
    chosen, scores = {}, []
    for baseline in experiment.BASELINES:
      means = {}
      for learning_rate in learning_rates:
        means[learning_rate] = self._means(problem, baseline, num_instances,
                                           num_steps, seed, learning_rate)
      extensions = dict.fromkeys(METRICS, 0)
      while True:
        at_edge = [metric for metric in METRICS
                   if _best_learning_rate(means, metric)[1] and
                   extensions[metric] < max_extensions]
        if not at_edge:
          break
        best, _ = _best_learning_rate(means, at_edge[0])
        extensions[at_edge[0]] += 1
        self._progress.add_runs(1)
        learning_rate = experiment.next_half_decade(best,
                                                    up=best == max(means))
        means[learning_rate] = self._means(problem, baseline, num_instances,
                                           num_steps, seed, learning_rate)
      chosen[baseline] = {}
      for metric, description in METRICS.items():
        best, edge = _best_learning_rate(means, metric)
        chosen[baseline][metric] = best
        self._progress.log(
            "{} on {}, {}: learning rate {:g} (mean {:.4g} on the tuning "
            "instances){}".format(
                baseline, problem, description, best, means[best][metric],
                "; still at the edge of the extended grid: widen "
                "--learning_rates" if edge else ""))
      scores += [(baseline, lr, means[lr]) for lr in sorted(means)]
    return chosen, scores

  def _means(self, problem, baseline, num_instances, num_steps, seed,
             learning_rate) -> Dict[str, float]:
    """`{metric: mean over the instances}` of a baseline's run."""
    arrays = self.run(problem, baseline, num_instances, num_steps, seed,
                      learning_rate=learning_rate)
    metrics = instance_metrics(arrays, util.comparison_split(problem))
    return {metric: curves.mean_or_inf(metrics[metric])
            for metric in METRICS}

  def held_out(self, problem: str, num_steps: int, num_instances: int,
               seed: int, chosen: Dict[str, Dict[str, float]],
               l2l_path: str) -> PanelRuns:
    """L2L's and each baseline's runs (at each learning rate of `chosen`,
    as `tune` returns it) on the instances drawn with `seed`."""
    l2l = self.run(problem, "L2L", num_instances, num_steps, seed,
                   l2l_path=l2l_path)
    baselines = {}
    for baseline, rates in chosen.items():
      for learning_rate in sorted(set(rates.values())):
        baselines[baseline, learning_rate] = self.run(
            problem, baseline, num_instances, num_steps, seed,
            learning_rate=learning_rate)
    return PanelRuns(l2l, baselines, chosen, util.comparison_split(problem))


def _baselines_not_beaten(differences) -> str:
  """The baselines L2L is not below beyond two standard errors, with why
  (`differences` as `PanelRuns.against_baselines` gives them)."""
  missed = ["{} ({})".format(name, verdict)
            for name, (_, verdict) in differences.items()
            if verdict != "lower"]
  return ", ".join(missed) or "none"


def _against_cells(runs: PanelRuns, metric: str) -> List[str]:
  """L2L's mean of `metric` (SE), its paired difference with the strongest
  baseline tuned for it (SE), and the baselines it is not below."""
  summary, differences = runs.against_baselines(metric)
  strongest = max(differences, key=lambda name: differences[name][0].mean)
  difference, _ = differences[strongest]
  return ["{:.4g} ({:.2g})".format(summary.mean, summary.standard_error),
          "{}: {:+.3g} ({:.2g})".format(strongest.split(" ")[0],
                                        difference.mean,
                                        difference.standard_error),
          _baselines_not_beaten(differences)]


def optimizers_table(evaluations: Evaluations, paths: Sequence[str],
                     problem: str, num_steps: int, num_instances: int,
                     seed: int, learning_rates: Sequence[float]) -> str:
  """Markdown: the L2L optimizers saved in `paths` against the baselines.

  The baselines are tuned for each metric on `NUM_TUNING_INSTANCES`
  instances of seed `seed + 1`; every optimizer then runs on the same
  `num_instances` held-out instances of seed `seed`, `num_steps` steps.
  One row per optimizer: for each metric, its mean (SE), its paired
  difference with the strongest baseline (SE) and the baselines it is not
  below beyond two standard errors; where the final networks are scored,
  their accuracy on unseen data.
  """
  chosen, _ = evaluations.tune(problem, num_steps, NUM_TUNING_INSTANCES,
                               seed + 1, learning_rates)
  header = ["optimizer"]
  for description in METRICS.values():
    header += [description, "minus the strongest baseline (paired)",
               "baselines not beaten"]
  rows = []
  for path in paths:
    runs = evaluations.held_out(problem, num_steps, num_instances, seed,
                                chosen, path)
    cells = [path]
    for metric in METRICS:
      cells += _against_cells(runs, metric)
    if runs.scored:
      (_, l2l_accuracy), *_ = runs.values("unseen_accuracy", "final")
      cells.append("{:.4f}".format(np.mean(l2l_accuracy)))
    rows.append("| " + " | ".join(cells) + " |")
  if runs.scored:
    header.append("accuracy on unseen data (L2L)")
  rates = "; ".join("{} {}".format(baseline, ", ".join(
      "lr {:g} ({})".format(rate, METRICS[metric])
      for metric, rate in chosen_rates.items()))
                    for baseline, chosen_rates in chosen.items())
  return "\n".join([
      "{}, {} steps: {} held-out instances, the same for every optimizer "
      "(seed {}), optimized on the {} split; each baseline tuned for each "
      "metric on {} other instances (seed {}): {}. Each cell: mean (SE); "
      "differences are L2L minus the baseline, instance by instance.\n"
      .format(problem, num_steps, num_instances, seed,
              util.comparison_split(problem), NUM_TUNING_INSTANCES, seed + 1,
              rates),
      "| " + " | ".join(header) + " |",
      "|---" * len(header) + "|"] + rows) + "\n"


# The ways the original's train.py and evaluate.py evaluate an MNIST
# optimizer differ: (data split of the optimizee, unroll length), train.py's
# first.
SPLIT_AND_UNROLL_SETTINGS = (("train", 20), ("train", 1), ("test", 1),
                             ("test", 20))


def split_and_unroll_table(paths: Sequence[str], runs_dir: str,
                           data_dir: Optional[str], num_instances: int,
                           num_steps: int, seed: int) -> str:
  """Markdown: the MNIST optimizers saved in `paths`, each evaluated in
  each of `SPLIT_AND_UNROLL_SETTINGS` on `num_instances` instances of
  `num_steps` steps (seed `seed`): mean final loss, SE and its log10 (the
  original's statistic). Each run is kept in `runs_dir`."""
  rows = []
  data_digest = util.data_digest("mnist", data_dir)
  for path in paths:
    for mode, unroll_length in SPLIT_AND_UNROLL_SETTINGS:
      filename = os.path.join(
          runs_dir, "gap_{}_{}_unroll{}_{}x{}_seed{}_data{}_v{}.npz".format(
              net_files_digest(path), mode, unroll_length, num_instances,
              num_steps, seed, data_digest, PROTOCOL_VERSION))

      def compute(mode=mode, unroll_length=unroll_length):
        config = experiment.optimizer_config("L2L", "mnist", path,
                                             data_dir=data_dir, mode=mode)
        run = _run_in_programs(config, num_instances, num_steps, seed,
                               unroll_length=unroll_length)
        return {"final_losses": run.losses[:, -1]}

      final = experiment.cached_arrays(filename, compute)["final_losses"]
      summary = curves.summarize(final)
      rows.append("| {} | {} | {} | {:.4g} | {:.2g} | {:+.2f} |".format(
          path, mode, unroll_length, summary.mean, summary.standard_error,
          np.log10(summary.mean)))
  return "\n".join([
      "MNIST optimizers evaluated as the original's train.py does (training "
      "split, unrolls of 20) and as its evaluate.py does (test split, "
      "unrolls of 1), and the two other combinations: {} instances of {} "
      "steps each (seed {}).\n".format(num_instances, num_steps, seed),
      "| optimizer | split | unroll length | mean final loss | SE | log10 |",
      "|---|---|---:|---:|---:|---:|"] + rows) + "\n"
