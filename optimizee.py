# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The optimizee: a problem's variables, found and substituted.

`Problem` calls a problem's `make_loss` under `tf.variable_creator_scope`
(the TF2 replacement of the original's mocked `tf.get_variable`): once to
record the variables it creates, then, inside the unroll, with each
trainable variable replaced, in creation order, by the optimizee's current
value. With several instances, each is a call of `make_loss` under its own
name scope. `call_with_values` makes the same substitution for a single call
of any such callable (e.g. a problem's scoring function on final values).

A `make_loss` that draws random data (a minibatch) draws it with a stateless
random op seeded by `step_seed()`: inside the unroll the seed is a function
of the instance, its seed drawn at `reset()` and the optimization step, so
the loss at each step is on a minibatch of its own, a recomputed step draws
the same minibatch again, and optimizers run from one global seed see the
same minibatches.
"""

import contextlib
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import tensorflow as tf

# Seeds are drawn uniformly from [0, _MAX_SEED).
_MAX_SEED = 2 ** 62
# The seed `step_seed` returns, set by `Problem` while it calls `make_loss`.
# Per thread: `tf.distribute` traces each replica's function in a thread.
_current_seed = threading.local()


def _random_seed() -> tf.Tensor:
  """A seed for stateless random ops, `[2]` int64, from a stateful draw."""
  return tf.random.uniform([2], maxval=_MAX_SEED, dtype=tf.int64)


@contextlib.contextmanager
def _seeded(seed: Optional[tf.Tensor]):
  """`step_seed()` returns `seed` inside the context (a fresh random seed at
  each call when `seed` is None)."""
  previous = getattr(_current_seed, "seed", None)
  _current_seed.seed = seed
  try:
    yield
  finally:
    _current_seed.seed = previous


def _folded(data) -> contextlib.AbstractContextManager:
  """`_seeded` with `data` (an int scalar) folded into the current seed, if
  one is set."""
  seed = getattr(_current_seed, "seed", None)
  return _seeded(None if seed is None else
                 tf.random.experimental.stateless_fold_in(seed, data))


def step_seed() -> tf.Tensor:
  """The seed of the random data of the loss being computed.

  For the `tf.random.stateless_*` op that draws a problem's random data,
  e.g. its minibatch, inside `make_loss`. Inside `Problem.loss` it is a
  function of the instance's seed (drawn at `reset()`, from TensorFlow's
  global seed if one is set), the instance's index and the optimization
  step. Called elsewhere (e.g. `make_loss` called directly), it is a fresh
  random seed at each call. One seed serves one draw: a `make_loss` drawing
  several things splits it (`tf.random.experimental.stateless_split`).

  Returns:
    An int64 `Tensor` `[2]`.
  """
  seed = getattr(_current_seed, "seed", None)
  return _random_seed() if seed is None else seed


def per_replica_kwargs(dtype: tf.DType = tf.float32) -> Dict[str, Any]:
  """`tf.Variable` arguments of a variable each replica holds its own value
  of: none without a `tf.distribute` strategy; under one, synchronized on
  read, where reading a floating-point variable across replicas gives their
  mean (a collective that every worker must make), and reading another one
  gives the first replica's value."""
  if not tf.distribute.has_strategy():
    return {}
  return dict(synchronization=tf.VariableSynchronization.ON_READ,
              aggregation=(tf.VariableAggregation.MEAN if dtype.is_floating
                           else tf.VariableAggregation.ONLY_FIRST_REPLICA))


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


def initial_value(creator_kwargs: Dict[str, Any]) -> tf.Tensor:
  """The initial value of the variable `tf.Variable` would create from these
  arguments (an initializer callable is called)."""
  value = creator_kwargs["initial_value"]
  if callable(value):
    value = value()
  return tf.convert_to_tensor(value, creator_kwargs.get("dtype"))


def _call_substituting(make_fn: Callable[[], Any],
                       substitute: Callable[..., Any]) -> Tuple[Any, int]:
  """Calls `make_fn` under a variable creator that substitutes
  `substitute(i, next_creator, creator_kwargs)` for the `i`-th variable it
  creates (`next_creator(**creator_kwargs)` creates it as usual).

  Returns:
    `(result, count)`: what `make_fn` returns and the number of variables it
    created.
  """
  count = 0

  def creator(next_creator, **kwargs):
    nonlocal count
    count += 1
    return substitute(count - 1, next_creator, kwargs)

  with tf.variable_creator_scope(creator):
    result = make_fn()
  return result, count


def call_with_values(make_fn: Callable[[], Any],
                     x_values: Sequence[tf.Tensor]) -> Any:
  """Calls `make_fn` with its trainable variables replaced by `x_values`.

  Args:
    make_fn: Zero-argument callable creating variables (`tf.Variable`, or
        Sonnet modules built inside the call), e.g. a problem's `make_loss`.
    x_values: One tensor per trainable variable `make_fn` creates, in
        creation order, shaped as that variable. Non-trainable variables
        are created as usual.

  Returns:
    What `make_fn` returns.

  Raises:
    ValueError: If `make_fn` creates another number of trainable variables
        than `len(x_values)`, or one of another shape than its value.
  """
  x_values = [tf.convert_to_tensor(v) for v in x_values]
  num_trainable = 0

  def substitute(unused_index, next_creator, kwargs):
    nonlocal num_trainable
    if not is_trainable(kwargs):
      return next_creator(**kwargs)
    if num_trainable == len(x_values):
      raise ValueError("make_fn created more trainable variables than the "
                       "{} values given.".format(len(x_values)))
    value = x_values[num_trainable]
    num_trainable += 1
    shape = (tf.TensorShape(kwargs["shape"]) if kwargs.get("shape") is not None
             else initial_value(kwargs).shape)
    if not shape.is_compatible_with(value.shape):
      raise ValueError(
          "Trainable variable {} ({}) of make_fn is shaped {}, its value {}."
          .format(num_trainable - 1, kwargs.get("name"), shape, value.shape))
    return value

  result, _ = _call_substituting(make_fn, substitute)
  if num_trainable != len(x_values):
    raise ValueError("make_fn created {} trainable variables for {} values."
                     .format(num_trainable, len(x_values)))
  return result


class Problem:
  """A `make_loss` callable and the variables it creates.

  The first call (eager, at construction) creates and records the variables,
  in creation order. Trainable ones are the optimizee parameters `x`; the
  others are problem constants (e.g. the quadratic's `w` and `y`). Later
  calls go through a variable creator that returns, for each variable
  `make_loss` creates, a replacement chosen by its creation index.

  The problem also holds the seed of its random data (see `step_seed`),
  drawn anew with the variables' initial values.
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
    self._seed = tf.Variable(_random_seed(), trainable=False, name="seed",
                             **per_replica_kwargs(tf.int64))

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

  def _call_with(self, replacement: Callable[[int, Dict[str, Any]], Any],
                 step=0):
    """Calls `make_loss`, replacing the `i`-th variable it creates.

    Args:
      replacement: `(i, creator_kwargs) -> value` to use for the `i`-th
          variable created.
      step: The optimization step whose random data `make_loss` draws (an
          int scalar).

    Returns:
      The loss.

    Raises:
      ValueError: If `make_loss` creates other variables than it first did.
    """
    def substitute(index, next_creator, kwargs):
      del next_creator  # Nothing new is created.
      if index >= len(self._variables):
        raise ValueError(
            "make_loss created more variables than the {} it created at its "
            "first call; it must create the same variables at every call."
            .format(len(self._variables)))
      return replacement(index, kwargs)

    with _seeded(tf.random.experimental.stateless_fold_in(self._seed, step)):
      loss, count = _call_substituting(self._make_loss, substitute)
    if count != len(self._variables):
      raise ValueError(
          "make_loss created {} variables, but {} at its first call. Build "
          "the problem's Sonnet modules inside make_loss, so that they create "
          "their variables at every call.".format(count, len(self._variables)))
    return loss

  def loss(self, x_values: Sequence[tf.Tensor], step=0) -> tf.Tensor:
    """Returns the loss with the optimizee variables replaced by `x_values`:
    a scalar, or `[num_instances]` losses for several instances.

    Args:
      x_values: One `Tensor` per variable of `x`, shaped as it.
      step: The optimization step (an int scalar, counted from `reset()`):
          the loss at one step is on the same random data (minibatch) at
          every call, and on other data than at any other step.
    """
    replacements = list(self._variables)
    trainable_indices = [i for i, t in enumerate(self._trainable) if t]
    for i, value in zip(trainable_indices, x_values):
      replacements[i] = value
    return self._call_with(lambda i, _: replacements[i], step)

  def reset(self):
    """Assigns fresh initial values, as `make_loss` draws them, to all
    recorded variables, and draws a new seed for the random data."""
    def assign_initial_value(i, kwargs):
      self._variables[i].assign(initial_value(kwargs))
      return self._variables[i]

    self._call_with(assign_initial_value)
    self._seed.assign(_random_seed())


def instance_scope(index: int) -> str:
  """The name scope of instance `index` of a problem: `"instance_<index>"`."""
  return "instance_{}".format(index)


def instances(make_loss: Callable[[], tf.Tensor],
               num_instances: int) -> Callable[[], tf.Tensor]:
  """`num_instances` independent instances of `make_loss`'s problem.

  Each instance is a call of `make_loss` under its own name scope
  (`instance_<i>/`), so it creates its own variables and draws its own
  initial values; its index is folded into `step_seed()`, so it draws its
  own minibatches. The loss is the vector of the instances' losses,
  `[num_instances]`: the gradient of its sum with respect to an instance's
  variables is that of the instance's own loss.
  """
  def build():
    losses = []
    for i in range(num_instances):
      with tf.name_scope(instance_scope(i)), _folded(i):
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
