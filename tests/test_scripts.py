# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Drives train.py and evaluate.py in subprocesses, as a user does."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import helpers
import networks

# Short runs of the simple problem: 5 unrolls of 4 steps per epoch.
FAST = ["--problem=simple", "--num_steps=20", "--unroll_length=4"]


def test_train_then_evaluate(tmp_path):
  save_path = str(tmp_path / "simple")
  result = helpers.run("train.py", *FAST, "--num_epochs=20", "--log_period=10",
               "--evaluation_period=10", "--evaluation_epochs=3",
               "--save_path=" + save_path, "--seed=1")
  assert result.returncode == 0, result.stderr
  assert "Epoch 10/20 (" in result.stdout and "left)" in result.stdout
  assert "EVALUATION" in result.stdout
  assert "Mean epoch time:" in result.stdout
  assert len(helpers.log_mean_final_errors(result.stdout)) == 4
  assert "Saving meta-optimizer to " + save_path in result.stdout
  saved = networks.load(os.path.join(save_path, "cw.l2l"))
  assert sorted(saved) == ["linear"]

  output = str(tmp_path / "l2l.csv")
  result = helpers.run("evaluate.py", "--problem=simple", "--optimizer=L2L",
               "--path=" + save_path, "--num_epochs=2", "--num_steps=30",
               "--output=" + output)
  assert result.returncode == 0, result.stderr
  assert result.stdout.splitlines()[0] == "Epoch 2"
  [error] = helpers.log_mean_final_errors(result.stdout)
  assert np.isfinite(error)
  losses = np.loadtxt(output, delimiter=",", skiprows=7)
  assert losses.shape == (2, 31)  # Epoch number, then 30 steps.
  np.testing.assert_array_equal(losses[:, 0], [1, 2])
  # The saved optimizer was trained to minimize x^2: the loss goes down.
  assert losses[0, -1] < losses[0, 1]


def test_evaluate_says_when_the_stored_network_differs(tmp_path):
  net = networks.CoordinateWiseDeepLSTM(layers=(3,), initializer="zeros")
  net(np.zeros([2], np.float32),
      net.initial_state_for_inputs(np.zeros([2], np.float32)))
  networks.save(net, str(tmp_path / "cw.l2l"))
  result = helpers.run("evaluate.py", "--problem=quadratic",
                       "--path=" + str(tmp_path), "--num_epochs=1",
                       "--num_steps=5")
  assert result.returncode == 0, result.stderr
  assert "cw.l2l stores layers=[3], which replaces (20, 20)." in result.stderr
  assert len(helpers.log_mean_final_errors(result.stdout)) == 1


def test_train_warns_of_a_run_that_stays_at_its_initial_loss(tmp_path):
  """The simple problem's net starts at zero updates; a meta learning rate
  of 1e-12 keeps it there, and the run says so after two evaluations. The
  run records its net settings (--zero_output_layer, --output_scale) in
  run.json and the saved net."""
  save_path = str(tmp_path / "run")
  result = helpers.run("train.py", *FAST, "--learning_rate=1e-12",
                       "--num_epochs=3", "--evaluation_period=1",
                       "--evaluation_epochs=1", "--stalled_evaluations=2",
                       "--zero_output_layer", "--output_scale=0.5",
                       "--save_path=" + save_path)
  assert result.returncode == 0, result.stderr
  [warning] = [line for line in result.stderr.splitlines()
               if "evaluations in a row" in line]
  assert ("Epoch 2: 2 evaluations in a row left the loss at its initial "
          "value") in warning
  assert "--zero_output_layer" in warning
  with open(os.path.join(save_path, "run.json")) as f:
    run = json.load(f)
  assert run["zero_output_layer"] is True and run["output_scale"] == 0.5
  assert networks.from_file(os.path.join(
      save_path, "cw.l2l")).net_options["scale"] == 0.5


def test_evaluate_without_path_warns_and_runs_any_horizon(tmp_path):
  """Without --path, an untrained net, said so; --num_steps is not bound to
  a training horizon."""
  output = str(tmp_path / "l2l.csv")
  result = helpers.run("evaluate.py", "--problem=simple", "--num_epochs=1",
                       "--num_steps=200", "--output=" + output)
  assert result.returncode == 0, result.stderr
  assert "Evaluating untrained L2L optimizer" in result.stderr
  assert np.loadtxt(output, delimiter=",", skiprows=7).shape == (201,)


