# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of the generalization tasks: the image classifier problems, their
Keras models, and the suite's task list."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import data_files
import errors
import experiment
import helpers
import optimizee
import optimizers
import problems
import tasks
import util

CLASSIFIERS = ["mnist", "mnist-relu-glorot", "mnist-conv", "mnist-lenet",
               "mnist-lenet-glorot", "digits-logistic", "digits-mlp-glorot"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
  """A folder with small MNIST IDX files and a digits CSV."""
  folder = str(tmp_path_factory.mktemp("data"))
  data_files.write_mnist_idx(folder)
  data_files.write_digits(folder, num_rows=60)
  return folder


def test_every_task_is_a_problem():
  for task in tasks.TASKS + [tasks.CIFAR_TASK]:
    assert task.problem in util.PROBLEM_NAMES
    assert tasks.get_task(task.name) == task
  assert len(set(tasks.TASK_NAMES)) == len(tasks.TASK_NAMES)


def test_unknown_task():
  with pytest.raises(errors.InputError, match="mnist@5 is not a task of the "
                     "suite; valid tasks: mnist@100, mnist@1000"):
    tasks.get_task("mnist@5")


def test_suite_has_cifar_only_with_its_files(tmp_path):
  assert tasks.CIFAR_TASK not in tasks.suite(str(tmp_path))
  data_files.write_cifar10(str(tmp_path))
  assert tasks.suite(str(tmp_path))[-1] == tasks.CIFAR_TASK


@pytest.mark.parametrize("problem", CLASSIFIERS)
def test_keras_model_computes_the_problem_network(problem, data_dir):
  """With the Keras model's weights, the problem's Sonnet network scores
  the whole test split as Keras does."""
  model = tasks.keras_model(problem, seed=0)
  weights = [tf.constant(w) for w in model.get_weights()]
  make_scores = util.get_scores(problem, "test", data_dir)
  scores = optimizee.call_with_values(make_scores, weights)
  _, (images, labels) = tasks.keras_data(problem, data_dir)
  logits = model.predict(images, verbose=0)
  xent = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
  np.testing.assert_allclose(scores["loss"], xent(labels, logits), rtol=1e-5)
  np.testing.assert_allclose(scores["accuracy"],
                             np.mean(np.argmax(logits, 1) == labels))


@pytest.mark.parametrize("problem", ["mnist-conv", "digits-mlp"])
def test_initializations(problem, data_dir):
  """The problems' N(0, 0.01), and Keras's Glorot-uniform and zero biases
  for the -glorot twins, in Sonnet and in Keras alike."""
  for name, glorot in ((problem, False), (problem + "-glorot", True)):
    make_loss, _, _ = util.get_config(name, data_dir=data_dir)
    created = []

    def creator(next_creator, **kwargs):
      created.append(next_creator(**kwargs))
      return created[-1]

    with tf.variable_creator_scope(creator):
      make_loss()
    keras_weights = tasks.keras_model(name, seed=0).get_weights()
    for variable, keras_weight in zip(created, keras_weights):
      value = variable.numpy()
      assert value.shape == keras_weight.shape
      for array in (value, keras_weight):
        if glorot and array.ndim == 1:
          np.testing.assert_array_equal(array, 0)
        elif glorot:
          fan_in = np.prod(array.shape[:-1])
          fan_out = array.shape[-1] * np.prod(array.shape[:-2])
          assert np.abs(array).max() <= np.sqrt(6 / (fan_in + fan_out))
          assert np.std(array) > 0.5 * np.sqrt(2 / (fan_in + fan_out))
        else:
          assert np.std(array) < 0.02


def test_batch_sizes():
  assert util.classifier("mnist").batch_size == 128
  assert util.classifier("mnist-lenet-glorot").batch_size == 32
  with pytest.raises(ValueError, match="quadratic is not an image "
                     "classifier problem"):
    util.classifier("quadratic")
  assert tasks.keras_batch_size("quadratic") == 128
  assert tasks.keras_batch_size("mnist-lenet") == 32


def test_every_task_has_a_keras_model():
  assert all(tasks.has_keras_model(task.problem) for task in tasks.TASKS)
  assert not tasks.has_keras_model("simple")
  with pytest.raises(ValueError, match="simple has no Keras model"):
    tasks.keras_model("simple")


def test_keras_quadratic_is_the_problem():
  """With the problem's `x`, `w` and `y`, the Keras quadratic's loss is the
  problem's, and so is the gradient of `x`."""
  created = []

  def capture(next_creator, **kwargs):
    created.append(next_creator(**kwargs))
    return created[-1]

  with tf.GradientTape() as tape:
    with tf.variable_creator_scope(capture):
      loss = problems.quadratic()()
  x, w, y = created
  expected_gradient = tape.gradient(loss, x)
  model = tasks.keras_model("quadratic", seed=0)
  assert [v.shape for v in model.trainable_weights] == [(128, 10)]
  for weight, value in zip((model.x, model.w, model.y), (x, w, y)):
    weight.assign(value)
  (indices, targets), test_split = tasks.keras_data("quadratic")
  assert indices.shape == (128,) and targets.shape == (128, 10)
  assert test_split[0] is indices
  # Shuffled, as model.fit would pass them: the same loss.
  order = np.random.RandomState(0).permutation(128)
  with tf.GradientTape() as tape:
    keras_loss = tasks.keras_loss("quadratic")(targets[order],
                                               model(indices[order]))
  np.testing.assert_allclose(keras_loss, loss, rtol=1e-6)
  np.testing.assert_allclose(tape.gradient(keras_loss, model.x),
                             expected_gradient, rtol=1e-5, atol=1e-7)


def test_learned_optimizer_trains_the_keras_quadratic():
  model = tasks.keras_model("quadratic", seed=0)
  model.compile(optimizer=optimizers.L2L("pretrained/quadratic"),
                loss=tasks.keras_loss("quadratic"))
  (indices, targets), _ = tasks.keras_data("quadratic")
  history = model.fit(indices, targets, batch_size=128, epochs=30, verbose=0)
  losses = history.history["loss"]
  assert losses[-1] < 0.1 * losses[0]


def test_learned_optimizer_trains_a_keras_task(data_dir):
  """The default optimizer (pretrained/general) lowers the digits MLP's
  loss in model.fit, epoch after epoch."""
  model = tasks.keras_model("digits-mlp-glorot", seed=0)
  model.compile(optimizer=optimizers.L2L(),
                loss=tasks.keras_loss("digits-mlp-glorot"))
  (images, labels), _ = tasks.keras_data("digits-mlp-glorot", data_dir)
  history = model.fit(images, labels, batch_size=10, epochs=3, verbose=0)
  losses = history.history["loss"]
  assert losses[2] < losses[1] < losses[0]


def test_evaluation_runs_keep_the_initial_loss():
  problem, net_config, assignments = experiment.optimizer_config(
      "SGD", "quadratic", learning_rate=1e-30)
  run = experiment.evaluate_losses(problem, net_config, assignments,
                                   num_epochs=2, num_steps=3, seed=0,
                                   num_instances=2)
  assert run.initial_losses.shape == (4,)
  # A step of 1e-30 leaves the (minibatch-free) loss where it started.
  np.testing.assert_allclose(run.losses[:, -1], run.initial_losses,
                             rtol=1e-6)


def test_classifier_flops():
  lenet, _, _, _ = util.classifier("mnist-lenet")
  expected = 2 * (28 * 28 * 25 * 6 + 10 * 10 * 25 * 6 * 16 +
                  400 * 120 + 120 * 84 + 84 * 10)
  assert lenet.forward_flops(1, (28, 28, 1), 10) == expected
  mlp = problems.Classifier(hidden=(20,))
  assert mlp.forward_flops(128, (28, 28, 1), 10) == 2 * 128 * (784 * 20 +
                                                              200)


@pytest.mark.parametrize("problem, optimizer", [
    ("digits-logistic-glorot", "L2L"),
    pytest.param("mnist-conv", "Adam", marks=pytest.mark.slow)])
def test_evaluate_script_runs_a_task(problem, optimizer, data_dir):
  args = ["--problem=" + problem, "--optimizer=" + optimizer,
          "--num_epochs=1", "--num_steps=5", "--data_dir=" + data_dir]
  if optimizer == "L2L":
    args.append("--path=pretrained/mnist")
  result = helpers.run("evaluate.py", *args)
  assert result.returncode == 0, result.stderr
  assert "Log Mean Final Error:" in result.stdout
