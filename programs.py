# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Zero-argument TensorFlow programs, compiled with XLA where they can be.

`meta.MetaOptimizer`'s `step`, `update` and `loss` are `Program`s: each is
traced once into a `tf.function`, compiled with XLA when asked, and falls
back to the plain `tf.function` (with a log line) when XLA cannot compile
one of its ops. Any other error, at any call, is raised. `run_steps` is a
`ProgramsOfSize`: a `Program` per number of steps.
"""

import numbers
from typing import Any, Callable, Optional

from absl import logging
import tensorflow as tf

# Errors by which a `tf.function` compiled with XLA reports, at its first
# call, ops that XLA cannot compile.
XLA_ERRORS = (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError)


class Program:
  """A zero-argument TensorFlow program, compiled with XLA where it can be.

  The function is traced once into a `tf.function`. With XLA, the first call
  compiles it; if XLA cannot compile an op of it, that call runs the plain
  `tf.function` instead, with a log line, and so do later calls. An
  `UnimplementedError` of the first call is XLA's (such as a TensorList
  crossing into a differentiated program). Whether an
  `InvalidArgumentError` was is checked by lowering the program to XLA's
  HLO on its own: one that the lowering does not meet (in the program's
  tracing or running) is raised. A distributed program, whose parts XLA
  compiles one by one, falls back at any `XLA_ERRORS` of its first call.
  """

  def __init__(self, function: Callable[[], Any], name: str,
               jit_compile: bool,
               xla_function: Optional[Callable[[], Any]] = None):
    """Traces `function`.

    Args:
      function: The program.
      name: Its name (see `name`).
      jit_compile: Whether to compile it with XLA.
      xla_function: What to run with XLA instead of `function` compiled
          whole: a function that compiles its own parts (a distributed
          program, which XLA cannot compile whole).
    """
    self._name = name
    self._graph = tf.function(function)
    if not jit_compile:
      self._xla = None
    elif xla_function is None:
      self._xla = tf.function(function, jit_compile=True)
    else:
      self._xla = tf.function(xla_function)
    self._xla_verified = False
    self._compiled_whole = jit_compile and xla_function is None

  @property
  def name(self) -> str:
    """`"step"`, `"update"`, `"loss"` or `"run"`: which program of
    `meta_loss` or `meta_minimize` this is."""
    return self._name

  @property
  def uses_xla(self) -> bool:
    """Whether calls run the XLA-compiled program."""
    return self._xla is not None

  def __call__(self):
    if self._xla is None:
      return self._graph()
    if self._xla_verified:
      return self._xla()
    try:
      result = self._xla()
    except XLA_ERRORS as e:
      if (isinstance(e, tf.errors.InvalidArgumentError) and
          self._compiled_whole and self._lowers_to_hlo()):
        raise
      logging.warning("XLA cannot compile %s, which runs without XLA: %s",
                      self._name, str(e).strip().splitlines()[0])
      self._xla = None
      return self._graph()
    self._xla_verified = True
    return result

  def trace(self):
    """Traces the program without running it, as its first call would (an
    XLA program is compiled at its first call)."""
    (self._graph if self._xla is None else self._xla).get_concrete_function()

  def _lowers_to_hlo(self) -> bool:
    """Whether the XLA-compiled program lowers to HLO (tracing errors are
    raised)."""
    try:
      self._xla.experimental_get_compiler_ir()(stage="hlo")
    except ValueError:  # How the lowering reports an op XLA cannot compile.
      return False
    return True


class ProgramsOfSize:
  """Programs of an int size (e.g. a number of steps), each built at its
  size's first call, then called again.

  Calling it with a size runs that size's program and returns its result.
  """

  def __init__(self, make_program: Callable[[int], Program]):
    """Builds nothing yet.

    Args:
      make_program: `size -> Program`.
    """
    self._make_program = make_program
    self._programs = {}

  def program(self, size: int) -> Program:
    """The program of `size` (a positive int), built at its first call."""
    if (isinstance(size, bool) or not isinstance(size, numbers.Integral) or
        size < 1):
      raise ValueError("The size of a program must be a positive int, got "
                       "{!r}.".format(size))
    size = int(size)
    if size not in self._programs:
      self._programs[size] = self._make_program(size)
    return self._programs[size]

  def __call__(self, size: int):
    return self.program(size)()


def default_jit_compile() -> bool:
  """XLA on a GPU; on a CPU the plain graph measured faster."""
  return bool(tf.config.list_logical_devices("GPU"))
