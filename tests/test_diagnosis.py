# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of paper/diagnosis.py, meta-training watched unroll by unroll."""

import math

import numpy as np
import pytest
import tensorflow as tf

import data_files
import image_datasets
import optimizee
from paper import diagnosis
import problems
import training
import util


@pytest.fixture(name="data_dir")
def fixture_data_dir(tmp_path):
  data_files.write_mnist_idx(str(tmp_path))
  return str(tmp_path)


def mlp_values(seed, scale=0.01):
  rng = np.random.default_rng(seed)
  shapes = [(784, 20), (20,), (20, 10), (10,)]
  return [tf.constant(scale * rng.standard_normal(s), tf.float32)
          for s in shapes]


def test_probe_loss_is_the_problems_loss_on_the_same_digits(data_dir):
  """The probe's forward pass is the MNIST problem's network: on the whole
  training split it gives the loss `problems.mnist_scores` gives."""
  data = image_datasets.load_mnist("train", data_dir)
  probe = diagnosis.probe_batch(data, size=len(data.labels))
  values = mlp_values(0, scale=0.1)
  scores = optimizee.call_with_values(
      problems.mnist_scores((20,), mode="train", data_dir=data_dir), values)
  statistics = diagnosis.probe_statistics(values, probe)
  assert statistics["probe_loss"] == pytest.approx(float(scores["loss"]),
                                                   rel=1e-5)


def test_saturated_units_and_gradient_norm(data_dir):
  probe = diagnosis.probe_batch(image_datasets.load_mnist("train", data_dir))
  zeros = [tf.zeros_like(v) for v in mlp_values(0)]
  statistics = diagnosis.probe_statistics(zeros, probe)
  # Every hidden unit at 0.5, every class equally likely. The gradient:
  # m = mean(softmax - onehot) = mean(0.1 - onehot) on the output bias,
  # 0.5 m on each of the 20 hidden units' output weights, and none on the
  # first layer (the output weights are zero): norm |m| sqrt(1 + 20 / 4).
  assert statistics["saturated"] == 0
  assert statistics["probe_loss"] == pytest.approx(math.log(10), rel=1e-6)
  labels = probe.labels.numpy()
  m = np.mean(0.1 - np.eye(10)[labels], axis=0)
  assert statistics["gradient_norm"] == pytest.approx(
      np.linalg.norm(m) * math.sqrt(6), rel=1e-5)
  # Large first-layer weights of one sign saturate the units of every digit
  # with a non-zero pixel (all but label 0's, whose pixels are 0 here).
  saturating = [tf.fill([784, 20], 10.0)] + zeros[1:]
  statistics = diagnosis.probe_statistics(saturating, probe)
  assert statistics["saturated"] == pytest.approx(np.mean(labels != 0))


def test_update_statistics():
  before = [np.zeros([2, 2]), np.zeros([3])]
  shifted = [np.full([2, 2], 0.4), np.full([3], -0.4)]
  assert diagnosis.update_statistics(before, shifted, 2) == pytest.approx(
      {"update_size": 0.2, "update_coherence": 1.0})
  opposed = [np.array([[0.4, -0.4], [0.4, -0.4]]), np.array([1.0, -1.0, 0])]
  statistics = diagnosis.update_statistics(before, opposed, 1)
  assert statistics["update_coherence"] == pytest.approx(0.0)
  assert statistics["update_size"] == pytest.approx((1.6 + 2) / 7)


def test_watch_meta_training_records_every_unroll(data_dir):
  problem, net_config, _ = util.get_config("mnist", data_dir=data_dir)
  probe = diagnosis.probe_batch(image_datasets.load_mnist("train", data_dir))
  records = diagnosis.watch_meta_training(
      problem, util.with_net_settings(net_config, zero_output_layer=True),
      probe=probe, num_epochs=2, learning_rate=0.001, seed=3, num_steps=4,
      unroll_length=2)
  assert [(r.epoch, r.unroll) for r in records] == [(1, 1), (1, 2), (2, 1),
                                                    (2, 2)]
  # A zero output layer proposes zero updates until the nets are trained.
  assert records[0].update_size == 0
  assert records[1].update_size > 0
  assert records[0].initial_loss == pytest.approx(math.log(10), abs=0.01)
  assert sorted(records[0].meta_gradient_norms) == [
      "cw_deep_lstm/" + name for name in (
          "linear/b", "linear/w", "lstm_1/b", "lstm_1/w_h", "lstm_1/w_i",
          "lstm_2/b", "lstm_2/w_h", "lstm_2/w_i")]
  rows = diagnosis.epoch_rows(records)
  assert [row["epoch"] for row in rows] == [1, 2]
  assert rows[1]["final_loss"] == records[3].final_loss
  assert rows[1]["update_size"] == pytest.approx(
      (records[2].update_size + records[3].update_size) / 2)
  csv_lines = diagnosis.csv_text(records).splitlines()
  assert len(csv_lines) == 5 and csv_lines[0].startswith("epoch,unroll,")
  assert "meta_gradient_norm:cw_deep_lstm/linear/w" in csv_lines[0]


def test_watch_meta_training_trains_as_meta_train_does(data_dir):
  """With one seed, the watched run's epochs end at the losses of
  `training.meta_train`'s."""
  problem, net_config, _ = util.get_config("mnist", data_dir=data_dir)
  probe = diagnosis.probe_batch(image_datasets.load_mnist("train", data_dir))
  records = diagnosis.watch_meta_training(
      problem, net_config, probe=probe, num_epochs=3, learning_rate=0.01,
      seed=4, num_steps=4, unroll_length=2)

  class Losses(training.Progress):
    final_losses = []

    def epoch_done(self, epoch, final_loss, seconds):
      self.final_losses.append(final_loss)

  progress = Losses()
  training.meta_train(problem, net_config, num_steps=4, unroll_length=2,
                      learning_rate=0.01, seed=4, progress=progress,
                      schedule=training.DEFAULT_SCHEDULE._replace(
                          num_epochs=3, log_period=3, evaluation_period=3))
  np.testing.assert_allclose([r.final_loss for r in records[1::2]],
                             progress.final_losses, rtol=1e-5)


def test_first_epoch_below():
  rows = [{"epoch": e, "initial_loss": 2.3, "final_loss": f}
          for e, f in ((1, 2.3), (2, 2.2), (3, 1.0))]
  assert diagnosis.first_epoch_below(rows, 0.9) == 3
  assert diagnosis.first_epoch_below(rows[:2], 0.9) is None
