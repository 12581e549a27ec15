# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Experiments of docs/REPRODUCTION.md, one per `--experiment`.

    python -m paper.reproduction --output_dir=docs/reproduction \
        --train_epochs=300
    python -m paper.reproduction --experiment=compare --paths=run1,run2 \
        --output_dir=docs/reproduction/compared
    python -m paper.reproduction --experiment=gap --paths=mnist-run \
        --output_dir=docs/reproduction/gap
    python -m paper.reproduction --experiment=diagnose --seeds=0,5 \
        --train_epochs=30 --output_dir=docs/reproduction/diagnosis

`variants` (the default): each variant changes one setting of the MNIST
optimizer (the LogAndSign constant `k`, the output scale, the meta learning
rate), meta-trains it for `--train_epochs` epochs as `train.py` does
(unrolls of 20, 100 steps per epoch, training split), then evaluates the
optimizer of its last epoch on `--num_instances` held-out instances
(default 20) optimized on the test split (seed `--seed`), the figures'
earlier protocol. A variant already trained and evaluated under
`--output_dir` is read back, not rerun. Results: `<output_dir>/variants.md`,
the log10 of the mean final loss after 100 steps, as the original's
`evaluate.py` printed it.

`compare`: the optimizers saved in `--paths` (folders of `train.py
--save_path`) against the baselines with the figures' protocol
(`comparison.py`): every optimizer on the same `--num_instances` held-out
instances (default 100, seed `--seed`), each baseline tuned for each metric
on 20 other instances (seed `--seed` + 1). Results:
`<output_dir>/compared_<problem>.md`, one row per optimizer.

`diagnose`: meta-trains the MNIST optimizer of `train.py`'s defaults for
`--train_epochs` epochs for each seed of `--seeds` (as `train.py --seed`
does), once with the original's random output layer and once with a zero
one, and records after every unroll the size and likeness of the nets'
updates, the optimizee's saturated hidden units, its gradient norm and the
meta-gradient norms (`paper/diagnosis.py`). Results:
`<output_dir>/diagnosis.md`, and every unroll in `<output_dir>/diagnosis_<setting>_seed<seed>.csv`.

`gap`: the MNIST optimizers saved in `--paths` evaluated in each of the
ways the original's `train.py` and `evaluate.py` differ (the data split
the optimizee trains on, and unrolls of 20 steps against 1), each on
`--num_instances` new instances (default 100). Results:
`<output_dir>/gap.md`.
"""

import collections
import os
from typing import Optional, Sequence

# TensorFlow's C++ start-up messages would bury the results.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import flags  # pylint: disable=g-import-not-at-top
from absl import logging
import numpy as np

import cli
import comparison
import experiment
import fileio
import image_datasets
import l2l_files
from paper import diagnosis
import training
import util

FLAGS = flags.FLAGS
flags.DEFINE_enum("experiment", "variants",
                  ["variants", "compare", "gap", "diagnose"],
                  "The experiment (see the module's docstring).")
flags.DEFINE_string("output_dir", "reproduction",
                    "Folder of the trained variants and the results.")
flags.DEFINE_list("variants", None, "variants: variants to run (default: "
                  "all).")
flags.DEFINE_integer("train_epochs", 300, "variants: meta-training epochs per "
                     "variant.")
flags.DEFINE_list("paths", None, "compare, gap: folders of saved optimizers "
                  "(train.py's --save_path).")
flags.DEFINE_string("problem", "mnist", "compare: the problem.")
flags.DEFINE_list("learning_rates", None, "compare: learning-rate grid of the "
                  "baselines (default 1e-4 to 10 in half decades).")
flags.DEFINE_integer("num_instances", None, "Held-out instances (default: 20 "
                     "for variants, 100 for compare and gap).")
flags.DEFINE_integer("seed", 0, "Seed of the held-out instances (tuning "
                     "uses seed + 1, training seed + 2, as figures.py).")
flags.DEFINE_list("seeds", ["0"], "diagnose: the train.py seeds to watch.")
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
_DEFAULT_VARIANTS_INSTANCES = 20

Settings = collections.namedtuple(
    "Settings", "output_dir train_epochs num_instances seed data_dir")


def net_config(changes, path=None):
  """The MNIST net configuration of the original code (loaded from `path` if
  given) with `changes` (`k`, `scale`) applied."""
  return util.with_net_settings(
      util.get_net_config("mnist", path, original_code=True)[0],
      log_and_sign_k=changes.get("k"), output_scale=changes.get("scale"))


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
  problem, _, _ = util.get_config("mnist", mode=util.TRAINING_SPLIT,
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
    problem, _, _ = util.get_config("mnist", mode=util.EVALUATION_SPLIT,
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


class _PrintedProgress(comparison.Progress):
  """Prints the comparison's choices."""

  def log(self, message):
    print(message, flush=True)


def variants(names: Sequence[str], settings: Settings) -> str:
  """Trains and evaluates the variants `names` (or reads them back);
  returns the Markdown results."""
  rows = [run_variant(name, settings) for name in VARIANTS if name in names]
  return "\n".join([
      "MNIST variants, {} meta-training epochs each; {} held-out test "
      "instances, seed {}.\n".format(settings.train_epochs,
                                     settings.num_instances, settings.seed),
      "| variant | setting | final training loss (last 10% of epochs) | "
      "mean final test loss | log10 |",
      "|---|---|---:|---:|---:|"] + rows) + "\n"


