# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Optimizer networks: learned LSTM optimizers and hand-written baselines.

Every network is a Sonnet 2 RNN core mapping the gradient of one optimizee
variable to an update of the same shape:

    update, next_state = net(gradients, prev_state)

Learned networks are saved as `.l2l` files: NumPy `.npz` archives holding
`{module: {variable: array}}` under the keys `"module/variable"`, never a
pickle.
"""

import abc
import collections
import io
import zipfile
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
import sonnet as snt
import tensorflow as tf
import tree

import fileio
import preprocess

# Saved weights: {module name: {variable name: array}}.
NetVariables = Dict[str, Dict[str, np.ndarray]]

_PREPROCESSORS = {
    "Clamp": preprocess.Clamp,
    "LogAndSign": preprocess.LogAndSign,
}

# Initializer names accepted as strings, with the defaults of the TF1
# `tf.<name>_initializer` the original looked up.
_NAMED_INITIALIZERS = {
    "zeros": snt.initializers.Zeros,
    "ones": snt.initializers.Ones,
    "random_normal": snt.initializers.RandomNormal,
    "truncated_normal": snt.initializers.TruncatedNormal,
    "random_uniform": snt.initializers.RandomUniform,
    "orthogonal": snt.initializers.Orthogonal,
    "glorot_uniform": lambda: snt.initializers.VarianceScaling(
        scale=1.0, mode="fan_avg", distribution="uniform"),
    "glorot_normal": lambda: snt.initializers.VarianceScaling(
        scale=1.0, mode="fan_avg", distribution="truncated_normal"),
}

# Variables of each layer, under the original's (Sonnet 1) names, which a
# `{variable: initializer}` dict may name for every layer.
_LSTM_FIELDS = ("w_gates", "b_gates")
_LINEAR_FIELDS = ("w", "b")
# Sonnet 2 names of an LSTM layer's variables, as `save` writes them; a
# `{layer: {variable: initializer}}` dict may name them for that layer.
_LSTM_SONNET2_FIELDS = ("w_i", "w_h", "b")

_FORGET_BIAS = 1.0


class _ArrayInitializer(snt.initializers.Initializer):
  """Initializes a variable to a fixed array, checking its shape."""

  def __init__(self, value: np.ndarray, source: str = "initializer array"):
    """Creates the initializer.

    Args:
      value: Array of the variable's shape, or of size 1 (broadcast).
      source: Where the array comes from, for error messages.
    """
    self._value = np.asarray(value)
    self._source = source

  def __call__(self, shape, dtype) -> tf.Tensor:
    shape = tuple(shape)
    if self._value.shape == shape:
      return tf.constant(self._value, dtype=dtype)
    if self._value.size == 1:
      return tf.fill(shape, tf.constant(self._value.item(), dtype=dtype))
    raise ValueError(
        "{} has shape {}, but the variable it initializes has shape {}."
        .format(self._source, self._value.shape, shape))


def _convert_to_initializer(initializer: Any) -> Callable[..., tf.Tensor]:
  """Returns a Sonnet-style initializer, `(shape, dtype) -> Tensor`.

  Args:
    initializer: A name from `_NAMED_INITIALIZERS` (e.g. `"zeros"`), a numpy
        array of the variable's shape, or any callable taking `(shape, dtype)`
        (TensorFlow and Sonnet initializers).

  Raises:
    ValueError: For an unknown initializer name.
    TypeError: For anything else that is not callable.
  """
  if isinstance(initializer, str):
    if initializer not in _NAMED_INITIALIZERS:
      raise ValueError("Unknown initializer {!r}; valid names: {}.".format(
          initializer, ", ".join(sorted(_NAMED_INITIALIZERS))))
    return _NAMED_INITIALIZERS[initializer]()
  if isinstance(initializer, np.ndarray):
    return _ArrayInitializer(initializer)
  if callable(initializer):
    return initializer
  raise TypeError(
      "An initializer must be a name, a numpy array or a callable taking "
      "(shape, dtype); got {!r}.".format(initializer))


def _get_initializers(initializers: Any,
                      fields: Sequence[str],
                      dict_only_fields: Sequence[str] = ()) -> Dict[str, Any]:
  """Picks the initializers of one layer's variables.

  Args:
    initializers: One initializer for every field, or a `{field: initializer}`
        dict (keys that are not fields are ignored, as in the original).
    fields: Variable names the layer takes.
    dict_only_fields: Further variable names the layer takes from a dict only.

  Returns:
    `{field: initializer}` for the fields given.
  """
  if isinstance(initializers, dict):
    return {f: _convert_to_initializer(initializers[f])
            for f in tuple(fields) + tuple(dict_only_fields)
            if f in initializers}
  return {f: _convert_to_initializer(initializers) for f in fields}


def _get_layer_initializers(initializers: Any,
                            layer_name: str,
                            fields: Sequence[str],
                            layer_only_fields: Sequence[str] = ()
                           ) -> Dict[str, Any]:
  """Picks a layer's initializers from the `initializer` argument.

  Args:
    initializers: `None`, one initializer for every variable, a
        `{variable: initializer}` dict applied to every layer, or a
        `{layer: ...}` dict whose entry for `layer_name` is either of those.
    layer_name: The layer, e.g. `"lstm_1"` or `"linear"`.
    fields: Variable names every form may give for this layer.
    layer_only_fields: Variable names only a `{layer: {variable: ...}}` entry
        may give.

  Returns:
    `{field: initializer}` for the fields given.
  """
  if initializers is None:
    return {}
  if isinstance(initializers, dict) and layer_name in initializers:
    return _get_initializers(initializers[layer_name], fields,
                             layer_only_fields)
  return _get_initializers(initializers, fields)


def _gates_to_sonnet2_order(gates: tf.Tensor) -> tf.Tensor:
  """Reorders gate blocks on the last axis from Sonnet 1 (i, j, f, o) to
  Sonnet 2 (i, f, g, o), where Sonnet 2's cell input g is Sonnet 1's j."""
  i, j, f, o = tf.split(gates, num_or_size_splits=4, axis=-1)
  return tf.concat([i, f, j, o], axis=-1)


class _SonnetOneLSTMInitializers:
  """Initializers that give an `snt.LSTM` the original's Sonnet 1 LSTM.

  Sonnet 1's LSTM had one gate matrix `w_gates`, shaped
  `[input_size + hidden_size, 4 * hidden_size]` over `concat([inputs,
  hidden])`, and a bias `b_gates`, shaped `[4 * hidden_size]`, with the gates
  in the order (i, j, f, o). By default both were drawn from a truncated
  normal of standard deviation `1 / sqrt(input_size + hidden_size)`, and a
  forget bias of 1 was added at run time. `snt.LSTM` keeps `w_i` and `w_h`
  separately, orders the gates (i, f, g, o) and stores the forget bias in
  `b`. These initializers draw (or take) the Sonnet 1 variables and convert
  them, so that an `snt.LSTM` with `forget_bias=0` computes what the Sonnet 1
  LSTM computed. `snt.LSTM` creates `w_i` first, which fixes `input_size`.
  """

  def __init__(self, hidden_size: int, w_gates=None, b_gates=None):
    """Creates the initializers.

    Args:
      hidden_size: Number of LSTM units.
      w_gates: Initializer of the Sonnet 1 gate matrix, or `None` for the
          Sonnet 1 default.
      b_gates: Initializer of the Sonnet 1 gate bias (forget bias excluded),
          or `None` for the Sonnet 1 default.
    """
    self._hidden_size = hidden_size
    self._w_gates = w_gates
    self._b_gates = b_gates
    self._input_size = None
    self._hidden_weights = None

  def _default(self) -> snt.initializers.Initializer:
    stddev = 1.0 / np.sqrt(self._input_size + self._hidden_size)
    return snt.initializers.TruncatedNormal(stddev=stddev)

  def _require_input_size(self, variable: str):
    if self._input_size is None:
      raise RuntimeError("The LSTM's {} was created before w_i; its Sonnet 1 "
                         "initialization needs w_i first.".format(variable))

  def input_weights(self, shape, dtype) -> tf.Tensor:
    """Initial `w_i`, shaped `[input_size, 4 * hidden_size]`."""
    self._input_size = int(shape[0])
    joint_shape = [self._input_size + self._hidden_size, 4 * self._hidden_size]
    joint = (self._w_gates or self._default())(joint_shape, dtype)
    joint = _gates_to_sonnet2_order(joint)
    self._hidden_weights = joint[self._input_size:]
    return joint[:self._input_size]

  def hidden_weights(self, shape, dtype) -> tf.Tensor:
    """Initial `w_h`, shaped `[hidden_size, 4 * hidden_size]`."""
    del shape, dtype  # Drawn with w_i, as one Sonnet 1 matrix.
    self._require_input_size("w_h")
    return self._hidden_weights

  def bias(self, shape, dtype) -> tf.Tensor:
    """Initial `b`, shaped `[4 * hidden_size]`, forget bias included."""
    self._require_input_size("b")
    b_gates = (self._b_gates or self._default())(shape, dtype)
    i, f, g, o = tf.split(_gates_to_sonnet2_order(b_gates), 4)
    return tf.concat([i, f + _FORGET_BIAS, g, o], axis=0)


def _make_lstm(hidden_size: int, initializers: Dict[str, Any],
               name: str) -> snt.LSTM:
  """Returns an `snt.LSTM` initialized as the original's Sonnet 1 LSTM.

  Args:
    hidden_size: Number of LSTM units.
    initializers: Initializers by variable name: the Sonnet 1 names
        (`w_gates`, `b_gates`, with the original's meaning) or the Sonnet 2
        names (`w_i`, `w_h`, `b`, the variables' values as `save` writes
        them, forget bias included in `b`).
    name: Module name.

  Raises:
    ValueError: If a Sonnet 1 name and the Sonnet 2 names of the same
        variables are both given, or only one of `w_i` and `w_h`.
  """
  def conflict(original, sonnet2):
    return original in initializers and any(v in initializers for v in sonnet2)
  if conflict("w_gates", ("w_i", "w_h")) or conflict("b_gates", ("b",)):
    raise ValueError(
        "Layer {}: give the gate initializers either with the original's names "
        "(w_gates, b_gates) or with Sonnet 2's (w_i, w_h, b), not both; got {}."
        .format(name, sorted(initializers)))
  if ("w_i" in initializers) != ("w_h" in initializers):
    raise ValueError("Layer {}: w_i and w_h must be initialized together; got "
                     "{}.".format(name, sorted(initializers)))
  gates = _SonnetOneLSTMInitializers(hidden_size,
                                     w_gates=initializers.get("w_gates"),
                                     b_gates=initializers.get("b_gates"))
  return snt.LSTM(hidden_size,
                  w_i_init=initializers.get("w_i", gates.input_weights),
                  w_h_init=initializers.get("w_h", gates.hidden_weights),
                  b_init=initializers.get("b", gates.bias),
                  forget_bias=0.0,
                  name=name)


def _make_preprocess(preprocess_name: str,
                     preprocess_options: Optional[Mapping[str, Any]]):
  """Returns the gradient preprocessing callable.

  Args:
    preprocess_name: A module of `preprocess.py` (`"LogAndSign"`, `"Clamp"`)
        or the name of a TensorFlow function (`"identity"`).
    preprocess_options: Keyword arguments of the `preprocess.py` module.

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
  def coordinatewise(self) -> bool:
    """Whether the network treats every coordinate independently, so that
    the coordinates of several variables can go through it as one flat
    vector with the same result."""
    return False


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
    self._scale = scale
    self._preprocess = _make_preprocess(preprocess_name, preprocess_options)
    self._lstm_names = tuple(
        "lstm_{}".format(i) for i in range(1, len(layers) + 1))
    with self.name_scope:
      cores = [
          _make_lstm(size,
                     _get_layer_initializers(initializer, layer_name,
                                             _LSTM_FIELDS,
                                             _LSTM_SONNET2_FIELDS),
                     name=layer_name)
          for layer_name, size in zip(self._lstm_names, layers)]
      self._rnn = snt.DeepRNN(cores, name="deep_rnn")
      linear_init = _get_layer_initializers(initializer, "linear",
                                            _LINEAR_FIELDS)
      self._linear = snt.Linear(output_size,
                                w_init=linear_init.get("w"),
                                b_init=linear_init.get("b"),
                                name="linear")

  @property
  def saved_variables(self) -> Dict[str, Tuple[str, ...]]:
    result = {name: _LSTM_SONNET2_FIELDS for name in self._lstm_names}
    result["linear"] = _LINEAR_FIELDS
    return result

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


class _HandWrittenOptimizer(Network):
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


@snt.allow_empty_variables
class Adam(_HandWrittenOptimizer):
  """Adam (https://arxiv.org/abs/1412.6980) as a network, state `AdamState`."""

  def __init__(self, learning_rate: float = 1e-3, beta1: float = 0.9,
               beta2: float = 0.999, epsilon: float = 1e-8,
               name: str = "adam"):
    """Creates an `Adam` network with the given hyper-parameters."""
    super().__init__(name=name)
    self._learning_rate = learning_rate
    self._beta1 = beta1
    self._beta2 = beta2
    self._epsilon = epsilon

  def __call__(self, inputs: tf.Tensor, prev_state: AdamState):
    """Computes the Adam update of a variable from its gradient.

    Args:
      inputs: Gradient `Tensor` of any shape, `n` elements.
      prev_state: `AdamState` for `n` coordinates.

    Returns:
      `(update, next_state)`, `update` shaped as `inputs`.
    """
    update, next_state = adam_update(
        tf.reshape(inputs, [-1, 1]), AdamState(*prev_state),
        self._learning_rate, self._beta1, self._beta2, self._epsilon)
    return tf.reshape(update, tf.shape(inputs)), next_state

  def initial_state(self, batch_size: int, dtype: tf.DType = tf.float32):
    """Returns the zero `AdamState` for `batch_size` coordinates."""
    return AdamState(t=tf.zeros([], dtype=dtype),
                     m=tf.zeros([batch_size, 1], dtype=dtype),
                     v=tf.zeros([batch_size, 1], dtype=dtype))

  def initial_state_for_inputs(self, inputs: tf.Tensor,
                               dtype: tf.DType = tf.float32):
    return self.initial_state(inputs.shape.num_elements(), dtype=dtype)


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

  def _update(self, gradients, state):
    return rmsprop_update(gradients, state, self._learning_rate, self._decay,
                          self._epsilon)


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

  def _update(self, gradients, state):
    return nesterov_update(gradients, state, self._learning_rate,
                           self._momentum)


_NETWORKS = {
    "StandardDeepLSTM": StandardDeepLSTM,
    "CoordinateWiseDeepLSTM": CoordinateWiseDeepLSTM,
    "KernelDeepLSTM": KernelDeepLSTM,
    "Sgd": Sgd,
    "Adam": Adam,
    "RMSprop": RMSprop,
    "Nag": Nag,
}


def _flatten_variables(net_vars: NetVariables) -> Dict[str, np.ndarray]:
  return {"{}/{}".format(module, variable): value
          for module, variables in net_vars.items()
          for variable, value in variables.items()}


def write_l2l(filename: str, net_vars: NetVariables):
  """Writes `{module: {variable: array}}` to `filename` as a `.l2l` file.

  The file is written with `fileio.write_atomically`, so an existing file is
  never left half written.

  Args:
    filename: Destination path (written exactly, no suffix added).
    net_vars: Arrays by module and variable name.
  """
  buffer = io.BytesIO()
  np.savez(buffer, **_flatten_variables(net_vars))
  fileio.write_atomically(filename, buffer.getvalue())


def load(filename: str) -> NetVariables:
  """Reads a `.l2l` file written by `save`.

  Args:
    filename: Path of the file.

  Returns:
    `{module: {variable: array}}`.

  Raises:
    IOError: If the file cannot be read.
    ValueError: If it is not a `.l2l` archive of floating point arrays (a
        pickle, such as the original's files, is refused: unpickling runs
        code).
  """
  try:
    with open(filename, "rb") as f:
      contents = f.read()
  except OSError as e:
    raise IOError("Cannot read optimizer file {}: {}.".format(
        filename, e.strerror or e)) from e
  if contents[:1] == b"\x80":
    raise ValueError(
        "{} is a Python pickle (the original learning-to-learn format), not a "
        ".l2l archive; it is not loaded because unpickling can run arbitrary "
        "code.".format(filename))
  try:
    with np.load(io.BytesIO(contents), allow_pickle=False) as archive:
      arrays = {key: archive[key] for key in archive.files}
  except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as e:
    raise ValueError("{} is not a valid .l2l file (a NumPy .npz archive of "
                     "network weights): {}".format(filename, e)) from e
  result = {}
  for key, value in arrays.items():
    module, _, variable = key.partition("/")
    if not module or not variable or "/" in variable:
      raise ValueError("{} is not a valid .l2l file: unexpected entry {!r} "
                       "(expected 'module/variable').".format(filename, key))
    if not np.issubdtype(value.dtype, np.floating):
      raise ValueError("{} is not a valid .l2l file: entry {!r} has dtype {}, "
                       "expected floating point.".format(filename, key,
                                                         value.dtype))
    result.setdefault(module, {})[variable] = value
  return result


def _file_initializer(filename: str, network_class, net_options) -> Dict:
  """Loads `filename` as a `{layer: {variable: initializer}}` dict.

  Raises:
    IOError, ValueError: As `load`, or if the file's layers and variables are
        not those of the network it initializes.
  """
  net_vars = load(filename)
  expected = network_class(**net_options).saved_variables
  found = {module: tuple(sorted(v)) for module, v in net_vars.items()}
  if found != {module: tuple(sorted(v)) for module, v in expected.items()}:
    raise ValueError(
        "{} does not match the network it should initialize: the file holds "
        "{}, the network ({}) has {}.".format(
            filename, found, network_class.__name__,
            {m: tuple(sorted(v)) for m, v in expected.items()}))
  return {module: {variable: _ArrayInitializer(
      value, source="{}: {}/{}".format(filename, module, variable))
                   for variable, value in variables.items()}
          for module, variables in net_vars.items()}


def factory(net: str, net_options: Any = (),
            net_path: Optional[str] = None) -> Network:
  """Creates a network by class name.

  Args:
    net: One of `StandardDeepLSTM`, `CoordinateWiseDeepLSTM`,
        `KernelDeepLSTM`, `Sgd`, `Adam`, `RMSprop`, `Nag`.
    net_options: Constructor arguments (a dict or `(key, value)` pairs).
    net_path: Optional `.l2l` file whose weights initialize the network
        (replacing any `initializer` option).

  Returns:
    The `Network`.

  Raises:
    ValueError: For an unknown `net`, or a corrupt or mismatched file.
    IOError: If `net_path` cannot be read.
  """
  if net not in _NETWORKS:
    raise ValueError("Unknown network {!r}; valid names: {}.".format(
        net, ", ".join(_NETWORKS)))
  network_class = _NETWORKS[net]
  net_options = dict(net_options)
  if net_path:
    net_options["initializer"] = _file_initializer(net_path, network_class,
                                                   net_options)
  return network_class(**net_options)


def save(network: Network, filename: Optional[str] = None) -> NetVariables:
  """Returns a network's weights, and writes them to `filename` if given.

  Args:
    network: The network; its variables must exist (it has been called).
    filename: Optional `.l2l` path, written atomically (see `write_l2l`).

  Returns:
    `{module: {variable: array}}`, e.g. `{"lstm_1": {"w_i": ..., "w_h": ...,
    "b": ...}, "linear": {"w": ..., "b": ...}}`.
  """
  net_vars = collections.defaultdict(dict)
  for variable in network.variables:
    module, name = variable.name.split(":")[0].split("/")[-2:]
    net_vars[module][name] = variable.numpy()
  net_vars = dict(net_vars)
  if filename:
    write_l2l(filename, net_vars)
  return net_vars
