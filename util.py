# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The original's helpers of the training and evaluation scripts.

`get_config` names the problems and their optimizer nets, `get_scores` the
scorers of their final networks; `run_epoch` runs one optimization epoch;
`print_stats` prints the original's statistics.
"""

import copy
import hashlib
import os
from timeit import default_timer as timer
from typing import (Any, Callable, Dict, List, NamedTuple, Optional, Sequence,
                    Tuple)

import numpy as np
import tensorflow as tf

import image_datasets
import meta
import networks
import problems


def run_epoch(cost_op: tf.Variable, ops: Sequence[Callable[[], Any]],
              reset: Callable[[], Any],
              num_unrolls: int) -> Tuple[float, float]:
  """Runs one optimization epoch.

  TF1's `sess.run([cost_op] + ops)` became: call every op of `ops`, then read
  `cost_op`. Pass `[step]` to train (it also updates) and `[update]` to
  evaluate. The TF1 idiom `[update, step]` is refused: each of the two
  unrolls, so the first unroll of every pair would go untrained.

  Args:
    cost_op: The `fx` variable of a `MetaLoss`/`MetaStep`.
    ops: Callables run once per unroll, in order.
    reset: Callable run at the start of the epoch.
    num_unrolls: Number of unrolls in the epoch.

  Returns:
    `(time, cost)`: wall-clock seconds of the epoch and the final `cost_op`.

  Raises:
    ValueError: If `ops` holds both an `update` and a `step` program.
  """
  names = {getattr(op, "name", None) for op in ops}
  if {"update", "step"} <= names:
    raise ValueError(
        "run_epoch: ops holds both update and step, which would unroll twice "
        "per unroll (the first unroll untrained); pass [step], which also "
        "updates, as TF1's sess.run([update, step]) did.")
  start = timer()
  reset()
  for _ in range(num_unrolls):
    for op in ops:
      op()
  cost = float(cost_op.numpy())
  return timer() - start, cost


def log_mean_error(total_error: float, n: int) -> float:
  """`log10` of the mean of `n` final losses that sum to `total_error`: the
  original's `Log Mean Final Error`."""
  return float(np.log10(total_error / n))


def print_stats(header: str, total_error: float, total_time: float, n: int):
  """Prints the mean final error (log10) and mean epoch time of `n` epochs."""
  print(header)
  print("Log Mean Final Error: {:.2f}".format(log_mean_error(total_error, n)))
  print("Mean epoch time: {:.2f} s".format(total_time / n))


# The learned nets' settings of the paper (LogAndSign k = 10 and output scale
# 0.1), the defaults of the MNIST and CIFAR-10 problems here. The original
# code trained those problems with `meta.DEFAULT_NET_CONFIG`'s k = 5 and scale
# 0.01 (`get_net_config(..., original_code=True)`).
PAPER_LOG_AND_SIGN_K = 10
PAPER_OUTPUT_SCALE = 0.1
# The `initializer` of a learned net whose output layer starts at zero: its
# first updates are zero, where the original's random output layer moves
# every coordinate of a variable alike from the first step (see
# docs/REPRODUCTION.md). The LSTM layers keep the original's initializers.
ZERO_OUTPUT_LAYER = {"linear": "zeros"}


def get_net_path(name: str, path: Optional[str]) -> Optional[str]:
  """Returns `path/<name>.l2l`, or `None` without a `path`."""
  return None if path is None else os.path.join(path, name + ".l2l")


def get_default_net_config(name: str, path: Optional[str]) -> Dict[str, Any]:
  """The original's default net (`meta.DEFAULT_NET_CONFIG`: 2x20
  coordinatewise LSTM, LogAndSign k=5, scale 0.01), loaded from
  `path/<name>.l2l` if `path` is given."""
  return dict(copy.deepcopy(meta.DEFAULT_NET_CONFIG),
              net_path=get_net_path(name, path))


def _learned_net_options(net_config: Dict[str, Dict[str, Any]]):
  """`(learned, log_and_sign)`: the `net_options` dicts (not copies) of the
  learned nets of `net_config`, and of those with LogAndSign preprocessing."""
  learned = [config["net_options"] for config in net_config.values()
             if networks.is_learned(config["net"])]
  log_and_sign = [options for options in learned
                  if options.get("preprocess_name") == "LogAndSign"]
  return learned, log_and_sign


