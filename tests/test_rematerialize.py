# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of meta_loss's and meta_minimize's rematerialize: the same training
with much less memory."""

import itertools
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import data_files
import helpers
import meta
import problems


REMATERIALIZE_PROBLEMS = {
    "quadratic": lambda: problems.quadratic(batch_size=4, num_dims=3),
    "sonnet_mlp": helpers.mlp_problem,
}


def train_for_comparison(optimizer, make_loss, num_steps, **kwargs):
  """Steps a meta-optimizer from a fresh problem (seeded): its losses, nets
  and Adam moments (which, unlike the first Adam steps, scale with the
  meta-gradients)."""
  tf.random.set_seed(1)
  ops = optimizer.meta_minimize(make_loss, 7, **kwargs)
  ops.reset()
  losses = [float(ops.step().numpy()) for _ in range(num_steps)]
  adam = optimizer.checkpoint_items()["meta_adam"]
  return {"losses": losses, "nets": optimizer.save(),
          "moments": [m.numpy() for m in adam.m + adam.v],
          "uses_xla": ops.step.uses_xla}


def assert_same_training(expected, actual):
  np.testing.assert_allclose(actual["losses"], expected["losses"], rtol=1e-5)
  for key, modules in expected["nets"].items():
    for module, values in modules.items():
      for name, value in values.items():
        np.testing.assert_allclose(actual["nets"][key][module][name], value,
                                   rtol=1e-5, atol=1e-7)
  for actual_moment, moment in zip(actual["moments"], expected["moments"]):
    np.testing.assert_allclose(actual_moment, moment, rtol=1e-5,
                               atol=1e-5 * np.abs(moment).max())


# (jit_compile, second_derivatives, problem) cases of the default suite: each
# option once; the other combinations are slow.
_DEFAULT_TRAINING_CASES = [(False, False, "sonnet_mlp"),
                           (False, True, "quadratic"),
                           (True, False, "quadratic")]


@pytest.mark.parametrize("jit_compile, second_derivatives, problem", [
    pytest.param(*case, marks=() if case in _DEFAULT_TRAINING_CASES
                 else pytest.mark.slow)
    for case in itertools.product(helpers.JIT_MODES, [False, True],
                                  sorted(REMATERIALIZE_PROBLEMS))])
def test_rematerialize_trains_as_without(tmp_path, problem,
                                         second_derivatives, jit_compile):
  """The same saved random net, loaded twice, trains alike with and without
  rematerialization (7 steps: segments of 3, 3 and 1)."""
  config = {"cw": {"net": "CoordinateWiseDeepLSTM",
                   "net_options": {"layers": (5, 5),
                                   "preprocess_name": "LogAndSign",
                                   "preprocess_options": {"k": 5}}}}
  make_loss = REMATERIALIZE_PROBLEMS[problem]()
  saver = meta.MetaOptimizer(**config)
  saver.meta_loss(make_loss, 1)
  saver.save(path=str(tmp_path))
  config["cw"]["net_path"] = os.path.join(str(tmp_path), "cw.l2l")
  results = {
      rematerialize: train_for_comparison(
          meta.MetaOptimizer(**config), make_loss, 3,
          second_derivatives=second_derivatives, jit_compile=jit_compile,
          rematerialize=rematerialize)
      for rematerialize in (False, True)}
  assert results[True]["uses_xla"] == jit_compile
  assert results[True]["losses"][0] == results[False]["losses"][0]
  assert_same_training(results[False], results[True])


def test_rematerialize_recomputes_the_steps_minibatches(tmp_path):
  """On MNIST, whose steps draw random minibatches, the recomputed steps
  draw the minibatches of the forward pass: the same training."""
  data_files.write_mnist_idx(str(tmp_path))
  make_loss = problems.mnist((4,), data_dir=str(tmp_path), batch_size=8)
  results = {}
  for rematerialize in (False, True):
    tf.random.set_seed(4)
    results[rematerialize] = train_for_comparison(
        meta.MetaOptimizer(), make_loss, 2, rematerialize=rematerialize)
  assert_same_training(results[False], results[True])


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(helpers.MULTI_OPTIMIZER_CASES))
def test_rematerialize_multi_optimizer(case):
  """Several nets, and a hand-written net's state (Adam's), rematerialized."""
  net_assignments, net_config = helpers.MULTI_OPTIMIZER_CASES[case]
  results = {}
  for rematerialize in (False, True):
    tf.random.set_seed(2)
    results[rematerialize] = train_for_comparison(
        meta.MetaOptimizer(**net_config),
        problems.simple_multi_optimizer(num_dims=2), 2,
        net_assignments=net_assignments, rematerialize=rematerialize)
  assert_same_training(results[False], results[True])


@pytest.mark.parametrize("jit_compile", helpers.JIT_MODES)
def test_rematerialized_loss_differentiates_as_without(jit_compile):
  """Differentiating `loss()` of `meta_loss` directly gives the same
  meta-gradient, and the nets' weights are all that the tape watches."""
  optimizer = meta.MetaOptimizer()
  gradients = {}
  for rematerialize in (False, True):
    tf.random.set_seed(3)
    ops = optimizer.meta_loss(problems.quadratic(batch_size=4, num_dims=3),
                              5, jit_compile=jit_compile,
                              rematerialize=rematerialize)
    ops.reset()
    with tf.GradientTape() as tape:
      loss = ops.loss()
    variables = sorted(tape.watched_variables(), key=lambda v: v.name)
    assert len(variables) == sum(
        len(module) for module in optimizer.save()["coordinatewise"].values())
    gradients[rematerialize] = [
        g.numpy() for g in tape.gradient(loss, variables)]
  for actual, expected in zip(gradients[True], gradients[False]):
    assert np.abs(expected).max() > 0
    np.testing.assert_allclose(actual, expected, rtol=1e-5,
                               atol=1e-5 * np.abs(expected).max())


