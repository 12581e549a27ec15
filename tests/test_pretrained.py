# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The optimizers shipped in pretrained/: they load as the README says and
still optimize their problems."""

import os

import numpy as np
import pytest

import networks
import optimizers
import test_scripts

PRETRAINED = os.path.join(test_scripts.REPO, "pretrained")
PROBLEMS = ["quadratic", "mnist"]


@pytest.mark.parametrize("problem", PROBLEMS)
def test_a_pretrained_optimizer_is_a_small_self_describing_file(problem):
  folder = os.path.join(PRETRAINED, problem)
  assert sorted(os.listdir(folder)) == ["README.md", "cw.l2l"]
  assert os.path.getsize(os.path.join(folder, "cw.l2l")) < 40000
  network = networks.from_file(os.path.join(folder, "cw.l2l"))
  assert isinstance(network, networks.CoordinateWiseDeepLSTM)
  optimizers.L2L(folder)  # Loads as a Keras optimizer.


@pytest.mark.parametrize("problem, threshold", [
    # The trained quadratic optimizer's log10 mean final loss is about -1.2
    # (pretrained/quadratic/README.md), an untrained one's above 0.
    ("quadratic", -0.8),
    # An MNIST network left where it starts has loss ln 10 (log10 +0.36).
    pytest.param("mnist", -0.3, marks=pytest.mark.slow),
])
def test_a_pretrained_optimizer_optimizes_its_problem(problem, threshold):
  result = test_scripts.run("evaluate.py", "--problem=" + problem,
                            "--path=pretrained/" + problem, "--num_epochs=4",
                            "--seed=0")
  assert result.returncode == 0, result.stderr[-3000:]
  [error] = test_scripts.log_mean_final_errors(result.stdout)
  assert np.isfinite(error) and error < threshold, result.stdout