# One baseline in the default suite; the others (the same code path) slow.
@pytest.mark.parametrize("optimizer", ["Adam"] + [
    pytest.param(name, marks=pytest.mark.slow)
    for name in ("SGD", "RMSprop", "NAG")])
def test_evaluate_baselines_on_the_same_instances(tmp_path, optimizer):
  """With a tiny learning rate every optimizer's first loss is the loss of
  the instance: the same for every optimizer with the same seed."""
  output = str(tmp_path / (optimizer + ".npz"))
  result = helpers.run("evaluate.py", "--problem=quadratic", "--optimizer=" +
               optimizer, "--learning_rate=1e-12", "--num_epochs=2",
               "--num_steps=3", "--seed=7", "--output=" + output)
  assert result.returncode == 0, result.stderr
  with np.load(output) as data:
    assert data["losses"].shape == (2, 3)
    assert str(data["optimizer"]) == optimizer
    first_losses = data["losses"][:, 0]
  reference = str(tmp_path / "reference.npz")
  result = helpers.run("evaluate.py", "--problem=quadratic", "--optimizer=SGD",
                       "--learning_rate=1e-12", "--num_epochs=2",
                       "--num_steps=3", "--seed=7", "--output=" + reference)
  assert result.returncode == 0, result.stderr
  # Not a classifier: the mean trajectory loss, no final network's scores.
  assert result.stdout.splitlines()[3].startswith("Mean trajectory loss: ")
  assert "Final network" not in result.stdout
  with np.load(reference) as data:
    np.testing.assert_allclose(first_losses, data["losses"][:, 0], rtol=1e-5)
  assert first_losses[0] != first_losses[1]  # A new instance each epoch.


# train.py's bad inputs: `{case: (arguments, a part of the message)}`, each
# run with a `--save_path` of its own that must stay absent. All run in one
# subprocess (`helpers.main_errors`);
# test_train_refuses_an_existing_save_path runs the script itself.
TRAIN_BAD_INPUTS = {
    "problem": (["--problem=cubic"], "--problem=cubic is not a valid problem"),
    "unroll_length": (["--unroll_length=0"],
                      "--unroll_length must be at least 1, got 0"),
    "num_steps": (["--num_steps=30", "--unroll_length=20"],
                  "--num_steps (30) must be a positive multiple of "
                  "--unroll_length (20)"),
    "num_epochs": (["--num_epochs=0"], "--num_epochs must be at least 1"),
    "negative_learning_rate": (["--learning_rate=-1"],
                               "--learning_rate must be positive"),
    "nan_learning_rate": (["--learning_rate=nan"],
                          "--learning_rate must be positive"),
    "net": (["--net=Adam"], "'Adam' is not a learned network"),
    "random_scaling": (["--random_scaling=-1"],
                       "--random_scaling must be at least 0"),
    "curriculum_multiple": (["--curriculum=30"],
                            "--curriculum: num_steps (30) must be a positive "
                            "multiple of unroll_length (20)"),
    "curriculum_order": (["--curriculum=100"], "must increase"),
    "family": (["--problem=simple,simple-multi"],
               "a family's problems must all be trained by a single net"),
    "resume_without_save_path": (["--resume"], "--resume needs --save_path"),
    "resume_of_a_folder_without_run": (
        ["--save_path={dir}/empty_run", "--resume"],
        "holds no run to continue"),
    "save_path_without_parent": (["--save_path={dir}/a/b"],
                                 "parent folder does not exist"),
    "log_and_sign_k_without_log_and_sign": (
        ["--log_and_sign_k=10"], "--problem=simple: --log_and_sign_k: none "
        "of the nets (cw) has LogAndSign preprocessing."),
    # Resumed runs keep their net settings (`RESUMED_RUNS`).
    "resume_without_the_runs_output_scale": (
        ["--save_path={dir}/scaled_run", "--resume", "--num_steps=20",
         "--unroll_length=20", "--num_epochs=4"],
        "--output_scale=None (the run used 0.5)"),
    # A run of the original code's MNIST nets is not resumed with the
    # paper's, the problem's defaults here.
    "resume_of_the_original_codes_mnist_nets": (
        ["--save_path={dir}/old_mnist_run", "--problem=mnist", "--resume"],
        "--log_and_sign_k=10 (the run used 5), --output_scale=0.1 (the run "
        "used 0.01)"),
}
# The run.json of the runs that TRAIN_BAD_INPUTS resume.
RESUMED_RUNS = {
    "scaled_run": {"problem": "simple", "num_steps": 20, "unroll_length": 20,
                   "second_derivatives": False, "output_scale": 0.5},
    "old_mnist_run": {"problem": "mnist", "num_steps": 100,
                      "unroll_length": 20, "second_derivatives": False,
                      "log_and_sign_k": 5, "output_scale": 0.01},
}


