# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The hand-written optimizers as optimizer networks: SGD, Adam, RMSprop and
NAG, coordinate by coordinate, without learned weights.

They are `networks.Network`s (`networks.Sgd`, `networks.Adam`, ...), built by
`networks.factory` like the learned nets, so that `MetaOptimizer` and
`evaluate.py` run a baseline exactly as they run a learned optimizer. Their
update rules are the pure functions of `update_rules`.
"""

import abc
from typing import Any, Dict, Tuple

import sonnet as snt
import tensorflow as tf

import network_base
import update_rules


class _HandWrittenOptimizer(network_base.Network):
  """An optimizer without learned weights, coordinate by coordinate."""

  @property
  def saved_variables(self) -> Dict[str, Tuple[str, ...]]:
    return {}

  @property
  def coordinatewise(self) -> bool:
    return True


@snt.allow_empty_variables
class Sgd(_HandWrittenOptimizer):
  """Gradient descent with a constant learning rate, as a network."""

  def __init__(self, learning_rate: float = 0.001, name: str = "sgd"):
    """Creates an `Sgd` network.

    Args:
      learning_rate: Step size.
      name: Module name.
    """
    super().__init__(name=name)
    self._learning_rate = learning_rate

  @property
  def net_options(self) -> Dict[str, Any]:
    return {"learning_rate": self._learning_rate}

  def __call__(self, inputs: tf.Tensor, prev_state):
    """Returns `(-learning_rate * inputs, ())`, for gradients of any shape."""
    del prev_state  # Stateless.
    return -self._learning_rate * inputs, ()

  def initial_state(self, batch_size: int):
    del batch_size  # Stateless.
    return ()

  def initial_state_for_inputs(self, inputs: tf.Tensor,
                               dtype: tf.DType = tf.float32):
    del inputs, dtype  # Stateless.
    return ()


@snt.allow_empty_variables
class Adam(_HandWrittenOptimizer):
  """Adam (https://arxiv.org/abs/1412.6980) as a network; its state is an
  `update_rules.AdamState`."""

  def __init__(self, learning_rate: float = 1e-3, beta1: float = 0.9,
               beta2: float = 0.999, epsilon: float = 1e-8,
               name: str = "adam"):
    """Creates an `Adam` network with the given hyper-parameters."""
    super().__init__(name=name)
    self._learning_rate = learning_rate
    self._beta1 = beta1
    self._beta2 = beta2
    self._epsilon = epsilon

  @property
  def net_options(self) -> Dict[str, Any]:
    return {"learning_rate": self._learning_rate, "beta1": self._beta1,
            "beta2": self._beta2, "epsilon": self._epsilon}

  def __call__(self, inputs: tf.Tensor,
               prev_state: update_rules.AdamState):
    """Computes the Adam update of a variable from its gradient.

    Args:
      inputs: Gradient `Tensor` of any shape, `n` elements.
      prev_state: `update_rules.AdamState` for `n` coordinates.

    Returns:
      `(update, next_state)`, `update` shaped as `inputs`.
    """
    update, next_state = update_rules.adam_update(
        tf.reshape(inputs, [-1, 1]), update_rules.AdamState(*prev_state),
        self._learning_rate, self._beta1, self._beta2, self._epsilon)
    return tf.reshape(update, tf.shape(inputs)), next_state

  def initial_state(self, batch_size: int, dtype: tf.DType = tf.float32):
    """Returns the zero `update_rules.AdamState` for `batch_size`
    coordinates."""
    return update_rules.AdamState(t=tf.zeros([], dtype=dtype),
                                  m=tf.zeros([batch_size, 1], dtype=dtype),
                                  v=tf.zeros([batch_size, 1], dtype=dtype))

  def initial_state_for_inputs(self, inputs: tf.Tensor,
                               dtype: tf.DType = tf.float32):
    return self.initial_state(inputs.shape.num_elements(), dtype=dtype)


class _ElementwiseOptimizer(_HandWrittenOptimizer):
  """A hand-written optimizer with one state tensor shaped as the gradient."""

  @abc.abstractmethod
  def _update(self, gradients: tf.Tensor, state: tf.Tensor):
    """Returns `(update, next_state)` for gradients and a state of one shape."""

  def __call__(self, inputs: tf.Tensor, prev_state: tf.Tensor):
    """Returns `(update, next_state)`, both shaped as `inputs`."""
    return self._update(inputs, prev_state)

  def initial_state(self, batch_size: int, dtype: tf.DType = tf.float32):
    """Returns a zero state for `batch_size` coordinates, shaped `[n]`."""
    return tf.zeros([batch_size], dtype=dtype)

  def initial_state_for_inputs(self, inputs: tf.Tensor,
                               dtype: tf.DType = tf.float32):
    return tf.zeros(inputs.shape, dtype=dtype)


@snt.allow_empty_variables
class RMSprop(_ElementwiseOptimizer):
  """RMSprop (Tieleman & Hinton 2012) as a network, Torch's defaults."""

  def __init__(self, learning_rate: float = 1e-2, decay: float = 0.99,
               epsilon: float = 1e-8, name: str = "rmsprop"):
    """Creates an `RMSprop` network with the given hyper-parameters."""
    super().__init__(name=name)
    self._learning_rate = learning_rate
    self._decay = decay
    self._epsilon = epsilon

  @property
  def net_options(self) -> Dict[str, Any]:
    return {"learning_rate": self._learning_rate, "decay": self._decay,
            "epsilon": self._epsilon}

  def _update(self, gradients, state):
    return update_rules.rmsprop_update(gradients, state, self._learning_rate,
                                       self._decay, self._epsilon)


@snt.allow_empty_variables
class Nag(_ElementwiseOptimizer):
  """Nesterov's accelerated gradient (momentum 0.9 by default), as a
  network."""

  def __init__(self, learning_rate: float = 1e-3, momentum: float = 0.9,
               name: str = "nag"):
    """Creates a `Nag` network with the given hyper-parameters."""
    super().__init__(name=name)
    self._learning_rate = learning_rate
    self._momentum = momentum

  @property
  def net_options(self) -> Dict[str, Any]:
    return {"learning_rate": self._learning_rate, "momentum": self._momentum}

  def _update(self, gradients, state):
    return update_rules.nesterov_update(gradients, state, self._learning_rate,
                                        self._momentum)
