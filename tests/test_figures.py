# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of figures.py and curves.py: statistics and tables, the shared
evaluation runs, and the --quick mode end to end (a smoke run: its numbers mean
nothing)."""

import os
import subprocess
import sys

import numpy as np
import pytest

import curves
import data_files
import datasets
import errors
import experiment

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_mean_final_loss_is_infinite_when_an_instance_diverged():
  assert curves.mean_final_loss(np.array([[3.0, 1.0], [2.0, 3.0]])) == 2.0
  assert curves.mean_final_loss(np.array([[1.0, 1.0], [1.0, np.nan]])) == (
      np.inf)


def test_curve_statistics():
  losses = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0],
                     [5.0, 50.0]])
  stats = curves.curve_statistics(losses)
  np.testing.assert_allclose(stats["mean"], [3.0, 30.0])
  np.testing.assert_allclose(stats["q25"], [2.0, 20.0])
  np.testing.assert_allclose(stats["q75"], [4.0, 40.0])


def test_final_loss_table_ratio_to_the_best_baseline():
  table = curves.final_loss_table([
      ("L2L", np.array([[5.0, 1.0], [5.0, 3.0]])),
      ("SGD (lr 0.1)", np.array([[5.0, 4.0], [5.0, 4.0]])),
      ("Adam (lr 0.01)", np.array([[5.0, 8.0], [5.0, 8.0]])),
  ])
  rows = table.splitlines()[2:]
  assert rows[0] == "| L2L | 2 | 1 | 0.5 |"
  assert rows[1] == "| SGD (lr 0.1) | 4 | 0 | 1 |"
  assert rows[2] == "| Adam (lr 0.01) | 8 | 0 | 2 |"


def _sgd_losses(learning_rate, seed):
  config = experiment.optimizer_config("SGD", "quadratic",
                                       learning_rate=learning_rate,
                                       mode="train")
  losses, _ = experiment.evaluate_losses(*config, num_epochs=3, num_steps=2,
                                         seed=seed)
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
  return subprocess.run([sys.executable, os.path.join(REPO, "figures.py")] +
                        list(args), cwd=REPO, capture_output=True, text=True,
                        timeout=600)


def test_downloads_are_blocked(tmp_path):
  """The tests' proxy settings (conftest.py) fail any download at once."""
  with pytest.raises(errors.MissingFileError, match="Cannot download"):
    datasets._download(datasets.MNIST_URL, str(tmp_path / "mnist.npz"),  # pylint: disable=protected-access
                       "sha256", datasets.MNIST_SHA256)
  assert not (tmp_path / "mnist.npz").exists()


def test_quick_mode_makes_every_figure_and_reuses_its_runs(tmp_path):
  output = tmp_path / "figures"
  data_dir = tmp_path / "data"  # Small MNIST files, no CIFAR-10.
  data_dir.mkdir()
  data_files.write_mnist_idx(str(data_dir))
  result = run_figures("--quick", "--output_dir=" + str(output),
                       "--data_dir=" + str(data_dir))
  assert result.returncode == 0, result.stderr[-2000:]
  assert "left]" in result.stdout  # Progress lines.
  for name in ("quadratic", "mnist", "mnist_generalization"):
    with open(output / (name + ".png"), "rb") as f:
      assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    table = (output / (name + ".md")).read_text()
    assert "| L2L |" in table and "| Adam (lr " in table
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
  assert gathered.count("\n## ") == 7
  assert "(quadratic.png)" in gathered

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


@pytest.mark.parametrize("args, message", [
    (["--figures=quadratic,bogus"], "unknown figure(s) bogus"),
    (["--learning_rates=0.1,fast"], "--learning_rates must be numbers"),
    (["--learning_rates=-1"], "--learning_rates must be positive"),
    (["--train_epochs=0"], "--train_epochs must be at least 1"),
    (["--output_dir=/nonexistent/figures"], "parent folder does not exist"),
])
def test_bad_input(args, message):
  result = run_figures("--quick", *args)
  assert result.returncode == 1
  assert "Traceback" not in result.stderr
  last = result.stderr.strip().splitlines()[-1]
  assert last.startswith("figures.py: error: ") and message in last
