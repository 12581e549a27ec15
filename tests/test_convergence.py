# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Convergence test of the original: L2L solves x^2."""

import pytest

import meta
import problems


@pytest.mark.parametrize("jit_compile", [False, True])
def test_simple(jit_compile):
  """L2L solves the simple problem in less than 500 epochs."""
  optimizer = meta.MetaOptimizer(net=dict(
      net="CoordinateWiseDeepLSTM",
      net_options={
          "layers": (),
          # Initializing the network to zeros makes learning more stable.
          "initializer": "zeros"
      }))
  minimize_ops = optimizer.meta_minimize(problems.simple(), 20,
                                         learning_rate=1e-2,
                                         jit_compile=jit_compile)
  for _ in range(500):
    minimize_ops.reset()
    for _ in range(5):
      cost = minimize_ops.step()
  assert float(cost) < 1e-5
