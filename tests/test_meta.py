# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of the meta-optimizer (meta.py)."""

import os

from absl import logging
import numpy as np
import pytest
import sonnet as snt
import tensorflow as tf

import helpers
import meta
import networks
import optimizee
import problems

@pytest.mark.parametrize("jit_compile", helpers.JIT_MODES)
def test_torch_results(jit_compile):
  """Reproduces the Torch implementation's numbers, as the original did."""
  optimizer = meta.MetaOptimizer(**helpers.linear_net_config(
      initializer="zeros"))
  minimize_ops = optimizer.meta_minimize(problems.simple(), 5,
                                         jit_compile=jit_compile)
  cost, final_x = helpers.train(minimize_ops, 1, 2)

  # Torch results.
  torch_cost = 0.7325327
  torch_final_x = 0.8559

  assert cost == pytest.approx(torch_cost, abs=1e-4)
  assert final_x[0] == pytest.approx(torch_final_x, abs=1e-4)
  assert float(minimize_ops.fx.numpy()) == pytest.approx(cost)


@pytest.mark.parametrize("case", sorted(helpers.MULTI_OPTIMIZER_CASES))
def test_multi_optimizer(case):
  """Different variable->net mappings in the multi-optimizer problem."""
  net_assignments, net_config = helpers.MULTI_OPTIMIZER_CASES[case]
  optimizer = meta.MetaOptimizer(**net_config)
  minimize_ops = optimizer.meta_minimize(
      problems.simple_multi_optimizer(num_dims=2), 3,
      net_assignments=net_assignments)
  cost, final_x = helpers.train(minimize_ops, 1, 2)
  assert cost == pytest.approx(sum(x ** 2 for x in final_x), rel=1e-6)
  if case in ("shared", "explicit_sharing"):
    # One coordinatewise net for two coordinates that start alike and
    # have the same loss: they move alike.
    assert final_x[0] == final_x[1] != 1.0
  elif case == "different_optimizers":
    # net2 is Adam (learning rate 0.001): 6 steps of about 0.001 each
    # against a gradient of constant sign; the LSTM net moves x_0.
    assert final_x[1] == pytest.approx(1 - 6 * 0.001, abs=1e-6)
    assert final_x[0] != 1.0
  else:
    # x_1 is assigned to no net and stays where it started.
    assert final_x[1] == 1.0 and final_x[0] != 1.0


def test_adam_net_beside_learned_net_moves_its_variable():
  """An `Adam` net with learning rate 0.1 moves x_1 by 0.1 per step."""
  net_assignments, net_config = helpers.MULTI_OPTIMIZER_CASES[
      "different_optimizers"]
  net_config = dict(net_config, net2={"net": "Adam",
                                      "net_options": {"learning_rate": 0.1}})
  ops = meta.MetaOptimizer(**net_config).meta_loss(
      problems.simple_multi_optimizer(num_dims=2), 1,
      net_assignments=net_assignments)
  ops.reset()
  ops.update()
  # Adam's first step is -learning_rate * sign(gradient).
  assert ops.x[1].numpy() == pytest.approx(0.9, abs=1e-6)


@pytest.mark.parametrize("jit_compile", helpers.JIT_MODES)
def test_second_derivatives(jit_compile):
  """The Torch numbers with second derivatives: the one meta-gradient
  before the last unroll is taken at the zero net, where the
  second-derivative term (the net's weight times the gradient's
  derivative) vanishes. test_meta_gradient.py checks the meta-gradient
  itself against central differences."""
  optimizer = meta.MetaOptimizer(**helpers.linear_net_config(
      initializer="zeros"))
  minimize_ops = optimizer.meta_minimize(problems.simple(), 5,
                                         second_derivatives=True,
                                         jit_compile=jit_compile)
  cost, final_x = helpers.train(minimize_ops, 1, 2)
  assert cost == pytest.approx(0.7325327, abs=1e-4)
  assert final_x[0] == pytest.approx(0.8559, abs=1e-4)


