# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of the MNIST and CIFAR-10 problems, on small files in the real
formats."""

import numpy as np
import pytest
import tensorflow as tf

import data_files
import image_datasets
import meta
import problems
import util


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
  """A folder with small MNIST IDX files and CIFAR-10 binary batches."""
  folder = tmp_path_factory.mktemp("data")
  data_files.write_mnist_idx(str(folder))
  data_files.write_cifar10(str(folder), per_batch=40, num_test=40)
  return str(folder)


def created_variables(make_loss):
  names = []

  def record(next_creator, **kwargs):
    variable = next_creator(**kwargs)
    names.append((variable.name.split(":")[0], variable.shape.as_list(),
                  kwargs.get("trainable") is not False))
    return variable

  with tf.variable_creator_scope(record):
    loss = make_loss()
  return loss, names


def test_random_batch_is_aligned_and_scaled(data_dir):
  dataset = image_datasets.load_mnist("test", data_dir)
  images, labels = problems._device_data(dataset)  # pylint: disable=protected-access
  batch, batch_labels = problems._random_batch(images, labels, 64)  # pylint: disable=protected-access
  assert batch.shape == (64, 28, 28, 1) and batch.dtype == tf.float32
  assert 0.0 <= float(tf.reduce_min(batch)) <= float(tf.reduce_max(batch)) <= 1
  np.testing.assert_allclose(
      batch.numpy()[:, 0, 0, 0] * 255,
      data_files.LABEL_PIXEL_STEP * batch_labels.numpy() +
      data_files.TEST_OFFSET, atol=1e-3)


def test_mnist_variables(data_dir):
  loss, names = created_variables(problems.mnist((20,), data_dir=data_dir))
  assert loss.shape == []
  assert names == [("mlp/linear_0/w", [784, 20], True),
                   ("mlp/linear_0/b", [20], True),
                   ("mlp/linear_1/w", [20, 10], True),
                   ("mlp/linear_1/b", [10], True)]


@pytest.mark.parametrize("mode, offset", [("train", 0),
                                          ("test", data_files.TEST_OFFSET)])
def test_mnist_draws_from_its_mode(data_dir, monkeypatch, mode, offset):
  """The images the loss sees come from the split of its mode."""
  seen = []
  gather = tf.gather

  def recording_gather(params, indices, **kwargs):
    result = gather(params, indices, **kwargs)
    if result.dtype == tf.uint8:
      seen.append(result.numpy())
    return result

  monkeypatch.setattr(tf, "gather", recording_gather)
  problems.mnist((4,), mode=mode, data_dir=data_dir, batch_size=32)()
  pixels = seen[0].reshape(32, -1)[:, 0].astype(int)
  assert set((pixels - offset) % data_files.LABEL_PIXEL_STEP) == {0}


def test_mnist_unknown_activation(data_dir):
  with pytest.raises(ValueError, match="swish activation not supported"):
    problems.mnist((4,), activation="swish", data_dir=data_dir)


def test_mnist_relu_variant_uses_relu(data_dir):
  problem, _, _ = util.get_config("mnist-relu", data_dir=data_dir)
  _, names = created_variables(problem)
  assert names[0] == ("mlp/linear_0/w", [784, 20], True)


@pytest.mark.parametrize("name, hidden", [
    ("mnist", [20]), ("mnist-wider", [40]), ("mnist-deeper", [20, 20]),
    ("mnist-relu", [20])])
def test_mnist_variants(data_dir, name, hidden):
  problem, net_config, net_assignments = util.get_config(name,
                                                         data_dir=data_dir)
  _, names = created_variables(problem)
  weights = [shape for n, shape, _ in names if n.endswith("/w")]
  assert [w[1] for w in weights] == hidden + [10]
  assert net_config["cw"]["net_options"]["preprocess_name"] == "LogAndSign"
  assert net_assignments is None


def test_cifar10_variables(data_dir):
  make_loss = problems.cifar10(data_dir, conv_channels=(16, 16, 16),
                               linear_layers=(32,), batch_size=4)
  loss, names = created_variables(make_loss)
  assert loss.shape == []
  trainable = [(n, s) for n, s, t in names if t]
  assert trainable == [
      ("conv_net_2d/conv_2d_0/w", [5, 5, 3, 16]),
      ("conv_net_2d/conv_2d_0/b", [16]),
      ("conv_net_2d/batch_norm_0/offset", [16]),
      ("conv_net_2d/conv_2d_1/w", [5, 5, 16, 16]),
      ("conv_net_2d/conv_2d_1/b", [16]),
      ("conv_net_2d/batch_norm_1/offset", [16]),
      ("conv_net_2d/conv_2d_2/w", [5, 5, 16, 16]),
      ("conv_net_2d/conv_2d_2/b", [16]),
      ("conv_net_2d/batch_norm_2/offset", [16]),
      ("mlp/linear_0/w", [4 * 4 * 16, 32]),
      ("mlp/linear_0/b", [32]),
      ("mlp/batch_norm/offset", [32]),
      ("mlp/linear_1/w", [32, 10]),
      ("mlp/linear_1/b", [10])]
  # Batch-norm moving statistics (and the fixed unit scale of an offset-only
  # batch norm) are problem state, not parameters.
  constants = [n for n, _, t in names if not t]
  assert constants and all("moving_" in n or n.endswith("/scale")
                           for n in constants)
  assert sum(n.endswith("/scale") for n in constants) == 4


def test_cifar10_without_batch_norm(data_dir):
  _, names = created_variables(problems.cifar10(
      data_dir, conv_channels=(4,), linear_layers=(8,), batch_norm=False,
      batch_size=4))
  assert [n for n, _, _ in names] == [
      "conv_net_2d/conv_2d_0/w", "conv_net_2d/conv_2d_0/b",
      "mlp/linear_0/w", "mlp/linear_0/b", "mlp/linear_1/w", "mlp/linear_1/b"]


def test_cifar_multi_assignments_name_real_variables(data_dir):
  problem, net_config, net_assignments = util.get_config(
      "cifar-multi", data_dir=data_dir)
  _, names = created_variables(problem)
  trainable = [n for n, _, t in names if t]
  assigned = [n for _, var_names in net_assignments for n in var_names]
  assert sorted(assigned) == sorted(trainable)
  assert dict(net_assignments)["conv"] == [
      "conv_net_2d/conv_2d_{}/w".format(i) for i in range(3)]
  assert sorted(net_config) == ["conv", "fc"]


@pytest.mark.parametrize("name, train_classes, test_classes", [
    ("cifar5", {5, 6, 7, 8, 9}, {0, 1, 2, 3, 4}),
    ("cifar2", set(range(2, 10)), {0, 1})])
def test_cifar_subsets_hold_classes_out(data_dir, name, train_classes,
                                        test_classes):
  for mode, classes in (("train", train_classes), ("test", test_classes)):
    problem, _, _ = util.get_config(name, mode=mode, data_dir=data_dir)
    assert "classes {}".format(sorted(classes)) in problem.data_source
    _, names = created_variables(problem)
    assert names[-2][1] == [32, len(classes)]  # The output layer.


def mean_meta_loss(ops, repeats=4):
  total = 0.0
  for _ in range(repeats):
    ops.reset()
    total += float(ops.loss().numpy())
  return total / repeats


def meta_loss_goes_down(make_loss, net_config, net_assignments=None,
                        epochs=15, len_unroll=5, learning_rate=0.01):
  """Meta-trains briefly; returns the mean meta-loss before and after."""
  tf.random.set_seed(0)
  optimizer = meta.MetaOptimizer(**net_config)
  ops = optimizer.meta_minimize(make_loss, len_unroll,
                                learning_rate=learning_rate,
                                net_assignments=net_assignments)
  # The same nets, unrolled without training them.
  evaluation = optimizer.meta_loss(make_loss, len_unroll,
                                   net_assignments=net_assignments)
  before = mean_meta_loss(evaluation)
  for _ in range(epochs):
    ops.reset()
    for _ in range(2):
      ops.step()
  return before, mean_meta_loss(evaluation)


@pytest.mark.parametrize("make_problem", [
    lambda d: problems.mnist((4,), data_dir=d, batch_size=8),
    lambda d: problems.cifar10(d, conv_channels=(2,), linear_layers=(4,),
                               batch_size=4)], ids=["mnist", "cifar"])
def test_each_loss_of_an_unroll_is_on_a_minibatch_of_its_own(
    data_dir, make_problem):
  """With updates of zero the network stays as drawn, and the losses differ
  only by their minibatches: the final loss of a one-step unroll is on
  another minibatch than its step's (or the meta-loss would be twice the
  final loss), and recomputing the losses draws the same minibatches."""
  tf.random.set_seed(0)
  ops = meta.MetaOptimizer(sgd={"net": "Sgd", "net_options": {
      "learning_rate": 0.0}}).meta_loss(make_problem(data_dir), 1)
  ops.reset()
  meta_loss = float(ops.loss())
  assert float(ops.loss()) == meta_loss
  final_losses = [float(ops.update()) for _ in range(3)]
  assert meta_loss != pytest.approx(2 * final_losses[0], rel=1e-4)
  assert len(set(final_losses)) == 3


def test_mnist_meta_training_lowers_the_meta_loss(data_dir):
  problem, net_config, _ = util.get_config("mnist", data_dir=data_dir)
  before, after = meta_loss_goes_down(problem, net_config)
  assert after < before


def test_cifar_meta_training_lowers_the_meta_loss(data_dir):
  problem = problems.cifar10(data_dir, conv_channels=(4,), linear_layers=(8,),
                             batch_size=16)
  before, after = meta_loss_goes_down(problem, {"cw": util.
                                                get_default_net_config(
                                                    "cw", None)})
  assert after < before


@pytest.mark.slow  # The CIFAR meta-training of the default suite is
# test_cifar_meta_training_lowers_the_meta_loss's.
def test_cifar_multi_with_kernel_lstm_lowers_the_meta_loss(data_dir):
  """Separate nets for kernels (a KernelDeepLSTM) and other parameters."""
  problem = problems.cifar10(data_dir, conv_channels=(4,), linear_layers=(8,),
                             batch_size=16)
  kernel_net = dict(util.get_default_net_config("conv", None),
                    net="KernelDeepLSTM")
  kernel_net["net_options"] = dict(kernel_net["net_options"],
                                   kernel_shape=[5, 5])
  fc_vars = ["conv_net_2d/conv_2d_0/b", "conv_net_2d/batch_norm_0/offset",
             "mlp/linear_0/w", "mlp/linear_0/b", "mlp/batch_norm/offset",
             "mlp/linear_1/w", "mlp/linear_1/b"]
  before, after = meta_loss_goes_down(
      problem, {"conv": kernel_net,
                "fc": util.get_default_net_config("fc", None)},
      net_assignments=[("conv", ["conv_net_2d/conv_2d_0/w"]),
                       ("fc", fc_vars)])
  assert after < before


@pytest.mark.parametrize("make_problem", [
    lambda d: problems.mnist((8,), data_dir=d, batch_size=16),
    pytest.param(lambda d: problems.cifar10(d, conv_channels=(4,),
                                            linear_layers=(8,), batch_size=8),
                 marks=pytest.mark.slow)], ids=["mnist", "cifar"])
def test_data_problems_compile_with_xla(data_dir, make_problem):
  """Minibatch sampling, batch norm updates and all run inside the XLA
  program (no fallback)."""
  ops = meta.MetaOptimizer().meta_minimize(make_problem(data_dir), 3,
                                           jit_compile=True)
  ops.reset()
  costs = [float(ops.step().numpy()) for _ in range(2)]
  assert ops.step.uses_xla
  assert all(np.isfinite(costs))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cifar", "cifar-multi", "cifar5", "cifar2",
                                  "mnist-wider", "mnist-deeper",
                                  "mnist-relu"])
def test_full_size_configs_lower_the_meta_loss(data_dir, name):
  problem, net_config, net_assignments = util.get_config(name,
                                                         data_dir=data_dir)
  before, after = meta_loss_goes_down(problem, net_config, net_assignments,
                                      epochs=10)
  assert after < before


def test_forward_flops_of_the_paper_networks(data_dir):
  """Matrix product and convolution FLOPs of one loss evaluation (batch
  128): the MNIST MLP 784-20-10, and the CIFAR net of 5x5 convolutions of
  16 channels at 32x32, 16x16 and 8x8, then 256-32-10."""
  mnist, _, _ = util.get_config("mnist", data_dir=data_dir)
  assert mnist.forward_flops == 2 * 128 * (784 * 20 + 20 * 10)
  deeper, _, _ = util.get_config("mnist-deeper", data_dir=data_dir)
  assert deeper.forward_flops == 2 * 128 * (784 * 20 + 20 * 20 + 20 * 10)
  cifar, _, _ = util.get_config("cifar", data_dir=data_dir)
  assert cifar.forward_flops == 2 * 128 * (
      32 * 32 * 25 * 3 * 16 + 16 * 16 * 25 * 16 * 16 + 8 * 8 * 25 * 16 * 16 +
      4 * 4 * 16 * 32 + 32 * 10)
  cifar2, _, _ = util.get_config("cifar2", mode="test", data_dir=data_dir)
  assert cifar2.forward_flops == cifar.forward_flops - 2 * 128 * 32 * 8


def test_cifar10_accepts_the_original_queue_arguments(data_dir):
  """The original's num_threads and min_queue_examples are accepted and
  ignored (no input queues)."""
  make_loss = problems.cifar10(data_dir, (4,), (8,), True, 16, 2, 100,
                               "test")
  reference = problems.cifar10(data_dir, (4,), (8,), batch_size=16,
                               mode="test")
  assert make_loss.data_source == reference.data_source
  assert make_loss.forward_flops == reference.forward_flops
  assert make_loss().shape == []
