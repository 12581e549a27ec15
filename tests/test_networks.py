# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of networks.py: every net class, initializers and .l2l files
(networks.py with initializers.py and l2l_files.py behind it)."""

import io
import json
import pickle

import numpy as np
import pytest
import sonnet as snt
import tensorflow as tf

import errors
import helpers
import l2l_files
import networks

KERNEL_SHAPE = [5, 5]
# (constructor, gradient shape, number of trainable variables for one LSTM
# layer: snt.LSTM has w_i, w_h and b, the linear layer w and b).
NETS = {
    "CoordinateWiseDeepLSTM": (
        lambda **kw: networks.CoordinateWiseDeepLSTM(layers=(1,), **kw),
        [10, 5], 5),
    "KernelDeepLSTM": (
        lambda **kw: networks.KernelDeepLSTM(layers=(1,),
                                             kernel_shape=KERNEL_SHAPE, **kw),
        KERNEL_SHAPE + [2, 2], 5),
    # The input layer's w and b, one LSTM's three, the output layer's two.
    "RNNprop": (lambda **kw: networks.RNNprop(layers=(1,), **kw), [10, 5],
                7),
    "Sgd": (lambda **kw: networks.Sgd(**kw), [10, 5], 0),
    "Adam": (lambda **kw: networks.Adam(**kw), [10, 5], 0),
    "RMSprop": (lambda **kw: networks.RMSprop(**kw), [10, 5], 0),
    "Nag": (lambda **kw: networks.Nag(**kw), [10, 5], 0),
}
RUN_MODES = {"eager": lambda f: f, "tf_function": tf.function}


def check_network(net, shape, run):
  """Checks the Network interface: shapes of update and state, twice."""
  gradients = tf.random.normal(shape)
  state = net.initial_state_for_inputs(gradients)
  call = run(net)
  update, next_state = call(gradients, state)
  assert update.shape.as_list() == shape
  assert update.dtype == gradients.dtype
  tf.nest.assert_same_structure(state, next_state)
  for s, s_next in zip(tf.nest.flatten(state), tf.nest.flatten(next_state)):
    assert s.shape == s_next.shape
  update, _ = call(gradients, next_state)
  assert update.shape.as_list() == shape
  return update


@pytest.mark.parametrize("name", sorted(NETS))
@pytest.mark.parametrize("mode", sorted(RUN_MODES))
def test_network_interface(name, mode):
  make, shape, _ = NETS[name]
  check_network(make(), shape, RUN_MODES[mode])


@pytest.mark.parametrize("name", sorted(NETS))
def test_trainable_variables(name):
  make, shape, num_variables = NETS[name]
  net = make()
  check_network(net, shape, RUN_MODES["eager"])
  assert len(net.trainable_variables) == num_variables


def test_coordinatewise_shape_with_two_layers():
  check_network(networks.CoordinateWiseDeepLSTM(layers=(1, 1)), [10, 5],
                RUN_MODES["eager"])


def test_linear_only_network():
  """layers=() is just the (zero-initialized) linear layer."""
  net = networks.CoordinateWiseDeepLSTM(layers=(), initializer="zeros")
  update = check_network(net, [3], RUN_MODES["eager"])
  np.testing.assert_array_equal(update.numpy(), np.zeros([3]))
  assert sorted(v.name for v in net.trainable_variables) == [
      "cw_deep_lstm/linear/b:0", "cw_deep_lstm/linear/w:0"]


ZERO_OUTPUT_INITIALIZERS = [
    "zeros",
    {"w": "zeros", "b": "zeros", "bad": "bad"},
    {"w": tf.zeros_initializer(), "b": np.array([0])},
    {"linear": {"w": tf.zeros_initializer(), "b": "zeros"}},
    {"linear": {"w": snt.initializers.Zeros(), "b": np.zeros([1])},
     "lstm_1": "ones"},
]


@pytest.mark.parametrize("initializer", ZERO_OUTPUT_INITIALIZERS)
def test_coordinatewise_zero_updates(initializer):
  """Zero updates when the last layer is initialized to zero."""
  net = networks.CoordinateWiseDeepLSTM(layers=(1, 1), initializer=initializer)
  update = check_network(net, [10], RUN_MODES["eager"])
  np.testing.assert_array_equal(update.numpy(), np.zeros([10]))


@pytest.mark.parametrize("initializer", ZERO_OUTPUT_INITIALIZERS[:4])
def test_kernel_zero_updates(initializer):
  kernel_initializer = initializer
  if isinstance(initializer, dict) and "b" in initializer:
    # The kernel net's linear layer has 25 outputs.
    kernel_initializer = dict(initializer, b=np.zeros([25]))
  net = networks.KernelDeepLSTM(layers=(1, 1), kernel_shape=KERNEL_SHAPE,
                                initializer=kernel_initializer)
  update = check_network(net, KERNEL_SHAPE + [2, 2], RUN_MODES["eager"])
  np.testing.assert_array_equal(update.numpy(), np.zeros(KERNEL_SHAPE + [2, 2]))


def test_kernel_update_maps_each_filter_back_to_its_place():
  """With identity LSTM-free weights the kernel net returns its inputs."""
  num_elements = int(np.prod(KERNEL_SHAPE))
  net = networks.KernelDeepLSTM(
      layers=(), kernel_shape=KERNEL_SHAPE,
      initializer={"linear": {"w": np.eye(num_elements, dtype=np.float32),
                              "b": "zeros"}})
  gradients = tf.random.normal(KERNEL_SHAPE + [3, 2])
  update, _ = net(gradients, net.initial_state_for_inputs(gradients))
  np.testing.assert_allclose(update.numpy(), gradients.numpy(), rtol=1e-6)


def test_kernel_rejects_other_shapes():
  net = networks.KernelDeepLSTM(layers=(1,), kernel_shape=KERNEL_SHAPE)
  with pytest.raises(ValueError, match=r"needs inputs shaped \[5, 5\]"):
    net.initial_state_for_inputs(tf.zeros([3, 3, 2, 2]))


def _sonnet1_lstm_step(inputs, hidden, cell, w_gates, b_gates, forget_bias):
  """NumPy reference of the original's Sonnet 1 LSTM (gates i, j, f, o)."""
  sigmoid = lambda z: 1 / (1 + np.exp(-z))
  gates = np.concatenate([inputs, hidden], axis=1) @ w_gates + b_gates
  i, j, f, o = np.split(gates, 4, axis=1)
  next_cell = sigmoid(f + forget_bias) * cell + sigmoid(i) * np.tanh(j)
  return np.tanh(next_cell) * sigmoid(o), next_cell


