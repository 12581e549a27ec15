# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of meta.py under `tf.distribute` strategies.

TensorFlow's devices can be configured only before it starts, so each test
runs this file as a script in a subprocess: for a `MirroredStrategy`, one
process whose CPU is split into two logical devices, one replica each; for a
`MultiWorkerMirroredStrategy`, two worker processes on localhost ports, one
replica each. The script prints its measurements as one line of JSON, which
the test checks.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, List, Sequence

import numpy as np
import pytest

import helpers


# The Torch implementation's numbers on x^2 (tests/test_meta.py).
TORCH_COST = 0.7325327
TORCH_FINAL_X = 0.8559
ZERO_LINEAR_NET = {"net": {"net": "CoordinateWiseDeepLSTM",
                           "net_options": {"layers": (),
                                           "initializer": "zeros"}}}
SGD_LEARNING_RATE = 0.1
SGD_NET = {"sgd": {"net": "Sgd",
                   "net_options": {"learning_rate": SGD_LEARNING_RATE}}}


# The cases, run in the subprocess; each returns a JSON-able dict.


def _torch_results(strategy, jit_compile, num_instances=1,
                   rematerialize=False):
  """Two `step()`s of the zero linear net on x^2, every replica and
  instance alike."""
  import meta  # pylint: disable=g-import-not-at-top
  import problems  # pylint: disable=g-import-not-at-top
  with strategy.scope():
    optimizer = meta.MetaOptimizer(**ZERO_LINEAR_NET)
    ops = optimizer.meta_minimize(problems.simple(), 5,
                                  jit_compile=jit_compile,
                                  num_instances=num_instances,
                                  rematerialize=rematerialize)
  ops.reset()
  for _ in range(2):
    cost = ops.step()
  return {"cost": float(cost), "cost_shape": cost.shape.as_list(),
          "fx": float(ops.fx.numpy()),
          "x": [float(v.numpy()) for x in ops.x for v in x.values],
          "uses_xla": ops.step.uses_xla}


def _own_instances(strategy, jit_compile):
  """SGD (a net without weights) from x = 1 on replica 0 and x = 2 on
  replica 1: each replica optimizes its own instance."""
  import meta  # pylint: disable=g-import-not-at-top
  import problems  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  with strategy.scope():
    ops = meta.MetaOptimizer(**SGD_NET).meta_loss(problems.simple(), 5,
                                                  jit_compile=jit_compile)

  @tf.function
  def assign_replica_values():
    def assign():
      replica = tf.distribute.get_replica_context().replica_id_in_sync_group
      ops.x[0].assign(tf.cast(replica + 1, tf.float32))
    strategy.run(assign)

  ops.reset()
  assign_replica_values()
  loss = ops.loss()
  fx = ops.update()
  result = {"loss": float(loss), "update": float(fx),
            "fx": [float(v.numpy()) for v in ops.fx.values],
            "x": [float(v.numpy()) for v in ops.x[0].values]}
  run = ops.run_steps(2)
  return dict(result, run=run.numpy().tolist(),
              x_after_run=[float(v.numpy()) for v in ops.x[0].values])


def _meta_training(strategy, num_epochs, seed=1):
  """Meta-trains the default net on small quadratics; returns the final
  losses of the epochs, the nets' weights of each replica and the `x` of
  each replica after two resets."""
  import meta  # pylint: disable=g-import-not-at-top
  import problems  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  tf.random.set_seed(seed)
  with strategy.scope():
    optimizer = meta.MetaOptimizer()
    ops = optimizer.meta_minimize(
        problems.quadratic(batch_size=8, num_dims=3), 20, learning_rate=0.01)
  losses = []
  for _ in range(num_epochs):
    ops.reset()
    for _ in range(5):
      ops.step()
    losses.append(float(ops.fx.numpy()))
  weights = [[v.numpy().tolist() for v in variable.values]
             for variable in optimizer.checkpoint_items()["nets"][
                 "coordinatewise"].trainable_variables]
  resets = []
  for _ in range(2):
    ops.reset()
    resets.append([v.numpy().tolist() for v in ops.x[0].values])
  return {"losses": losses, "weights": weights, "resets": resets}