@pytest.fixture(scope="module")
def train_errors(tmp_path_factory):
  """`(folder, {case: message})` of every `TRAIN_BAD_INPUTS` case."""
  folder = tmp_path_factory.mktemp("train_errors")
  (folder / "empty_run").mkdir()
  for name, config in RESUMED_RUNS.items():
    (folder / name).mkdir()
    (folder / name / "run.json").write_text(json.dumps(config))
  cases = {}
  for case, (arguments, _) in TRAIN_BAD_INPUTS.items():
    arguments = [a.replace("{dir}", str(folder)) for a in arguments]
    if case != "resume_without_save_path" and not any(
        a.startswith("--save_path=") for a in arguments):
      arguments.append("--save_path={}/{}".format(folder, case))
    cases[case] = arguments
  return folder, helpers.main_errors("train.py", cases,
                                     str(folder / "messages.json"))


@pytest.mark.parametrize("case", sorted(TRAIN_BAD_INPUTS))
def test_train_bad_input(train_errors, case):
  folder, messages = train_errors
  helpers.assert_one_line_message(messages[case], TRAIN_BAD_INPUTS[case][1])
  assert not (folder / case).exists()
  assert sorted(p.name for p in folder.iterdir()) == sorted(
      ["empty_run", "messages.json"] + list(RESUMED_RUNS))
  for name in RESUMED_RUNS:
    assert [p.name for p in (folder / name).iterdir()] == ["run.json"]


def test_train_a_family_with_rnnprop_scaling_and_a_curriculum(tmp_path):
  save_path = str(tmp_path / "run")
  result = helpers.run("train.py", "--problem=simple,quadratic",
                       "--net=RNNprop", "--random_scaling=1", "--curriculum=40",
                       "--num_steps=20", "--unroll_length=4", "--num_epochs=4",
                       "--log_period=2", "--evaluation_period=2",
                       "--evaluation_epochs=1", "--save_path=" + save_path,
                       "--seed=0")
  assert result.returncode == 0, result.stderr
  assert "EVALUATION simple" in result.stdout
  assert "EVALUATION quadratic" in result.stdout
  with open(os.path.join(save_path, "run.json")) as f:
    config = json.load(f)
  assert config["problem"] == "simple,quadratic"
  assert (config["net"], config["random_scaling"], config["curriculum"]) == (
      "RNNprop", 1.0, ["40"])
  network = networks.from_file(os.path.join(save_path, "cw.l2l"))
  assert isinstance(network, networks.RNNprop)
  result = helpers.run("evaluate.py", "--problem=quadratic", "--optimizer=L2L",
               "--path=" + save_path, "--num_epochs=1", "--num_steps=20")
  assert result.returncode == 0, result.stderr
  assert np.isfinite(helpers.log_mean_final_errors(result.stdout)).all()


def test_train_refuses_an_existing_save_path(tmp_path):
  (tmp_path / "cw.l2l").write_bytes(b"precious")
  result = helpers.run("train.py", "--save_path=" + str(tmp_path))
  helpers.assert_one_line_error(result, "train.py",
                                "already exists; pass --resume")
  assert [p.name for p in tmp_path.iterdir()] == ["cw.l2l"]
  assert (tmp_path / "cw.l2l").read_bytes() == b"precious"