def test_lstm_computes_the_original_sonnet1_lstm():
  """Sonnet 1 gate matrix and bias, converted to snt.LSTM, same outputs."""
  hidden_size, input_size, batch = 3, 2, 4
  w_gates = np.random.randn(input_size + hidden_size,
                            4 * hidden_size).astype(np.float32)
  b_gates = np.random.randn(4 * hidden_size).astype(np.float32)
  net = networks.StandardDeepLSTM(
      1, layers=(hidden_size,),
      initializer={"lstm_1": {"w_gates": w_gates, "b_gates": b_gates},
                   "linear": {"w": "ones", "b": "zeros"}})
  inputs = np.random.randn(batch, input_size).astype(np.float32)
  hidden = np.random.randn(batch, hidden_size).astype(np.float32)
  cell = np.random.randn(batch, hidden_size).astype(np.float32)
  output, (next_state,) = net(
      tf.constant(inputs), (snt.LSTMState(tf.constant(hidden),
                                          tf.constant(cell)),))
  expected_hidden, expected_cell = _sonnet1_lstm_step(
      inputs, hidden, cell, w_gates, b_gates, forget_bias=1.0)
  np.testing.assert_allclose(next_state.hidden.numpy(), expected_hidden,
                             atol=1e-6)
  np.testing.assert_allclose(next_state.cell.numpy(), expected_cell, atol=1e-6)
  np.testing.assert_allclose(output.numpy()[:, 0], expected_hidden.sum(1),
                             atol=1e-5)


def test_default_initialization_is_sonnet1():
  """Gate weights and biases ~ TruncatedNormal(1/sqrt(in + hidden)), forget
  bias 1 in b, linear biases zero (as Sonnet 1 initialized the original)."""
  hidden_size = 200
  net = networks.CoordinateWiseDeepLSTM(layers=(hidden_size,),
                                        preprocess_name="LogAndSign",
                                        preprocess_options={"k": 5})
  check_network(net, [3], RUN_MODES["eager"])
  lstm = {v.name.split("/")[-1].split(":")[0]: v.numpy()
          for v in net.variables if "lstm_1" in v.name}
  # A normal truncated at 2 stddev has 0.8796 times the stddev.
  expected_std = 0.8796 / np.sqrt(2 + hidden_size)
  weights = np.concatenate([lstm["w_i"], lstm["w_h"]])
  assert np.std(weights) == pytest.approx(expected_std, rel=0.02)
  i, f, g, o = np.split(lstm["b"], 4)
  assert np.std(np.concatenate([i, g, o])) == pytest.approx(expected_std,
                                                            rel=0.1)
  assert np.mean(f) == pytest.approx(1.0, abs=0.02)
  linear_b = [v for v in net.variables if "linear/b" in v.name][0]
  np.testing.assert_array_equal(linear_b.numpy(), 0)