def _nan_guard(strategy):
  """A NaN on replica 1 only: the Adam step is skipped on both replicas."""
  import meta  # pylint: disable=g-import-not-at-top
  import problems  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  with strategy.scope():
    optimizer = meta.MetaOptimizer(**ZERO_LINEAR_NET)
    ops = optimizer.meta_minimize(problems.simple(), 5)
  items = optimizer.checkpoint_items()
  net_variables = items["nets"]["net"].trainable_variables

  def weights():
    return [[v.numpy().tolist() for v in variable.values]
            for variable in net_variables]

  @tf.function
  def poison_replica_1():
    def poison():
      replica = tf.distribute.get_replica_context().replica_id_in_sync_group
      x = ops.x[0]
      x.assign(tf.where(tf.equal(replica, 1), tf.constant(np.nan, x.dtype),
                        x.read_value()))
    strategy.run(poison)

  ops.reset()
  ops.step()
  before = weights()
  poison_replica_1()
  cost = float(ops.step())
  after = weights()
  skipped = optimizer.skipped_steps
  adam_steps = float(items["meta_adam"].t.numpy())
  ops.reset()
  ops.step()
  return {"cost": cost, "before": before, "after": after, "skipped": skipped,
          "adam_steps": adam_steps,
          "skipped_after_reset": optimizer.skipped_steps,
          "trained_after_reset": weights()}


def _misuse(strategy):
  """Nets created outside the strategy's scope, and `meta_minimize` called
  inside `strategy.run`: the error messages."""
  import meta  # pylint: disable=g-import-not-at-top
  import problems  # pylint: disable=g-import-not-at-top
  messages = {}
  optimizer = meta.MetaOptimizer(**ZERO_LINEAR_NET)
  optimizer.meta_loss(problems.simple(), 5)
  try:
    with strategy.scope():
      optimizer.meta_minimize(problems.simple(), 5)
  except ValueError as e:
    messages["outside_scope"] = str(e)

  def build_in_replica():
    meta.MetaOptimizer(**ZERO_LINEAR_NET).meta_minimize(problems.simple(), 5)

  try:
    with strategy.scope():
      strategy.run(build_in_replica)
  except RuntimeError as e:
    messages["in_replica"] = str(e)
  return messages


def _multi_worker(strategy, num_epochs):
  """The Torch numbers, then a short meta-training on quadratics, on one
  worker of a `MultiWorkerMirroredStrategy`."""
  result = _torch_results(strategy, jit_compile=False)
  # The same seed would draw the same instances on every worker.
  training = _meta_training(strategy, num_epochs,
                            seed=1 + strategy.cluster_resolver.task_id)
  result["weights"] = training["weights"]
  result["losses"] = training["losses"]
  result["reset_x"] = training["resets"][0]
  return result


_CASES = {
    "torch_results": _torch_results,
    "own_instances": _own_instances,
    "meta_training": _meta_training,
    "nan_guard": _nan_guard,
    "misuse": _misuse,
    "multi_worker": _multi_worker,
}


