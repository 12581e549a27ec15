# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of util.py."""

import os
import time as time_module

import numpy as np
import pytest
import tensorflow as tf

import experiment
import meta
import networks
import problems
import util


# The data problems' configurations are tested on small data files in
# test_data_problems.py.
DATA_FREE_PROBLEMS = ["simple", "simple-multi", "quadratic"]
PRETRAINED_MNIST = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "pretrained", "mnist")


@pytest.mark.parametrize("name", DATA_FREE_PROBLEMS)
def test_get_config_trains(name):
  """Every named problem without data builds and runs training unrolls;
  run_epoch returns the final loss of the epoch's last unroll."""
  problem, net_config, net_assignments = util.get_config(name)
  ops = meta.MetaOptimizer(**net_config).meta_minimize(
      problem, 2, net_assignments=net_assignments)
  returned = []
  _, cost = util.run_epoch(ops.fx, [lambda: returned.append(ops.step())],
                           ops.reset, 3)
  assert len(returned) == 3
  assert cost == pytest.approx(float(returned[-1]))
  assert cost != pytest.approx(float(returned[0]))


@pytest.mark.parametrize("name", ["simple", "simple-multi"])
def test_run_epoch_cost_is_the_loss_of_the_final_values(name):
  """On sums of squares the final loss is a function of the final `x`."""
  problem, net_config, net_assignments = util.get_config(name)
  ops = meta.MetaOptimizer(**net_config).meta_minimize(
      problem, 2, net_assignments=net_assignments)
  _, cost = util.run_epoch(ops.fx, [ops.step], ops.reset, 2)
  assert cost == pytest.approx(sum(float(x.numpy()) ** 2 for x in ops.x))
  assert cost < len(ops.x)  # Each x starts at 1: the epoch moved them.


def test_run_epoch_refuses_update_with_step():
  """TF1's sess.run([update, step]) is [step] alone in TF2: [update, step]
  would unroll twice, the first unroll untrained."""
  problem, net_config, _ = util.get_config("simple")
  ops = meta.MetaOptimizer(**net_config).meta_minimize(problem, 2)
  with pytest.raises(ValueError, match=r"pass \[step\]"):
    util.run_epoch(ops.fx, [ops.update, ops.step], ops.reset, 1)
  with pytest.raises(ValueError, match="unroll twice"):
    util.run_epoch(ops.fx, [ops.step, ops.update], ops.reset, 1)


def test_get_config_net_paths():
  _, net_config, _ = util.get_config("simple-multi", path="saved")
  assert net_config["cw"]["net_path"] == "saved/cw.l2l"
  assert "net_path" not in net_config["adam"]
  _, net_config, _ = util.get_config("quadratic")
  assert net_config["cw"]["net_path"] is None


@pytest.mark.parametrize("name", DATA_FREE_PROBLEMS)
def test_get_net_config_is_that_of_get_config(name):
  net_config, net_assignments = util.get_net_config(name, path="saved")
  _, expected_config, expected_assignments = util.get_config(name,
                                                             path="saved")
  assert net_config == expected_config
  assert net_assignments == expected_assignments


def test_get_net_config_of_data_problems_needs_no_data():
  net_config, _ = util.get_net_config("mnist", path="saved",
                                      original_code=True)
  assert net_config == {"cw": util.get_default_net_config("cw", "saved")}
  net_config, net_assignments = util.get_net_config("cifar-multi")
  assert sorted(net_config) == ["conv", "fc"]
  assert [key for key, _ in net_assignments] == ["conv", "fc"]
  with pytest.raises(ValueError, match="cubic is not a valid problem"):
    util.get_net_config("cubic")


def test_get_net_config_returns_fresh_copies():
  net_config, _ = util.get_net_config("quadratic")
  net_config["cw"]["net_options"]["layers"] = (1,)
  assert util.get_net_config("quadratic")[0]["cw"]["net_options"][
      "layers"] == (20, 20)


def test_get_config_uses_the_stored_network(tmp_path, caplog):
  net = networks.CoordinateWiseDeepLSTM(layers=(3,), initializer="zeros")
  net(tf.zeros([2]), net.initial_state_for_inputs(tf.zeros([2])))
  networks.save(net, str(tmp_path / "cw.l2l"))
  _, net_config, _ = util.get_config("quadratic", path=str(tmp_path))
  optimizer = meta.MetaOptimizer(**net_config)
  problem = problems.quadratic(batch_size=2, num_dims=3)
  optimizer.meta_loss(problem, 2)
  assert {module: sorted(variables) for module, variables in
          optimizer.save()["cw"].items()} == {
              "linear": ["b", "w"], "lstm_1": ["b", "w_h", "w_i"]}
  assert any("stores layers=[3], which replaces (20, 20)" in message
             for message in caplog.messages)


