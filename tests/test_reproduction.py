# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Smoke test of reproduction.py (its numbers mean nothing at this size)."""

import os
import subprocess
import sys

import numpy as np
import pytest

import data_files
import experiment
import util

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_reproduction(*args):
  return subprocess.run(
      [sys.executable, os.path.join(REPO, "reproduction.py")] + list(args),
      cwd=REPO, capture_output=True, text=True, timeout=600)


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


def test_unknown_variant():
  result = run_reproduction("--variants=k7")
  assert result.returncode == 1 and "Traceback" not in result.stderr
  assert "--variants: unknown k7" in result.stderr.strip().splitlines()[-1]
