# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests convert.py on files in the original's format, written here.

The original saved `defaultdict(dict, {module: {variable: array}})` with
pickle or dill, from Python 2 or 3. The files here are written the same
ways: with Python 3's pickle at each protocol, with a Python 2 style pickler
(byte strings, `__builtin__`, `numpy.core`), and with stand-ins for dill's
`_load_type` of the `dict` factory and (dill 0.3.6 and newer) its
`_create_array` of every array. A converted net's updates are compared
with a NumPy implementation of the original's LSTM optimizer.
"""

import codecs
import collections
import concurrent.futures
import io
import os
import pickle
import struct
import sys
import types

import numpy as np
import pytest

import helpers
import l2l_files
import networks

# pytest passes fixtures as arguments of the same names.
# pylint: disable=redefined-outer-name

MNIST_OPTIONS = {"layers": (20, 20), "preprocess_name": "LogAndSign",
                 "preprocess_options": {"k": 5}, "scale": 0.01}
HIDDEN = 20


def original_weights():
  """Random weights of the original's mnist net (2x20 LSTM, LogAndSign's 2
  features per coordinate), in its Sonnet 1 layout."""
  r = np.random.RandomState(0)
  def draw(*shape):
    return (0.3 * r.randn(*shape)).astype(np.float32)
  return {"lstm_1": {"w_gates": draw(2 + HIDDEN, 4 * HIDDEN),
                     "b_gates": draw(4 * HIDDEN)},
          "lstm_2": {"w_gates": draw(2 * HIDDEN, 4 * HIDDEN),
                     "b_gates": draw(4 * HIDDEN)},
          "linear": {"w": draw(HIDDEN, 1), "b": draw(1)}}


# Writing the original's files.


class _Py2Pickler(pickle._Pickler):  # pylint: disable=protected-access
  """Pickles `bytes` as Python 2 pickled `str` (STRING, BINSTRING)."""

  dispatch = dict(pickle._Pickler.dispatch)  # pylint: disable=protected-access

  def _save_str(self, obj):
    if self.proto == 0:
      self.write(b"S'" + codecs.escape_encode(obj)[0] + b"'\n")
    elif len(obj) < 256:
      self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
    else:
      self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
    self.memoize(obj)

  dispatch[bytes] = _save_str


def py2_dumps(obj, protocol):
  """Pickles as Python 2 with NumPy 1 did: `bytes` as `str`, `__builtin__`
  and `numpy.core` globals."""
  buffer = io.BytesIO()
  _Py2Pickler(buffer, protocol).dump(obj)
  return buffer.getvalue().replace(b"cnumpy._core.multiarray\n",
                                   b"cnumpy.core.multiarray\n")


def py2_keys(weights):
  """`weights` with the `str` keys of Python 2 (`bytes` here)."""
  return {module.encode(): {variable.encode(): value
                            for variable, value in variables.items()}
          for module, variables in weights.items()}


class Call:
  """Pickles as the call `function(*args)`."""

  def __init__(self, function, *args):
    self.function, self.args = function, args

  def __reduce__(self):
    return self.function, self.args


class DefaultDict:
  """Pickles as `defaultdict(factory)` holding `items`, as dill did."""

  def __init__(self, factory, items):
    self.factory, self.items = factory, items

  def __reduce__(self):
    return (collections.defaultdict, (self.factory,), None, None,
            iter(self.items.items()))


def _fake_dill_load_type(module_name):
  """A stand-in for dill's `_load_type`, importable as `module_name`."""
  def _load_type(name):
    return {"dict": dict, "DictType": dict}[name]
  _load_type.__module__ = module_name
  _load_type.__qualname__ = "_load_type"
  return _load_type


def _fake_dill_create_array(function, args, state, npdict=None):
  """A stand-in for `dill._dill._create_array` (dill 0.3.6 and newer)."""
  array = function(*args)
  array.__setstate__(state)
  if npdict is not None:
    array.__dict__.update(npdict)
  return array


_fake_dill_create_array.__module__ = "dill._dill"
_fake_dill_create_array.__qualname__ = "_create_array"