# evaluate.py's bad inputs, as TRAIN_BAD_INPUTS; test_evaluate_corrupt_path
# runs the script itself.
EVALUATE_BAD_INPUTS = {
    "optimizer": (["--optimizer=Adagrad"],
                  "--optimizer=Adagrad is not a valid optimizer"),
    "problem": (["--problem=cubic"], "--problem=cubic is not a valid problem"),
    "absent_path": (["--path=/no/such/folder"],
                    "is not a folder of saved optimizer files"),
    "path_without_the_net_file": (["--path={dir}/empty"],
                                  "Cannot read optimizer file"),
    "num_steps": (["--num_steps=0"], "--num_steps must be at least 1"),
    "learning_rate": (["--learning_rate=0"],
                      "--learning_rate must be positive"),
    "output": (["--output=losses.txt"], "must end in .csv or .npz"),
}


@pytest.fixture(scope="module")
def evaluate_errors(tmp_path_factory):
  """`{case: message}` of every `EVALUATE_BAD_INPUTS` case."""
  folder = tmp_path_factory.mktemp("evaluate_errors")
  (folder / "empty").mkdir()
  cases = {case: [a.replace("{dir}", str(folder)) for a in arguments]
           for case, (arguments, _) in EVALUATE_BAD_INPUTS.items()}
  return helpers.main_errors("evaluate.py", cases,
                             str(folder / "messages.json"))


@pytest.mark.parametrize("case", sorted(EVALUATE_BAD_INPUTS))
def test_evaluate_bad_input(evaluate_errors, case):
  helpers.assert_one_line_message(evaluate_errors[case],
                                  EVALUATE_BAD_INPUTS[case][1])


def test_evaluate_corrupt_path(tmp_path):
  (tmp_path / "cw.l2l").write_bytes(b"garbage")
  result = helpers.run("evaluate.py", "--path=" + str(tmp_path))
  helpers.assert_one_line_error(result, "evaluate.py",
                                "is not a valid .l2l file")