def test_second_derivatives_change_the_meta_gradient():
  """With second derivatives the meta-gradient differs, so after a few Adam
  steps the nets, started from the same weights, differ."""
  results = {}
  for second_derivatives in (False, True):
    tf.random.set_seed(3)
    optimizer = meta.MetaOptimizer(cw={
        "net": "CoordinateWiseDeepLSTM",
        "net_options": {"layers": (4,), "preprocess_name": "LogAndSign",
                        "preprocess_options": {"k": 5}}})
    ops = optimizer.meta_minimize(problems.simple(), 3,
                                  second_derivatives=second_derivatives)
    initial = optimizer.save()["cw"]["lstm_1"]["w_i"]
    helpers.train(ops, 1, 3)
    results[second_derivatives] = (initial,
                                   optimizer.save()["cw"]["lstm_1"]["w_i"])
  np.testing.assert_array_equal(results[False][0], results[True][0])
  assert not np.allclose(results[False][1], results[True][1])


def test_convolutional():
  """L2L applied to a problem with convolutions (a Sonnet module)."""
  kernel_shape = 4

  def convolutional_problem():
    conv = snt.Conv2D(output_channels=1, kernel_shape=kernel_shape, stride=1,
                      name="conv")
    output = conv(tf.random.normal((100, 100, 3, 10)))
    return tf.reduce_sum(output)

  net_config = {
      "conv": {
          "net": "KernelDeepLSTM",
          "net_options": {
              "kernel_shape": [kernel_shape] * 2,
              "layers": (5,)
          },
      },
  }
  optimizer = meta.MetaOptimizer(**net_config)
  minimize_ops = optimizer.meta_minimize(
      convolutional_problem, 3, net_assignments=[("conv", ["conv/w"])])
  cost, final_x = helpers.train(minimize_ops, 1, 2)
  assert np.isfinite(cost)
  assert [x.shape for x in final_x] == [(4, 4, 10, 1), (1,)]
  # The bias is assigned to no net: it stays at its initial zero.
  np.testing.assert_array_equal(final_x[1], [0.0])


def while_loop_problem():
  x = tf.Variable(tf.ones([]), name="x")
  # Strange way of squaring the variable.
  _, x_squared = tf.while_loop(
      cond=lambda t, _: t < 1,
      body=lambda t, x: (t + 1, x * x),
      loop_vars=(0, x),
      name="loop")
  return x_squared


def test_while_loop_problem():
  """x^2 computed in a tf.while_loop is the simple problem: the Torch
  numbers."""
  optimizer = meta.MetaOptimizer(**helpers.linear_net_config(
      initializer="zeros"))
  minimize_ops = optimizer.meta_minimize(while_loop_problem, 5)
  cost, final_x = helpers.train(minimize_ops, 1, 2)
  assert cost == pytest.approx(0.7325327, abs=1e-4)
  assert final_x[0] == pytest.approx(0.8559, abs=1e-4)


def test_xla_failure_falls_back_with_a_log_line(caplog):
  """XLA cannot compile a while_loop without maximum_iterations; the step
  runs without XLA and says so, and gives the same numbers."""
  results = {}
  for jit_compile in helpers.JIT_MODES:
    tf.random.set_seed(1)
    optimizer = meta.MetaOptimizer(**helpers.linear_net_config(
        initializer="zeros"))
    ops = optimizer.meta_minimize(while_loop_problem, 3,
                                  jit_compile=jit_compile)
    with caplog.at_level(logging.WARNING):
      results[jit_compile] = helpers.train(ops, 1, 2)
    assert not ops.step.uses_xla
  assert "XLA cannot compile step, which runs without XLA" in caplog.text
  assert results[True][0] == pytest.approx(results[False][0], rel=1e-5)


def test_xla_is_used_when_asked():
  ops = meta.MetaOptimizer(**helpers.linear_net_config()).meta_minimize(
      problems.simple(), 3, jit_compile=True)
  helpers.train(ops, 1, 1)
  assert ops.step.uses_xla


def test_save_and_load(tmp_path):
  """A saved and reloaded meta-optimizer trains on as the original does."""
  net_options = {"layers": (2, 3), "initializer": "zeros"}
  num_unrolls = 2
  num_epochs = 1
  problem = problems.simple()

  optimizer = meta.MetaOptimizer(net=dict(net="CoordinateWiseDeepLSTM",
                                          net_options=net_options))
  minimize_ops = optimizer.meta_minimize(problem, 3)
  helpers.train(minimize_ops, 1, 2)

  save_result = optimizer.save(path=str(tmp_path))
  net_path = next(iter(save_result))
  assert net_path == os.path.join(str(tmp_path), "net.l2l")

  # Retrain the original optimizer.
  cost, x = helpers.train(minimize_ops, num_epochs, num_unrolls)

  # Load the optimizer and retrain it.
  optimizer = meta.MetaOptimizer(net=dict(net="CoordinateWiseDeepLSTM",
                                          net_options=net_options,
                                          net_path=net_path))
  minimize_ops = optimizer.meta_minimize(problem, 3)
  cost_loaded, x_loaded = helpers.train(minimize_ops, num_epochs, num_unrolls)

  assert cost == pytest.approx(cost_loaded, abs=1e-3)
  assert x[0] == pytest.approx(x_loaded[0], abs=1e-3)


