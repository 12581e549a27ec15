# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The held-out tasks of the generalization suite, for `MetaOptimizer` and
for Keras.

A `Task` is a named problem of `util.get_config` (so `evaluate.py
--problem=...` and `MetaOptimizer.meta_loss` run it) optimized for a number
of steps. The problem fixes the network, its initialization, the data split
the optimizee trains on (the training split), the batch size and the
minibatches, drawn from `optimizee.step_seed()` so that every optimizer sees
the same ones.

Every task of `TASKS` is also a Keras model (the CIFAR-10 task is not):
`keras_model` builds the problem's network (the same layers and
initialization; for the quadratic, its quadratics as a `KerasQuadratic`),
`keras_data` returns its data splits as arrays, `keras_loss` and
`keras_batch_size` what `model.compile` and `model.fit` take, so that a
learned optimizer (`optimizers.L2L`) can be tried in `model.fit` on them.
"""

import os
from typing import List, NamedTuple, Optional, Tuple

import keras
import numpy as np

import image_datasets
import errors
import problems
import util


class Task(NamedTuple):
  """A problem of `util.get_config` and the number of steps it runs."""
  problem: str
  num_steps: int

  @property
  def name(self) -> str:
    """`"<problem>@<num_steps>"`, e.g. `"mnist-relu@1000"`."""
    return "{}@{}".format(self.problem, self.num_steps)


# The suite. The paper's MNIST MLP at its training horizon and at 10 and 100
# times it; the paper's other MNIST panels at 1,000 steps; two convnets and
# the digits models; the 10-d quadratic at 1,000 steps. Each network comes
# with the problems' N(0, 0.01) initialization and with Keras's.
TASKS: List[Task] = [
    Task("mnist", 100), Task("mnist", 1000), Task("mnist", 10000),
    Task("mnist-glorot", 1000),
    Task("mnist-relu", 1000), Task("mnist-relu-glorot", 1000),
    Task("mnist-deeper", 1000), Task("mnist-deeper-glorot", 1000),
    Task("mnist-wider", 1000), Task("mnist-wider-glorot", 1000),
    Task("mnist-conv", 1000), Task("mnist-conv-glorot", 1000),
    Task("mnist-lenet", 1000), Task("mnist-lenet-glorot", 1000),
    Task("digits-logistic", 1000), Task("digits-logistic-glorot", 1000),
    Task("digits-mlp", 1000), Task("digits-mlp-glorot", 1000),
    Task("quadratic", 1000),
]
# The CIFAR-10 task, in the suite when its files are present.
CIFAR_TASK = Task("cifar", 1000)
TASK_NAMES: List[str] = [task.name for task in TASKS] + [CIFAR_TASK.name]


def get_task(name: str) -> Task:
  """The task named `name` (`Task.name`); `errors.InputError` naming the
  valid ones for another name."""
  for task in TASKS + [CIFAR_TASK]:
    if task.name == name:
      return task
  raise errors.InputError("{} is not a task of the suite; valid tasks: {}."
                          .format(name, ", ".join(TASK_NAMES)))


def cifar_files_present(data_dir: Optional[str]) -> bool:
  """Whether the CIFAR-10 binary files are in `data_dir` (or in the default
  folder `./cifar10` without it)."""
  folder = os.path.join(data_dir or "cifar10", image_datasets.CIFAR10_FOLDER)
  return all(os.path.exists(os.path.join(folder, name))
             for names in image_datasets.CIFAR10_FILES.values()
             for name in names)


def suite(data_dir: Optional[str] = None) -> List[Task]:
  """`TASKS`, and `CIFAR_TASK` if the CIFAR-10 files are present."""
  return TASKS + ([CIFAR_TASK] if cifar_files_present(data_dir) else [])


def _is_classifier(problem: str) -> bool:
  try:
    util.classifier(problem)
  except ValueError:
    return False
  return True


def has_keras_model(problem: str) -> bool:
  """Whether `keras_model` builds the network of `problem` (the image
  classifiers and the quadratic)."""
  return problem == "quadratic" or _is_classifier(problem)


def _check_keras_problem(problem: str):
  if not has_keras_model(problem):
    raise ValueError("{} has no Keras model; those that have: quadratic and "
                     "the image classifiers.".format(problem))


class KerasQuadratic(keras.Model):
  """`problems.quadratic` as a Keras model: `batch_size` quadratics
  `||W_b x_b - y_b||^2`.

  Its trainable weight is `x` `[batch_size, num_dims]` (N(0, `stddev`)), its
  non-trainable ones `w` `[batch_size, num_dims, num_dims]` and `y`
  `[batch_size, num_dims]` (uniform on [0, 1)), as the problem draws them.
  Called on quadratic indices `[n]` (integers in [0, batch_size)), it
  returns their residuals `W_b x_b - y_b` `[n, num_dims]`; with zero
  targets, `keras_loss("quadratic")` makes them the problem's loss (the mean
  over the quadratics of the squared residual's sum). Each index selects
  its quadratic through a one-hot product, so the gradient of `x` is
  dense, as in the problem.
  """

  def __init__(self, batch_size: int = util.QUADRATIC_BATCH_SIZE,
               num_dims: int = util.QUADRATIC_NUM_DIMS,
               stddev: float = 0.01, name: str = "quadratic"):
    super().__init__(name=name)
    self.batch_size = batch_size
    self.x = self.add_weight(
        shape=(batch_size, num_dims), name="x",
        initializer=keras.initializers.RandomNormal(stddev=stddev))
    self.w = self.add_weight(
        shape=(batch_size, num_dims, num_dims), name="w", trainable=False,
        initializer=keras.initializers.RandomUniform(0.0, 1.0))
    self.y = self.add_weight(
        shape=(batch_size, num_dims), name="y", trainable=False,
        initializer=keras.initializers.RandomUniform(0.0, 1.0))

  def call(self, indices):
    selection = keras.ops.one_hot(
        keras.ops.cast(keras.ops.reshape(indices, [-1]), "int32"),
        self.batch_size)  # [n, batch_size]
    x = keras.ops.matmul(selection, self.x)
    w = keras.ops.einsum("nb,bij->nij", selection, self.w)
    y = keras.ops.matmul(selection, self.y)
    return keras.ops.einsum("nij,nj->ni", w, x) - y


class SumOfSquares(keras.losses.Loss):
  """Each row's squared distance from its target, `[n]` (then the mean over
  the batch, Keras's default reduction)."""

  def __init__(self, name: str = "sum_of_squares"):
    super().__init__(name=name)

  def call(self, y_true, y_pred):
    return keras.ops.sum(keras.ops.square(y_pred - y_true), axis=-1)


