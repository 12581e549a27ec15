# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Optimizee problems.

Each function returns `make_loss`, a zero-argument callable that creates the
problem's variables (`tf.Variable`, directly or through Sonnet modules built
inside the call) and returns its scalar loss. `meta.MetaOptimizer` calls it
under a variable creator that substitutes the optimizee's current values for
the trainable variables, so every call must create the same variables in the
same order.

`make_loss` may carry attributes describing the problem: `data_source`,
where a data problem's examples came from, and `forward_flops`, the matrix
product and convolution FLOPs of one forward evaluation of the loss (a
multiply-add counts 2), which the benchmark uses.

`image_classifier` builds a `Classifier` (convolutions, then an MLP) on the
MNIST or 8x8 digits data, with the original's initialization or Keras's;
`mnist` is its MLP on MNIST. `image_classifier_scores` (and `mnist_scores`)
return `make_scores`, which builds the same network and scores it on a whole
data split; `optimizee.call_with_values` calls it with an optimized
network's parameter values.
"""

import itertools
from typing import (Any, Callable, Dict, NamedTuple, Optional, Sequence,
                    Tuple)

import sonnet as snt
import tensorflow as tf

import image_datasets
import optimizee

MakeLoss = Callable[[], tf.Tensor]
MakeScores = Callable[[], Dict[str, tf.Tensor]]


def simple() -> MakeLoss:
  """Simple problem: f(x) = x^2, with the scalar `x` starting at 1."""

  def build():
    x = tf.Variable(tf.ones([]), name="x")
    return tf.square(x, name="x_squared")

  return build


def simple_multi_optimizer(num_dims: int = 2) -> MakeLoss:
  """Sum of squares of `num_dims` scalars `x_0`, `x_1`, ..., each starting at 1.

  Each coordinate is a variable of its own, so that different nets can
  optimize different coordinates.
  """

  def build():
    coordinates = [tf.Variable(tf.ones([]), name="x_{}".format(i))
                   for i in range(num_dims)]
    return tf.reduce_sum(tf.square(tf.stack(coordinates), name="x_squared"))

  return build


def quadratic(batch_size: int = 128, num_dims: int = 10, stddev: float = 0.01,
              dtype: tf.DType = tf.float32) -> MakeLoss:
  """Batch of quadratics: f(x) = mean_b ||W_b x_b - y_b||^2.

  Args:
    batch_size: Number of independent quadratics `b`.
    num_dims: Dimension of each `x_b`.
    stddev: Standard deviation of the normal initial `x` (mean 0).
    dtype: Variable dtype.

  Returns:
    `make_loss` creating the trainable `x` `[batch_size, num_dims]` and the
    non-trainable `w` `[batch_size, num_dims, num_dims]` and `y`
    `[batch_size, num_dims]`, both uniform on [0, 1), and returning the mean
    over the batch of the squared error.
  """

  def build():
    x = tf.Variable(
        tf.random.normal([batch_size, num_dims], stddev=stddev, dtype=dtype),
        name="x")
    w = tf.Variable(
        tf.random.uniform([batch_size, num_dims, num_dims], dtype=dtype),
        trainable=False, name="w")
    y = tf.Variable(tf.random.uniform([batch_size, num_dims], dtype=dtype),
                    trainable=False, name="y")
    product = tf.squeeze(tf.matmul(w, tf.expand_dims(x, -1)), axis=-1)
    return tf.reduce_mean(tf.reduce_sum((product - y) ** 2, axis=1))

  build.forward_flops = 2 * batch_size * num_dims * num_dims
  return build


_PROBLEMS = {
    "simple": simple,
    "simple_multi_optimizer": simple_multi_optimizer,
    "quadratic": quadratic,
}


def ensemble(problems: Sequence[Dict[str, Any]],
             weights: Optional[Sequence[float]] = None) -> MakeLoss:
  """Sum of (weighted) problems.

  Args:
    problems: Problem specifications `{"name": ..., "options": {...}}`, where
        `name` is a function of this module (`simple`,
        `simple_multi_optimizer`, `quadratic`) and `options` its arguments.
        Problem `i` creates its variables under the name scope `problem_i`.
    weights: Optional weight of each problem's loss.

  Returns:
    `make_loss` returning the (weighted) sum of the losses.

  Raises:
    ValueError: If `weights` does not have one weight per problem, or a name
        is unknown.
  """
  if weights and len(weights) != len(problems):
    raise ValueError("len(weights) != len(problems): {} weights for {} "
                     "problems.".format(len(weights), len(problems)))
  for p in problems:
    if p["name"] not in _PROBLEMS:
      raise ValueError("Unknown problem {!r} in ensemble; valid names: {}."
                       .format(p["name"], ", ".join(_PROBLEMS)))
  build_fns = [_PROBLEMS[p["name"]](**p.get("options", {})) for p in problems]

  def build():
    loss = 0
    for i, build_fn in enumerate(build_fns):
      with tf.name_scope("problem_{}".format(i)):
        loss_p = build_fn()
        if weights:
          loss_p *= weights[i]
        loss += loss_p
    return loss

  return build


# The original's initializers of the optimizee networks: N(0, 0.01).
_NN_INITIALIZERS = {
    "w_init": snt.initializers.RandomNormal(stddev=0.01),
    "b_init": snt.initializers.RandomNormal(stddev=0.01),
}
# The initializations of the image classifiers: the problems' own (the
# original's N(0, 0.01) weights and biases), and the one a Keras user gets by
# default (Glorot-uniform weights, zero biases).
INITIALIZATIONS = ("normal", "glorot")
ACTIVATIONS = {"sigmoid": tf.sigmoid, "relu": tf.nn.relu, "tanh": tf.tanh}
_CONV_KERNEL_SIZE = 5
# Sonnet 1's batch norm epsilon, which the original used.
_BATCH_NORM_EPS = 1e-3
# Examples per forward pass when scoring a network on a whole split.
_SCORING_BATCH_SIZE = 10000


class Convolution(NamedTuple):
  """A convolution of a `Classifier`, followed by the activation and 2x2
  max-pooling (stride 2, SAME padding)."""
  channels: int
  kernel_size: int
  padding: str = "SAME"


class Classifier(NamedTuple):
  """An image classifier: convolutions, then an MLP.

  Attributes:
    convolutions: `Convolution`s (stride 1), in order; none for an MLP.
    hidden: Sizes of the hidden linear layers after them.
    activation: A key of `ACTIVATIONS`, after every convolution and hidden
        linear layer.
  """
  convolutions: Tuple[Convolution, ...] = ()
  hidden: Tuple[int, ...] = ()
  activation: str = "sigmoid"

  def check(self):
    """Raises `ValueError` for an unknown activation or padding."""
    if self.activation not in ACTIVATIONS:
      raise ValueError("{} activation not supported; supported: {}.".format(
          self.activation, ", ".join(ACTIVATIONS)))
    for convolution in self.convolutions:
      if convolution.padding not in ("SAME", "VALID"):
        raise ValueError("Convolution padding must be SAME or VALID, got "
                         "{!r}.".format(convolution.padding))

  def forward_flops(self, batch_size: int, image_shape: Sequence[int],
                    num_classes: int) -> int:
    """Convolution and matrix product FLOPs of one forward pass of a batch
    of `batch_size` images `[height, width, channels]` (a multiply-add
    counts 2)."""
    height, width, channels = image_shape
    flops = 0
    for convolution in self.convolutions:
      if convolution.padding == "VALID":
        height -= convolution.kernel_size - 1
        width -= convolution.kernel_size - 1
      flops += (2 * batch_size * height * width * convolution.kernel_size ** 2
                * channels * convolution.channels)
      height, width = -(-height // 2), -(-width // 2)
      channels = convolution.channels
    return flops + _mlp_forward_flops(
        batch_size, [height * width * channels] + list(self.hidden) +
        [num_classes])


def _initializers(initialization: str
                  ) -> Dict[str, snt.initializers.Initializer]:
  """The `w_init` and `b_init` of an initialization of `INITIALIZATIONS`."""
  if initialization not in INITIALIZATIONS:
    raise ValueError("{} initialization not supported; supported: {}.".format(
        initialization, ", ".join(INITIALIZATIONS)))
  if initialization == "normal":
    return dict(_NN_INITIALIZERS)
  return {"w_init": snt.initializers.VarianceScaling(
              1.0, mode="fan_avg", distribution="uniform"),
          "b_init": snt.initializers.Zeros()}


def _xent_loss(logits: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
  """Mean softmax cross-entropy of `logits` [batch, classes], `labels`
  [batch]."""
  return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
      logits=logits, labels=labels))


def _random_batch(images: tf.Tensor, labels: tf.Tensor, batch_size: int):
  """Draws `batch_size` examples uniformly at random, with replacement, with
  the seed of `optimizee.step_seed()`.

  Args:
    images: uint8 `Tensor` `[num_examples, height, width, channels]`.
    labels: int64 `Tensor` `[num_examples]`.
    batch_size: Number of examples.

  Returns:
    `(images, labels)`: float32 images in [0, 1] and their labels.
  """
  indices = tf.random.stateless_uniform(
      [batch_size], optimizee.step_seed(), minval=0, maxval=images.shape[0],
      dtype=tf.int64)
  return _scaled(tf.gather(images, indices)), tf.gather(labels, indices)


def _scaled(images: tf.Tensor) -> tf.Tensor:
  """uint8 `images` as float32 in [0, 1], same shape."""
  return tf.cast(images, tf.float32) / 255.0


def _mlp_forward_flops(batch_size: int, sizes: Sequence[int]) -> int:
  """Matrix product FLOPs of an MLP with layer sizes `sizes` (input first)
  on a batch of `batch_size`."""
  return 2 * batch_size * sum(n_in * n_out
                              for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def _device_data(dataset: image_datasets.Dataset):
  """The dataset's arrays as tensors, on the default device."""
  return tf.constant(dataset.images), tf.constant(dataset.labels)


