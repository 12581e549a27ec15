# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of paper/reproduction.py's experiments (their numbers mean nothing at
this size)."""

import os
import subprocess
import sys

import numpy as np
import pytest

import comparison
import curves
import data_files
import experiment
import helpers
import util

PRETRAINED = os.path.join(helpers.REPO, "pretrained")


def run_reproduction(*args):
  return subprocess.run(
      [sys.executable,
       "-m", "paper.reproduction"] + list(args),
      cwd=helpers.REPO,
      capture_output=True,
      text=True,
      timeout=600)


@pytest.mark.slow  # Two reproduction.py runs, one meta-training; the compare
# and gap experiments run in the default suite.
def test_variant_is_trained_evaluated_and_then_read_back(tmp_path):
  data_dir = tmp_path / "data"
  data_dir.mkdir()
  data_files.write_mnist_idx(str(data_dir))
  output = tmp_path / "variants"
  args = ("--output_dir=" + str(output), "--train_epochs=2",
          "--num_instances=2", "--variants=k10", "--data_dir=" + str(data_dir))
  result = run_reproduction(*args)
  assert result.returncode == 0, result.stderr[-2000:]
  assert "k10: training 2 epochs" in result.stdout
  [row] = [line for line in (output / "variants.md").read_text().splitlines()
           if line.startswith("| k10 |")]
  # The row's mean final test loss is that of the saved optimizer on the
  # held-out instances of the seed.
  problem, _, _ = util.get_config("mnist", mode="test",
                                  data_dir=str(data_dir))
  net = util.get_default_net_config("cw", str(output / "k10"))
  net["net_options"]["preprocess_options"] = {"k": 10}
  losses = experiment.evaluate_losses(problem, {"cw": net}, None,
                                      num_epochs=2, num_steps=100,
                                      seed=0).losses
  mean_final = np.mean(losses[:, -1])
  assert float(row.split("|")[4]) == pytest.approx(mean_final, rel=1e-3)
  assert float(row.split("|")[5]) == pytest.approx(np.log10(mean_final),
                                                   abs=0.006)

  again = run_reproduction(*args)
  assert again.returncode == 0, again.stderr[-2000:]
  assert "k10: training" not in again.stdout
  assert row in again.stdout


@pytest.mark.slow  # A reproduction.py run; the default suite checks the
# one-line error in test_missing_paths_are_a_one_line_error.
def test_unknown_variant():
  result = run_reproduction("--variants=k7")
  assert result.returncode == 1 and "Traceback" not in result.stderr
  assert "--variants: unknown k7" in result.stderr.strip().splitlines()[-1]


def test_missing_paths_are_a_one_line_error(tmp_path):
  result = run_reproduction("--output_dir=" + str(tmp_path),
                            "--experiment=gap")
  assert result.returncode == 1 and "Traceback" not in result.stderr
  assert "--experiment=gap needs --paths" in (
      result.stderr.strip().splitlines()[-1])


def test_baselines_not_beaten_are_those_not_lower_beyond_two_se():
  lower = (curves.Summary(-1.0, 0.1, -1.0), "lower")
  within = (curves.Summary(-0.1, 0.1, -0.1), "within 2 SE")
  higher = (curves.Summary(1.0, 0.1, 1.0), "higher")
  assert comparison._baselines_not_beaten({"SGD (lr 1)": lower}) == "none"
  assert comparison._baselines_not_beaten(
      {"SGD (lr 1)": lower, "Adam (lr 0.1)": within, "NAG (lr 1)": higher}
  ) == "Adam (lr 0.1) (within 2 SE), NAG (lr 1) (higher)"


def test_compare_rows_are_paired_differences_with_the_strongest_baseline(
    tmp_path, monkeypatch):
  monkeypatch.setattr(comparison, "NUM_TUNING_INSTANCES", 2)
  path = os.path.join(PRETRAINED, "quadratic")
  evaluations = comparison.Evaluations(str(tmp_path))
  results = comparison.optimizers_table(evaluations, [path], "quadratic",
                                        num_steps=100, num_instances=4,
                                        seed=0, learning_rates=[0.1])
  [row] = [line for line in results.splitlines()
           if line.startswith("| " + path)]
  cells = [cell.strip() for cell in row.strip("|").split("|")]
  assert len(cells) == 7  # No unseen data for the quadratic.

  l2l = comparison.instance_metrics(
      evaluations.run("quadratic", "L2L", 4, 100, 0, l2l_path=path), "train")
  baselines = {
      name: comparison.instance_metrics(evaluations.run(
          "quadratic", name, 4, 100, 0, learning_rate=0.1), "train")
      for name in experiment.BASELINES}
  for metric, first_cell in (("trajectory", 1), ("final", 4)):
    summary = curves.summarize(l2l[metric])
    assert cells[first_cell] == "{:.4g} ({:.2g})".format(
        summary.mean, summary.standard_error)
    strongest = min(baselines, key=lambda name: np.mean(
        baselines[name][metric]))
    difference = curves.paired_difference(l2l[metric],
                                          baselines[strongest][metric])
    assert cells[first_cell + 1] == "{}: {:+.3g} ({:.2g})".format(
        strongest, difference.mean, difference.standard_error)
  # The shipped quadratic optimizer is below every baseline at lr 0.1.
  assert cells[3] == cells[6] == "none"


@pytest.mark.slow  # A reproduction.py run of four evaluations; compare runs
# in the default suite.
def test_gap_evaluates_each_split_and_unroll_length(tmp_path):
  data_dir = tmp_path / "data"
  data_dir.mkdir()
  data_files.write_mnist_idx(str(data_dir))
  path = os.path.join(PRETRAINED, "mnist")

  def table():
    return comparison.split_and_unroll_table(
        [path], str(tmp_path / "gap"), str(data_dir), num_instances=2,
        num_steps=100, seed=0)

  results = table()
  rows = [[cell.strip() for cell in line.strip("|").split("|")]
          for line in results.splitlines() if line.startswith("| " + path)]
  assert [(row[1], int(row[2])) for row in rows] == list(
      comparison.SPLIT_AND_UNROLL_SETTINGS)

  # The train.py-like row: the final loss after unrolls of 20 steps on the
  # training split.
  config = experiment.optimizer_config("L2L", "mnist", path,
                                       data_dir=str(data_dir), mode="train")
  final = experiment.evaluate_losses(*config, num_epochs=1, num_steps=100,
                                     seed=0, num_instances=2,
                                     unroll_length=20).losses[:, -1]
  # Two runs of the same seed agree only to about 1% here: the CPU kernels'
  # sums are not repeated exactly, and 100 learned steps on 60 digits
  # amplify the difference.
  assert float(rows[0][3]) == pytest.approx(np.mean(final), rel=0.05)
  assert table() == results  # Read back from the runs kept.


@pytest.mark.slow  # Four watched meta-trainings; diagnosis.py's functions
# are tested in the default suite (test_diagnosis.py).
def test_diagnose_writes_a_table_and_the_records_of_each_run(tmp_path):
  data_dir = tmp_path / "data"
  data_dir.mkdir()
  data_files.write_mnist_idx(str(data_dir))
  output = tmp_path / "diagnosis"
  result = run_reproduction("--experiment=diagnose", "--seeds=1,2",
                            "--train_epochs=1", "--output_dir=" + str(output),
                            "--data_dir=" + str(data_dir))
  assert result.returncode == 0, result.stderr[-2000:]
  table = (output / "diagnosis.md").read_text()
  for name in ("Random", "Zero"):
    for seed in (1, 2):
      assert "### {} output layer, seed {}: ".format(name, seed) in table
      lines = (output / "diagnosis_{}_seed{}.csv".format(
          name.lower(), seed)).read_text().splitlines()
      assert len(lines) == 1 + 5  # The header, then 5 unrolls.
  result = run_reproduction("--experiment=diagnose", "--seeds=one",
                            "--output_dir=" + str(output))
  assert result.returncode == 1 and "Traceback" not in result.stderr
  assert "--seeds must be integers, got one." in result.stderr


def test_a_run_on_other_data_is_computed_again(tmp_path):
  """The kept runs are named by the data they ran on: the same digits in
  another folder are read back, other digits are a new run."""
  folders = {}
  for name, num_rows in (("a", 60), ("same_as_a", 60), ("other", 50)):
    folders[name] = tmp_path / name
    folders[name].mkdir()
    data_files.write_digits(str(folders[name]), num_rows=num_rows)
  runs_dir = tmp_path / "runs"
  losses = {}
  for name, folder in folders.items():
    evaluations = comparison.Evaluations(str(runs_dir), data_dir=str(folder))
    losses[name] = evaluations.run("digits-logistic", "SGD", 2, 3, 0,
                                   learning_rate=0.1)["losses"]
  kept = sorted(os.listdir(runs_dir))
  assert len(kept) == 2, kept
  assert all("_v{}.npz".format(comparison.PROTOCOL_VERSION) in name
             for name in kept)
  np.testing.assert_array_equal(losses["a"], losses["same_as_a"])
  assert not np.array_equal(losses["a"], losses["other"])
