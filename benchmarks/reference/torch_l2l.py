# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""PyTorch reference of one meta-training epoch, for the benchmark only.

    python benchmarks/reference/torch_l2l.py --problem=mnist --num_epochs=10 \
        [--compile] [--phase=evaluate] [--json=FILE]

An independent implementation of what `bench.py --phases=train` times: an
epoch draws a new problem instance (new optimizee values, zero LSTM states),
then runs `num_steps // unroll_length` unrolls. Each unroll takes
`unroll_length` steps of the learned optimizer,

    g_t = grad f(x_t)   (detached: no second derivatives)
    x_{t+1} = x_t + scale * linear(lstm(preprocess(g_t)))

sums the losses f(x_0), ..., f(x_T) (the final one included) into the
meta-loss, and applies one Adam step of its gradient to the optimizer net.
The optimizee values and the LSTM states carry over to the next unroll,
detached. With `--phase=evaluate`, an epoch is what `bench.py
--phases=evaluate` times: a new instance, then `num_steps` steps of the net
with no meta-gradient, each loss recorded (the loss at the final values
included). The net is coordinatewise: every coordinate of the optimizee is
one row of a single `[num_coordinates, features]` batch through shared
`nn.LSTMCell`s.

Nothing in the repository imports this file; only the benchmark's
comparison runs it. It uses the repository's `image_datasets` module for the
MNIST data, so that both implementations train on the same examples.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

# The repository root, for its `image_datasets` module.
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

# Machine epsilon of float32, the `eps` of the LogAndSign preprocessing.
_EPS = float(np.finfo(np.float32).eps)

# LSTMState: one `(h, c)` pair per LSTM layer, each `[num_coordinates, units]`.
LSTMState = List[Tuple[torch.Tensor, torch.Tensor]]
# A problem's loss: `loss_fn(x)`, `x` the flat optimizee values.
LossFn = Callable[[torch.Tensor], torch.Tensor]


