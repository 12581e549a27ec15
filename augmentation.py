# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Task augmentation for meta-training: problems changed at random.

`random_scaling` wraps any `make_loss` so that its loss sees every
parameter multiplied by a random positive factor, drawn per coordinate and
redrawn at each `reset()` (Lv et al. 2017's random scaling; the
reparameterisation of learned_optimization's task augmentation). An
optimizer meta-trained on the wrapped problem meets gradients and
curvatures over many orders of magnitude, so that it cannot learn one
problem's scale. The wrappers are for meta-training: `MetaOptimizer`
finds, substitutes and resets the variables of a wrapped problem as of any
other, but scorers of final networks (`util.get_scores`) know nothing of the
factors.
"""

from typing import Any, Callable, Dict

import tensorflow as tf

import optimizee

MakeLoss = Callable[[], tf.Tensor]

# The name suffix of the factor variable of each scaled parameter.
SCALE_SUFFIX = "_scale"


def _shape_and_dtype(creator_kwargs: Dict[str, Any]):
  """The `(shape, dtype)` of the variable these arguments create."""
  shape = creator_kwargs.get("shape")
  dtype = creator_kwargs.get("dtype")
  if (shape is not None and tf.TensorShape(shape).is_fully_defined() and
      dtype is not None):
    return tf.TensorShape(shape), tf.as_dtype(dtype)
  value = optimizee.initial_value(creator_kwargs)
  return value.shape, value.dtype


def random_scaling(make_loss: MakeLoss, max_log_scale: float) -> MakeLoss:
  """`make_loss` whose loss sees each parameter multiplied by a random factor.

  For each trainable variable `theta` that `make_loss` creates, the wrapper
  first creates a non-trainable variable `<name>_scale` of factors
  `c = exp(u)`, `u ~ U[-max_log_scale, max_log_scale]` drawn per coordinate,
  then `theta` itself with the initial value `theta_0 / c` (`theta_0`, the
  initial value `make_loss` gives it), and hands `make_loss` the product
  `c * theta` in its place. The loss is thus the unchanged function of the
  same initial parameters, but its gradient with respect to `theta` is `c`
  times as large coordinatewise and its curvature `c^2` times: the
  optimizer updates `theta`. `reset()` redraws `c` and then `theta`'s
  initial value, so every epoch has new factors.

  Args:
    make_loss: A problem's `make_loss`.
    max_log_scale: The largest `|log c|`, positive: factors range over
        `[exp(-max_log_scale), exp(max_log_scale)]`.

  Returns:
    The wrapped `make_loss`.

  Raises:
    ValueError: If `max_log_scale` is not positive and finite.
  """
  max_log_scale = float(max_log_scale)
  if not 0 < max_log_scale < float("inf"):
    raise ValueError("random_scaling: max_log_scale must be positive and "
                     "finite, got {}.".format(max_log_scale))

  def scale_parameters(next_creator, **kwargs):
    if not optimizee.is_trainable(kwargs):
      return next_creator(**kwargs)
    shape, dtype = _shape_and_dtype(kwargs)
    name = kwargs.get("name") or "Variable"
    scale = next_creator(
        initial_value=lambda: tf.exp(tf.random.uniform(
            shape, -max_log_scale, max_log_scale, dtype=dtype)),
        trainable=False, name=name + SCALE_SUFFIX, dtype=dtype)
    unscaled = dict(kwargs)
    # Read when the variable is (re)initialized, after `scale` was.
    unscaled["initial_value"] = (
        lambda: optimizee.initial_value(kwargs) / tf.convert_to_tensor(scale))
    return tf.convert_to_tensor(scale) * next_creator(**unscaled)

  def scaled_make_loss():
    with tf.variable_creator_scope(scale_parameters):
      return make_loss()

  return scaled_make_loss
