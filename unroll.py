# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""An optimizee and its optimizer nets, unrolled in time.

`UnrolledOptimization` runs `len_unroll` optimization steps of a
`optimizee.Problem` with the updates its nets propose, in a `tf.while_loop`,
and keeps the optimizee values, the nets' RNN states and the final losses
between unrolls. `meta.MetaOptimizer` builds one per `meta_loss` call and
differentiates its meta-loss to train the nets.
"""

import functools
import math
from typing import Dict, List, Optional, Sequence, Tuple

import tensorflow as tf
import tree

import networks
import optimizee


def _join(tensors: Sequence[tf.Tensor], group: Sequence[int]) -> tf.Tensor:
  """The tensors of `group` as one net input: a coordinatewise net sees the
  coordinates of several variables at once, as one flat vector."""
  if len(group) == 1:
    return tensors[group[0]]
  return tf.concat([tf.reshape(tensors[j], [-1]) for j in group], axis=0)


def _split(joined: tf.Tensor, group: Sequence[int],
           like: Sequence[tf.Tensor]) -> List[tf.Tensor]:
  """Inverse of `_join`: one tensor per variable of `group`, shaped as in
  `like`."""
  if len(group) == 1:
    return [joined]
  sizes = [like[j].shape.num_elements() for j in group]
  return [tf.reshape(part, like[j].shape)
          for part, j in zip(tf.split(joined, sizes), group)]


def _or_zeros(gradient: Optional[tf.Tensor], like: tf.Tensor) -> tf.Tensor:
  """`gradient`, or zeros shaped as `like` for a missing (`None`) one."""
  return tf.zeros_like(like) if gradient is None else gradient


class UnrolledOptimization:
  """An optimizee, its optimizer nets and their states, unrolled in time.

  Holds the RNN states, the final loss `fx` and the number of steps taken
  since `reset()` as non-trainable variables, so that successive unrolls
  continue where the previous one stopped. The loss at step `t` (counted
  from `reset()`) is on step `t`'s random data (`optimizee.step_seed`): the
  final loss of an unroll is the first of the next, on a minibatch the
  final values were not trained on. A net
  is called once per step on each group of its variables: a coordinatewise
  net on all of them at once (one larger, faster call; the same result), any
  other net on each variable separately.

  Rematerialized, the unroll keeps for its backward pass only the values
  and RNN states at the start of segments of about `sqrt(len_unroll)`
  steps, and the backward pass recomputes the steps' activations from them.
  """

  def __init__(self, problem: optimizee.Problem,
               nets: Dict[str, networks.Network],
               assignments: Sequence[Tuple[str, Sequence[int]]],
               len_unroll: int, second_derivatives: bool,
               rematerialize: bool = False):
    self._problem = problem
    # Only the nets assigned variables take part (and are trained).
    self._nets = {key: nets[key] for key, _ in assignments}
    # [(net key, [group of variable indices])].
    self._groups = [
        (key, [list(subset)] if nets[key].coordinatewise else
         [[j] for j in subset])
        for key, subset in assignments]
    self._len_unroll = len_unroll
    self._second_derivatives = second_derivatives
    self._rematerialize = rematerialize

    self._state = tree.map_structure(
        lambda s: tf.Variable(s, trainable=False, name="state",
                              **optimizee.per_replica_kwargs()),
        self._initial_state())
    # Create each net's variables now, outside any tf.function.
    for (key, groups), state in zip(self._groups, self._state):
      nets[key](tf.zeros_like(_join(problem.x, groups[0])),
                tree.map_structure(tf.convert_to_tensor, state[0]))
    self.fx = tf.Variable(tf.zeros([], dtype=problem.dtype),
                          trainable=False, name="fx",
                          **optimizee.per_replica_kwargs())
    self.instance_fx = tf.Variable(
        tf.zeros([problem.num_instances], dtype=problem.dtype),
        trainable=False, name="instance_fx",
        **optimizee.per_replica_kwargs())
    self._steps_taken = tf.Variable(
        tf.zeros([], dtype=tf.int64), trainable=False, name="steps_taken",
        **optimizee.per_replica_kwargs(tf.int64))

  def _initial_state(self):
    """`[[state of each group] for each net]`, zero."""
    x = self._problem.x
    return [[self._nets[key].initial_state_for_inputs(
        _join(x, group), dtype=self._problem.dtype) for group in groups]
            for key, groups in self._groups]

  @property
  def net_variables(self) -> List[tf.Variable]:
    """The trainable variables of all nets, in a fixed order."""
    return [v for key in sorted(self._nets)
            for v in self._nets[key].trainable_variables]

  def _problem_loss(self, x, t) -> tf.Tensor:
    """The problem's loss at values `x` at step `t` of the unroll."""
    return self._problem.loss(
        x, tf.convert_to_tensor(self._steps_taken) + tf.cast(t, tf.int64))

  def _time_step(self, x, state, t):
    """Step `t` of the unroll, from values `x` and RNN states `state`.

    Returns:
      `(fx, x_next, state_next)`: the loss at `x` (the mean over instances),
      and the values and states after the nets' updates.
    """
    with tf.GradientTape(watch_accessed_variables=False) as tape:
      tape.watch(x)
      fx = self._problem_loss(x, t)
    gradients = tape.gradient(fx, x)
    fx = tf.reduce_mean(fx)  # The mean over instances.
    if not self._second_derivatives:
      # As in the original paper: the meta-gradient does not flow through
      # the optimizee's gradients. (Ops such as batch norm would not support
      # second derivatives anyway.)
      gradients = [tf.stop_gradient(g) for g in gradients]

    x_next = list(x)
    state_next = []
    for (key, groups), net_state in zip(self._groups, state):
      net_state_next = []
      for group, s in zip(groups, net_state):
        delta, s_next = self._nets[key](_join(gradients, group), s)
        for j, delta_j in zip(group, _split(delta, group, x)):
          x_next[j] = x_next[j] + delta_j
        net_state_next.append(s_next)
      state_next.append(net_state_next)
    return fx, x_next, state_next

  def unroll(self):
    """Unrolls `len_unroll` steps from the current values and states.

    Returns:
      `(loss, instance_fx_final, x_final, state_final)`: the meta-loss (sum
      of the `len_unroll + 1` losses, each the mean over instances), each
      instance's loss at the final values `[num_instances]`, the final values
      and the final RNN states.
    """
    x = [tf.convert_to_tensor(v) for v in self._problem.x]
    state = tree.map_structure(tf.convert_to_tensor, self._state)
    if self._rematerialize:
      return self._rematerialized_unroll(x, state)
    fx_array, x_final, state_final, _ = self._steps(
        0, self._len_unroll, self._len_unroll, self._fx_array(), x, state)
    return self._last_loss(fx_array, x_final, state_final)

  def _fx_array(self) -> tf.TensorArray:
    """An array for the `len_unroll + 1` losses of an unroll."""
    return tf.TensorArray(self._problem.dtype, size=self._len_unroll + 1,
                          element_shape=[])

  def _instance_losses(self, x, t) -> tf.Tensor:
    """Each instance's loss at values `x` at step `t` of the unroll,
    `[num_instances]`."""
    return tf.reshape(self._problem_loss(x, t), [self._problem.num_instances])

  def _last_loss(self, fx_array, x_final, state_final):
    """Adds the loss at the final values: `unroll`'s results."""
    instance_fx_final = self._instance_losses(x_final, self._len_unroll)
    fx_array = fx_array.write(self._len_unroll,
                              tf.reduce_mean(instance_fx_final))
    return (tf.reduce_sum(fx_array.stack()), instance_fx_final, x_final,
            state_final)

  def _flat(self, x, state) -> List[tf.Tensor]:
    """The values, then the flattened RNN states."""
    return list(x) + tree.flatten(state)

  def _unflat(self, flat):
    """Inverse of `_flat`: `(x, state)`."""
    num_x = len(self._problem.x)
    return (list(flat[:num_x]),
            tree.unflatten_as(self._state, list(flat[num_x:])))

  def _input_arrays(self, size: int, x, state) -> List[tf.TensorArray]:
    """Arrays for `size` steps' inputs (see `_flat`), shaped as `x, state`."""
    return [tf.TensorArray(t.dtype, size=size, element_shape=t.shape)
            for t in self._flat(x, state)]

  def _steps(self, first, num_steps, max_steps: int, fx_array, x, state,
             inputs=()):
    """Runs `num_steps` steps from step `first` in a `tf.while_loop`.

    Args:
      first: The index of the first step.
      num_steps: How many steps to run, at most `max_steps`.
      max_steps: The loop's `maximum_iterations`.
      fx_array: Array of the unroll's losses; step `t` writes its loss at `t`.
      x: The values at the first step.
      state: The RNN states at the first step.
      inputs: Empty, or `_input_arrays` in which step `first + i` writes its
          inputs at `i`.

    Returns:
      `(fx_array, x, state, inputs)` after the steps.
    """
    def body(t, fx_array, inputs, x, state):
      inputs = [a.write(t - first, v)
                for a, v in zip(inputs, self._flat(x, state))]
      fx, x_next, state_next = self._time_step(x, state, t)
      return t + 1, fx_array.write(t, fx), inputs, x_next, state_next

    _, fx_array, inputs, x, state = tf.while_loop(
        cond=lambda t, *_: t < first + num_steps,
        body=body,
        loop_vars=(tf.convert_to_tensor(first), fx_array, list(inputs), x,
                   state),
        maximum_iterations=max_steps,
        name="unroll")
    return fx_array, x, state, inputs

  def _rematerialized_unroll(self, x, state):
    """`unroll`, its backward pass recomputing the steps' activations.

    A `tf.custom_gradient` of the values, the states and the trainable
    variables read (the nets' weights). The unroll runs in segments of about
    `sqrt(len_unroll)` steps and keeps only each segment's first values and
    RNN states. The backward pass goes through the segments in reverse: it
    reruns the segment, keeping each step's values and states, then
    recomputes each step under a tape, last to first, and chains the
    vector-Jacobian products. It holds the segments' first inputs, one
    segment's inputs and one step's activations at a time
    (`parallel_iterations=1`: steps recomputed at once would each hold
    their activations). Keeping every step's inputs instead would hold
    `len_unroll` RNN states, most of the memory of a large problem.
    """
    len_unroll = self._len_unroll
    segment_length = math.ceil(math.sqrt(len_unroll))
    num_segments = math.ceil(len_unroll / segment_length)

    def num_steps(i):
      """The number of steps of segment `i`."""
      return tf.minimum(segment_length, len_unroll - i * segment_length)

    def segment_steps(i, fx_array, x, state, inputs=()):
      """`_steps` of segment `i`: `(fx_array, x, state, inputs)`."""
      return self._steps(i * segment_length, num_steps(i), segment_length,
                         fx_array, x, state, inputs)

    @tf.custom_gradient
    def rematerialized_unroll(*flat):
      def forward(i, fx_array, starts, x, state):
        starts = [a.write(i, v) for a, v in zip(starts, self._flat(x, state))]
        fx_array, x, state, _ = segment_steps(i, fx_array, x, state)
        return i + 1, fx_array, starts, x, state

      x, state = self._unflat(flat)
      _, fx_array, starts, x_final, state_final = tf.while_loop(
          cond=lambda i, *_: i < num_segments,
          body=forward,
          loop_vars=(tf.constant(0), self._fx_array(),
                     self._input_arrays(num_segments, x, state), x, state),
          maximum_iterations=num_segments,
          name="segments")
      loss, instance_fx_final, x_final, state_final = self._last_loss(
          fx_array, x_final, state_final)
      outputs = (loss, instance_fx_final, *self._flat(x_final, state_final))

      def gradient(*output_gradients, variables=()):
        d_loss, d_instance_fx_final, *d_flat = [
            _or_zeros(d, v) for d, v in zip(output_gradients, outputs)]
        # The final losses enter `loss` (their mean) and `instance_fx_final`.
        with tf.GradientTape(watch_accessed_variables=False) as tape:
          tape.watch(x_final)
          instance_fx = self._instance_losses(x_final, self._len_unroll)
        d_x = tape.gradient(
            instance_fx, x_final,
            output_gradients=(d_loss / self._problem.num_instances +
                              d_instance_fx_final))
        d_flat[:len(d_x)] = [d + g for d, g in zip(d_flat, d_x)]
        # Problem variables are constants; the nets' weights are trainable.
        trainable = [v for v in variables if v.trainable]

        def step_backward(i, t, inputs, d_flat, d_variables):
          """Step `t` of segment `i`, backward."""
          step_inputs = [a.read(t) for a in inputs]
          with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(step_inputs + trainable)
            fx, x_next, state_next = self._time_step(
                *self._unflat(step_inputs), i * segment_length + t)
          gradients = [tf.convert_to_tensor(g) for g in tape.gradient(
              [fx] + self._flat(x_next, state_next), step_inputs + trainable,
              output_gradients=[d_loss] + d_flat,
              unconnected_gradients=tf.UnconnectedGradients.ZERO)]
          d_variables = [a + g for a, g in zip(
              d_variables, gradients[len(step_inputs):])]
          return t - 1, inputs, gradients[:len(step_inputs)], d_variables

        def segment_backward(i, d_flat, d_variables):
          x, state = self._unflat([a.read(i) for a in starts])
          # Reruns the segment for its steps' inputs (not its losses).
          _, _, _, inputs = segment_steps(
              i, self._fx_array(), x, state,
              self._input_arrays(segment_length, x, state))
          _, _, d_flat, d_variables = tf.while_loop(
              cond=lambda t, *_: t >= 0,
              body=functools.partial(step_backward, i),
              loop_vars=(num_steps(i) - 1, inputs, d_flat, d_variables),
              parallel_iterations=1,
              maximum_iterations=segment_length,
              name="steps_backward")
          return i - 1, d_flat, d_variables

        _, d_flat, d_variables = tf.while_loop(
            cond=lambda i, *_: i >= 0,
            body=segment_backward,
            loop_vars=(tf.constant(num_segments - 1), d_flat,
                       [tf.zeros_like(v) for v in trainable]),
            parallel_iterations=1,
            maximum_iterations=num_segments,
            name="segments_backward")
        d_trainable = dict(zip((v.ref() for v in trainable), d_variables))
        return d_flat, [d_trainable.get(v.ref()) for v in variables]

      return outputs, gradient

    loss, instance_fx_final, *flat_final = rematerialized_unroll(
        *self._flat(x, state))
    return (loss, instance_fx_final, *self._unflat(flat_final))

  def unroll_and_gradient(self):
    """`unroll`, and the meta-gradient: the gradient of its meta-loss with
    respect to `net_variables`.

    Returns:
      `(loss, gradients, instance_fx_final, x_final, state_final)`:
      `gradients` lists one `Tensor` (or `None`, for a variable the loss
      does not depend on) per variable of `net_variables`; the rest as
      `unroll` returns them.
    """
    net_variables = self.net_variables
    with tf.GradientTape(watch_accessed_variables=False) as tape:
      tape.watch(net_variables)
      loss, *final = self.unroll()
    return (loss, tape.gradient(loss, net_variables), *final)

  def assign(self, instance_fx_final, x_final, state_final) -> tf.Tensor:
    """Stores the results of an unroll as the current values and states;
    returns the final loss, the mean over instances."""
    for variable, value in zip(self._problem.x, x_final):
      variable.assign(value)
    tree.map_structure(lambda v, s: v.assign(s), self._state, state_final)
    self.instance_fx.assign(instance_fx_final)
    self._steps_taken.assign_add(self._len_unroll)
    fx_final = tf.reduce_mean(instance_fx_final)
    self.fx.assign(fx_final)
    return fx_final

  @property
  def x(self) -> List[tf.Variable]:
    """The optimizee variables, in creation order."""
    return self._problem.x

  def update(self) -> tf.Tensor:
    """Unrolls, stores the results, and returns the final loss."""
    return self.assign(*self.unroll()[1:])

  def reset(self):
    """Draws new problem variables, zeroes every RNN state and the step
    count, and stores the loss at the new values (step 0's) as `fx` and
    `instance_fx`."""
    self._problem.reset()
    self._steps_taken.assign(0)
    tree.map_structure(lambda v, value: v.assign(value), self._state,
                       self._initial_state())
    instance_fx = self._instance_losses(
        [tf.convert_to_tensor(v) for v in self._problem.x], 0)
    self.instance_fx.assign(instance_fx)
    self.fx.assign(tf.reduce_mean(instance_fx))
