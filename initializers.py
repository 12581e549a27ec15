# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Initializers of the optimizer networks, and the original's LSTM layout.

The `initializer` argument of the networks takes what the original took: a
name (`"zeros"`), a numpy array, a TF or Sonnet initializer, a
`{variable: initializer}` dict applied to every layer, or a
`{layer: {variable: initializer}}` dict (layers `lstm_1`, `lstm_2`, ...,
`linear`). `layer_initializers` picks one layer's initializers from it.

The original's LSTM was Sonnet 1's: one gate matrix `w_gates` over
`concat([inputs, hidden])`, gates ordered (i, j, f, o), a forget bias added
at run time. `make_lstm` builds an `snt.LSTM` (Sonnet 2: `w_i`, `w_h`, `b`,
gates (i, f, g, o)) that computes the same thing, converting the Sonnet 1
defaults or the given Sonnet 1 variables.
"""

from typing import Any, Callable, Dict, Mapping, Sequence, Type

import numpy as np
import sonnet as snt
import tensorflow as tf

import errors

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
LSTM_FIELDS = ("w_gates", "b_gates")
LINEAR_FIELDS = ("w", "b")
# Sonnet 2 names of an LSTM layer's variables, as `networks.save` writes
# them; a `{layer: {variable: initializer}}` dict may name them for that layer.
LSTM_SONNET2_FIELDS = ("w_i", "w_h", "b")

_FORGET_BIAS = 1.0


class ArrayInitializer(snt.initializers.Initializer):
  """Initializes a variable to a fixed array, checking its shape."""

  def __init__(self, value: np.ndarray, source: str = "initializer array",
               error: Type[ValueError] = ValueError):
    """Creates the initializer.

    Args:
      value: Array of the variable's shape, or of size 1 (broadcast).
      source: Where the array comes from, for error messages.
      error: What a shape mismatch raises: `ValueError` for an array given
          in code, `errors.InputError` for one read from a user's file.
    """
    self._value = np.asarray(value)
    self._source = source
    self._error = error

  def __call__(self, shape: Sequence[int], dtype: tf.DType) -> tf.Tensor:
    """Returns the array as a `Tensor` of `shape` and `dtype`.

    Raises:
      ValueError (the class given as `error`): If the array has another
          shape and more than one element.
    """
    shape = tuple(shape)
    if self._value.shape == shape:
      return tf.constant(self._value, dtype=dtype)
    if self._value.size == 1:
      return tf.fill(shape, tf.constant(self._value.item(), dtype=dtype))
    raise self._error(
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
    return ArrayInitializer(initializer)
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


def layer_initializers(initializers: Any,
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


def from_file_arrays(net_vars: Mapping[str, Mapping[str, np.ndarray]],
                     filename: str) -> Dict[str, Dict[str, ArrayInitializer]]:
  """Returns a `{layer: {variable: initializer}}` dict of a file's weights.

  Args:
    net_vars: `{module: {variable: array}}`, as `l2l_files.read` returns.
    filename: The file they come from. An array whose shape is not its
        variable's raises `errors.InputError` naming
        `"<filename>: <module>/<variable>"` when the variable is created.
  """
  return {module: {variable: ArrayInitializer(
      value, source="{}: {}/{}".format(filename, module, variable),
      error=errors.InputError)
                   for variable, value in variables.items()}
          for module, variables in net_vars.items()}


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


def make_lstm(hidden_size: int, initializers: Dict[str, Any],
              name: str) -> snt.LSTM:
  """Returns an `snt.LSTM` initialized as the original's Sonnet 1 LSTM.

  Args:
    hidden_size: Number of LSTM units.
    initializers: Initializers by variable name: the Sonnet 1 names
        (`w_gates`, `b_gates`, with the original's meaning) or the Sonnet 2
        names (`w_i`, `w_h`, `b`, the variables' values as `networks.save`
        writes them, forget bias included in `b`).
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