def test_killed_run_keeps_its_optimizer_and_resumes(tmp_path):
  save_path = tmp_path / "run"
  args = [os.path.join(helpers.REPO, "train.py"), *FAST, "--log_period=5",
          "--evaluation_period=5", "--evaluation_epochs=1",
          "--checkpoint_period=5", "--save_path=" + str(save_path)]
  process = subprocess.Popen([sys.executable] + args + ["--num_epochs=100000"],
                             cwd=helpers.REPO, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
  try:
    deadline = time.time() + 120
    while not (save_path / "cw.l2l").exists():
      assert time.time() < deadline and process.poll() is None
      time.sleep(0.05)
    time.sleep(0.5)
  finally:
    process.send_signal(signal.SIGKILL)
    process.wait()
  saved = networks.load(str(save_path / "cw.l2l"))
  assert np.all(np.isfinite(saved["linear"]["w"]))
  # The last complete checkpoint (a kill can interrupt the writing of the
  # next one, which then does not count).
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  latest = tf.train.latest_checkpoint(str(save_path / "checkpoint"))
  last_epoch = int(latest.rsplit("-", 1)[1])

  result = helpers.run(*args, "--num_epochs={}".format(last_epoch + 10),
                       "--resume")
  assert result.returncode == 0, result.stderr
  epochs = [int(line.split()[1].split("/")[0])
            for line in result.stdout.splitlines() if line.startswith("Epoch")]
  assert epochs and epochs[0] > last_epoch
  assert epochs[-1] == last_epoch + 10
  networks.load(str(save_path / "cw.l2l"))


def _train_with_checkpoints(save_path, num_epochs):
  """A run of `num_epochs` epochs that checkpoints every 5 and evaluates
  (and so saves its optimizer) every 5."""
  return helpers.run("train.py", *FAST, "--num_epochs={}".format(num_epochs),
             "--log_period=5", "--evaluation_period=5",
             "--evaluation_epochs=1", "--checkpoint_period=5",
             "--save_path=" + str(save_path),
             *(["--resume"] if save_path.exists() else []))


@pytest.mark.slow  # Three train.py runs; the default suite resumes in
# test_killed_run_keeps_its_optimizer_and_resumes.
def test_resume_skips_a_damaged_checkpoint(tmp_path):
  save_path = tmp_path / "run"
  assert _train_with_checkpoints(save_path, 15).returncode == 0
  checkpoints = save_path / "checkpoint"
  data = checkpoints / "ckpt-15.data-00000-of-00001"
  data.write_bytes(data.read_bytes()[:8])  # Truncated, as by a full disk.
  saved = (save_path / "cw.l2l").read_bytes()

  result = _train_with_checkpoints(save_path, 20)
  assert result.returncode == 0, result.stderr
  warning = [line for line in result.stderr.splitlines()
             if "damaged and is skipped" in line]
  assert len(warning) == 1 and "ckpt-15" in warning[0]
  epochs = [line.split()[1] for line in result.stdout.splitlines()
            if line.startswith("Epoch")]
  assert epochs == ["15/20", "20/20"]  # Resumed from epoch 10.
  # The optimizer saved by epoch 15 is not replaced by the nets of the older
  # checkpoint when the run resumes; only a new improvement replaces it.
  lines = [line.split(" ")[0] for line in result.stdout.splitlines()]
  if "Saving" in lines:
    assert lines.index("Saving") > lines.index("EVALUATION")
  else:
    assert (save_path / "cw.l2l").read_bytes() == saved
  networks.load(str(save_path / "cw.l2l"))


@pytest.mark.slow  # Two train.py runs.
def test_resume_without_an_intact_checkpoint_is_one_line(tmp_path):
  save_path = tmp_path / "run"
  assert _train_with_checkpoints(save_path, 15).returncode == 0
  for data in (save_path / "checkpoint").glob("*.data-*"):
    data.write_bytes(data.read_bytes()[:8])
  saved = (save_path / "cw.l2l").read_bytes()
  result = _train_with_checkpoints(save_path, 20)
  helpers.assert_one_line_error(result, "train.py", "no intact checkpoint in")
  assert (save_path / "cw.l2l").read_bytes() == saved


def test_training_output_is_the_original_lines_and_warnings(tmp_path):
  """TensorFlow's own info lines (one per checkpoint) stay out."""
  result = _train_with_checkpoints(tmp_path / "run", 10)
  assert result.returncode == 0, result.stderr
  assert "Sharding callback" not in result.stderr
  for line in result.stdout.splitlines():
    assert line.startswith(("Epoch ", "Log Mean Final Error:",
                            "Mean epoch time:", "EVALUATION",
                            "Saving meta-optimizer to ")), line


BUG_RUN = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    import cli, training, train

    def broken(*args, **kwargs):
      raise {error}

    training.meta_train = broken
    cli.run_main(train.main)
    """)


# ValueError and IOError are the types of bad input's errors.
@pytest.mark.parametrize("error", [
    "ValueError('a bug')",
    pytest.param("RuntimeError('a bug')", marks=pytest.mark.slow),
    "IOError('a bug')"])
def test_a_bug_keeps_its_traceback(error):
  """Only the project's own input errors are one line: any other exception
  is a bug and is shown with its traceback."""
  result = helpers.run(BUG_RUN.format(repo=helpers.REPO, error=error), *FAST,
               "--num_epochs=1")
  assert result.returncode != 0
  assert "Traceback" in result.stderr
  assert result.stderr.strip().splitlines()[-1].endswith("a bug")


@pytest.mark.slow  # test_training.py checks the same refusal in-process.
def test_resume_with_other_flags_is_refused(tmp_path):
  save_path = str(tmp_path / "run")
  assert helpers.run("train.py", *FAST, "--num_epochs=2",
             "--save_path=" + save_path).returncode == 0
  result = helpers.run("train.py", "--problem=quadratic", "--num_steps=20",
               "--unroll_length=4", "--save_path=" + save_path, "--resume")
  helpers.assert_one_line_error(result, "train.py",
                                "--problem=quadratic (the run "
                                "used simple)")


# Trains on x^2 times a factor that a patched run_epoch turns to NaN after
# the first saved optimizer; keeps a copy of the saved file at that moment.
NAN_RUN = textwrap.dedent("""
    import shutil
    import sys
    import numpy as np
    import tensorflow as tf
    sys.path.insert(0, {repo!r})
    import cli, problems, train, util

    factor = tf.Variable(1.0, trainable=False)

    def simple():
      def make_loss():
        x = tf.Variable(tf.ones([]), name="x")
        return tf.square(x) * factor
      return make_loss

    problems.simple = simple
    run_epoch = util.run_epoch
    calls = []

    def poisoned_run_epoch(*args):
      calls.append(1)
      if len(calls) == {poison_at}:
        shutil.copy({saved!r}, {saved!r} + ".before")
        factor.assign(np.nan)
      return run_epoch(*args)

    util.run_epoch = poisoned_run_epoch
    cli.run_main(train.main)
    """)


def test_nan_never_reaches_the_saved_optimizer(tmp_path):
  save_path = tmp_path / "run"
  saved = str(save_path / "cw.l2l")
  # Epochs 1-2 train, epoch 2 is evaluated once and saved; NaN from call 4.
  script = NAN_RUN.format(repo=helpers.REPO, poison_at=4, saved=saved)
  result = helpers.run(script, *FAST, "--num_epochs=50",
                       "--evaluation_period=2", "--evaluation_epochs=1",
                       "--save_path=" + str(save_path))
  helpers.assert_one_line_error(result, "-c", "5 epochs in a row ended with a "
                        "non-finite loss")
  assert "meta-optimizer update(s) skipped" in result.stderr
  with open(saved, "rb") as f, open(saved + ".before", "rb") as before:
    assert f.read() == before.read()
  assert np.all(np.isfinite(networks.load(saved)["linear"]["w"]))


def test_tensorboard_scalars(tmp_path):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  logdir = tmp_path / "logs"
  result = helpers.run("train.py", *FAST, "--num_epochs=4", "--log_period=2",
               "--evaluation_period=2", "--evaluation_epochs=1",
               "--logdir=" + str(logdir))
  assert result.returncode == 0, result.stderr
  tags = set()
  for events in logdir.glob("events.out.tfevents.*"):
    for record in tf.data.TFRecordDataset(str(events)):
      event = tf.compat.v1.Event.FromString(record.numpy())
      tags.update(value.tag for value in event.summary.value)
  assert {"train/final_loss", "train/epoch_time",
          "train/log_mean_final_error",
          "evaluation/log_mean_final_error"} <= tags


@pytest.mark.slow  # Two train.py runs; test_experiment.py checks in-process
# that a seed fixes the instances.
def test_seed_makes_a_run_repeat(tmp_path):
  """Random nets and random problem instances, twice with one seed: the
  same statistics and byte-identical saved optimizers."""
  outputs = []
  for name in ("first", "second"):
    save_path = tmp_path / name
    result = helpers.run("train.py", "--problem=quadratic", "--num_steps=20",
                 "--unroll_length=10", "--num_epochs=4", "--log_period=2",
                 "--evaluation_period=2", "--evaluation_epochs=2",
                 "--seed=3", "--save_path=" + str(save_path))
    assert result.returncode == 0, result.stderr
    outputs.append((helpers.log_mean_final_errors(result.stdout),
                    (save_path / "cw.l2l").read_bytes()))
  assert outputs[0] == outputs[1]


def test_mnist_from_data_dir(tmp_path):
  import data_files  # pylint: disable=g-import-not-at-top
  data_files.write_mnist_idx(str(tmp_path))
  save_path = str(tmp_path / "mnist")
  result = helpers.run("train.py", "--problem=mnist", "--num_steps=10",
               "--unroll_length=5", "--num_epochs=2", "--log_period=1",
               "--evaluation_period=2", "--evaluation_epochs=1",
               "--data_dir=" + str(tmp_path), "--save_path=" + save_path)
  assert result.returncode == 0, result.stderr
  assert "Data: MNIST IDX files in " + str(tmp_path) in result.stderr
  # By default, the paper's LogAndSign k and output scale.
  net_options = networks.from_file(os.path.join(save_path,
                                                "cw.l2l")).net_options
  assert net_options["preprocess_options"] == {"k": 10}
  assert net_options["scale"] == 0.1


def test_evaluate_prints_the_final_networks_scores(tmp_path):
  """The original's lines first, unchanged; then the mean trajectory loss
  and, for MNIST, the final networks' scores on both whole splits."""
  import data_files  # pylint: disable=g-import-not-at-top
  data_files.write_mnist_idx(str(tmp_path))
  output = str(tmp_path / "sgd.csv")
  result = helpers.run("evaluate.py", "--problem=mnist", "--optimizer=SGD",
               "--learning_rate=0.5", "--num_epochs=2", "--num_steps=4",
               "--num_instances=2", "--seed=1", "--output=" + output,
               "--data_dir=" + str(tmp_path))
  assert result.returncode == 0, result.stderr
  lines = result.stdout.splitlines()
  assert lines[0] == "Epoch 2"
  assert lines[1].startswith("Log Mean Final Error: ")
  assert lines[2].startswith("Mean epoch time: ")
  with open(output) as f:
    assert "# data=MNIST IDX files in {}\n".format(tmp_path) in f.read()
  losses = np.loadtxt(output, delimiter=",", skiprows=7)[:, 1:]
  assert losses.shape == (4, 4)
  assert lines[3] == "Mean trajectory loss: {:.4g}".format(np.mean(losses))
  assert lines[4].startswith("Final network, whole test split: loss ")
  assert lines[5].startswith("Final network, whole train split (not trained "
                             "on): loss ")
  for line in lines[4:]:
    loss, accuracy = line.split(": loss ")[1].split(", accuracy ")
    assert 0 < float(loss) < 10 and 0 <= float(accuracy) <= 1
  assert len(lines) == 6
  # test_evaluate_baselines_on_the_same_instances checks the quadratic's
  # lines: no final network's scores.


def test_malformed_data_file_is_one_line(tmp_path):
  (tmp_path / "mnist.npz").write_bytes(b"not an archive")
  result = helpers.run("evaluate.py", "--problem=mnist", "--optimizer=SGD",
               "--data_dir=" + str(tmp_path))
  helpers.assert_one_line_error(result, "evaluate.py",
                                "mnist.npz: not a valid .npz "
                                "archive")


@pytest.mark.slow  # Three script runs; test_meta.py and test_experiment.py
# check many instances in-process.
def test_train_and_evaluate_many_instances(tmp_path):
  save_path = str(tmp_path / "quadratic")
  result = helpers.run("train.py", "--problem=quadratic", "--num_steps=4",
               "--unroll_length=2", "--num_epochs=2", "--log_period=1",
               "--evaluation_period=2", "--evaluation_epochs=1",
               "--num_instances=3", "--save_path=" + save_path)
  assert result.returncode == 0, result.stderr
  assert len(helpers.log_mean_final_errors(result.stdout)) == 3
  networks.load(os.path.join(save_path, "cw.l2l"))

  outputs = {}
  for name, num_instances in (("one", 1), ("three", 3)):
    outputs[name] = str(tmp_path / (name + ".csv"))
    result = helpers.run("evaluate.py", "--problem=quadratic",
                         "--path=" + save_path, "--num_epochs=2",
                         "--num_steps=3", "--seed=5",
                         "--num_instances={}".format(num_instances),
                         "--output=" + outputs[name])
    assert result.returncode == 0, result.stderr
  rows = np.loadtxt(outputs["three"], delimiter=",", skiprows=7)
  assert rows.shape == (6, 4)  # 2 epochs of 3 instances; epoch, 3 steps.
  np.testing.assert_array_equal(rows[:, 0], [1, 1, 1, 2, 2, 2])
  assert len(set(rows[:3, 1])) == 3  # Instances differ.
  assert np.loadtxt(outputs["one"], delimiter=",", skiprows=7).shape == (2, 4)


@pytest.mark.slow  # The positive-count check of --num_epochs=0, twice more.
def test_num_instances_must_be_positive(tmp_path):
  for script in ("train.py", "evaluate.py"):
    helpers.assert_one_line_error(helpers.run(script, "--num_instances=0"),
                                  script, "--num_instances must be at least 1")


@pytest.mark.slow  # test_rematerialize.py checks the same in-process.
def test_train_rematerialized_prints_the_same_errors(tmp_path):
  """--rematerialize changes the memory, not the training."""
  outputs = []
  for extra in ([], ["--rematerialize"]):
    result = helpers.run("train.py", "--problem=quadratic", "--num_steps=20",
                 "--unroll_length=10", "--num_epochs=4", "--log_period=2",
                 "--evaluation_period=2", "--evaluation_epochs=1",
                 "--seed=3", *extra)
    assert result.returncode == 0, result.stderr
    outputs.append(helpers.log_mean_final_errors(result.stdout))
  assert len(outputs[0]) == 4 and outputs[0] == outputs[1]
