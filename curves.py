# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Loss curves of evaluation runs: statistics, tables, CSV files and plots.

A run's losses are an array `[instances, steps]`: the loss of each problem
instance after each optimization step (as `experiment.evaluate_losses`
returns).
"""

import io
from typing import Dict

import numpy as np

import fileio


def mean_final_loss(losses: np.ndarray) -> float:
  """Mean over instances of the last step's loss; infinite if any diverged."""
  final = losses[:, -1]
  return float(np.mean(final)) if np.all(np.isfinite(final)) else np.inf


def curve_statistics(losses: np.ndarray) -> Dict[str, np.ndarray]:
  """Per-step mean and interquartile range over instances."""
  return {"mean": np.mean(losses, axis=0),
          "q25": np.percentile(losses, 25, axis=0),
          "q75": np.percentile(losses, 75, axis=0)}


def final_loss_table(results) -> str:
  """Markdown table of final losses.

  Args:
    results: `[(label, losses [instances, steps])]`, L2L first.

  Returns:
    Rows of optimizer, mean and standard deviation of the final loss over
    instances, and the ratio of the mean to the best baseline's.
  """
  finals = {label: losses[:, -1] for label, losses in results}
  baseline_means = [np.mean(f) for label, f in finals.items()
                    if not label.startswith("L2L")]
  best = min(baseline_means) if baseline_means else np.nan
  lines = ["| optimizer | final loss mean | std | ratio to best baseline |",
           "|---|---:|---:|---:|"]
  for label, final in finals.items():
    mean = np.mean(final)
    lines.append("| {} | {:.4g} | {:.3g} | {:.3g} |".format(
        label, mean, np.std(final), mean / best))
  return "\n".join(lines)


def write_curves_csv(filename: str, panels):
  """Writes the curves of `panels` as CSV.

  Args:
    filename: Destination (written with `fileio.write_atomically`).
    panels: `[(panel name, results)]`, `results` as in `final_loss_table`.

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


def plot(filename: str, title: str, panels, note: str):
  """Writes a PNG figure of mean loss per step on a log scale.

  Args:
    filename: Destination (written with `fileio.write_atomically`).
    title: Figure title.
    panels: `[(panel title, results)]`, `results` as in `final_loss_table`;
        one panel each, side by side. Labels starting with "L2L" are drawn
        solid, the others dashed, each with its interquartile range over
        instances as a band.
    note: Line of small print under the panels.
  """
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, axes = plt.subplots(1, len(panels), squeeze=False,
                           figsize=(5 * len(panels), 4))
  for ax, (panel_title, results) in zip(axes[0], panels):
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
  fig.text(0.5, 0.005, note, ha="center", va="bottom", fontsize="x-small")
  fig.tight_layout(rect=(0, 0.04, 1, 0.95))
  buffer = io.BytesIO()
  fig.savefig(buffer, format="png", dpi=100)
  plt.close(fig)
  fileio.write_atomically(filename, buffer.getvalue())
