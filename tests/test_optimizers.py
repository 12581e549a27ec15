# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of optimizers.py: trained nets as Keras and Sonnet optimizers.

A net without LSTM layers whose linear layer has weight `-lr` is plain SGD,
which the optimizers must reproduce exactly; a 2x20 LSTM net with seeded
random weights checks that compiled programs, saving and distribution keep
its numbers. The `MirroredStrategy` case needs two logical CPU devices, which
TensorFlow can configure only before it starts: it runs in a subprocess
(importing TensorFlow does not start it).
"""

import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
import sonnet as snt
import tensorflow as tf
import tree

import errors
import helpers
import networks
import optimizers

SGD_LEARNING_RATE = 0.1
LSTM_OPTIONS = {"layers": (20, 20), "preprocess_name": "LogAndSign",
                "preprocess_options": {"k": 5}, "scale": 0.01}
# Steps of the Keras runs: 32 examples in batches of 8, per epoch.
EXAMPLES = 32
BATCH_SIZE = 8


def _save_net(filename: str, net: str, net_options) -> str:
  """Builds a net, creates its weights and saves it to `filename`."""
  network = networks.factory(net, net_options)
  gradient = tf.zeros([1])
  network(gradient, network.initial_state_for_inputs(gradient))
  networks.save(network, filename)
  return filename


def _sgd_net(folder: str, learning_rate: float = SGD_LEARNING_RATE) -> str:
  """Saves `<folder>/sgd.l2l`, a linear net that is SGD with
  `learning_rate`; returns the folder."""
  os.makedirs(folder, exist_ok=True)
  _save_net(os.path.join(folder, "sgd.l2l"), "CoordinateWiseDeepLSTM", {
      "layers": (), "initializer": {"linear": {
          "w": np.array([[-learning_rate]]), "b": np.zeros([1])}}})
  return folder


def _lstm_net(folder: str, seed: int = 0) -> str:
  """Saves `<folder>/cw.l2l`, a 2x20 LSTM net with seeded random weights;
  returns the folder."""
  os.makedirs(folder, exist_ok=True)
  _save_net(os.path.join(folder, "cw.l2l"), "CoordinateWiseDeepLSTM",
            dict(LSTM_OPTIONS, initializer=snt.initializers.RandomNormal(
                stddev=0.3, seed=seed)))
  return folder


def _data():
  """Fixed regression data: `x` [EXAMPLES, 3], `y` [EXAMPLES, 1]."""
  x = np.random.RandomState(0).randn(EXAMPLES, 3).astype(np.float32)
  return x, np.sin(x).sum(axis=1, keepdims=True)


def _model(optimizer, seed: int = 1, **compile_options):
  """A small compiled Dense model; its initial weights depend on `seed`."""
  keras.utils.set_random_seed(seed)
  model = keras.Sequential([keras.Input((3,)),
                            keras.layers.Dense(4, activation="tanh"),
                            keras.layers.Dense(1)])
  model.compile(optimizer=optimizer, loss="mse", **compile_options)
  return model


def _fit(model, epochs: int):
  """Trains `model` on `_data` in order; returns its weights."""
  x, y = _data()
  model.fit(x, y, batch_size=BATCH_SIZE, epochs=epochs, shuffle=False,
            verbose=0)
  return [w.numpy() for w in model.weights]


def _assert_all_close(actual, expected, atol=1e-6):
  assert len(actual) == len(expected)
  for a, e in zip(actual, expected):
    np.testing.assert_allclose(a, e, rtol=0, atol=atol)


# The MirroredStrategy case, run in a subprocess.


def mirrored_case(folder: str):
  """Prints the weights after training with and without a MirroredStrategy
  over two logical CPUs, as JSON."""
  tf.config.set_logical_device_configuration(
      tf.config.list_physical_devices("CPU")[0],
      [tf.config.LogicalDeviceConfiguration()] * 2)
  strategy = tf.distribute.MirroredStrategy(
      ["/cpu:0", "/cpu:1"],
      cross_device_ops=tf.distribute.ReductionToOneDevice())
  with strategy.scope():
    mirrored = _fit(_model(optimizers.L2L(folder)), epochs=2)
  single = _fit(_model(optimizers.L2L(folder)), epochs=2)
  print(json.dumps({"replicas": strategy.num_replicas_in_sync,
                    "mirrored": [w.tolist() for w in mirrored],
                    "single": [w.tolist() for w in single]}))


# The tests, run by pytest.


@pytest.mark.parametrize("factor", [1.0, 0.5])
def test_keras_sgd_net_is_sgd(tmp_path, factor):
  """The linear net is Keras's SGD; `learning_rate` multiplies the step."""
  folder = _sgd_net(str(tmp_path / "sgd"))
  weights = _fit(_model(optimizers.L2L(folder, learning_rate=factor)), 2)
  expected = _fit(_model(keras.optimizers.SGD(SGD_LEARNING_RATE * factor)),
                  2)
  _assert_all_close(weights, expected)
  initial = [w.numpy() for w in _model(None).weights]
  assert not np.allclose(weights[0], initial[0])


