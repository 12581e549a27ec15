# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Helpers shared by the test modules (which import this module, never each
other): running the scripts as a user does, and small problems, nets and
training loops."""

import json
import os
import subprocess
import sys

import numpy as np
import sonnet as snt
import tensorflow as tf

# The repository root, where the scripts run.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Seconds a script run by a test may take.
SUBPROCESS_TIMEOUT = 300

# Scripts.


def run(script, *args, timeout=300):
  """Runs `python <script> args` from the repository root: a script of the
  root (`"train.py"`), a module of its folders (`"paper.figures"`, run as
  `python -m paper.figures`) or Python code (a text of several lines)."""
  if "\n" in script:
    program = ["-c", script]
  elif script.endswith(".py"):
    program = [os.path.join(REPO, script)]
  else:
    program = ["-m", script]
  command = [sys.executable] + program + list(args)
  return subprocess.run(command, cwd=REPO, capture_output=True, text=True,
                        timeout=timeout)


# Calls a script's `main` once per case, as `cli.run_main` would, and
# records each error's message (`None` where `main` returned).
_MAIN_HARNESS = """
import json
import sys

from absl import flags

import errors
import {module}

cases = json.loads(sys.argv[1])
messages = {{}}
for case, arguments in cases.items():
  flags.FLAGS.unparse_flags()
  flags.FLAGS(["{module}.py"] + arguments)
  try:
    {module}.main([])
    messages[case] = None
  except errors.Error as e:
    messages[case] = str(e)
with open(sys.argv[2], "w") as f:
  json.dump(messages, f)
"""


def main_errors(script, cases, messages_file):
  """The errors of many runs of a script, in one subprocess (each run as a
  script would spend seconds importing TensorFlow).

  Args:
    script: A script of the repository root, e.g. `"train.py"`, or a module
        of its folders, e.g. `"paper.figures"`.
    cases: `{case: [argument]}`; each case's flags are parsed afresh and
        the script's `main` called, as `cli.run_main` calls it.
    messages_file: A file the subprocess writes the messages to.

  Returns:
    `{case: the one-line message of the project's error that main raised,
    or None if it returned}`.
  """
  module = script[:-len(".py")] if script.endswith(".py") else script
  harness = _MAIN_HARNESS.format(module=module)
  result = run(harness, json.dumps(cases), messages_file)
  assert result.returncode == 0, result.stderr
  with open(messages_file) as f:
    return json.load(f)


def assert_one_line_message(message, expected):
  """`main_errors`' message of a case: an error, on one line, holding
  `expected`."""
  assert message is not None, "no error"
  assert expected in message
  assert "\n" not in message


def assert_one_line_error(result, script, message):
  """Non-zero exit, no traceback, and the error as stderr's last line."""
  assert result.returncode != 0, result.stdout
  assert "Traceback" not in result.stderr, result.stderr
  last_line = result.stderr.strip().splitlines()[-1]
  assert last_line.startswith(script + ": error: "), result.stderr
  assert message in last_line


def log_mean_final_errors(stdout):
  """The values of the `Log Mean Final Error:` lines of a script's output."""
  return [float(line.split(":")[1]) for line in stdout.splitlines()
          if line.startswith("Log Mean Final Error:")]


# Nets and meta-training.


def unroll(net, gradients):
  """A net's updates `[steps, ...]` for a sequence of gradients, from its
  initial state."""
  state = net.initial_state_for_inputs(gradients[0])
  updates = []
  for g in gradients:
    update, state = net(g, state)
    updates.append(update.numpy())
  return np.stack(updates)


# `jit_compile` with and without XLA, for `pytest.mark.parametrize`.
JIT_MODES = [False, True]


def train(minimize_ops, num_epochs, num_unrolls):
  """L2L training: returns the last final loss and the final `x` values."""
  for _ in range(num_epochs):
    minimize_ops.reset()
    for _ in range(num_unrolls):
      cost = minimize_ops.step()
  return float(cost), [v.numpy() for v in minimize_ops.x]


def linear_net_config(**net_options):
  """A `MetaOptimizer` configuration of one coordinatewise net with no LSTM
  layer (its linear output layer only) and `net_options`."""
  return {"net": {"net": "CoordinateWiseDeepLSTM",
                  "net_options": dict({"layers": ()}, **net_options)}}


# `{case: (net_assignments, net config)}` of the two-variable problem.
MULTI_OPTIMIZER_CASES = {
    "shared": (None, {
        "net": {"net": "CoordinateWiseDeepLSTM",
                "net_options": {"layers": (1, 1,)}}}),
    "explicit_sharing": ([("net", ["x_0", "x_1"])], {
        "net": {"net": "CoordinateWiseDeepLSTM",
                "net_options": {"layers": (1,)}}}),
    "different_optimizers": ([("net1", ["x_0"]), ("net2", ["x_1"])], {
        "net1": {"net": "CoordinateWiseDeepLSTM",
                 "net_options": {"layers": (1,)}},
        "net2": {"net": "Adam"}}),
    "same_variable": ([("net1", ["x_0"]), ("net2", ["x_0"])], {
        "net1": {"net": "CoordinateWiseDeepLSTM",
                 "net_options": {"layers": (1,)}},
        "net2": {"net": "CoordinateWiseDeepLSTM",
                 "net_options": {"layers": (1,)}}}),
}


def mlp_problem(batch_size=32):
  """A small regression MLP built from Sonnet 2 modules inside make_loss."""
  inputs = tf.random.stateless_normal([batch_size, 4], seed=[1, 2])
  targets = tf.reduce_sum(inputs, axis=1, keepdims=True)

  def make_loss():
    mlp = snt.nets.MLP([8, 1], name="mlp")
    return tf.reduce_mean(tf.square(mlp(inputs) - targets))

  return make_loss