class DillArray:
  """Pickles an array as dill 0.3.6 and newer do: `_create_array(f, args,
  state, npdict)` of the array's own `__reduce__`, or of `function`."""

  def __init__(self, array, function=None):
    self.array, self.function = array, function

  def __reduce__(self):
    function, args, state = self.array.__reduce__()
    return _fake_dill_create_array, (self.function or function, args, state,
                                     None)


def dill_arrays(weights, function=None):
  """`weights` with every array pickled as by dill 0.3.6 and newer."""
  return {module: {variable: DillArray(value, function)
                   for variable, value in variables.items()}
          for module, variables in weights.items()}


@pytest.fixture(scope="module")
def fake_dill():
  """Installs stand-ins of `dill._dill` and `dill.dill` for pickling."""
  saved = {name: sys.modules.get(name)
           for name in ("dill", "dill._dill", "dill.dill")}
  functions = {}
  sys.modules["dill"] = types.ModuleType("dill")
  for name in ("dill._dill", "dill.dill"):
    functions[name] = _fake_dill_load_type(name)
    sys.modules[name] = types.ModuleType(name)
    sys.modules[name]._load_type = functions[name]
  sys.modules["dill._dill"]._create_array = _fake_dill_create_array
  yield functions
  for name, module in saved.items():
    if module is None:
      sys.modules.pop(name)
    else:
      sys.modules[name] = module


def original_files(fake_dill):
  """`{name: pickle bytes}` of `original_weights()` in each format."""
  weights = original_weights()
  saved = collections.defaultdict(dict, weights)
  files = {"py3_protocol_{}".format(p): pickle.dumps(saved, protocol=p)
           for p in (0, 2, 3, 4, 5)}
  files.update({"py2_protocol_{}".format(p): py2_dumps(
      collections.defaultdict(dict, py2_keys(weights)), p) for p in (0, 2)})
  files["dill_protocol_4"] = pickle.dumps(DefaultDict(
      Call(fake_dill["dill._dill"], "dict"), weights), protocol=4)
  # Dill 0.3.6 and newer: every array through `_create_array`.
  files["dill_0_3_6"] = pickle.dumps(DefaultDict(
      Call(fake_dill["dill._dill"], "dict"), dill_arrays(weights)), protocol=4)
  # Old dill, Python 2: `dill.dill._load_type("DictType")`.
  files["old_dill_py2"] = py2_dumps(DefaultDict(
      Call(fake_dill["dill.dill"], "DictType"), py2_keys(weights)), 2)
  return files


# The original's optimizer, in NumPy.


def _sigmoid(x):
  return 1 / (1 + np.exp(-x))


def reference_updates(weights, gradients, k=5.0, scale=0.01):
  """Updates of the original's 2x20 coordinatewise LSTM (Sonnet 1 layout,
  gates i, j, f, o, forget bias 1; LogAndSign preprocessing) for a sequence
  of gradients `[steps, n]`, starting from the zero state."""
  n = gradients.shape[1]
  state = [(np.zeros((n, HIDDEN)), np.zeros((n, HIDDEN))) for _ in range(2)]
  updates = []
  for g in gradients.astype(np.float64):
    g = g[:, None]
    eps = np.finfo(np.float32).eps
    x = np.concatenate([np.maximum(np.log(np.abs(g) + eps) / k, -1),
                        np.clip(g * np.exp(k), -1, 1)], axis=1)
    for layer in range(2):
      lstm = weights["lstm_{}".format(layer + 1)]
      h, c = state[layer]
      gates = np.concatenate([x, h], axis=1) @ lstm["w_gates"] + lstm[
          "b_gates"]
      i, j, f, o = np.split(gates, 4, axis=1)
      c = _sigmoid(f + 1) * c + _sigmoid(i) * np.tanh(j)
      h = _sigmoid(o) * np.tanh(c)
      state[layer] = (h, c)
      x = h
    updates.append(((x @ weights["linear"]["w"] + weights["linear"]["b"]) *
                    scale)[:, 0])
  return np.array(updates)


