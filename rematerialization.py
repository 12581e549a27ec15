# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Rematerialised unrolls: the meta-gradient without every step's
activations in memory.

`RematerializedOptimization` is an `unroll.UnrolledOptimization` whose
unroll keeps, for its backward pass, only the values and RNN states at the
start of segments of about `sqrt(len_unroll)` steps. The backward pass goes
through the segments in reverse: it reruns the segment, keeping each step's
values and states, then recomputes each step under a tape, last to first,
and chains the vector-Jacobian products. It holds the segments' first
inputs, one segment's inputs and one step's activations at a time
(`parallel_iterations=1`: steps recomputed at once would each hold their
activations). Keeping every step's inputs instead would hold `len_unroll`
RNN states, most of the memory of a large problem. The losses and
meta-gradients are those of the plain unroll.
"""

import functools
import math
from typing import List, Optional

import tensorflow as tf

import unroll


def _or_zeros(gradient: Optional[tf.Tensor], like: tf.Tensor) -> tf.Tensor:
  """`gradient`, or zeros shaped as `like` for a missing (`None`) one."""
  return tf.zeros_like(like) if gradient is None else gradient


class RematerializedOptimization(unroll.UnrolledOptimization):
  """An `UnrolledOptimization` whose backward pass recomputes the steps'
  activations, segment by segment (see the module's docstring)."""

  @property
  def _segment_length(self) -> int:
    return math.ceil(math.sqrt(self._len_unroll))

  @property
  def _num_segments(self) -> int:
    return math.ceil(self._len_unroll / self._segment_length)

  def _num_steps(self, i) -> tf.Tensor:
    """The number of steps of segment `i` (the last may be shorter)."""
    return tf.minimum(self._segment_length,
                      self._len_unroll - i * self._segment_length)

  def _segment_steps(self, i, fx_array, x, state, inputs=()):
    """`_steps` of segment `i`: `(fx_array, x, state, inputs)`."""
    return self._steps(i * self._segment_length, self._num_steps(i),
                       self._segment_length, fx_array, x, state, inputs)

  def _forward(self, x, state):
    """The unroll, segment by segment.

    Returns:
      `(unroll's results, starts)`: `unroll`'s `(loss, instance_fx_final,
      x_final, state_final)`, and the arrays of each segment's first values
      and states (`_flat`).
    """
    def segment(i, fx_array, starts, x, state):
      starts = [a.write(i, v) for a, v in zip(starts, self._flat(x, state))]
      fx_array, x, state, _ = self._segment_steps(i, fx_array, x, state)
      return i + 1, fx_array, starts, x, state

    _, fx_array, starts, x_final, state_final = tf.while_loop(
        cond=lambda i, *_: i < self._num_segments,
        body=segment,
        loop_vars=(tf.constant(0), self._fx_array(),
                   self._input_arrays(self._num_segments, x, state), x,
                   state),
        maximum_iterations=self._num_segments,
        name="segments")
    return self._last_loss(fx_array, x_final, state_final), starts

  def _step_backward(self, i, trainable, d_loss, t, inputs, d_flat,
                     d_variables):
    """Step `t` of segment `i`, backward: recomputed from its inputs, then
    its vector-Jacobian product with `(d_loss, d_flat)`.

    Returns:
      `(t - 1, inputs, d_flat at the step's inputs, d_variables plus the
      step's gradient of the variables `trainable`)`.
    """
    step_inputs = [a.read(t) for a in inputs]
    with tf.GradientTape(watch_accessed_variables=False) as tape:
      tape.watch(step_inputs + trainable)
      instance_fx, x_next, state_next = self._time_step(
          *self._unflat(step_inputs), i * self._segment_length + t)
      fx = tf.reduce_mean(instance_fx)
    gradients = [tf.convert_to_tensor(g) for g in tape.gradient(
        [fx] + self._flat(x_next, state_next), step_inputs + trainable,
        output_gradients=[d_loss] + d_flat,
        unconnected_gradients=tf.UnconnectedGradients.ZERO)]
    d_variables = [a + g for a, g in zip(d_variables,
                                         gradients[len(step_inputs):])]
    return t - 1, inputs, gradients[:len(step_inputs)], d_variables

  def _segment_backward(self, starts, trainable, d_loss, i, d_flat,
                        d_variables):
    """Segment `i`, backward: rerun from its start for its steps' inputs,
    then each step backward, last to first."""
    x, state = self._unflat([a.read(i) for a in starts])
    _, _, _, inputs = self._segment_steps(
        i, self._fx_array(), x, state,
        self._input_arrays(self._segment_length, x, state))
    _, _, d_flat, d_variables = tf.while_loop(
        cond=lambda t, *_: t >= 0,
        body=functools.partial(self._step_backward, i, trainable, d_loss),
        loop_vars=(self._num_steps(i) - 1, inputs, d_flat, d_variables),
        parallel_iterations=1,
        maximum_iterations=self._segment_length,
        name="steps_backward")
    return i - 1, d_flat, d_variables

  def _backward(self, starts, x_final, trainable: List[tf.Variable],
                d_loss, d_instance_fx_final, d_flat):
    """The vector-Jacobian product of the unroll.

    Args:
      starts: `_forward`'s arrays of the segments' first inputs.
      x_final: The final values.
      trainable: The trainable variables the unroll read (the nets').
      d_loss: The gradient of the meta-loss output.
      d_instance_fx_final: The gradient of the final losses
          `[num_instances]`.
      d_flat: The gradients of the final values and states (`_flat`).

    Returns:
      `(d_flat at the unroll's inputs, [gradient of each of trainable])`.
    """
    # The final losses enter `loss` (their mean) and `instance_fx_final`.
    with tf.GradientTape(watch_accessed_variables=False) as tape:
      tape.watch(x_final)
      instance_fx = self._instance_losses(x_final, self._len_unroll)
    d_x = tape.gradient(instance_fx, x_final,
                        output_gradients=(
                            d_loss / self._problem.num_instances +
                            d_instance_fx_final))
    d_flat = list(d_flat)
    d_flat[:len(d_x)] = [d + g for d, g in zip(d_flat, d_x)]
    _, d_flat, d_variables = tf.while_loop(
        cond=lambda i, *_: i >= 0,
        body=functools.partial(self._segment_backward, starts, trainable,
                               d_loss),
        loop_vars=(tf.constant(self._num_segments - 1), d_flat,
                   [tf.zeros_like(v) for v in trainable]),
        parallel_iterations=1,
        maximum_iterations=self._num_segments,
        name="segments_backward")
    return d_flat, d_variables

  def _unroll_from(self, x, state):
    """`unroll` as a `tf.custom_gradient` of the values, the states and the
    trainable variables read (the nets' weights), with `_backward` as its
    gradient."""

    @tf.custom_gradient
    def rematerialized_unroll(*flat):
      (loss, instance_fx_final, x_final, state_final), starts = (
          self._forward(*self._unflat(flat)))
      outputs = (loss, instance_fx_final, *self._flat(x_final, state_final))

      def gradient(*output_gradients, variables=()):
        d_loss, d_instance_fx_final, *d_flat = [
            _or_zeros(d, v) for d, v in zip(output_gradients, outputs)]
        # Problem variables are constants; the nets' weights are trainable.
        trainable = [v for v in variables if v.trainable]
        d_flat, d_variables = self._backward(
            starts, x_final, trainable, d_loss, d_instance_fx_final, d_flat)
        d_trainable = dict(zip((v.ref() for v in trainable), d_variables))
        return d_flat, [d_trainable.get(v.ref()) for v in variables]

      return outputs, gradient

    loss, instance_fx_final, *flat_final = rematerialized_unroll(
        *self._flat(x, state))
    return (loss, instance_fx_final, *self._unflat(flat_final))