@pytest.mark.parametrize("initializer, message", [
    ("no_such_initializer", "Unknown initializer 'no_such_initializer'"),
    ({"lstm_1": {"w_gates": "zeros", "w_i": "zeros", "w_h": "zeros"}},
     "either with the original's names"),
    ({"lstm_1": {"w_i": "zeros"}}, "w_i and w_h must be initialized together"),
])
def test_bad_initializers(initializer, message):
  with pytest.raises(ValueError, match=message) as raised:
    networks.CoordinateWiseDeepLSTM(layers=(2,), initializer=initializer)
  # A programming error, not a user's file: no errors.Error.
  assert not isinstance(raised.value, errors.Error)


def test_initializer_array_of_wrong_shape():
  net = networks.CoordinateWiseDeepLSTM(
      layers=(), initializer={"w": np.zeros([3, 1]), "b": "zeros"})
  with pytest.raises(ValueError,
                     match=r"shape \(3, 1\).*shape \(1, 1\)") as raised:
    net(tf.zeros([2]), ())
  assert not isinstance(raised.value, errors.Error)


def test_factory_unknown_network():
  with pytest.raises(ValueError, match="Unknown network 'Lstm'; valid names"):
    networks.factory("Lstm")


def test_factory_unknown_preprocessing():
  with pytest.raises(ValueError, match="Unknown preprocess_name 'Nope'"):
    networks.factory("CoordinateWiseDeepLSTM",
                     {"layers": (1,), "preprocess_name": "Nope"})


def _random_network(layers=(2, 3)):
  """A net with random weights everywhere, biases included."""
  net = networks.CoordinateWiseDeepLSTM(
      layers=layers, preprocess_name="LogAndSign",
      preprocess_options={"k": 5}, initializer="random_normal")
  check_network(net, [7], RUN_MODES["eager"])
  return net


def test_save_and_load_round_trip(tmp_path):
  """Same weights and same updates after save and load (random weights, so
  that a forget bias added twice on reload would show)."""
  net = _random_network()
  filename = str(tmp_path / "cw.l2l")
  saved = networks.save(net, filename)
  assert sorted(saved) == ["linear", "lstm_1", "lstm_2"]
  assert sorted(saved["lstm_1"]) == ["b", "w_h", "w_i"]

  loaded = networks.factory(
      "CoordinateWiseDeepLSTM",
      {"layers": (2, 3), "preprocess_name": "LogAndSign",
       "preprocess_options": {"k": 5}},
      net_path=filename)
  gradients = [tf.random.normal([7]) for _ in range(4)]
  np.testing.assert_array_equal(helpers.unroll(loaded, gradients),
                                helpers.unroll(net, gradients))
  reloaded = networks.save(loaded)
  for module, variables in saved.items():
    for name, value in variables.items():
      np.testing.assert_array_equal(reloaded[module][name], value)


def test_saved_file_is_an_npz_archive_without_pickle(tmp_path):
  filename = str(tmp_path / "cw.l2l")
  networks.save(_random_network(), filename)
  assert not (tmp_path / "cw.l2l.npz").exists()
  with np.load(filename, allow_pickle=False) as archive:
    assert sorted(archive.files) == [
        "linear/b", "linear/w", "lstm_1/b", "lstm_1/w_h", "lstm_1/w_i",
        "lstm_2/b", "lstm_2/w_h", "lstm_2/w_i", "network"]
    weights = [k for k in archive.files if k != "network"]
    assert all(archive[k].dtype == np.float32 for k in weights)
    assert json.loads(str(archive["network"])) == {
        "net": "CoordinateWiseDeepLSTM",
        "net_options": {"layers": [2, 3], "preprocess_name": "LogAndSign",
                        "preprocess_options": {"k": 5}, "scale": 1.0}}
  assert [p.name for p in tmp_path.iterdir()] == ["cw.l2l"]