def with_net_settings(net_config: Dict[str, Dict[str, Any]],
                      log_and_sign_k: Optional[float] = None,
                      output_scale: Optional[float] = None,
                      zero_output_layer: Optional[bool] = None
                      ) -> Dict[str, Dict[str, Any]]:
  """A copy of `net_config` with the learned nets' settings changed.

  Args:
    net_config: `{net key: networks.factory arguments}`.
    log_and_sign_k: If given, the `k` of every net with `LogAndSign`
        preprocessing (the original code's 5, the paper's 10).
    output_scale: If given, the output scale of every learned (LSTM) net.
    zero_output_layer: If true, every learned net starts with a zero output
        layer (`ZERO_OUTPUT_LAYER`, replacing its `initializer`); if false,
        a net that would has the original's initializers instead.

  Returns:
    The changed configuration.

  Raises:
    ValueError: If a setting is given but no net has it.
  """
  net_config = copy.deepcopy(net_config)
  learned, log_and_sign = _learned_net_options(net_config)
  if log_and_sign_k is not None:
    if not log_and_sign:
      raise ValueError("log_and_sign_k: none of the nets ({}) has LogAndSign "
                       "preprocessing.".format(", ".join(net_config)))
    for options in log_and_sign:
      options["preprocess_options"] = dict(
          options.get("preprocess_options", {}), k=log_and_sign_k)
  if output_scale is not None:
    if not learned:
      raise ValueError("output_scale: none of the nets ({}) is learned."
                       .format(", ".join(net_config)))
    for options in learned:
      options["scale"] = output_scale
  if zero_output_layer is not None:
    if not learned:
      raise ValueError("zero_output_layer: none of the nets ({}) is learned."
                       .format(", ".join(net_config)))
    for options in learned:
      if zero_output_layer:
        options["initializer"] = copy.deepcopy(ZERO_OUTPUT_LAYER)
      elif options.get("initializer") == ZERO_OUTPUT_LAYER:
        del options["initializer"]
  return net_config


def with_net(net_config: Dict[str, Dict[str, Any]],
             net: str) -> Dict[str, Dict[str, Any]]:
  """A copy of `net_config` whose learned nets are `net`s.

  Args:
    net_config: `{net key: networks.factory arguments}`.
    net: The `networks.factory` name of a learned network (e.g.
        `"RNNprop"`). Every learned net of `net_config` becomes one, with
        that class's default options and the net's own `net_path`; a net
        that starts with a zero output layer (`ZERO_OUTPUT_LAYER`) keeps it.
        The hand-written nets are unchanged.

  Returns:
    The changed configuration.

  Raises:
    ValueError: If `net` is not a learned network, or no net is learned.
  """
  if net not in networks.LEARNED_NETWORKS:
    raise ValueError("net: {!r} is not a learned network; learned networks: "
                     "{}.".format(net, ", ".join(networks.LEARNED_NETWORKS)))
  net_config = copy.deepcopy(net_config)
  learned = [config for config in net_config.values()
             if networks.is_learned(config["net"])]
  if not learned:
    raise ValueError("net: none of the nets ({}) is learned.".format(
        ", ".join(net_config)))
  for config in learned:
    zero_output_layer = (config["net_options"].get("initializer") ==
                         ZERO_OUTPUT_LAYER)
    config["net"] = net
    config["net_options"] = ({"initializer": copy.deepcopy(ZERO_OUTPUT_LAYER)}
                             if zero_output_layer else {})
  return net_config