@pytest.mark.parametrize("factor", [1.0, 0.5])
def test_sonnet_sgd_net_is_sgd(tmp_path, factor):
  folder = _sgd_net(str(tmp_path / "sgd"))
  results = []
  for optimizer in (optimizers.SonnetL2L(folder, learning_rate=factor),
                    snt.optimizers.SGD(SGD_LEARNING_RATE * factor)):
    results.append(_sonnet_run(optimizer, steps=3, jit_compile=False))
  _assert_all_close(*results)


def _sonnet_linear():
  """A `snt.Linear(2)` with fixed weights, built."""
  def w_init(shape, dtype):
    return tf.constant(np.random.RandomState(1).randn(*shape), dtype=dtype)
  linear = snt.Linear(2, w_init=w_init, b_init=snt.initializers.Constant(0.1))
  linear(tf.zeros([1, 3]))
  return linear


def _sonnet_train_step(linear, optimizer, jit_compile):
  """A `tf.function` of one `optimizer` step on `linear`'s MSE on `_data`."""
  x, y = (tf.constant(a) for a in _data())

  @tf.function(jit_compile=jit_compile)
  def step():
    with tf.GradientTape() as tape:
      loss = tf.reduce_mean(tf.square(linear(x) - y))
    optimizer.apply(tape.gradient(loss, linear.trainable_variables),
                    linear.trainable_variables)
  return step


def _sonnet_run(optimizer, steps, jit_compile, linear=None):
  """Runs `steps` steps; returns the parameters."""
  linear = linear or _sonnet_linear()
  step = _sonnet_train_step(linear, optimizer, jit_compile)
  for _ in range(steps):
    step()
  return [v.numpy() for v in linear.trainable_variables]


def test_keras_sparse_gradients_are_made_dense(tmp_path):
  """An embedding's gradients are `tf.IndexedSlices`: the SGD net steps as
  Keras's SGD (rows left out take a zero step)."""
  folder = _sgd_net(str(tmp_path / "sgd"))
  ids = np.random.RandomState(0).randint(5, size=[EXAMPLES, 1])
  targets = np.sin(ids).astype(np.float32)
  weights = []
  for optimizer in (optimizers.L2L(folder),
                    keras.optimizers.SGD(SGD_LEARNING_RATE)):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((1,), dtype="int32"),
                              keras.layers.Embedding(10, 1)])
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(ids, targets[..., np.newaxis], batch_size=BATCH_SIZE,
              shuffle=False, verbose=0)
    weights.append(model.get_weights())
  _assert_all_close(*weights)


def test_learned_update_of_indexed_slices(tmp_path):
  network = optimizers.SonnetL2L(_lstm_net(str(tmp_path / "lstm"))).network
  sparse = tf.IndexedSlices(tf.constant([[1.0, -2.0]]), tf.constant([2]),
                            tf.constant([4, 2]))
  dense = tf.convert_to_tensor(sparse)
  state = network.initial_state_for_inputs(dense)
  _assert_all_close(
      tree.flatten(optimizers.learned_update(network, sparse, state)),
      tree.flatten(optimizers.learned_update(network, dense, state)), atol=0)


def test_keras_eager_function_and_xla_agree(tmp_path):
  folder = _lstm_net(str(tmp_path / "lstm"))
  eager = _fit(_model(optimizers.L2L(folder), run_eagerly=True), 1)
  function = _fit(_model(optimizers.L2L(folder)), 1)
  xla = _fit(_model(optimizers.L2L(folder), jit_compile=True), 1)
  _assert_all_close(function, eager)
  _assert_all_close(xla, eager)
  initial = [w.numpy() for w in _model(None).weights]
  assert not np.allclose(eager[0], initial[0], atol=1e-4)


