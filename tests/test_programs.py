# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of programs.py: XLA where it compiles, and only there a fallback."""

from absl import logging
import pytest
import tensorflow as tf

import programs


def test_an_error_that_is_not_xla_s_is_raised_without_a_retry(caplog):
  traces = []

  def buggy():
    traces.append("traced")
    raise tf.errors.InvalidArgumentError(None, None, "a bug of the problem")

  program = programs.Program(buggy, "step", jit_compile=True)
  with caplog.at_level(logging.WARNING), pytest.raises(
      tf.errors.InvalidArgumentError, match="a bug of the problem"):
    program()
  assert "XLA cannot compile" not in caplog.text
  assert program.uses_xla  # Not switched off by an error that was not XLA's.


def test_an_op_xla_cannot_compile_falls_back_with_a_log_line(caplog):
  values = tf.Variable([1.0, 2.0])

  def through_strings():
    # XLA has no string ops.
    return tf.reduce_sum(tf.strings.to_number(tf.strings.as_string(values)))

  program = programs.Program(through_strings, "loss", jit_compile=True)
  with caplog.at_level(logging.WARNING):
    assert float(program()) == 3.0
  assert "XLA cannot compile loss, which runs without XLA" in caplog.text
  assert not program.uses_xla
  assert float(program()) == 3.0


def test_a_program_xla_compiles_keeps_xla():
  values = tf.Variable([1.0, 2.0])
  program = programs.Program(lambda: tf.reduce_sum(values), "loss",
                             jit_compile=True)
  assert float(program()) == 3.0
  assert program.uses_xla


@pytest.mark.parametrize("jit_compile", [False, True])
def test_trace_runs_nothing(jit_compile):
  calls = tf.Variable(0)
  program = programs.Program(lambda: calls.assign_add(1), "update",
                             jit_compile=jit_compile)
  program.trace()
  assert int(calls.numpy()) == 0
  assert int(program()) == 1


def test_programs_of_size_are_built_once_each():
  sizes = []

  def make_program(size):
    sizes.append(size)
    return programs.Program(lambda: tf.constant(size), "run",
                            jit_compile=False)

  of_size = programs.ProgramsOfSize(make_program)
  assert [int(of_size(n)) for n in (3, 3, 4)] == [3, 3, 4]
  assert sizes == [3, 4]
  with pytest.raises(ValueError, match="must be a positive int, got 0"):
    of_size(0)
