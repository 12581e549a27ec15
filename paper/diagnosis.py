# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Meta-training of an MNIST optimizer, watched unroll by unroll.

    records = diagnosis.watch_meta_training(
        problem, net_config, probe=diagnosis.probe_batch(data),
        num_epochs=30, learning_rate=0.001, seed=0)

Meta-trains as `training.meta_train` does (the same nets, instances and
minibatches for a seed, as long as `train.py` has not evaluated yet), and
after every unroll records what the optimizer net did to the optimizee
(`UNROLL_FIELDS`): how large and how alike its updates were, how many of the
optimizee's sigmoid hidden units it saturated, how large the optimizee's
gradient and the nets' meta-gradient were. The optimizee quantities are
measured on a fixed probe batch of training digits, so that the measurement
draws no random numbers and leaves the run as it would have been.
"""

import collections
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import tensorflow as tf

import image_datasets
import meta

# A sigmoid unit is saturated at an output within this distance of 0 or 1.
SATURATION_MARGIN = 1e-3
# Digits of the probe batch: the first of the training split.
PROBE_SIZE = 1000

UnrollRecord = collections.namedtuple("UnrollRecord", [
    "epoch",  # From 1.
    "unroll",  # From 1, within the epoch.
    "initial_loss",  # The epoch's loss at its initial values.
    "final_loss",  # The unroll's final loss, as training prints it.
    "probe_loss",  # Cross-entropy on the probe batch at the final values.
    "update_size",  # Mean |update| per step and coordinate.
    "update_coherence",  # |mean update| / mean |update|, per variable,
                         # averaged: 1 when a variable's coordinates all
                         # move alike.
    "saturated",  # Fraction of the hidden units' outputs on the probe batch
                  # within SATURATION_MARGIN of 0 or 1.
    "gradient_norm",  # Norm of the optimizee's gradient on the probe batch.
    "meta_gradient_norms",  # {net variable: norm of its meta-gradient}.
])
UNROLL_FIELDS = UnrollRecord._fields

Probe = collections.namedtuple("Probe", "images, labels")


def probe_batch(data: image_datasets.Dataset, size: int = PROBE_SIZE) -> Probe:
  """The first `size` examples of `data`: float32 images flattened to
  `[size, pixels]` in [0, 1], and int64 labels `[size]`."""
  images = data.images[:size].reshape([min(size, len(data.images)), -1])
  return Probe(tf.constant(images, tf.float32) / 255.0,
               tf.constant(data.labels[:size]))


def _mlp_layers(x_values: Sequence[tf.Tensor]):
  """`[(w, b)]` of the MNIST MLP, from its variables' values in creation
  order (`mlp/linear_0/w`, `mlp/linear_0/b`, ...)."""
  if len(x_values) % 2:
    raise ValueError("Expected the weights and biases of an MLP, got {} "
                     "variables.".format(len(x_values)))
  return list(zip(x_values[::2], x_values[1::2]))


def probe_statistics(x_values: Sequence[tf.Tensor], probe: Probe
                     ) -> Dict[str, float]:
  """The optimizee measured on the probe batch.

  Args:
    x_values: The values of an MNIST MLP with sigmoid hidden units
        (`problems.mnist`), in creation order.
    probe: The probe batch.

  Returns:
    `{"probe_loss", "saturated", "gradient_norm"}` (see `UnrollRecord`).
  """
  x_values = [tf.convert_to_tensor(v) for v in x_values]
  with tf.GradientTape() as tape:
    tape.watch(x_values)
    layers = _mlp_layers(x_values)
    hidden = probe.images
    saturated = []
    for w, b in layers[:-1]:
      hidden = tf.sigmoid(tf.matmul(hidden, w) + b)
      saturated.append(tf.reshape(
          tf.minimum(hidden, 1.0 - hidden) < SATURATION_MARGIN, [-1]))
    w, b = layers[-1]
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        logits=tf.matmul(hidden, w) + b, labels=probe.labels))
  gradients = tape.gradient(loss, x_values)
  return {
      "probe_loss": float(loss),
      "saturated": float(tf.reduce_mean(tf.cast(tf.concat(saturated, 0),
                                                tf.float32))),
      "gradient_norm": float(tf.linalg.global_norm(gradients))}


def update_statistics(before: Sequence[np.ndarray],
                      after: Sequence[np.ndarray],
                      num_steps: int) -> Dict[str, float]:
  """How the values moved in `num_steps` steps, from `before` to `after`.

  Returns:
    `{"update_size", "update_coherence"}` (see `UnrollRecord`).
  """
  deltas = [(a - b) / num_steps for a, b in zip(after, before)]
  total = sum(d.size for d in deltas)
  size = sum(np.abs(d).sum() for d in deltas) / total
  coherence = np.mean([abs(d.mean()) / max(np.abs(d).mean(), 1e-30)
                       for d in deltas])
  return {"update_size": float(size), "update_coherence": float(coherence)}


def watch_meta_training(problem, net_config: Dict[str, Any], *,
                        probe: Probe, num_epochs: int,
                        learning_rate: float, seed: int,
                        num_steps: int = 100,
                        unroll_length: int = 20) -> List[UnrollRecord]:
  """Meta-trains the nets for `num_epochs` epochs, recording every unroll.

  Args:
    problem: An MNIST `make_loss` with sigmoid hidden units
        (`util.get_config("mnist")`).
    net_config: `MetaOptimizer` keyword arguments.
    probe: The probe batch (`probe_batch`).
    num_epochs: Epochs to meta-train.
    learning_rate: Adam learning rate of the nets.
    seed: TensorFlow's global seed, set before the nets are built, as
        `train.py --seed` sets it.
    num_steps: Optimization steps per epoch.
    unroll_length: Steps per unroll.

  Returns:
    One `UnrollRecord` per unroll, `num_epochs * num_steps / unroll_length`.
  """
  tf.random.set_seed(seed)
  optimizer = meta.MetaOptimizer(**net_config)
  ops = optimizer.meta_minimize(problem, unroll_length,
                                learning_rate=learning_rate)
  records = []
  for epoch in range(1, num_epochs + 1):
    ops.reset()
    initial_loss = float(ops.fx.numpy())
    for unroll in range(1, num_steps // unroll_length + 1):
      before = [v.numpy() for v in ops.x]
      final_loss = float(ops.step())
      after = [v.numpy() for v in ops.x]
      records.append(UnrollRecord(
          epoch=epoch, unroll=unroll, initial_loss=initial_loss,
          final_loss=final_loss,
          meta_gradient_norms=optimizer.meta_gradient_norms,
          **update_statistics(before, after, unroll_length),
          **probe_statistics(after, probe)))
  return records


def _global_norm(norms: Dict[str, float]) -> float:
  return float(np.sqrt(np.sum(np.square(list(norms.values())))))


# The quantities `epoch_rows` gives as they are at the end of an epoch; the
# others are means over its unrolls.
_AT_EPOCH_END = ("initial_loss", "final_loss", "probe_loss", "saturated",
                 "gradient_norm")


def epoch_rows(records: Sequence[UnrollRecord]) -> List[Dict[str, float]]:
  """One row per epoch: `{"epoch": e, field: value}`, the optimizee's
  quantities at the end of the epoch (`_AT_EPOCH_END`), the nets' (update
  size and coherence) as means over its unrolls, and the meta-gradient as
  the mean over its unrolls of the global norm (`meta_gradient_norm`) and of
  the output layer's weights' norm (`output_meta_gradient_norm`, the net
  variables named `.../linear/w`)."""
  by_epoch = collections.defaultdict(list)
  for record in records:
    by_epoch[record.epoch].append(record)
  rows = []
  for epoch, unrolls in sorted(by_epoch.items()):
    row = {"epoch": epoch}
    for field in UNROLL_FIELDS[2:-1]:
      row[field] = (getattr(unrolls[-1], field) if field in _AT_EPOCH_END
                    else float(np.mean([getattr(r, field) for r in unrolls])))
    row["meta_gradient_norm"] = float(np.mean(
        [_global_norm(r.meta_gradient_norms) for r in unrolls]))
    row["output_meta_gradient_norm"] = float(np.mean(
        [_global_norm({k: v for k, v in r.meta_gradient_norms.items()
                       if k.endswith("linear/w")}) for r in unrolls]))
    rows.append(row)
  return rows


def first_epoch_below(rows: Sequence[Dict[str, float]],
                      fraction: float) -> Optional[int]:
  """The first epoch whose final loss is below `fraction` of its initial
  loss (the epoch a run left its initial loss), or `None`."""
  for row in rows:
    if row["final_loss"] < fraction * row["initial_loss"]:
      return row["epoch"]
  return None


def csv_text(records: Sequence[UnrollRecord]) -> str:
  """Every record as a CSV line, one column per field and per net
  variable's meta-gradient norm (`meta_gradient_norm:<variable>`)."""
  names = sorted(records[0].meta_gradient_norms) if records else []
  lines = [",".join(list(UNROLL_FIELDS[:-1]) +
                    ["meta_gradient_norm:" + n for n in names])]
  for r in records:
    values = [getattr(r, f) for f in UNROLL_FIELDS[:-1]]
    values += [r.meta_gradient_norms[n] for n in names]
    lines.append(",".join("{:.6g}".format(v) for v in values))
  return "\n".join(lines) + "\n"


def _shown_epochs(num_epochs: int) -> List[int]:
  """The epochs a report's table shows: 1 to 5, then every fifth."""
  return [e for e in range(1, num_epochs + 1) if e <= 5 or e % 5 == 0]


def markdown_table(rows: Sequence[Dict[str, float]]) -> str:
  """The rows of `epoch_rows` for the epochs `_shown_epochs` picks."""
  shown = set(_shown_epochs(len(rows)))
  lines = [
      "| epoch | final loss | update size | update coherence | saturated | "
      "gradient norm | meta-gradient norm | its output layer's |",
      "|---:|---:|---:|---:|---:|---:|---:|---:|"]
  for row in rows:
    if row["epoch"] in shown:
      lines.append(
          "| {epoch} | {final_loss:.3f} | {update_size:.2e} | "
          "{update_coherence:.2f} | {saturated:.3f} | {gradient_norm:.3f} | "
          "{meta_gradient_norm:.3g} | {output_meta_gradient_norm:.3g} |"
          .format(**row))
  return "\n".join(lines) + "\n"