def test_save_and_load_random_weights_identical_unrolls(tmp_path):
  """Random weights (a forget bias added twice on reload would show): the
  reloaded optimizer has identical weights and identical unrolls."""
  config = {"cw": {"net": "CoordinateWiseDeepLSTM",
                   "net_options": {"layers": (4, 3),
                                   "preprocess_name": "LogAndSign",
                                   "preprocess_options": {"k": 5},
                                   "initializer": "random_normal"}}}
  optimizer = meta.MetaOptimizer(**config)
  helpers.train(optimizer.meta_minimize(problems.simple(), 3), 1, 2)
  saved = optimizer.save(path=str(tmp_path))

  config["cw"]["net_path"] = os.path.join(str(tmp_path), "cw.l2l")
  reloaded = meta.MetaOptimizer(**config)
  ops = {name: opt.meta_loss(problems.simple(), 4)
         for name, opt in (("saved", optimizer), ("reloaded", reloaded))}
  for variables in (saved[config["cw"]["net_path"]], reloaded.save()["cw"]):
    for module, values in optimizer.save()["cw"].items():
      for name, value in values.items():
        np.testing.assert_array_equal(variables[module][name], value)
  finals = {}
  for name, op in ops.items():
    op.reset()
    finals[name] = [float(op.update().numpy()) for _ in range(3)]
  assert finals["saved"] == finals["reloaded"]


def test_save_creates_the_folder(tmp_path):
  optimizer = meta.MetaOptimizer(**helpers.linear_net_config())
  optimizer.meta_loss(problems.simple(), 2)
  folder = tmp_path / "new" / "saved"
  optimizer.save(str(folder))
  assert sorted(os.listdir(folder)) == ["net.l2l"]


def test_save_before_meta_loss():
  with pytest.raises(RuntimeError, match="call meta_loss or meta_minimize"):
    meta.MetaOptimizer().save()


def test_default_meta_optimizer():
  """No arguments: the original's 2x20 LogAndSign coordinatewise LSTM."""
  optimizer = meta.MetaOptimizer()
  ops = optimizer.meta_minimize(problems.quadratic(batch_size=4, num_dims=3),
                                2)
  helpers.train(ops, 1, 1)
  saved = optimizer.save()["coordinatewise"]
  assert saved["lstm_1"]["w_i"].shape == (2, 80)  # LogAndSign: 2 features.
  assert saved["lstm_2"]["w_h"].shape == (20, 80)
  assert saved["linear"]["w"].shape == (20, 1)


class _CountingProblem:
  """`make_loss` wrapper counting its calls (each trace calls it)."""

  def __init__(self, make_loss):
    self._make_loss = make_loss
    self.calls = 0

  def __call__(self):
    self.calls += 1
    return self._make_loss()


@pytest.mark.parametrize("jit_compile", helpers.JIT_MODES)
def test_traced_once_per_meta_minimize(jit_compile):
  problem = _CountingProblem(problems.quadratic(batch_size=2, num_dims=2))
  ops = meta.MetaOptimizer(**helpers.linear_net_config()).meta_minimize(
      problem, 3, jit_compile=jit_compile)
  # Variable discovery and the substitution check.
  assert problem.calls == 2
  helpers.train(ops, 1, 1)
  calls_after_first_epoch = problem.calls
  # Reset traces make_loss twice (the initial values, then their loss);
  # step twice (in the loop and after it).
  assert calls_after_first_epoch == 2 + 2 + 2
  helpers.train(ops, 10, 3)
  assert problem.calls == calls_after_first_epoch


