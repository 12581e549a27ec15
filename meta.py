# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Learning to learn (meta) optimizer, in TensorFlow 2.

`MetaOptimizer.meta_loss` unrolls a learned optimizer on an optimizee problem
for `len_unroll` steps and exposes the result as callables: TF1's graph ops
`reset`, `update` and `loss` became zero-argument functions, each traced once
into a `tf.function` (compiled with XLA where asked and possible).

The optimizee's variables are found and replaced with
`tf.variable_creator_scope`: `make_loss` is called once to record the
variables it creates, and again inside the unroll with every trainable
variable replaced, in creation order, by the optimizee's current value.

Called inside the `scope()` of a `tf.distribute` strategy (`MirroredStrategy`,
`MultiWorkerMirroredStrategy`), the programs run on every replica (see
`replicated.py`).
"""

import collections
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from absl import logging
import tensorflow as tf

import l2l_files
import networks
import optimizee
import programs
import rematerialization
import replicated
import unroll
import update_rules


class MetaLoss(collections.namedtuple("MetaLoss",
                                      "loss, update, reset, fx, x")):
  """What `meta_loss` returns, TF1's graph ops as callables.

  Besides the tuple's fields, two attributes:
  - `instance_fx`, a `tf.Variable` `[num_instances]`: each instance's final
    loss after the last unroll (`fx` is their mean).
  - `run_steps(num_steps)`: runs `num_steps` optimization steps as one
    program (built at the first call with that number) and returns each
    instance's loss after each step, `[num_steps, num_instances]` (under a
    `tf.distribute` strategy, `[num_steps, replicas * num_instances]`,
    replica by replica). The steps, their data, their losses and what they
    assign (values, RNN states, `fx`, `instance_fx`) are those of as many
    one-step `update()`s (to float rounding: the same ops, in another
    program), without a call per step: what evaluation runs.
  """


class MetaStep(collections.namedtuple("MetaStep",
                                      "step, update, reset, fx, x")):
  """What `meta_minimize` returns; `instance_fx` as in `MetaLoss`."""


def _check_positive_int(value, name: str):
  """Raises `ValueError` unless `value` is a Python int (not a bool) of at
  least 1."""
  if not isinstance(value, int) or isinstance(value, bool) or value < 1:
    raise ValueError("{} must be a positive integer, got {!r}.".format(
        name, value))


def _with_attributes(ops, **attributes):
  """`ops` (a `MetaLoss` or `MetaStep`) with `attributes` set on it."""
  for name, value in attributes.items():
    setattr(ops, name, value)
  return ops


# The original's default net (`networks.factory` arguments): a coordinatewise
# 2x20 LSTM with LogAndSign preprocessing (k=5) and output scale 0.01.
DEFAULT_NET_CONFIG = {
    "net": "CoordinateWiseDeepLSTM",
    "net_options": {
        "layers": (20, 20),
        "preprocess_name": "LogAndSign",
        "preprocess_options": {"k": 5},
        "scale": 0.01,
    }}

def _make_nets(variables: Sequence[tf.Variable],
               config: Dict[str, Dict[str, Any]],
               net_assignments: Optional[Sequence[Tuple[str, Sequence[str]]]],
               nets: Dict[str, networks.Network]):
  """Assigns variables to the optimizer networks, creating missing nets.

  Args:
    variables: The optimizee variables.
    config: `{net key: networks.factory arguments}`.
    net_assignments: `None` (the only net takes every variable) or
        `[(net key, [variable names])]`.
    nets: `{key: network}` of the nets created so far; the nets this
        assignment needs and that are missing are created and added.

  Returns:
    `[(key, [variable indices])]`, in the order of `net_assignments`.

  Raises:
    ValueError: For default assignments with several nets, a repeated or
        unknown key, an unknown or ambiguous variable name, or a net given no
        variables.
  """
  if net_assignments is None:
    if len(config) != 1:
      raise ValueError("Default net_assignments can only be used if there is "
                       "a single net config; got nets {}.".format(list(config)))
    net_assignments = [(next(iter(config)),
                        [optimizee.variable_name(v) for v in variables])]
    by_name = None
  else:
    names = [optimizee.variable_name(v) for v in variables]
    by_name = collections.defaultdict(list)
    for i, name in enumerate(names):
      by_name[name].append(i)

  assignments = []
  for key, var_names in net_assignments:
    if key in dict(assignments):
      raise ValueError("Repeated netid in net_assignments: {!r}.".format(key))
    if key not in config:
      raise ValueError("net_assignments names net {!r}, which is not "
                       "configured; configured nets: {}.".format(
                           key, list(config)))
    if not var_names:
      raise ValueError("net_assignments gives net {!r} no variables."
                       .format(key))
    if by_name is None:
      subset = list(range(len(variables)))
    else:
      subset = []
      for name in var_names:
        if len(by_name.get(name, ())) != 1:
          raise ValueError(
              "net_assignments for net {!r} names variable {!r}, which the "
              "problem {}; its variables are {}.".format(
                  key, name,
                  "creates more than once" if by_name.get(name) else
                  "does not create", list(by_name)))
        subset.append(by_name[name][0])
    if key not in nets:
      nets[key] = networks.factory(**config[key])
    assignments.append((key, subset))
    logging.info("Net: %s, subset: %s", key,
                 [optimizee.variable_name(variables[i]) for i in subset])
  return assignments


class _MetaAdam(tf.Module):
  """Adam training the optimizer nets: the meta-optimizer's optimizer.

  Its moment estimates are variables created eagerly, at construction, so
  that the compiled step creates none (a `tf.function` that creates
  variables is traced twice).
  """

  def __init__(self, variables: Sequence[tf.Variable], learning_rate: float,
               beta1: float = 0.9, beta2: float = 0.999,
               epsilon: float = 1e-8):
    """Creates zero moment estimates for `variables`.

    Args:
      variables: The variables to train.
      learning_rate: Adam step size.
      beta1: Decay of the first moment estimate.
      beta2: Decay of the second moment estimate.
      epsilon: Added to the root of the second moment estimate.
    """
    super().__init__(name="meta_adam")
    self._variables = list(variables)
    self._hyperparameters = dict(learning_rate=learning_rate, beta1=beta1,
                                 beta2=beta2, epsilon=epsilon)
    self.t = tf.Variable(0.0, trainable=False, name="t")
    self.m = [tf.Variable(tf.zeros_like(v), trainable=False, name="m")
              for v in self._variables]
    self.v = [tf.Variable(tf.zeros_like(v), trainable=False, name="v")
              for v in self._variables]
    self.skipped = tf.Variable(0, dtype=tf.int64, trainable=False,
                               name="skipped")

  def _apply(self, gradients: Sequence[Optional[tf.Tensor]]):
    for gradient, variable, m, v in zip(gradients, self._variables, self.m,
                                        self.v):
      if gradient is None:
        continue
      update, state = update_rules.adam_update(
          gradient, update_rules.AdamState(self.t, m, v),
          **self._hyperparameters)
      variable.assign_add(update)
      m.assign(state.m)
      v.assign(state.v)
    self.t.assign_add(1.0)

  def apply_if_finite(self, loss: tf.Tensor,
                      gradients: Sequence[Optional[tf.Tensor]]):
    """Applies one Adam step if `loss` and all `gradients` are finite;
    otherwise leaves the variables and moments alone and counts the skip.
    Variables with a `None` gradient are not updated."""
    finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(t))
                            for t in [loss] + list(gradients) if t is not None])
    tf.cond(finite, lambda: self._apply(gradients), self._skip)

  def _skip(self):
    self.skipped.assign_add(1)


class _RecordingMetaAdam:
  """A `_MetaAdam` that also keeps the norm of each net variable's
  meta-gradient at the last step, for watching a run (`MetaOptimizer.
  meta_gradient_norms`).

  The norms are kept outside the `_MetaAdam`, which checkpoints hold, so
  that checkpoints of runs made before it existed still restore whole.
  """

  def __init__(self, adam: _MetaAdam, variables: Sequence[tf.Variable]):
    self._adam = adam
    self.norms = tf.Variable(tf.zeros([len(variables)]), trainable=False,
                             name="meta_gradient_norms")

  def apply_if_finite(self, loss: tf.Tensor,
                      gradients: Sequence[Optional[tf.Tensor]]):
    """Records the gradients' norms (0 for a `None` gradient, NaN or
    infinite for a non-finite one), then `_MetaAdam.apply_if_finite`."""
    norms = [tf.zeros([]) if g is None else
             tf.cast(tf.norm(tf.convert_to_tensor(g)), tf.float32)
             for g in gradients]
    self.norms.assign(tf.stack(norms) if norms else tf.zeros([0]))
    self._adam.apply_if_finite(loss, gradients)


class MetaOptimizer:
  """Learning to learn (meta) optimizer.

  An RNN reads, at each iteration, the gradient of the function being
  minimized and returns the update. The RNN is itself trained by Adam on the
  sum of the losses along unrolled runs of the optimization.
  """

  def __init__(self, **kwargs):
    """Creates a `MetaOptimizer`.

    Args:
      **kwargs: `{net key: {"net": class name, "net_options": {...},
          "net_path": optional .l2l file}}`, the arguments of
          `networks.factory` for each optimizer net. Several nets can
          optimize different variables (see `net_assignments` of
          `meta_loss`). Without arguments: one `CoordinateWiseDeepLSTM` with
          two layers of 20 units, `LogAndSign` preprocessing with `k=5` and
          output scale 0.01, the original's default.
    """
    self._nets = {}
    self._meta_adam = None
    self._recording_adam = None
    self._net_variable_names = []
    self._config = kwargs or {"coordinatewise": DEFAULT_NET_CONFIG}

  def save(self, path: Optional[str] = None
          ) -> Dict[str, l2l_files.NetVariables]:
    """Returns the nets' weights, and saves them under `path` if given.

    Args:
      path: Optional folder, created if missing; each net is written there
          as `<net key>.l2l`.

    Returns:
      `{net key, or file name if path is given: {module: {variable:
      array}}}`.

    Raises:
      RuntimeError: Before `meta_loss` or `meta_minimize` created the nets.
    """
    if not self._nets:
      raise RuntimeError("MetaOptimizer.save: no nets yet; call meta_loss or "
                         "meta_minimize first.")
    if path is not None:
      os.makedirs(path, exist_ok=True)
    result = {}
    for key, net in self._nets.items():
      filename = None if path is None else os.path.join(path, key + ".l2l")
      result[filename or key] = networks.save(net, filename=filename)
    return result

  @property
  def nets(self) -> Dict[str, networks.Network]:
    """`{net key: network}` of the nets built so far by `meta_loss`,
    `meta_minimize` or `meta_minimize_family` (empty before), the modules
    whose trainable variables the meta-gradient trains."""
    return dict(self._nets)

  @property
  def skipped_steps(self) -> int:
    """How many `step()` calls of the last `meta_minimize` skipped the Adam
    step because the meta-loss or the meta-gradient was not finite."""
    return (0 if self._meta_adam is None else
            int(self._meta_adam.skipped.numpy()))

  @property
  def meta_gradient_norms(self) -> Dict[str, float]:
    """The L2 norm of each net variable's meta-gradient at the last `step()`
    of the last `meta_minimize`, by variable name (such as
    `cw_deep_lstm/linear/w`): 0 before the first step and for a variable
    the meta-loss does not depend on, NaN or infinite at a skipped step."""
    if self._recording_adam is None:
      return {}
    return dict(zip(self._net_variable_names,
                    self._recording_adam.norms.numpy().tolist()))

  def checkpoint_items(self) -> Dict[str, Any]:
    """What a `tf.train.Checkpoint` must hold to resume meta-training.

    Returns:
      `{"nets": {key: network}, "meta_adam": module}` for the nets of the
      last `meta_minimize` and the state of the Adam training them.

    Raises:
      RuntimeError: Before `meta_minimize`.
    """
    if self._meta_adam is None:
      raise RuntimeError("MetaOptimizer.checkpoint_items: call meta_minimize "
                         "first.")
    return {"nets": dict(self._nets), "meta_adam": self._meta_adam}

  def _build(self, make_loss, len_unroll, net_assignments=None,
             second_derivatives=False, jit_compile=None, num_instances=1,
             rematerialize=False):
    """Finds the optimizee variables and builds nets, states and unroll.

    Returns:
      `(unrolled, jit_compile, strategy)`: the
      `unroll.UnrolledOptimization`, whether its programs are to be compiled
      with XLA, and the `tf.distribute` strategy whose scope it was built
      in, or `None`.
    """
    if not tf.executing_eagerly():
      raise RuntimeError("meta_loss and meta_minimize build their own "
                         "tf.functions; call them eagerly, not inside a "
                         "tf.function.")
    if (tf.distribute.has_strategy() and
        not tf.distribute.in_cross_replica_context()):
      raise RuntimeError("meta_loss and meta_minimize run their programs on "
                         "every replica; call them inside strategy.scope(), "
                         "not inside strategy.run.")
    _check_positive_int(len_unroll, "len_unroll")
    _check_positive_int(num_instances, "num_instances")
    if num_instances > 1:
      net_assignments = optimizee.instance_assignments(net_assignments,
                                                       num_instances)
    problem = optimizee.Problem(make_loss, num_instances)
    logging.info("Optimizee variables: %s",
                 [optimizee.variable_name(v) for v in problem.x])
    logging.info("Problem variables: %s",
                 [optimizee.variable_name(v) for v in problem.constants])
    assignments = _make_nets(problem.x, self._config, net_assignments,
                             self._nets)
    unrolled_class = (rematerialization.RematerializedOptimization
                      if rematerialize else unroll.UnrolledOptimization)
    unrolled = unrolled_class(problem, self._nets, assignments, len_unroll,
                              second_derivatives)
    for key, net in self._nets.items():
      logging.info("Optimizer '%s' variables: %s", key,
                   [optimizee.variable_name(v) for v in net.variables])
    if jit_compile is None:
      jit_compile = programs.default_jit_compile()
    strategy = (tf.distribute.get_strategy() if tf.distribute.has_strategy()
                else None)
    if strategy is not None:
      outside = [optimizee.variable_name(v) for v in unrolled.net_variables
                 if not strategy.extended.variable_created_in_scope(v)]
      if outside:
        raise ValueError(
            "The nets' variables {} were created outside this strategy's "
            "scope and cannot be mirrored; create the MetaOptimizer and call "
            "meta_loss/meta_minimize in the same strategy.scope()."
            .format(outside))
    return unrolled, jit_compile, strategy

  def meta_loss(self,
                make_loss: Callable[[], tf.Tensor],
                len_unroll: int,
                net_assignments: Optional[
                    Sequence[Tuple[str, Sequence[str]]]] = None,
                second_derivatives: bool = False,
                jit_compile: Optional[bool] = None,
                num_instances: int = 1,
                rematerialize: bool = False) -> MetaLoss:
    """Builds the unrolled optimization of `make_loss`.

    Args:
      make_loss: Zero-argument callable creating the optimizee variables
          (`tf.Variable`, or Sonnet modules built inside the call) and
          returning its scalar loss. It is called once here, eagerly, to find
          the variables, and again inside the unroll with the trainable
          variables replaced.
      len_unroll: Number of optimization steps per unroll.
      net_assignments: `None` (a single configured net optimizes every
          variable) or `[(net key, [variable names])]`, with the names the
          variables get at the top level (`"x"`, `"x_0"`, `"conv/w"`).
      second_derivatives: Whether the meta-gradient flows through the
          optimizee's gradients (default `False`, as in the original).
      jit_compile: Whether to compile the programs with XLA; `None` (the
          default) compiles on a GPU and not on a CPU, where it measured
          slower. A problem XLA cannot compile runs without it, with a log
          line.
      num_instances: Number of independent instances of the problem
          optimized together, in one program: each calls `make_loss` under
          the name scope `instance_<i>/`, with its own variables, initial
          values and minibatches, and is optimized with the gradient of its
          own loss; a coordinatewise net sees all their coordinates in one
          call. `net_assignments` names the variables of one instance.
      rematerialize: Whether the meta-gradient recomputes the unroll's
          activations instead of keeping every step's (default `False`): the
          same losses and meta-gradients, with much less memory for a slower
          backward pass. Only the values and RNN states at the start of
          segments of about `sqrt(len_unroll)` steps are kept; the backward
          pass reruns each segment, then recomputes each of its steps.

    Returns:
      `MetaLoss(loss, update, reset, fx, x)`: `loss()` returns the meta-loss
      of an unroll from the current state (sum of the `len_unroll + 1`
      losses, each the mean over instances), assigning nothing; `update()`
      unrolls, assigns the final values and states, stores the final loss
      (mean over instances) in `fx` and returns it; `reset()` draws new
      values for every instance and zeroes the RNN states; `fx` is a scalar
      `tf.Variable`; `x` the list of optimizee `tf.Variable`s, instance by
      instance. Its attributes `instance_fx` and `run_steps` are described
      in `MetaLoss`.

    Raises:
      ValueError: For a bad `len_unroll`, `num_instances`, `make_loss` or
          `net_assignments`.
    """
    unrolled, jit_compile, strategy = self._build(
        make_loss, len_unroll, net_assignments, second_derivatives,
        jit_compile, num_instances, rematerialize)
    programs_of = _programs_of(unrolled, strategy)
    return _with_attributes(
        MetaLoss(loss=programs_of.program("loss", jit_compile),
                 update=programs_of.program("update", jit_compile),
                 reset=programs_of.reset(), fx=unrolled.fx, x=unrolled.x),
        instance_fx=unrolled.instance_fx,
        run_steps=programs.ProgramsOfSize(
            lambda num_steps: programs_of.run_program(num_steps,
                                                      jit_compile)))

  def meta_minimize(self,
                    make_loss: Callable[[], tf.Tensor],
                    len_unroll: int,
                    learning_rate: float = 0.01,
                    **kwargs) -> MetaStep:
    """Builds the unrolled optimization and the Adam step on its meta-loss.

    Args:
      make_loss: As in `meta_loss`.
      len_unroll: Number of optimization steps per unroll.
      learning_rate: Learning rate of the Adam optimizer training the nets.
      **kwargs: Further arguments of `meta_loss` (`net_assignments`,
          `second_derivatives`, `jit_compile`, `num_instances`,
          `rematerialize`).

    Returns:
      `MetaStep(step, update, reset, fx, x)`: `step()` does what `update()`
      does and also one Adam step of the meta-loss gradient on the nets'
      variables (what TF1's `sess.run([update, step])` did), returning the
      unroll's final loss; the other fields are those of `meta_loss`.

      Built inside a `tf.distribute` strategy's `scope()`, every program runs
      on each replica, which optimizes its own `num_instances` instances:
      each variable of `x`, and `fx`, is per-replica (synchronized on read;
      `.values` holds one variable per replica, and reading it gives the
      mean over the replicas, a collective that every worker must make), the
      nets are mirrored, `step()` applies the meta-gradient averaged over
      the replicas, and `step()`, `update()` and `loss()` return means over
      the replicas.
    """
    unrolled, jit_compile, strategy = self._build(make_loss, len_unroll,
                                                  **kwargs)
    optimizer = self._new_meta_adam(unrolled.net_variables, learning_rate)
    return _meta_step(unrolled, jit_compile, strategy, optimizer)

  def meta_minimize_family(self,
                           make_losses: Sequence[Callable[[], tf.Tensor]],
                           len_unroll: int,
                           learning_rate: float = 0.01,
                           **kwargs) -> List[MetaStep]:
    """`meta_minimize` for a family of problems that train the same nets.

    Each problem gets its own unrolled optimization and programs, built
    here once; every `step()` applies its meta-gradient to the same nets
    with the same Adam (one set of moment estimates), so that alternating
    the steps of the problems meta-trains one optimizer on all of them.

    Args:
      make_losses: The problems' `make_loss` callables, at least one.
      len_unroll: Number of optimization steps per unroll.
      learning_rate: Learning rate of the Adam optimizer training the nets.
      **kwargs: Further arguments of `meta_loss`, the same for every
          problem.

    Returns:
      One `MetaStep` per problem, in order.

    Raises:
      ValueError: For an empty family, or as `meta_loss`.
    """
    if not make_losses:
      raise ValueError("meta_minimize_family needs at least one problem.")
    built = [self._build(make_loss, len_unroll, **kwargs)
             for make_loss in make_losses]
    # The same `net_assignments`: every problem trains the same nets.
    net_variables = built[0][0].net_variables
    optimizer = self._new_meta_adam(net_variables, learning_rate)
    return [_meta_step(unrolled, jit_compile, strategy, optimizer)
            for unrolled, jit_compile, strategy in built]

  def _new_meta_adam(self, net_variables: Sequence[tf.Variable],
                     learning_rate: float) -> _RecordingMetaAdam:
    """Creates the Adam training `net_variables`, which `skipped_steps`,
    `meta_gradient_norms` and `checkpoint_items` report on from now on."""
    self._meta_adam = _MetaAdam(net_variables, learning_rate)
    self._recording_adam = _RecordingMetaAdam(self._meta_adam, net_variables)
    self._net_variable_names = [optimizee.variable_name(v)
                                for v in net_variables]
    if not net_variables:
      logging.info("No optimizer net has trainable variables: step() only "
                   "unrolls.")
    return self._recording_adam


def _programs_of(unrolled: unroll.UnrolledOptimization,
                 strategy: Optional[tf.distribute.Strategy],
                 optimizer: Optional[_RecordingMetaAdam] = None):
  """The programs of `unrolled` (`replicated.OneDevice`, or
  `replicated.Replicated` on every replica of `strategy`), whose `step`
  applies the meta-gradient with `optimizer`."""
  if strategy is None:
    return replicated.OneDevice(unrolled, optimizer)
  return replicated.Replicated(strategy, unrolled, optimizer)


def _meta_step(unrolled: unroll.UnrolledOptimization, jit_compile: bool,
               strategy: Optional[tf.distribute.Strategy],
               optimizer: _RecordingMetaAdam) -> MetaStep:
  """The `MetaStep` programs of `unrolled`, whose `step()` applies the
  meta-gradient with `optimizer` (on every replica of `strategy`, if
  given)."""
  programs_of = _programs_of(unrolled, strategy, optimizer)
  return _with_attributes(
      MetaStep(step=programs_of.program("step", jit_compile),
               update=programs_of.program("update", jit_compile),
               reset=programs_of.reset(), fx=unrolled.fx, x=unrolled.x),
      instance_fx=unrolled.instance_fx)
