# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The meta-optimizer's programs: `loss`, `update`, `step`, `run` and
`reset` of an unrolled optimization, on one device (`OneDevice`) or on every
replica of a `tf.distribute` strategy (`Replicated`). Both make the
meta-step the same way: `UnrolledOptimization.unroll_and_gradient`, then the
nets' guarded Adam step (`apply_if_finite`), which skips a non-finite loss
or meta-gradient.

Built inside a `MirroredStrategy` or `MultiWorkerMirroredStrategy` scope,
each replica unrolls its own instances from its own values of the
per-replica variables (the optimizee, its constants, the RNN states, `fx`:
synchronized on read, as means) and assigns its results to them. The nets'
weights are mirrored; `step` averages the meta-gradient over the replicas
and applies one Adam step to them, or skips it on every replica alike: the
NaN guard decides on the all-reduced loss and gradient, so replicas never
drift apart. `loss`, `update` and `step` return means over the replicas.

XLA cannot compile a program that spans the replicas' devices (TensorFlow
finds a resource of one device used from another), so with XLA only each
replica's unroll and meta-gradient are compiled.
"""

from typing import Any, Callable, Optional

import tensorflow as tf

import programs
import unroll


def _compiled(function: Callable[[], Any],
              compiled: bool) -> Callable[[], Any]:
  """`function`, as a `tf.function` compiled with XLA if `compiled`."""
  return tf.function(function, jit_compile=True) if compiled else function


class OneDevice:
  """`loss`, `update`, `step`, `run` and `reset` of an unrolled
  optimization, on one device."""

  def __init__(self, unrolled: unroll.UnrolledOptimization,
               optimizer: Optional[Any] = None):
    """Builds nothing yet.

    Args:
      unrolled: The unrolled optimization.
      optimizer: The Adam of the nets (`apply_if_finite(loss, gradients)`),
          for `step`.
    """
    self._unrolled = unrolled
    self._optimizer = optimizer

  def _step(self) -> tf.Tensor:
    loss, gradients, *final = self._unrolled.unroll_and_gradient()
    if self._unrolled.net_variables:
      self._optimizer.apply_if_finite(loss, gradients)
    return self._unrolled.assign(*final)

  def program(self, name: str, jit_compile: bool) -> programs.Program:
    """The program `name` (`"loss"`, `"update"` or `"step"`)."""
    function = {"loss": lambda: self._unrolled.unroll()[0],
                "update": self._unrolled.update, "step": self._step}[name]
    return programs.Program(function, name, jit_compile)

  def run_program(self, num_steps: int,
                  jit_compile: bool) -> programs.Program:
    """The program `"run"` of `num_steps` steps
    (`UnrolledOptimization.run_and_assign`)."""
    return programs.Program(
        lambda: self._unrolled.run_and_assign(num_steps), "run", jit_compile)

  def reset(self) -> Callable[[], Any]:
    """`reset`, as a `tf.function`."""
    return tf.function(self._unrolled.reset)


class Replicated:
  """`loss`, `update`, `step`, `run` and `reset` of an unrolled
  optimization, run on every replica of `strategy`."""

  def __init__(self, strategy: tf.distribute.Strategy,
               unrolled: unroll.UnrolledOptimization,
               optimizer: Optional[Any] = None):
    """Builds nothing yet.

    Args:
      strategy: The strategy whose scope `unrolled` was built in.
      unrolled: The unrolled optimization.
      optimizer: The Adam of the nets (`apply_if_finite(loss, gradients)`),
          for `step`.
    """
    self._strategy = strategy
    self._unrolled = unrolled
    self._optimizer = optimizer
    self._net_variables = unrolled.net_variables

  def _mean(self, per_replica) -> tf.Tensor:
    return self._strategy.reduce(tf.distribute.ReduceOp.MEAN, per_replica,
                                 axis=None)

  def _loss(self, compiled: bool) -> Callable[[], tf.Tensor]:
    unrolled = _compiled(self._unrolled.unroll, compiled)
    return lambda: self._mean(self._strategy.run(lambda: unrolled()[0]))

  def _update(self, compiled: bool) -> Callable[[], tf.Tensor]:
    unrolled = _compiled(self._unrolled.unroll, compiled)

    def replica_update():
      return self._unrolled.assign(*unrolled()[1:])

    return lambda: self._mean(self._strategy.run(replica_update))

  def _step(self, compiled: bool) -> Callable[[], tf.Tensor]:
    unroll_and_gradient = _compiled(self._unrolled.unroll_and_gradient,
                                    compiled)

    def replica_step():
      loss, gradients, *final = unroll_and_gradient()
      fx_final = self._unrolled.assign(*final)
      # One all-reduce of what the replicas must agree on.
      loss, reduced_gradients, fx_final = (
          tf.distribute.get_replica_context().all_reduce(
              tf.distribute.ReduceOp.MEAN,
              (loss, [g for g in gradients if g is not None], fx_final)))
      reduced_gradients = iter(reduced_gradients)
      return loss, [None if g is None else next(reduced_gradients)
                    for g in gradients], fx_final

    def step():
      # Every replica returns the same all-reduced values; use the first's.
      loss, gradients, fx_final = tf.nest.map_structure(
          lambda v: v if v is None else
          self._strategy.experimental_local_results(v)[0],
          self._strategy.run(replica_step))
      if self._net_variables:
        self._optimizer.apply_if_finite(loss, gradients)
      return fx_final

    return step

  def program(self, name: str, jit_compile: bool) -> programs.Program:
    """The program `name` (`"loss"`, `"update"` or `"step"`)."""
    make = {"loss": self._loss, "update": self._update,
            "step": self._step}[name]
    return programs.Program(
        make(compiled=False), name, jit_compile,
        xla_function=make(compiled=True) if jit_compile else None)

  def _run(self, num_steps: int,
           compiled: bool) -> Callable[[], tf.Tensor]:
    run = _compiled(lambda: self._unrolled.run(num_steps), compiled)

    def replica_run():
      losses, *final = run()
      self._unrolled.assign(*final, num_steps=num_steps)
      return losses

    # Every replica's instances, replica by replica.
    return lambda: self._strategy.gather(self._strategy.run(replica_run),
                                         axis=1)

  def run_program(self, num_steps: int,
                  jit_compile: bool) -> programs.Program:
    """The program `"run"` of `num_steps` steps on every replica; it returns
    the losses `[num_steps, replicas * num_instances]`."""
    return programs.Program(
        self._run(num_steps, compiled=False), "run", jit_compile,
        xla_function=(self._run(num_steps, compiled=True) if jit_compile
                      else None))

  def reset(self) -> Callable[[], Any]:
    """`reset`, run on every replica (a value assigned across replicas would
    be the same on all): each replica's random ops are ops of their own, so
    the replicas of a worker draw independently. Workers draw alike if they
    set the same global seed."""
    return tf.function(lambda: self._strategy.run(self._unrolled.reset))