def test_loss_assigns_nothing_and_update_leaves_nets_alone():
  optimizer = meta.MetaOptimizer(**helpers.linear_net_config(
      initializer="ones"))
  ops = optimizer.meta_loss(problems.simple(), 2)
  ops.reset()
  weights = optimizer.save()
  meta_loss = float(ops.loss().numpy())
  assert [v.numpy() for v in ops.x] == [1.0]
  assert float(ops.loss().numpy()) == meta_loss
  final = float(ops.update().numpy())
  assert float(ops.fx.numpy()) == final
  assert ops.x[0].numpy() ** 2 == pytest.approx(final)
  assert optimizer.save()["net"]["linear"]["w"] == weights["net"]["linear"]["w"]


def test_meta_loss_sums_every_step():
  """Sgd with learning rate 0.25 on x^2 halves x each step: the meta-loss of
  3 steps from x=1 is 1 + 1/4 + 1/16 + 1/64."""
  ops = meta.MetaOptimizer(sgd={"net": "Sgd", "net_options": {
      "learning_rate": 0.25}}).meta_loss(problems.simple(), 3)
  ops.reset()
  assert float(ops.loss().numpy()) == pytest.approx(1 + 1 / 4 + 1 / 16 + 1 / 64)
  assert float(ops.update().numpy()) == pytest.approx(1 / 64)
  assert ops.x[0].numpy() == pytest.approx(1 / 8)


def test_reset_draws_fresh_values_and_zeroes_states():
  ops = meta.MetaOptimizer().meta_loss(
      problems.quadratic(batch_size=3, num_dims=2), 2)
  ops.reset()
  first = [v.numpy().copy() for v in ops.x]
  ops.update()
  ops.reset()
  second = [v.numpy() for v in ops.x]
  assert not np.array_equal(first[0], second[0])
  # Fresh initial values, not the updated ones: stddev 0.01 around 0.
  assert np.abs(second[0]).max() < 0.1


def test_sonnet_module_variables_are_intercepted():
  """The variables of a Sonnet module built in make_loss are the optimizee,
  and the Sgd net really optimizes them (the loss goes down)."""
  ops = meta.MetaOptimizer(sgd={"net": "Sgd", "net_options": {
      "learning_rate": 0.05}}).meta_loss(helpers.mlp_problem(), 20)
  assert [v.name.split(":")[0] for v in ops.x] == [
      "mlp/linear_0/w", "mlp/linear_0/b", "mlp/linear_1/w", "mlp/linear_1/b"]
  ops.reset()
  initial_loss = float(ops.loss().numpy()) / 21  # Mean over the 21 losses.
  final_losses = [float(ops.update().numpy()) for _ in range(5)]
  assert final_losses[-1] < 0.5 * initial_loss
  assert final_losses == sorted(final_losses, reverse=True)


def test_net_assignments_by_sonnet_variable_names():
  ops = meta.MetaOptimizer(
      w={"net": "Sgd", "net_options": {"learning_rate": 0.05}},
      b={"net": "Sgd", "net_options": {"learning_rate": 0.0}},
  ).meta_loss(helpers.mlp_problem(), 2, net_assignments=[
      ("w", ["mlp/linear_0/w", "mlp/linear_1/w"]),
      ("b", ["mlp/linear_0/b", "mlp/linear_1/b"])])
  ops.reset()
  before = [v.numpy().copy() for v in ops.x]
  ops.update()
  after = [v.numpy() for v in ops.x]
  changed = [not np.array_equal(b, a) for b, a in zip(before, after)]
  assert changed == [True, False, True, False]


def test_module_built_outside_make_loss_is_refused():
  """A module built outside make_loss keeps its real variables after its
  first call: refused, never silently left unoptimized."""
  inputs = tf.ones([2, 3])
  mlp = snt.nets.MLP([2], name="outside")

  def make_loss():
    return tf.reduce_sum(mlp(inputs))

  with pytest.raises(ValueError, match="Build the problem's Sonnet modules "
                     "inside make_loss"):
    meta.MetaOptimizer().meta_loss(make_loss, 2)


def test_module_with_existing_variables_is_refused():
  inputs = tf.ones([2, 3])
  mlp = snt.nets.MLP([2], name="outside")
  mlp(inputs)  # Creates its variables.
  with pytest.raises(ValueError, match="created no trainable variables"):
    meta.MetaOptimizer().meta_loss(lambda: tf.reduce_sum(mlp(inputs)), 2)


