# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of profiling.py: a trace read back, its ops put in categories."""

import pytest
import tensorflow as tf

import profiling


# Names and types of ops as the executor records them in a meta-training
# step without XLA (`bench.py --xla=off --profile`), and their category.
OPS = [
    ("unroll/body/_1/cw_deep_lstm/lstm_1/MatMul_1", "_MklMatMul",
     "net: matmuls"),
    ("gradient_tape/unroll/unroll_grad/body/_261/gradient_tape/unroll/"
     "gradients/cw_deep_lstm/lstm_2/MatMul_1_grad/MatMul", "_MklMatMul",
     "net: matmuls"),
    ("unroll/body/_1/rnnprop/lstm_1/Sigmoid_2", "Sigmoid",
     "net: gates and other elementwise ops"),
    ("unroll/body/_1/cw_deep_lstm/preprocess_log/Log", "Log",
     "preprocessing"),
    ("unroll/body/_1/unroll/GatherV2", "GatherV2",
     "minibatch sampling and random draws"),
    ("unroll/body/_1/unroll/stateless_random_uniform",
     "StatelessRandomUniformFullIntV2", "minibatch sampling and random draws"),
    ("unroll/body/_1/TensorListPushBack_3", "TensorListPushBack",
     "loop and tensor-list machinery"),
    ("AssignVariableOp_6", "AssignVariableOp",
     "variable reads and updates (Adam step included)"),
    ("gradient_tape/unroll/unroll_grad/body/_261/gradient_tape/unroll/"
     "gradients/AddN_5", "AddN", "meta-gradient sums"),
    ("unroll/body/_1/unroll/mlp/linear_0/MatMul", "_MklNativeFusedMatMul",
     "the optimizee, its loss and every other op"),
    ("unroll/body/_1/unroll/SparseSoftmaxCrossEntropyWithLogits",
     "SparseSoftmaxCrossEntropyWithLogits",
     "the optimizee, its loss and every other op"),
]


@pytest.mark.parametrize("name, op_type, expected", OPS)
def test_category(name, op_type, expected):
  assert profiling.category(name, op_type) == expected


def test_breakdown_splits_forward_and_backward_and_keeps_scheduling():
  times = profiling.OpTimes(
      ops={("unroll/body/_1/cw_deep_lstm/lstm_1/MatMul", "_MklMatMul"): 2.0,
           ("gradient_tape/unroll/gradients/cw_deep_lstm/lstm_1/MatMul_grad/"
            "MatMul", "_MklMatMul"): 3.0,
           ("unroll/body/_1/unroll/GatherV2", "GatherV2"): 0.5,
           # The optimizee's gradient inside the unroll: forward.
           ("unroll/body/_1/gradient_tape/unroll/mlp/linear_0/MatMul",
            "_MklMatMul"): 0.25},
      executor=6.25)
  rows = profiling.breakdown(times)
  assert rows == [
      profiling.Row("net: matmuls", 2.0, 3.0, 5.0),
      profiling.Row("minibatch sampling and random draws", 0.5, 0.0, 0.5),
      profiling.Row("the optimizee, its loss and every other op", 0.25, 0.0,
                    0.25),
      profiling.Row("executor scheduling between ops", None, None, 0.5)]
  table = profiling.table(rows)
  assert "| net: matmuls | 2.000 | 3.000 | 5.000 | 80.0% |" in table
  assert "| executor scheduling between ops |  |  | 0.500 | 8.0% |" in table
  assert table.endswith("| total |  |  | 6.250 | 100% |")


def test_a_traced_program_is_read_back(tmp_path):
  """A tf.function without XLA: its matmul, in a net's scope, is found in
  the trace with its name and type."""
  a = tf.random.normal([256, 256])

  @tf.function(jit_compile=False)
  def program():
    with tf.name_scope("cw_deep_lstm"):
      return tf.matmul(a, a)

  program()  # Traced before the profile.
  profiling.trace(str(tmp_path), lambda: [program() for _ in range(3)])
  times = profiling.op_seconds(str(tmp_path))
  matmuls = {key: seconds for key, seconds in times.ops.items()
             if profiling.category(*key) == "net: matmuls"}
  # The type is MatMul, or _MklMatMul with oneDNN.
  [(name, op_type)] = list(matmuls)
  assert name == "cw_deep_lstm/MatMul" and op_type.endswith("MatMul")
  assert all(seconds > 0 for seconds in matmuls.values())
  assert times.executor > 0


def test_no_trace_is_an_error(tmp_path):
  with pytest.raises(FileNotFoundError, match="No profiler trace"):
    profiling.op_seconds(str(tmp_path))
