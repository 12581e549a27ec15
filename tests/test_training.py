# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of training.py, the meta-training harness, called in-process (the
scripts are driven in test_scripts.py), and of experiment.py's cache."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

import errors
import experiment
import training
import util

SCHEDULE = training.Schedule(num_epochs=4, log_period=2, evaluation_period=2,
                             evaluation_epochs=1, checkpoint_period=2,
                             max_nonfinite_epochs=5)


class Recorder(training.Progress):
  """Keeps what a run reports."""

  def __init__(self, interrupt_at=None):
    self.events = []
    self._interrupt_at = interrupt_at

  def epoch_done(self, epoch, final_loss, seconds):
    self.events.append(("epoch", epoch, final_loss))
    if epoch == self._interrupt_at:
      raise KeyboardInterrupt

  def statistics(self, header, total_error, total_time, num_epochs):
    self.events.append(("statistics", header.split(" (")[0], num_epochs,
                        total_error))

  def saved(self, save_path):
    self.events.append(("saved", save_path))


def meta_train(**kwargs):
  problem, net_config, _ = util.get_config("simple")
  return training.meta_train(problem, net_config, num_steps=4,
                             unroll_length=2, schedule=SCHEDULE, **kwargs)


def test_progress_receives_every_epoch_and_the_statistics(tmp_path):
  progress = Recorder()
  result = meta_train(save_path=str(tmp_path / "run"), progress=progress,
                      run_config={"problem": "simple"})
  kinds = [(e[0], e[1]) for e in progress.events if e[0] != "saved"]
  assert kinds == [("epoch", 1), ("epoch", 2), ("statistics", "Epoch 2/4"),
                   ("statistics", "EVALUATION"), ("epoch", 3), ("epoch", 4),
                   ("statistics", "Epoch 4/4"), ("statistics", "EVALUATION")]
  # The best evaluation is the lowest total final loss of the evaluations,
  # and its epoch.
  evaluations = dict(zip((2, 4), [e[3] for e in progress.events
                                  if e[:2] == ("statistics", "EVALUATION")]))
  assert result.epoch == 4
  assert result.best_evaluation == min(evaluations.values())
  assert evaluations[result.best_epoch] == result.best_evaluation
  assert ("saved", str(tmp_path / "run")) in progress.events
  with open(tmp_path / "run" / training.RUN_FILE) as f:
    assert json.load(f) == {"problem": "simple"}


def test_without_save_path_nothing_is_saved(tmp_path, monkeypatch):
  monkeypatch.chdir(tmp_path)
  progress = Recorder()
  result = meta_train(progress=progress)
  assert result.best_epoch == -1 and result.best_evaluation == np.inf
  assert not [e for e in progress.events if e[0] == "saved"]
  assert not os.listdir(tmp_path)


def test_interrupted_run_writes_a_checkpoint_and_resumes(tmp_path, caplog):
  save_path = str(tmp_path / "run")
  with pytest.raises(training.Stopped) as stopped:
    meta_train(save_path=save_path, progress=Recorder(interrupt_at=3))
  assert stopped.value.epoch == 3
  assert tf.train.latest_checkpoint(
      os.path.join(save_path, training.CHECKPOINT_FOLDER)).endswith("ckpt-3")
  progress = Recorder()
  with caplog.at_level("INFO"):
    result = meta_train(save_path=save_path, resume=True, progress=progress)
  assert [e[1] for e in progress.events if e[0] == "epoch"] == [4]
  assert result.epoch == 4
  # The only evaluation before the stop was at epoch 2.
  assert "at epoch 3 (best evaluation so far: epoch 2, summed final " in (
      caplog.text)