def _classifier_network(classifier: Classifier, initialization: str
                        ) -> Callable[[], Callable[[tf.Tensor], tf.Tensor]]:
  """The Sonnet network of a `Classifier` with `image_datasets.NUM_CLASSES`
  outputs.

  Returns:
    A zero-argument callable that builds the network (convolutions
    `conv_net_2d/conv_2d_<i>` with their activation and pooling, then
    `snt.Flatten` and `snt.nets.MLP` named `mlp`, initialized as
    `initialization` says) and returns its forward function: float32 images
    `[batch, height, width, channels]` -> logits `[batch, 10]`. The
    variables are created at the first forward pass.

  Raises:
    ValueError: For an unknown activation, padding or initialization.
  """
  classifier.check()
  initializers = _initializers(initialization)
  activation = ACTIVATIONS[classifier.activation]

  def build():
    with tf.name_scope("conv_net_2d"):
      convolutions = [
          snt.Conv2D(c.channels, kernel_shape=c.kernel_size, stride=1,
                     padding=c.padding, name="conv_2d_{}".format(i),
                     **initializers)
          for i, c in enumerate(classifier.convolutions)]
    mlp = snt.nets.MLP(list(classifier.hidden) + [image_datasets.NUM_CLASSES],
                       activation=activation, name="mlp", **initializers)
    flatten = snt.Flatten()

    def forward(images):
      x = images
      for convolution in convolutions:
        x = tf.nn.max_pool2d(activation(convolution(x)), ksize=2, strides=2,
                             padding="SAME")
      return mlp(flatten(x))
    return forward

  return build