@pytest.mark.parametrize("name", ["mnist", "mnist-relu", "cifar",
                                  "cifar-multi", "cifar5"])
def test_data_problems_have_the_papers_net_settings(name):
  """The MNIST and CIFAR nets have the paper's LogAndSign k and output scale;
  `original_code=True` gives the original code's, its default net."""
  net_config, assignments = util.get_net_config(name)
  original, original_assignments = util.get_net_config(name,
                                                       original_code=True)
  assert original_assignments == assignments
  assert sorted(original) == sorted(net_config)
  for key, config in net_config.items():
    assert config["net_options"]["preprocess_options"] == {"k": 10}
    assert config["net_options"]["scale"] == 0.1
    assert util.net_settings(net_config)["zero_output_layer"] is (
        True if name.startswith("mnist") else None)
    assert original[key] == util.get_default_net_config(key, None)
    assert dict(config, net_options=None) == dict(original[key],
                                                  net_options=None)


@pytest.mark.parametrize("name", DATA_FREE_PROBLEMS)
def test_problems_without_data_have_the_original_codes_nets(name):
  assert util.get_net_config(name) == util.get_net_config(name,
                                                          original_code=True)


def test_with_net_settings_changes_a_copy():
  net_config, _ = util.get_net_config("cifar-multi", original_code=True)
  changed = util.with_net_settings(net_config, log_and_sign_k=10,
                                   output_scale=0.1)
  for key in ("conv", "fc"):
    assert changed[key]["net_options"]["preprocess_options"] == {"k": 10}
    assert changed[key]["net_options"]["scale"] == 0.1
    assert net_config[key]["net_options"]["preprocess_options"] == {"k": 5}
  assert util.with_net_settings(net_config) == net_config
  # simple-multi: only the learned net takes the scale.
  net_config, _ = util.get_net_config("simple-multi")
  changed = util.with_net_settings(net_config, output_scale=0.5)
  assert changed["cw"]["net_options"]["scale"] == 0.5
  assert changed["adam"] == net_config["adam"]
  with pytest.raises(ValueError, match="log_and_sign_k: none of the nets "
                     r"\(cw, adam\) has LogAndSign"):
    util.with_net_settings(net_config, log_and_sign_k=10)


def test_net_settings_reads_what_with_net_settings_changes():
  net_config, _ = util.get_net_config("cifar-multi")
  assert util.net_settings(net_config) == {"log_and_sign_k": 10,
                                           "output_scale": 0.1,
                                           "zero_output_layer": None}
  assert util.net_settings(util.with_net_settings(
      net_config, log_and_sign_k=3, output_scale=0.5,
      zero_output_layer=True)) == {
          "log_and_sign_k": 3, "output_scale": 0.5, "zero_output_layer": True}
  assert util.net_settings(util.get_net_config("quadratic")[0]) == {
      "log_and_sign_k": None, "output_scale": None, "zero_output_layer": None}
  net_config["fc"]["net_options"]["scale"] = 0.2
  with pytest.raises(ValueError, match=r"different output_scale values: "
                     r"\[0.1, 0.2\]"):
    util.net_settings(net_config)


def test_zero_output_layer_sets_and_removes_the_output_initializer():
  net_config, _ = util.get_net_config("simple-multi")
  zero = util.with_net_settings(net_config, zero_output_layer=True)
  assert zero["cw"]["net_options"]["initializer"] == {"linear": "zeros"}
  assert zero["adam"] == net_config["adam"]
  original = util.with_net_settings(zero, zero_output_layer=False)
  assert "initializer" not in original["cw"]["net_options"]
  # Another initializer is not the zero output layer's: it stays.
  assert util.with_net_settings(net_config, zero_output_layer=False) == (
      net_config)
  with pytest.raises(ValueError, match=r"zero_output_layer: none of the nets "
                     r"\(sgd\) is learned"):
    util.with_net_settings({"sgd": {"net": "Sgd", "net_options": {}}},
                           zero_output_layer=True)


def test_a_zero_output_layer_proposes_zero_updates():
  net_config, _ = util.get_net_config("quadratic")
  net = networks.factory(**util.with_net_settings(
      net_config, zero_output_layer=True)["cw"])
  gradients = tf.constant([[-3.0, 0.0, 1e-6, 2.0]])
  update, _ = net(gradients, net.initial_state_for_inputs(gradients))
  np.testing.assert_array_equal(update.numpy(), np.zeros([1, 4]))
  # The LSTM layers keep their random initial weights.
  assert np.any(net.trainable_variables[-1].numpy() != 0)


