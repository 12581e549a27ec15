# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Converts an optimizer file of the original learning-to-learn code.

    python convert.py --input=cw.l2l --output=new/cw.l2l --problem=mnist

The original (TF1, Sonnet 1) saved a trained optimizer as a (dill) pickle of
`{module: {variable: array}}` with Sonnet 1's names: `lstm_1`, `lstm_2`, ...
holding `w_gates` and `b_gates`, and `linear` holding `w` and `b`. This
script reads such a file without running code (see `_RestrictedUnpickler`),
checks it holds the weights of the net the original configured for
`--problem` (key `--net` of the problem's nets), and writes that net with
these weights as this port's `.l2l` file (`networks.save`). The original's
files do not record the net's options; `--problem` gives them.
"""

import collections
import io
import json
import os
import pickle
from typing import Any, Dict, Optional, Tuple

# TensorFlow's C++ start-up messages would bury the script's own output;
# set TF_CPP_MIN_LOG_LEVEL to see them.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import flags
import numpy as np
import tensorflow as tf

import cli
import errors
import fileio
import initializers
import networks
import util

try:
  from numpy._core import multiarray as _multiarray  # NumPy 2.
  from numpy._core import numeric as _numeric
except ImportError:
  from numpy.core import multiarray as _multiarray  # NumPy 1.
  from numpy.core import numeric as _numeric

FLAGS = flags.FLAGS
flags.DEFINE_string("input", None,
                    "Optimizer file written by the original code (a pickle).")
flags.DEFINE_string("output", None, "The .l2l file to write.")
flags.DEFINE_string("problem", None,
                    "Problem whose net the file holds; its configuration in "
                    "the original code gives the net's options.")
flags.DEFINE_string("net", None,
                    "Key of the net among the problem's nets (e.g. conv or "
                    "fc for cifar-multi); needed only when it has several.")

# Dill's `_load_type` pickled the defaultdict's `dict` factory as a call
# `_load_type("dict")` (`"DictType"` in old versions, module `dill.dill`).
_DILL_MODULES = ("dill.dill", "dill._dill")
_DICT_TYPE_NAMES = ("dict", "DictType")


def _encode_latin1(text: str, encoding: str) -> bytes:
  """`_codecs.encode` as Python 3 pickles bytes for protocols 0 to 2."""
  if encoding not in ("latin1", "latin-1"):
    raise pickle.UnpicklingError(
        "_codecs.encode with encoding {!r}".format(encoding))
  return text.encode("latin1")


# The globals an original's file refers to: NumPy's array reconstruction
# under NumPy 1's (`core`) and NumPy 2's (`_core`) module names, `dict` of
# Python 2 and 3, the defaultdict, and `_codecs.encode`, with which Python 3
# pickles bytes for protocols 0 to 2.
# pylint: disable=protected-access
_ADMITTED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _numeric._frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _numeric._frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("builtins", "dict"): dict,
    ("__builtin__", "dict"): dict,
    ("collections", "defaultdict"): collections.defaultdict,
    ("_codecs", "encode"): _encode_latin1,
}
# pylint: enable=protected-access


class _RestrictedUnpickler(pickle.Unpickler):
  """Loads the original's files, and nothing that would run other code.

  `find_class` admits only the globals such a file refers to: NumPy's array
  reconstruction, `dict`, `collections.defaultdict`, the `_codecs.encode`
  of Python 3's bytes (latin-1 only), dill's `_load_type` of `dict`, and
  dill's `_create_array` of NumPy's array reconstruction.
  Any other global raises `errors.InputError` before it can be called.
  """

  def __init__(self, contents: bytes, filename: str):
    # Python 2 pickled an array's data as a `str`: latin-1 restores its bytes.
    super().__init__(io.BytesIO(contents), encoding="latin1")
    self._filename = filename

  def _refuse(self, name: str):
    raise errors.InputError(
        "{} refers to {}, which an optimizer file never holds; it was not "
        "loaded (unpickling can run code).".format(self._filename, name))

  def _load_type(self, name: str) -> type:
    if name not in _DICT_TYPE_NAMES:
      self._refuse("dill's type {!r}".format(name))
    return dict

  def _create_array(self, function, args, state, npdict=None) -> np.ndarray:
    """Dill 0.3.6 and newer pickle each array as `_create_array(f, args,
    state, npdict)`: `f(*args)`, then its `__setstate__(state)`. Only
    NumPy's array reconstruction is admitted as `f`, of a plain ndarray."""
    reconstruct = _ADMITTED_GLOBALS["numpy.core.multiarray", "_reconstruct"]
    plain_array = (isinstance(args, tuple) and bool(args) and
                   args[0] is np.ndarray and not npdict)
    if function is not reconstruct or not plain_array:
      self._refuse("dill's _create_array of {!r}".format(function))
    array = function(*args)
    array.__setstate__(state)
    return array

  def find_class(self, module: str, name: str) -> Any:
    if module in _DILL_MODULES and name == "_load_type":
      return self._load_type
    if module == "dill._dill" and name == "_create_array":
      return self._create_array
    if (module, name) not in _ADMITTED_GLOBALS:
      self._refuse("{}.{}".format(module, name))
    return _ADMITTED_GLOBALS[module, name]


def _not_a_pickle(filename: str, contents: bytes,
                  reason: str) -> errors.InputError:
  """The error for a file that does not unpickle, with a hint for a zip."""
  hint = (" (it is a zip archive, perhaps already a .l2l file)"
          if contents[:2] == b"PK" else "")
  return errors.InputError(
      "{} is not an optimizer file of the original code (a pickle){}: {}"
      .format(filename, hint, reason))


def _load_original(filename: str) -> Dict[str, Dict[str, np.ndarray]]:
  """Reads the original's file as `{module: {variable: array}}`.

  Raises:
    errors.MissingFileError: If the file cannot be read.
    errors.InputError: If it is not such a pickle, or refers to anything
        else than the globals `_RestrictedUnpickler` admits.
  """
  contents = fileio.read_bytes(filename, "--input")
  try:
    loaded = _RestrictedUnpickler(contents, filename).load()
  except errors.Error:
    raise
  except Exception as e:  # pylint: disable=broad-except
    # Arbitrary bytes fail in many ways (truncation, bad opcodes or
    # arguments): each means the file is not a valid pickle.
    reason = " ".join(str(e).split()) or type(e).__name__
    raise _not_a_pickle(filename, contents, reason) from e
  return _check_structure(filename, loaded)


def _check_structure(filename: str, loaded: Any
                    ) -> Dict[str, Dict[str, np.ndarray]]:
  """Returns `loaded` as plain dicts if it is `{str: {str: float array}}`."""
  def fail(found):
    raise errors.InputError(
        "{} does not hold what the original saved, {{module: {{variable: "
        "floating point array}}}}: found {}.".format(filename, found))
  if not isinstance(loaded, dict):
    fail("a {}".format(type(loaded).__name__))
  result = {}
  for module, variables in loaded.items():
    if not isinstance(module, str) or not isinstance(variables, dict):
      fail("{!r}: a {}".format(module, type(variables).__name__))
    for variable, value in variables.items():
      if not (isinstance(variable, str) and isinstance(value, np.ndarray) and
              np.issubdtype(value.dtype, np.floating)):
        fail("{}/{}: {}".format(module, variable, getattr(
            value, "dtype", type(value).__name__)))
      result.setdefault(module, {})[variable] = value
  return result


def _net_options(net_config: Dict[str, Any]) -> Dict[str, Any]:
  """The options a net is built with here: the problem's, without the
  initializer the converted weights replace."""
  return {key: value for key, value in net_config["net_options"].items()
          if key != "initializer"}


def _build(net: str, net_options: Dict[str, Any],
           initializer: Any = None) -> networks.Network:
  """Builds a net and calls it once on a zero gradient, creating its
  variables (the gradient is shaped `[1, 1, 1]`, or `kernel_shape + [1, 1]`
  for a `KernelDeepLSTM`)."""
  network = networks.factory(net, dict(net_options, initializer=initializer))
  gradient = tf.zeros(list(net_options.get("kernel_shape", [1])) + [1, 1])
  network(gradient, network.initial_state_for_inputs(gradient))
  return network


def _original_shapes(network: networks.Network
                    ) -> Dict[str, Tuple[int, ...]]:
  """`{"module/variable": shape}` of a built net in the original's layout:
  an LSTM's `w_i`, `w_h` and `b` become `w_gates` and `b_gates`."""
  shapes = {}
  for module, variables in networks.save(network).items():
    variables = {name: value.shape for name, value in variables.items()}
    if sorted(variables) == sorted(initializers.LSTM_SONNET2_FIELDS):
      w_i, w_h = variables["w_i"], variables["w_h"]
      variables = {"w_gates": (w_i[0] + w_h[0], w_i[1]),
                   "b_gates": variables["b"]}
    for variable, shape in variables.items():
      shapes[module + "/" + variable] = tuple(shape)
  return shapes


def _check_shapes(filename: str, original: Dict[str, Dict[str, np.ndarray]],
                  expected: Dict[str, Tuple[int, ...]], net_name: str):
  """Raises `errors.InputError` unless the file holds exactly `expected`."""
  found = {module + "/" + variable: value.shape
           for module, variables in original.items()
           for variable, value in variables.items()}
  differing = sorted(k for k in set(found) | set(expected)
                     if found.get(k) != expected.get(k))
  if differing:
    def listing(shapes):
      return ", ".join("{} {}".format(k, list(shapes[k]) if k in shapes
                                      else "absent") for k in differing)
    raise errors.InputError(
        "{} does not hold the weights of {}: found {}; expected {}.".format(
            filename, net_name, listing(found), listing(expected)))


def _choose_net(problem: str,
                net_key: Optional[str]) -> Tuple[str, Dict[str, Any]]:
  """Returns the key and config of the learned net of `problem` to convert.

  Raises:
    cli.UsageError: If `net_key` is not one of the problem's learned nets,
        or is `None` and the problem has several.
  """
  # The original's files hold nets of its code's settings.
  net_config, _ = util.get_net_config(problem, original_code=True)
  learned = [key for key, config in net_config.items()
             if networks.is_learned(config["net"])]
  if net_key is None and len(learned) == 1:
    net_key = learned[0]
  if net_key not in learned:
    raise cli.UsageError(
        "{} has {} learned nets: {}; choose one with --net.".format(
            problem, len(learned), ", ".join(learned))
        if net_key is None else
        "--net={} is not a learned net of {}; its learned nets: {}.".format(
            net_key, problem, ", ".join(learned)))
  return net_key, net_config[net_key]


def _check_flags():
  """Raises `cli.UsageError` for missing or bad flags."""
  if FLAGS.problem is None:
    raise cli.UsageError(
        "--problem is required: the original's files do not record the net's "
        "options, which the problem's configuration gives; problems: "
        "{}.".format(", ".join(util.PROBLEM_NAMES)))
  for flag in ("input", "output"):
    if FLAGS[flag].value is None:
      raise cli.UsageError("--{} is required.".format(flag))
  cli.check_problem_flag(FLAGS.problem)
  cli.check_parent_folder(FLAGS.output, "output")


def main(argv):
  del argv  # Unused.
  _check_flags()
  net_key, config = _choose_net(FLAGS.problem, FLAGS.net)
  net, options = config["net"], _net_options(config)
  untrained = _build(net, options)
  description = networks.describe(untrained)
  net_name = "the {} net of {} ({} {})".format(
      net_key, FLAGS.problem, description["net"],
      json.dumps(description["net_options"], sort_keys=True))
  original = _load_original(FLAGS.input)
  _check_shapes(FLAGS.input, original, _original_shapes(untrained), net_name)
  networks.save(_build(net, options, initializer=original), FLAGS.output)
  print("Wrote {}: {}.".format(FLAGS.output, net_name))


if __name__ == "__main__":
  cli.run_main(main)