def _keras_initializers(initialization: str):
  """Keras `(kernel_initializer, bias_initializer)` of an initialization of
  `problems.INITIALIZATIONS`."""
  if initialization == "normal":
    return (keras.initializers.RandomNormal(stddev=0.01),
            keras.initializers.RandomNormal(stddev=0.01))
  return "glorot_uniform", "zeros"


def keras_model(problem: str, seed: Optional[int] = None) -> keras.Model:
  """The network of a problem as a Keras model.

  Args:
    problem: A problem of `util.get_config` that `has_keras_model`.
    seed: Seed of the initializers (`keras.utils.set_random_seed`), for
        models that start alike.

  Returns:
    For the quadratic, a `KerasQuadratic`. For an image classifier, a
    `keras.Sequential`, built: float32 images `[batch, height, width, 1]`
    in [0, 1] -> logits `[batch, 10]`; each convolution followed by the
    activation and 2x2 max-pooling (SAME), then `Flatten` and the dense
    layers, the activation after each hidden one; initialized as the
    problem says (N(0, 0.01) weights and biases, or Glorot-uniform weights
    and zero biases for the `-glorot` problems).

  Raises:
    ValueError: For a problem that has no Keras model.
  """
  _check_keras_problem(problem)
  if seed is not None:
    keras.utils.set_random_seed(seed)
  if problem == "quadratic":
    return KerasQuadratic()
  settings = util.classifier(problem)
  network = settings.network
  kernel_init, bias_init = _keras_initializers(settings.initialization)
  init = {"kernel_initializer": kernel_init, "bias_initializer": bias_init}
  layers = [keras.Input(problems.IMAGE_SHAPES[settings.dataset])]
  for convolution in network.convolutions:
    layers += [keras.layers.Conv2D(convolution.channels,
                                   convolution.kernel_size,
                                   padding=convolution.padding.lower(),
                                   activation=network.activation, **init),
               keras.layers.MaxPooling2D(2, padding="same")]
  layers.append(keras.layers.Flatten())
  layers += [keras.layers.Dense(units, activation=network.activation, **init)
             for units in network.hidden]
  layers.append(keras.layers.Dense(image_datasets.NUM_CLASSES, **init))
  return keras.Sequential(layers, name=problem.replace("-", "_"))


def keras_data(problem: str, data_dir: Optional[str] = None
               ) -> Tuple[Tuple[np.ndarray, np.ndarray],
                          Tuple[np.ndarray, np.ndarray]]:
  """The data of a problem, as `model.fit` takes it.

  Args:
    problem: As for `keras_model`.
    data_dir: Folder of the data files, as for `util.get_config`.

  Returns:
    `((x_train, y_train), (x_test, y_test))`. For an image classifier,
    float32 images in [0, 1] `[N, height, width, 1]` (scaled as the problem
    scales them) and int64 labels `[N]`. For the quadratic, which has no
    held-out data, both splits are its quadratics' indices `[128]` (int64)
    and zero targets `[128, 10]` (float32).

  Raises:
    ValueError: For a problem that has no Keras model, or malformed data
        files.
    IOError: If the data cannot be found.
  """
  _check_keras_problem(problem)
  if problem == "quadratic":
    split = (np.arange(util.QUADRATIC_BATCH_SIZE),
             np.zeros([util.QUADRATIC_BATCH_SIZE, util.QUADRATIC_NUM_DIMS],
                      np.float32))
    return split, split
  load = problems.DATASET_LOADERS[util.classifier(problem).dataset]
  splits = []
  for mode in image_datasets.MODES:
    data = load(mode, data_dir)
    splits.append((data.images.astype(np.float32) / 255.0, data.labels))
  return tuple(splits)


def keras_loss(problem: str) -> keras.losses.Loss:
  """The problem's loss for `model.compile`: the sparse cross-entropy of the
  logits for an image classifier, the squared residual's sum (mean over the
  batch) for the quadratic."""
  _check_keras_problem(problem)
  if problem == "quadratic":
    return SumOfSquares()
  return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def keras_batch_size(problem: str) -> int:
  """The problem's minibatch size (for the quadratic, all its quadratics)."""
  _check_keras_problem(problem)
  if problem == "quadratic":
    return util.QUADRATIC_BATCH_SIZE
  return util.classifier(problem).batch_size
