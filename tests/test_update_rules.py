# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of the hand-written update rules (`update_rules`) and of the
networks that apply them (`hand_written`, as `networks.Sgd`, ...), against
one NumPy reference per rule of the Torch-optim updates the paper used."""

import numpy as np
import pytest
import tensorflow as tf

import networks
import update_rules

GRADIENTS = [np.array([0.5, -2.0, 1e-3], np.float32),
             np.array([0.1, 1.0, -4.0], np.float32),
             np.array([-0.3, 0.0, 2.0], np.float32)]


def numpy_adam(gradients, learning_rate, beta1, beta2, epsilon):
  """Kingma & Ba's Adam: the update of each step."""
  m = v = np.zeros_like(gradients[0], np.float64)
  updates = []
  for t, g in enumerate(gradients, start=1):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    updates.append(-learning_rate * (m / (1 - beta1 ** t)) /
                   (np.sqrt(v / (1 - beta2 ** t)) + epsilon))
  return updates


def numpy_rmsprop(gradients, learning_rate, decay, epsilon):
  """Torch's RMSprop: the update of each step."""
  mean_square = np.zeros_like(gradients[0], np.float64)
  updates = []
  for g in gradients:
    mean_square = decay * mean_square + (1 - decay) * g ** 2
    updates.append(-learning_rate * g / (np.sqrt(mean_square) + epsilon))
  return updates


def numpy_nesterov(gradients, learning_rate, momentum):
  """Torch's SGD with nesterov=True: v = momentum * v + g; the update is
  -learning_rate * (g + momentum * v)."""
  velocity = np.zeros_like(gradients[0], np.float64)
  updates = []
  for g in gradients:
    velocity = momentum * velocity + g
    updates.append(-learning_rate * (g + momentum * velocity))
  return updates


def test_adam_matches_numpy():
  lr, beta1, beta2, eps = 0.1, 0.9, 0.999, 1e-8
  state = update_rules.AdamState(tf.constant(0.0), tf.zeros([3]),
                                 tf.zeros([3]))
  expected = numpy_adam(GRADIENTS, lr, beta1, beta2, eps)
  for g, expected_update in zip(GRADIENTS, expected):
    update, state = update_rules.adam_update(tf.constant(g), state, lr, beta1,
                                             beta2, eps)
    # 1 - beta2 ** t in float32 costs some digits.
    np.testing.assert_allclose(update.numpy(), expected_update, rtol=1e-4)
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
  for g, expected in zip(GRADIENTS,
                         numpy_rmsprop(GRADIENTS, lr, decay, eps)):
    update, mean_square = update_rules.rmsprop_update(
        tf.constant(g), mean_square, lr, decay, eps)
    np.testing.assert_allclose(update.numpy(), expected, rtol=1e-5)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_nesterov_matches_torch_sgd_with_nesterov(momentum):
  lr = 0.1
  velocity = tf.zeros([3])
  for g, expected in zip(GRADIENTS,
                         numpy_nesterov(GRADIENTS, lr, momentum)):
    update, velocity = update_rules.nesterov_update(tf.constant(g), velocity,
                                                    lr, momentum)
    np.testing.assert_allclose(update.numpy(), expected, rtol=1e-6)
  if momentum == 0.0:
    np.testing.assert_allclose(update.numpy(), -lr * GRADIENTS[-1])


# Each hand-written network, its options, and its NumPy reference.
NETWORKS = {
    "Sgd": ({"learning_rate": 0.01},
            lambda gradients: [-0.01 * g for g in gradients]),
    "Adam": ({"learning_rate": 0.1, "beta1": 0.9, "beta2": 0.999,
              "epsilon": 1e-8},
             lambda gradients: numpy_adam(gradients, 0.1, 0.9, 0.999, 1e-8)),
    "RMSprop": ({"learning_rate": 0.01, "decay": 0.99, "epsilon": 1e-8},
                lambda gradients: numpy_rmsprop(gradients, 0.01, 0.99,
                                                1e-8)),
    "Nag": ({"learning_rate": 0.1, "momentum": 0.9},
            lambda gradients: numpy_nesterov(gradients, 0.1, 0.9)),
}


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_network_applies_its_rule_to_a_variable_of_any_shape(name):
  """Three steps of the network on gradients shaped [2, 3]: the updates of
  the NumPy reference, shaped as the gradients."""
  options, reference = NETWORKS[name]
  net = networks.factory(name, options)
  gradients = [np.random.RandomState(step).randn(2, 3).astype(np.float32)
               for step in range(3)]
  state = net.initial_state_for_inputs(tf.constant(gradients[0]))
  for g, expected in zip(gradients, reference(gradients)):
    update, state = net(tf.constant(g), state)
    assert update.shape == (2, 3)
    np.testing.assert_allclose(update.numpy(), expected, rtol=1e-4,
                               atol=1e-6)


def test_adam_network_with_a_zero_learning_rate_does_not_move():
  gradients = tf.random.normal([10])
  net = networks.Adam(learning_rate=0)
  update, _ = net(gradients, net.initial_state_for_inputs(gradients))
  np.testing.assert_array_equal(update.numpy(), np.zeros([10]))
