# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of the hand-written update rules against NumPy references of the
Torch-optim updates the paper used."""

import numpy as np
import pytest
import tensorflow as tf

import update_rules

GRADIENTS = [np.array([0.5, -2.0, 1e-3], np.float32),
             np.array([0.1, 1.0, -4.0], np.float32),
             np.array([-0.3, 0.0, 2.0], np.float32)]


def test_adam_matches_numpy():
  lr, beta1, beta2, eps = 0.1, 0.9, 0.999, 1e-8
  state = update_rules.AdamState(tf.constant(0.0), tf.zeros([3]),
                                 tf.zeros([3]))
  m = v = np.zeros(3)
  for t, g in enumerate(GRADIENTS, start=1):
    update, state = update_rules.adam_update(tf.constant(g), state, lr, beta1,
                                             beta2, eps)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    expected = -lr * (m / (1 - beta1 ** t)) / (
        np.sqrt(v / (1 - beta2 ** t)) + eps)
    # 1 - beta2 ** t in float32 costs some digits.
    np.testing.assert_allclose(update.numpy(), expected, rtol=1e-4)
  assert float(state.t) == len(GRADIENTS)


def test_adam_first_step_is_the_learning_rate_times_the_sign():
  update, _ = update_rules.adam_update(
      tf.constant([3.0, -0.5]), update_rules.AdamState(
          tf.constant(0.0), tf.zeros([2]), tf.zeros([2])), 0.01, 0.9, 0.999,
      1e-8)
  np.testing.assert_allclose(update.numpy(), [-0.01, 0.01], rtol=1e-5)


def test_rmsprop_matches_numpy():
  lr, decay, eps = 0.01, 0.99, 1e-8
  mean_square = tf.zeros([3])
  expected_mean_square = np.zeros(3)
  for g in GRADIENTS:
    update, mean_square = update_rules.rmsprop_update(
        tf.constant(g), mean_square, lr, decay, eps)
    expected_mean_square = decay * expected_mean_square + (1 - decay) * g ** 2
    np.testing.assert_allclose(
        update.numpy(), -lr * g / (np.sqrt(expected_mean_square) + eps),
        rtol=1e-5)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_nesterov_matches_torch_sgd_with_nesterov(momentum):
  """Torch: v = momentum * v + g; p -= lr * (g + momentum * v)."""
  lr = 0.1
  velocity = tf.zeros([3])
  expected_velocity = np.zeros(3)
  for g in GRADIENTS:
    update, velocity = update_rules.nesterov_update(tf.constant(g), velocity,
                                                    lr, momentum)
    expected_velocity = momentum * expected_velocity + g
    np.testing.assert_allclose(
        update.numpy(), -lr * (g + momentum * expected_velocity), rtol=1e-6)
  if momentum == 0.0:
    np.testing.assert_allclose(update.numpy(), -lr * GRADIENTS[-1])
