# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Writes small MNIST, CIFAR-10 and 8x8 digits files in the real formats, for
tests.

Every image is filled with a value that encodes its label
(`pixel = LABEL_PIXEL_STEP * label + offset`), so that tests can check that
images and labels stay aligned, and the test split is offset from the
training split.
"""

import gzip
import os

import numpy as np

LABEL_PIXEL_STEP = 20
TEST_OFFSET = 5  # Added to the pixels of the test split.


def labelled_images(num_examples, shape, offset, seed=0):
  labels = np.random.default_rng(seed).integers(0, 10, num_examples)
  images = np.empty((num_examples,) + shape, np.uint8)
  images[...] = (LABEL_PIXEL_STEP * labels + offset).reshape(
      (-1,) + (1,) * len(shape))
  return images, labels.astype(np.uint8)


def idx_bytes(array):
  """The IDX encoding of a uint8 array."""
  header = (0x800 + array.ndim).to_bytes(4, "big") + b"".join(
      d.to_bytes(4, "big") for d in array.shape)
  return header + array.astype(np.uint8).tobytes()


def write_mnist_idx(folder, num_train=60, num_test=30):
  for mode, n, offset in (("train", num_train, 0),
                          ("t10k", num_test, TEST_OFFSET)):
    images, labels = labelled_images(n, (28, 28), offset)
    for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
      with gzip.open(os.path.join(folder, "{}-{}-ubyte.gz".format(
          mode, kind)), "wb") as f:
        f.write(idx_bytes(array))


def write_mnist_npz(folder, num_train=60, num_test=30):
  x_train, y_train = labelled_images(num_train, (28, 28), 0)
  x_test, y_test = labelled_images(num_test, (28, 28), TEST_OFFSET)
  np.savez(os.path.join(folder, "mnist.npz"), x_train=x_train,
           y_train=y_train, x_test=x_test, y_test=y_test)


def cifar_bytes(images, labels):
  """CIFAR-10 binary records: label byte, then channel-major pixels."""
  channel_major = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
  return np.concatenate([labels[:, None], channel_major], axis=1).tobytes()


def write_cifar10(path, per_batch=20, num_test=20):
  folder = os.path.join(path, "cifar-10-batches-bin")
  os.makedirs(folder, exist_ok=True)
  for i in range(1, 6):
    images, labels = labelled_images(per_batch, (32, 32, 3), 0, seed=i)
    images[..., 1] += 1  # Distinct channels check the channel order.
    images[..., 2] += 2
    with open(os.path.join(folder, "data_batch_{}.bin".format(i)), "wb") as f:
      f.write(cifar_bytes(images, labels))
  images, labels = labelled_images(num_test, (32, 32, 3), TEST_OFFSET)
  with open(os.path.join(folder, "test_batch.bin"), "wb") as f:
    f.write(cifar_bytes(images, labels))


def write_digits(folder, num_rows=60):
  """A `digits.csv.gz` of scikit-learn's format: 64 pixel columns 0-16,
  then the label. Every pixel of a row is its label (0-9, a valid pixel
  value), so that tests can check the alignment after the shuffle."""
  labels = np.random.default_rng(0).integers(0, 10, num_rows)
  rows = np.concatenate([np.repeat(labels[:, None], 64, axis=1),
                         labels[:, None]], axis=1)
  filename = os.path.join(folder, "digits.csv.gz")
  with gzip.open(filename, "wt") as f:
    f.write("\n".join(",".join(str(v) for v in row) for row in rows) + "\n")
  return filename
