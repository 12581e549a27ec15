# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of the final networks' scores: `optimizee.call_with_values`."""

import numpy as np
import pytest
import sonnet as snt
import tensorflow as tf

import optimizee


def created_variables(make_fn):
  """`[(name, shape, trainable)]` of the variables `make_fn` creates."""
  created = []

  def record(next_creator, **kwargs):
    variable = next_creator(**kwargs)
    created.append((optimizee.variable_name(variable),
                    variable.shape.as_list(), variable.trainable))
    return variable

  with tf.variable_creator_scope(record):
    make_fn()
  return created


INPUTS = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], np.float32)


def linear_with_offset():
  """A Sonnet Linear (w [3, 2], b [2]) plus a non-trainable offset."""
  offset = tf.Variable([10.0, 20.0], trainable=False, name="offset")
  return snt.Linear(2, name="linear")(INPUTS) + offset, offset


def test_call_with_values_substitutes_the_trainable_variables():
  w = np.arange(6, dtype=np.float32).reshape(3, 2)
  b = np.array([0.5, -0.5], np.float32)
  outputs, offset = optimizee.call_with_values(linear_with_offset, [w, b])
  np.testing.assert_allclose(outputs.numpy(), INPUTS @ w + b + [10.0, 20.0])
  # The non-trainable variable is created as usual, with its own value.
  assert isinstance(offset, tf.Variable) and not offset.trainable
  np.testing.assert_array_equal(offset.numpy(), [10.0, 20.0])


def test_call_with_values_is_differentiable():
  w = tf.ones([3, 2])
  b = tf.zeros([2])
  with tf.GradientTape() as tape:
    tape.watch([w, b])
    outputs, _ = optimizee.call_with_values(linear_with_offset, [w, b])
    loss = tf.reduce_sum(outputs)
  grad_w, grad_b = tape.gradient(loss, [w, b])
  np.testing.assert_allclose(grad_w.numpy(),
                             np.tile(INPUTS.sum(0)[:, None], [1, 2]))
  np.testing.assert_allclose(grad_b.numpy(), [2.0, 2.0])


@pytest.mark.parametrize("values, message", [
    ([], "more trainable variables than the 0 values"),
    ([np.zeros([3, 2], np.float32)], "more trainable variables than the 1"),
    ([np.zeros([3, 2], np.float32), np.zeros([2], np.float32),
      np.zeros([1], np.float32)], "created 2 trainable variables for 3"),
    ([np.zeros([2, 3], np.float32), np.zeros([2], np.float32)],
     r"variable 0 \(w\) of make_fn is shaped \(3, 2\), its value \(2, 3\)"),
])
def test_call_with_values_refuses_other_values(values, message):
  with pytest.raises(ValueError, match=message):
    optimizee.call_with_values(linear_with_offset, values)