def test_loss_independent_of_variables_is_refused():
  def make_loss():
    tf.Variable(tf.ones([]), name="unused")
    return tf.constant(1.0)

  with pytest.raises(ValueError, match=r"does not depend on its trainable "
                     r"variable\(s\) \['unused'\]"):
    meta.MetaOptimizer().meta_loss(make_loss, 2)


def test_non_scalar_loss_is_refused():
  def make_loss():
    return tf.Variable(tf.ones([3]), name="x") * 2.0

  with pytest.raises(ValueError, match=r"scalar loss, got shape \(3,\)"):
    meta.MetaOptimizer().meta_loss(make_loss, 2)


@pytest.mark.parametrize("len_unroll", [0, -1, 2.5, True])
def test_bad_len_unroll(len_unroll):
  with pytest.raises(ValueError, match="len_unroll must be a positive integer"):
    meta.MetaOptimizer().meta_loss(problems.simple(), len_unroll)


@pytest.mark.parametrize("net_assignments, message", [
    (None, "Default net_assignments can only be used if there is a single"),
    ([("a", ["x_0"]), ("a", ["x_1"])], "Repeated netid in net_assignments"),
    ([("c", ["x_0"])], "names net 'c', which is not configured"),
    ([("a", ["x_7"])], "names variable 'x_7', which the problem does not "
     "create"),
    ([("a", [])], "gives net 'a' no variables"),
])
def test_bad_net_assignments(net_assignments, message):
  optimizer = meta.MetaOptimizer(a={"net": "Sgd"}, b={"net": "Sgd"})
  with pytest.raises(ValueError, match=message):
    optimizer.meta_loss(problems.simple_multi_optimizer(), 2,
                        net_assignments=net_assignments)


def test_meta_loss_inside_tf_function_is_refused():
  @tf.function
  def build():
    meta.MetaOptimizer().meta_loss(problems.simple(), 2)

  with pytest.raises(RuntimeError, match="call them eagerly"):
    build()


def test_nets_without_variables_still_step():
  ops = meta.MetaOptimizer(sgd={"net": "Sgd"}).meta_minimize(
      problems.simple(), 2)
  cost, x = helpers.train(ops, 1, 2)
  assert cost < 1.0 and x[0] < 1.0


def test_saved_weights_load_into_networks(tmp_path):
  optimizer = meta.MetaOptimizer()
  helpers.train(optimizer.meta_minimize(problems.simple(), 2), 1, 1)
  [(filename, saved)] = optimizer.save(path=str(tmp_path)).items()
  assert filename.endswith("coordinatewise.l2l")
  loaded = networks.load(filename)
  for module in saved:
    for name in saved[module]:
      np.testing.assert_array_equal(loaded[module][name], saved[module][name])


@pytest.mark.parametrize("jit_compile", helpers.JIT_MODES)
def test_non_finite_meta_loss_never_reaches_the_nets(jit_compile):
  """A NaN optimizee makes the meta-loss NaN: the Adam step is skipped and
  counted, the nets keep their weights; the next finite unroll trains."""
  optimizer = meta.MetaOptimizer(
      cw={"net": "CoordinateWiseDeepLSTM",
          "net_options": {"layers": (2,), "initializer": "ones"}})
  ops = optimizer.meta_minimize(problems.simple(), 2, jit_compile=jit_compile)
  ops.reset()
  before = optimizer.save()
  ops.x[0].assign(np.nan)
  cost = ops.step()
  assert not np.isfinite(float(cost))
  assert optimizer.skipped_steps == 1
  after = optimizer.save()
  for module in before["cw"]:
    for name in before["cw"][module]:
      np.testing.assert_array_equal(after["cw"][module][name],
                                    before["cw"][module][name])
  ops.reset()
  assert np.isfinite(float(ops.step()))
  assert optimizer.skipped_steps == 1
  assert not np.array_equal(optimizer.save()["cw"]["linear"]["w"],
                            before["cw"]["linear"]["w"])


def test_checkpoint_items_restore_training_state(tmp_path):
  def make():
    optimizer = meta.MetaOptimizer(**helpers.linear_net_config())
    ops = optimizer.meta_minimize(problems.simple(), 3)
    return optimizer, ops

  optimizer, ops = make()
  helpers.train(ops, 2, 2)
  checkpoint = tf.train.Checkpoint(**optimizer.checkpoint_items())
  path = checkpoint.save(str(tmp_path / "ckpt"))
  helpers.train(ops, 1, 2)
  expected = optimizer.save()["net"]["linear"]["w"]

  restored, restored_ops = make()
  tf.train.Checkpoint(**restored.checkpoint_items()).restore(
      path).assert_consumed()
  helpers.train(restored_ops, 1, 2)
  np.testing.assert_allclose(restored.save()["net"]["linear"]["w"], expected,
                             rtol=1e-6)