def test_rematerialize_with_nets_without_variables():
  """A net without meta-parameters (SGD): the same trajectory as without
  rematerialisation."""
  results = {}
  for rematerialize in (False, True):
    tf.random.set_seed(0)
    ops = meta.MetaOptimizer(sgd={"net": "Sgd"}).meta_minimize(
        problems.quadratic(batch_size=2, num_dims=2), 3,
        rematerialize=rematerialize)
    results[rematerialize] = helpers.train(ops, 1, 2)
  assert results[True][0] == results[False][0]
  np.testing.assert_array_equal(results[True][1][0], results[False][1][0])


def test_rematerialize_with_many_instances():
  """Instances and rematerialization together: the same training."""
  results = {}
  for rematerialize in (False, True):
    results[rematerialize] = train_for_comparison(
        meta.MetaOptimizer(), problems.quadratic(batch_size=2, num_dims=3), 2,
        num_instances=3, rematerialize=rematerialize)
  assert_same_training(results[False], results[True])


def bench_peak_memory(rematerialize, jit_compile):
  """`bench.py`'s report of one meta-training epoch of one unroll of 20
  steps on a 10^5-coordinate quadratic, in a process of its own."""
  result = subprocess.run([
      sys.executable,
      os.path.join(helpers.REPO, "bench.py"), "--problem=quadratic",
      "--num_coordinates=100000", "--unroll_length=20", "--num_steps=20",
      "--num_epochs=2", "--phases=train", "--json=-", "--xla=" +
      ("on" if jit_compile else "off")
  ] + (["--rematerialize"] if rematerialize else []),
                          cwd=helpers.REPO,
                          capture_output=True,
                          text=True,
                          timeout=1200)
  assert result.returncode == 0, result.stderr[-2000:]
  [report] = json.loads(result.stdout[result.stdout.index("["):])
  return report


@pytest.mark.slow
@pytest.mark.parametrize("jit_compile", helpers.JIT_MODES)
def test_rematerialize_lowers_peak_memory(jit_compile):
  """The memory the meta-steps add to the process (peak less the memory
  before the first step), 10^5 coordinates at unroll 20: at least 4 times
  lower rematerialized; 3.5 with XLA, whose compiler adds some 250 MB to
  either setting."""
  added = {}
  for rematerialize in (False, True):
    report = bench_peak_memory(rematerialize, jit_compile)
    assert report["rematerialize"] == rematerialize
    added[rematerialize] = report["peak_host_mb"] - report["start_host_mb"]
  assert added[False] >= (3.5 if jit_compile else 4) * added[True], added