def test_keras_file_continues_without_the_optimizer_file(tmp_path):
  """A `.keras` file holds the net's weights and the states: loaded after
  the optimizer folder is gone, it continues as the uninterrupted run."""
  folder = _lstm_net(str(tmp_path / "lstm"))
  model = _model(optimizers.L2L(folder))
  _fit(model, 1)
  filename = str(tmp_path / "model.keras")
  model.save(filename)
  expected = _fit(model, 1)
  shutil.rmtree(folder)
  loaded = keras.models.load_model(filename)
  assert isinstance(loaded.optimizer, optimizers.L2L)
  _assert_all_close(_fit(loaded, 1), expected, atol=0)


def test_keras_config_round_trip(tmp_path):
  folder = _lstm_net(str(tmp_path / "lstm"))
  optimizer = optimizers.L2L(folder, net="cw", learning_rate=0.5,
                             clipnorm=1.0)
  config = optimizer.get_config()
  assert config["path"] == folder and config["net"] == "cw"
  assert config["learning_rate"] == 0.5 and config["clipnorm"] == 1.0
  assert config["network"]["net"] == "CoordinateWiseDeepLSTM"
  json.dumps(config)
  copy = optimizers.L2L.from_config(config)
  assert copy.get_config() == config
  _assert_all_close([v.numpy() for v in copy._network.variables],
                    [v.numpy() for v in optimizer._network.variables],
                    atol=0)


def test_keras_checkpoint_continues(tmp_path):
  """A `tf.train.Checkpoint` restores the net's weights (here into an
  optimizer of another net), and the states when `fit` builds the
  optimizer."""
  model = _model(optimizers.L2L(_lstm_net(str(tmp_path / "a"), seed=0)))
  _fit(model, 1)
  prefix = tf.train.Checkpoint(optimizer=model.optimizer, model=model).save(
      str(tmp_path / "ckpt"))
  expected = _fit(model, 1)
  restored = _model(optimizers.L2L(_lstm_net(str(tmp_path / "b"), seed=1)),
                    seed=2)
  status = tf.train.Checkpoint(optimizer=restored.optimizer,
                              model=restored).restore(prefix)
  _assert_all_close(_fit(restored, 1), expected, atol=0)
  status.assert_consumed()


def test_keras_mirrored_strategy_matches_one_device(tmp_path):
  folder = _lstm_net(str(tmp_path / "lstm"))
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
  script = ("import sys; sys.path[:0] = {!r}; import test_optimizers; "
            "test_optimizers.mirrored_case({!r})".format(
                [helpers.REPO,
                 os.path.dirname(os.path.abspath(__file__))], folder))
  result = subprocess.run([sys.executable, "-c", script],
                          cwd=helpers.REPO,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=helpers.SUBPROCESS_TIMEOUT)
  assert result.returncode == 0, result.stderr[-5000:]
  output = json.loads(result.stdout.strip().splitlines()[-1])
  assert output["replicas"] == 2
  _assert_all_close([np.array(w) for w in output["mirrored"]],
                    [np.array(w) for w in output["single"]], atol=1e-6)


@pytest.mark.parametrize("optimizer_class", ["L2L", "SonnetL2L"])
def test_refuses_a_net_that_is_not_coordinatewise(tmp_path, optimizer_class):
  filename = _save_net(str(tmp_path / "standard.l2l"), "StandardDeepLSTM",
                       {"output_size": 1, "layers": (2,)})
  with pytest.raises(ValueError, match="StandardDeepLSTM.*coordinatewise"):
    getattr(optimizers, optimizer_class)(filename)


def test_a_folder_of_several_nets_needs_net(tmp_path):
  folder = str(tmp_path / "nets")
  _lstm_net(folder)
  _sgd_net(folder)
  with pytest.raises(errors.InputError, match="cw, sgd"):
    optimizers.L2L(folder)
  with pytest.raises(errors.InputError, match="its nets: cw, sgd"):
    optimizers.L2L(folder, net="conv")
  assert optimizers.optimizer_file(folder, "sgd") == os.path.join(
      folder, "sgd.l2l")
  optimizer = optimizers.SonnetL2L(folder, net="sgd")
  assert [v.shape.as_list() for v in optimizer.network.variables] == [
      [1], [1, 1]]