def converted_updates(filename, gradients):
  """Updates of the net of a `.l2l` file for the gradients `[steps, n]`."""
  return helpers.unroll(networks.from_file(filename), gradients)


def sonnet2_weights(weights):
  """What the port saves for the original's `weights` of the mnist net."""
  net = networks.factory("CoordinateWiseDeepLSTM",
                         dict(MNIST_OPTIONS, initializer=weights))
  gradient = np.zeros([1], np.float32)
  net(gradient, net.initial_state_for_inputs(gradient))
  return networks.save(net)


def test_reference_matches_the_untrained_port():
  """The NumPy reference computes the port's net from the same weights."""
  weights = original_weights()
  net = networks.factory("CoordinateWiseDeepLSTM",
                         dict(MNIST_OPTIONS, initializer=weights))
  gradients = np.random.RandomState(1).randn(3, 7).astype(np.float32)
  state = net.initial_state_for_inputs(gradients[0])
  for step, g in enumerate(gradients):
    update, state = net(g, state)
    np.testing.assert_allclose(
        update.numpy(), reference_updates(weights, gradients)[step],
        rtol=1e-4, atol=1e-6)


# convert.py's runs. Each subprocess spends seconds importing TensorFlow, so
# that most cases run in one subprocess (`helpers.main_errors`), which calls
# `convert.main` as `cli.run_main` does, and records each error's message;
# a few cases run as the script itself, to check the exit status and the
# one line on stderr. All of them start at once, in the `runs` fixture.
# `{dir}` in an argument is the folder of the inputs and outputs; a case
# without `--output` writes `{dir}/<case>.new.l2l`.

# Errors: `{case: (arguments, the message or a part of it)}`.
ERROR_CASES = {
    "missing_input": (["--input={dir}/absent.l2l", "--problem=mnist"],
                      "Cannot read --input {dir}/absent.l2l: No such file "
                      "or directory."),
    "npz": (["--input={dir}/npz.l2l", "--problem=mnist"],
            "npz.l2l is not an optimizer file of the original code (a "
            "pickle) (it is a zip archive, perhaps already a .l2l file): "),
    "random_bytes": (["--input={dir}/random.l2l", "--problem=mnist"],
                     "random.l2l is not an optimizer file of the original "
                     "code (a pickle): "),
    "truncated": (["--input={dir}/truncated.l2l", "--problem=mnist"],
                  "truncated.l2l is not an optimizer file of the original "
                  "code (a pickle): "),
    "not_a_dict": (["--input={dir}/list.l2l", "--problem=mnist"],
                   "list.l2l does not hold what the original saved, "
                   "{module: {variable: floating point array}}: found a "
                   "list."),
    "int_arrays": (["--input={dir}/int_arrays.l2l", "--problem=mnist"],
                   "found linear/w: int32."),
    "extra_module": (["--input={dir}/extra_module.l2l", "--problem=mnist"],
                     "found lstm_3/b_gates [80], lstm_3/w_gates [40, 80]; "
                     "expected lstm_3/b_gates absent, lstm_3/w_gates "
                     "absent."),
    "other_preprocessing": (
        ["--input={dir}/py3_protocol_2", "--problem=quadratic"],
        "py3_protocol_2 does not hold the weights of the cw net of quadratic "
        "(CoordinateWiseDeepLSTM {\"layers\": [20, 20], \"preprocess_name\": "
        "\"identity\", \"preprocess_options\": {}, \"scale\": 1.0}): found "
        "lstm_1/w_gates [22, 80]; expected lstm_1/w_gates [21, 80]."),
    "dill_function_type": (
        ["--input={dir}/dill_function_type.l2l", "--problem=mnist"],
        "dill_function_type.l2l refers to dill's type 'FunctionType', which "
        "an optimizer file never holds; it was not loaded (unpickling can run "
        "code)."),
    "dill_create_array_of_other": (
        ["--input={dir}/dill_other_array.l2l", "--problem=mnist"],
        "dill_other_array.l2l refers to dill's _create_array of <class "
        "'collections.defaultdict'>, which an optimizer file never holds"),
    "code": (["--input={dir}/code.l2l", "--problem=mnist",
              "--output={dir}/kept.l2l"],
             "code.l2l refers to posix.system, which an optimizer file never "
             "holds; it was not loaded (unpickling can run code)."),
    "no_problem": (["--input={dir}/py3_protocol_2"],
                   "--problem is required: the original's files do not "
                   "record the net's options, which the problem's "
                   "configuration gives; problems: simple, simple-multi, "
                   "quadratic, mnist,"),
    "unknown_problem": (["--input={dir}/py3_protocol_2", "--problem=mnsit"],
                        "--problem=mnsit is not a valid problem"),
    "no_net": (["--input={dir}/py3_protocol_2", "--problem=cifar-multi"],
               "cifar-multi has 2 learned nets: conv, fc; choose one with "
               "--net."),
    "unlearned_net": (["--input={dir}/py3_protocol_2",
                       "--problem=simple-multi", "--net=adam"],
                      "--net=adam is not a learned net of simple-multi; its "
                      "learned nets: cw."),
    "no_output_folder": (["--input={dir}/py3_protocol_2", "--problem=mnist",
                          "--output={dir}/absent/new.l2l"],
                         "Cannot create --output={dir}/absent/new.l2l: its "
                         "parent folder does not exist."),
}
# Errors that convert.py also meets as a script.
SCRIPT_ERROR_CASES = ("code", "no_problem", "truncated")
# Conversions: `{case: arguments}`.
SUCCESS_CASES = dict(
    {fmt: ["--input={dir}/" + fmt, "--problem=mnist"]
     for fmt in ("py3_protocol_0", "py3_protocol_2", "py3_protocol_3",
                 "py3_protocol_4", "py3_protocol_5", "py2_protocol_0",
                 "py2_protocol_2", "dill_protocol_4", "dill_0_3_6",
                 "old_dill_py2")},
    cifar_multi_fc=["--input={dir}/py3_protocol_4", "--problem=cifar-multi",
                    "--net=fc", "--output={dir}/existing.l2l"])
