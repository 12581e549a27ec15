# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The interface of every optimizer network (`networks.Network`), and its
weights as `{module: {variable: array}}` (`networks.save`,
`networks.set_weights`, `networks.describe`)."""

import abc
import collections
from typing import Any, Dict, Optional, Tuple

import numpy as np
import sonnet as snt
import tensorflow as tf

import l2l_files


class Network(snt.RNNCore, metaclass=abc.ABCMeta):
  """Base class of the optimizer networks.

  `update, next_state = net(gradients, prev_state)` maps the gradient of one
  optimizee variable to its update (same shape) and the next RNN state.
  """

  @abc.abstractmethod
  def initial_state_for_inputs(self, inputs: tf.Tensor,
                               dtype: tf.DType = tf.float32):
    """Returns the initial RNN state for a variable shaped as `inputs`."""

  @property
  @abc.abstractmethod
  def saved_variables(self) -> Dict[str, Tuple[str, ...]]:
    """`{module: variable names}` that `save` writes for this network."""

  @property
  @abc.abstractmethod
  def net_options(self) -> Dict[str, Any]:
    """The `factory` options that rebuild this network, but its weights
    (no `initializer`) and module name."""

  @property
  def coordinatewise(self) -> bool:
    """Whether the network treats every coordinate independently, so that
    the coordinates of several variables can go through it as one flat
    vector with the same result."""
    return False


def describe(network: Network) -> l2l_files.NetDescription:
  """Returns `{"net": class name, "net_options": {...}}`, the `factory`
  arguments that rebuild `network` (but its weights), as `.l2l` files store
  them."""
  return {"net": type(network).__name__, "net_options": network.net_options}


def _module_and_name(variable: tf.Variable) -> Tuple[str, str]:
  """`("lstm_1", "w_i")` for a variable named `".../lstm_1/w_i:0"`."""
  module, name = variable.name.split(":")[0].split("/")[-2:]
  return module, name


def save(network: Network,
         filename: Optional[str] = None) -> l2l_files.NetVariables:
  """Returns a network's weights, and writes them to `filename` if given.

  Args:
    network: The network; its variables must exist (it has been called).
    filename: Optional `.l2l` path, written atomically (see
        `l2l_files.write`) with the network's description (`describe`).

  Returns:
    `{module: {variable: array}}`, e.g. `{"lstm_1": {"w_i": ..., "w_h": ...,
    "b": ...}, "linear": {"w": ..., "b": ...}}`.
  """
  net_vars = collections.defaultdict(dict)
  for variable in network.variables:
    module, name = _module_and_name(variable)
    net_vars[module][name] = variable.numpy()
  net_vars = dict(net_vars)
  if filename:
    l2l_files.write(filename, net_vars, describe(network))
  return net_vars


def set_weights(network: Network, net_vars: l2l_files.NetVariables):
  """Assigns saved weights (`save`'s result) to a network's variables.

  Args:
    network: The network; its variables must exist (it has been called).
    net_vars: `{module: {variable: array}}`, exactly the network's variables.

  Raises:
    ValueError: If the modules, variables or shapes differ.
  """
  l2l_files.check_matches("set_weights", net_vars, network.saved_variables,
                          type(network).__name__)
  for variable in network.variables:
    module, name = _module_and_name(variable)
    value = np.asarray(net_vars[module][name])
    if value.shape != tuple(variable.shape):
      raise ValueError("set_weights: {}/{} has shape {}, the network's {}."
                       .format(module, name, value.shape,
                               tuple(variable.shape)))
    variable.assign(value)
