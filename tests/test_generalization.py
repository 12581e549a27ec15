# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of suite.py's measures and of generalization.py, run as a user
runs it."""

import glob
import os

import numpy as np
import pytest

import comparison
import helpers
import suite
import tasks


def test_diverged_counts_non_finite_and_rising_losses():
  arrays = {"losses": np.array([[2.0, 1.0], [2.0, np.nan], [2.0, 3.0],
                                [2.0, 1.5]]),
            "initial_losses": np.array([2.3, 2.3, 2.3, 1.0])}
  np.testing.assert_array_equal(suite.diverged(arrays, "train"),
                                [False, True, True, True])


def test_diverged_uses_the_scored_final_loss():
  arrays = {"losses": np.array([[2.0, 1.0]]), "initial_losses": np.array([2.3]),
            "train_loss": np.array([np.inf])}
  assert suite.diverged(arrays, "train")[0]


def test_smoothed_mean_curve_is_a_trailing_mean():
  losses = np.random.default_rng(0).uniform(size=[3, 100])
  window = int(suite.SMOOTHING_FRACTION * 100)
  mean = losses.mean(axis=0)
  expected = [mean[max(0, i + 1 - window):i + 1].mean() for i in range(100)]
  np.testing.assert_allclose(suite.smoothed_mean_curve(losses), expected)


def test_steps_to_reach():
  losses = np.tile(np.linspace(1.0, 0.01, 100), [2, 1])
  curve = suite.smoothed_mean_curve(losses)
  assert suite.steps_to_reach(losses, curve[39]) == 40
  assert suite.steps_to_reach(losses, 0.0) is None
  assert suite.steps_to_reach(np.full([2, 10], np.nan), 1.0) is None


def _result(final_by_label):
  """A TaskResult on the quadratic (no scorer) whose runs end at the given
  per-instance losses."""
  runs = {label: {"losses": np.stack([np.full(len(final), 3.0),
                                      np.asarray(final, float)], axis=1),
                  "initial_losses": np.full(len(final), 4.0)}
          for label, final in final_by_label.items()}
  rates = {label: 0.1 for label in final_by_label
           if not label.startswith("L2L")}
  return suite.TaskResult(tasks.Task("quadratic", 2), runs, rates, "train")


def test_score_counts_tasks_at_or_below_adam_and_divergences():
  results = [
      _result({"L2L a": [1.0, 1.1, 0.9], "Adam (lr 0.1)": [2.0, 2.1, 2.0]}),
      _result({"L2L a": [2.0, 2.1, 5.0], "Adam (lr 0.1)": [1.0, 1.0, 1.1]}),
      _result({"L2L a": [1.0, 1.2, 1.1], "Adam (lr 0.1)": [1.1, 1.0, 1.2]}),
  ]
  assert suite.optimizer_labels(results) == ["L2L a", "Adam"]
  # Lower, higher (with an instance above its initial loss), level.
  assert suite.score(results, "L2L a") == suite.Score(2, 3, 1, 1, 9)
  assert suite.score(results, "Adam") == suite.Score(3, 3, 0, 0, 9)
  assert "- **L2L a**: final training loss at or below tuned Adam's on 2/3 " \
         "tasks; diverged on 1 tasks (1 of 9 instances)" in \
         suite.score_lines(results)


def test_task_table_rows_and_paired_difference():
  result = _result({"L2L a": [1.0, 2.0], "Adam (lr 0.1)": [1.5, 1.0]})
  table = suite.task_table(result).splitlines()
  assert table[0].startswith("| optimizer | lr | final training loss | "
                             "minus tuned Adam (paired) | verdict |")
  assert "test loss" not in table[0]  # The quadratic has no scorer.
  l2l_row = table[2].split(" | ")
  assert l2l_row[0] == "| L2L a" and l2l_row[1] == "1"
  assert l2l_row[3] == "{:+.3g} ({:.2g})".format(0.25, 0.75)
  assert table[3].startswith("| Adam | 0.1 |")


def _cells(markdown, section, row_label):
  """The cells of the row `row_label` of the table under `### section`."""
  body = markdown.split("### " + section + "\n", 1)[1].split("###", 1)[0]
  for line in body.splitlines():
    if line.startswith("| " + row_label + " |"):
      return [cell.strip() for cell in line.strip("|").split("|")]
  raise AssertionError("no row {} under {}".format(row_label, section))


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
  output_dir = str(tmp_path_factory.mktemp("quick"))
  result = helpers.run("generalization.py",
                       "--quick",
                       "--output_dir=" + output_dir,
                       timeout=600)
  assert result.returncode == 0, result.stderr
  with open(os.path.join(output_dir, "generalization.md")) as f:
    return output_dir, f.read()


def test_quick_writes_the_report_and_figure(quick_run):
  output_dir, markdown = quick_run
  assert os.path.getsize(os.path.join(output_dir, "generalization.png")) > 0
  for name in ("L2L pretrained/general", "L2L pretrained/mnist",
               "L2L pretrained/quadratic", "SGD", "RMSprop", "Adam", "NAG"):
    assert "- **{}**: final training loss at or below tuned Adam's on ".format(
        name) in markdown
  for task in ("digits-logistic@20", "quadratic@20"):
    assert "### " + task in markdown
  header = ("| optimizer | lr | final training loss | minus tuned Adam "
            "(paired) | verdict | test loss | test accuracy | mean loss over "
            "the run | steps to Adam's final loss (speed-up) | diverged |")
  assert header in markdown  # The digits task is scored.
  l2l_cells = _cells(markdown, "digits-logistic@20", "L2L pretrained/mnist")
  assert l2l_cells[1] == "1"
  assert "### Speed of the drop-in path" in markdown
  assert "| digits-logistic | no |" in markdown
  assert "| quadratic | no |" in markdown  # tasks.KerasQuadratic.


def test_quick_paired_difference_by_hand(quick_run):
  output_dir, markdown = quick_run
  adam_rate = _cells(markdown, "digits-logistic@20", "Adam")[1]
  runs_dir = os.path.join(output_dir, "runs")
  digest = comparison.net_files_digest("pretrained/mnist")
  [l2l_file] = glob.glob(os.path.join(
      runs_dir, "digits-logistic_L2L_{}_train_2x20_seed0_*".format(digest)))
  [adam_file] = glob.glob(os.path.join(
      runs_dir, "digits-logistic_Adam_lr{}_train_2x20_seed0_*".format(
          adam_rate)))
  l2l, adam = np.load(l2l_file), np.load(adam_file)
  # The final training loss is the final network's on the whole split.
  differences = l2l["train_loss"] - adam["train_loss"]
  mean = (differences[0] + differences[1]) / 2
  standard_error = abs(differences[0] - differences[1]) / 2
  cell = _cells(markdown, "digits-logistic@20", "L2L pretrained/mnist")[3]
  assert cell == "{:+.3g} ({:.2g})".format(mean, standard_error)


def test_bad_task_name_is_a_one_line_error():
  result = helpers.run("generalization.py", "--tasks=mnist@7",
                       "--output_dir=/tmp")
  helpers.assert_one_line_error(result, "generalization.py",
                        "mnist@7 is not a task of the suite; valid tasks: "
                        "mnist@100,")


def test_bad_path_is_a_one_line_error(tmp_path):
  result = helpers.run("generalization.py", "--quick",
               "--paths=" + str(tmp_path / "missing"),
               "--output_dir=" + str(tmp_path))
  helpers.assert_one_line_error(result, "generalization.py",
                        "No optimizer file or folder")
