# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Where a program's time goes: a TensorFlow profiler trace, read back.

`trace(logdir, run)` records a trace of `run()` with `tf.profiler` (open it
in TensorBoard's profile plugin); `op_seconds(logdir)` reads the newest
trace back and sums the time of each op the TensorFlow executor ran;
`breakdown` puts those ops into the categories of `CATEGORIES` (the
meta-optimizer net's matmuls and gates, the preprocessing, the optimizee,
the minibatch sampling, the loop's machinery, the variable updates), each
split into the forward pass and the meta-gradient's backward pass (the ops
under the outermost `gradient_tape/` scope; the optimizee's own gradients,
taken inside the unroll, are forward), and the executor's time between its
ops.

The ops keep their names (and so their category) only in a program run
without XLA: XLA fuses them into kernels of its own, which
`op_seconds` does not see. Times are thread-seconds: the sum over the
executor's threads, so on two cores they add up to about twice the wall
time.
"""

import collections
import glob
import os
import re
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

import tensorflow as tf
from tensorflow.tsl.profiler.protobuf import xplane_pb2

# The name scopes of the learned nets' modules.
_NET_SCOPE = re.compile(r"(^|/)(cw_deep_lstm|kernel_deep_lstm|rnnprop)"
                        r"(_\d+)?/")


def _in_net(name: str) -> bool:
  return bool(_NET_SCOPE.search(name))


def _is_matmul(op_type: str) -> bool:
  return "MatMul" in op_type


def _is_backward(name: str) -> bool:
  """Whether an op is in the meta-gradient's backward pass: under the
  outermost tape's scope (`unroll/body/.../gradient_tape/...`, the
  optimizee's gradients inside the unroll, is forward)."""
  return name.startswith("gradient_tape/")


_SAMPLING_TYPES = re.compile(r"^(GatherV2|StatelessRandom\w*|Random\w*)$")
_LOOP_TYPES = re.compile(r"^(TensorList\w*|TensorArray\w*|Enter|Exit|Merge|"
                         r"Switch|NextIteration|LoopCond|Identity|Less|"
                         r"Pack|Unpack|StopGradient)$")
_VARIABLE_TYPES = re.compile(r"^(ReadVariableOp|AssignVariableOp|"
                             r"AssignAddVariableOp|ResourceApply\w*|"
                             r"VarHandleOp)$")

# The categories, in the order of the table, each with the test of an op's
# `(name, type)` that puts it there; an op goes to the first that matches.
CATEGORIES: List[Tuple[str, Callable[[str, str], bool]]] = [
    ("preprocessing", lambda name, _: "preprocess" in name and _in_net(name)),
    ("net: matmuls", lambda name, op_type: _in_net(name) and
     _is_matmul(op_type)),
    ("net: gates and other elementwise ops",
     lambda name, _: _in_net(name)),
    ("minibatch sampling and random draws",
     lambda _, op_type: bool(_SAMPLING_TYPES.match(op_type))),
    ("loop and tensor-list machinery",
     lambda _, op_type: bool(_LOOP_TYPES.match(op_type))),
    ("variable reads and updates (Adam step included)",
     lambda _, op_type: bool(_VARIABLE_TYPES.match(op_type))),
    ("meta-gradient sums",
     lambda name, op_type: _is_backward(name) and op_type == "AddN"),
    ("the optimizee, its loss and every other op", lambda name, op_type: True),
]
# The event of one executor step, around the ops it runs.
_EXECUTOR_EVENT = "ExecutorState::Process"
# The event of an op: `<op name>:<op type>`.
_OP_EVENT = re.compile(r"^([\w./-]+):(\w+)$")


def trace(logdir: str, run: Callable[[], None]):
  """Records a profiler trace of `run()` under `logdir`."""
  tf.profiler.experimental.start(logdir)
  try:
    run()
  finally:
    tf.profiler.experimental.stop()


class OpTimes(NamedTuple):
  """The executor's time in a trace, in thread-seconds."""
  # `{(op name, op type): seconds}`.
  ops: Dict[Tuple[str, str], float]
  # The executor steps' whole time, ops and scheduling between them.
  executor: float


def op_seconds(logdir: str) -> OpTimes:
  """The ops' times of the newest trace under `logdir`.

  Raises:
    FileNotFoundError: If `logdir` holds no trace.
  """
  files = glob.glob(os.path.join(logdir, "plugins", "profile", "*",
                                 "*.xplane.pb"))
  if not files:
    raise FileNotFoundError("No profiler trace under {}".format(logdir))
  space = xplane_pb2.XSpace()
  with open(max(files, key=os.path.getmtime), "rb") as f:
    space.ParseFromString(f.read())
  ops = collections.Counter()
  executor = 0.0
  for plane in space.planes:
    for line in plane.lines:
      for event in line.events:
        name = plane.event_metadata[event.metadata_id].name
        seconds = event.duration_ps * 1e-12
        op = _OP_EVENT.match(name)
        if name == _EXECUTOR_EVENT:
          executor += seconds
        elif op and not op.group(2).startswith("__inference"):
          ops[op.groups()] += seconds
  return OpTimes(dict(ops), executor)


class Row(NamedTuple):
  """One category's thread-seconds: forward, backward (`None` where the
  time is not an op's) and their total."""
  category: str
  forward: Optional[float]
  backward: Optional[float]
  total: float


def category(name: str, op_type: str) -> str:
  """The category of `CATEGORIES` an op `name` of type `op_type` is in."""
  for label, matches in CATEGORIES:
    if matches(name, op_type):
      return label
  raise AssertionError("the last category takes every op")


def breakdown(times: OpTimes) -> List[Row]:
  """The rows of `CATEGORIES` (those with time), then the executor's time
  outside the ops (scheduling), as a row of its own."""
  sums = collections.defaultdict(lambda: [0.0, 0.0])
  for (name, op_type), seconds in times.ops.items():
    sums[category(name, op_type)][_is_backward(name)] += seconds
  rows = [Row(label, *sums[label], sum(sums[label])) for label, _ in CATEGORIES
          if label in sums]
  scheduling = max(times.executor - sum(times.ops.values()), 0.0)
  return rows + [Row("executor scheduling between ops", None, None,
                     scheduling)]


def table(rows: List[Row]) -> str:
  """Markdown: each row's forward, backward and total thread-seconds and
  its share of the total."""
  def cell(seconds):
    return "" if seconds is None else "{:.3f}".format(seconds)

  total = sum(row.total for row in rows)
  lines = ["| where | forward s | backward s | total s | share |",
           "|---|---:|---:|---:|---:|"]
  lines += ["| {} | {} | {} | {:.3f} | {:.1%} |".format(
      row.category, cell(row.forward), cell(row.backward), row.total,
      row.total / total) for row in rows]
  lines.append("| total |  |  | {:.3f} | 100% |".format(total))
  return "\n".join(lines)
