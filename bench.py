# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Benchmark: seconds per meta-training and evaluation epoch.

    python bench.py --problem=mnist --num_epochs=10 --json=bench.json

A training epoch is what `train.py` runs: `reset()` then `num_steps //
unroll_length` calls of `step()` (an unroll, its meta-gradient and an Adam
step on the nets). An evaluation epoch is what `evaluate.py` runs: `reset()`
then `num_steps` steps in one program (`MetaLoss.run_steps`), or, with
`--evaluation_program=update`, as `num_steps` calls of `update()` on one-step
unrolls (the same steps, a program call each). A warm-up epoch,
not timed, absorbs tracing and compilation; its duration is reported as
`compile_s`. Before the epochs, the machine's matrix-product rate is
measured (`_matmul_peak_gflop_per_s`); each phase reports its achieved
GFLOP/s as a share of it.

    python bench.py --problem=mnist --phases=train --xla=off --profile=prof

With `--profile=DIR`, after the timed epochs each phase runs
`_PROFILED_EPOCHS` more under the TensorFlow profiler: the trace goes to
`DIR/<problem>_<phase>` (for TensorBoard's profile plugin), and the table of
where the time went (`profiling.breakdown`) is printed and written to
`DIR/<problem>_<phase>.md`. The ops keep their names only without XLA
(`--xla=off`); an XLA program's trace is written, with no table.
"""

import contextlib
import json
import os
import resource
import statistics
import sys
import timeit
from typing import Optional

# TensorFlow's C++ start-up messages would bury the report.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import flags  # pylint: disable=g-import-not-at-top
from absl import logging
import tensorflow as tf

import augmentation
import cli
import fileio
import flops
import meta
import networks
import problems
import profiling
import util

FLAGS = flags.FLAGS
flags.DEFINE_enum("problem", "mnist", ["quadratic", "mnist", "cifar"],
                  "Problem to time (the configurations of util.get_config).")
flags.DEFINE_integer("num_epochs", 10, "Timed epochs per phase.")
flags.DEFINE_integer("num_steps", 100, "Optimization steps per epoch.")
flags.DEFINE_integer("unroll_length", 20, "Steps per unroll.")
flags.DEFINE_enum("phases", "train,evaluate",
                  ["train,evaluate", "train", "evaluate"],
                  "Which epochs to time.")
flags.DEFINE_enum("evaluation_program", "run", ["run", "update"],
                  "How an evaluation epoch runs its steps: in one program "
                  "(run_steps, as evaluate.py) or one update() call each.")
flags.DEFINE_enum("xla", "auto", ["auto", "on", "off"],
                  "Compile with XLA: auto (on a GPU only), on or off.")
flags.DEFINE_enum("device", "auto", ["auto", "cpu", "gpu"],
                  "Device to run on; auto is the GPU when there is one.")
flags.DEFINE_integer("num_coordinates", None,
                     "Quadratic only: optimizee size, a multiple of 10 "
                     "(num_coordinates / 10 quadratics of 10 dimensions); "
                     "default 1280, the training configuration.")
flags.DEFINE_integer("num_instances", 1, "Problem instances optimized "
                     "together (meta_loss's num_instances).")
flags.DEFINE_boolean("rematerialize", False, "Recompute the unroll's "
                     "activations in the meta-gradient instead of keeping "
                     "them (meta_loss's rematerialize).")
flags.DEFINE_integer("cpu_replicas", 0, "Run under a MirroredStrategy of "
                     "this many replicas, on as many logical devices split "
                     "from the CPU (0: no strategy).")
flags.DEFINE_string("net", None, "A learned net in place of the problem's "
                    "(e.g. RNNprop), as train.py's --net.")
flags.DEFINE_float("random_scaling", 0, "Random parameter scaling of the "
                   "problem during meta-training, as train.py's "
                   "--random_scaling.")
flags.DEFINE_integer("inter_op_threads", 0, "Threads running independent "
                     "ops at once (tf.config.threading; 0: TensorFlow's "
                     "default).")
flags.DEFINE_integer("intra_op_threads", 0, "Threads inside one op "
                     "(tf.config.threading; 0: TensorFlow's default).")
flags.DEFINE_string("data_dir", None, "Data folder of the MNIST and CIFAR "
                    "problems (see README).")
flags.DEFINE_string("json", None,
                    "File to write the results to as JSON ('-': stdout).")
flags.DEFINE_string("profile", None, "Folder for a profiler trace of a few "
                    "more epochs of each phase and the table of where their "
                    "time went (see the module docstring).")

# Dimensions of each quadratic of --num_coordinates.
_QUADRATIC_DIMS = 10
# Epochs run under the profiler with --profile.
_PROFILED_EPOCHS = 2
# The matrix-product peak: products per call, matrix size, timed calls.
_PEAK_MATMULS = 10
_PEAK_SIZE = 1024
_PEAK_TIMINGS = 5


def _check_flags():
  cli.check_positive_flags(FLAGS, ("num_epochs", "num_steps",
                                   "unroll_length", "num_instances"))
  cli.check_unroll_flags(FLAGS.num_steps, FLAGS.unroll_length)
  if FLAGS.num_coordinates is not None:
    if FLAGS.problem != "quadratic":
      raise cli.UsageError("--num_coordinates needs --problem=quadratic.")
    if (FLAGS.num_coordinates < _QUADRATIC_DIMS or
        FLAGS.num_coordinates % _QUADRATIC_DIMS):
      raise cli.UsageError(
          "--num_coordinates must be a positive multiple of {}, got {}."
          .format(_QUADRATIC_DIMS, FLAGS.num_coordinates))
  cli.check_random_scaling_flag(FLAGS.random_scaling)
  if FLAGS.profile:
    cli.check_parent_folder(FLAGS.profile, "profile")
  if FLAGS.net:
    # Checked on the problem's nets before any is built.
    cli.with_net_flag(util.get_net_config(FLAGS.problem)[0], FLAGS.net)
  if FLAGS.device == "gpu" and not tf.config.list_logical_devices("GPU"):
    raise cli.UsageError("--device=gpu, but TensorFlow sees no GPU.")


def _learned_net(net_config):
  """The `networks.factory` arguments of the benchmarked problem's learned
  net (the configurations of `quadratic`, `mnist` and `cifar` have one)."""
  [config] = [c for c in net_config.values() if networks.is_learned(c["net"])]
  return config


def _time_epochs(ops, epoch_ops, num_unrolls: int, num_epochs: int):
  """Runs one warm-up and `num_epochs` timed `util.run_epoch`s of
  `epoch_ops`; returns the warm-up's seconds and the timed epochs'."""
  compile_s, _ = util.run_epoch(ops.fx, epoch_ops, ops.reset, num_unrolls)
  return compile_s, [
      util.run_epoch(ops.fx, epoch_ops, ops.reset, num_unrolls)[0]
      for _ in range(num_epochs)]


def _profile(ops, program, num_unrolls: int, name: str):
  """Traces `_PROFILED_EPOCHS` epochs into `--profile/<name>`; prints and
  writes the table of where their time went, for a program without XLA."""
  logdir = os.path.join(FLAGS.profile, name)
  profiling.trace(logdir, lambda: [
      util.run_epoch(ops.fx, [program], ops.reset, num_unrolls)
      for _ in range(_PROFILED_EPOCHS)])
  if program.uses_xla:
    print("{}: profiler trace in {} (an XLA program: no table of its ops; "
          "run with --xla=off for one)".format(name, logdir))
    return
  markdown = "{} epochs of {}, thread-seconds:\n\n{}\n".format(
      _PROFILED_EPOCHS, name.replace("_", " "),
      profiling.table(profiling.breakdown(profiling.op_seconds(logdir))))
  fileio.write_atomically(logdir + ".md", markdown.encode())
  print("{}: profiler trace in {}\n{}".format(name, logdir, markdown))


def _peak_host_mb() -> float:
  """The process's peak resident memory so far, in MiB."""
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_device_mb():
  if not tf.config.list_logical_devices("GPU"):
    return None
  return tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20


def _benchmark(phase: str, strategy: Optional[tf.distribute.Strategy]):
  """Builds the problem (under `strategy`, if any) and times `phase`;
  returns the result dict."""
  problem, net_config, net_assignments = util.get_config(
      FLAGS.problem, mode=util.TRAINING_SPLIT, data_dir=FLAGS.data_dir)
  if FLAGS.num_coordinates is not None:
    problem = problems.quadratic(
        batch_size=FLAGS.num_coordinates // _QUADRATIC_DIMS,
        num_dims=_QUADRATIC_DIMS)
  if FLAGS.net:
    net_config = util.with_net(net_config, FLAGS.net)
  learned_net = _learned_net(net_config)
  forward_flops = problem.forward_flops
  if FLAGS.random_scaling and phase == "train":
    problem = augmentation.random_scaling(problem, FLAGS.random_scaling)
  jit_compile = {"auto": None, "on": True, "off": False}[FLAGS.xla]
  with strategy.scope() if strategy else contextlib.nullcontext():
    optimizer = meta.MetaOptimizer(**net_config)
    if phase == "train":
      ops = optimizer.meta_minimize(problem, FLAGS.unroll_length,
                                    net_assignments=net_assignments,
                                    jit_compile=jit_compile,
                                    num_instances=FLAGS.num_instances,
                                    rematerialize=FLAGS.rematerialize)
      program, num_unrolls = ops.step, FLAGS.num_steps // FLAGS.unroll_length
    else:
      ops = optimizer.meta_loss(problem, 1, net_assignments=net_assignments,
                                jit_compile=jit_compile,
                                num_instances=FLAGS.num_instances)
      if FLAGS.evaluation_program == "run":
        program, num_unrolls = ops.run_steps.program(FLAGS.num_steps), 1
      else:
        program, num_unrolls = ops.update, FLAGS.num_steps
  # Steps per call of the program.
  unroll_length = FLAGS.num_steps // num_unrolls

  start_host_mb = _peak_host_mb()
  compile_s, times = _time_epochs(ops, [program], num_unrolls,
                                  FLAGS.num_epochs)
  if FLAGS.profile:
    _profile(ops, program, num_unrolls, "{}_{}".format(FLAGS.problem, phase))
  replicas = strategy.num_replicas_in_sync if strategy else 1
  num_instances = replicas * FLAGS.num_instances
  num_coordinates = replicas * sum(v.shape.num_elements() for v in ops.x)
  flops_per_epoch = flops.epoch_flops(
      num_coordinates, flops.net_flops(learned_net),
      num_instances * forward_flops, phase, FLAGS.num_steps, unroll_length)
  median = statistics.median(times)
  return {
      "problem": FLAGS.problem,
      "phase": phase,
      "device": "gpu" if tf.config.list_logical_devices("GPU") and
                FLAGS.device != "cpu" else "cpu",
      "xla": program.uses_xla,
      "num_coordinates": num_coordinates,
      "num_instances": num_instances,
      "replicas": replicas,
      "rematerialize": FLAGS.rematerialize and phase == "train",
      "net": learned_net["net"],
      "random_scaling": FLAGS.random_scaling if phase == "train" else 0.0,
      "num_steps": FLAGS.num_steps,
      "unroll_length": unroll_length,
      "evaluation_program": (FLAGS.evaluation_program if phase == "evaluate"
                             else None),
      "epochs": FLAGS.num_epochs,
      "epoch_s_median": median,
      "epoch_s_min": min(times),
      "epoch_s_max": max(times),
      "epochs_per_s": 1.0 / median,
      "coordinate_steps_per_s": num_coordinates * FLAGS.num_steps / median,
      "instance_steps_per_s": num_instances * FLAGS.num_steps / median,
      "gflop_per_epoch": flops_per_epoch / 1e9,
      "gflop_per_s": flops_per_epoch / 1e9 / median,
      "compile_s": compile_s,
      "start_host_mb": start_host_mb,
      "peak_host_mb": _peak_host_mb(),
      "peak_device_mb": _peak_device_mb(),
      "data": getattr(problem, "data_source", ""),
  }


def _report(result):
  print("{problem} {phase}: {epoch_s_median:.3f} s/epoch (min {epoch_s_min:.3f}"
        ", max {epoch_s_max:.3f}), {epochs_per_s:.2f} epochs/s, "
        "{coordinate_steps_per_s:.3g} coordinate-steps/s, "
        "{instance_steps_per_s:.3g} instance-steps/s, "
        "{gflop_per_s:.2f} GFLOP/s of {gflop_per_epoch:.2f} GFLOP/epoch "
        "({share_of_matmul_peak:.1%} of the matmul peak), "
        "compile {compile_s:.1f} s, peak host {peak_host_mb:.0f} MB, "
        "{device}{xla_label}{remat_label}{net_label}{program_label}".format(
            xla_label=" + XLA" if result["xla"] else "",
            program_label=(", one update() per step"
                           if result["evaluation_program"] == "update"
                           else ""),
            remat_label=", rematerialized" if result["rematerialize"] else "",
            net_label=(", net " + result["net"] if FLAGS.net else "") + (
                ", random scaling {:g}".format(result["random_scaling"])
                if result["random_scaling"] else ""),
            **result))


def _matmul_peak_gflop_per_s() -> float:
  """The machine's measured matrix-product rate, GFLOP/s: a chain of
  `_PEAK_MATMULS` float32 products of `_PEAK_SIZE`-square matrices in one
  `tf.function`, the median of `_PEAK_TIMINGS` timed calls after a warm-up
  call, on the default device."""
  size = _PEAK_SIZE
  # Entries of variance 1/size keep the chain's values near 1.
  factor = tf.random.normal([size, size], stddev=size ** -0.5)
  start = tf.random.normal([size, size])

  @tf.function
  def chain():
    product = start
    for _ in range(_PEAK_MATMULS):
      product = tf.matmul(product, factor)
    return product

  chain().numpy()
  seconds = []
  for _ in range(_PEAK_TIMINGS):
    began = timeit.default_timer()
    chain().numpy()
    seconds.append(timeit.default_timer() - began)
  return 2 * size ** 3 * _PEAK_MATMULS / statistics.median(seconds) / 1e9


def _cpu_strategy(replicas: int) -> tf.distribute.MirroredStrategy:
  """A MirroredStrategy over `replicas` logical devices split from the CPU;
  call it before TensorFlow initializes its devices."""
  tf.config.set_logical_device_configuration(
      tf.config.list_physical_devices("CPU")[0],
      [tf.config.LogicalDeviceConfiguration()] * replicas)
  return tf.distribute.MirroredStrategy(
      ["/cpu:{}".format(i) for i in range(replicas)],
      cross_device_ops=tf.distribute.ReductionToOneDevice())


def main(argv):
  del argv  # Unused.
  cli.check_non_negative_flags(
      FLAGS, ("cpu_replicas", "inter_op_threads", "intra_op_threads"))
  # Before TensorFlow starts its thread pools.
  tf.config.threading.set_inter_op_parallelism_threads(FLAGS.inter_op_threads)
  tf.config.threading.set_intra_op_parallelism_threads(FLAGS.intra_op_threads)
  strategy = _cpu_strategy(FLAGS.cpu_replicas) if FLAGS.cpu_replicas else None
  _check_flags()
  logging.set_verbosity(logging.WARNING)
  device = {"auto": None, "cpu": "/CPU:0", "gpu": "/GPU:0"}[FLAGS.device]
  results = []
  with tf.device(device) if strategy is None else contextlib.nullcontext():
    peak = _matmul_peak_gflop_per_s()
    print("matmul peak: {:.0f} GFLOP/s ({} products of {}-square float32 "
          "matrices)".format(peak, _PEAK_MATMULS, _PEAK_SIZE))
    for phase in FLAGS.phases.split(","):
      result = _benchmark(phase, strategy)
      result["matmul_peak_gflop_per_s"] = peak
      result["share_of_matmul_peak"] = result["gflop_per_s"] / peak
      _report(result)
      results.append(result)
  if FLAGS.json == "-":
    json.dump(results, sys.stdout, indent=1)
  elif FLAGS.json:
    with open(FLAGS.json, "w") as f:
      json.dump(results, f, indent=1)


if __name__ == "__main__":
  cli.run_main(main)