@pytest.mark.parametrize("net,net_options", [
    ("CoordinateWiseDeepLSTM", {"layers": (3,), "scale": 0.1,
                                "preprocess_name": "Clamp",
                                "preprocess_options": {"min_value": -1.0,
                                                       "max_value": 1.0}}),
    ("StandardDeepLSTM", {"output_size": 4, "layers": (2,)}),
    ("KernelDeepLSTM", {"kernel_shape": (2, 3), "layers": (2,)}),
    ("RNNprop", {"layers": (2,), "input_size": 3, "beta1": 0.9,
                 "beta2": 0.99, "epsilon": 1e-6, "momentum_decays": (0.5,),
                 "scale": 0.2}),
    ("Sgd", {"learning_rate": 0.5}),
    ("Adam", {"learning_rate": 0.2, "beta1": 0.8, "beta2": 0.9,
              "epsilon": 1e-6}),
    ("RMSprop", {"learning_rate": 0.2, "decay": 0.8, "epsilon": 1e-6}),
    ("Nag", {"learning_rate": 0.2, "momentum": 0.5}),
])
def test_every_network_describes_itself(net, net_options):
  network = networks.factory(net, dict(net_options, initializer="zeros")
                             if networks.is_learned(net) else net_options)
  description = networks.describe(network)
  assert description["net"] == net
  for key, value in net_options.items():
    assert description["net_options"][key] == value
  rebuilt = networks.factory(**description)
  assert networks.describe(rebuilt) == description
  json.dumps(description)  # Serializable.


def _saved_one_layer_network(tmp_path):
  """Saves a 1x4 LSTM net (LogAndSign k=3, scale 0.5) with random weights.

  Returns:
    `(net, filename, gradients, updates)`: its updates for the gradients.
  """
  net = networks.CoordinateWiseDeepLSTM(layers=(4,), scale=0.5,
                                        preprocess_name="LogAndSign",
                                        preprocess_options={"k": 3},
                                        initializer="random_normal")
  gradients = [tf.random.normal([5]) for _ in range(3)]
  updates = helpers.unroll(net, gradients)
  filename = str(tmp_path / "cw.l2l")
  networks.save(net, filename)
  return net, filename, gradients, updates


def test_from_file_rebuilds_the_described_network(tmp_path):
  net, filename, gradients, expected = _saved_one_layer_network(tmp_path)
  loaded = networks.from_file(filename)
  assert networks.describe(loaded) == networks.describe(net)
  np.testing.assert_array_equal(helpers.unroll(loaded, gradients), expected)


def test_stored_options_replace_requested_ones_with_a_warning(tmp_path,
                                                              caplog):
  _, filename, gradients, expected = _saved_one_layer_network(tmp_path)
  loaded = networks.factory("CoordinateWiseDeepLSTM",
                            {"layers": (20, 20), "scale": 0.5,
                             "initializer": "zeros"},
                            net_path=filename)
  logs = caplog.messages
  np.testing.assert_array_equal(helpers.unroll(loaded, gradients), expected)
  warnings = [line for line in logs if filename in line]
  assert len(warnings) == 3, logs  # layers, preprocess_name and _options.
  assert any("layers=[4]" in w and "(20, 20)" in w for w in warnings)
  assert any("preprocess_name='LogAndSign'" in w and "'identity'" in w
             for w in warnings)
  assert not any("scale" in w for w in warnings)  # Same value.


def test_stored_class_replaces_the_requested_one(tmp_path, caplog):
  filename = str(tmp_path / "adam.l2l")
  networks.save(networks.Adam(learning_rate=0.3), filename)
  loaded = networks.factory("CoordinateWiseDeepLSTM", {"layers": (2,)},
                            net_path=filename)
  logs = caplog.messages
  assert isinstance(loaded, networks.Adam)
  assert loaded.net_options["learning_rate"] == 0.3
  assert any("class Adam, which replaces the requested "
             "CoordinateWiseDeepLSTM" in line for line in logs)


def test_files_without_description_still_load(tmp_path):
  net = _random_network()
  filename = str(tmp_path / "cw.l2l")
  _save_without_description(net, filename)
  assert l2l_files.read_contents(filename).network is None
  loaded = networks.factory(
      "CoordinateWiseDeepLSTM",
      {"layers": (2, 3), "preprocess_name": "LogAndSign",
       "preprocess_options": {"k": 5}}, net_path=filename)
  gradients = [tf.random.normal([7]) for _ in range(4)]
  np.testing.assert_array_equal(helpers.unroll(loaded, gradients),
                                helpers.unroll(net, gradients))
  with pytest.raises(errors.InputError, match="does not say which network"):
    networks.from_file(filename)