def _main(case: str, options: str):
  """Runs `case` with the JSON keyword arguments `options`; prints its
  result as the last line of JSON."""
  options = json.loads(options)
  worker = options.pop("worker", None)
  cross_device_ops = options.pop("cross_device_ops", "ReductionToOneDevice")
  if worker is not None:
    os.environ["TF_CONFIG"] = json.dumps({
        "cluster": {"worker": ["localhost:{}".format(port)
                               for port in options.pop("ports")]},
        "task": {"type": "worker", "index": worker}})
  sys.path.insert(0, helpers.REPO)
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if worker is not None:
    # Before any eager op. NCCL, the default of GPUs, does not run on a CPU.
    strategy = tf.distribute.MultiWorkerMirroredStrategy(
        communication_options=tf.distribute.experimental.CommunicationOptions(
            implementation=(
                tf.distribute.experimental.CommunicationImplementation.RING)))
  else:
    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices("CPU")[0],
        [tf.config.LogicalDeviceConfiguration()] * 2)
    # The default on CPUs is a CollectiveAllReduce.
    strategy = tf.distribute.MirroredStrategy(
        ["/cpu:0", "/cpu:1"],
        cross_device_ops=(cross_device_ops and
                          getattr(tf.distribute, cross_device_ops)()))
  assert strategy.num_replicas_in_sync == 2
  result = _CASES[case](strategy, **options)
  print(json.dumps(result))


# The tests, run by pytest.


def _start(case: str, **options) -> subprocess.Popen:
  """Starts `case` in a subprocess."""
  env = dict(os.environ)
  # conftest.py points the proxy variables at a closed port; gRPC, which
  # connects the workers, would honour them.
  env["no_proxy"] = env["NO_PROXY"] = env["no_grpc_proxy"] = (
      "localhost,127.0.0.1")
  env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  # Files, not pipes: a full pipe would block a worker that `_results`
  # does not read from while it waits for all of them.
  outputs = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
  process = subprocess.Popen(
      [sys.executable, os.path.abspath(__file__), case, json.dumps(options)],
      cwd=helpers.REPO, env=env, stdout=outputs[0], stderr=outputs[1])
  process.outputs = outputs
  return process


def _results(processes: Sequence[subprocess.Popen]) -> List[Any]:
  """Waits for processes of `_start`; returns their JSON results.

  A failed or hung process fails the test and kills the others: the workers
  of a strategy wait for each other forever (and ignore SIGTERM).
  """
  deadline = time.time() + helpers.SUBPROCESS_TIMEOUT
  while (any(p.poll() is None for p in processes) and
         all(p.poll() in (None, 0) for p in processes) and
         time.time() < deadline):
    time.sleep(0.5)
  for p in processes:
    if p.poll() is None:
      p.kill()
    p.wait()
  outputs = []
  for p in processes:
    for output in p.outputs:
      output.seek(0)
    outputs.append(tuple(output.read() for output in p.outputs))
    for output in p.outputs:
      output.close()
  for p, (_, stderr) in zip(processes, outputs):
    assert p.returncode == 0, stderr[-5000:]
  return [json.loads(stdout.strip().splitlines()[-1])
          for stdout, _ in outputs]


def _run(case: str, **options):
  return _results([_start(case, **options)])[0]


def _free_ports(count: int):
  sockets = [socket.socket() for _ in range(count)]
  for s in sockets:
    s.bind(("localhost", 0))
  ports = [s.getsockname()[1] for s in sockets]
  for s in sockets:
    s.close()
  return ports


@pytest.mark.parametrize(
    "jit_compile, cross_device_ops, num_instances, rematerialize", [
        pytest.param(False, "ReductionToOneDevice", 1, False,
                     marks=pytest.mark.slow),
        pytest.param(False, "HierarchicalCopyAllReduce", 1, False,
                     marks=pytest.mark.slow),
        pytest.param(False, None, 1, False, marks=pytest.mark.slow),
        pytest.param(True, "ReductionToOneDevice", 1, False,
                     marks=pytest.mark.slow),
        pytest.param(False, "ReductionToOneDevice", 3, True,
                     marks=pytest.mark.slow),
        (True, "ReductionToOneDevice", 2, True)])