def test_check_save_path(tmp_path):
  with pytest.raises(errors.InputError, match="already exists; pass --resume"):
    training.check_save_path(str(tmp_path), resume=False)
  with pytest.raises(errors.InputError, match="holds no run to continue"):
    training.check_save_path(str(tmp_path), resume=True)
  with pytest.raises(errors.InputError, match="parent folder does not exist"):
    training.check_save_path(str(tmp_path / "a" / "b"), resume=False)
  (tmp_path / training.RUN_FILE).write_text('{"problem": "simple"}')
  training.check_save_path(str(tmp_path), True, {"problem": "simple"})
  with pytest.raises(errors.InputError, match=r"--problem=quadratic \(the run "
                     "used simple\)"):
    training.check_save_path(str(tmp_path), True, {"problem": "quadratic"})


def test_num_steps_must_be_whole_unrolls():
  problem, net_config, _ = util.get_config("simple")
  with pytest.raises(ValueError,
                     match="must be a positive multiple of unroll_length"):
    training.meta_train(problem, net_config, num_steps=5, unroll_length=2)
  with pytest.raises(ValueError, match="unroll_length must be positive"):
    training.meta_train(problem, net_config, num_steps=5, unroll_length=0)


def test_format_duration():
  assert training.format_duration(59.6) == "1m00s"
  assert training.format_duration(3723) == "1h02m03s"


def test_cached_arrays_computes_once(tmp_path):
  filename = str(tmp_path / "runs" / "run.npz")
  calls = []

  def compute():
    calls.append(1)
    return {"losses": np.arange(6.0).reshape(2, 3)}

  first = experiment.cached_arrays(filename, compute)
  again = experiment.cached_arrays(filename, compute)
  assert len(calls) == 1
  np.testing.assert_array_equal(first["losses"], again["losses"])


def _stall_warnings(caplog):
  return [r.getMessage() for r in caplog.records
          if "left the loss at its initial value" in r.getMessage()]


def test_a_run_that_stays_at_its_initial_loss_is_warned_of(caplog):
  """Nets without weights (SGD of learning rate 0) leave the simple problem
  at its initial loss: after `stalled_evaluations` evaluations in a row the
  run warns once, naming the flags to try."""
  problem, _, _ = util.get_config("simple")
  schedule = SCHEDULE._replace(num_epochs=8, evaluation_period=1,
                               stalled_evaluations=3)
  with caplog.at_level("WARNING"):
    training.meta_train(
        problem, {"sgd": {"net": "Sgd", "net_options": {"learning_rate": 0}}},
        num_steps=4, unroll_length=2, schedule=schedule, progress=Recorder())
  [warning] = _stall_warnings(caplog)
  assert warning.startswith("Epoch 3: 3 evaluations in a row")
  assert "mean final loss 1, initial 1" in warning
  assert "--zero_output_layer" in warning and "--learning_rate" in warning


def test_a_run_that_optimizes_is_not_warned_of(caplog):
  problem, _, _ = util.get_config("simple")
  schedule = SCHEDULE._replace(num_epochs=4, evaluation_period=1,
                               stalled_evaluations=1)
  with caplog.at_level("WARNING"):
    training.meta_train(
        problem,
        {"sgd": {"net": "Sgd", "net_options": {"learning_rate": 0.1}}},
        num_steps=4, unroll_length=2, schedule=schedule, progress=Recorder())
  assert not _stall_warnings(caplog)


def _sgd_nets():
  """A net without weights: every run of it is the same deterministic
  optimization, so that evaluations repeat exactly."""
  return {"cw": {"net": "Sgd", "net_options": {"learning_rate": 0.1}}}


def test_a_family_run_trains_every_problem_and_evaluates_each():
  tf.random.set_seed(0)
  quadratic, net_config, _ = util.get_config("quadratic")
  simple, _, _ = util.get_config("simple")
  progress = Recorder()
  result = training.meta_train(
      {"quadratic": quadratic, "simple": simple}, net_config, num_steps=4,
      unroll_length=2, schedule=SCHEDULE, progress=progress)
  headers = [e[1] for e in progress.events if e[0] == "statistics"]
  assert headers == ["Epoch 2/4", "EVALUATION quadratic", "EVALUATION simple",
                     "Epoch 4/4", "EVALUATION quadratic", "EVALUATION simple"]
  # Epochs alternate between the problems, each trained without a skipped
  # meta-step.
  losses = [e[2] for e in progress.events if e[0] == "epoch"]
  assert len(losses) == 4 and all(np.isfinite(losses))
  assert result.optimizer.skipped_steps == 0


