# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Examples of the library in a user's own code, run from the repository
root, e.g. `python -m examples.keras_mnist`."""
