# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The paper's experiments: its figures (`figures`), the experiments behind
the shipped MNIST optimizer (`reproduction`) and the watched meta-training
they use (`diagnosis`). Run from the repository root, e.g. `python -m
paper.figures --quick --output_dir=/tmp/figures`; they import the library
modules of the root."""
