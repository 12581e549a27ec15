# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Test setup: the flat modules are imported from the repository root, and
nothing reaches the network.

Downloads go through `urllib`, which honours the proxy variables: pointing
them at a closed port of this machine makes every download fail at once,
in the tests and in the scripts they run as subprocesses.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BLOCKED_PROXY = "http://127.0.0.1:9"
for _variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
  os.environ[_variable] = BLOCKED_PROXY
for _variable in ("no_proxy", "NO_PROXY"):
  os.environ.pop(_variable, None)
