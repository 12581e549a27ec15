# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Placement and compilation on a GPU (skipped where TensorFlow sees none)."""

import numpy as np
import pytest
import tensorflow as tf

import meta
import util

pytestmark = pytest.mark.skipif(not tf.config.list_logical_devices("GPU"),
                                reason="TensorFlow sees no GPU.")


def _on_gpu(tensor_or_variable) -> bool:
  return "GPU" in tensor_or_variable.device.upper()


@pytest.mark.parametrize("name", ["quadratic", "mnist"])
def test_training_step_is_one_xla_program_on_the_gpu(name):
  problem, net_config, net_assignments = util.get_config(name, mode="train")
  optimizer = meta.MetaOptimizer(**net_config)
  ops = optimizer.meta_minimize(problem, 5, net_assignments=net_assignments)
  assert ops.step.uses_xla  # XLA is the default on a GPU.
  ops.reset()
  losses = [float(ops.step()) for _ in range(3)]
  assert ops.step.uses_xla  # It compiled: no fallback to the plain graph.
  assert np.all(np.isfinite(losses))
  assert _on_gpu(ops.fx)
  assert all(_on_gpu(x) for x in ops.x)
  nets = optimizer.checkpoint_items()["nets"].values()
  assert all(_on_gpu(v) for net in nets for v in net.trainable_variables)
