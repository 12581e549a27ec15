# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Gradient preprocessing modules for the learned optimizers."""

from typing import Any, Mapping, Optional

import numpy as np
import sonnet as snt
import tensorflow as tf


def clamp(inputs: tf.Tensor,
          min_value: Optional[float] = None,
          max_value: Optional[float] = None) -> tf.Tensor:
  """Clips `inputs` elementwise to `[min_value, max_value]`.

  Args:
    inputs: `Tensor` of any shape.
    min_value: Lower bound, or `None` for no lower bound.
    max_value: Upper bound, or `None` for no upper bound.

  Returns:
    `Tensor` shaped and typed as `inputs`.
  """
  output = inputs
  if min_value is not None:
    output = tf.maximum(output, min_value)
  if max_value is not None:
    output = tf.minimum(output, max_value)
  return output


def log_and_sign(gradients: tf.Tensor, k: float) -> tf.Tensor:
  """Log-and-sign gradient preprocessing (Andrychowicz et al. 2016, App. A).

  For a gradient `g`, the two features are
  `max(log(|g| + eps) / k, -1)` and `clip(g * exp(k), -1, 1)`, where `eps` is
  the machine epsilon of the gradient's dtype.

  Args:
    gradients: `Tensor` of floating point gradients, shape `[d_1, ..., d_n]`.
    k: Positive scale `k` of the preprocessing (the paper's `p`).

  Returns:
    `Tensor` shaped `[d_1, ..., d_{n-1}, 2 * d_n]`: the first `d_n` entries of
    the last axis are the log features, the remaining `d_n` the sign features.
  """
  eps = np.finfo(gradients.dtype.as_numpy_dtype).eps
  log = tf.math.log(tf.abs(gradients) + eps)
  clamped_log = clamp(log / k, min_value=-1.0)
  sign = clamp(gradients * np.exp(k), min_value=-1.0, max_value=1.0)
  return tf.concat([clamped_log, sign], axis=-1)


class Clamp(snt.Module):
  """Clips its inputs elementwise to `[min_value, max_value]`."""

  def __init__(self,
               min_value: Optional[float] = None,
               max_value: Optional[float] = None,
               name: str = "clamp"):
    """Creates a `Clamp` module.

    Args:
      min_value: Lower bound, or `None` for no lower bound.
      max_value: Upper bound, or `None` for no upper bound.
      name: Module name.

    Raises:
      ValueError: If both bounds are given and `min_value > max_value`.
    """
    super().__init__(name=name)
    if (min_value is not None and max_value is not None and
        min_value > max_value):
      raise ValueError(
          "Clamp: min_value must not exceed max_value, got min_value={} and "
          "max_value={}.".format(min_value, max_value))
    self._min = min_value
    self._max = max_value

  def __call__(self, inputs: tf.Tensor) -> tf.Tensor:
    """Returns `inputs` clipped elementwise, with the shape of `inputs`."""
    return clamp(inputs, min_value=self._min, max_value=self._max)


class LogAndSign(snt.Module):
  """Log-and-sign preprocessing, as described in appendix A of the paper."""

  def __init__(self, k: float, name: str = "preprocess_log"):
    """Creates a `LogAndSign` module.

    Args:
      k: Positive scale of the log feature and the sign feature's slope
          `exp(k)`. The original code's default configuration uses 5; the
          paper's text used 10.
      name: Module name.

    Raises:
      ValueError: If `k` is not positive.
    """
    super().__init__(name=name)
    if not k > 0:
      raise ValueError("LogAndSign: k must be positive, got {!r}.".format(k))
    self._k = k

  def __call__(self, gradients: tf.Tensor) -> tf.Tensor:
    """Preprocesses `gradients`, shaped `[d_1, ..., d_n]`.

    Returns:
      `Tensor` shaped `[d_1, ..., d_{n-1}, 2 * d_n]`; see `log_and_sign`.
    """
    return log_and_sign(gradients, self._k)


_PREPROCESSORS = {
    "Clamp": Clamp,
    "LogAndSign": LogAndSign,
}


def factory(preprocess_name: str,
            preprocess_options: Optional[Mapping[str, Any]] = None):
  """Returns the gradient preprocessing callable.

  Args:
    preprocess_name: A module of this file (`"LogAndSign"`, `"Clamp"`)
        or the name of a TensorFlow function (`"identity"`).
    preprocess_options: Keyword arguments of that module.

  Raises:
    ValueError: If the name is neither.
  """
  if preprocess_name in _PREPROCESSORS:
    return _PREPROCESSORS[preprocess_name](**dict(preprocess_options or {}))
  function = getattr(tf, preprocess_name, None)
  if not callable(function):
    raise ValueError(
        "Unknown preprocess_name {!r}: expected one of {} or a TensorFlow "
        "function such as 'identity'.".format(preprocess_name,
                                              sorted(_PREPROCESSORS)))
  return function