def test_problem_names():
  assert util.PROBLEM_NAMES == DATA_FREE_PROBLEMS + [
      "mnist", "mnist-wider", "mnist-deeper", "mnist-relu", "cifar",
      "cifar-multi", "cifar5", "cifar2", "mnist-conv", "mnist-lenet",
      "digits-logistic", "digits-mlp", "mnist-tanh", "mnist-glorot",
      "mnist-wider-glorot", "mnist-deeper-glorot", "mnist-relu-glorot",
      "mnist-conv-glorot", "mnist-lenet-glorot", "digits-logistic-glorot",
      "digits-mlp-glorot", "mnist-tanh-glorot"]


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
  _, final = util.run_epoch(cost, [lambda: calls.append("op")],
                               lambda: calls.append("reset"), 3)
  assert calls == ["reset", "op", "op", "op"]
  assert final == 0.25


def test_run_epoch_times_the_reset_and_every_unroll():
  seconds, _ = util.run_epoch(tf.Variable(1.0),
                              [lambda: time_module.sleep(0.05)],
                              lambda: time_module.sleep(0.05), 2)
  assert 0.15 <= seconds < 1.0


def test_log_mean_error():
  assert util.log_mean_error(total_error=2.0, n=20) == pytest.approx(-1.0)
  assert util.log_mean_error(total_error=30.0, n=3) == pytest.approx(1.0)


def test_print_stats(capsys):
  util.print_stats("Epoch 10", total_error=1.0, total_time=5.0, n=10)
  assert capsys.readouterr().out == (
      "Epoch 10\nLog Mean Final Error: -1.00\nMean epoch time: 0.50 s\n")


def test_with_net_replaces_the_learned_nets_and_keeps_a_zero_output_layer():
  net_config, _ = util.get_net_config("mnist")
  replaced = util.with_net(net_config, "RNNprop")
  assert replaced["cw"]["net"] == "RNNprop"
  assert replaced["cw"]["net_options"] == {
      "initializer": util.ZERO_OUTPUT_LAYER}
  assert net_config["cw"]["net"] == "CoordinateWiseDeepLSTM"  # A copy.
  quadratic = util.with_net(util.get_net_config("quadratic")[0], "RNNprop")
  assert quadratic["cw"]["net_options"] == {}
  multi = util.with_net(util.get_net_config("simple-multi")[0], "RNNprop")
  assert (multi["cw"]["net"], multi["adam"]["net"]) == ("RNNprop", "Adam")
  with pytest.raises(ValueError, match="not a learned network"):
    util.with_net(net_config, "Adam")
  with pytest.raises(ValueError, match="none of the nets"):
    util.with_net({"sgd": {"net": "Sgd", "net_options": {}}}, "RNNprop")
  # The settings flags apply on top.
  assert util.net_settings(util.with_net_settings(
      replaced, output_scale=0.05))["output_scale"] == 0.05


def test_data_digest_names_the_data_not_the_files(tmp_path):
  """The same MNIST arrays in IDX files and in an npz: one digest; other
  digits: another; the problems without data: "nodata"."""
  import data_files  # pylint: disable=g-import-not-at-top
  folders = {}
  for name, write in (("idx", data_files.write_mnist_idx),
                      ("npz", data_files.write_mnist_npz),
                      ("fewer", lambda d: data_files.write_mnist_npz(
                          d, num_train=40))):
    folders[name] = tmp_path / name
    folders[name].mkdir()
    write(str(folders[name]))
  digests = {name: util.data_digest("mnist", str(folder))
             for name, folder in folders.items()}
  assert digests["idx"] == digests["npz"]
  assert digests["fewer"] != digests["npz"]
  assert len(digests["npz"]) == 12
  # The MNIST classifiers share their data, whatever the network.
  assert util.data_digest("mnist-conv-glorot", str(folders["npz"])) == (
      digests["npz"])
  for name in DATA_FREE_PROBLEMS:
    assert util.data_digest(name) == "nodata"
  with pytest.raises(ValueError, match="not a valid problem"):
    util.data_digest("mnsit")


def test_each_use_of_a_data_problem_takes_the_split_util_decides(monkeypatch):
  """Meta-training on the training split; evaluate.py's evaluation
  (`experiment.optimizer_config`'s default) on the test split, for every
  optimizer; the comparisons on the training split but for CIFAR-5 and
  CIFAR-2."""
  monkeypatch.setattr(problems, "image_classifier",
                      lambda *args, **kwargs: kwargs["mode"])
  assert (util.TRAINING_SPLIT, util.EVALUATION_SPLIT) == ("train", "test")
  assert util.get_config("mnist")[0] == util.TRAINING_SPLIT
  # As in the original: a saved optimizer is evaluated on the test split.
  assert util.get_config("mnist", PRETRAINED_MNIST)[0] == util.EVALUATION_SPLIT
  for optimizer in ("L2L", "Adam"):
    assert experiment.optimizer_config(
        optimizer, "mnist")[0] == util.EVALUATION_SPLIT
  assert [util.comparison_split(name)
          for name in ("quadratic", "mnist", "cifar", "cifar5", "cifar2")] == [
              "train", "train", "train", "test", "test"]
