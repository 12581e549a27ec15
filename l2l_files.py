# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The `.l2l` file format: a learned optimizer network's weights.

A `.l2l` file is a NumPy `.npz` archive (a zip of `.npy` arrays) holding
`{module: {variable: array}}` with one entry per variable, named
`"module/variable"` (e.g. `"lstm_1/w_i"`, `"linear/b"`), every array of a
floating point dtype. Unless the file predates it, one more entry,
`"network"`, describes the network: JSON text (a NumPy unicode string)
`{"net": class name, "net_options": {...}}`, the `networks.factory`
arguments that rebuild it (never its `initializer`: the weights are the
file's arrays). A `.l2l` file is never a pickle: `read_contents` opens it
with `allow_pickle=False` and refuses the original code's (dill) pickles,
since unpickling can run arbitrary code. `write` writes it with
`fileio.write_atomically`, so a crash never leaves a half-written file.

This module owns everything about the format: writing, reading and
validating, and matching a file against the variables a network saves.
"""

import io
import json
import os
import zipfile
from typing import Any, Dict, Mapping, NamedTuple, Optional, Sequence

from absl import logging
import numpy as np

import errors
import fileio

# Saved weights: {module name: {variable name: array}}.
NetVariables = Dict[str, Dict[str, np.ndarray]]
# A network's description: {"net": class name, "net_options": {...}}.
NetDescription = Dict[str, Any]

# The archive entry holding the network's description.
_NETWORK_ENTRY = "network"


class Contents(NamedTuple):
  """What a `.l2l` file holds: the weights and, if stored, the network's
  description (`None` in files written before descriptions were stored)."""
  net_vars: NetVariables
  network: Optional[NetDescription]


def has_nets(path: str) -> bool:
  """Whether `path` is a folder holding saved nets (`<name>.l2l` files)."""
  return os.path.isdir(path) and any(name.endswith(".l2l")
                                     for name in os.listdir(path))


def _flatten_variables(net_vars: NetVariables) -> Dict[str, np.ndarray]:
  return {"{}/{}".format(module, variable): value
          for module, variables in net_vars.items()
          for variable, value in variables.items()}


def write(filename: str, net_vars: NetVariables,
          network: Optional[NetDescription] = None):
  """Writes `{module: {variable: array}}` to `filename` as a `.l2l` file.

  The file is written with `fileio.write_atomically`, so an existing file is
  never left half written.

  Args:
    filename: Destination path (written exactly, no suffix added).
    net_vars: Arrays by module and variable name.
    network: Optional description of the network, `{"net": class name,
        "net_options": {...}}` (JSON-serializable values).
  """
  arrays = _flatten_variables(net_vars)
  if network is not None:
    arrays[_NETWORK_ENTRY] = np.array(json.dumps(network, sort_keys=True))
  buffer = io.BytesIO()
  np.savez(buffer, **arrays)
  fileio.write_atomically(filename, buffer.getvalue())


def _check_description(network: Any, source: str):
  """Raises `errors.InputError` unless `network` is a description."""
  if (not isinstance(network, dict) or set(network) != {"net", "net_options"}
      or not isinstance(network["net"], str)
      or not isinstance(network["net_options"], dict)):
    raise errors.InputError(
        "{} is not a network description {{\"net\": class name, "
        "\"net_options\": {{...}}}}: {!r}.".format(source, network))


def _read_description(value: np.ndarray, filename: str) -> NetDescription:
  """Decodes the `"network"` entry of `filename`."""
  source = "{} (entry {!r})".format(filename, _NETWORK_ENTRY)
  if value.dtype.kind != "U" or value.shape:
    raise errors.InputError("{} is not a valid .l2l file: {} is not JSON "
                            "text.".format(filename, source))
  try:
    network = json.loads(str(value))
  except ValueError as e:
    raise errors.InputError("{} is not a valid .l2l file: {} is not JSON: "
                            "{}".format(filename, source, e)) from e
  _check_description(network, source)
  return network


def read(filename: str) -> NetVariables:
  """The weights of a `.l2l` file: `read_contents(filename).net_vars`."""
  return read_contents(filename).net_vars


def read_contents(filename: str) -> Contents:
  """Reads a `.l2l` file written by `write` (or `networks.save`).

  Args:
    filename: Path of the file.

  Returns:
    Its `Contents`: `{module: {variable: array}}` and the network's
    description, or `None` if the file has none.

  Raises:
    errors.MissingFileError: If the file cannot be read (an `IOError`).
    errors.InputError: If it is not a `.l2l` archive of floating point arrays
        (a pickle, such as the original's files, is refused: unpickling runs
        code). A `ValueError`.
  """
  contents = fileio.read_bytes(filename, "optimizer file")
  if contents[:1] == b"\x80":
    raise errors.InputError(
        "{} is a Python pickle (the original learning-to-learn format), not a "
        ".l2l archive; it is not loaded because unpickling can run arbitrary "
        "code.".format(filename))
  try:
    with np.load(io.BytesIO(contents), allow_pickle=False) as archive:
      arrays = {key: archive[key] for key in archive.files}
  except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as e:
    raise errors.InputError(
        "{} is not a valid .l2l file (a NumPy .npz archive of network "
        "weights): {}".format(filename, e)) from e
  network = None
  if _NETWORK_ENTRY in arrays:
    network = _read_description(arrays.pop(_NETWORK_ENTRY), filename)
  result = {}
  for key, value in arrays.items():
    module, _, variable = key.partition("/")
    if not module or not variable or "/" in variable:
      raise errors.InputError(
          "{} is not a valid .l2l file: unexpected entry {!r} (expected "
          "'module/variable').".format(filename, key))
    if not np.issubdtype(value.dtype, np.floating):
      raise errors.InputError(
          "{} is not a valid .l2l file: entry {!r} has dtype {}, expected "
          "floating point.".format(filename, key, value.dtype))
    result.setdefault(module, {})[variable] = value
  return Contents(result, network)


def _as_json(value: Any) -> Any:
  """`value` as JSON text reads back (tuples become lists), to compare
  options given in code with stored ones."""
  return json.loads(json.dumps(value, sort_keys=True))


def warn_of_replaced_network(filename: str, requested: NetDescription,
                             stored: NetDescription):
  """Logs a warning for each difference between the network requested and
  the one `filename` describes, which replaces it: the class, or, for the
  same class, every option whose stored value differs from the requested
  one (`requested["net_options"]` with the class's defaults filled in)."""
  if stored["net"] != requested["net"]:
    logging.warning("%s holds a network of class %s, which replaces the "
                    "requested %s.", filename, stored["net"],
                    requested["net"])
    return
  options = requested["net_options"]
  for key, value in sorted(stored["net_options"].items()):
    if key in options and _as_json(options[key]) != _as_json(value):
      logging.warning("%s stores %s=%r, which replaces %r.", filename, key,
                      value, options[key])


def check_matches(filename: str, net_vars: NetVariables,
                  saved_variables: Mapping[str, Sequence[str]],
                  network_name: str):
  """Checks that a file holds exactly the variables a network saves.

  Only the names are compared; each array's shape is checked when the
  variable it initializes is created.

  Args:
    filename: The file `net_vars` was read from, for the message.
    net_vars: `{module: {variable: array}}`, as `read` returns.
    saved_variables: `{module: variable names}` of the network, its
        `saved_variables`.
    network_name: The network's class name, for the message.

  Raises:
    errors.InputError: If the modules or variables differ (a `ValueError`).
  """
  found = {module: tuple(sorted(v)) for module, v in net_vars.items()}
  expected = {module: tuple(sorted(v))
              for module, v in saved_variables.items()}
  if found != expected:
    raise errors.InputError(
        "{} does not match the network it should initialize: the file holds "
        "{}, the network ({}) has {}.".format(filename, found, network_name,
                                               expected))