def net_settings(net_config: Dict[str, Dict[str, Any]]
                 ) -> Dict[str, Optional[float]]:
  """The settings of the learned nets that `with_net_settings` changes.

  Args:
    net_config: `{net key: networks.factory arguments}`.

  Returns:
    `{"log_and_sign_k": k, "output_scale": scale, "zero_output_layer":
    zero}`, the keyword arguments of `with_net_settings`: the LogAndSign `k`
    and the output scale of the learned nets, each `None` where no learned
    net sets it, and `True` if they start with a zero output layer (`None`
    otherwise, so that the settings of runs recorded before the option
    existed read the same).

  Raises:
    ValueError: If the learned nets' values of a setting differ.
  """
  learned, log_and_sign = _learned_net_options(net_config)
  values = {
      "log_and_sign_k": {options.get("preprocess_options", {}).get("k")
                         for options in log_and_sign},
      "output_scale": {options.get("scale") for options in learned},
      "zero_output_layer": {
          True if options.get("initializer") == ZERO_OUTPUT_LAYER else None
          for options in learned}}
  settings = {}
  for name, found in values.items():
    if len(found) > 1:
      raise ValueError("The learned nets have different {} values: {}."
                       .format(name, sorted(found, key=str)))
    settings[name] = found.pop() if found else None
  return settings


def _cw_net(**net_options):
  """Nets of one coordinatewise LSTM, keyed "cw", taking every variable."""
  def nets(path, original_code):
    del original_code  # The original code's nets.
    return {"cw": {"net": "CoordinateWiseDeepLSTM",
                   "net_options": copy.deepcopy(net_options),
                   "net_path": get_net_path("cw", path)}}, None
  return nets


def _paper_nets(*keys, assignments=None, zero_output_layer=None):
  """Nets of the original's default configuration, one per key, with the
  paper's settings (`PAPER_LOG_AND_SIGN_K`, `PAPER_OUTPUT_SCALE`) and, if
  `zero_output_layer`, a zero output layer, unless the original code's are
  asked for."""
  def nets(path, original_code):
    net_config = {key: get_default_net_config(key, path) for key in keys}
    if not original_code:
      net_config = with_net_settings(net_config, PAPER_LOG_AND_SIGN_K,
                                     PAPER_OUTPUT_SCALE, zero_output_layer)
    return net_config, copy.deepcopy(assignments)
  return nets


def _simple_multi_nets(path, original_code):
  del original_code  # The original code's nets.
  net_config = {
      "cw": {
          "net": "CoordinateWiseDeepLSTM",
          "net_options": {"layers": (), "initializer": "zeros"},
          "net_path": get_net_path("cw", path)
      },
      "adam": {
          "net": "Adam",
          "net_options": {"learning_rate": 0.1}
      }
  }
  return net_config, [("cw", ["x_0"]), ("adam", ["x_1"])]


def _no_data(function: str, **kwargs):
  """A problem without data, the same for every mode and data folder:
  `problems.<function>(**kwargs)` (looked up at each call, not at import)."""
  def problem(mode, data_dir):
    del mode, data_dir  # No data.
    return getattr(problems, function)(**kwargs)
  return problem


_Classifier = problems.Classifier
_Convolution = problems.Convolution
# Keras's default batch size (`model.fit`'s), that of the classifiers a Keras
# user would train; the paper's MNIST MLPs keep its 128.
_KERAS_BATCH_SIZE = 32
# The image classifiers: problem name -> (network, data set, batch size).
# The paper's MNIST MLPs first; then a small convnet and a LeNet-style net on
# MNIST, a logistic regression and an MLP on the 8x8 digits (the
# generalization tasks); the paper's MLP with tanh units. Each is also
# registered as `<name>-glorot`, with the initialization of Keras's layers
# (Glorot-uniform weights, zero biases) instead of the original's N(0, 0.01).
_CLASSIFIERS = {
    "mnist": (_Classifier(hidden=(20,), activation="sigmoid"), "mnist", 128),
    "mnist-wider": (_Classifier(hidden=(40,), activation="sigmoid"), "mnist",
                    128),
    "mnist-deeper": (_Classifier(hidden=(20, 20), activation="sigmoid"),
                     "mnist", 128),
    "mnist-relu": (_Classifier(hidden=(20,), activation="relu"), "mnist",
                   128),
    "mnist-conv": (_Classifier(convolutions=(_Convolution(8, 3),
                                             _Convolution(16, 3)),
                               activation="relu"), "mnist",
                   _KERAS_BATCH_SIZE),
    "mnist-lenet": (_Classifier(convolutions=(_Convolution(6, 5),
                                              _Convolution(16, 5, "VALID")),
                                hidden=(120, 84), activation="relu"),
                    "mnist", _KERAS_BATCH_SIZE),
    "digits-logistic": (_Classifier(), "digits", _KERAS_BATCH_SIZE),
    "digits-mlp": (_Classifier(hidden=(32,), activation="relu"), "digits",
                   _KERAS_BATCH_SIZE),
    # A training task of the families of meta-training, not in the suite.
    "mnist-tanh": (_Classifier(hidden=(20,), activation="tanh"), "mnist",
                   128),
}
# The suffix of the problems with Keras's initialization.
GLOROT_SUFFIX = "-glorot"