def test_torch_results(jit_compile, cross_device_ops, num_instances,
                       rematerialize):
  """Identical deterministic instances on two replicas: the single-device
  (Torch) numbers on each, and `step()` returns their mean as a scalar;
  also with several instances per replica, rematerialized."""
  result = _run("torch_results", jit_compile=jit_compile,
                cross_device_ops=cross_device_ops,
                num_instances=num_instances, rematerialize=rematerialize)
  assert result["uses_xla"] == jit_compile
  assert result["cost_shape"] == []
  assert result["cost"] == pytest.approx(TORCH_COST, abs=1e-4)
  assert result["fx"] == pytest.approx(result["cost"])
  assert len(result["x"]) == 2 * num_instances
  for x in result["x"]:
    assert x == pytest.approx(TORCH_FINAL_X, abs=1e-4)


@pytest.mark.parametrize("jit_compile", [
    pytest.param(False, marks=pytest.mark.slow), True])
def test_own_instances(jit_compile):
  """Each replica optimizes its own instance; `fx`, `loss()` and `update()`
  are means over the replicas; `run_steps` returns every replica's losses,
  replica by replica, and continues each replica's own optimization."""
  result = _run("own_instances", jit_compile=jit_compile)
  len_unroll = 5
  decay = 1 - 2 * SGD_LEARNING_RATE  # x <- x - lr * 2x.
  x0 = np.array([1.0, 2.0])
  expected_x = x0 * decay ** len_unroll
  expected_loss = np.mean(
      [np.sum((x * decay ** np.arange(len_unroll + 1)) ** 2) for x in x0])
  np.testing.assert_allclose(result["x"], expected_x, rtol=1e-5)
  np.testing.assert_allclose(result["fx"], expected_x ** 2, rtol=1e-5)
  assert result["update"] == pytest.approx(np.mean(expected_x ** 2),
                                           rel=1e-5)
  assert result["loss"] == pytest.approx(expected_loss, rel=1e-5)
  # Two more steps of each replica's instance: [steps, replicas].
  np.testing.assert_allclose(
      result["run"],
      [(x0 * decay ** (len_unroll + 1)) ** 2,
       (x0 * decay ** (len_unroll + 2)) ** 2], rtol=1e-5)
  np.testing.assert_allclose(result["x_after_run"],
                             x0 * decay ** (len_unroll + 2), rtol=1e-5)


def test_meta_training():
  """A short meta-training on quadratics lowers the loss; the nets' weights
  stay identical on both replicas; each reset draws new values, different
  on each replica."""
  result = _run("meta_training", num_epochs=30)
  losses = result["losses"]
  assert all(np.isfinite(losses))
  assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])
  for replica_0, replica_1 in result["weights"]:
    np.testing.assert_array_equal(replica_0, replica_1)
  (first_0, first_1), (second_0, _) = result["resets"]
  assert not np.allclose(first_0, first_1)
  assert not np.allclose(first_0, second_0)


@pytest.mark.slow  # The guard itself: test_nan_never_reaches_the_saved_optimizer.
def test_nan_guard():
  """A NaN on one replica skips the Adam step on both."""
  result = _run("nan_guard")
  assert np.isnan(result["cost"])
  assert result["skipped"] == 1
  assert result["adam_steps"] == 1
  assert result["after"] == result["before"]
  assert result["skipped_after_reset"] == 1
  for replica_0, replica_1 in result["trained_after_reset"]:
    assert replica_0 == replica_1
  assert result["trained_after_reset"] != result["before"]


def test_misuse():
  """Clear errors for nets created outside the strategy's scope and for
  `meta_minimize` called inside `strategy.run`."""
  messages = _run("misuse")
  assert "created outside this strategy's scope" in messages["outside_scope"]
  assert "not inside strategy.run" in messages["in_replica"]


