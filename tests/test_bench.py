# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of bench.py: the FLOP count, and a seconds-long smoke run (no timed
assertion: speed is measured by running bench.py, not by tests)."""

import json

import pytest

import flops
import helpers
import problems


def test_lstm_flops_of_the_default_net():
  """2x20 LSTM on LogAndSign's 2 features: 2 (2 + 20) 80 + 2 (20 + 20) 80 +
  2 x 20 = 9,960 FLOP forward per coordinate and step, and twice that less
  the first layer's input gradient (2 x 2 x 80) backward: 19,600."""
  assert flops.lstm_flops_per_coordinate({"layers": (20, 20)}, 2) == (9960,
                                                                      19600)


def test_linear_only_net_flops():
  assert flops.lstm_flops_per_coordinate({"layers": ()}, 1) == (2, 4)


def run_bench(*args):
  return helpers.run("bench.py", *args)


def test_smoke_run_reports_every_field(tmp_path):
  """Three instances: the report's sizes, work and rates are three times
  one instance's. With --profile, each phase is traced, and its table
  written unless it ran with XLA (which keeps no op names)."""
  profile = tmp_path / "profile"
  result = run_bench("--problem=quadratic", "--num_epochs=2",
                     "--num_steps=4", "--unroll_length=2", "--num_instances=3",
                     "--profile=" + str(profile), "--json=-")
  assert result.returncode == 0, result.stderr
  report = json.loads(result.stdout[result.stdout.index("["):])
  assert [r["phase"] for r in report] == ["train", "evaluate"]
  # An evaluation epoch is one program of all its steps.
  assert [r["unroll_length"] for r in report] == [2, 4]
  assert report[1]["evaluation_program"] == "run"
  net_flops = flops.lstm_flops_per_coordinate({"layers": (20, 20)}, 1)
  for r in report:
    assert r["num_coordinates"] == 3 * 1280
    assert r["num_instances"] == 3
    # The rates are those of the median epoch and the analytic count.
    assert r["gflop_per_epoch"] == pytest.approx(flops.epoch_flops(
        3 * 1280, net_flops, 3 * problems.quadratic().forward_flops,
        r["phase"], 4, r["unroll_length"]) / 1e9)
    assert r["gflop_per_s"] == pytest.approx(
        r["gflop_per_epoch"] / r["epoch_s_median"])
    assert r["epochs_per_s"] == pytest.approx(1 / r["epoch_s_median"])
    assert r["coordinate_steps_per_s"] == pytest.approx(
        3 * 1280 * 4 / r["epoch_s_median"])
    assert r["instance_steps_per_s"] == pytest.approx(
        3 * 4 / r["epoch_s_median"])
    assert r["device"] in ("cpu", "gpu")
    # The achieved rate against the measured peak of matrix products.
    assert r["matmul_peak_gflop_per_s"] > 0
    assert r["share_of_matmul_peak"] == pytest.approx(
        r["gflop_per_s"] / r["matmul_peak_gflop_per_s"])
  assert "quadratic train:" in result.stdout
  assert "matmul peak: " in result.stdout
  for r in report:
    name = "quadratic_" + r["phase"]
    assert "{}: profiler trace in {}".format(
        name, profile / name) in result.stdout
    assert list((profile / name).glob("plugins/profile/*/*.xplane.pb"))
    assert (profile / (name + ".md")).exists() == (not r["xla"])


@pytest.mark.slow  # A bench.py run; test_profiling.py reads a trace.
def test_profile_without_xla_writes_the_table(tmp_path):
  profile = tmp_path / "profile"
  result = run_bench("--problem=quadratic", "--num_epochs=1",
                     "--num_steps=4", "--unroll_length=2", "--phases=train",
                     "--xla=off", "--profile=" + str(profile))
  assert result.returncode == 0, result.stderr
  table = (profile / "quadratic_train.md").read_text()
  assert table.startswith("2 epochs of quadratic train, thread-seconds:")
  for category in ("| net: matmuls |", "| executor scheduling between ops |",
                   "| total |"):
    assert category in table
  assert table in result.stdout


