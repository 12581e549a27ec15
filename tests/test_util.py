# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of util.py."""

import pytest
import tensorflow as tf

import meta
import util


# The data problems' configurations are tested on small data files in
# test_data_problems.py.
DATA_FREE_PROBLEMS = ["simple", "simple-multi", "quadratic"]


@pytest.mark.parametrize("name", DATA_FREE_PROBLEMS)
def test_get_config_trains(name):
  """Every named problem without data builds and runs a training unroll."""
  problem, net_config, net_assignments = util.get_config(name)
  ops = meta.MetaOptimizer(**net_config).meta_minimize(
      problem, 2, net_assignments=net_assignments)
  _, cost = util.run_epoch(ops.fx, [ops.step], ops.reset, 1)
  assert cost == pytest.approx(float(ops.fx.numpy()))


def test_get_config_net_paths():
  _, net_config, _ = util.get_config("simple-multi", path="saved")
  assert net_config["cw"]["net_path"] == "saved/cw.l2l"
  assert "net_path" not in net_config["adam"]
  _, net_config, _ = util.get_config("quadratic")
  assert net_config["cw"]["net_path"] is None


def test_problem_names():
  assert util.PROBLEM_NAMES == DATA_FREE_PROBLEMS + [
      "mnist", "mnist-wider", "mnist-deeper", "mnist-relu", "cifar",
      "cifar-multi", "cifar5", "cifar2"]


def test_get_config_unknown_problem():
  with pytest.raises(ValueError, match="cubic is not a valid problem; valid "
                     "problems: simple, simple-multi, quadratic, mnist"):
    util.get_config("cubic")


def test_default_net_config():
  config = util.get_default_net_config("cw", "folder")
  assert config["net"] == "CoordinateWiseDeepLSTM"
  assert config["net_options"]["layers"] == (20, 20)
  assert config["net_options"]["preprocess_options"] == {"k": 5}
  assert config["net_options"]["scale"] == 0.01
  assert config["net_path"] == "folder/cw.l2l"


def test_run_epoch_resets_then_runs_each_unroll():
  calls = []
  cost = tf.Variable(0.25)
  time, final = util.run_epoch(cost, [lambda: calls.append("op")],
                               lambda: calls.append("reset"), 3)
  assert calls == ["reset", "op", "op", "op"]
  assert final == 0.25
  assert time >= 0


def test_print_stats(capsys):
  util.print_stats("Epoch 10", total_error=1.0, total_time=5.0, n=10)
  assert capsys.readouterr().out == (
      "Epoch 10\nLog Mean Final Error: -1.00\nMean epoch time: 0.50 s\n")