def test_checkpoint_items_before_meta_minimize():
  with pytest.raises(RuntimeError, match="call meta_minimize first"):
    meta.MetaOptimizer().checkpoint_items()


def test_meta_loss_after_meta_minimize_uses_the_trained_nets():
  """One MetaOptimizer holds one set of nets: an evaluation unroll built
  after training uses the trained weights."""
  optimizer = meta.MetaOptimizer(**helpers.linear_net_config(
      initializer="zeros"))
  # One Adam step: the nets with which the Torch reference's second unroll
  # (from x = 1) ends at 0.7325327.
  helpers.train(optimizer.meta_minimize(problems.simple(), 5), 1, 1)
  trained = optimizer.save()["net"]["linear"]["w"]
  evaluation = optimizer.meta_loss(problems.simple(), 5)
  evaluation.reset()
  assert float(evaluation.update().numpy()) == pytest.approx(0.7325327,
                                                             abs=1e-4)
  np.testing.assert_array_equal(optimizer.save()["net"]["linear"]["w"],
                                trained)


def test_coordinatewise_net_sees_several_variables_as_one():
  """The coordinates of x_0 and x_1 go through the net together: the same
  updates as for one variable holding both."""
  def one_vector():
    return tf.reduce_sum(tf.square(tf.Variable(tf.ones([2]), name="x")))

  config = {"cw": {"net": "CoordinateWiseDeepLSTM",
                   "net_options": {"layers": (3,),
                                   "preprocess_name": "LogAndSign",
                                   "preprocess_options": {"k": 5},
                                   "initializer": "random_normal"}}}
  optimizer = meta.MetaOptimizer(**config)
  vector_ops = optimizer.meta_loss(one_vector, 4)
  scalar_ops = optimizer.meta_loss(problems.simple_multi_optimizer(2), 4)
  finals = []
  for ops in (vector_ops, scalar_ops):
    ops.reset()
    finals.append([float(ops.update().numpy()) for _ in range(3)])
  np.testing.assert_allclose(finals[0], finals[1], rtol=1e-6)
  np.testing.assert_allclose([v.numpy() for v in scalar_ops.x],
                             vector_ops.x[0].numpy(), rtol=1e-6)


# num_instances: several instances of a problem per meta-step.


@pytest.mark.parametrize("jit_compile", helpers.JIT_MODES)
def test_torch_results_with_identical_instances(jit_compile):
  """Identical deterministic instances give the numbers of one instance."""
  optimizer = meta.MetaOptimizer(**helpers.linear_net_config(
      initializer="zeros"))
  minimize_ops = optimizer.meta_minimize(problems.simple(), 5,
                                         jit_compile=jit_compile,
                                         num_instances=3)
  cost, final_x = helpers.train(minimize_ops, 1, 2)
  assert len(final_x) == 3
  assert cost == pytest.approx(0.7325327, abs=1e-4)
  for x in final_x:
    assert x == pytest.approx(0.8559, abs=1e-4)


def test_instances_have_their_own_variables_and_values():
  num_instances = 4
  ops = meta.MetaOptimizer(**helpers.linear_net_config()).meta_loss(
      problems.quadratic(batch_size=2, num_dims=3), 1,
      num_instances=num_instances)
  assert [optimizee.variable_name(v) for v in ops.x] == [
      "instance_{}/x".format(i) for i in range(num_instances)]
  ops.reset()
  values = [v.numpy() for v in ops.x]
  for i in range(1, num_instances):
    assert not np.allclose(values[0], values[i])
  ops.reset()
  assert not np.allclose(values[0], ops.x[0].numpy())


def noisy_square():
  """x^2 plus a uniform draw in [0, 1) seeded by `optimizee.step_seed()`."""
  x = tf.Variable(tf.ones([]), name="x")
  return tf.square(x) + tf.random.stateless_uniform([], optimizee.step_seed())


