# Copyright 2026 The learning-to-learn TF2 port authors.
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Tests of fileio.py."""

import os

import pytest

import fileio


def test_write_replaces_the_file(tmp_path):
  filename = tmp_path / "out.csv"
  filename.write_bytes(b"old")
  fileio.write_atomically(str(filename), b"new contents")
  assert filename.read_bytes() == b"new contents"
  assert os.listdir(tmp_path) == ["out.csv"]


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path,
                                                          monkeypatch):
  filename = tmp_path / "cw.l2l"
  filename.write_bytes(b"best optimizer")

  def failing_replace(source, destination):
    raise OSError("disk full")

  monkeypatch.setattr(os, "replace", failing_replace)
  with pytest.raises(OSError, match="disk full"):
    fileio.write_atomically(str(filename), b"half")
  assert filename.read_bytes() == b"best optimizer"
  assert os.listdir(tmp_path) == ["cw.l2l"]
