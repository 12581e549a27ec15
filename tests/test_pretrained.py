# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The optimizers shipped in pretrained/: they load as the README says and
still optimize their problems."""

import os

import numpy as np
import pytest

import helpers
import networks
import optimizers

PRETRAINED = os.path.join(helpers.REPO, "pretrained")
# Each shipped folder and the class of the net it holds.
SHIPPED = {"quadratic": networks.CoordinateWiseDeepLSTM,
           "mnist": networks.CoordinateWiseDeepLSTM,
           "general": networks.RNNprop}


@pytest.mark.parametrize("folder_name, net_class", sorted(SHIPPED.items()))
def test_a_pretrained_optimizer_is_a_small_self_describing_file(folder_name,
                                                                net_class):
  folder = os.path.join(PRETRAINED, folder_name)
  assert sorted(os.listdir(folder)) == ["README.md", "cw.l2l"]
  assert os.path.getsize(os.path.join(folder, "cw.l2l")) < 40000
  network = networks.from_file(os.path.join(folder, "cw.l2l"))
  assert type(network) is net_class  # pylint: disable=unidiomatic-typecheck
  optimizers.L2L(folder)  # Loads as a Keras optimizer.


def test_the_default_optimizer_is_the_shipped_general_one():
  assert optimizers.DEFAULT_PATH == os.path.join(PRETRAINED, "general")
  keras_optimizer = optimizers.L2L()
  sonnet_optimizer = optimizers.SonnetL2L()
  assert isinstance(sonnet_optimizer.network, networks.RNNprop)
  assert keras_optimizer.get_config()["name"] == "l2l"


@pytest.mark.parametrize("problem, threshold", [
    # The trained quadratic optimizer's log10 mean final loss is about -1.2
    # (pretrained/quadratic/README.md), an untrained one's above 0.
    ("quadratic", -0.8),
    # An MNIST network left where it starts has loss ln 10 (log10 +0.36).
    pytest.param("mnist", -0.3, marks=pytest.mark.slow),
])
def test_a_pretrained_optimizer_optimizes_its_problem(problem, threshold):
  _assert_optimizes(problem, "pretrained/" + problem, threshold)


@pytest.mark.parametrize("problem, threshold", [
    # pretrained/general's log10 mean final loss on its training problem is
    # about -0.7 (pretrained/general/README.md); it optimizes the ReLU MLP
    # that the MNIST optimizer blows up.
    pytest.param("mnist", -0.3, marks=pytest.mark.slow),
    pytest.param("mnist-relu", -0.3, marks=pytest.mark.slow),
])
def test_the_general_optimizer_optimizes_mnist_mlps(problem, threshold):
  _assert_optimizes(problem, "pretrained/general", threshold)


def _assert_optimizes(problem, path, threshold):
  result = helpers.run("evaluate.py", "--problem=" + problem,
                            "--path=" + path, "--num_epochs=4", "--seed=0")
  assert result.returncode == 0, result.stderr[-3000:]
  [error] = helpers.log_mean_final_errors(result.stdout)
  assert np.isfinite(error) and error < threshold, result.stdout