def test_family_evaluation_weighs_problems_by_their_initial_losses(
    tmp_path):
  simple, _, _ = util.get_config("simple")
  multi = util.get_config("simple-multi")[0]
  result = training.meta_train(
      {"simple": simple, "multi": multi}, _sgd_nets(), num_steps=2,
      unroll_length=2, schedule=SCHEDULE, save_path=str(tmp_path / "run"))
  # SGD at 0.1 multiplies every coordinate by 0.8 per step: each problem's
  # final loss is 0.8^4 times its initial one.
  np.testing.assert_allclose(result.best_evaluation, 2 * 0.8 ** 4,
                             rtol=1e-5)


def test_meta_minimize_family_shares_one_meta_adam():
  simple, net_config, _ = util.get_config("simple")
  optimizer = training.meta.MetaOptimizer(**net_config)
  with pytest.raises(ValueError, match="at least one problem"):
    optimizer.meta_minimize_family([], 2)
  steps = optimizer.meta_minimize_family([simple, simple], 2)
  for step in steps:
    step.reset()
    step.step()
  # Both problems' steps went to the one Adam that checkpoints hold.
  assert float(optimizer.checkpoint_items()["meta_adam"].t.numpy()) == 2


def test_a_curriculum_moves_on_when_the_evaluation_stalls_and_resumes(
    tmp_path):
  simple, _, _ = util.get_config("simple")
  save_path = str(tmp_path / "run")
  schedule = SCHEDULE._replace(num_epochs=2, evaluation_period=1,
                               log_period=1, checkpoint_period=1)

  def run(num_epochs, resume):
    progress = Recorder()
    training.meta_train(
        simple, _sgd_nets(), num_steps=2, unroll_length=2,
        schedule=schedule._replace(num_epochs=num_epochs),
        save_path=save_path, resume=resume, run_config={}, progress=progress,
        curriculum=(4, 8))
    return [e[2] for e in progress.events if e[0] == "epoch"]

  # x = 0.8^steps: the first evaluation sets the best, the second repeats
  # it, so the run moves to the stage of 4 steps.
  np.testing.assert_allclose(run(2, resume=False), [0.8 ** 4] * 2,
                             rtol=1e-5)
  # Resumed, it continues at 4 steps, then moves to 8 after a second
  # evaluation of the stage that does not improve on its first.
  np.testing.assert_allclose(run(5, resume=True),
                             [0.8 ** 8, 0.8 ** 8, 0.8 ** 16], rtol=1e-4)


def test_check_curriculum():
  assert training.check_curriculum(20, 10, (40, 100)) == [20, 40, 100]
  with pytest.raises(ValueError,
                     match="must be a positive multiple of unroll_length"):
    training.check_curriculum(20, 10, (45,))
  with pytest.raises(ValueError, match="must increase"):
    training.check_curriculum(20, 10, (20,))


def test_run_config_records_the_nets_settings_and_the_later_settings_given():
  """What run.json records: the unroll, the nets' settings (the paper's
  LogAndSign k and output scale for MNIST, none for the quadratic's net),
  and only the later settings passed."""
  _, mnist_nets, _ = util.get_config("mnist")
  assert training.run_config("mnist", mnist_nets, 100, 20,
                             net="RNNprop") == {
                                 "problem": "mnist", "num_steps": 100,
                                 "unroll_length": 20,
                                 "second_derivatives": False,
                                 "log_and_sign_k": 10, "output_scale": 0.1,
                                 "zero_output_layer": True, "net": "RNNprop"}
  _, quadratic_nets, _ = util.get_config("quadratic")
  config = training.run_config("quadratic", quadratic_nets, 100, 20, True)
  assert config["second_derivatives"] is True
  assert (config["log_and_sign_k"], config["output_scale"],
          config["zero_output_layer"]) == (None, None, None)
  assert "net" not in config