class ClassifierProblem(NamedTuple):
  """The arguments of `problems.image_classifier` of a named problem."""
  network: problems.Classifier
  dataset: str
  batch_size: int
  initialization: str


def classifier(problem_name: str) -> ClassifierProblem:
  """The settings of an image classifier problem (a
  `problems.image_classifier` one); `ValueError` for another name."""
  base, initialization = problem_name, "normal"
  if problem_name.endswith(GLOROT_SUFFIX):
    base, initialization = problem_name[:-len(GLOROT_SUFFIX)], "glorot"
  if base not in _CLASSIFIERS:
    raise ValueError("{} is not an image classifier problem; those are: {}."
                     .format(problem_name, ", ".join(_CLASSIFIER_NAMES)))
  return ClassifierProblem(*_CLASSIFIERS[base], initialization)


def _classifier_problem(name):
  """The image classifier problem `name`."""
  def problem(mode, data_dir):
    settings = classifier(name)
    return problems.image_classifier(
        settings.network, settings.dataset, settings.batch_size, mode=mode,
        data_dir=data_dir, initialization=settings.initialization)
  return problem


_CLASSIFIER_NAMES = [name + suffix for suffix in ("", GLOROT_SUFFIX)
                     for name in _CLASSIFIERS]
_PAPER_MNIST_NAMES = ("mnist", "mnist-wider", "mnist-deeper", "mnist-relu")


# The original's CIFAR-10 network.
_CIFAR_CONV_CHANNELS = (16, 16, 16)
_CIFAR_LINEAR_LAYERS = (32,)
# The original downloaded CIFAR-10 into ./cifar10 when no folder was given.
_CIFAR_DEFAULT_PATH = "cifar10"


def _cifar_problem(num_test_classes=None):
  """CIFAR-10, or, with `num_test_classes`, CIFAR-<num_test_classes>:
  evaluated (mode "test") on the first `num_test_classes` labels, trained
  (mode "train") on the other, held-out labels, so that the optimizer never
  trains on the classes it is tested on (the paper's CIFAR-5 and CIFAR-2)."""
  def problem(mode, data_dir):
    classes = None
    if num_test_classes is not None:
      classes = (range(num_test_classes) if mode == "test" else
                 range(num_test_classes, image_datasets.NUM_CLASSES))
      classes = list(classes)
    return problems.cifar10(data_dir or _CIFAR_DEFAULT_PATH,
                            conv_channels=_CIFAR_CONV_CHANNELS,
                            linear_layers=_CIFAR_LINEAR_LAYERS, mode=mode,
                            classes=classes)
  return problem


def _cifar_multi_assignments():
  """Convolution kernels to one net, every other parameter to another."""
  num_conv = len(_CIFAR_CONV_CHANNELS)
  conv_vars = ["conv_net_2d/conv_2d_{}/w".format(i) for i in range(num_conv)]
  fc_vars = ["conv_net_2d/conv_2d_{}/b".format(i) for i in range(num_conv)]
  fc_vars += ["conv_net_2d/batch_norm_{}/offset".format(i)
              for i in range(num_conv)]
  fc_vars += ["mlp/linear_{}/{}".format(i, v)
              for i in range(len(_CIFAR_LINEAR_LAYERS) + 1) for v in "wb"]
  fc_vars += ["mlp/batch_norm/offset"]
  return [("conv", conv_vars), ("fc", fc_vars)]


# The sizes of the "quadratic" problem: 128 quadratics of 10 dimensions.
QUADRATIC_BATCH_SIZE = 128
QUADRATIC_NUM_DIMS = 10