def test_step_seed_depends_on_the_step_the_instance_and_the_reset():
  problem = optimizee.Problem(noisy_square, num_instances=2)
  x = [tf.ones([]), tf.ones([])]
  first = problem.loss(x, step=0).numpy()
  np.testing.assert_array_equal(problem.loss(x, step=0).numpy(), first)
  assert first[0] != first[1]  # The instances draw their own.
  second = problem.loss(x, step=1).numpy()
  assert not np.any(second == first)
  problem.reset()
  assert not np.any(problem.loss(x, step=0).numpy() == first)
  # Outside a problem, a new seed at every call.
  assert float(noisy_square()) != float(noisy_square())


def test_instances_fx_is_the_mean_and_gradients_are_their_own():
  """With an SGD net, each instance moves by its own gradient (not scaled by
  1/N), and fx is the mean of the instances' losses."""
  learning_rate = 0.1

  def make_loss():
    x = tf.Variable(tf.random.uniform([2]), name="x")
    return tf.reduce_sum(tf.square(x))

  ops = meta.MetaOptimizer(sgd={"net": "Sgd", "net_options": {
      "learning_rate": learning_rate}}).meta_loss(make_loss, 1,
                                                  num_instances=3)
  ops.reset()
  before = [v.numpy() for v in ops.x]
  fx = float(ops.update())
  after = [v.numpy() for v in ops.x]
  for x0, x1 in zip(before, after):
    np.testing.assert_allclose(x1, x0 - learning_rate * 2 * x0, rtol=1e-6)
  assert fx == pytest.approx(np.mean([np.sum(x ** 2) for x in after]),
                             rel=1e-6)


def test_instances_meta_loss_is_the_mean_over_instances():
  """The meta-loss of N identical instances is that of one."""
  config = helpers.linear_net_config(initializer="ones")
  one = meta.MetaOptimizer(**config).meta_loss(problems.simple(), 3)
  three = meta.MetaOptimizer(**config).meta_loss(problems.simple(), 3,
                                                 num_instances=3)
  assert float(three.loss()) == pytest.approx(float(one.loss()), rel=1e-6)


def test_instances_with_net_assignments():
  """net_assignments use one instance's names and cover every instance."""
  optimizer = meta.MetaOptimizer(
      cw={"net": "CoordinateWiseDeepLSTM",
          "net_options": {"layers": (), "initializer": "zeros"}},
      adam={"net": "Adam", "net_options": {"learning_rate": 0.1}})
  ops = optimizer.meta_minimize(
      problems.simple_multi_optimizer(), 2,
      net_assignments=[("cw", ["x_0"]), ("adam", ["x_1"])], num_instances=2)
  assert [optimizee.variable_name(v) for v in ops.x] == [
      "instance_0/x_0", "instance_0/x_1", "instance_1/x_0", "instance_1/x_1"]
  ops.reset()
  ops.step()
  values = [float(v.numpy()) for v in ops.x]
  assert values[0] == values[2] == 1.0  # The zero net leaves x_0 alone.
  assert values[1] == values[3] < 1.0   # Adam moves x_1.


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "2"])
def test_bad_num_instances(value):
  with pytest.raises(ValueError, match="num_instances must be a positive "
                     "integer"):
    meta.MetaOptimizer(**helpers.linear_net_config()).meta_loss(
        problems.simple(), 1, num_instances=value)


def test_instance_fx_holds_each_instance_final_loss():
  def make_loss():
    x = tf.Variable(tf.random.uniform([3]), name="x")
    return tf.reduce_sum(tf.square(x))

  ops = meta.MetaOptimizer(sgd={"net": "Sgd", "net_options": {
      "learning_rate": 0.1}}).meta_minimize(make_loss, 2, num_instances=3)
  ops.reset()
  returned = float(ops.step())
  losses = ops.instance_fx.numpy()
  np.testing.assert_allclose(
      losses, [np.sum(v.numpy() ** 2) for v in ops.x], rtol=1e-6)
  assert returned == pytest.approx(np.mean(losses), rel=1e-6)
  assert float(ops.fx.numpy()) == pytest.approx(returned)
  assert len(set(losses.tolist())) == 3
  assert meta.MetaOptimizer(**helpers.linear_net_config()).meta_loss(
      problems.simple(), 1).instance_fx.shape == [1]


