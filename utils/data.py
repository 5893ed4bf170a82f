"""Loading the data shipped in ``data/``.

The course runs offline: every notebook uses :func:`load_digits`, the 8x8 handwritten digits shipped in
``data/digits/`` (see ``data/README.md``). Its checksum is verified on every load, so a damaged file fails loudly
instead of training on garbage.

A learner who wants a larger set online has the frameworks' own cached, checksum-verified downloaders:
``keras.datasets.mnist.load_data()``, or ``torch.hub.download_url_to_file(url, dst, hash_prefix=...)`` for any file.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import DATA_DIR

__all__ = [
    "DataError",
    "Digits",
    "DIGITS_FILE",
    "DIGITS_SHA256",
    "load_digits",
    "digits_torch",
    "digits_tf",
    "file_digest",
]

DIGITS_FILE = DATA_DIR / "digits" / "digits.npz"
DIGITS_SHA256 = "65814606a0b483c7beedf4d16e67d8c2136717414f66210296dbca6f2d228e1b"


class DataError(RuntimeError):
    """A data file is missing, damaged, or could not be downloaded."""


@dataclass(frozen=True)
class Digits:
    """The shipped digits, split once and for all (the split is stored in the file)."""

    x_train: np.ndarray  # uint8, (1437, 8, 8), pixel values 0..16
    y_train: np.ndarray  # int64, (1437,)
    x_test: np.ndarray  # uint8, (360, 8, 8)
    y_test: np.ndarray  # int64, (360,)

    max_value = 16  # the pixel scale of this dataset; divide by it to get [0, 1]
    num_classes = 10


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in blocks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_digits(path: str | os.PathLike | None = None, *, expected_sha256: str | None = None) -> Digits:
    """Load the shipped digits as NumPy arrays (framework-neutral).

    The shipped file is checked against its sha256 on every load (pass ``path`` to
    load another copy, and ``expected_sha256`` to check that one too). Raises
    :class:`DataError` with what to do when the file is missing or damaged.
    """
    if path is None:
        path, expected_sha256 = DIGITS_FILE, DIGITS_SHA256
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"The digits file {path} is missing. It ships with the course: restore it with "
            "'git checkout -- data/digits' (or re-create it with 'python data/make_digits.py', "
            "which needs scikit-learn)."
        )
    if expected_sha256 is not None:
        actual = file_digest(path)
        if actual != expected_sha256:
            raise DataError(
                f"The digits file {path} is damaged (sha256 {actual[:12]}..., expected "
                f"{expected_sha256[:12]}...). Restore it with 'git checkout -- data/digits'."
            )
    with np.load(path, allow_pickle=False) as npz:
        images, labels, is_test = npz["images"], npz["labels"].astype(np.int64), npz["is_test"]
    return Digits(images[~is_test], labels[~is_test], images[is_test], labels[is_test])


def digits_torch(split: str = "train", device=None):
    """The digits as PyTorch tensors: images ``float32 (N, 1, 8, 8)`` in [0, 1] (NCHW), labels ``int64``."""
    import torch

    x, y = _split(load_digits(), split)
    images = torch.from_numpy(x.astype(np.float32) / Digits.max_value).unsqueeze(1)
    labels = torch.from_numpy(y)
    if device is not None:
        images, labels = images.to(device), labels.to(device)
    return images, labels


def digits_tf(split: str = "train"):
    """The digits as TensorFlow tensors: images ``float32 (N, 8, 8, 1)`` in [0, 1] (NHWC), labels ``int64``."""
    import tensorflow as tf

    x, y = _split(load_digits(), split)
    images = tf.constant(x.astype(np.float32)[..., None] / Digits.max_value)
    return images, tf.constant(y)


def _split(digits: Digits, split: str):
    if split == "train":
        return digits.x_train, digits.y_train
    if split == "test":
        return digits.x_test, digits.y_test
    raise ValueError(f"split must be 'train' or 'test', got {split!r}")