# Problem name -> (nets: (path, original_code) -> (net_config,
#                                                  net_assignments),
#                  problem: (mode, data_dir) -> make_loss).
_CONFIGS = {
    "simple": (_cw_net(layers=(), initializer="zeros"), _no_data("simple")),
    "simple-multi": (_simple_multi_nets, _no_data("simple_multi_optimizer")),
    "quadratic": (_cw_net(layers=(20, 20)),
                  _no_data("quadratic", batch_size=QUADRATIC_BATCH_SIZE,
                           num_dims=QUADRATIC_NUM_DIMS)),
    # With the random output layer, MNIST meta-training can saturate the
    # sigmoid units from the first unrolls and stay at ln 10 (see
    # docs/REPRODUCTION.md); with the zero output layer every seed tried
    # trained.
    **{name: (_paper_nets("cw", zero_output_layer=True),
              _classifier_problem(name))
       for name in _PAPER_MNIST_NAMES},
    "cifar": (_paper_nets("cw"), _cifar_problem()),
    "cifar-multi": (_paper_nets("conv", "fc",
                                assignments=_cifar_multi_assignments()),
                    _cifar_problem()),
    "cifar5": (_paper_nets("cw"), _cifar_problem(5)),
    "cifar2": (_paper_nets("cw"), _cifar_problem(2)),
    # The other image classifiers, after the original's problems.
    **{name: (_paper_nets("cw", zero_output_layer=True),
              _classifier_problem(name))
       for name in _CLASSIFIER_NAMES if name not in _PAPER_MNIST_NAMES},
}

PROBLEM_NAMES: List[str] = list(_CONFIGS)


def _check_problem_name(problem_name: str):
  if problem_name not in _CONFIGS:
    raise ValueError("{} is not a valid problem; valid problems: {}.".format(
        problem_name, ", ".join(PROBLEM_NAMES)))


def get_net_config(problem_name: str, path: Optional[str] = None,
                   original_code: bool = False):
  """Returns the optimizer nets of a named problem, without building it.

  Args:
    problem_name: One of `PROBLEM_NAMES`.
    path: Optional folder of saved nets (`<net key>.l2l`) to load.
    original_code: Whether to return the nets of the original code rather
        than this port's defaults. They differ for the MNIST and CIFAR-10
        problems only, whose nets here have the paper's LogAndSign k and
        output scale (`PAPER_LOG_AND_SIGN_K`, `PAPER_OUTPUT_SCALE`) instead of
        the original code's k = 5 and scale 0.01, and, for the MNIST
        problems, a zero output layer (`ZERO_OUTPUT_LAYER`) instead of the
        original's random one.

  Returns:
    `(net_config, net_assignments)`: the `MetaOptimizer` keyword arguments
    and the `net_assignments`.

  Raises:
    ValueError: For an unknown problem name.
  """
  _check_problem_name(problem_name)
  return _CONFIGS[problem_name][0](path, original_code)


# The data split the optimizees of a data problem train on, for each use,
# decided here for every script:
# - meta-training (train.py and the runs of paper/figures.py and
#   paper/reproduction.py) and bench.py: the training split, as in the
#   original;
# - evaluate.py and the evaluations of paper/reproduction.py's variants: the
#   test split, for every optimizer (the original evaluated a saved optimizer
#   on it; its Adam baseline ran on the training split);
# - the comparisons of paper/figures.py, paper/reproduction.py and
#   generalization.py: `comparison_split`.
TRAINING_SPLIT = "train"
EVALUATION_SPLIT = "test"


def comparison_split(problem_name: str) -> str:
  """The data split the optimizees of a comparison train on: the training
  split, as in meta-training, but for CIFAR-5 and CIFAR-2, whose optimizer
  is compared on the labels it never trained on (their test split)."""
  if problem_name in ("cifar5", "cifar2"):
    return EVALUATION_SPLIT
  return TRAINING_SPLIT


