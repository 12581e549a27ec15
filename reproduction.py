# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""MNIST experiments of docs/REPRODUCTION.md: the paper's settings against
the original code's.

    python reproduction.py --output_dir=docs/reproduction --train_epochs=300

Each variant changes one setting of the MNIST optimizer (the LogAndSign
constant `k`, the output scale, the meta learning rate), meta-trains it for
`--train_epochs` epochs as `train.py` does (unrolls of 20, 100 steps per
epoch, training split), then evaluates it on `--num_instances` held-out
instances optimized on the test split (seed `--seed`; the protocol of
`figures.py`, `comparison.py`, is not applied here). A variant already trained
and evaluated under `--output_dir` is read back, not rerun. The results go
to `<output_dir>/variants.md`: the log10 of the mean final loss after 100
steps, as the original's `evaluate.py` printed it.
"""

import collections
import os

# TensorFlow's C++ start-up messages would bury the results.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import flags  # pylint: disable=g-import-not-at-top
from absl import logging
import numpy as np

import cli
import experiment
import fileio
import training
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

Settings = collections.namedtuple(
    "Settings", "output_dir train_epochs num_instances seed data_dir")


def net_config(changes, path=None):
  """The MNIST net configuration (the original code's, loaded from `path` if
  given) with `changes` (`k`, `scale`) applied."""
  return util.with_net_settings(util.get_net_config("mnist", path)[0],
                                log_and_sign_k=changes.get("k"),
                                output_scale=changes.get("scale"))


class _TrainingLosses(training.Progress):
  """Keeps every training epoch's final loss and prints a line every tenth
  of the run."""

  def __init__(self, num_epochs: int):
    self.final_losses = []
    self._num_epochs = num_epochs

  def epoch_done(self, epoch, final_loss, seconds):
    self.final_losses.append(final_loss)
    if epoch % max(1, self._num_epochs // 10) == 0:
      print("  epoch {}/{}: final loss {:.4g}".format(
          epoch, self._num_epochs, final_loss), flush=True)

  def statistics(self, header, total_error, total_time, num_epochs):
    pass

  def saved(self, save_path):
    pass


def train_variant(name: str, settings: Settings) -> float:
  """Meta-trains a variant, as `train.py` does, into
  `<output_dir>/<name>` (continuing the run there, if any); saves the
  optimizer of its last epoch there, and returns the mean final training
  loss of the last 10% of the epochs trained by this call."""
  _, changes, meta_learning_rate = VARIANTS[name]
  num_epochs = settings.train_epochs
  path = os.path.join(settings.output_dir, name)
  problem, _, _ = util.get_config("mnist", mode="train",
                                  data_dir=settings.data_dir)
  losses = _TrainingLosses(num_epochs)
  # One evaluation, at the last epoch, saves the optimizer as trained.
  training.meta_train(
      problem, net_config(changes), num_steps=_NUM_STEPS,
      unroll_length=_UNROLL_LENGTH, learning_rate=meta_learning_rate,
      schedule=training.DEFAULT_SCHEDULE._replace(
          num_epochs=num_epochs, log_period=num_epochs,
          evaluation_period=num_epochs, evaluation_epochs=1,
          checkpoint_period=max(1, num_epochs // 10)),
      save_path=path, resume=os.path.exists(
          os.path.join(path, training.RUN_FILE)),
      run_config={"variant": name}, seed=settings.seed + 2, progress=losses)
  return float(np.mean(losses.final_losses[-max(1, num_epochs // 10):]))


def run_variant(name: str, settings: Settings) -> str:
  """Trains and evaluates one variant (or reads it back); returns its
  Markdown table row."""
  description, changes, _ = VARIANTS[name]
  path = os.path.join(settings.output_dir, name)
  results_file = os.path.join(
      settings.output_dir, "results", "{}_{}x{}_seed{}_{}epochs.npz".format(
          name, settings.num_instances, _NUM_STEPS, settings.seed,
          settings.train_epochs))

  def compute():
    print("{}: training {} epochs ({})".format(name, settings.train_epochs,
                                               description), flush=True)
    train_loss = train_variant(name, settings)
    problem, _, _ = util.get_config("mnist", mode="test",
                                    data_dir=settings.data_dir)
    losses = experiment.evaluate_losses(
        problem, net_config(changes, path), None, settings.num_instances,
        _NUM_STEPS, settings.seed).losses
    return {"train_loss": np.array(train_loss), "losses": losses}

  results = experiment.cached_arrays(results_file, compute)
  final = results["losses"][:, -1]
  return "| {} | {} | {:.4g} | {:.4g} | {:+.2f} |".format(
      name, description, float(results["train_loss"]), np.mean(final),
      util.log_mean_error(np.sum(final), len(final)))


def main(argv):
  del argv  # Unused.
  unknown = sorted(set(FLAGS.variants or ()) - set(VARIANTS))
  if unknown:
    raise cli.UsageError("--variants: unknown {}; valid: {}.".format(
        ", ".join(unknown), ", ".join(VARIANTS)))
  cli.check_positive_flags(FLAGS, ("train_epochs", "num_instances"))
  logging.set_verbosity(logging.ERROR)
  settings = Settings(output_dir=FLAGS.output_dir,
                      train_epochs=FLAGS.train_epochs,
                      num_instances=FLAGS.num_instances, seed=FLAGS.seed,
                      data_dir=FLAGS.data_dir)
  os.makedirs(settings.output_dir, exist_ok=True)
  rows = [run_variant(name, settings) for name in VARIANTS
          if name in (FLAGS.variants or VARIANTS)]
  table = "\n".join([
      "MNIST variants, {} meta-training epochs each; {} held-out test "
      "instances, seed {}.\n".format(settings.train_epochs,
                                     settings.num_instances, settings.seed),
      "| variant | setting | final training loss (last 10% of epochs) | "
      "mean final test loss | log10 |",
      "|---|---|---:|---:|---:|"] + rows)
  print(table)
  fileio.write_atomically(os.path.join(settings.output_dir, "variants.md"),
                          (table + "\n").encode())


if __name__ == "__main__":
  cli.run_main(main)
