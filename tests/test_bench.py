# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of bench.py: the FLOP count, and a seconds-long smoke run (no timed
assertion: speed is measured by running bench.py, not by tests)."""

import json
import os
import subprocess
import sys

import pytest

import bench

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_lstm_flops_match_the_peers_count():
  """2x20 LSTM on LogAndSign's 2 features: 9,960 FLOP forward and 19,600
  backward per coordinate and step (the peers' flops.py)."""
  assert bench.lstm_flops_per_coordinate({"layers": (20, 20)}, 2) == (9960,
                                                                      19600)


def test_linear_only_net_flops():
  assert bench.lstm_flops_per_coordinate({"layers": ()}, 1) == (2, 4)


def run_bench(*args):
  return subprocess.run([sys.executable, os.path.join(REPO, "bench.py")] +
                        list(args), cwd=REPO, capture_output=True, text=True,
                        timeout=300)


def test_smoke_run_reports_every_field():
  result = run_bench("--problem=quadratic", "--num_epochs=2",
                     "--num_steps=4", "--unroll_length=2", "--json=-")
  assert result.returncode == 0, result.stderr
  report = json.loads(result.stdout[result.stdout.index("["):])
  assert [r["phase"] for r in report] == ["train", "evaluate"]
  for r in report:
    assert r["num_coordinates"] == 1280
    assert r["epoch_s_min"] <= r["epoch_s_median"] <= r["epoch_s_max"]
    assert r["gflop_per_epoch"] > 0 and r["gflop_per_s"] > 0
    assert r["coordinate_steps_per_s"] > 0 and r["compile_s"] > 0
    assert r["peak_host_mb"] > 0
    assert r["device"] in ("cpu", "gpu")
  assert "quadratic train:" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--num_steps=5", "--unroll_length=2"], "must be a multiple"),
    (["--num_epochs=0"], "--num_epochs must be at least 1"),
])
def test_bad_input(args, message):
  result = run_bench("--problem=quadratic", *args)
  assert result.returncode != 0
  assert "Traceback" not in result.stderr
  assert message in result.stderr.strip().splitlines()[-1]