def quadratic_train_report(*args):
  """The report of one training epoch of 2 steps on the quadratic."""
  result = run_bench("--problem=quadratic", "--num_epochs=1", "--num_steps=2",
                     "--unroll_length=2", "--phases=train", "--json=-",
                     *args)
  assert result.returncode == 0, result.stderr
  [report] = json.loads(result.stdout[result.stdout.index("["):])
  return report


@pytest.mark.slow
def test_rematerialize_is_reported():
  assert quadratic_train_report("--rematerialize")["rematerialize"] is True


@pytest.mark.slow  # The report's sizes: test_smoke_run_reports_every_field.
def test_num_coordinates_sizes_the_quadratic():
  report = quadratic_train_report("--num_coordinates=300")
  assert report["num_coordinates"] == 300
  assert report["gflop_per_epoch"] == pytest.approx(flops.epoch_flops(
      300, flops.lstm_flops_per_coordinate({"layers": (20, 20)}, 1),
      2 * 300 * 10, "train", 2, 2) / 1e9)


# bench.py's bad inputs, `{case: (arguments, a part of the message)}`, all
# in one subprocess (`helpers.main_errors`); the first also as the script.
BAD_INPUTS = {
    "num_steps": (["--num_steps=5", "--unroll_length=2"],
                  "must be a positive multiple of --unroll_length"),
    "num_epochs": (["--num_epochs=0"], "--num_epochs must be at least 1"),
    "num_coordinates": (["--num_coordinates=15"],
                        "must be a positive multiple of 10"),
    "num_coordinates_of_mnist": (["--problem=mnist", "--num_coordinates=100"],
                                 "needs --problem=quadratic"),
    "net": (["--net=Adam"], "'Adam' is not a learned network"),
    "random_scaling": (["--random_scaling=-1"],
                       "--random_scaling must be at least 0"),
    "profile": (["--profile=/nonexistent/profile"],
                "parent folder does not exist"),
    "threads": (["--intra_op_threads=-1"],
                "--intra_op_threads must be at least 0"),
}


@pytest.fixture(scope="module")
def bad_input_errors(tmp_path_factory):
  """`{case: message}` of every `BAD_INPUTS` case."""
  cases = {case: ["--problem=quadratic"] + arguments
           for case, (arguments, _) in BAD_INPUTS.items()}
  return helpers.main_errors(
      "bench.py", cases,
      str(tmp_path_factory.mktemp("bench_errors") / "messages.json"))


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input(bad_input_errors, case):
  helpers.assert_one_line_message(bad_input_errors[case], BAD_INPUTS[case][1])


def test_bad_input_as_the_script():
  arguments, message = BAD_INPUTS["num_steps"]
  helpers.assert_one_line_error(run_bench("--problem=quadratic", *arguments),
                                "bench.py", message)


def sweep_table(tmp_path, *args):
  """The rows of the table of a one-epoch benchmarks/bench_sweep.py run at
  unroll 2."""
  table = tmp_path / "sweep.md"
  result = helpers.run("benchmarks.bench_sweep", "--unroll_lengths=2",
                       "--num_epochs=1", "--output=" + str(table), *args)
  assert result.returncode == 0, result.stderr
  return table.read_text().splitlines()


@pytest.mark.slow  # A sweep runs bench.py once per point.
def test_sweep_smoke_run(tmp_path):
  rows = sweep_table(tmp_path, "--coordinates=100,1e3")
  assert rows[0].startswith("| coordinates | unroll | s per unroll |")
  assert [r.split("|")[1:3] for r in rows[2:]] == [[" 1e+02 ", " 2 "],
                                                  [" 1e+03 ", " 2 "]]
  for row, num_coordinates in zip(rows[2:], (100, 1000)):
    seconds, nanoseconds = (float(c) for c in row.split("|")[3:5])
    # The time per coordinate-step is that of the unroll, divided.
    assert nanoseconds == pytest.approx(
        seconds / (num_coordinates * 2) * 1e9, rel=0.01)


