# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Smoke test of reproduction.py (its numbers mean nothing at this size)."""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_reproduction(*args):
  return subprocess.run(
      [sys.executable, os.path.join(REPO, "reproduction.py")] + list(args),
      cwd=REPO, capture_output=True, text=True, timeout=600)


def test_variant_is_trained_evaluated_and_then_read_back(tmp_path):
  args = ("--output_dir=" + str(tmp_path), "--train_epochs=1",
          "--num_instances=2", "--variants=k10")
  result = run_reproduction(*args)
  assert result.returncode == 0, result.stderr[-2000:]
  assert "k10: training 1 epochs" in result.stdout
  assert (tmp_path / "k10" / "cw.l2l").exists()
  [row] = [line for line in (tmp_path / "variants.md").read_text().splitlines()
           if line.startswith("| k10 |")]
  assert float(row.split("|")[4]) > 0  # Mean final test loss.

  again = run_reproduction(*args)
  assert again.returncode == 0, again.stderr[-2000:]
  assert "k10: training" not in again.stdout
  assert row in again.stdout


def test_unknown_variant():
  result = run_reproduction("--variants=k7")
  assert result.returncode == 1 and "Traceback" not in result.stderr
  assert "--variants: unknown k7" in result.stderr.strip().splitlines()[-1]