def test_missing_optimizer_files(tmp_path):
  with pytest.raises(IOError, match="No optimizer file or folder"):
    optimizers.L2L(str(tmp_path / "missing"))
  with pytest.raises(IOError, match="holds no .l2l optimizer file"):
    optimizers.SonnetL2L(str(tmp_path))


def test_sonnet_function_xla_and_eager_agree(tmp_path):
  folder = _lstm_net(str(tmp_path / "lstm"))
  function = _sonnet_run(optimizers.SonnetL2L(folder), 3, jit_compile=False)
  xla = _sonnet_run(optimizers.SonnetL2L(folder), 3, jit_compile=True)
  _assert_all_close(xla, function)
  initial = [v.numpy() for v in _sonnet_linear().trainable_variables]
  assert not np.allclose(function[0], initial[0], atol=1e-4)


def test_sonnet_checkpoint_continues(tmp_path):
  """The restored optimizer (of another net) creates its states at its
  first `apply` and continues as the uninterrupted run."""
  optimizer = optimizers.SonnetL2L(_lstm_net(str(tmp_path / "a"), seed=0))
  linear = _sonnet_linear()
  step = _sonnet_train_step(linear, optimizer, jit_compile=False)
  step()
  prefix = tf.train.Checkpoint(optimizer=optimizer, model=linear).save(
      str(tmp_path / "ckpt"))
  step()
  restored = optimizers.SonnetL2L(_lstm_net(str(tmp_path / "b"), seed=1))
  restored_linear = _sonnet_linear()
  tf.train.Checkpoint(optimizer=restored, model=restored_linear).restore(
      prefix)
  _assert_all_close(
      _sonnet_run(restored, 1, jit_compile=False, linear=restored_linear),
      [v.numpy() for v in linear.trainable_variables], atol=0)


def test_examples_keras_mnist(tmp_path):
  folder = _lstm_net(str(tmp_path / "mnist"))
  plot = str(tmp_path / "curves.png")
  result = subprocess.run([
      sys.executable,
      "-m", "examples.keras_mnist", "--path=" + folder,
      "--num_steps=20", "--log_period=10", "--batch_size=16", "--plot=" + plot
  ],
                          cwd=helpers.REPO,
                          capture_output=True,
                          text=True,
                          timeout=helpers.SUBPROCESS_TIMEOUT)
  assert result.returncode == 0, result.stderr[-5000:]
  lines = [line for line in result.stdout.splitlines()
           if line.startswith("Step ")]
  assert [line.split(":")[0] for line in lines] == ["Step 10/20",
                                                    "Step 20/20"]
  assert all("L2L" in line and "Adam" in line for line in lines)
  with open(plot, "rb") as f:
    assert f.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow  # test_pretrained checks the default in-process.
def test_examples_keras_mnist_defaults_to_the_shipped_optimizer(tmp_path):
  # Run from another folder, the checkout on PYTHONPATH: the default is
  # found beside the code.
  environment = dict(os.environ, PYTHONPATH=helpers.REPO)
  result = subprocess.run(
      [sys.executable, "-m", "examples.keras_mnist",
       "--num_steps=10", "--log_period=10", "--batch_size=16"],
      cwd=str(tmp_path), env=environment, capture_output=True, text=True,
      timeout=helpers.SUBPROCESS_TIMEOUT)
  assert result.returncode == 0, result.stderr[-5000:]
  assert "Step 10/10" in result.stdout


def test_examples_keras_mnist_without_optimizer(tmp_path):
  result = subprocess.run([
      sys.executable,
      "-m", "examples.keras_mnist",
      "--path=" + str(tmp_path / "missing")
  ],
                          cwd=helpers.REPO,
                          capture_output=True,
                          text=True,
                          timeout=helpers.SUBPROCESS_TIMEOUT)
  assert result.returncode == 1 and "Traceback" not in result.stderr
  last_line = result.stderr.strip().splitlines()[-1]
  assert last_line.startswith("keras_mnist.py: error: ")
  assert "pass --path" in last_line