# diagnose: the output layers compared (`util.with_net_settings`'s
# zero_output_layer), and the meta learning rate, train.py's default.
DIAGNOSED_SETTINGS = {"random": False, "zero": True}
_DIAGNOSIS_LEARNING_RATE = 0.001


def diagnose(seeds: Sequence[int], settings: Settings) -> str:
  """Watches the meta-training of each setting of `DIAGNOSED_SETTINGS` for
  each seed; writes every unroll's records as CSV under `output_dir` and
  returns the Markdown results."""
  problem, net_config, _ = util.get_config("mnist", mode=util.TRAINING_SPLIT,
                                           data_dir=settings.data_dir)
  probe = diagnosis.probe_batch(image_datasets.load_mnist("train",
                                                    settings.data_dir))
  parts = ["MNIST meta-training, train.py's defaults (LogAndSign k = 10, "
           "output scale 0.1, meta learning rate {}), watched for {} epochs; "
           "the optimizee on the first {} training digits.\n".format(
               _DIAGNOSIS_LEARNING_RATE, settings.train_epochs,
               diagnosis.PROBE_SIZE)]
  for name, zero_output_layer in DIAGNOSED_SETTINGS.items():
    for seed in seeds:
      print("{} output layer, seed {}".format(name, seed), flush=True)
      records = diagnosis.watch_meta_training(
          problem, util.with_net_settings(
              net_config, zero_output_layer=zero_output_layer),
          probe=probe, num_epochs=settings.train_epochs,
          learning_rate=_DIAGNOSIS_LEARNING_RATE, seed=seed)
      fileio.write_atomically(
          os.path.join(settings.output_dir, "diagnosis_{}_seed{}.csv".format(
              name, seed)), diagnosis.csv_text(records).encode())
      rows = diagnosis.epoch_rows(records)
      left = diagnosis.first_epoch_below(rows, training.STALLED_LOSS_FRACTION)
      parts.append("### {} output layer, seed {}: {}\n\n{}".format(
          name.capitalize(), seed,
          "left the initial loss at epoch {}".format(left) if left else
          "did not leave the initial loss", diagnosis.markdown_table(rows)))
  return "\n".join(parts)


def _check_paths(paths: Optional[Sequence[str]]):
  """Raises `cli.UsageError` unless `paths` are folders of saved nets."""
  if not paths:
    raise cli.UsageError("--experiment={} needs --paths, folders of saved "
                         "optimizers.".format(FLAGS.experiment))
  for path in paths:
    if not l2l_files.has_nets(path):
      raise cli.UsageError("--paths: {} is not a folder of saved optimizer "
                           "files.".format(path))


def main(argv):
  del argv  # Unused.
  unknown = sorted(set(FLAGS.variants or ()) - set(VARIANTS))
  if unknown:
    raise cli.UsageError("--variants: unknown {}; valid: {}.".format(
        ", ".join(unknown), ", ".join(VARIANTS)))
  if FLAGS.experiment == "variants":
    num_instances = FLAGS.num_instances or _DEFAULT_VARIANTS_INSTANCES
  else:
    num_instances = FLAGS.num_instances or comparison.NUM_HELD_OUT_INSTANCES
    if FLAGS.experiment != "diagnose":
      _check_paths(FLAGS.paths)
  cli.check_problem_flag(FLAGS.problem)
  learning_rates = cli.learning_rates_flag(
      FLAGS.learning_rates or comparison.DEFAULT_LEARNING_RATES)
  settings = Settings(output_dir=FLAGS.output_dir,
                      train_epochs=FLAGS.train_epochs,
                      num_instances=num_instances, seed=FLAGS.seed,
                      data_dir=FLAGS.data_dir)
  cli.check_positive_flags(FLAGS, ("train_epochs",))
  if FLAGS.num_instances is not None:
    cli.check_positive_flags(FLAGS, ("num_instances",))
  logging.set_verbosity(logging.ERROR)
  os.makedirs(settings.output_dir, exist_ok=True)
  runs_dir = os.path.join(settings.output_dir, "work")
  if FLAGS.experiment == "compare":
    results_file = "compared_{}.md".format(FLAGS.problem)
    results = comparison.optimizers_table(
        comparison.Evaluations(os.path.join(runs_dir, "runs"),
                               settings.data_dir, _PrintedProgress()),
        FLAGS.paths, FLAGS.problem, _NUM_STEPS, settings.num_instances,
        settings.seed, learning_rates)
  elif FLAGS.experiment == "diagnose":
    results_file = "diagnosis.md"
    results = diagnose(cli.integers_flag(FLAGS.seeds, "seeds"), settings)
  elif FLAGS.experiment == "gap":
    results_file = "gap.md"
    results = comparison.split_and_unroll_table(
        FLAGS.paths, runs_dir, settings.data_dir, settings.num_instances,
        _NUM_STEPS, settings.seed)
  else:
    results_file = "variants.md"
    results = variants(FLAGS.variants or list(VARIANTS), settings)
  print(results, end="")
  fileio.write_atomically(os.path.join(settings.output_dir, results_file),
                          results.encode())


if __name__ == "__main__":
  cli.run_main(main)