@pytest.mark.parametrize("entry,message", [
    (np.array("{not json"), "is not JSON"),
    (np.array('{"net": "CoordinateWiseDeepLSTM"}'), "not a network "
     "description"),
    (np.array('{"net": "Transformer", "net_options": {}}'),
     "unknown network 'Transformer'"),
    (np.array('{"net": "Sgd", "net_options": {"momentum": 1}}'),
     "stored options do not build a Sgd"),
    (np.array([1.0, 2.0]), "is not JSON text"),
])
def test_bad_description_is_an_input_error(tmp_path, entry, message):
  filename = str(tmp_path / "bad.l2l")
  with open(filename, "wb") as f:
    np.savez(f, network=entry)
  with pytest.raises(errors.InputError, match=message):
    networks.factory("Sgd", net_path=filename)


def test_set_weights_assigns_saved_weights():
  source = _random_network()
  target = networks.CoordinateWiseDeepLSTM(
      layers=(2, 3), preprocess_name="LogAndSign",
      preprocess_options={"k": 5}, initializer="zeros")
  check_network(target, [7], RUN_MODES["eager"])
  networks.set_weights(target, networks.save(source))
  gradients = [tf.random.normal([7]) for _ in range(4)]
  np.testing.assert_array_equal(helpers.unroll(target, gradients),
                                helpers.unroll(source, gradients))
  wrong = networks.save(source)
  wrong["linear"]["w"] = np.zeros([4, 1], np.float32)
  with pytest.raises(ValueError, match="linear/w has shape"):
    networks.set_weights(target, wrong)
  del wrong["linear"]
  with pytest.raises(ValueError, match="does not match"):
    networks.set_weights(target, wrong)


def test_load_missing_file(tmp_path):
  with pytest.raises(IOError, match="Cannot read optimizer file"):
    networks.factory("CoordinateWiseDeepLSTM", {"layers": (1,)},
                     net_path=str(tmp_path / "missing.l2l"))


def test_load_missing_file_is_a_missing_file_error(tmp_path):
  with pytest.raises(errors.MissingFileError,
                     match="Cannot read optimizer file") as raised:
    networks.load(str(tmp_path / "missing.l2l"))
  assert isinstance(raised.value, IOError)


@pytest.mark.parametrize("contents", [b"not an archive", b"PK\x03\x04trunc"])
def test_load_corrupt_file(tmp_path, contents):
  filename = tmp_path / "bad.l2l"
  filename.write_bytes(contents)
  with pytest.raises(ValueError, match="is not a valid .l2l file"):
    networks.load(str(filename))


def test_load_truncated_file(tmp_path):
  filename = tmp_path / "cw.l2l"
  networks.save(_random_network(), str(filename))
  filename.write_bytes(filename.read_bytes()[:100])
  with pytest.raises(ValueError, match="is not a valid .l2l file"):
    networks.load(str(filename))


@pytest.mark.parametrize("contents", [
    b"not an archive", b"PK\x03\x04trunc", b"", pickle.dumps([1.0])])
def test_load_bad_file_is_an_input_error(tmp_path, contents):
  """Garbage, truncated archives and pickles: errors.InputError, a
  ValueError, that the scripts report in one line."""
  filename = tmp_path / "bad.l2l"
  filename.write_bytes(contents)
  with pytest.raises(errors.InputError) as raised:
    networks.load(str(filename))
  assert isinstance(raised.value, ValueError)


def test_load_truncated_saved_file_is_an_input_error(tmp_path):
  filename = tmp_path / "cw.l2l"
  networks.save(_random_network(), str(filename))
  filename.write_bytes(filename.read_bytes()[:-10])
  with pytest.raises(errors.InputError, match="is not a valid .l2l file"):
    networks.load(str(filename))


@pytest.mark.parametrize("entries, message", [
    ({"w": np.zeros([1])}, "unexpected entry 'w'"),
    ({"a/b/c": np.zeros([1])}, "unexpected entry 'a/b/c'"),
    ({"linear/w": np.zeros([1], dtype=np.int32)}, "has dtype int32"),
])
def test_load_bad_entries_are_input_errors(tmp_path, entries, message):
  buffer = io.BytesIO()
  np.savez(buffer, **entries)
  filename = tmp_path / "bad.l2l"
  filename.write_bytes(buffer.getvalue())
  with pytest.raises(errors.InputError, match=message):
    networks.load(str(filename))


