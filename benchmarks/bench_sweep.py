# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Scaling sweep: cost of a meta-training unroll against optimizee size.

    python -m benchmarks.bench_sweep --coordinates=1e3,1e4,1e5,1e6,1e7 \\
        --unroll_lengths=5,20,100 --output=sweep.md
    python -m benchmarks.bench_sweep --instances=1,16,128,1024 \\
        --problem=quadratic --unroll_lengths=20 --output=instances.md

Each point runs `bench.py --problem=quadratic` in its own process (so that
its peak memory is its own) on `num_coordinates / 10` quadratics of 10
dimensions, with epochs of one unroll (`--num_steps` equal to
`--unroll_length`), and reports the time per coordinate-step and the peak
memory. The cost should grow linearly in both coordinates and unroll length;
the memory of the saved activations too.

On the CPU, a point whose predicted memory (extrapolated from the largest
point measured at the same unroll length) exceeds the available memory is
not run: it is reported as not fitting, and so are the larger ones. A point
that fails (on the GPU: out of memory) is reported with its last error line.

With `--instances`, the sweep is over the number of problem instances
optimized together (`bench.py --num_instances`) on `--problem` at its
training size, and the table gives instance-steps per second.
"""

import json
import os
import subprocess
import sys
import tempfile
from typing import Any, Callable, Dict, List

# bench_sweep needs cli's flag checks, not TensorFlow's start-up messages.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import flags  # pylint: disable=g-import-not-at-top

import cli
import fileio

FLAGS = flags.FLAGS
flags.DEFINE_list("coordinates", ["1e3", "1e4", "1e5", "1e6", "1e7"],
                  "Optimizee sizes (multiples of 10).")
flags.DEFINE_list("unroll_lengths", ["5", "20", "100"], "Unroll lengths.")
flags.DEFINE_list("instances", None, "Sweep over these numbers of problem "
                  "instances instead of --coordinates.")
flags.DEFINE_enum("problem", "quadratic", ["quadratic", "mnist"],
                  "Problem of an --instances sweep.")
flags.DEFINE_string("data_dir", None, "Data folder of --problem=mnist.")
flags.DEFINE_integer("num_epochs", 2, "Timed epochs (unrolls) per point.")
flags.DEFINE_enum("xla", "auto", ["auto", "on", "off"],
                  "Compile with XLA: auto (on a GPU only), on or off.")
flags.DEFINE_enum("device", "auto", ["auto", "cpu", "gpu"],
                  "Device to run on; auto is the GPU when there is one.")
flags.DEFINE_boolean("rematerialize", False, "Rematerialize the unrolls "
                     "(bench.py --rematerialize).")
flags.DEFINE_integer("timeout_s", 1800, "Time limit of one point, seconds.")
flags.DEFINE_string("output", None, "Markdown file to write the table to.")
flags.DEFINE_string("json", None, "File to write the points to as JSON.")

# bench.py, in the repository root.
_BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "bench.py")
# Share of the available memory a point may be predicted to use.
_MEMORY_MARGIN = 0.8


def _parse_sizes(values, flag):
  """Positive integers from `values` (which may be written as 1e6)."""
  try:
    sizes = [int(float(v)) for v in values]
  except ValueError:
    raise cli.UsageError("--{} must be numbers, got {}.".format(
        flag, ",".join(values))) from None
  if not sizes or min(sizes) < 1:
    raise cli.UsageError("--{} must be positive, got {}.".format(
        flag, ",".join(values)))
  return sorted(set(sizes))


def available_host_mb() -> float:
  """MemAvailable of /proc/meminfo, in MiB (infinite where unknown)."""
  try:
    with open("/proc/meminfo") as f:
      for line in f:
        if line.startswith("MemAvailable:"):
          return int(line.split()[1]) / 1024
  except OSError:
    pass
  return float("inf")


def predicted_mb(measured, num_coordinates: int) -> float:
  """Peak memory of a point with `num_coordinates`, in MiB, extrapolated
  linearly from `measured` points `(num_coordinates, peak_mb)` at the same
  unroll length (the first is taken as the fixed cost)."""
  (n_small, mb_small), (n_large, mb_large) = measured[0], measured[-1]
  if n_large == n_small:
    return mb_large
  per_coordinate = max(mb_large - mb_small, 0) / (n_large - n_small)
  return mb_large + per_coordinate * (num_coordinates - n_large)


def run_point(unroll_length: int, *args: str):
  """Runs bench.py for one point, with further arguments `args`; returns its
  result dict, or the last line of its error output if it failed."""
  with tempfile.TemporaryDirectory() as folder:
    json_path = os.path.join(folder, "point.json")
    command = [sys.executable, _BENCH, "--phases=train", *args,
               "--unroll_length={}".format(unroll_length),
               "--num_steps={}".format(unroll_length),
               "--num_epochs={}".format(FLAGS.num_epochs),
               "--xla={}".format(FLAGS.xla), "--device={}".format(FLAGS.device),
               "--rematerialize={}".format(FLAGS.rematerialize),
               "--json={}".format(json_path)]
    try:
      process = subprocess.run(command, capture_output=True, text=True,
                               timeout=FLAGS.timeout_s)
    except subprocess.TimeoutExpired:
      return "timed out after {} s".format(FLAGS.timeout_s)
    if process.returncode != 0:
      lines = process.stderr.strip().splitlines() or [
          "exit code {}".format(process.returncode)]
      return lines[-1]
    with open(json_path) as f:
      [result] = json.load(f)
  return result


def sweep(coordinates, unroll_lengths):
  """Runs every point; returns rows `(num_coordinates, unroll_length,
  result dict or reason string)`."""
  rows = []
  for unroll_length in unroll_lengths:
    measured = []
    blocked = False
    for num_coordinates in coordinates:
      # Host memory is predicted on the CPU only.
      need = (predicted_mb(measured, num_coordinates)
              if measured and FLAGS.device != "gpu" else 0)
      have = available_host_mb()
      if blocked:
        result = "not run: a smaller size did not fit or failed"
      elif need > _MEMORY_MARGIN * have:
        result = "does not fit: {:.0f} MB predicted, {:.0f} MB available".format(
            need, have)
      else:
        result = run_point(unroll_length, "--problem=quadratic",
                           "--num_coordinates={}".format(num_coordinates))
      if isinstance(result, dict):
        measured.append((num_coordinates, result["peak_host_mb"]))
      else:
        blocked = True
      rows.append((num_coordinates, unroll_length, result))
      print(format_row(rows[-1]), flush=True)
  return rows


def sweep_instances(instances, unroll_lengths):
  """Runs `--problem` with each number of instances; returns rows
  `(num_instances, unroll_length, result dict or reason string)`."""
  rows = []
  for unroll_length in unroll_lengths:
    for num_instances in instances:
      args = ["--problem=" + FLAGS.problem,
              "--num_instances={}".format(num_instances)]
      if FLAGS.data_dir:
        args.append("--data_dir=" + FLAGS.data_dir)
      rows.append((num_instances, unroll_length,
                   run_point(unroll_length, *args)))
      print(format_instances_row(rows[-1]), flush=True)
  return rows


_INSTANCES_HEADER = ("| instances | unroll | s per unroll | instance-steps "
                     "per s | ms per instance-step | peak host MB | device |\n"
                     "|---:|---:|---:|---:|---:|---:|---|")


def _table_row(size: str, unroll_length: int, result,
               cells: Callable[[Dict[str, Any]], List[str]]) -> str:
  """A Markdown table row of a sweep point: its size and unroll length,
  then `cells(result)`, or the reason it has no result."""
  if not isinstance(result, dict):
    return "| {} | {} | {} | | | | |".format(size, unroll_length, result)
  return "| {} |".format(" | ".join([size, str(unroll_length)] +
                                    cells(result)))


def _labels(result) -> str:
  return result["device"] + ((" + XLA" if result["xla"] else "") +
                             (", rematerialized" if result["rematerialize"]
                              else ""))


def format_instances_row(row) -> str:
  """One Markdown table row of an `--instances` sweep point."""
  num_instances, unroll_length, result = row
  return _table_row(str(num_instances), unroll_length, result, lambda r: [
      "{:.3g}".format(r["epoch_s_median"]),
      "{:.4g}".format(r["instance_steps_per_s"]),
      "{:.3g}".format(1e3 / r["instance_steps_per_s"]),
      "{:.0f}".format(r["peak_host_mb"]), _labels(r)])


_HEADER = ("| coordinates | unroll | s per unroll | ns per coordinate-step | "
           "peak host MB | peak device MB | device |\n"
           "|---:|---:|---:|---:|---:|---:|---|")


def format_row(row) -> str:
  """One Markdown table row of a sweep point."""
  num_coordinates, unroll_length, result = row
  steps = num_coordinates * unroll_length
  return _table_row("{:.0e}".format(num_coordinates), unroll_length, result,
                    lambda r: [
                        "{:.3g}".format(r["epoch_s_median"]),
                        "{:.3g}".format(r["epoch_s_median"] / steps * 1e9),
                        "{:.0f}".format(r["peak_host_mb"]),
                        "" if r["peak_device_mb"] is None else
                        "{:.0f}".format(r["peak_device_mb"]), _labels(r)])


def main(argv):
  del argv  # Unused.
  coordinates = _parse_sizes(FLAGS.coordinates, "coordinates")
  unroll_lengths = _parse_sizes(FLAGS.unroll_lengths, "unroll_lengths")
  if any(n % 10 for n in coordinates):
    raise cli.UsageError("--coordinates must be multiples of 10, got {}."
                         .format(",".join(FLAGS.coordinates)))
  cli.check_positive_flags(FLAGS, ("num_epochs", "timeout_s"))
  if FLAGS.instances:
    size_key, header, format_function = (
        "num_instances", _INSTANCES_HEADER, format_instances_row)
    print(header, flush=True)
    rows = sweep_instances(_parse_sizes(FLAGS.instances, "instances"),
                           unroll_lengths)
  else:
    size_key, header, format_function = (
        "num_coordinates", _HEADER, format_row)
    print(header, flush=True)
    rows = sweep(coordinates, unroll_lengths)
  if FLAGS.output:
    table = "\n".join([header] + [format_function(row) for row in rows])
    fileio.write_atomically(FLAGS.output, (table + "\n").encode())
  if FLAGS.json:
    points = [{size_key: n, "unroll_length": u, "result": r}
              for n, u, r in rows]
    fileio.write_atomically(FLAGS.json, json.dumps(points, indent=1).encode())


if __name__ == "__main__":
  cli.run_main(main)
