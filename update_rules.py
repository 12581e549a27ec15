# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The update rules of the hand-written optimizers, as functions of tensors.

Each takes a gradient and the rule's state and returns `(update,
next_state)`; the update carries its minus sign (it is added to the
parameters). `networks.Adam`, `RMSprop` and `Nag` hold the hyper-parameters
and call them; `meta.MetaOptimizer` trains its nets with `adam_update`.
"""

import collections

import tensorflow as tf

AdamState = collections.namedtuple("AdamState", "t, m, v")


def adam_update(gradients: tf.Tensor, state: AdamState, learning_rate: float,
                beta1: float, beta2: float, epsilon: float):
  """One Adam step (Kingma & Ba 2015, Algorithm 1).

  Args:
    gradients: Gradient `Tensor` of any shape.
    state: `AdamState` of the number of steps taken `t` (scalar) and moment
        estimates `m`, `v` (shaped as `gradients`).
    learning_rate: Step size.
    beta1: Decay of the first moment estimate.
    beta2: Decay of the second moment estimate.
    epsilon: Added to the root of the second moment estimate.

  Returns:
    `(update, next_state)`, `update` shaped as `gradients`: the change to
    apply to the parameters (it already carries the minus sign).
  """
  t = state.t + 1
  m = beta1 * state.m + (1 - beta1) * gradients
  v = beta2 * state.v + (1 - beta2) * tf.square(gradients)
  m_hat = m / (1 - tf.pow(beta1, t))
  v_hat = v / (1 - tf.pow(beta2, t))
  update = -learning_rate * m_hat / (tf.sqrt(v_hat) + epsilon)
  return update, AdamState(t, m, v)


def rmsprop_update(gradients: tf.Tensor, mean_square: tf.Tensor,
                   learning_rate: float, decay: float, epsilon: float):
  """One RMSprop step, as Torch's `optim.RMSprop` takes it.

  Args:
    gradients: Gradient `Tensor` of any shape.
    mean_square: Running mean of the squared gradients, shaped as
        `gradients`.
    learning_rate: Step size.
    decay: Decay of the running mean (Torch's `alpha`).
    epsilon: Added to the root of the running mean.

  Returns:
    `(update, next_mean_square)`, `update` shaped as `gradients`.
  """
  mean_square = decay * mean_square + (1 - decay) * tf.square(gradients)
  update = -learning_rate * gradients / (tf.sqrt(mean_square) + epsilon)
  return update, mean_square


def nesterov_update(gradients: tf.Tensor, velocity: tf.Tensor,
                    learning_rate: float, momentum: float):
  """One step of Nesterov's accelerated gradient, as Torch's `optim.SGD`
  with `nesterov=True` takes it: `v = momentum * v + g`, update
  `-learning_rate * (g + momentum * v)`.

  Args:
    gradients: Gradient `Tensor` of any shape.
    velocity: Momentum buffer `v`, shaped as `gradients`.
    learning_rate: Step size.
    momentum: Momentum coefficient.

  Returns:
    `(update, next_velocity)`, `update` shaped as `gradients`.
  """
  velocity = momentum * velocity + gradients
  return -learning_rate * (gradients + momentum * velocity), velocity
