# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Benchmarks beside `bench.py` (which stays in the repository root): its
sweeps over sizes (`bench_sweep`, run as `python -m benchmarks.bench_sweep`),
the learned optimizer's step in `model.fit` against Adam's (`drop_in`), and
the independent PyTorch implementation `bench.py` is compared with
(`reference/torch_l2l.py`, a script with its own requirements)."""
