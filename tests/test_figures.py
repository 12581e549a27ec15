# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of paper/figures.py and curves.py: statistics and tables, the shared
evaluation runs, and the --quick mode end to end (a smoke run: its numbers mean
nothing)."""

import json
import os

import numpy as np
import pytest

import curves
import data_files
import image_datasets
import errors
import experiment
import helpers


def test_mean_is_infinite_when_an_instance_diverged():
  assert curves.mean_or_inf(np.array([3.0, 1.0])) == 2.0
  assert curves.mean_or_inf(np.array([1.0, np.nan])) == np.inf


def test_trajectory_losses_are_each_instances_mean_over_steps():
  losses = np.array([[3.0, 1.0, 2.0], [6.0, 0.0, 0.0]])
  np.testing.assert_allclose(curves.trajectory_losses(losses), [2.0, 2.0])


def test_curve_statistics():
  losses = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0],
                     [5.0, 50.0]])
  stats = curves.curve_statistics(losses)
  np.testing.assert_allclose(stats["mean"], [3.0, 30.0])
  np.testing.assert_allclose(stats["q25"], [2.0, 20.0])
  np.testing.assert_allclose(stats["q75"], [4.0, 40.0])


def test_summary_and_paired_difference():
  values = np.array([1.0, 2.0, 3.0, 10.0])
  summary = curves.summarize(values)
  assert summary.mean == 4.0 and summary.median == 2.5
  np.testing.assert_allclose(summary.standard_error,
                             np.std(values, ddof=1) / 2)
  # The same instances shifted by 0.5 with small noise: the paired
  # difference's standard error is that of the noise, not of the instances.
  others = values + 0.5 + np.array([0.01, -0.01, 0.02, -0.02])
  difference = curves.paired_difference(values, others)
  np.testing.assert_allclose(difference.mean, -0.5)
  assert difference.standard_error < 0.02 < summary.standard_error
  assert curves.summarize(np.array([1.0, np.inf])).mean == np.inf


def test_comparison_table_verdicts():
  instances = np.array([1.0, 2.0, 3.0, 4.0])
  table = curves.comparison_table("final loss", [
      ("L2L", instances),
      ("SGD (lr 0.1)", instances + np.array([1.0, 1.1, 0.9, 1.0])),
      ("Adam (lr 0.01)", instances + np.array([0.1, -0.1, 0.2, -0.2])),
      ("NAG (lr 1)", instances - np.array([1.0, 1.1, 0.9, 1.0])),
      ("RMSprop (lr 1)", np.array([1.0, np.inf, 1.0, 1.0])),
  ])
  rows = [row.split(" | ") for row in table.splitlines()[2:]]
  assert rows[0][:4] == ["| L2L", "2.5", "0.6455", "2.5"]
  assert [row[-1] for row in rows[1:]] == [
      "lower |", "within 2 SE |", "higher |", "not finite |"]
  assert rows[1][4] == "-1"


def _sgd_losses(learning_rate, seed):
  config = experiment.optimizer_config("SGD", "quadratic",
                                       learning_rate=learning_rate,
                                       mode="train")
  losses = experiment.evaluate_losses(*config, num_epochs=3, num_steps=2,
                                      seed=seed).losses
  assert losses.shape == (3, 2)
  return losses


def test_one_seed_gives_every_optimizer_the_same_instances():
  """With a zero learning rate the losses are those of the instances."""
  first = _sgd_losses(0.0, seed=7)
  np.testing.assert_array_equal(first[:, 0], first[:, 1])
  np.testing.assert_array_equal(first, _sgd_losses(0.0, seed=7))
  assert not np.allclose(first, _sgd_losses(0.0, seed=8))
  # Another optimizer starts from the same instances.
  moved = _sgd_losses(1e-3, seed=7)
  assert not np.array_equal(moved, first)
  np.testing.assert_allclose(moved[:, 0], first[:, 0], rtol=0.05)


def run_figures(*args):
  return helpers.run("paper.figures", *args, timeout=600)


def test_downloads_are_blocked(tmp_path):
  """The tests' proxy settings (conftest.py) fail any download at once."""
  with pytest.raises(errors.MissingFileError, match="Cannot download"):
    image_datasets._download(image_datasets.MNIST_URL, str(tmp_path / "mnist.npz"),  # pylint: disable=protected-access
                       "sha256", image_datasets.MNIST_SHA256)
  assert not (tmp_path / "mnist.npz").exists()


# The figures of the default suite's quick run; mnist_generalization (the
# code of mnist on three problems) is made by a slow test.
QUICK_FIGURES = ["quadratic", "mnist", "cifar", "cifar_multi", "cifar5",
                 "cifar2"]


def _quick_figures(tmp_path, figures):
  """Runs `python -m paper.figures --quick` on small MNIST files (no
  CIFAR-10)."""
  output = tmp_path / "figures"
  data_dir = tmp_path / "data"
  data_dir.mkdir()
  data_files.write_mnist_idx(str(data_dir))
  result = run_figures("--quick", "--figures=" + ",".join(figures),
                       "--output_dir=" + str(output),
                       "--data_dir=" + str(data_dir))
  assert result.returncode == 0, result.stderr[-2000:]
  return output, data_dir, result