@pytest.mark.slow  # Two worker processes for 5 epochs; the default suite runs
# MirroredStrategy's meta-training (test_meta_training).
def test_multi_worker():
  """Two local workers of a `MultiWorkerMirroredStrategy`: the Torch
  numbers, and a meta-training whose nets agree across the workers while
  their instances differ."""
  ports = _free_ports(2)
  processes = [_start("multi_worker", worker=worker, ports=ports,
                      num_epochs=5) for worker in range(2)]
  results = _results(processes)
  for result in results:
    assert result["cost"] == pytest.approx(TORCH_COST, abs=1e-4)
    assert result["x"] == [pytest.approx(TORCH_FINAL_X, abs=1e-4)]
    assert all(np.isfinite(result["losses"]))
  assert results[0]["weights"] == results[1]["weights"]
  assert results[0]["losses"] == results[1]["losses"]
  assert not np.allclose(results[0]["reset_x"], results[1]["reset_x"])


if __name__ == "__main__":
  _main(*sys.argv[1:])


# train.py as a cluster of two local workers.


def _start_train_worker(index: int, ports: Sequence[int], save_path: str,
                        *args: str) -> subprocess.Popen:
  """Starts worker `index` of a two-worker train.py cluster."""
  env = dict(os.environ)
  env["no_proxy"] = env["NO_PROXY"] = env["no_grpc_proxy"] = (
      "localhost,127.0.0.1")
  env["TF_CONFIG"] = json.dumps({
      "cluster": {"worker": ["localhost:{}".format(p) for p in ports]},
      "task": {"type": "worker", "index": index}})
  outputs = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
  process = subprocess.Popen([
      sys.executable,
      os.path.join(helpers.REPO, "train.py"), "--problem=quadratic",
      "--num_steps=4", "--unroll_length=2", "--log_period=2",
      "--evaluation_period=2", "--evaluation_epochs=1", "--seed=1",
      "--distribution_strategy=multi_worker_mirrored",
      "--save_path=" + save_path, *args
  ],
                             cwd=helpers.REPO,
                             env=env,
                             stdout=outputs[0],
                             stderr=outputs[1])
  process.outputs = outputs
  return process


def _train_cluster(save_path: str, *args: str) -> List[str]:
  """Runs both workers to the end; returns their standard outputs."""
  ports = _free_ports(2)
  processes = [_start_train_worker(i, ports, save_path, *args)
               for i in range(2)]
  deadline = time.time() + helpers.SUBPROCESS_TIMEOUT
  while (any(p.poll() is None for p in processes) and
         all(p.poll() in (None, 0) for p in processes) and
         time.time() < deadline):
    time.sleep(0.5)
  stdouts = []
  for p in processes:
    if p.poll() is None:
      p.kill()
    p.wait()
    for output in p.outputs:
      output.seek(0)
    stdout, stderr = (output.read() for output in p.outputs)
    assert p.returncode == 0, stderr[-5000:]
    stdouts.append(stdout)
  return stdouts


@pytest.mark.slow  # test_multi_worker runs the same cluster of two workers.
def test_train_py_multi_worker(tmp_path):
  """Two workers with the same --save_path: both train in step, only the
  chief writes there, and --resume continues on both."""
  import networks  # pylint: disable=g-import-not-at-top
  save_path = tmp_path / "run"
  chief, worker = _train_cluster(str(save_path), "--num_epochs=4")
  # The same (all-reduced) statistics on both workers.
  errors = [[line for line in out.splitlines() if "Error" in line]
            for out in (chief, worker)]
  assert len(errors[0]) == 4 and errors[0] == errors[1]
  assert "Saving meta-optimizer" in chief
  assert "Saving meta-optimizer" not in worker
  assert sorted(os.listdir(save_path)) == ["checkpoint", "cw.l2l",
                                           "run.json"]
  networks.load(str(save_path / "cw.l2l"))

  chief, worker = _train_cluster(str(save_path), "--num_epochs=6",
                                 "--resume")
  for out in (chief, worker):
    epochs = [line.split()[1] for line in out.splitlines()
              if line.startswith("Epoch")]
    assert epochs == ["6/6"]


