# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Analytic FLOP counts of the learned nets and of meta-training epochs.

The counts are those of the matrix products (two FLOPs per multiply-add):
per coordinate and step for a net (`lstm_flops_per_coordinate`,
`rnnprop_flops_per_coordinate`, `net_flops`), and per epoch of
`bench.py`'s phases (`epoch_flops`), with the optimizee's forward pass
from each problem's `forward_flops`.
"""

import networks

# A loss evaluation with its gradient costs about three forward passes.
_FORWARD_AND_GRADIENT = 3


def lstm_flops_per_coordinate(net_options, num_features: int):
  """Matmul FLOPs of a coordinatewise LSTM net for one coordinate and step.

  Args:
    net_options: The net's `net_options` (its `layers`).
    num_features: Inputs per coordinate after preprocessing (2 for
        LogAndSign, 1 for none).

  Returns:
    `(forward, backward)`: the forward pass, and the meta-gradient's
    backward pass (gradients of inputs and weights, but not of the first
    layer's inputs, the preprocessed gradient, which is a constant).
  """
  sizes = [num_features] + list(net_options["layers"])
  forward = sum(2 * (n_in + n_out) * 4 * n_out
                for n_in, n_out in zip(sizes[:-1], sizes[1:]))
  forward += 2 * sizes[-1]  # Linear output layer.
  first_layer_input_gradient = 2 * num_features * 4 * sizes[1] if len(
      sizes) > 1 else 0
  return forward, 2 * forward - first_layer_input_gradient


def rnnprop_flops_per_coordinate(net_options):
  """Matmul FLOPs of an `RNNprop` net for one coordinate and step.

  Args:
    net_options: The net's complete options (`RNNprop.net_options`).

  Returns:
    `(forward, backward)`, as `lstm_flops_per_coordinate`: the input layer
    (features to `input_size` units), the LSTMs and the output layer; the
    backward pass needs the input layer's weight gradients only.
  """
  input_size, layers = net_options["input_size"], net_options["layers"]
  num_features = 2 + len(net_options["momentum_decays"])
  input_layer = 2 * num_features * input_size
  forward, backward = lstm_flops_per_coordinate(net_options, input_size)
  # The LSTMs' backward pass reaches the input layer's outputs.
  lstm_input_gradient = 2 * input_size * 4 * layers[0] if layers else 0
  return (input_layer + forward,
          input_layer + backward + lstm_input_gradient)


def net_flops(config):
  """FLOPs per coordinate and step of the learned net of `config` (its
  `networks.factory` arguments)."""
  if config["net"] == "RNNprop":
    return rnnprop_flops_per_coordinate(
        networks.factory(**config).net_options)
  net_options = config["net_options"]
  num_features = 2 if net_options.get("preprocess_name") == "LogAndSign" else 1
  return lstm_flops_per_coordinate(net_options, num_features)


def epoch_flops(num_coordinates: int, lstm_flops, loss_flops: float,
                phase: str, num_steps: int, unroll_length: int) -> float:
  """Analytic FLOPs of one epoch of `phase` ("train" or "evaluate") of
  `num_steps` steps in unrolls of `unroll_length` (an evaluation run as one
  program, `MetaLoss.run_steps`, is one unroll of `num_steps`)."""
  forward, backward = lstm_flops
  # Each unroll evaluates the loss unroll_length + 1 times, each counted
  # with its gradient (the last, at the final values, has none: a small
  # overcount).
  evaluations = num_steps // unroll_length * (unroll_length + 1)
  if phase == "train":
    # The meta-gradient runs the LSTM backward once per step.
    lstm = num_steps * num_coordinates * (forward + backward)
  else:
    lstm = num_steps * num_coordinates * forward
  return lstm + evaluations * _FORWARD_AND_GRADIENT * loss_flops
