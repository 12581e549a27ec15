# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The update rules of the hand-written optimizers, as functions of tensors.

Each takes a gradient and the rule's state and returns `(update,
next_state)`; the update carries its minus sign (it is added to the
parameters). `networks.Adam`, `RMSprop` and `Nag` hold the hyper-parameters
and call them; `meta.MetaOptimizer` trains its nets with `adam_update`;
`networks.RNNprop` reads the scale-free features of `normalized_inputs`.
"""

import collections
from typing import Sequence

import tensorflow as tf

AdamState = collections.namedtuple("AdamState", "t, m, v")
# The state of `normalized_inputs`: an `AdamState` and a tuple of momenta.
NormalizedInputsState = collections.namedtuple("NormalizedInputsState",
                                               "adam, momenta")


def adam_moments(gradients: tf.Tensor, state: AdamState, beta1: float,
                 beta2: float):
  """Adam's bias-corrected moment estimates after one more gradient.

  Args:
    gradients: Gradient `Tensor` of any shape.
    state: `AdamState` of the number of steps taken `t` (scalar) and moment
        estimates `m`, `v` (shaped as `gradients`).
    beta1: Decay of the first moment estimate.
    beta2: Decay of the second moment estimate.

  Returns:
    `(m_hat, v_hat, next_state)`: the bias-corrected first and second moment
    estimates, shaped as `gradients`, and the next `AdamState`.
  """
  t = state.t + 1
  m = beta1 * state.m + (1 - beta1) * gradients
  v = beta2 * state.v + (1 - beta2) * tf.square(gradients)
  m_hat = m / (1 - tf.pow(beta1, t))
  v_hat = v / (1 - tf.pow(beta2, t))
  return m_hat, v_hat, AdamState(t, m, v)


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
  m_hat, v_hat, next_state = adam_moments(gradients, state, beta1, beta2)
  update = -learning_rate * m_hat / (tf.sqrt(v_hat) + epsilon)
  return update, next_state


def normalized_inputs(gradients: tf.Tensor, state: NormalizedInputsState,
                      beta1: float, beta2: float, epsilon: float,
                      momentum_decays: Sequence[float] = ()):
  """RNNprop's scale-free inputs (Lv et al. 2017): the gradient and its
  momenta divided by the root of Adam's second moment estimate.

  With `m_hat`, `v_hat` Adam's bias-corrected estimates (`adam_moments`)
  and `r = sqrt(v_hat + epsilon)`, the features of a coordinate are
  `m_hat / r`, `g / r`, then `mk_hat / r` for each decay `dk` of
  `momentum_decays`, `mk_hat = mk / (1 - dk^t)` the bias-corrected momentum
  `mk = dk * mk + (1 - dk) * g`. Multiplying every gradient by a constant
  leaves them unchanged (up to `epsilon`).

  Args:
    gradients: Gradient `Tensor` of any shape.
    state: `NormalizedInputsState`: the `AdamState` of `beta1`, `beta2` and
        one momentum per decay of `momentum_decays`, each shaped as
        `gradients`.
    beta1: Decay of the first moment estimate (of `m_hat`).
    beta2: Decay of the second moment estimate (of `v_hat`).
    epsilon: Added to `v_hat` under the root.
    momentum_decays: Decays of the further momenta.

  Returns:
    `(features, next_state)`: `features` shaped `gradients.shape + [2 +
    len(momentum_decays)]`, and the next `NormalizedInputsState`.
  """
  m_hat, v_hat, adam = adam_moments(gradients, state.adam, beta1, beta2)
  root = tf.sqrt(v_hat + epsilon)
  momenta = tuple(decay * momentum + (1 - decay) * gradients
                  for decay, momentum in zip(momentum_decays, state.momenta))
  features = [m_hat / root, gradients / root]
  features += [momentum / (1 - tf.pow(decay, adam.t)) / root
               for decay, momentum in zip(momentum_decays, momenta)]
  return tf.stack(features, axis=-1), NormalizedInputsState(adam, momenta)


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