def test_l2l_files_round_trip(tmp_path):
  """l2l_files.write then l2l_files.read gives back the same arrays, and
  networks exposes the same reader and writer."""
  net_vars = {"lstm_1": {"w_i": np.random.randn(2, 8).astype(np.float32),
                         "b": np.random.randn(8).astype(np.float32)},
              "linear": {"w": np.random.randn(2, 1), "b": np.zeros([1])}}
  filename = str(tmp_path / "net.l2l")
  l2l_files.write(filename, net_vars)
  loaded = l2l_files.read(filename)
  assert sorted(loaded) == sorted(net_vars)
  for module, variables in net_vars.items():
    assert sorted(loaded[module]) == sorted(variables)
    for name, value in variables.items():
      assert loaded[module][name].dtype == value.dtype
      np.testing.assert_array_equal(loaded[module][name], value)
  assert networks.load is l2l_files.read


def test_load_refuses_pickles(tmp_path):
  """The original's dill pickles are refused, never unpickled."""
  filename = tmp_path / "cw.l2l"
  filename.write_bytes(pickle.dumps({"linear": {"w": np.zeros([1, 1])}}))
  with pytest.raises(ValueError, match="is a Python pickle"):
    networks.load(str(filename))


def test_load_refuses_object_arrays(tmp_path):
  buffer = io.BytesIO()
  np.savez(buffer, **{"linear/w": np.array([{"a": 1}], dtype=object)})
  filename = tmp_path / "cw.l2l"
  filename.write_bytes(buffer.getvalue())
  with pytest.raises(ValueError, match="is not a valid .l2l file"):
    networks.load(str(filename))


def _save_without_description(net, filename):
  """Writes `net`'s weights as files did before they described the net."""
  l2l_files.write(filename, networks.save(net))


@pytest.mark.parametrize("layers", [(2,), (2, 3, 4)])
def test_load_file_with_other_layers(tmp_path, layers):
  filename = str(tmp_path / "cw.l2l")
  _save_without_description(_random_network(layers=(2, 3)), filename)
  with pytest.raises(ValueError, match="does not match the network") as raised:
    networks.factory("CoordinateWiseDeepLSTM",
                     {"layers": layers, "preprocess_name": "LogAndSign",
                      "preprocess_options": {"k": 5}}, net_path=filename)
  assert isinstance(raised.value, errors.InputError)


def test_load_file_with_other_layer_sizes(tmp_path):
  filename = str(tmp_path / "cw.l2l")
  _save_without_description(_random_network(layers=(2, 3)), filename)
  net = networks.factory("CoordinateWiseDeepLSTM",
                         {"layers": (4, 3), "preprocess_name": "LogAndSign",
                          "preprocess_options": {"k": 5}}, net_path=filename)
  with pytest.raises(ValueError, match=r"cw.l2l: lstm_1/w_i has shape \(2, 8\)"
                     r", but the variable it initializes has shape \(2, 16\)"
                    ) as raised:
    check_network(net, [7], RUN_MODES["eager"])
  assert isinstance(raised.value, errors.InputError)


def test_file_whose_weights_do_not_match_its_description(tmp_path):
  filename = str(tmp_path / "cw.l2l")
  net = _random_network(layers=(2, 3))
  l2l_files.write(filename, networks.save(net),
                  dict(networks.describe(net),
                       net_options=dict(net.net_options, layers=[2])))
  with pytest.raises(errors.InputError, match="does not match the network"):
    networks.from_file(filename)


def test_save_overwrites_atomically(tmp_path):
  filename = str(tmp_path / "cw.l2l")
  networks.save(_random_network(), filename)
  second = _random_network()
  networks.save(second, filename)
  assert [p.name for p in tmp_path.iterdir()] == ["cw.l2l"]
  np.testing.assert_array_equal(networks.load(filename)["linear"]["w"],
                                networks.save(second)["linear"]["w"])


def test_has_nets_is_true_only_for_a_folder_with_l2l_files(tmp_path):
  assert not l2l_files.has_nets(str(tmp_path / "missing"))
  (tmp_path / "notes.txt").write_text("not a net")
  assert not l2l_files.has_nets(str(tmp_path))
  (tmp_path / "cw.l2l").write_bytes(b"")
  assert l2l_files.has_nets(str(tmp_path))
  assert not l2l_files.has_nets(str(tmp_path / "cw.l2l"))