# The data sets of the image classifiers, by name: (mode, data_dir) ->
# Dataset, and the shape of their images.
DATASET_LOADERS = {"mnist": image_datasets.load_mnist,
                   "digits": image_datasets.load_digits}
IMAGE_SHAPES = {"mnist": (28, 28, 1),
                "digits": (image_datasets.DIGITS_SIDE, image_datasets.DIGITS_SIDE, 1)}


def _classifier_parts(classifier: Classifier, dataset: str, mode: str,
                      data_dir: Optional[str], initialization: str):
  """What `image_classifier` and `image_classifier_scores` build on:
  `(build_network, dataset, (images, labels) on the device)`.

  Raises:
    ValueError: For an unknown activation, padding, initialization, data set
        or mode, or malformed data files.
    IOError: If the data cannot be found.
  """
  if dataset not in DATASET_LOADERS:
    raise ValueError("Unknown data set {!r}; valid: {}.".format(
        dataset, ", ".join(DATASET_LOADERS)))
  build_network = _classifier_network(classifier, initialization)
  data = DATASET_LOADERS[dataset](mode, data_dir)
  return build_network, data, _device_data(data)


def image_classifier(classifier: Classifier, dataset: str = "mnist",
                     batch_size: int = 128, mode: str = "train",
                     data_dir: Optional[str] = None,
                     initialization: str = "normal") -> MakeLoss:
  """Image classification with a `Classifier` network.

  Args:
    classifier: The network.
    dataset: `"mnist"` (`image_datasets.load_mnist`) or `"digits"` (the 8x8
        digits, `image_datasets.load_digits`).
    batch_size: Minibatch size, drawn anew at every step.
    mode: Data split, `"train"` or `"test"`.
    data_dir: Folder of the data files; see the loaders for the formats and
        what happens without it.
    initialization: One of `INITIALIZATIONS`: `"normal"`, the original's
        N(0, 0.01) weights and biases, or `"glorot"`, Keras's default
        (Glorot-uniform weights, zero biases).

  Returns:
    `make_loss` building the network (see `_classifier_network`) and
    returning its mean cross-entropy on a random minibatch.

  Raises:
    ValueError: For an unknown activation, padding, initialization, data set
        or mode, or malformed data files.
    IOError: If the data cannot be found.
  """
  build_network, data, (images, labels) = _classifier_parts(
      classifier, dataset, mode, data_dir, initialization)

  def build():
    batch_images, batch_labels = _random_batch(images, labels, batch_size)
    return _xent_loss(build_network()(batch_images), batch_labels)

  build.data_source = data.source
  build.forward_flops = classifier.forward_flops(
      batch_size, data.images.shape[1:], image_datasets.NUM_CLASSES)
  return build