@pytest.mark.slow  # Two workers, one killed after its first checkpoints.
def test_train_py_worker_lost(tmp_path):
  """A worker killed mid-run: the other stops by itself with one line that
  names it and the epoch of the last checkpoint, which --resume uses."""
  save_path = tmp_path / "run"
  ports = _free_ports(2)
  processes = [_start_train_worker(i, ports, str(save_path),
                                   "--num_epochs=100000",
                                   "--checkpoint_period=2")
               for i in range(2)]
  checkpoints = save_path / "checkpoint"
  deadline = time.time() + helpers.SUBPROCESS_TIMEOUT
  while (len(list(checkpoints.glob("ckpt-*.index"))
             if checkpoints.exists() else []) < 2 and
         time.time() < deadline and processes[0].poll() is None):
    time.sleep(0.5)
  processes[1].kill()
  try:
    processes[0].wait(timeout=helpers.SUBPROCESS_TIMEOUT)
  finally:
    processes[0].kill()
  for output in processes[0].outputs:
    output.seek(0)
  _, stderr = (output.read() for output in processes[0].outputs)
  assert processes[0].returncode == 1, stderr[-5000:]
  assert "Traceback" not in stderr
  last_epoch = max(int(path.name[len("ckpt-"):-len(".index")])
                   for path in checkpoints.glob("ckpt-*.index"))
  assert stderr.strip().splitlines()[-1] == (
      "train.py: error: worker localhost:{} (task 1) of the cluster is "
      "unreachable (it died or stopped answering); the last checkpoint is at "
      "epoch {} in {}: restart every worker with --resume.".format(
          ports[1], last_epoch, save_path))


def test_train_py_bad_strategy():
  result = subprocess.run(
      [sys.executable, os.path.join(helpers.REPO, "train.py"),
       "--distribution_strategy=parameter_server"], cwd=helpers.REPO,
      capture_output=True, text=True, timeout=120)
  assert result.returncode == 1 and "Traceback" not in result.stderr
  assert ("--distribution_strategy=parameter_server is not a valid strategy"
          in result.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("tf_config, message", [
    (None, "needs TF_CONFIG"),
    pytest.param("{not json", "TF_CONFIG is not a cluster description",
                 marks=pytest.mark.slow),
    pytest.param('{"cluster": {"worker": ["localhost:1"]}, "task": {"type": '
                 '"worker", "index": 2}}', "is not one of the 1 worker(s)",
                 marks=pytest.mark.slow),
])
def test_train_py_multi_worker_needs_tf_config(tf_config, message):
  env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
  if tf_config is not None:
    env["TF_CONFIG"] = tf_config
  result = subprocess.run([
      sys.executable,
      os.path.join(helpers.REPO, "train.py"),
      "--distribution_strategy=multi_worker_mirrored"
  ],
                          cwd=helpers.REPO,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=120)
  assert result.returncode == 1 and "Traceback" not in result.stderr
  last = result.stderr.strip().splitlines()[-1]
  assert last.startswith("train.py: error: ") and message in last


@pytest.mark.slow
def test_bench_with_two_cpu_replicas():
  """bench.py --cpu_replicas=2 counts both replicas' instances."""
  result = subprocess.run([
      sys.executable,
      os.path.join(helpers.REPO, "bench.py"), "--problem=quadratic",
      "--cpu_replicas=2", "--num_instances=2", "--num_epochs=1",
      "--num_steps=2", "--unroll_length=2", "--phases=train", "--json=-"
  ],
                          cwd=helpers.REPO,
                          capture_output=True,
                          text=True,
                          timeout=300)
  assert result.returncode == 0, result.stderr[-3000:]
  [report] = json.loads(result.stdout[result.stdout.index("["):])
  assert report["replicas"] == 2
  assert report["num_instances"] == 4
  assert report["num_coordinates"] == 4 * 1280
  assert report["instance_steps_per_s"] == pytest.approx(
      4 * 2 / report["epoch_s_median"])
