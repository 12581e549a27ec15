# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Benchmark: a learned optimizer's step in `model.fit`, against Adam's.

    python -m benchmarks.drop_in --output=drop_in.md

On Keras MLPs of about 100,000 and 1,000,000 parameters (`MODELS`), fed
MNIST-sized random inputs (784 features, 10 classes; the time of a step
does not depend on the values), `optimizers.L2L(--path)` and
`keras.optimizers.Adam()` each train a copy of the model, taking turns
(`suite.fit_seconds_per_step`), with and without `jit_compile`. The table
gives milliseconds per step, their ratio, and the learned net's forward
FLOPs per parameter and step (the matmuls of `flops.net_flops`: every
parameter is a coordinate of the coordinatewise net).
"""

import os
from typing import List

# TensorFlow's C++ start-up messages would bury the report.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import flags  # pylint: disable=g-import-not-at-top
import keras
import numpy as np
import tensorflow as tf

import cli
import fileio
import flops
import network_base
import networks
import optimizers
import suite

FLAGS = flags.FLAGS
flags.DEFINE_list("models", None, "Models to time (default: all of MODELS).")
flags.DEFINE_string("path", None, "The learned optimizer (optimizers.L2L's "
                    "path; default pretrained/general).")
flags.DEFINE_integer("num_steps", 50, "Steps of each timed fit.")
flags.DEFINE_integer("rounds", 3, "Timed fits per optimizer, taking turns.")
flags.DEFINE_integer("batch_size", 128, "Examples per step.")
flags.DEFINE_string("output", None, "Markdown file to write the table to.")

# The models: name -> the hidden layers' sizes of an MLP (ReLU) from 784
# inputs to 10 logits.
MODELS = {
    "mlp-100k": (128,),   # 101,770 parameters.
    "mlp-1m": (1024, 256),  # 1,068,810 parameters.
}
_INPUTS, _CLASSES = 784, 10
# Distinct examples of the random data set.
_EXAMPLES = 1024


def make_model(hidden: List[int], seed: int = 0) -> keras.Sequential:
  """A built MLP, 784 inputs -> `hidden` (ReLU) -> 10 logits, seeded."""
  keras.utils.set_random_seed(seed)
  return keras.Sequential(
      [keras.Input((_INPUTS,))] +
      [keras.layers.Dense(units, activation="relu") for units in hidden] +
      [keras.layers.Dense(_CLASSES)])


def _batches(batch_size: int) -> tf.data.Dataset:
  random = np.random.RandomState(0)
  inputs = random.rand(_EXAMPLES, _INPUTS).astype(np.float32)
  labels = random.randint(_CLASSES, size=_EXAMPLES)
  return tf.data.Dataset.from_tensor_slices((inputs, labels)).repeat().batch(
      batch_size)


def main(argv):
  del argv  # Unused.
  cli.check_positive_flags(FLAGS, ["num_steps", "rounds", "batch_size"])
  names = FLAGS.models or list(MODELS)
  unknown = [name for name in names if name not in MODELS]
  if unknown:
    raise cli.UsageError("unknown model(s) {}; valid models: {}.".format(
        ", ".join(unknown), ", ".join(MODELS)))
  if FLAGS.output:
    cli.check_parent_folder(FLAGS.output, "output")
  path = FLAGS.path or optimizers.DEFAULT_PATH
  net = networks.from_file(optimizers.optimizer_file(path))
  forward_flops, _ = flops.net_flops(network_base.describe(net))
  loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
  batches = _batches(FLAGS.batch_size)
  rows = []
  for name in names:
    num_parameters = make_model(MODELS[name]).count_params()
    for jit_compile in (False, True):
      seconds = suite.fit_seconds_per_step(
          lambda name=name: make_model(MODELS[name]), loss, batches, path,
          FLAGS.num_steps, FLAGS.rounds, jit_compile)
      rows.append("| {} | {:,} | {} | {:.3g} | {:.3g} | {:.2f} | {:,} |"
                  .format(name, num_parameters,
                          "yes" if jit_compile else "no",
                          1e3 * seconds["L2L"], 1e3 * seconds["Adam"],
                          seconds["L2L"] / seconds["Adam"], forward_flops))
      print(rows[-1], flush=True)
  table = "\n".join(
      ["`optimizers.L2L('{}')` against `keras.optimizers.Adam()` in "
       "`model.fit`, batch size {}, {} steps per fit, median of {} fits "
       "each, taking turns in one process.\n".format(
           os.path.relpath(path), FLAGS.batch_size, FLAGS.num_steps,
           FLAGS.rounds),
       "| model | parameters | jit_compile | L2L ms/step | Adam ms/step | "
       "L2L / Adam | net FLOP per parameter per step |",
       "|---|---:|---|---:|---:|---:|---:|"] + rows) + "\n"
  print(table)
  if FLAGS.output:
    fileio.write_atomically(FLAGS.output, table.encode())


if __name__ == "__main__":
  cli.run_main(main)
