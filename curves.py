# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Loss curves of evaluation runs: statistics, tables, CSV files and plots.

A run's losses are an array `[instances, steps]`: the loss of each problem
instance after each optimization step (as `experiment.evaluate_losses`
returns).
"""

import io
import textwrap
from typing import Dict, NamedTuple, Optional

import numpy as np

import fileio


def mean_or_inf(values: np.ndarray) -> float:
  """Mean of per-instance values; infinite if any is not finite (an
  instance diverged)."""
  return float(np.mean(values)) if np.all(np.isfinite(values)) else np.inf


def trajectory_losses(losses: np.ndarray) -> np.ndarray:
  """Each instance's mean loss over the steps, `[instances]`: the paper's
  meta-objective (its Eq. 3, every step weighted 1), over a run."""
  return np.mean(losses, axis=1)


def curve_statistics(losses: np.ndarray) -> Dict[str, np.ndarray]:
  """Per-step mean and interquartile range over instances."""
  return {"mean": np.mean(losses, axis=0),
          "q25": np.percentile(losses, 25, axis=0),
          "q75": np.percentile(losses, 75, axis=0)}


class Summary(NamedTuple):
  """Mean, its standard error and the median of per-instance values."""
  mean: float
  standard_error: float
  median: float


def summarize(values: np.ndarray) -> Summary:
  """`Summary` of `values` `[instances]` (infinite if any is not finite)."""
  values = np.asarray(values, dtype=np.float64)
  if not np.all(np.isfinite(values)):
    return Summary(np.inf, np.inf, float(np.median(values)))
  return Summary(float(np.mean(values)), _standard_error(values),
                 float(np.median(values)))


def _standard_error(values: np.ndarray) -> float:
  """Standard error of the mean (sample standard deviation / sqrt(n))."""
  if len(values) < 2:
    return np.nan
  return float(np.std(values, ddof=1) / np.sqrt(len(values)))


def paired_difference(values: np.ndarray, others: np.ndarray) -> Summary:
  """`Summary` of `values - others`, instance by instance: the two
  optimizers ran on the same instances, so the difference's standard error
  leaves out what the instances share."""
  return summarize(np.asarray(values, np.float64) -
                   np.asarray(others, np.float64))


def _number(value: float) -> str:
  return "{:.4g}".format(value)


def comparison_table(metric: str, results) -> str:
  """Markdown table comparing the first optimizer with each other one.

  Args:
    metric: Name of the per-instance values, for the header.
    results: `[(label, values [instances])]`, the compared optimizer (L2L)
        first, every optimizer on the same instances.

  Returns:
    One row per optimizer: mean, standard error and median of `metric`, and
    for the others, the paired difference (first optimizer minus this one)
    with its standard error, and whether it is beyond two standard errors
    (`lower`/`higher`) or not (`within 2 SE`).
  """
  first_label, first = results[0]
  lines = ["| optimizer | {} mean | SE | median | {} minus optimizer | SE | "
           "difference |".format(metric, first_label.split(" ")[0]),
           "|---|---:|---:|---:|---:|---:|---|"]
  for index, (label, values) in enumerate(results):
    summary = summarize(values)
    cells = [label, _number(summary.mean), _number(summary.standard_error),
             _number(summary.median)]
    if index == 0:
      cells += ["", "", ""]
    else:
      difference = paired_difference(first, values)
      cells += [_number(difference.mean), _number(difference.standard_error),
                verdict(difference)]
    lines.append("| " + " | ".join(cells) + " |")
  return "\n".join(lines)


def verdict(difference: Summary) -> str:
  """Whether a paired difference is beyond two standard errors."""
  if not np.isfinite(difference.mean) or not np.isfinite(
      difference.standard_error):
    return "not finite"
  if abs(difference.mean) <= 2 * difference.standard_error:
    return "within 2 SE"
  return "lower" if difference.mean < 0 else "higher"


def write_curves_csv(filename: str, panels):
  """Writes the curves of `panels` as CSV.

  Args:
    filename: Destination (written with `fileio.write_atomically`).
    panels: `[(panel name, results)]`, `results` `[(label, losses
        [instances, steps])]`, L2L first.

  The header is `panel,optimizer,step,mean,q25,q75`; each row gives one
  optimizer's (the first word of its label) statistics over instances of
  the loss after one step (counted from 1).
  """
  rows = ["panel,optimizer,step,mean,q25,q75"]
  for panel_name, results in panels:
    for label, losses in results:
      stats = curve_statistics(losses)
      for step in range(losses.shape[1]):
        rows.append("{},{},{},{:.9g},{:.9g},{:.9g}".format(
            panel_name, label.split(" ")[0], step + 1, stats["mean"][step],
            stats["q25"][step], stats["q75"][step]))
  fileio.write_atomically(filename, ("\n".join(rows) + "\n").encode())


def plot(filename: str, title: str, panels, note: str,
         columns: Optional[int] = None):
  """Writes a PNG figure of mean loss per step on a log scale.

  Args:
    filename: Destination (written with `fileio.write_atomically`).
    title: Figure title.
    panels: `[(panel title, results)]`, `results` as in `write_curves_csv`;
        one panel each, in rows of `columns`. Labels starting with "L2L" are
        drawn solid, the others dashed, each with its interquartile range
        over instances as a band.
    note: Line of small print under the panels.
    columns: Panels per row (default: all in one row).
  """
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  columns = columns or len(panels)
  rows = -(-len(panels) // columns)
  fig, axes = plt.subplots(rows, columns, squeeze=False,
                           figsize=(5 * columns, 4 * rows))
  for ax in axes.flat[len(panels):]:
    ax.set_visible(False)
  for ax, (panel_title, results) in zip(axes.flat, panels):
    for index, (label, losses) in enumerate(results):
      stats = curve_statistics(losses)
      steps = np.arange(1, losses.shape[1] + 1)
      color = "C{}".format(index)
      ax.plot(steps, stats["mean"], color=color, label=label,
              linestyle="-" if label.startswith("L2L") else "--")
      ax.fill_between(steps, stats["q25"], stats["q75"], color=color,
                      alpha=0.15, linewidth=0)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(panel_title)
    ax.legend(fontsize="small")
  fig.suptitle(title)
  # About 90 characters of small print fit the width of one panel.
  note_lines = textwrap.wrap(note, 90 * columns)
  fig.text(0.5, 0.005, "\n".join(note_lines), ha="center", va="bottom",
           fontsize="x-small")
  fig.tight_layout(rect=(0, 0.03 * (len(note_lines) + 1) / rows, 1,
                         1 - 0.05 / rows))
  buffer = io.BytesIO()
  fig.savefig(buffer, format="png", dpi=100)
  plt.close(fig)
  fileio.write_atomically(filename, buffer.getvalue())
