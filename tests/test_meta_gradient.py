# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The meta-gradient's values, checked against central differences.

The meta-gradient is the gradient of `meta_loss(...).loss()` (the sum of the
unroll's losses) with respect to every net variable, as `step()` computes it.
With `second_derivatives` it is the derivative of that sum, so central
differences of `loss()` itself give it. Without them (the default, as in the
original) the optimizee's gradients count as constants: it is the derivative
of the same sum computed with the gradients of the unperturbed run held
fixed, which `_reference_meta_loss` computes here independently of the
library's unroll.
"""

import itertools

import numpy as np
import pytest
import tensorflow as tf

import meta

NUM_DIMS = 3
LEN_UNROLL = 4
# float32 central differences with this step are within about 0.015 of the
# meta-gradient (whose largest coordinates are about 16); the two modes
# differ by about 0.26.
EPSILON = 1e-2
RELATIVE_TOLERANCE = 1e-3
ABSOLUTE_TOLERANCE = 0.03

LSTM_NET = {"net": "CoordinateWiseDeepLSTM",
            "net_options": {"layers": (2,), "scale": 0.3}}

_MATRIX = tf.constant([[1.0, 0.3, 0.0], [0.2, 0.8, -0.4], [0.0, 0.5, 1.2]])
_TARGET = tf.constant([0.5, -1.0, 0.25])


def _quadratic(x):
  """`|W x - y|^2` of a fixed 3-d quadratic."""
  return tf.reduce_sum(tf.square(tf.linalg.matvec(_MATRIX, x) - _TARGET))


def _make_loss():
  x = tf.Variable(tf.random.normal([NUM_DIMS]), name="x")
  return _quadratic(x)


def _central_differences(function, variables):
  """d function / d variables, one coordinate at a time."""
  result = []
  for variable in variables:
    derivative = np.zeros(variable.shape, np.float64)
    for index in itertools.product(*[range(n) for n in variable.shape]):
      one_hot = np.zeros(variable.shape, np.float32)
      one_hot[index] = EPSILON
      variable.assign_add(one_hot)
      above = float(function())
      variable.assign_sub(2 * one_hot)
      below = float(function())
      variable.assign_add(one_hot)
      derivative[index] = (above - below) / (2 * EPSILON)
    result.append(derivative)
  return result


def _reference_meta_loss(net, initial_values, fixed_gradients=None):
  """The meta-loss of an unroll written out step by step.

  Args:
    net: The coordinatewise net.
    initial_values: Each instance's `[NUM_DIMS]` values at the start.
    fixed_gradients: `None`, or the joined gradients `[instances *
        NUM_DIMS]` the net reads at each step, in place of the gradients at
        the current values.

  Returns:
    `(meta-loss, the gradients the net read at each step)`.
  """
  num_instances = len(initial_values)
  x = tf.concat(initial_values, axis=0)
  state = net.initial_state_for_inputs(x, dtype=tf.float32)
  total = 0.0
  gradients = []
  for t in range(LEN_UNROLL + 1):
    with tf.GradientTape() as tape:
      tape.watch(x)
      losses = [_quadratic(x_i) for x_i in tf.split(x, num_instances)]
    # Each instance's gradient is that of its own loss.
    gradient = tf.stop_gradient(tape.gradient(losses, x))
    total += tf.reduce_mean(losses)
    if t == LEN_UNROLL:
      break
    if fixed_gradients is not None:
      gradient = fixed_gradients[t]
    gradients.append(gradient)
    update, state = net(gradient, state)
    x = x + update
  return total, gradients


# The default suite checks one case of each mode; -m slow checks the others.
@pytest.mark.parametrize("second_derivatives, rematerialize, num_instances", [
    (False, False, 1),
    pytest.param(True, False, 1, marks=pytest.mark.slow),
    pytest.param(False, True, 1, marks=pytest.mark.slow),
    pytest.param(True, True, 1, marks=pytest.mark.slow),
    pytest.param(False, False, 2, marks=pytest.mark.slow),
    (True, True, 2),
])
def test_meta_gradient_matches_central_differences(second_derivatives,
                                                   rematerialize,
                                                   num_instances):
  _check_meta_gradient(LSTM_NET, second_derivatives, rematerialize,
                       num_instances)


@pytest.mark.parametrize("second_derivatives", [
    False, pytest.param(True, marks=pytest.mark.slow)])
def test_rnnprop_meta_gradient_matches_central_differences(second_derivatives):
  _check_meta_gradient(
      {"net": "RNNprop", "net_options": {"layers": (2,), "input_size": 2}},
      second_derivatives, rematerialize=False, num_instances=1)


def _meta_gradient(net_config, **meta_loss_options):
  """Builds the unroll of the quadratic from a fresh start (seed 0).

  Returns:
    `(net, ops, meta-loss, meta-gradient)`, the gradient of `ops.loss()`
    with respect to `net.trainable_variables`.
  """
  tf.random.set_seed(0)
  optimizer = meta.MetaOptimizer(cw=net_config)
  ops = optimizer.meta_loss(_make_loss, LEN_UNROLL, jit_compile=False,
                            **meta_loss_options)
  ops.reset()
  [net] = optimizer.nets.values()
  with tf.GradientTape(watch_accessed_variables=False) as tape:
    tape.watch(net.trainable_variables)
    loss = ops.loss()
  return net, ops, loss, tape.gradient(loss, net.trainable_variables)


def _check_meta_gradient(net_config, second_derivatives, rematerialize,
                         num_instances):
  net, ops, loss, meta_gradient = _meta_gradient(
      net_config, second_derivatives=second_derivatives,
      rematerialize=rematerialize, num_instances=num_instances)
  variables = list(net.trainable_variables)

  initial = [v.numpy() for v in ops.x]
  reference_loss, gradients = _reference_meta_loss(net, initial)
  # The library's unroll is the one written out here.
  np.testing.assert_allclose(float(loss), float(reference_loss), rtol=1e-5)
  if second_derivatives:
    expected = _central_differences(ops.loss, variables)
  else:
    expected = _central_differences(
        lambda: _reference_meta_loss(net, initial, gradients)[0], variables)

  assert len(meta_gradient) == len(expected) > 0
  for variable, actual, wanted in zip(variables, meta_gradient, expected):
    np.testing.assert_allclose(actual.numpy(), wanted,
                               rtol=RELATIVE_TOLERANCE,
                               atol=ABSOLUTE_TOLERANCE, err_msg=variable.name)
  # Not a check of zeros against zeros.
  assert max(np.abs(g).max() for g in expected) > 0.05


def test_second_derivatives_make_a_different_meta_gradient():
  """Both checks above would pass if the two modes computed the same: they
  do not."""
  gradients = {}
  for second_derivatives in (False, True):
    *_, meta_gradient = _meta_gradient(
        LSTM_NET, second_derivatives=second_derivatives)
    gradients[second_derivatives] = np.concatenate(
        [g.numpy().ravel() for g in meta_gradient])
  difference = np.abs(gradients[True] - gradients[False]).max()
  assert difference > 5 * ABSOLUTE_TOLERANCE
