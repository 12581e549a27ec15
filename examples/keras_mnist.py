# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Example: a trained optimizer training a Keras model, beside Adam.

    python -m examples.keras_mnist --path=./mnist --plot=curves.png

Trains the paper's MNIST model (one hidden layer of 20 sigmoid units) twice
from the same initial weights on the same minibatches: with
`optimizers.L2L(--path)`, and with `keras.optimizers.Adam(--learning_rate)`.
Every `log_period` steps it prints each optimizer's mean minibatch loss over
those steps; with `--plot`, it draws both loss curves in a PNG file.
"""

import io
import os

# TensorFlow's C++ start-up messages would bury the script's own output;
# set TF_CPP_MIN_LOG_LEVEL to see them.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import flags
import keras
import numpy as np

import cli
import image_datasets
import fileio
import optimizers

FLAGS = flags.FLAGS
flags.DEFINE_string("path", optimizers.DEFAULT_PATH,
                    "Folder of the trained optimizer (written by train.py), "
                    "or its .l2l file; by default the shipped "
                    "pretrained/general.")
flags.DEFINE_string("net", None,
                    "Net key, when the folder holds several nets.")
flags.DEFINE_float("learning_rate", 0.001, "Adam's learning rate.")
flags.DEFINE_integer("num_steps", 500, "Training steps.")
flags.DEFINE_integer("batch_size", 128, "Minibatch size.")
flags.DEFINE_integer("log_period", 50, "Steps between printed losses.")
flags.DEFINE_integer("seed", 0,
                     "Seed of the initial weights and the minibatches.")
flags.DEFINE_string("plot", None, "PNG file for the loss curves.")
flags.DEFINE_string("data_dir", None,
                    "Folder of the MNIST files (see README).")

_HIDDEN_UNITS = 20
_NUM_CLASSES = 10


def _check_flags():
  """Raises `cli.UsageError` for bad flag values."""
  cli.check_positive_flags(FLAGS, ("num_steps", "batch_size", "log_period"))
  cli.check_learning_rate_flag(FLAGS.learning_rate)
  if not os.path.exists(FLAGS.path):
    raise cli.UsageError(
        "--path={} does not exist: pass --path, a folder written by train.py "
        "(or one of its .l2l files).".format(FLAGS.path))
  if FLAGS.plot is not None:
    cli.check_parent_folder(FLAGS.plot, "plot")


def _l2l_optimizer():
  """`optimizers.L2L` of `--path`; a net it cannot use is a
  `cli.UsageError`."""
  try:
    return optimizers.L2L(FLAGS.path, net=FLAGS.net)
  except ValueError as e:
    raise cli.UsageError("--path={}: {}".format(FLAGS.path, e)) from None


def _mlp() -> keras.Model:
  """The paper's MNIST model: 20 sigmoid units, then 10 logits."""
  return keras.Sequential([
      keras.Input((28 * 28,)),
      keras.layers.Dense(_HIDDEN_UNITS, activation="sigmoid"),
      keras.layers.Dense(_NUM_CLASSES)])


def _models(optimizers_by_name):
  """`{name: compiled MLP}`, one per optimizer, with the same initial
  weights (seeded by `--seed`)."""
  keras.utils.set_random_seed(FLAGS.seed)
  initial = _mlp().get_weights()
  models = {}
  for name, optimizer in optimizers_by_name.items():
    model = _mlp()
    model.set_weights(initial)
    model.compile(optimizer=optimizer,
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True))
    models[name] = model
  return models


def _train(models, images: np.ndarray, labels: np.ndarray):
  """Trains every model on the same minibatches, printing the losses.

  Args:
    models: `{name: compiled model}`.
    images: `[num_examples, 784]` float32 in [0, 1].
    labels: `[num_examples]` class indices.

  Returns:
    `{name: losses}`, each `[num_steps]`: every step's minibatch loss.
  """
  rng = np.random.RandomState(FLAGS.seed)
  losses = {name: np.zeros(FLAGS.num_steps) for name in models}
  for step in range(FLAGS.num_steps):
    batch = rng.randint(len(labels), size=FLAGS.batch_size)
    for name, model in models.items():
      losses[name][step] = model.train_on_batch(images[batch], labels[batch])
    if (step + 1) % FLAGS.log_period == 0:
      print("Step {}/{}: {}".format(step + 1, FLAGS.num_steps, ", ".join(
          "{} {:.4f}".format(name, np.mean(
              losses[name][step + 1 - FLAGS.log_period:step + 1]))
          for name in models)), flush=True)
  return losses


def _plot(filename: str, losses):
  """Writes the loss curves `{name: [num_steps]}` to a PNG file."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot  # pylint: disable=g-import-not-at-top
  figure, axes = pyplot.subplots(figsize=(6, 4))
  for name, curve in losses.items():
    axes.plot(np.arange(1, len(curve) + 1), curve, label=name)
  axes.set_xlabel("step")
  axes.set_ylabel("minibatch loss")
  axes.set_yscale("log")
  axes.set_title("MNIST MLP")
  axes.legend()
  buffer = io.BytesIO()
  figure.savefig(buffer, format="png", dpi=100)
  pyplot.close(figure)
  fileio.write_atomically(filename, buffer.getvalue())


def main(argv):
  del argv  # Unused.
  _check_flags()
  dataset = image_datasets.load_mnist("train", FLAGS.data_dir)
  print("Data: {}".format(dataset.source))
  images = dataset.images.reshape([-1, 28 * 28]).astype(np.float32) / 255
  models = _models({
      "L2L": _l2l_optimizer(),
      "Adam": keras.optimizers.Adam(FLAGS.learning_rate)})
  losses = _train(models, images, dataset.labels)
  if FLAGS.plot is not None:
    _plot(FLAGS.plot, losses)
    print("Loss curves written to {}".format(FLAGS.plot))


if __name__ == "__main__":
  cli.run_main(main)
