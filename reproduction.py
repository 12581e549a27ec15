# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""MNIST experiments of docs/REPRODUCTION.md: the paper's settings against
the original code's.

    python reproduction.py --output_dir=docs/reproduction --train_epochs=300

Each variant changes one setting of the MNIST optimizer (the LogAndSign
constant `k`, the output scale, the meta learning rate), meta-trains it for
`--train_epochs` epochs as `train.py` does (unrolls of 20, 100 steps per
epoch, training split), then evaluates it on `--num_instances` held-out
test-split instances with the seed that `figures.py` uses, so that its
losses compare with the figures' tuned baselines. A variant already trained
and evaluated under `--output_dir` is read back, not rerun. The results go
to `<output_dir>/variants.md`: the log10 of the mean final loss after 100
steps, as the original's `evaluate.py` printed it.
"""

import io
import os

# TensorFlow's C++ start-up messages would bury the results.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import flags  # pylint: disable=g-import-not-at-top
from absl import logging
import numpy as np
import tensorflow as tf

import fileio
import meta
import util

FLAGS = flags.FLAGS
flags.DEFINE_string("output_dir", "reproduction",
                    "Folder of the trained variants and their results.")
flags.DEFINE_list("variants", None, "Variants to run (default: all).")
flags.DEFINE_integer("train_epochs", 300, "Meta-training epochs per variant.")
flags.DEFINE_integer("num_instances", 20, "Held-out test instances.")
flags.DEFINE_integer("seed", 0, "Seed of the held-out instances (training "
                     "uses seed + 2, as figures.py).")
flags.DEFINE_string("data_dir", None, "Folder of the MNIST data.")

# Variant name: (description, net_options changes, meta learning rate).
VARIANTS = {
    "code": ("the original code: k = 5, scale 0.01", {}, 0.001),
    "k10": ("the paper's preprocessing constant, k = 10", {"k": 10}, 0.001),
    "scale0.1": ("output scale 0.1", {"scale": 0.1}, 0.001),
    "k10_scale0.1": ("k = 10 and output scale 0.1", {"k": 10, "scale": 0.1},
                     0.001),
    "meta_lr0.01": ("meta learning rate 0.01", {}, 0.01),
    "meta_lr0.0001": ("meta learning rate 0.0001", {}, 0.0001),
}
_NUM_STEPS = 100
_UNROLL_LENGTH = 20


def net_config(changes, path=None):
  """The MNIST net configuration (`util.get_default_net_config`, loaded from
  `path` if given) with `changes` (`k`, `scale`) applied."""
  config = util.get_default_net_config("cw", path)
  if "k" in changes:
    config["net_options"]["preprocess_options"] = {"k": changes["k"]}
  if "scale" in changes:
    config["net_options"]["scale"] = changes["scale"]
  return {"cw": config}


def train_variant(changes, meta_learning_rate: float, path: str):
  """Meta-trains a variant and saves its net to `path`; returns the mean
  final training loss of the last 10% of epochs."""
  tf.random.set_seed(FLAGS.seed + 2)
  problem, _, _ = util.get_config("mnist", mode="train",
                                  data_dir=FLAGS.data_dir)
  optimizer = meta.MetaOptimizer(**net_config(changes))
  step, _, reset, fx, _ = optimizer.meta_minimize(
      problem, _UNROLL_LENGTH, learning_rate=meta_learning_rate)
  costs = []
  for epoch in range(FLAGS.train_epochs):
    _, cost = util.run_epoch(fx, [step], reset, _NUM_STEPS // _UNROLL_LENGTH)
    costs.append(cost)
    if (epoch + 1) % max(1, FLAGS.train_epochs // 10) == 0:
      print("  epoch {}/{}: final loss {:.4g}".format(
          epoch + 1, FLAGS.train_epochs, cost), flush=True)
  os.makedirs(path, exist_ok=True)
  optimizer.save(path)
  return float(np.mean(costs[-max(1, len(costs) // 10):]))


def run_variant(name: str) -> str:
  """Trains and evaluates one variant (or reads it back); returns its
  Markdown table row."""
  description, changes, meta_learning_rate = VARIANTS[name]
  path = os.path.join(FLAGS.output_dir, name)
  results_file = os.path.join(path, "results_{}x{}_seed{}_{}epochs.npz".format(
      FLAGS.num_instances, _NUM_STEPS, FLAGS.seed, FLAGS.train_epochs))
  if not os.path.exists(results_file):
    print("{}: training {} epochs ({})".format(name, FLAGS.train_epochs,
                                                 description), flush=True)
    train_loss = train_variant(changes, meta_learning_rate, path)
    problem, _, _ = util.get_config("mnist", mode="test",
                                    data_dir=FLAGS.data_dir)
    losses, _ = util.evaluate_losses(problem, net_config(changes, path), None,
                                     FLAGS.num_instances, _NUM_STEPS,
                                     FLAGS.seed)
    buffer = io.BytesIO()
    np.savez(buffer, train_loss=train_loss, losses=losses)
    fileio.write_atomically(results_file, buffer.getvalue())
  with np.load(results_file) as saved:
    train_loss, final = float(saved["train_loss"]), saved["losses"][:, -1]
  return "| {} | {} | {:.4g} | {:.4g} | {:+.2f} |".format(
      name, description, train_loss, np.mean(final), np.log10(np.mean(final)))


def main(argv):
  del argv  # Unused.
  unknown = sorted(set(FLAGS.variants or ()) - set(VARIANTS))
  if unknown:
    raise util.UsageError("--variants: unknown {}; valid: {}.".format(
        ", ".join(unknown), ", ".join(VARIANTS)))
  util.check_positive_flags(FLAGS, ("train_epochs", "num_instances"))
  logging.set_verbosity(logging.ERROR)
  os.makedirs(FLAGS.output_dir, exist_ok=True)
  rows = [run_variant(name) for name in VARIANTS
          if name in (FLAGS.variants or VARIANTS)]
  table = "\n".join([
      "MNIST variants, {} meta-training epochs each; {} held-out test "
      "instances, seed {}.\n".format(FLAGS.train_epochs, FLAGS.num_instances,
                                     FLAGS.seed),
      "| variant | setting | final training loss (last 10% of epochs) | "
      "mean final test loss | log10 |",
      "|---|---|---:|---:|---:|"] + rows)
  print(table)
  fileio.write_atomically(os.path.join(FLAGS.output_dir, "variants.md"),
                          (table + "\n").encode())


if __name__ == "__main__":
  util.run_main(main)
