# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""An optimizee and its optimizer nets, unrolled in time.

`UnrolledOptimization` runs `len_unroll` optimization steps of a
`optimizee.Problem` with the updates its nets propose, in a `tf.while_loop`,
and keeps the optimizee values, the nets' RNN states and the final losses
between unrolls. `meta.MetaOptimizer` builds one per `meta_loss` call and
differentiates its meta-loss to train the nets.
"""

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

  `rematerialization.RematerializedOptimization` is the same unroll with a
  backward pass that recomputes the steps' activations.
  """

  def __init__(self, problem: optimizee.Problem,
               nets: Dict[str, networks.Network],
               assignments: Sequence[Tuple[str, Sequence[int]]],
               len_unroll: int, second_derivatives: bool):
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
      `(instance_fx, x_next, state_next)`: each instance's loss at `x`
      `[num_instances]`, and the values and states after the nets' updates.
    """
    with tf.GradientTape(watch_accessed_variables=False) as tape:
      tape.watch(x)
      instance_fx = self._instance_losses(x, t)
    # Each instance's gradient is that of its own loss.
    gradients = tape.gradient(instance_fx, x)
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
    return instance_fx, x_next, state_next

  def unroll(self):
    """Unrolls `len_unroll` steps from the current values and states.

    Returns:
      `(loss, instance_fx_final, x_final, state_final)`: the meta-loss (sum
      of the `len_unroll + 1` losses, each the mean over instances), each
      instance's loss at the final values `[num_instances]`, the final values
      and the final RNN states.
    """
    return self._unroll_from(*self._current_values_and_states())

  def _current_values_and_states(self):
    """The optimizee's current values and the nets' RNN states, as
    tensors."""
    return ([tf.convert_to_tensor(v) for v in self._problem.x],
            tree.map_structure(tf.convert_to_tensor, self._state))

  def _unroll_from(self, x, state):
    """`unroll` from values `x` and RNN states `state` (tensors)."""
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
      instance_fx, x_next, state_next = self._time_step(x, state, t)
      # The mean over instances.
      fx_array = fx_array.write(t, tf.reduce_mean(instance_fx))
      return t + 1, fx_array, inputs, x_next, state_next

    _, fx_array, inputs, x, state = tf.while_loop(
        cond=lambda t, *_: t < first + num_steps,
        body=body,
        loop_vars=(tf.convert_to_tensor(first), fx_array, list(inputs), x,
                   state),
        maximum_iterations=max_steps,
        name="unroll")
    return fx_array, x, state, inputs

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

  def assign(self, instance_fx_final, x_final, state_final,
             num_steps: Optional[int] = None) -> tf.Tensor:
    """Stores the results of an unroll (of `num_steps` steps, by default
    `len_unroll`) as the current values and states; returns the final loss,
    the mean over instances."""
    for variable, value in zip(self._problem.x, x_final):
      variable.assign(value)
    tree.map_structure(lambda v, s: v.assign(s), self._state, state_final)
    self.instance_fx.assign(instance_fx_final)
    self._steps_taken.assign_add(
        self._len_unroll if num_steps is None else num_steps)
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

  def run(self, num_steps: int):
    """Runs `num_steps` steps from the current values and states, in one
    loop with no meta-loss, recording each instance's loss after each step.

    The steps, their data and their losses are those of `num_steps`
    one-step unrolls (`update` with `len_unroll` 1), to float rounding: the
    loss after a step is the next step's, at the values it reached, on that
    step's data.

    Args:
      num_steps: Number of steps (a positive int).

    Returns:
      `(losses, instance_fx_final, x_final, state_final)`: `losses`
      `[num_steps, num_instances]`, row `t` each instance's loss after step
      `t + 1` (its last row is `instance_fx_final`); the final values and
      RNN states, as `unroll` returns them.
    """
    x, state = self._current_values_and_states()

    def body(t, losses, x, state):
      instance_fx, x_next, state_next = self._time_step(x, state, t)
      return t + 1, losses.write(t, instance_fx), x_next, state_next

    # Row t holds the loss at step t's values: row 0, the initial loss, is
    # dropped, and the loss at the final values is the last row.
    losses = tf.TensorArray(self._problem.dtype, size=num_steps + 1,
                            element_shape=[self._problem.num_instances])
    _, losses, x_final, state_final = tf.while_loop(
        cond=lambda t, *_: t < num_steps, body=body,
        loop_vars=(tf.constant(0), losses, x, state),
        maximum_iterations=num_steps, name="run")
    instance_fx_final = self._instance_losses(x_final, num_steps)
    losses = losses.write(num_steps, instance_fx_final).stack()[1:]
    return losses, instance_fx_final, x_final, state_final

  def run_and_assign(self, num_steps: int) -> tf.Tensor:
    """`run`, storing its results as `update` does; returns its
    `losses` `[num_steps, num_instances]`."""
    losses, *final = self.run(num_steps)
    self.assign(*final, num_steps=num_steps)
    return losses

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
