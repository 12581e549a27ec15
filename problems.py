# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Optimizee problems.

Each function returns `make_loss`, a zero-argument callable that creates the
problem's variables (`tf.Variable`, directly or through Sonnet modules built
inside the call) and returns its scalar loss. `meta.MetaOptimizer` calls it
under a variable creator that substitutes the optimizee's current values for
the trainable variables, so every call must create the same variables in the
same order.
"""

from typing import Any, Callable, Dict, Optional, Sequence

import tensorflow as tf

MakeLoss = Callable[[], tf.Tensor]


def simple() -> MakeLoss:
  """Simple problem: f(x) = x^2, with the scalar `x` starting at 1."""

  def build():
    x = tf.Variable(tf.ones([]), name="x")
    return tf.square(x, name="x_squared")

  return build


def simple_multi_optimizer(num_dims: int = 2) -> MakeLoss:
  """Sum of squares of `num_dims` scalars `x_0`, `x_1`, ..., each starting at 1.

  Each coordinate is a variable of its own, so that different nets can
  optimize different coordinates.
  """

  def build():
    coordinates = [tf.Variable(tf.ones([]), name="x_{}".format(i))
                   for i in range(num_dims)]
    return tf.reduce_sum(tf.square(tf.stack(coordinates), name="x_squared"))

  return build


def quadratic(batch_size: int = 128, num_dims: int = 10, stddev: float = 0.01,
              dtype: tf.DType = tf.float32) -> MakeLoss:
  """Batch of quadratics: f(x) = mean_b ||W_b x_b - y_b||^2.

  Args:
    batch_size: Number of independent quadratics `b`.
    num_dims: Dimension of each `x_b`.
    stddev: Standard deviation of the normal initial `x` (mean 0).
    dtype: Variable dtype.

  Returns:
    `make_loss` creating the trainable `x` `[batch_size, num_dims]` and the
    non-trainable `w` `[batch_size, num_dims, num_dims]` and `y`
    `[batch_size, num_dims]`, both uniform on [0, 1), and returning the mean
    over the batch of the squared error.
  """

  def build():
    x = tf.Variable(
        tf.random.normal([batch_size, num_dims], stddev=stddev, dtype=dtype),
        name="x")
    w = tf.Variable(
        tf.random.uniform([batch_size, num_dims, num_dims], dtype=dtype),
        trainable=False, name="w")
    y = tf.Variable(tf.random.uniform([batch_size, num_dims], dtype=dtype),
                    trainable=False, name="y")
    product = tf.squeeze(tf.matmul(w, tf.expand_dims(x, -1)), axis=-1)
    return tf.reduce_mean(tf.reduce_sum((product - y) ** 2, axis=1))

  return build


_PROBLEMS = {
    "simple": simple,
    "simple_multi_optimizer": simple_multi_optimizer,
    "quadratic": quadratic,
}


def ensemble(problems: Sequence[Dict[str, Any]],
             weights: Optional[Sequence[float]] = None) -> MakeLoss:
  """Sum of (weighted) problems.

  Args:
    problems: Problem specifications `{"name": ..., "options": {...}}`, where
        `name` is a function of this module (`simple`,
        `simple_multi_optimizer`, `quadratic`) and `options` its arguments.
        Problem `i` creates its variables under the name scope `problem_i`.
    weights: Optional weight of each problem's loss.

  Returns:
    `make_loss` returning the (weighted) sum of the losses.

  Raises:
    ValueError: If `weights` does not have one weight per problem, or a name
        is unknown.
  """
  if weights and len(weights) != len(problems):
    raise ValueError("len(weights) != len(problems): {} weights for {} "
                     "problems.".format(len(weights), len(problems)))
  for p in problems:
    if p["name"] not in _PROBLEMS:
      raise ValueError("Unknown problem {!r} in ensemble; valid names: {}."
                       .format(p["name"], ", ".join(_PROBLEMS)))
  build_fns = [_PROBLEMS[p["name"]](**p.get("options", {})) for p in problems]

  def build():
    loss = 0
    for i, build_fn in enumerate(build_fns):
      with tf.name_scope("problem_{}".format(i)):
        loss_p = build_fn()
        if weights:
          loss_p *= weights[i]
        loss += loss_p
    return loss

  return build