# Conversions that convert.py also makes as a script.
SCRIPT_SUCCESS_CASES = ("old_dill_py2",)
EXISTING = b"an existing output"


def _input_files(fake_dill, folder):
  """`{name: contents}` of every case's input, and existing outputs."""
  weights = original_weights()
  npz = io.BytesIO()
  np.savez(npz, **{"linear/w": np.zeros((20, 1))})
  files = original_files(fake_dill)
  files.update({
      "npz.l2l": npz.getvalue(),
      "random.l2l": np.random.RandomState(0).bytes(1000),
      "truncated.l2l": files["py3_protocol_2"][:1000],
      "list.l2l": pickle.dumps([1.0, 2.0], protocol=2),
      "int_arrays.l2l": pickle.dumps(
          {"linear": {"w": np.zeros((20, 1), np.int32)}}, protocol=4),
      "extra_module.l2l": pickle.dumps(dict(
          weights, lstm_3={"w_gates": np.zeros((40, 80), np.float32),
                           "b_gates": np.zeros(80, np.float32)}), protocol=4),
      "dill_function_type.l2l": pickle.dumps(DefaultDict(
          Call(fake_dill["dill._dill"], "FunctionType"), {}), protocol=4),
      # Dill's array reconstruction of something else than an array.
      "dill_other_array.l2l": pickle.dumps(DefaultDict(
          Call(fake_dill["dill._dill"], "dict"),
          dill_arrays(weights, function=collections.defaultdict)),
                                           protocol=4),
      "code.l2l": pickle.dumps(collections.defaultdict(dict, {"linear": {
          "w": Call(os.system, "touch {}/MARKER".format(folder))}}),
                               protocol=2),
      "kept.l2l": EXISTING,
      "existing.l2l": EXISTING,
  })
  return files


def _arguments(case, arguments, folder):
  arguments = [a.replace("{dir}", str(folder)) for a in arguments]
  if not any(a.startswith("--output=") for a in arguments):
    arguments.append("--output={}/{}.new.l2l".format(folder, case))
  return arguments


