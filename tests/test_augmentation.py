# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of augmentation.py: random parameter scaling keeps the variable
interception, `reset()` and the meta-gradient correct."""

import numpy as np
import pytest
import sonnet as snt
import tensorflow as tf

import augmentation
import meta
import optimizee
import problems

WEIGHTS = np.array([1.0, 2.0, 3.0], np.float32)
START = np.array([1.0, -1.0, 0.5], np.float32)


def weighted_squares():
  """`sum(w * x^2)` with `x` starting at `START` and a constant `w`."""
  def build():
    x = tf.Variable(START, name="x")
    w = tf.Variable(WEIGHTS, trainable=False, name="w")
    return tf.reduce_sum(w * tf.square(x))
  return build


def test_the_loss_sees_the_scaled_parameters():
  tf.random.set_seed(0)
  problem = optimizee.Problem(augmentation.random_scaling(weighted_squares(),
                                                          2.0))
  assert [optimizee.variable_name(v) for v in problem.x] == ["x"]
  assert [optimizee.variable_name(v) for v in problem.constants] == [
      "x_scale", "w"]
  scale = problem.constants[0].numpy()
  assert np.all((scale >= np.exp(-2)) & (scale <= np.exp(2)))
  assert len(np.unique(scale)) == 3  # Drawn per coordinate.
  # The initial parameters of the wrapped problem are those of the problem.
  np.testing.assert_allclose(problem.x[0].numpy() * scale, START, rtol=1e-6)
  theta = tf.constant([0.3, 0.2, -0.1])
  with tf.GradientTape() as tape:
    tape.watch(theta)
    loss = problem.loss([theta])
  expected = np.sum(WEIGHTS * (scale * theta.numpy()) ** 2)
  np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-5)
  # The gradient with respect to theta is c times the problem's.
  np.testing.assert_allclose(
      tape.gradient(loss, theta).numpy(),
      scale * 2 * WEIGHTS * scale * theta.numpy(), rtol=1e-5)


def test_reset_redraws_the_factors_and_the_initial_values():
  tf.random.set_seed(1)
  problem = optimizee.Problem(augmentation.random_scaling(weighted_squares(),
                                                          3.0))
  first = problem.constants[0].numpy()
  problem.reset()
  second = problem.constants[0].numpy()
  assert not np.allclose(first, second)
  np.testing.assert_allclose(problem.x[0].numpy() * second, START,
                             rtol=1e-6)
  np.testing.assert_array_equal(problem.constants[1].numpy(), WEIGHTS)


def test_sonnet_problems_with_instances_are_scaled_per_instance():
  tf.random.set_seed(2)

  def make_loss():
    mlp = snt.nets.MLP([3, 1])
    return tf.reduce_sum(tf.square(mlp(tf.ones([2, 4]))))

  problem = optimizee.Problem(augmentation.random_scaling(make_loss, 1.0),
                              num_instances=2)
  names = [optimizee.variable_name(v) for v in problem.constants]
  assert "instance_0/mlp/linear_0/w_scale" in names
  assert "instance_1/mlp/linear_1/b_scale" in names
  assert len(names) == len(problem.x) == 8
  scales = {optimizee.variable_name(v): v.numpy()
            for v in problem.constants}
  assert not np.allclose(scales["instance_0/mlp/linear_0/w_scale"],
                         scales["instance_1/mlp/linear_0/w_scale"])


def test_the_meta_gradient_flows_through_a_scaled_problem():
  tf.random.set_seed(3)
  optimizer = meta.MetaOptimizer(cw={"net": "RNNprop", "net_options": {}})
  make_loss = augmentation.random_scaling(
      problems.quadratic(batch_size=4, num_dims=5), 2.0)
  ops = optimizer.meta_minimize(make_loss, 5, learning_rate=0.01)
  ops.reset()
  before = ops.x[0].numpy()  # The unscaled parameters theta.
  ops.step()
  norms = optimizer.meta_gradient_norms
  assert all(np.isfinite(n) and n > 0 for n in norms.values()), norms
  assert not np.allclose(ops.x[0].numpy(), before)  # The net moved theta.


def test_bad_max_log_scale():
  for value in (0, -1, float("inf")):
    with pytest.raises(ValueError, match="max_log_scale"):
      augmentation.random_scaling(weighted_squares(), value)
