# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""A trained optimizer net as an optimizer of Keras models and Sonnet modules.

    opt = optimizers.L2L()  # pretrained/general, a keras.optimizers.Optimizer.
    model.compile(optimizer=opt, loss=...)
    model.fit(...)

    opt = optimizers.SonnetL2L("./mnist")  # A Sonnet 2 optimizer.
    opt.apply(gradients, parameters)

`path` is a folder written by `train.py` (or `meta.MetaOptimizer.save`),
which holds one `<net key>.l2l` file per net, or one `.l2l` file; without
one, the shipped `pretrained/general`. Only a coordinatewise net
(`networks.CoordinateWiseDeepLSTM`, `networks.RNNprop`, or a hand-written
one) can optimize variables of any shape. Every optimized variable has its
own RNN state; at each step the net maps the variable's gradient and state to
an update, which `learning_rate` multiplies and which is added to the
variable. Both optimizers compute it with `learned_update`.
"""

import os
from typing import Any, Dict, List, Optional, Sequence

import keras
import sonnet as snt
import tensorflow as tf
import tree

import errors
import networks

_SUFFIX = ".l2l"
# The optimizer that `L2L()` and `SonnetL2L()` use without a path: the
# shipped RNNprop optimizer meta-trained for other models than its own.
DEFAULT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "pretrained", "general")
# Keys of the net's weights in a `.keras` file: "network.<module>.<variable>"
# (a "/" in a key would make a nested HDF5 group, which Keras cannot load).
_WEIGHT_KEY_PREFIX = "network."


def learned_update(network: networks.Network, gradient, state):
  """The net's update of one variable: a pure function of tensors.

  Args:
    network: A coordinatewise `networks.Network`.
    gradient: The variable's gradient, a floating point `Tensor` of any
        shape, or `tf.IndexedSlices`, which are made dense (every coordinate
        takes a step: one the slices leave out, with gradient 0).
    state: The net's state for the variable (float32), as
        `network.initial_state_for_inputs` returns: for an LSTM net, one
        `[num_coordinates, units]` tensor per LSTM state.

  Returns:
    `(update, next_state)`: `update` shaped as `gradient`, in its dtype (the
    net runs in float32), to be added to the variable; `next_state` shaped as
    `state`.
  """
  gradient = tf.convert_to_tensor(gradient)
  update, next_state = network(tf.cast(gradient, tf.float32), state)
  return tf.cast(update, gradient.dtype), next_state


def optimizer_file(path: str, net: Optional[str] = None) -> str:
  """The `.l2l` file that `path` and `net` name.

  Args:
    path: A `.l2l` file, or a folder of `<net key>.l2l` files.
    net: The net key, needed when the folder holds several nets.

  Returns:
    The file's path.

  Raises:
    errors.MissingFileError: If `path` does not exist or the folder holds no
        `.l2l` file (an `IOError`).
    errors.InputError: If `net` is missing but needed, or names no net of
        `path` (a `ValueError`).
  """
  if os.path.isfile(path):
    if net is not None and os.path.basename(path) != net + _SUFFIX:
      raise errors.InputError("net={!r} does not name the optimizer file {}."
                              .format(net, path))
    return path
  if not os.path.isdir(path):
    raise errors.MissingFileError(
        "No optimizer file or folder {}: pass a folder written by train.py "
        "or a .l2l file.".format(path))
  keys = sorted(name[:-len(_SUFFIX)] for name in os.listdir(path)
                if name.endswith(_SUFFIX))
  if not keys:
    raise errors.MissingFileError(
        "{} holds no .l2l optimizer file: pass a folder written by train.py "
        "or a .l2l file.".format(path))
  if net is None and len(keys) > 1:
    raise errors.InputError("{} holds several optimizer nets ({}); choose one "
                            "with net=KEY.".format(path, ", ".join(keys)))
  if net is not None and net not in keys:
    raise errors.InputError("{} holds no optimizer net {!r}; its nets: {}."
                            .format(path, net, ", ".join(keys)))
  return os.path.join(path, (net or keys[0]) + _SUFFIX)


def _load_network(path: str, net: Optional[str],
                  description: Optional[Dict[str, Any]] = None
                  ) -> networks.Network:
  """The coordinatewise net of `path` (or `description`), with its weights.

  The weights are created here, eagerly: created in a trace (the first
  training step) they would take other random values.

  Args:
    path: As `optimizer_file`.
    net: As `optimizer_file`.
    description: `{"net": class name, "net_options": {...}}` to build the net
        from (with new weights) when the file is missing.

  Raises:
    ValueError: For a net that is not coordinatewise.
    errors.MissingFileError, errors.InputError: As `optimizer_file` and
        `networks.from_file`.
  """
  try:
    network = networks.from_file(optimizer_file(path, net))
  except errors.MissingFileError:
    if description is None:
      raise
    network = networks.factory(description["net"],
                               description["net_options"])
  if not network.coordinatewise:
    raise ValueError(
        "{} is not a coordinatewise net: it is fixed to one input size or "
        "kernel shape, so it cannot optimize variables of any shape; train a "
        "CoordinateWiseDeepLSTM or an RNNprop.".format(
            type(network).__name__))
  with tf.init_scope():
    gradient = tf.zeros([1])
    network(gradient, network.initial_state_for_inputs(gradient))
  return network


def _initial_state(network: networks.Network, shape) -> List[tf.Tensor]:
  """The net's initial state for a variable of `shape`, flat."""
  return tree.flatten(network.initial_state_for_inputs(tf.zeros(shape)))