def get_config(problem_name: str, path: Optional[str] = None,
               mode: Optional[str] = None, data_dir: Optional[str] = None):
  """Returns the configuration of a named problem.

  Args:
    problem_name: One of `PROBLEM_NAMES`.
    path: Optional folder of saved nets (`<net key>.l2l`) to load.
    mode: Data split of the data problems, `"train"` or `"test"`; by default,
        as in the original, `TRAINING_SPLIT` without `path` and
        `EVALUATION_SPLIT` with it.
    data_dir: Folder of the data files (MNIST: `mnist.npz` or the IDX files;
        CIFAR-10: the folder holding `cifar-10-batches-bin/`, by default
        `./cifar10`).

  Returns:
    `(problem, net_config, net_assignments)`: the `make_loss` callable, the
    `MetaOptimizer` keyword arguments and the `net_assignments`.

  Raises:
    ValueError: For an unknown problem name, or malformed data files.
    IOError: If a data problem's files cannot be found.
  """
  _check_problem_name(problem_name)
  if mode is None:
    mode = TRAINING_SPLIT if path is None else EVALUATION_SPLIT
  net_config, net_assignments = get_net_config(problem_name, path)
  return (_CONFIGS[problem_name][1](mode, data_dir), net_config,
          net_assignments)


def _dataset_loader(problem_name: str, data_dir: Optional[str]
                    ) -> Optional[Callable[[str], image_datasets.Dataset]]:
  """`mode -> Dataset` of the data set a named problem draws from (the whole
  of it, every class), or `None` for the problems without data."""
  if problem_name in _CLASSIFIER_NAMES:
    load = problems.DATASET_LOADERS[classifier(problem_name).dataset]
    return lambda mode: load(mode, data_dir)
  if problem_name.startswith("cifar"):
    return lambda mode: image_datasets.load_cifar10(
        data_dir or _CIFAR_DEFAULT_PATH, mode)
  return None


def data_digest(problem_name: str, data_dir: Optional[str] = None) -> str:
  """A short digest of the data a named problem trains and is scored on.

  The digest covers the images and labels of both splits, so that it tells
  apart, for instance, the whole MNIST from its offline 5,000-digit sample,
  whatever the files' names and folders.

  Args:
    problem_name: One of `PROBLEM_NAMES`.
    data_dir: Folder of the data files, as for `get_config`.

  Returns:
    12 hexadecimal digits, or `"nodata"` for the problems without data
    (`simple`, `simple-multi`, `quadratic`).

  Raises:
    ValueError: For an unknown problem name, or malformed data files.
    IOError: If the problem's data files cannot be found.
  """
  _check_problem_name(problem_name)
  load = _dataset_loader(problem_name, data_dir)
  if load is None:
    return "nodata"
  digest = hashlib.sha256()
  for mode in ("train", "test"):
    dataset = load(mode)
    for array in (dataset.images, dataset.labels):
      digest.update(str((array.dtype, array.shape)).encode())
      digest.update(np.ascontiguousarray(array).tobytes())
  return digest.hexdigest()[:12]


def get_scores(problem_name: str, mode: str,
               data_dir: Optional[str] = None
              ) -> Optional[problems.MakeScores]:
  """Returns the scorer of a named problem's networks on a whole data split.

  Only the image classifiers (the MNIST and digits problems) have one:
  `problems.image_classifier_scores` of the problem's network. The problems
  without data (`simple`, `simple-multi`, `quadratic`) need none: their loss
  has no minibatch, so the last recorded loss is already the exact final
  loss. The CIFAR problems have none yet (not implemented).

  Args:
    problem_name: One of `PROBLEM_NAMES`.
    mode: Data split to score on, `"train"` or `"test"`.
    data_dir: Folder of the data files, as for `get_config`.

  Returns:
    `make_scores` (see `problems.image_classifier_scores`), or `None`.

  Raises:
    ValueError: For an unknown problem name; for an image classifier, also
        for an unknown mode or malformed data files.
    IOError: If an image classifier's data files cannot be found.
  """
  _check_problem_name(problem_name)
  if problem_name not in _CLASSIFIER_NAMES:
    return None
  settings = classifier(problem_name)
  return problems.image_classifier_scores(
      settings.network, settings.dataset, mode=mode, data_dir=data_dir,
      initialization=settings.initialization)
