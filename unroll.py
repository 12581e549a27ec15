# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""An optimizee and its optimizer nets, unrolled in time.

`UnrolledOptimization` runs `len_unroll` optimization steps of a
`optimizee.Problem` with the updates its nets propose, in a `tf.while_loop`,
and keeps the optimizee values, the nets' RNN states and the final losses
between unrolls. `meta.MetaOptimizer` builds one per `meta_loss` call and
differentiates its meta-loss to train the nets.
"""

from typing import Dict, List, Sequence, Tuple

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

  Holds the RNN states and the final loss `fx` as non-trainable variables,
  so that successive unrolls continue where the previous one stopped. A net
  is called once per step on each group of its variables: a coordinatewise
  net on all of them at once (one larger, faster call; the same result), any
  other net on each variable separately.
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
        lambda s: tf.Variable(s, trainable=False, name="state"),
        self._initial_state())
    # Create each net's variables now, outside any tf.function.
    for (key, groups), state in zip(self._groups, self._state):
      nets[key](tf.zeros_like(_join(problem.x, groups[0])),
                tree.map_structure(tf.convert_to_tensor, state[0]))
    self.fx = tf.Variable(tf.zeros([], dtype=problem.dtype),
                          trainable=False, name="fx")
    self.instance_fx = tf.Variable(
        tf.zeros([problem.num_instances], dtype=problem.dtype),
        trainable=False, name="instance_fx")

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

  def _time_step(self, t, fx_array, x, state):
    """One optimization step: loss, gradients, updates (`while_loop` body)."""
    with tf.GradientTape(watch_accessed_variables=False) as tape:
      tape.watch(x)
      fx = self._problem.loss(x)
    gradients = tape.gradient(fx, x)
    fx = tf.reduce_mean(fx)  # The mean over instances.
    if not self._second_derivatives:
      # As in the original paper: the meta-gradient does not flow through
      # the optimizee's gradients. (Ops such as batch norm would not support
      # second derivatives anyway.)
      gradients = [tf.stop_gradient(g) for g in gradients]
    fx_array = fx_array.write(t, fx)

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
    return t + 1, fx_array, x_next, state_next

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
    fx_array = tf.TensorArray(self._problem.dtype, size=self._len_unroll + 1,
                              element_shape=[])
    _, fx_array, x_final, state_final = tf.while_loop(
        cond=lambda t, *_: t < self._len_unroll,
        body=self._time_step,
        loop_vars=(tf.constant(0), fx_array, x, state),
        maximum_iterations=self._len_unroll,
        name="unroll")
    instance_fx_final = tf.reshape(self._problem.loss(x_final),
                                   [self._problem.num_instances])
    fx_array = fx_array.write(self._len_unroll,
                              tf.reduce_mean(instance_fx_final))
    return (tf.reduce_sum(fx_array.stack()), instance_fx_final, x_final,
            state_final)

  def assign(self, instance_fx_final, x_final, state_final) -> tf.Tensor:
    """Stores the results of an unroll as the current values and states;
    returns the final loss, the mean over instances."""
    for variable, value in zip(self._problem.x, x_final):
      variable.assign(value)
    tree.map_structure(lambda v, s: v.assign(s), self._state, state_final)
    self.instance_fx.assign(instance_fx_final)
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
    """Draws new problem variables and zeroes every RNN state."""
    self._problem.reset()
    tree.map_structure(lambda v, value: v.assign(value), self._state,
                       self._initial_state())