def image_classifier_scores(classifier: Classifier, dataset: str = "mnist",
                            mode: str = "test",
                            data_dir: Optional[str] = None,
                            initialization: str = "normal") -> MakeScores:
  """Scores of the network of `image_classifier` on a whole data split.

  Args:
    classifier, dataset, data_dir, initialization: As for
        `image_classifier`.
    mode: Data split, `"train"` or `"test"`.

  Returns:
    `make_scores` building the network of `image_classifier` (the same
    variables, created in the same order) and returning `{"loss": mean
    softmax cross-entropy over every example of the split, "accuracy":
    fraction of them classified correctly}`, float32 scalars. The forward
    pass runs on batches of at most 10,000 examples. It carries
    `data_source`, as `make_loss` does.

  Raises:
    As `image_classifier`.
  """
  build_network, data, (images, labels) = _classifier_parts(
      classifier, dataset, mode, data_dir, initialization)
  num_examples = int(labels.shape[0])

  def build():
    network = build_network()
    total_xent = 0.0
    num_correct = 0
    for start in range(0, num_examples, _SCORING_BATCH_SIZE):
      batch_labels = labels[start:start + _SCORING_BATCH_SIZE]
      logits = network(_scaled(images[start:start + _SCORING_BATCH_SIZE]))
      total_xent += tf.reduce_sum(
          tf.nn.sparse_softmax_cross_entropy_with_logits(
              logits=logits, labels=batch_labels))
      num_correct += tf.math.count_nonzero(
          tf.equal(tf.argmax(logits, axis=1), batch_labels))
    return {"loss": total_xent / num_examples,
            "accuracy": tf.cast(num_correct, tf.float32) / num_examples}

  build.data_source = data.source
  return build


def mnist(layers: Sequence[int], activation: str = "sigmoid",
          batch_size: int = 128, mode: str = "train",
          data_dir: Optional[str] = None) -> MakeLoss:
  """MNIST classification with a multi-layer perceptron.

  Args:
    layers: Sizes of the hidden layers.
    activation: `"sigmoid"`, `"relu"` or `"tanh"`.
    batch_size: Minibatch size, drawn anew at every step.
    mode: Data split, `"train"` or `"test"`.
    data_dir: Folder of the MNIST files; see `image_datasets.load_mnist` for the
        formats and what happens without it.

  Returns:
    `make_loss` building an MLP (`snt.Flatten`, then `snt.nets.MLP` named
    `mlp` with `N(0, 0.01)` initial weights and biases and 10 outputs) and
    returning its mean cross-entropy on a random minibatch.

  Raises:
    ValueError: For an unknown activation or mode, or malformed data files.
    IOError: If the data cannot be found.
  """
  return image_classifier(Classifier(hidden=tuple(layers),
                                     activation=activation),
                          "mnist", batch_size, mode, data_dir)


