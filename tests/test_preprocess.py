# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of preprocess.py, eagerly and inside tf.function."""

import numpy as np
import pytest
import tensorflow as tf

import preprocess

RUN_MODES = {"eager": lambda f: f, "tf_function": tf.function}


@pytest.fixture(params=sorted(RUN_MODES))
def run(request):
  return RUN_MODES[request.param]


def test_clamp_shape(run):
  inputs = tf.random.normal([2, 3])
  output = run(preprocess.Clamp(min_value=-1.0, max_value=1.0))(inputs)
  assert output.shape.as_list() == [2, 3]


@pytest.mark.parametrize("min_value, max_value", [
    (0.0, None), (None, 0.0), (0.0, 0.0), (-0.5, 0.5)])
def test_clamp_matches_numpy_clip(run, min_value, max_value):
  inputs = tf.random.normal([100])
  output = run(preprocess.Clamp(min_value=min_value,
                                max_value=max_value))(inputs)
  expected = np.clip(inputs.numpy(), min_value, max_value)
  np.testing.assert_array_equal(output.numpy(), expected)


def test_clamp_rejects_inverted_bounds():
  with pytest.raises(ValueError, match="min_value must not exceed max_value"):
    preprocess.Clamp(min_value=1.0, max_value=0.0)


def test_log_and_sign_shape(run):
  output = run(preprocess.LogAndSign(k=1))(tf.random.normal([2, 3]))
  assert output.shape.as_list() == [2, 6]


def test_log_with_ones(run):
  output = run(preprocess.LogAndSign(k=10))(tf.ones([1]))
  assert output.numpy()[0] == pytest.approx(0.0, abs=1e-7)  # 7 places.


def test_sign(run):
  inputs = tf.random.normal([2, 1])
  output = run(preprocess.LogAndSign(k=1))(inputs)
  np.testing.assert_array_equal(np.sign(output.numpy()[:, 1:]),
                                np.sign(inputs.numpy()))


@pytest.mark.parametrize("k", [1.0, 5.0, 10.0])
def test_log_and_sign_matches_numpy(run, k):
  gradients = np.array([[0.0, 1e-9, -3e-4], [2.0, -1.0, 1e-2]], np.float32)
  output = run(preprocess.LogAndSign(k=k))(tf.constant(gradients))
  eps = np.finfo(np.float32).eps
  log = np.maximum(np.log(np.abs(gradients) + eps) / k, -1.0)
  sign = np.clip(gradients * np.exp(k), -1.0, 1.0)
  np.testing.assert_allclose(output.numpy(),
                             np.concatenate([log, sign], axis=-1), rtol=1e-6)


def test_log_and_sign_rejects_non_positive_k():
  with pytest.raises(ValueError, match="k must be positive, got 0"):
    preprocess.LogAndSign(k=0)


def test_factory_builds_modules_and_tensorflow_functions():
  log_and_sign = preprocess.factory("LogAndSign", {"k": 10})
  assert isinstance(log_and_sign, preprocess.LogAndSign)
  gradients = tf.constant([[1e-3]])
  np.testing.assert_allclose(
      log_and_sign(gradients).numpy(),
      preprocess.log_and_sign(gradients, 10.0).numpy())
  clamp = preprocess.factory("Clamp", {"min_value": -1, "max_value": 1})
  np.testing.assert_array_equal(clamp(tf.constant([-3.0, 3.0])).numpy(),
                                [-1.0, 1.0])
  assert preprocess.factory("identity") is tf.identity


def test_factory_names_the_valid_choices():
  with pytest.raises(ValueError, match=r"Unknown preprocess_name 'Nope': "
                     r"expected one of \['Clamp', 'LogAndSign'\]"):
    preprocess.factory("Nope", {})