@pytest.mark.slow  # A sweep runs bench.py once per point.
def test_instances_sweep(tmp_path):
  rows = sweep_table(tmp_path, "--instances=1,3")
  assert rows[0].startswith("| instances | unroll | s per unroll | "
                            "instance-steps per s |")
  for row, num_instances in zip(rows[2:], (1, 3)):
    cells = [c.strip() for c in row.split("|")[1:-1]]
    assert cells[:2] == [str(num_instances), "2"]
    # Instance-steps per second: the instances' 2 steps in one unroll.
    assert float(cells[3]) == pytest.approx(
        num_instances * 2 / float(cells[2]), rel=0.01)


def test_sweep_bad_input():
  result = helpers.run("benchmarks.bench_sweep", "--coordinates=105")
  assert result.returncode == 1 and "Traceback" not in result.stderr
  assert "multiples of 10" in result.stderr.strip().splitlines()[-1]


def test_rnnprop_flops_of_the_default_net():
  """RNNprop's 2 features to 20 ELU units (2 x 2 x 20 = 80 FLOP), then the
  2x20 LSTM on 20 inputs, 2 (20 + 20) 80 x 2 + 2 x 20 = 12,840: 12,920
  forward; backward the input layer's weight gradients (80) and the LSTMs'
  whole backward pass, 2 x 12,840 = 25,680: 25,760."""
  options = {"layers": (20, 20), "input_size": 20, "momentum_decays": ()}
  assert flops.rnnprop_flops_per_coordinate(options) == (12920, 25760)
  # Each further momentum is one more feature.
  options["momentum_decays"] = (0.5,)
  assert flops.rnnprop_flops_per_coordinate(options) == (12960, 25800)


@pytest.mark.slow  # A second bench.py run; test_smoke_run_reports_every_field
# runs the default net.
def test_smoke_run_of_rnnprop_with_random_scaling():
  result = run_bench("--problem=quadratic", "--net=RNNprop",
                     "--random_scaling=2", "--num_epochs=1", "--num_steps=4",
                     "--unroll_length=2", "--phases=train", "--json=-")
  assert result.returncode == 0, result.stderr
  [report] = json.loads(result.stdout[result.stdout.index("["):])
  assert (report["net"], report["random_scaling"]) == ("RNNprop", 2.0)
  assert report["gflop_per_epoch"] == pytest.approx(flops.epoch_flops(
      1280, flops.rnnprop_flops_per_coordinate(
          {"layers": (20, 20), "input_size": 20, "momentum_decays": ()}),
      problems.quadratic().forward_flops, "train", 4, 2) / 1e9)
  assert ", net RNNprop, random scaling 2" in result.stdout


# benchmarks/drop_in.py: its bad inputs in one subprocess, and a short run.
DROP_IN_BAD_INPUTS = {
    "models": (["--models=mlp-100k,resnet"],
               "unknown model(s) resnet; valid models: mlp-100k, mlp-1m"),
    "num_steps": (["--num_steps=0"], "--num_steps must be at least 1"),
    "output": (["--output=/nonexistent/drop_in.md"],
               "parent folder does not exist"),
}


def test_drop_in_bad_input(tmp_path):
  messages = helpers.main_errors(
      "benchmarks.drop_in",
      {case: arguments for case, (arguments, _) in DROP_IN_BAD_INPUTS.items()},
      str(tmp_path / "messages.json"))
  for case, (_, expected) in DROP_IN_BAD_INPUTS.items():
    helpers.assert_one_line_message(messages[case], expected)


@pytest.mark.slow  # Four model.fit runs of a 100k-parameter model.
def test_drop_in_run_writes_the_table(tmp_path):
  output = tmp_path / "drop_in.md"
  result = helpers.run("benchmarks.drop_in", "--models=mlp-100k",
                       "--num_steps=2", "--rounds=1", "--output=" + str(output))
  assert result.returncode == 0, result.stderr
  rows = [line for line in output.read_text().splitlines()
          if line.startswith("| mlp-100k |")]
  assert [row.split(" | ")[2] for row in rows] == ["no", "yes"]
  # RNNprop (pretrained/general): 12,920 forward FLOPs per coordinate.
  assert all(row.endswith("| 12,920 |") for row in rows)
  assert "| 101,770 |" in rows[0]
