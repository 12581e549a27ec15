# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of the RNNprop net: its normalized inputs against NumPy, its
invariance to the gradient's scale, and its use by every consumer of nets
(`MetaOptimizer`, `.l2l` files, `optimizers.L2L` and `SonnetL2L`)."""

import keras
import numpy as np
import pytest
import sonnet as snt
import tensorflow as tf

import helpers
import meta
import networks
import optimizers
import problems
import update_rules

GRADIENTS = [np.array([0.5, -2.0, 1e-3, 0.0], np.float32),
             np.array([0.1, 1.0, -4.0, 0.0], np.float32),
             np.array([-0.3, 0.0, 2.0, 1e-6], np.float32)]


def numpy_normalized_inputs(gradients, beta1, beta2, epsilon, decays):
  """The features of `update_rules.normalized_inputs` at each step."""
  m = v = np.zeros_like(gradients[0], np.float64)
  momenta = [np.zeros_like(m) for _ in decays]
  result = []
  for t, g in enumerate(gradients, start=1):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    momenta = [d * mk + (1 - d) * g for d, mk in zip(decays, momenta)]
    root = np.sqrt(v / (1 - beta2 ** t) + epsilon)
    features = [m / (1 - beta1 ** t) / root, g / root]
    features += [mk / (1 - d ** t) / root for d, mk in zip(decays, momenta)]
    result.append(np.stack(features, axis=-1))
  return result


def zero_state(num_coordinates, num_momenta):
  zeros = tf.zeros([num_coordinates])
  return update_rules.NormalizedInputsState(
      update_rules.AdamState(tf.constant(0.0), zeros, zeros),
      tuple(zeros for _ in range(num_momenta)))


@pytest.mark.parametrize("decays", [(), (0.5, 0.99)])
def test_normalized_inputs_match_numpy(decays):
  beta1, beta2, epsilon = 0.95, 0.9, 1e-8
  expected = numpy_normalized_inputs(GRADIENTS, beta1, beta2, epsilon, decays)
  state = zero_state(4, len(decays))
  for g, want in zip(GRADIENTS, expected):
    features, state = update_rules.normalized_inputs(
        tf.constant(g), state, beta1, beta2, epsilon, decays)
    assert features.shape == (4, 2 + len(decays))
    np.testing.assert_allclose(features.numpy(), want, rtol=2e-4, atol=1e-6)
  assert float(state.adam.t) == len(GRADIENTS)


def test_first_features_are_the_gradient_signs():
  features, _ = update_rules.normalized_inputs(
      tf.constant([3.0, -0.02]), zero_state(2, 0), 0.95, 0.95, 1e-12)
  np.testing.assert_allclose(features.numpy(), [[1, 1], [-1, -1]], rtol=1e-4)


def random_rnnprop(**options):
  tf.random.set_seed(3)
  return networks.RNNprop(initializer="random_normal", **options)


def test_updates_do_not_depend_on_the_gradients_scale():
  net = random_rnnprop(epsilon=1e-16, momentum_decays=(0.9,))
  gradients = [tf.random.normal([6]) for _ in range(5)]
  updates = helpers.unroll(net, gradients)
  for factor in (1e-3, 1e3):
    np.testing.assert_allclose(
        helpers.unroll(net, [factor * g for g in gradients]), updates,
        rtol=1e-4,
        atol=1e-6)
  assert np.abs(updates).max() > 1e-3  # Not trivially zero.


def test_updates_are_bounded_by_the_scale():
  net = networks.RNNprop(scale=0.05, initializer={
      "linear": {"w": snt.initializers.Constant(100.0), "b": "zeros"}})
  updates = helpers.unroll(
      net, [tf.random.normal([50]) * 100 for _ in range(3)])
  assert np.abs(updates).max() <= 0.05
  assert np.abs(updates).max() > 0.049  # The tanh saturates.


def test_zero_output_layer_starts_with_zero_updates():
  net = networks.RNNprop(initializer={"linear": "zeros"})
  np.testing.assert_array_equal(
      helpers.unroll(net, [tf.ones([3])] * 2), 0)


def test_rnnprop_is_learned_and_saved_with_its_input_layer(tmp_path):
  assert networks.is_learned("RNNprop")
  net = random_rnnprop(layers=(3,), momentum_decays=(0.5,))
  gradients = [tf.random.normal([4]) for _ in range(3)]
  updates = helpers.unroll(net, gradients)
  filename = str(tmp_path / "cw.l2l")
  saved = networks.save(net, filename)
  assert sorted(saved) == ["input", "linear", "lstm_1"]
  rebuilt = networks.from_file(filename)
  assert isinstance(rebuilt, networks.RNNprop)
  assert rebuilt.net_options == net.net_options
  np.testing.assert_array_equal(helpers.unroll(rebuilt, gradients),
                                updates)


@pytest.mark.parametrize("options, message", [
    ({"input_size": 0}, "input_size"),
    ({"beta2": 1.0}, r"\[0, 1\)"),
    ({"momentum_decays": (-0.1,)}, r"\[0, 1\)"),
])
def test_bad_options(options, message):
  with pytest.raises(ValueError, match=message):
    networks.RNNprop(**options)


def test_meta_training_lowers_the_meta_loss():
  tf.random.set_seed(0)
  optimizer = meta.MetaOptimizer(cw={"net": "RNNprop", "net_options": {}})
  make_loss = problems.quadratic(batch_size=8, num_dims=5)
  ops = optimizer.meta_minimize(make_loss, 10, learning_rate=0.01)
  evaluation = optimizer.meta_loss(make_loss, 10)

  def mean_meta_loss():
    losses = []
    for _ in range(10):
      evaluation.reset()
      losses.append(float(evaluation.loss()))
    return np.mean(losses)

  before = mean_meta_loss()
  for _ in range(60):
    ops.reset()
    for _ in range(3):
      ops.step()
  assert mean_meta_loss() < 0.5 * before
  assert set(optimizer.meta_gradient_norms) >= {"rnnprop/input/w",
                                                "rnnprop/lstm_1/w_i"}


def test_keras_and_sonnet_optimizers_take_an_rnnprop_file(tmp_path):
  net = random_rnnprop(scale=0.01)
  net(tf.zeros([1]), net.initial_state_for_inputs(tf.zeros([1])))
  path = str(tmp_path / "cw.l2l")
  networks.save(net, path)
  model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2),
                            keras.layers.Dense(1)])
  model.compile(optimizer=optimizers.L2L(path), loss="mse")
  weights = [w.copy() for w in model.get_weights()]
  x = np.random.RandomState(0).randn(32, 3).astype(np.float32)
  model.fit(x, x.sum(axis=1), epochs=2, batch_size=16, verbose=0)
  moved = [np.abs(a - b).max() for a, b in zip(model.get_weights(), weights)]
  assert 0 < max(moved) <= 4 * 0.01 + 1e-6  # 4 steps of at most 0.01.

  variable = tf.Variable([1.0, -2.0])
  sonnet_optimizer = optimizers.SonnetL2L(path)
  expected = helpers.unroll(
      net, [tf.constant([0.5, 0.5])] * 2).sum(axis=0)
  for _ in range(2):
    sonnet_optimizer.apply([tf.constant([0.5, 0.5])], [variable])
  np.testing.assert_allclose(variable.numpy(), [1.0, -2.0] + expected,
                             rtol=1e-5, atol=1e-7)
  assert isinstance(sonnet_optimizer, snt.Optimizer)
