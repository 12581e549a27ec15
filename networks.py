# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Optimizer networks: learned LSTM optimizers and hand-written baselines.

Every network is a Sonnet 2 RNN core (`Network`, from `network_base`)
mapping the gradient of one optimizee variable to an update of the same
shape:

    update, next_state = net(gradients, prev_state)

The learned nets are defined here, the hand-written optimizers (`Sgd`,
`Adam`, `RMSprop`, `Nag`) in `hand_written`. `factory` builds a network by
class name, `save` returns (and writes) its weights, `set_weights` assigns
them back. Learned networks are saved as `.l2l` files, a format that
`l2l_files` reads and writes (`load` here is its `read`); a file also
stores the network's class and options (`describe`), so that `from_file`
rebuilds it. The `initializer` argument and the original's Sonnet 1 LSTM
layout are handled by `initializers`.
"""

import collections
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
import sonnet as snt
import tensorflow as tf
import tree

import errors
import hand_written
import initializers
import l2l_files
import network_base
import preprocess
import update_rules

# The base class of every network, its weights' functions, and the
# hand-written optimizers.
Network = network_base.Network
describe = network_base.describe
save = network_base.save
set_weights = network_base.set_weights
Sgd = hand_written.Sgd
Adam = hand_written.Adam
RMSprop = hand_written.RMSprop
Nag = hand_written.Nag
# The `.l2l` reader, under the name this module always had.
load = l2l_files.read


class StandardDeepLSTM(Network):
  """LSTM layers with a linear output layer, over a batch of input vectors."""

  def __init__(self,
               output_size: int,
               layers: Sequence[int],
               preprocess_name: str = "identity",
               preprocess_options: Optional[Mapping[str, Any]] = None,
               scale: float = 1.0,
               initializer: Any = None,
               name: str = "deep_lstm"):
    """Creates a `StandardDeepLSTM`.

    Args:
      output_size: Size of the linear output layer.
      layers: Sizes of the LSTM layers, possibly empty (linear layer only).
      preprocess_name: Gradient preprocessing: `"LogAndSign"`, `"Clamp"` or a
          TensorFlow function name (default `"identity"`).
      preprocess_options: Keyword arguments of the preprocessing module.
      scale: Factor applied to the linear layer's output.
      initializer: Initialization of the variables: `None` (the original's
          Sonnet 1 defaults), one initializer for every variable (a name such
          as `"zeros"`, a numpy array, or a TF/Sonnet initializer), a
          `{variable: initializer}` dict applied to every layer (`w_gates`,
          `b_gates` for the LSTMs, `w`, `b` for the linear layer; other keys
          are ignored), or a `{layer: ...}` dict keyed `"lstm_1"`, ...,
          `"linear"` whose entries take either form; a layer's entry may also
          name the Sonnet 2 LSTM variables `w_i`, `w_h`, `b` (as saved).
      name: Module name.
    """
    super().__init__(name=name)
    self._output_size = output_size
    self._layers = tuple(layers)
    self._preprocess_name = preprocess_name
    self._preprocess_options = dict(preprocess_options or {})
    self._scale = scale
    self._preprocess = preprocess.factory(preprocess_name,
                                          preprocess_options)
    self._lstm_names = tuple(
        "lstm_{}".format(i) for i in range(1, len(layers) + 1))
    with self.name_scope:
      cores = [
          initializers.make_lstm(
              size,
              initializers.layer_initializers(
                  initializer, layer_name, initializers.LSTM_FIELDS,
                  initializers.LSTM_SONNET2_FIELDS),
              name=layer_name)
          for layer_name, size in zip(self._lstm_names, layers)]
      self._rnn = snt.DeepRNN(cores, name="deep_rnn")
      linear_init = initializers.layer_initializers(
          initializer, "linear", initializers.LINEAR_FIELDS)
      self._linear = snt.Linear(output_size,
                                w_init=linear_init.get("w"),
                                b_init=linear_init.get("b"),
                                name="linear")

  @property
  def saved_variables(self) -> Dict[str, Tuple[str, ...]]:
    result = {name: initializers.LSTM_SONNET2_FIELDS
              for name in self._lstm_names}
    result["linear"] = initializers.LINEAR_FIELDS
    return result

  @property
  def net_options(self) -> Dict[str, Any]:
    return {"output_size": self._output_size, "layers": self._layers,
            "preprocess_name": self._preprocess_name,
            "preprocess_options": dict(self._preprocess_options),
            "scale": self._scale}

  def __call__(self, inputs: tf.Tensor, prev_state):
    """Computes updates for a batch of input vectors.

    Args:
      inputs: `Tensor` shaped `[batch_size, input_size]`.
      prev_state: `DeepRNN` state for `batch_size`.

    Returns:
      `(outputs, next_state)`, `outputs` shaped `[batch_size, output_size]`.
    """
    # Each input coordinate becomes a vector of preprocessed features.
    features = self._preprocess(tf.expand_dims(inputs, -1))
    features = tf.reshape(features, [inputs.shape[0], -1])
    output, next_state = self._rnn(features, prev_state)
    return self._linear(output) * self._scale, next_state

  def initial_state(self, batch_size: int):
    """Returns the zero `DeepRNN` state for `batch_size` input vectors."""
    return self._rnn.initial_state(batch_size)

  def initial_state_for_inputs(self, inputs: tf.Tensor,
                               dtype: tf.DType = tf.float32):
    """Returns the initial state for `inputs` shaped `[batch_size, ...]`."""
    return tree.map_structure(lambda s: tf.cast(s, dtype),
                              self.initial_state(inputs.shape[0]))


class CoordinateWiseDeepLSTM(StandardDeepLSTM):
  """`StandardDeepLSTM` applied to every coordinate separately.

  The LSTM's batch is the set of coordinates: its weights are shared by all
  coordinates, each of which has its own RNN state.
  """

  def __init__(self, name: str = "cw_deep_lstm", **kwargs):
    """Creates a `CoordinateWiseDeepLSTM`.

    Args:
      name: Module name.
      **kwargs: `StandardDeepLSTM` arguments but `output_size` (which is 1).
    """
    super().__init__(1, name=name, **kwargs)

  @property
  def coordinatewise(self) -> bool:
    return True

  @property
  def net_options(self) -> Dict[str, Any]:
    options = super().net_options
    del options["output_size"]  # Always 1.
    return options

  def _reshape_inputs(self, inputs: tf.Tensor) -> tf.Tensor:
    return tf.reshape(inputs, [-1, 1])

  def __call__(self, inputs: tf.Tensor, prev_state):
    """Computes the update of a variable from its gradient.

    Args:
      inputs: Gradient `Tensor` of any shape, `num_coordinates` elements.
      prev_state: State for `num_coordinates`.

    Returns:
      `(update, next_state)`, `update` shaped as `inputs`.
    """
    output, next_state = super().__call__(self._reshape_inputs(inputs),
                                          prev_state)
    return tf.reshape(output, tf.shape(inputs)), next_state

  def initial_state_for_inputs(self, inputs: tf.Tensor,
                               dtype: tf.DType = tf.float32):
    return super().initial_state_for_inputs(self._reshape_inputs(inputs),
                                            dtype=dtype)


class KernelDeepLSTM(StandardDeepLSTM):
  """`StandardDeepLSTM` applied to each 2D filter of a convolution kernel.

  The inputs are convolution kernels shaped `[kernel_height, kernel_width,
  input_channels, output_channels]`; each of the `input_channels *
  output_channels` filters is one batch element.
  """

  def __init__(self, kernel_shape: Sequence[int],
               name: str = "kernel_deep_lstm", **kwargs):
    """Creates a `KernelDeepLSTM`.

    Args:
      kernel_shape: The 2D filter shape, `[kernel_height, kernel_width]`.
      name: Module name.
      **kwargs: `StandardDeepLSTM` arguments but `output_size` (the number of
          filter elements).
    """
    self._kernel_shape = tuple(int(d) for d in kernel_shape)
    if len(self._kernel_shape) != 2:
      raise ValueError("KernelDeepLSTM: kernel_shape must have 2 elements, got "
                       "{!r}.".format(kernel_shape))
    super().__init__(int(np.prod(self._kernel_shape)), name=name, **kwargs)

  @property
  def net_options(self) -> Dict[str, Any]:
    options = super().net_options
    del options["output_size"]  # The number of kernel elements.
    options["kernel_shape"] = self._kernel_shape
    return options

  def _reshape_inputs(self, inputs: tf.Tensor) -> tf.Tensor:
    kernel_shape = list(self._kernel_shape)
    if inputs.shape.rank != 4 or inputs.shape[:2] != kernel_shape:
      raise ValueError(
          "KernelDeepLSTM with kernel_shape {} needs inputs shaped {} + "
          "[input_channels, output_channels], got {}.".format(
              kernel_shape, kernel_shape, inputs.shape.as_list()))
    filters_first = tf.transpose(inputs, perm=[2, 3, 0, 1])
    return tf.reshape(filters_first, [-1] + kernel_shape)

  def __call__(self, inputs: tf.Tensor, prev_state):
    """Computes the update of a convolution kernel from its gradient.

    Args:
      inputs: Gradient `Tensor` shaped `kernel_shape + [input_channels,
          output_channels]`.
      prev_state: State for `input_channels * output_channels` filters.

    Returns:
      `(update, next_state)`, `update` shaped as `inputs`.
    """
    output, next_state = super().__call__(self._reshape_inputs(inputs),
                                          prev_state)
    # [filters, kernel elements] -> kernel elements first, as in `inputs`.
    return tf.reshape(tf.transpose(output), tf.shape(inputs)), next_state

  def initial_state_for_inputs(self, inputs: tf.Tensor,
                               dtype: tf.DType = tf.float32):
    return super().initial_state_for_inputs(self._reshape_inputs(inputs),
                                            dtype=dtype)


# The state of an `RNNprop` net: the `update_rules.NormalizedInputsState` of
# its inputs and the `DeepRNN` state of its LSTMs.
RNNpropState = collections.namedtuple("RNNpropState", "inputs, rnn")


class RNNprop(StandardDeepLSTM):
  """The coordinatewise optimizer of Lv et al. 2017 ("Learning Gradient
  Descent: Better Generalization and Longer Horizons"), RNNprop.

  Each coordinate's update is `scale * tanh(linear(lstm(elu(input(f)))))`,
  where the features `f` are the scale-free quantities of
  `update_rules.normalized_inputs`: Adam's bias-corrected first moment and
  the gradient, each divided by the root of the second moment estimate, and
  optionally momenta of further decays divided by the same. Multiplying the
  optimizee's loss by a constant leaves the updates unchanged, and no
  update is larger than `scale`. Like `CoordinateWiseDeepLSTM`, the LSTM's
  batch is the set of coordinates; a coordinate's state is its moment
  estimates and its LSTM state (an `RNNpropState`).
  """

  def __init__(self, layers: Sequence[int] = (20, 20), input_size: int = 20,
               beta1: float = 0.95, beta2: float = 0.95,
               epsilon: float = 1e-8, momentum_decays: Sequence[float] = (),
               scale: float = 0.1, initializer: Any = None,
               name: str = "rnnprop"):
    """Creates an `RNNprop` net.

    Args:
      layers: Sizes of the LSTM layers, possibly empty.
      input_size: Units of the ELU input layer.
      beta1: Decay of the first moment estimate.
      beta2: Decay of the second moment estimate.
      epsilon: Added to the second moment estimate under the root.
      momentum_decays: Decays of further momenta read as inputs (Wichrowska
          et al. 2017's several timescales), each in [0, 1).
      scale: The largest update: the factor of the output's `tanh`.
      initializer: As for `StandardDeepLSTM`, with one more layer, `"input"`
          (variables `w`, `b`).
      name: Module name.

    Raises:
      ValueError: For an `input_size` below 1 or a decay outside [0, 1).
    """
    if input_size < 1:
      raise ValueError("RNNprop: input_size must be at least 1, got {}."
                       .format(input_size))
    decays = (beta1, beta2) + tuple(momentum_decays)
    if not all(0 <= decay < 1 for decay in decays):
      raise ValueError("RNNprop: beta1, beta2 and momentum_decays must be in "
                       "[0, 1), got {}.".format(decays))
    super().__init__(1, layers, scale=scale, initializer=initializer,
                     name=name)
    self._input_size = input_size
    self._beta1 = beta1
    self._beta2 = beta2
    self._epsilon = epsilon
    self._momentum_decays = tuple(momentum_decays)
    input_init = initializers.layer_initializers(initializer, "input",
                                                 initializers.LINEAR_FIELDS)
    with self.name_scope:
      self._input = snt.Linear(input_size, w_init=input_init.get("w"),
                               b_init=input_init.get("b"), name="input")

  @property
  def coordinatewise(self) -> bool:
    return True

  @property
  def saved_variables(self) -> Dict[str, Tuple[str, ...]]:
    return dict(super().saved_variables, input=initializers.LINEAR_FIELDS)

  @property
  def net_options(self) -> Dict[str, Any]:
    return {"layers": self._layers, "input_size": self._input_size,
            "beta1": self._beta1, "beta2": self._beta2,
            "epsilon": self._epsilon,
            "momentum_decays": self._momentum_decays, "scale": self._scale}

  def __call__(self, inputs: tf.Tensor, prev_state: RNNpropState):
    """Computes the update of a variable from its gradient.

    Args:
      inputs: Gradient `Tensor` of any shape, `num_coordinates` elements.
      prev_state: `RNNpropState` for `num_coordinates`.

    Returns:
      `(update, next_state)`, `update` shaped as `inputs`.
    """
    features, inputs_state = update_rules.normalized_inputs(
        tf.reshape(inputs, [-1]),
        update_rules.NormalizedInputsState(*prev_state.inputs), self._beta1,
        self._beta2, self._epsilon, self._momentum_decays)
    output, rnn_state = self._rnn(tf.nn.elu(self._input(features)),
                                  prev_state.rnn)
    update = self._scale * tf.tanh(self._linear(output))
    return (tf.reshape(update, tf.shape(inputs)),
            RNNpropState(inputs_state, rnn_state))

  def initial_state_for_inputs(self, inputs: tf.Tensor,
                               dtype: tf.DType = tf.float32) -> RNNpropState:
    """Returns the zero state for a variable shaped as `inputs`."""
    num_coordinates = inputs.shape.num_elements()
    zeros = tf.zeros([num_coordinates], dtype=dtype)
    inputs_state = update_rules.NormalizedInputsState(
        adam=update_rules.AdamState(t=tf.zeros([], dtype=dtype), m=zeros,
                                    v=zeros),
        momenta=tuple(zeros for _ in self._momentum_decays))
    rnn_state = tree.map_structure(lambda s: tf.cast(s, dtype),
                                   self.initial_state(num_coordinates))
    return RNNpropState(inputs_state, rnn_state)


# Network arguments a `.l2l` file does not store.
_UNSTORED_OPTIONS = ("initializer", "name")

_NETWORKS = {
    "StandardDeepLSTM": StandardDeepLSTM,
    "CoordinateWiseDeepLSTM": CoordinateWiseDeepLSTM,
    "KernelDeepLSTM": KernelDeepLSTM,
    "RNNprop": RNNprop,
    "Sgd": Sgd,
    "Adam": Adam,
    "RMSprop": RMSprop,
    "Nag": Nag,
}


# The `factory` names of the networks with learned weights (LSTM nets).
LEARNED_NETWORKS = tuple(name for name, network in _NETWORKS.items()
                         if issubclass(network, StandardDeepLSTM))


def is_learned(net: str) -> bool:
  """Whether the network class named `net` has learned weights (an LSTM
  net), rather than being a hand-written optimizer."""
  return net in LEARNED_NETWORKS


def _stored_network_first(net: str, net_options: Dict[str, Any],
                          stored: l2l_files.NetDescription,
                          filename: str) -> Tuple[str, Dict[str, Any]]:
  """The network a file describes replaces the requested one.

  Logs a warning naming each difference (the class, then every option whose
  stored value differs from the requested or default one).

  Returns:
    `(net, net_options)`: the stored class and options, with the requested
    options the file does not store (`initializer`, `name`).
  """
  if stored["net"] not in _NETWORKS:
    raise errors.InputError("{} holds an unknown network {!r}; valid names: "
                            "{}.".format(filename, stored["net"],
                                         ", ".join(_NETWORKS)))
  requested = {key: value for key, value in net_options.items()
               if key not in _UNSTORED_OPTIONS}
  if stored["net"] == net:
    requested = _NETWORKS[net](**requested).net_options
  l2l_files.warn_of_replaced_network(
      filename, {"net": net, "net_options": requested}, stored)
  options = {key: value for key, value in net_options.items()
             if key in _UNSTORED_OPTIONS}
  options.update(stored["net_options"])
  return stored["net"], options


def factory(net: str, net_options: Any = (),
            net_path: Optional[str] = None) -> Network:
  """Creates a network by class name.

  Args:
    net: One of `StandardDeepLSTM`, `CoordinateWiseDeepLSTM`,
        `KernelDeepLSTM`, `RNNprop`, `Sgd`, `Adam`, `RMSprop`, `Nag`.
    net_options: Constructor arguments (a dict or `(key, value)` pairs).
    net_path: Optional `.l2l` file whose weights initialize the network
        (replacing any `initializer` option). If the file describes its
        network, the stored class and options replace `net` and
        `net_options` (a warning names each difference).

  Returns:
    The `Network`.

  Raises:
    ValueError: For an unknown `net`.
    errors.InputError: For a corrupt or mismatched file (a `ValueError`).
    errors.MissingFileError: If `net_path` cannot be read (an `IOError`).
  """
  if net not in _NETWORKS:
    raise ValueError("Unknown network {!r}; valid names: {}.".format(
        net, ", ".join(_NETWORKS)))
  net_options = dict(net_options)
  if not net_path:
    return _NETWORKS[net](**net_options)
  contents = l2l_files.read_contents(net_path)
  if contents.network is not None:
    net, net_options = _stored_network_first(net, net_options,
                                             contents.network, net_path)
  network_class = _NETWORKS[net]
  unstored = {key: value for key, value in net_options.items()
              if key not in _UNSTORED_OPTIONS}
  try:
    saved_variables = network_class(**unstored).saved_variables
  except (TypeError, ValueError) as e:
    if contents.network is None:
      raise
    raise errors.InputError("{}: its stored options do not build a {}: {}"
                            .format(net_path, net, e)) from e
  l2l_files.check_matches(net_path, contents.net_vars, saved_variables,
                          network_class.__name__)
  if saved_variables:  # Hand-written optimizers have no weights.
    net_options["initializer"] = initializers.from_file_arrays(
        contents.net_vars, net_path)
  return network_class(**net_options)


def from_file(filename: str) -> Network:
  """Creates the network a `.l2l` file describes, with its weights.

  Raises:
    errors.InputError: If the file does not describe its network (it
        predates descriptions: use `factory(net, net_options,
        net_path=filename)`), or is corrupt (a `ValueError`).
    errors.MissingFileError: If it cannot be read (an `IOError`).
  """
  network = l2l_files.read_contents(filename).network
  if network is None:
    raise errors.InputError(
        "{} does not say which network it holds (it was written before .l2l "
        "files stored it); load it with networks.factory(net, net_options, "
        "net_path=...) and save it again.".format(filename))
  return factory(network["net"], network["net_options"], net_path=filename)