@pytest.mark.slow
def test_quick_mode_makes_the_generalization_figure(tmp_path):
  output, _, _ = _quick_figures(tmp_path, ["mnist_generalization"])
  table = (output / "mnist_generalization.md").read_text()
  for problem in ("mnist-wider", "mnist-deeper", "mnist-relu"):
    assert "(`{}`)".format(problem) in table
  assert "Final network, accuracy on unseen data" in table


def test_quick_mode_makes_every_figure_and_reuses_its_runs(tmp_path):
  output, data_dir, result = _quick_figures(tmp_path, QUICK_FIGURES)
  assert "left]" in result.stdout  # Progress lines.
  for name in ("quadratic", "mnist"):
    with open(output / (name + ".png"), "rb") as f:
      assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    table = (output / (name + ".md")).read_text()
    assert "| L2L |" in table and "| Adam (lr " in table
    assert "Mean loss over the run (baselines tuned for it):" in table
    assert "Final loss (baselines tuned for it):" in table
    assert "L2L minus optimizer" in table
    # The MNIST networks are scored on data they never trained on.
    assert ("Final network, accuracy on unseen data" in table) == (
        name != "quadratic")
    curves = (output / (name + ".csv")).read_text().splitlines()
    assert curves[0] == "panel,optimizer,step,mean,q25,q75"
    assert {line.split(",")[1] for line in curves[1:]} == {
        "L2L", "SGD", "RMSprop", "Adam", "NAG"}
  # Without CIFAR-10 data (and its download blocked) the CIFAR figures say
  # why they were skipped.
  for name in ("cifar", "cifar_multi", "cifar5", "cifar2"):
    assert not (output / (name + ".png")).exists()
    assert "Skipped: CIFAR-10 files missing" in (
        output / (name + ".md")).read_text()
  assert "MNIST IDX files in " + str(data_dir) in (
      output / "mnist.md").read_text()
  gathered = (output / "FIGURES.md").read_text()
  assert gathered.count("\n## ") == len(QUICK_FIGURES)
  assert "(quadratic.png)" in gathered
  # The MNIST run records the nets it trained: the paper's settings.
  mnist_run = json.loads(
      (output / "work" / "optimizers" / "mnist" / "run.json").read_text())
  assert (mnist_run["log_and_sign_k"], mnist_run["output_scale"]) == (10, 0.1)

  runs = sorted((output / "work" / "runs").iterdir())
  times = [os.path.getmtime(r) for r in runs]
  again = run_figures("--quick", "--figures=quadratic",
                      "--output_dir=" + str(output),
                      "--data_dir=" + str(data_dir))
  assert again.returncode == 0, again.stderr[-2000:]
  assert "reusing the optimizer" in again.stdout
  assert "training L2L" not in again.stdout
  assert sorted((output / "work" / "runs").iterdir()) == runs
  assert [os.path.getmtime(r) for r in runs] == times


# figures.py's bad inputs, `{case: (arguments, a part of the message)}`,
# all in one subprocess (`helpers.main_errors`); the first also as the
# script.
BAD_INPUTS = {
    "figures": (["--figures=quadratic,bogus"], "unknown figure(s) bogus"),
    "learning_rates": (["--learning_rates=0.1,fast"],
                       "--learning_rates must be numbers"),
    "negative_learning_rates": (["--learning_rates=-1"],
                                "--learning_rates must be positive"),
    "train_epochs": (["--train_epochs=0"], "--train_epochs must be at least 1"),
    "output_dir": (["--output_dir=/nonexistent/figures"],
                   "parent folder does not exist"),
}


@pytest.fixture(scope="module")
def bad_input_errors(tmp_path_factory):
  """`{case: message}` of every `BAD_INPUTS` case."""
  cases = {case: ["--quick"] + arguments
           for case, (arguments, _) in BAD_INPUTS.items()}
  return helpers.main_errors(
      "paper.figures", cases,
      str(tmp_path_factory.mktemp("figures_errors") / "messages.json"))


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input(bad_input_errors, case):
  helpers.assert_one_line_message(bad_input_errors[case], BAD_INPUTS[case][1])


def test_bad_input_as_the_script():
  arguments, message = BAD_INPUTS["figures"]
  result = run_figures("--quick", *arguments)
  assert result.returncode == 1
  helpers.assert_one_line_error(result, "figures.py", message)


@pytest.mark.slow  # A figures.py run; the extension's steps are checked in
# test_grid_extensions_are_half_decades.
def test_a_best_learning_rate_at_the_edge_extends_the_grid(tmp_path):
  output = tmp_path / "figures"
  result = run_figures("--quick", "--figures=quadratic",
                       "--learning_rates=1e-5,3e-5",
                       "--output_dir=" + str(output))
  assert result.returncode == 0, result.stderr[-2000:]
  grid = (output / "quadratic.md").read_text()
  # SGD is best at the largest rate of so small a grid; once extended to
  # the next half decade (the --quick limit), it is still at the edge.
  assert "| quadratic | SGD | 0.0001 |" in grid
  assert "still at the edge of the extended grid" in result.stdout


@pytest.mark.parametrize("learning_rate, up, expected", [
    (0.1, True, 0.316), (0.316, True, 1.0), (1.0, False, 0.316),
    (1e-4, False, 3.16e-5), (0.5, True, 1.0), (0.5, False, 0.316),
    (3e-5, True, 3.16e-5)])
def test_grid_extensions_are_half_decades(learning_rate, up, expected):
  assert experiment.next_half_decade(learning_rate, up) == expected