def _variable_step(network: networks.Network, gradient,
                   state_variables: Sequence[Any]):
  """`learned_update` for a variable whose state is in `state_variables`.

  Returns:
    `(update, next_state)`, `next_state` flat, a tensor for each of
    `state_variables`.
  """
  template = network.initial_state_for_inputs(tf.zeros([1]))
  state = tree.unflatten_as(template, [tf.convert_to_tensor(v)
                                       for v in state_variables])
  update, next_state = learned_update(network, gradient, state)
  return update, tree.flatten(next_state)


def _state_name(variable, index: int) -> str:
  """A name for the `index`-th state variable of `variable`, without "/"."""
  name = getattr(variable, "path", variable.name.split(":")[0])
  return "{}_state_{}".format(name.replace("/", "_"), index)


@keras.saving.register_keras_serializable(package="l2l")
class L2L(keras.optimizers.Optimizer):
  """A trained optimizer net as a Keras optimizer.

  Each trainable variable gets its own RNN state, variables of the optimizer
  created by `build`. Sparse gradients (`tf.IndexedSlices`) are made dense:
  every coordinate of the variable takes a step, with gradient 0 where the
  slices leave it out.

  Saving: the config holds `path`, `net`, `learning_rate` and the net's
  description, so a `.keras` file loads without `path`; the net's weights are
  saved in the `.keras` file beside the optimizer's variables. A
  `tf.train.Checkpoint` of the optimizer holds the net's weights and the
  states too.
  """

  def __init__(self, path: Optional[str] = None, net: Optional[str] = None,
               learning_rate: Any = 1.0, name: str = "l2l",
               network: Optional[Dict[str, Any]] = None, **kwargs):
    """Creates an `L2L` optimizer.

    Args:
      path: A folder written by `train.py` (`<net key>.l2l` files), or a
          `.l2l` file; by default `DEFAULT_PATH`, `pretrained/general`.
      net: The net key, needed when the folder holds several nets.
      learning_rate: Factor on the net's update (1.0: as trained); a float,
          a schedule or a callable, as for any Keras optimizer.
      name: Name of the optimizer (and scope of its variables).
      network: `{"net": class name, "net_options": {...}}`, the net built
          (with new weights, until `load_own_variables` or a checkpoint sets
          them) when the file is missing; `from_config` passes it.
      **kwargs: Further `keras.optimizers.Optimizer` arguments (`clipnorm`,
          `use_ema`, ...).

    Raises:
      ValueError: For a net that is not coordinatewise.
      errors.MissingFileError, errors.InputError: As `optimizer_file`, or
          for a file that does not describe its net.
    """
    super().__init__(learning_rate=learning_rate, name=name, **kwargs)
    self._path = path or DEFAULT_PATH
    self._net_key = net
    self._network = _load_network(self._path, net, network)
    self._states = []

  def build(self, var_list):
    """Creates the optimizer's variables: the RNN states of each variable.

    Args:
      var_list: The variables to optimize.
    """
    if self.built:
      return
    super().build(var_list)
    self._states = [self._add_state_variables(v) for v in var_list]

  def _add_state_variables(self, variable) -> List[keras.Variable]:
    """Creates the state variables of `variable`, set to the initial state
    (for an LSTM net, one `[num_coordinates, units]` float32 variable per
    LSTM state).

    They are created eagerly, also when Keras builds the optimizer in its
    first traced step (as it does without a distribution strategy): XLA
    cannot compile a step that creates variables.
    """
    with tf.init_scope():
      return [self.add_variable(shape=value.shape,
                                initializer=lambda shape, dtype, v=value: v,
                                dtype="float32",
                                name=_state_name(variable, i))
              for i, value in enumerate(_initial_state(self._network,
                                                       variable.shape))]

  def update_step(self, gradient, variable, learning_rate):
    """Adds `learning_rate` times the net's update to `variable`."""
    state_variables = self._states[self._get_variable_index(variable)]
    update, next_state = _variable_step(self._network, gradient,
                                        state_variables)
    for state_variable, value in zip(state_variables, next_state):
      self.assign(state_variable, value)
    self.assign_add(variable, update * tf.cast(learning_rate, update.dtype))

  def get_config(self) -> Dict[str, Any]:
    config = super().get_config()
    config.update(path=self._path, net=self._net_key,
                  network=networks.describe(self._network))
    return config

  def save_own_variables(self, store):
    """Saves the optimizer's variables and the net's weights in `store`."""
    super().save_own_variables(store)
    for module, variables in networks.save(self._network).items():
      for name, value in variables.items():
        store["{}{}.{}".format(_WEIGHT_KEY_PREFIX, module, name)] = value

  def load_own_variables(self, store):
    """Loads what `save_own_variables` saved."""
    net_vars = {}
    own_variables = {}
    for key in store.keys():
      if key.startswith(_WEIGHT_KEY_PREFIX):
        module, name = key[len(_WEIGHT_KEY_PREFIX):].split(".")
        net_vars.setdefault(module, {})[name] = store[key][()]
      else:
        own_variables[key] = store[key]
    networks.set_weights(self._network, net_vars)
    super().load_own_variables(own_variables)


