# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The optimizee: a problem's variables, found and substituted.

`Problem` calls a problem's `make_loss` under `tf.variable_creator_scope`
(the TF2 replacement of the original's mocked `tf.get_variable`): once to
record the variables it creates, then, inside the unroll, with each
trainable variable replaced, in creation order, by the optimizee's current
value. With several instances, each is a call of `make_loss` under its own
name scope.
"""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import tensorflow as tf


def per_replica_kwargs() -> Dict[str, Any]:
  """`tf.Variable` arguments of a variable each replica holds its own value
  of: none without a `tf.distribute` strategy; under one, synchronized on
  read, where reading it across replicas gives their mean (a collective that
  every worker must make)."""
  if not tf.distribute.has_strategy():
    return {}
  return dict(synchronization=tf.VariableSynchronization.ON_READ,
              aggregation=tf.VariableAggregation.MEAN)


def is_trainable(creator_kwargs: Dict[str, Any]) -> bool:
  """Whether `tf.Variable` makes a trainable variable from these arguments.

  `trainable=None`, the default, means trainable unless the variable is
  synchronized on read.
  """
  trainable = creator_kwargs.get("trainable")
  if trainable is None:
    return (creator_kwargs.get("synchronization") !=
            tf.VariableSynchronization.ON_READ)
  return bool(trainable)


def variable_name(variable: tf.Variable) -> str:
  return variable.name.split(":")[0]


class Problem:
  """A `make_loss` callable and the variables it creates.

  The first call (eager, at construction) creates and records the variables,
  in creation order. Trainable ones are the optimizee parameters `x`; the
  others are problem constants (e.g. the quadratic's `w` and `y`). Later
  calls go through a variable creator that returns, for each variable
  `make_loss` creates, a replacement chosen by its creation index.
  """

  def __init__(self, make_loss: Callable[[], tf.Tensor],
               num_instances: int = 1):
    """Calls `make_loss` eagerly: once to record its variables, once to
    check that its loss is a function of values substituted for them.

    Eager execution gives the variables their full names (`"conv/w"`); inside
    a `tf.function` name scopes are made unique and would rename them.

    Args:
      make_loss: The problem's `make_loss`.
      num_instances: Number of instances of the problem (see `_instances`):
          with more than one, `loss` returns one loss per instance.

    Raises:
      ValueError: If `make_loss` creates no trainable variable, returns a
          non-scalar loss, or returns a loss that does not depend on one of
          its trainable variables.
    """
    self.num_instances = num_instances
    self._make_loss = (make_loss if num_instances == 1 else
                       instances(make_loss, num_instances))
    self._variables = []
    self._trainable = []

    per_replica = per_replica_kwargs()

    def record(next_creator, **kwargs):
      self._trainable.append(is_trainable(kwargs))
      # The recorded variables are state, not trainable model parameters;
      # under a tf.distribute strategy each replica has its own.
      kwargs["trainable"] = False
      kwargs.update(per_replica)
      variable = next_creator(**kwargs)
      self._variables.append(variable)
      return variable

    with tf.variable_creator_scope(record):
      self._make_loss()
    if not self.x:
      raise ValueError(
          "make_loss created no trainable variables. Create the optimizee "
          "variables with tf.Variable, or build its Sonnet modules, inside "
          "make_loss.")
    # Check, as the unroll will do it, that the loss is a function of values
    # substituted for the variables.
    x_values = [tf.convert_to_tensor(v) for v in self.x]
    with tf.GradientTape() as tape:
      tape.watch(x_values)
      loss = tf.convert_to_tensor(self.loss(x_values))
    expected_shape = [] if num_instances == 1 else [num_instances]
    if loss.shape != expected_shape:
      raise ValueError("make_loss must return a scalar loss, got shape {}."
                       .format(loss.shape[1:] if num_instances > 1 else
                               loss.shape))
    gradients = tape.gradient(loss, x_values)
    independent = [variable_name(v) for v, g in zip(self.x, gradients)
                   if g is None]
    if independent:
      raise ValueError(
          "The loss returned by make_loss does not depend on its trainable "
          "variable(s) {}; they cannot be optimized. Compute the loss from "
          "the variables created inside make_loss.".format(independent))
    self.dtype = loss.dtype

  @property
  def x(self) -> List[tf.Variable]:
    """The optimizee variables, in creation order."""
    return [v for v, t in zip(self._variables, self._trainable) if t]

  @property
  def constants(self) -> List[tf.Variable]:
    """The non-trainable problem variables, in creation order."""
    return [v for v, t in zip(self._variables, self._trainable) if not t]

  def _call_with(self, replacement: Callable[[int, Dict[str, Any]], Any]):
    """Calls `make_loss`, replacing the `i`-th variable it creates.

    Args:
      replacement: `(i, creator_kwargs) -> value` to use for the `i`-th
          variable created.

    Returns:
      The loss.

    Raises:
      ValueError: If `make_loss` creates other variables than it first did.
    """
    count = 0

    def creator(next_creator, **kwargs):
      del next_creator  # Nothing new is created.
      nonlocal count
      if count >= len(self._variables):
        raise ValueError(
            "make_loss created more variables than the {} it created at its "
            "first call; it must create the same variables at every call."
            .format(len(self._variables)))
      count += 1
      return replacement(count - 1, kwargs)

    with tf.variable_creator_scope(creator):
      loss = self._make_loss()
    if count != len(self._variables):
      raise ValueError(
          "make_loss created {} variables, but {} at its first call. Build "
          "the problem's Sonnet modules inside make_loss, so that they create "
          "their variables at every call.".format(count, len(self._variables)))
    return loss

  def loss(self, x_values: Sequence[tf.Tensor]) -> tf.Tensor:
    """Returns the loss with the optimizee variables replaced by `x_values`:
    a scalar, or `[num_instances]` losses for several instances.

    Args:
      x_values: One `Tensor` per variable of `x`, shaped as it.
    """
    replacements = list(self._variables)
    trainable_indices = [i for i, t in enumerate(self._trainable) if t]
    for i, value in zip(trainable_indices, x_values):
      replacements[i] = value
    return self._call_with(lambda i, _: replacements[i])

  def reset(self):
    """Assigns fresh initial values, as `make_loss` draws them, to all
    recorded variables."""
    def assign_initial_value(i, kwargs):
      initial_value = kwargs["initial_value"]
      if callable(initial_value):
        initial_value = initial_value()
      self._variables[i].assign(initial_value)
      return self._variables[i]

    self._call_with(assign_initial_value)


def instance_scope(index: int) -> str:
  """The name scope of instance `index` of a problem: `"instance_<index>"`."""
  return "instance_{}".format(index)


def instances(make_loss: Callable[[], tf.Tensor],
               num_instances: int) -> Callable[[], tf.Tensor]:
  """`num_instances` independent instances of `make_loss`'s problem.

  Each instance is a call of `make_loss` under its own name scope
  (`instance_<i>/`), so it creates its own variables, draws its own initial
  values and minibatches. The loss is the vector of the instances' losses,
  `[num_instances]`: the gradient of its sum with respect to an instance's
  variables is that of the instance's own loss.
  """
  def build():
    losses = []
    for i in range(num_instances):
      with tf.name_scope(instance_scope(i)):
        losses.append(make_loss())
    return tf.stack(losses)

  return build


def instance_assignments(
    net_assignments: Optional[Sequence[Tuple[str, Sequence[str]]]],
    num_instances: int) -> Optional[List[Tuple[str, List[str]]]]:
  """`net_assignments` in a single instance's variable names, given every
  instance's variable of those names (instance by instance)."""
  if net_assignments is None:
    return None
  return [(key, ["{}/{}".format(instance_scope(i), name)
                 for i in range(num_instances) for name in names])
          for key, names in net_assignments]
