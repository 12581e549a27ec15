# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of problems.py."""

import numpy as np
import pytest
import tensorflow as tf

import problems


def created_variables(make_loss):
  """Calls `make_loss`; returns its loss and `{name: (trainable, shape)}`."""
  variables = {}

  def record(next_creator, **kwargs):
    variable = next_creator(**kwargs)
    variables[variable.name.split(":")[0]] = (variable.trainable,
                                              variable.shape.as_list())
    return variable

  with tf.variable_creator_scope(record):
    loss = make_loss()
  return loss, variables


def loss_with_values(make_loss, values):
  """The loss with the variables named in `values` replaced by them (the
  TF2 form of the original tests' `feed_dict={"x:0": value}`)."""

  def substitute(next_creator, **kwargs):
    name = "/".join(filter(None, [tf.get_current_name_scope(),
                                  kwargs["name"]]))
    if name in values:
      return tf.constant(values[name], dtype=tf.float32)
    return next_creator(**kwargs)

  with tf.variable_creator_scope(substitute):
    return make_loss().numpy()


def check_problem(make_loss, expected_variables):
  """Checks a problem: scalar loss, its variables, and the same variables
  at every call (a requirement of meta.MetaOptimizer)."""
  loss, variables = created_variables(make_loss)
  assert loss.shape.as_list() == []
  assert variables == expected_variables
  assert created_variables(make_loss)[1] == variables


def test_simple():
  check_problem(problems.simple(), {"x": (True, [])})


@pytest.mark.parametrize("value", [-1, 0, 1, 10])
def test_simple_values(value):
  assert loss_with_values(problems.simple(), {"x": value}) == value ** 2


def test_simple_multi_optimizer():
  check_problem(problems.simple_multi_optimizer(num_dims=3),
                {"x_0": (True, []), "x_1": (True, []), "x_2": (True, [])})


@pytest.mark.parametrize("value", [-1, 0, 1, 10])
def test_simple_multi_optimizer_values(value):
  make_loss = problems.simple_multi_optimizer(num_dims=1)
  assert loss_with_values(make_loss, {"x_0": value}) == value ** 2


def test_quadratic():
  check_problem(problems.quadratic(batch_size=5, num_dims=3),
                {"x": (True, [5, 3]), "w": (False, [5, 3, 3]),
                 "y": (False, [5, 3])})


def test_quadratic_default_shape():
  loss, _ = created_variables(problems.quadratic())
  assert loss.shape.as_list() == []


def test_quadratic_forward_flops():
  """One matrix-vector product of num_dims^2 multiply-adds per quadratic."""
  assert problems.quadratic().forward_flops == 2 * 128 * 10 * 10
  assert problems.quadratic(batch_size=5, num_dims=3).forward_flops == (
      2 * 5 * 3 * 3)


@pytest.mark.parametrize("value", [-1, 0, 1, 10])
def test_quadratic_values(value):
  w, y = 2.0, 3.0
  make_loss = problems.quadratic(batch_size=1, num_dims=1)
  loss = loss_with_values(make_loss, {"x": [[value]], "w": [[[w]]],
                                      "y": [[y]]})
  assert loss == (w * value - y) ** 2


def test_quadratic_matches_numpy():
  rng = np.random.default_rng(0)
  x = rng.normal(size=[4, 3])
  w = rng.uniform(size=[4, 3, 3])
  y = rng.uniform(size=[4, 3])
  loss = loss_with_values(problems.quadratic(batch_size=4, num_dims=3),
                          {"x": x, "w": w, "y": y})
  expected = np.mean(np.sum((np.einsum("bij,bj->bi", w, x) - y) ** 2, axis=1))
  assert loss == pytest.approx(expected, rel=1e-5)


def test_quadratic_initial_values():
  variables = {}

  def record(next_creator, **kwargs):
    variable = next_creator(**kwargs)
    variables[variable.name.split(":")[0]] = variable.numpy()
    return variable

  with tf.variable_creator_scope(record):
    problems.quadratic(batch_size=500, num_dims=10, stddev=0.01)()
  assert np.std(variables["x"]) == pytest.approx(0.01, rel=0.05)
  for name in ("w", "y"):
    assert 0 <= variables[name].min() and variables[name].max() < 1


def _simple_ensemble(num_problems, weights=None):
  return problems.ensemble(
      [{"name": "simple", "options": {}} for _ in range(num_problems)],
      weights=weights)


def test_ensemble():
  check_problem(_simple_ensemble(3),
                {"problem_0/x": (True, []), "problem_1/x": (True, []),
                 "problem_2/x": (True, [])})


@pytest.mark.parametrize("value", [-1, 0, 1, 10])
def test_ensemble_values(value):
  weight = 0.5
  make_loss = _simple_ensemble(1, weights=[weight])
  assert loss_with_values(make_loss, {"problem_0/x": value}) == (
      weight * value ** 2)


def test_ensemble_weights_length():
  with pytest.raises(ValueError, match=r"len\(weights\) != len\(problems\)"):
    _simple_ensemble(2, weights=[1.0])


def test_ensemble_unknown_problem():
  with pytest.raises(ValueError, match="Unknown problem 'cubic' in ensemble"):
    problems.ensemble([{"name": "cubic", "options": {}}])