class SonnetL2L(snt.Optimizer):
  """A trained optimizer net as a Sonnet 2 optimizer.

  `apply(updates, parameters)` works as `snt.optimizers.SGD.apply`: the
  updates are the gradients, `None` entries are skipped, `tf.IndexedSlices`
  are made dense (see `learned_update`). Each parameter's RNN state is
  created at the first `apply`, also inside a `tf.function`; a
  `tf.train.Checkpoint` of the optimizer holds the net's weights and the
  states.

  Attributes:
    learning_rate: Factor on the net's update.
    network: The net.
    states: For each parameter of the first `apply`, its state variables
        (float32).
  """

  def __init__(self, path: Optional[str] = None, net: Optional[str] = None,
               learning_rate: Any = 1.0, name: Optional[str] = None):
    """Creates a `SonnetL2L` optimizer.

    Args:
      path: A folder written by `train.py` (`<net key>.l2l` files), or a
          `.l2l` file; by default `DEFAULT_PATH`, `pretrained/general`.
      net: The net key, needed when the folder holds several nets.
      learning_rate: Factor on the net's update (1.0: as trained), a float or
          a `tf.Variable`.
      name: Module name.

    Raises:
      ValueError: For a net that is not coordinatewise.
      errors.MissingFileError, errors.InputError: As `optimizer_file`, or
          for a file that does not describe its net.
    """
    super().__init__(name=name)
    self.learning_rate = learning_rate
    self.network = _load_network(path or DEFAULT_PATH, net)
    self.states = []

  @snt.once
  def _initialize(self, parameters: Sequence[tf.Variable]):
    """Creates each parameter's state variables, set to the initial
    state."""
    with tf.init_scope(), tf.name_scope("states"):
      self.states.extend(
          [tf.Variable(value, trainable=False, name="state_{}".format(i))
           for i, value in enumerate(_initial_state(self.network, p.shape))]
          for p in parameters)

  def apply(self, updates: Sequence[Any], parameters: Sequence[tf.Variable]):
    """Adds `learning_rate` times the net's update to each parameter.

    Args:
      updates: The gradients of `parameters` (`Tensor`, `tf.IndexedSlices` or
          `None`), in the order of the first `apply`.
      parameters: The variables to optimize.

    Raises:
      ValueError: If `updates` and `parameters` differ in length.
    """
    if len(updates) != len(parameters):
      raise ValueError("SonnetL2L.apply: {} updates for {} parameters.".format(
          len(updates), len(parameters)))
    self._initialize(parameters)
    for gradient, parameter, state_variables in zip(updates, parameters,
                                                    self.states):
      if gradient is None:
        continue
      update, next_state = _variable_step(self.network, gradient,
                                          state_variables)
      for state_variable, value in zip(state_variables, next_state):
        state_variable.assign(value)
      parameter.assign_add(update * tf.cast(self.learning_rate, update.dtype))