def mnist_scores(layers: Sequence[int], activation: str = "sigmoid",
                 mode: str = "test",
                 data_dir: Optional[str] = None) -> MakeScores:
  """Scores of the MNIST MLP of `mnist` on a whole data split (see
  `image_classifier_scores`)."""
  return image_classifier_scores(Classifier(hidden=tuple(layers),
                                            activation=activation),
                                 "mnist", mode, data_dir)


def _batch_norm(name: str) -> snt.BatchNorm:
  """Batch norm with an offset and no scale, as Sonnet 1's default."""
  return snt.BatchNorm(create_scale=False, create_offset=True,
                       eps=_BATCH_NORM_EPS, name=name)


def cifar10(path: str, conv_channels: Optional[Sequence[int]] = None,
            linear_layers: Optional[Sequence[int]] = None,
            batch_norm: bool = True, batch_size: int = 128,
            num_threads: int = 4, min_queue_examples: int = 1000,
            mode: str = "train",
            classes: Optional[Sequence[int]] = None) -> MakeLoss:
  """CIFAR-10 classification with a convolutional network.

  Args:
    path: Folder holding `cifar-10-batches-bin/` (downloaded there when
        missing and online).
    conv_channels: Output channels of the 5x5 convolutions.
    linear_layers: Sizes of the hidden linear layers.
    batch_norm: Whether to batch-normalize (offset only) after each
        convolution and hidden linear layer. The moving statistics are
        problem state, not optimizee parameters.
    batch_size: Minibatch size, drawn anew at every step.
    num_threads: Ignored. The original's queue runners used it; the split
        is now held on the device and minibatches drawn inside the unroll.
    min_queue_examples: Ignored, as `num_threads`.
    mode: Data split, `"train"` or `"test"`.
    classes: Optional subset of the labels to classify (relabelled in the
        given order); the network then has `len(classes)` outputs.

  Returns:
    `make_loss` building the network (under `conv_net_2d/`: `conv_2d_<i>`,
    `batch_norm_<i>`, each followed by ReLU and 2x2 max-pooling; then
    `snt.Flatten` and `snt.nets.MLP` named `mlp`, with `mlp/batch_norm...`
    before each hidden ReLU) and returning its mean cross-entropy on a
    random minibatch.

  Raises:
    ValueError: For an unknown mode, or malformed data files.
    IOError: If the data cannot be found or downloaded.
  """
  del num_threads, min_queue_examples  # No input queues.
  data = image_datasets.load_cifar10(path, mode, classes)
  images, labels = _device_data(data)
  num_classes = image_datasets.NUM_CLASSES if classes is None else len(classes)

  def build():
    x, batch_labels = _random_batch(images, labels, batch_size)
    with tf.name_scope("conv_net_2d"):
      for i, channels in enumerate(conv_channels or ()):
        x = snt.Conv2D(channels, kernel_shape=_CONV_KERNEL_SIZE, stride=1,
                       padding="SAME",
                       name="conv_2d_{}".format(i), **_NN_INITIALIZERS)(x)
        if batch_norm:
          x = _batch_norm("batch_norm_{}".format(i))(x, is_training=True)
        x = tf.nn.max_pool2d(tf.nn.relu(x), ksize=2, strides=2,
                             padding="SAME")
    hidden_layer = itertools.count()

    def linear_activation(h):
      if batch_norm:
        i = next(hidden_layer)
        name = "batch_norm" if i == 0 else "batch_norm_{}".format(i)
        h = _batch_norm(name)(h, is_training=True)
      return tf.nn.relu(h)

    mlp = snt.nets.MLP(list(linear_layers or ()) + [num_classes],
                       activation=linear_activation, name="mlp",
                       **_NN_INITIALIZERS)
    return _xent_loss(mlp(snt.Flatten()(x)), batch_labels)

  build.data_source = data.source
  build.forward_flops = Classifier(
      tuple(Convolution(channels, _CONV_KERNEL_SIZE)
            for channels in conv_channels or ()),
      tuple(linear_layers or ())).forward_flops(
          batch_size, data.images.shape[1:], num_classes)
  return build