@pytest.mark.parametrize("jit_compile", helpers.JIT_MODES)
def test_meta_gradient_norms_of_the_last_step(jit_compile):
  """A linear net, update w * g + b, on x^2 from x = 1 (g = 2) with
  w = b = 1: x1 = 4, and the meta-loss x0^2 + x1^2 has the gradients
  2 x1 g = 16 on w and 2 x1 = 8 on b."""
  optimizer = meta.MetaOptimizer(**helpers.linear_net_config(
      initializer="ones"))
  assert optimizer.meta_gradient_norms == {}
  ops = optimizer.meta_minimize(problems.simple(), 1, jit_compile=jit_compile)
  assert optimizer.meta_gradient_norms == {"cw_deep_lstm/linear/b": 0.0,
                                           "cw_deep_lstm/linear/w": 0.0}
  ops.reset()
  ops.step()
  norms = optimizer.meta_gradient_norms
  np.testing.assert_allclose([norms["cw_deep_lstm/linear/w"],
                              norms["cw_deep_lstm/linear/b"]], [16.0, 8.0],
                             rtol=1e-6)


def test_meta_gradient_norms_of_a_skipped_step_are_not_finite():
  optimizer = meta.MetaOptimizer(**helpers.linear_net_config(
      initializer="ones"))
  ops = optimizer.meta_minimize(problems.simple(), 1)
  ops.reset()
  ops.x[0].assign(np.nan)
  ops.step()
  assert optimizer.skipped_steps == 1
  assert not any(np.isfinite(list(optimizer.meta_gradient_norms.values())))


def test_reset_stores_the_loss_at_the_initial_values():
  ops = meta.MetaOptimizer().meta_minimize(problems.simple(), 2,
                                           num_instances=2)
  ops.reset()
  assert float(ops.fx.numpy()) == 1.0
  np.testing.assert_array_equal(ops.instance_fx.numpy(), [1.0, 1.0])
  assert float(ops.step()) != 1.0
  ops.reset()
  assert float(ops.fx.numpy()) == 1.0


def _noisy_quadratic():
  """x in R^5 from uniform values, its loss `||x - noise||^2` on each step's
  own noise (`optimizee.step_seed`)."""
  x = tf.Variable(tf.random.uniform([5]), name="x")
  noise = tf.random.stateless_normal([5], optimizee.step_seed())
  return tf.reduce_sum(tf.square(x - noise))


@pytest.mark.parametrize("jit_compile, rematerialize", [
    (False, False), (True, False), (False, True)])
def test_run_steps_are_one_step_updates(jit_compile, rematerialize):
  """`run_steps(n)` takes the steps of n one-step `update()`s, on the same
  data, and leaves the same values, RNN states and losses (to float
  rounding: the same ops in another program): the next step after it is
  the (n + 1)-th update's."""
  tf.random.set_seed(1)
  # The default net, with random weights.
  ops = meta.MetaOptimizer().meta_loss(_noisy_quadratic, 1, num_instances=2,
                                       jit_compile=jit_compile,
                                       rematerialize=rematerialize)

  def reset():
    tf.random.set_seed(2)
    ops.reset()

  reset()
  by_update = []
  for _ in range(7):
    ops.update()
    by_update.append(ops.instance_fx.numpy())
  final_x = ops.x[1].numpy()
  reset()
  losses = ops.run_steps(6)
  assert losses.shape == [6, 2]
  np.testing.assert_allclose(losses.numpy(), by_update[:6], rtol=1e-6)
  np.testing.assert_array_equal(ops.instance_fx.numpy(), losses[-1])
  assert float(ops.fx.numpy()) == pytest.approx(np.mean(by_update[5]),
                                                rel=1e-6)
  np.testing.assert_allclose(ops.run_steps(1).numpy(), [by_update[6]],
                             rtol=1e-6)
  np.testing.assert_allclose(ops.x[1].numpy(), final_x, rtol=1e-5)
  assert len(set(np.ravel(by_update).tolist())) == 14  # All differ.


def test_run_steps_builds_one_program_per_number_of_steps():
  ops = meta.MetaOptimizer(**helpers.linear_net_config()).meta_loss(
      problems.simple(), 1)
  assert ops.run_steps.program(3) is ops.run_steps.program(3)
  assert ops.run_steps.program(3) is not ops.run_steps.program(4)
  assert ops.run_steps.program(3).name == "run"
  for size in (0, -1, 2.5, True):
    with pytest.raises(ValueError, match="must be a positive int"):
      ops.run_steps(size)
