# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of the final networks' scores: `optimizee.call_with_values`,
`problems.mnist_scores`, `util.get_scores` and `experiment.evaluate_losses`
with scorers."""

import numpy as np
import pytest
import sonnet as snt
import tensorflow as tf

import data_files
import image_datasets
import experiment
import meta
import optimizee
import problems
import util


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
  """A folder with small MNIST IDX files (60 training, 30 test images)."""
  folder = tmp_path_factory.mktemp("mnist")
  data_files.write_mnist_idx(str(folder))
  return str(folder)


def created_variables(make_fn):
  """`[(name, shape, trainable)]` of the variables `make_fn` creates."""
  created = []

  def record(next_creator, **kwargs):
    variable = next_creator(**kwargs)
    created.append((optimizee.variable_name(variable),
                    variable.shape.as_list(), variable.trainable))
    return variable

  with tf.variable_creator_scope(record):
    make_fn()
  return created


INPUTS = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], np.float32)


def linear_with_offset():
  """A Sonnet Linear (w [3, 2], b [2]) plus a non-trainable offset."""
  offset = tf.Variable([10.0, 20.0], trainable=False, name="offset")
  return snt.Linear(2, name="linear")(INPUTS) + offset, offset


def test_call_with_values_substitutes_the_trainable_variables():
  w = np.arange(6, dtype=np.float32).reshape(3, 2)
  b = np.array([0.5, -0.5], np.float32)
  outputs, offset = optimizee.call_with_values(linear_with_offset, [w, b])
  np.testing.assert_allclose(outputs.numpy(), INPUTS @ w + b + [10.0, 20.0])
  # The non-trainable variable is created as usual, with its own value.
  assert isinstance(offset, tf.Variable) and not offset.trainable
  np.testing.assert_array_equal(offset.numpy(), [10.0, 20.0])


def test_call_with_values_is_differentiable():
  w = tf.ones([3, 2])
  b = tf.zeros([2])
  with tf.GradientTape() as tape:
    tape.watch([w, b])
    outputs, _ = optimizee.call_with_values(linear_with_offset, [w, b])
    loss = tf.reduce_sum(outputs)
  grad_w, grad_b = tape.gradient(loss, [w, b])
  np.testing.assert_allclose(grad_w.numpy(),
                             np.tile(INPUTS.sum(0)[:, None], [1, 2]))
  np.testing.assert_allclose(grad_b.numpy(), [2.0, 2.0])


@pytest.mark.parametrize("values, message", [
    ([], "more trainable variables than the 0 values"),
    ([np.zeros([3, 2], np.float32)], "more trainable variables than the 1"),
    ([np.zeros([3, 2], np.float32), np.zeros([2], np.float32),
      np.zeros([1], np.float32)], "created 2 trainable variables for 3"),
    ([np.zeros([2, 3], np.float32), np.zeros([2], np.float32)],
     r"variable 0 \(w\) of make_fn is shaped \(3, 2\), its value \(2, 3\)"),
])
def test_call_with_values_refuses_other_values(values, message):
  with pytest.raises(ValueError, match=message):
    optimizee.call_with_values(linear_with_offset, values)


def sigmoid(x):
  return 1 / (1 + np.exp(-x))


def numpy_scores(values, activation, images, labels):
  """Mean cross-entropy and accuracy of the MLP of `values` (`[w_0, b_0,
  w_1, b_1, ...]`) on uint8 `images` [N, 28, 28, 1] with int `labels` [N]."""
  h = images.reshape(len(images), -1).astype(np.float64) / 255
  layers = list(zip(values[::2], values[1::2]))
  for w, b in layers[:-1]:
    h = activation(h @ w + b)
  logits = h @ layers[-1][0] + layers[-1][1]
  shifted = logits - logits.max(axis=1, keepdims=True)
  log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
  xent = -log_probs[np.arange(len(labels)), labels]
  return np.mean(xent), np.mean(np.argmax(logits, axis=1) == labels)


def random_values(make_fn, seed):
  """N(0, 1) values for the trainable variables of `make_fn`."""
  rng = np.random.default_rng(seed)
  return [rng.normal(size=shape).astype(np.float32)
          for _, shape, trainable in created_variables(make_fn) if trainable]


NETWORKS = [((20,), "sigmoid", sigmoid),
            ((4, 3), "relu", lambda x: np.maximum(x, 0))]


@pytest.mark.parametrize("layers, activation, _", NETWORKS)
def test_mnist_scores_builds_the_network_of_mnist(data_dir, layers,
                                                  activation, _):
  make_scores = problems.mnist_scores(layers, activation, data_dir=data_dir)
  assert (created_variables(make_scores) ==
          created_variables(problems.mnist(layers, activation,
                                           data_dir=data_dir)))
  assert make_scores.data_source == "MNIST IDX files in " + data_dir


@pytest.mark.parametrize("layers, activation, numpy_activation", NETWORKS)
@pytest.mark.parametrize("mode", image_datasets.MODES)
@pytest.mark.parametrize("batch_size", [10000, 7])
def test_mnist_scores_are_those_of_the_whole_split(
    data_dir, monkeypatch, layers, activation, numpy_activation, mode,
    batch_size):
  """Batches of 7 check that every example counts once."""
  monkeypatch.setattr(problems, "_SCORING_BATCH_SIZE", batch_size)
  make_scores = problems.mnist_scores(layers, activation, mode=mode,
                                      data_dir=data_dir)
  values = random_values(make_scores, seed=len(layers))
  scores = optimizee.call_with_values(make_scores, values)
  data = image_datasets.load_mnist(mode, data_dir)
  loss, accuracy = numpy_scores(values, numpy_activation, data.images,
                                data.labels)
  assert scores["loss"].dtype == tf.float32 and scores["loss"].shape == []
  assert float(scores["loss"]) == pytest.approx(loss, rel=1e-5)
  assert float(scores["accuracy"]) == pytest.approx(accuracy)
  assert 0 < accuracy < 1  # The check can tell right from wrong.


def test_get_scores(data_dir):
  make_scores = util.get_scores("mnist-deeper", "train", data_dir)
  assert [shape for _, shape, _ in created_variables(make_scores)] == [
      [784, 20], [20], [20, 20], [20], [20, 10], [10]]
  for name in ("simple", "simple-multi", "quadratic", "cifar", "cifar2"):
    assert util.get_scores(name, "test") is None
  with pytest.raises(ValueError, match="cubic is not a valid problem"):
    util.get_scores("cubic", "test")


def test_split_scorers(data_dir):
  assert list(experiment.split_scorers("mnist", "test", data_dir)) == [
      "test", "train"]
  assert list(experiment.split_scorers("mnist", "train", data_dir)) == [
      "train", "test"]
  assert experiment.split_scorers("quadratic") == {}


def sgd(learning_rate):
  return {"SGD": {"net": "Sgd", "net_options":
                  {"learning_rate": learning_rate}}}


def small_mnist(data_dir):
  """A small MNIST problem and its scorers on both splits."""
  return (problems.mnist((4,), data_dir=data_dir, mode="test"),
          {split: problems.mnist_scores((4,), mode=split, data_dir=data_dir)
           for split in image_datasets.MODES})


def test_evaluate_losses_scores_each_instance(data_dir, monkeypatch):
  """The scores are those of each instance's final values, and each scorer
  is traced once."""
  built = []
  meta_loss = meta.MetaOptimizer.meta_loss

  def recording_meta_loss(self, *args, **kwargs):
    built.append(meta_loss(self, *args, **kwargs))
    return built[-1]

  monkeypatch.setattr(meta.MetaOptimizer, "meta_loss", recording_meta_loss)
  traces = []
  call_with_values = optimizee.call_with_values

  def counting_call_with_values(make_fn, x_values):
    traces.append(make_fn)
    return call_with_values(make_fn, x_values)

  monkeypatch.setattr(optimizee, "call_with_values",
                      counting_call_with_values)
  problem, scorers = small_mnist(data_dir)
  run = experiment.evaluate_losses(problem, sgd(1.0), None, num_epochs=2,
                                   num_steps=3, seed=4, num_instances=2,
                                   scorers=scorers)
  assert run.losses.shape == (4, 3) and run.seconds > 0
  assert sorted(run.scores) == ["test_accuracy", "test_loss",
                                "train_accuracy", "train_loss"]
  assert all(scores.shape == (4,) for scores in run.scores.values())
  assert len(traces) == len(scorers)  # One trace per scorer.

  [ops] = built
  assert len(ops.x) == 8  # 2 instances of w, b, w, b.
  for instance in range(2):
    values = ops.x[4 * instance:4 * instance + 4]
    for split, make_scores in scorers.items():
      scores = call_with_values(make_scores, values)
      for metric, value in scores.items():
        # The last epoch's rows: 2 + instance.
        assert run.scores["{}_{}".format(split, metric)][2 + instance] == (
            pytest.approx(float(value), rel=1e-6))
  assert run.scores["test_loss"][2] != run.scores["test_loss"][3]


def test_with_the_same_seed_every_optimizer_starts_from_the_same_networks(
    data_dir):
  """Without steps (learning rate 0) the final networks are the initial
  ones: the same for two optimizers with the same seed, and not for
  another seed."""
  problem, scorers = small_mnist(data_dir)

  def initial_scores(net_config, seed):
    return experiment.evaluate_losses(problem, net_config, None,
                                      num_epochs=2, num_steps=2, seed=seed,
                                      num_instances=2,
                                      scorers=scorers).scores["test_loss"]

  sgd_scores = initial_scores(sgd(0.0), seed=3)
  adam = {"Adam": {"net": "Adam", "net_options": {"learning_rate": 0.0}}}
  np.testing.assert_allclose(initial_scores(adam, seed=3), sgd_scores,
                             rtol=1e-6)
  assert len(set(sgd_scores)) == 4  # Every instance is new.
  assert not np.allclose(initial_scores(sgd(0.0), seed=5), sgd_scores)


def test_with_the_same_seed_every_optimizer_sees_the_same_minibatches(
    data_dir):
  """Without steps (learning rate 0) the loss after each step is that of
  the initial network on the step's minibatch: the same for two optimizers
  with the same seed, a new minibatch at every step."""
  problem, _ = small_mnist(data_dir)

  def losses(net_config, seed):
    return experiment.evaluate_losses(problem, net_config, None,
                                      num_epochs=2, num_steps=4, seed=seed,
                                      num_instances=2).losses

  sgd_losses = losses(sgd(0.0), seed=3)
  adam = {"Adam": {"net": "Adam", "net_options": {"learning_rate": 0.0}}}
  np.testing.assert_array_equal(losses(adam, seed=3), sgd_losses)
  assert all(len(set(row)) == 4 for row in sgd_losses)


def test_evaluate_losses_without_scorers():
  problem, _, _ = util.get_config("quadratic")
  run = experiment.evaluate_losses(problem, sgd(0.01), None, num_epochs=2,
                                   num_steps=3, num_instances=2)
  assert isinstance(run, experiment.Run)
  assert run.losses.shape == (4, 3) and run.scores == {}


@pytest.mark.parametrize("problem_name", ["quadratic", "mnist"])
def test_longer_unrolls_record_every_unroll_of_the_same_trajectory(
    data_dir, problem_name):
  """Instances drawn with the same seed follow the same trajectory, and see
  the same minibatches, whatever the unroll length: an unroll of 5 steps
  records the loss after every fifth step of one-step unrolls. (Each loss
  is on its step's minibatch: were the final loss of an unroll on the
  minibatch of its last step, the one-step unrolls would record other
  losses.)"""
  problem = (small_mnist(data_dir)[0] if problem_name == "mnist" else
             util.get_config("quadratic")[0])

  def losses(unroll_length):
    return experiment.evaluate_losses(
        problem, sgd(0.01), None, num_epochs=2, num_steps=20, seed=3,
        num_instances=2, unroll_length=unroll_length).losses

  one_step = losses(1)
  five_steps = losses(5)
  assert one_step.shape == (4, 20) and five_steps.shape == (4, 4)
  np.testing.assert_allclose(five_steps, one_step[:, 4::5], rtol=1e-5)
  np.testing.assert_allclose(losses(20)[:, 0], one_step[:, -1], rtol=1e-5)
  with pytest.raises(ValueError,
                     match="must be a positive multiple of unroll_length"):
    losses(3)