class CoordinatewiseLSTM(nn.Module):
  """Learned optimizer: preprocessing, stacked LSTM cells, linear output.

  Maps the gradient `[num_coordinates]` of the optimizee to its update
  `[num_coordinates]`, every coordinate a batch row of its own.
  """

  def __init__(self, layers: Sequence[int] = (20, 20),
               preprocess_k: Optional[float] = 5.0, scale: float = 0.01):
    """Creates the net.

    Args:
      layers: Units of each LSTM layer.
      preprocess_k: `k` of the LogAndSign preprocessing (2 input features),
          or `None` for the raw gradient (1 input feature).
      scale: Factor applied to the linear layer's output.
    """
    super().__init__()
    self.layers = tuple(layers)
    self.preprocess_k = preprocess_k
    self.scale = scale
    sizes = [1 if preprocess_k is None else 2] + list(self.layers)
    self.cells = nn.ModuleList(
        nn.LSTMCell(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    self.linear = nn.Linear(sizes[-1], 1)

  def initial_state(self, num_coordinates: int,
                    device: torch.device) -> LSTMState:
    """Returns the zero state of every layer for `num_coordinates`."""
    return [(torch.zeros(num_coordinates, units, device=device),
             torch.zeros(num_coordinates, units, device=device))
            for units in self.layers]

  def preprocess(self, gradients: torch.Tensor) -> torch.Tensor:
    """Returns the input features `[num_coordinates, 1 or 2]` of the net.

    LogAndSign (Andrychowicz et al. 2016, appendix A):
    `[max(log(|g| + eps) / k, -1), clip(g * exp(k), -1, 1)]`.
    """
    g = gradients.unsqueeze(-1)
    if self.preprocess_k is None:
      return g
    k = self.preprocess_k
    log = torch.clamp(torch.log(g.abs() + _EPS) / k, min=-1.0)
    sign = torch.clamp(g * math.exp(k), -1.0, 1.0)
    return torch.cat([log, sign], dim=-1)

  def forward(self, gradients: torch.Tensor,
              state: LSTMState) -> Tuple[torch.Tensor, LSTMState]:
    """Computes the update of every coordinate.

    Args:
      gradients: `[num_coordinates]` gradient of the optimizee.
      state: `LSTMState` for `num_coordinates`.

    Returns:
      `(update, next_state)`, `update` shaped `[num_coordinates]`.
    """
    inputs = self.preprocess(gradients)
    next_state = []
    for cell, (h, c) in zip(self.cells, state):
      h, c = cell(inputs, (h, c))
      next_state.append((h, c))
      inputs = h
    return self.linear(inputs).squeeze(-1) * self.scale, next_state


class Problem:
  """An optimizee problem: its flat values and its loss.

  Attributes:
    num_coordinates: Size of the flat optimizee vector `x`.
    net_options: `CoordinatewiseLSTM` arguments of the problem's
        configuration in this repository (`util.get_config`).
  """

  num_coordinates = 0
  net_options = {}

  def reset(self) -> torch.Tensor:
    """Draws a new instance; returns its initial values `[num_coordinates]`."""
    raise NotImplementedError

  def loss(self, x: torch.Tensor) -> torch.Tensor:
    """The scalar loss at `x` (a new random minibatch for data problems)."""
    raise NotImplementedError


class Quadratic(Problem):
  """`f(x) = mean_b ||W_b x_b - y_b||^2` over `batch_size` quadratics.

  `W` and `y` uniform on [0, 1), the initial `x` normal with standard
  deviation `stddev`; the configuration uses no preprocessing and scale 1.
  """

  net_options = {"layers": (20, 20), "preprocess_k": None, "scale": 1.0}

  def __init__(self, device: torch.device, batch_size: int = 128,
               num_dims: int = 10, stddev: float = 0.01,
               compile_loss: bool = False):
    """Creates the problem (call `reset` for an instance).

    Args:
      device: Where the tensors live.
      batch_size: Number of quadratics.
      num_dims: Dimensions of each quadratic.
      stddev: Standard deviation of the initial values.
      compile_loss: Whether to `torch.compile` the loss.
    """
    self.device = device
    self.batch_size = batch_size
    self.num_dims = num_dims
    self.stddev = stddev
    self.num_coordinates = batch_size * num_dims
    self.w = None
    self.y = None
    self._loss = torch.compile(_quadratic_loss) if compile_loss else (
        _quadratic_loss)

  def reset(self) -> torch.Tensor:
    self.w = torch.rand(self.batch_size, self.num_dims, self.num_dims,
                        device=self.device)
    self.y = torch.rand(self.batch_size, self.num_dims, device=self.device)
    return torch.randn(self.num_coordinates, device=self.device) * self.stddev

  def loss(self, x: torch.Tensor) -> torch.Tensor:
    return self._loss(x, self.w, self.y)


def _quadratic_loss(x: torch.Tensor, w: torch.Tensor,
                    y: torch.Tensor) -> torch.Tensor:
  """`mean_b ||w_b x_b - y_b||^2` of flat `x`, `w` `[B, D, D]`, `y` `[B, D]`."""
  product = torch.bmm(w, x.view(y.shape + (1,))).squeeze(-1)
  return ((product - y) ** 2).sum(dim=1).mean()


class MnistMlp(Problem):
  """Mean softmax cross-entropy of an MLP on random MNIST minibatches.

  784 inputs, sigmoid hidden layers, 10 outputs; weights and biases start
  `N(0, 0.01)`. Minibatches are drawn uniformly with replacement at every
  loss evaluation. The configuration is this repository's MNIST net
  (LogAndSign with the paper's k=10, scale 0.1).
  """

  net_options = {"layers": (20, 20), "preprocess_k": 10.0, "scale": 0.1}

  def __init__(self, device: torch.device, hidden: Sequence[int] = (20,),
               batch_size: int = 128, stddev: float = 0.01,
               compile_loss: bool = False):
    """Loads the data and creates the problem (call `reset` for an instance).

    Args:
      device: Where the tensors live.
      hidden: Units of the hidden layers.
      batch_size: Minibatch size.
      stddev: Standard deviation of the initial weights and biases.
      compile_loss: Whether to `torch.compile` the loss.
    """
    if _REPO not in sys.path:
      sys.path.insert(0, _REPO)
    import image_datasets  # pylint: disable=g-import-not-at-top
    data = image_datasets.load_mnist("train")
    self.source = data.source
    images = data.images.reshape(data.images.shape[0], -1)
    self.images = torch.from_numpy(images.astype(np.float32) / 255.0).to(
        device)
    self.labels = torch.from_numpy(data.labels.astype(np.int64)).to(device)
    self.device = device
    self.batch_size = batch_size
    self.stddev = stddev
    sizes = [images.shape[1]] + list(hidden) + [image_datasets.NUM_CLASSES]
    # (weight shape, bias shape) of each layer, as slices of the flat `x`.
    self.shapes = [((n_in, n_out), (n_out,))
                   for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    self.split_sizes = [n for w, b in self.shapes
                        for n in (math.prod(w), math.prod(b))]
    self.num_coordinates = sum(self.split_sizes)
    self._loss = torch.compile(self._mlp_loss) if compile_loss else (
        self._mlp_loss)

  def reset(self) -> torch.Tensor:
    return torch.randn(self.num_coordinates, device=self.device) * self.stddev

  def _mlp_loss(self, x: torch.Tensor, images: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
    """The MLP's mean cross-entropy with the flat parameters `x`."""
    pieces = torch.split(x, self.split_sizes)
    hidden = images
    for i, (w_shape, b_shape) in enumerate(self.shapes):
      w = pieces[2 * i].view(w_shape)
      b = pieces[2 * i + 1].view(b_shape)
      hidden = hidden @ w + b
      if i < len(self.shapes) - 1:
        hidden = torch.sigmoid(hidden)
    return F.cross_entropy(hidden, labels)

  def loss(self, x: torch.Tensor) -> torch.Tensor:
    indices = torch.randint(0, self.images.shape[0], (self.batch_size,),
                            device=self.device)
    return self._loss(x, self.images[indices], self.labels[indices])


def unroll(problem: Problem, net: Callable, x: torch.Tensor,
           state: LSTMState,
           unroll_length: int
          ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, LSTMState]:
  """Runs `unroll_length` optimization steps from `x` and `state`.

  Args:
    problem: The optimizee problem.
    net: The (possibly compiled) `CoordinatewiseLSTM`.
    x: Detached initial values `[num_coordinates]`.
    state: Detached initial `LSTMState`.
    unroll_length: Steps of the unroll.

  Returns:
    `(meta_loss, fx_final, x_final, state_final)`: the sum of the
    `unroll_length + 1` losses f(x_0), ..., f(x_T), differentiable with
    respect to the net's weights, the final loss f(x_T) (detached), and the
    final values and state (not detached).
  """
  meta_loss = 0.0
  for _ in range(unroll_length):
    if not x.requires_grad:  # x_0, a constant of the unroll.
      x = x.requires_grad_()
    fx = problem.loss(x)
    # The gradient is an input of the net, not differentiated further.
    [gradient] = torch.autograd.grad(fx, x, retain_graph=True)
    meta_loss = meta_loss + fx
    update, state = net(gradient.detach(), state)
    x = x + update
  fx = problem.loss(x)
  return meta_loss + fx, fx.detach(), x, state


def run_epoch(problem: Problem, net: Callable, optimizer: torch.optim.Optimizer,
              state_factory: Callable[[], LSTMState], num_steps: int,
              unroll_length: int, device: torch.device) -> Tuple[float, float]:
  """Runs one meta-training epoch.

  Args:
    problem: The optimizee problem.
    net: The (possibly compiled) `CoordinatewiseLSTM`.
    optimizer: The Adam optimizer of the net's weights.
    state_factory: Returns the zero `LSTMState`.
    num_steps: Optimization steps of the epoch.
    unroll_length: Steps per unroll (divides `num_steps`).
    device: The device, synchronized before the clock stops.

  Returns:
    `(seconds, final_loss)`: the wall-clock time of the epoch and the loss
    at the final values of its last unroll.
  """
  start = time.perf_counter()
  x = problem.reset()
  state = state_factory()
  final_loss = None
  for _ in range(num_steps // unroll_length):
    meta_loss, final_loss, x, state = unroll(problem, net, x, state,
                                             unroll_length)
    optimizer.zero_grad(set_to_none=True)
    meta_loss.backward()
    optimizer.step()
    x = x.detach()
    state = [(h.detach(), c.detach()) for h, c in state]
  final_loss = float(final_loss)  # Also waits for the device.
  if device.type == "cuda":
    torch.cuda.synchronize(device)
  return time.perf_counter() - start, final_loss


def run_evaluation_epoch(problem: Problem, net: Callable,
                         state_factory: Callable[[], LSTMState],
                         num_steps: int,
                         device: torch.device) -> Tuple[float, float]:
  """Runs one evaluation epoch: `num_steps` steps of the net from a new
  instance, recording every loss, with no meta-gradient.

  Args:
    problem: The optimizee problem.
    net: The (possibly compiled) `CoordinatewiseLSTM`.
    state_factory: Returns the zero `LSTMState`.
    num_steps: Optimization steps of the epoch.
    device: The device, synchronized before the clock stops.

  Returns:
    `(seconds, final_loss)`: the wall-clock time of the epoch and the loss
    at its final values.
  """
  start = time.perf_counter()
  x = problem.reset()
  state = state_factory()
  losses = []
  for _ in range(num_steps):
    x = x.detach().requires_grad_()
    fx = problem.loss(x)
    [gradient] = torch.autograd.grad(fx, x)
    losses.append(fx.detach())
    with torch.no_grad():
      update, state = net(gradient, state)
      x = x + update
  with torch.no_grad():
    losses.append(problem.loss(x))
  final_loss = float(losses[-1])  # Also waits for the device.
  if device.type == "cuda":
    torch.cuda.synchronize(device)
  return time.perf_counter() - start, final_loss


def _parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
  parser = argparse.ArgumentParser(
      description="PyTorch reference of this repository's meta-training "
      "and evaluation epochs (bench.py's phases).")
  parser.add_argument("--problem", choices=("mnist", "quadratic"),
                      default="mnist", help="Problem to time.")
  parser.add_argument("--num_epochs", type=int, default=10,
                      help="Timed epochs, after one untimed warm-up epoch.")
  parser.add_argument("--num_steps", type=int, default=100,
                      help="Optimization steps per epoch.")
  parser.add_argument("--unroll_length", type=int, default=20,
                      help="Steps per unroll.")
  parser.add_argument("--learning_rate", type=float, default=0.001,
                      help="Adam learning rate of the net (train.py's).")
  parser.add_argument("--phase", choices=("train", "evaluate"),
                      default="train", help="Which epoch to time: "
                      "meta-training or evaluation (bench.py's phases).")
  parser.add_argument("--compile", action="store_true",
                      help="torch.compile the net and the loss function.")
  parser.add_argument("--device", default="cpu",
                      help="Torch device (default cpu).")
  parser.add_argument("--seed", type=int, default=None,
                      help="Random seed (default: unseeded).")
  parser.add_argument("--verbose", action="store_true",
                      help="Print every epoch's time and final loss.")
  parser.add_argument("--json", default=None,
                      help="File to write the results to as JSON "
                      "('-': stdout).")
  args = parser.parse_args(argv)
  for name in ("num_epochs", "num_steps", "unroll_length"):
    if getattr(args, name) < 1:
      parser.error("--{} must be positive.".format(name))
  if args.num_steps % args.unroll_length:
    parser.error("--unroll_length must divide --num_steps.")
  return args


def main(argv: Optional[Sequence[str]] = None) -> dict:
  """Times the epochs; prints a line and returns (and optionally writes) the
  result dict."""
  args = _parse_args(argv)
  if args.seed is not None:
    torch.manual_seed(args.seed)
  device = torch.device(args.device)
  if args.compile:
    # The compiled loss's backward runs with retain_graph=True (the
    # meta-loss differentiates the same graph again), which buffers donated
    # to the backward pass forbid in the PyTorch releases that have them.
    from torch._functorch import config  # pylint: disable=g-import-not-at-top
    config.donated_buffer = False
  problem_class = {"mnist": MnistMlp, "quadratic": Quadratic}[args.problem]
  problem = problem_class(device, compile_loss=args.compile)
  net = CoordinatewiseLSTM(**problem.net_options).to(device)
  optimizer = torch.optim.Adam(net.parameters(), lr=args.learning_rate,
                               betas=(0.9, 0.999), eps=1e-8)
  run_net = torch.compile(net) if args.compile else net

  def state_factory():
    return net.initial_state(problem.num_coordinates, device)

  def epoch():
    if args.phase == "evaluate":
      return run_evaluation_epoch(problem, run_net, state_factory,
                                  args.num_steps, device)
    return run_epoch(problem, run_net, optimizer, state_factory,
                     args.num_steps, args.unroll_length, device)

  warmup_s, warmup_loss = epoch()
  if args.verbose:
    print("warm-up: {:.3f} s, final loss {:.4g}".format(warmup_s,
                                                        warmup_loss))
  times, losses = [], []
  for i in range(args.num_epochs):
    seconds, final_loss = epoch()
    times.append(seconds)
    losses.append(final_loss)
    if args.verbose:
      print("epoch {}: {:.3f} s, final loss {:.4g}".format(i, seconds,
                                                          final_loss))
  mode = "compile" if args.compile else "eager"
  result = {
      "impl": "torch.compile" if args.compile else "torch eager",
      "problem": args.problem,
      "phase": args.phase,
      "epoch_s_median": statistics.median(times),
      "epoch_s_min": min(times),
      "epoch_s_max": max(times),
      "epochs": args.num_epochs,
      "num_coordinates": problem.num_coordinates,
      "torch_version": torch.__version__,
      "threads": torch.get_num_threads(),
  }
  print("torch {} {}: {:.3f} s/epoch (min {:.3f}, max {:.3f}), {}".format(
      args.problem, args.phase, result["epoch_s_median"], result["epoch_s_min"],
      result["epoch_s_max"], mode))
  if args.json == "-":
    json.dump(result, sys.stdout, indent=1)
    print()
  elif args.json:
    with open(args.json, "w") as f:
      json.dump(result, f, indent=1)
  return result


if __name__ == "__main__":
  main()