@pytest.fixture(scope="module")
def runs(tmp_path_factory, fake_dill):
  """Runs every case, at once.

  Returns:
    `(folder, messages, results)`: the folder of the inputs and outputs,
    `{case: error message or None}` of every case (`helpers.main_errors`),
    and
    `{case: subprocess result}` of the cases run as the script.
  """
  folder = tmp_path_factory.mktemp("convert")
  for name, contents in _input_files(fake_dill, folder).items():
    (folder / name).write_bytes(contents)
  cases = {case: _arguments(case, arguments, folder)
           for case, (arguments, _) in ERROR_CASES.items()}
  cases.update({case: _arguments(case, arguments, folder)
                for case, arguments in SUCCESS_CASES.items()})
  messages_file = str(folder / "messages.json")
  # The scripts write beside the harness: their own outputs.
  script_cases = {case: [a.replace(".new.l2l", ".script.l2l")
                         for a in cases[case]]
                  for case in SCRIPT_ERROR_CASES + SCRIPT_SUCCESS_CASES}
  with concurrent.futures.ThreadPoolExecutor(1 + len(script_cases)) as pool:
    harness = pool.submit(helpers.main_errors, "convert.py", cases,
                          messages_file)
    results = list(pool.map(lambda a: helpers.run("convert.py", *a),
                            script_cases.values()))
  messages = harness.result()
  return folder, messages, dict(zip(script_cases, results))


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_error(runs, case):
  folder, messages, _ = runs
  expected = ERROR_CASES[case][1].replace("{dir}", str(folder))
  helpers.assert_one_line_message(messages[case], expected)
  assert not os.path.exists("{}/{}.new.l2l".format(folder, case))
  assert not [f for f in os.listdir(folder) if f.endswith(".tmp")]


@pytest.mark.parametrize("case", SCRIPT_ERROR_CASES)
def test_script_error(runs, case):
  folder, messages, results = runs
  helpers.assert_one_line_error(results[case], "convert.py",
                                     messages[case])
  assert results[case].returncode == 1
  assert not os.path.exists("{}/{}.script.l2l".format(folder, case))


def test_code_is_never_run(runs):
  folder, _, _ = runs
  assert not os.path.exists(folder / "MARKER")
  # The existing output of the refused file is left as it was.
  assert (folder / "kept.l2l").read_bytes() == EXISTING


@pytest.mark.parametrize("case", sorted(SUCCESS_CASES))
def test_converts(runs, case):
  folder, messages, _ = runs
  assert messages[case] is None
  output = [a for a in _arguments(case, SUCCESS_CASES[case], folder)
            if a.startswith("--output=")][0][len("--output="):]
  converted = networks.load(output)
  expected = sonnet2_weights(original_weights())
  assert sorted(converted) == sorted(expected)
  for module, variables in expected.items():
    assert sorted(converted[module]) == sorted(variables)
    for variable, value in variables.items():
      np.testing.assert_array_equal(converted[module][variable], value)


def test_script_converts_to_the_original_optimizer(runs):
  folder, _, results = runs
  result = results["old_dill_py2"]
  assert result.returncode == 0, result.stderr
  output = "{}/old_dill_py2.script.l2l".format(folder)
  assert result.stdout == (
      "Wrote {}: the cw net of mnist (CoordinateWiseDeepLSTM {{\"layers\": "
      "[20, 20], \"preprocess_name\": \"LogAndSign\", \"preprocess_options\": "
      "{{\"k\": 5}}, \"scale\": 0.01}}).\n".format(output))
  assert l2l_files.read_contents(output).network == {
      "net": "CoordinateWiseDeepLSTM",
      "net_options": {"layers": [20, 20], "preprocess_name": "LogAndSign",
                      "preprocess_options": {"k": 5}, "scale": 0.01}}
  r = np.random.RandomState(2)
  # Gradients over many magnitudes, so that both LogAndSign features vary.
  gradients = (r.randn(4, 50) * 10.0 ** r.uniform(-8, 1, (4, 50))).astype(
      np.float32)
  np.testing.assert_allclose(converted_updates(output, gradients),
                             reference_updates(original_weights(), gradients),
                             rtol=1e-4, atol=1e-7)
