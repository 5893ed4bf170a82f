"""Loading the data shipped in ``data/``, and downloading a larger set for online users.

The course runs offline: every notebook uses :func:`load_digits`, the 8x8
handwritten digits shipped in ``data/digits/`` (see ``data/README.md``). Its
checksum is verified on every load, so a damaged file fails loudly instead of
training on garbage.

:func:`fetch` and :func:`load_mnist` are the real download path for learners
who are online: a cached, checksum-verified download of MNIST. The tests run
them against a local copy, never the internet.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
import tempfile
import urllib.request
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
    "fetch",
    "read_idx",
    "load_mnist",
    "MNIST_FILES",
    "MNIST_MIRRORS",
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


# -- downloading (for online users; tested offline) ---------------------------------

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
# The MD5 checksums published with MNIST and used by torchvision.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "md5:9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "md5:ec29112dd5afa0611ce80d1b7f02629c",
}


def default_cache_dir() -> Path:
    """``$COURSE_DATA_CACHE``, else ``~/.cache/pytorch-vs-tensorflow``."""
    return Path(os.environ.get("COURSE_DATA_CACHE", Path.home() / ".cache" / "pytorch-vs-tensorflow"))


def _checks_out(path: Path, checksum: str) -> bool:
    algorithm, _, expected = checksum.partition(":")
    if not expected:
        raise ValueError(f"checksum must look like 'sha256:<hex>' or 'md5:<hex>', got {checksum!r}")
    return file_digest(path, algorithm) == expected.lower()


def fetch(
    filename: str,
    checksum: str,
    mirrors: tuple[str, ...] | list[str],
    cache_dir: str | os.PathLike | None = None,
    timeout_s: float = 60.0,
) -> Path:
    """Return a verified local copy of ``filename``, downloading it only if needed.

    The file is looked for in ``cache_dir`` first; if absent or damaged it is
    downloaded from each mirror in turn into a temporary file, verified against
    ``checksum`` (``"sha256:<hex>"`` or ``"md5:<hex>"``), and only then moved
    into the cache. A second call never touches the network.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / filename
    if target.is_file() and _checks_out(target, checksum):
        return target
    errors = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        handle, tmp_name = tempfile.mkstemp(dir=cache, prefix=filename + ".", suffix=".part")
        os.close(handle)
        tmp = Path(tmp_name)
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as response, open(tmp, "wb") as out:
                shutil.copyfileobj(response, out)
            if not _checks_out(tmp, checksum):
                errors.append(f"{url}: checksum mismatch")
                continue
            tmp.replace(target)
            return target
        except OSError as err:
            errors.append(f"{url}: {err}")
        finally:
            tmp.unlink(missing_ok=True)
    raise DataError(
        f"Could not get a verified copy of {filename}. Tried:\n  " + "\n  ".join(errors) +
        "\nIf you are offline, use the shipped digits (utils.data.load_digits) instead."
    )


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (MNIST's format), gzipped or not, into a NumPy array."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as stream:
        header = stream.read(4)
        if len(header) != 4 or header[0] != 0 or header[1] != 0:
            raise DataError(f"{path} is not an IDX file (bad magic number {header!r})")
        dtype = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}.get(header[2])
        if dtype is None:
            raise DataError(f"{path}: unknown IDX data type 0x{header[2]:02x}")
        shape = struct.unpack(">" + "I" * header[3], stream.read(4 * header[3]))
        data = np.frombuffer(stream.read(), dtype=dtype)
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path}: header says shape {shape} but the file holds {data.size} values")
    return data.reshape(shape)


def load_mnist(cache_dir: str | os.PathLike | None = None, mirrors=MNIST_MIRRORS) -> dict[str, np.ndarray]:
    """Download (once) and load MNIST: ``{'x_train', 'y_train', 'x_test', 'y_test'}`` as uint8 arrays.

    Needs the internet on first use; the course itself never calls it.
    """
    paths = {name: fetch(name, checksum, mirrors, cache_dir) for name, checksum in MNIST_FILES.items()}
    return {
        "x_train": read_idx(paths["train-images-idx3-ubyte.gz"]),
        "y_train": read_idx(paths["train-labels-idx1-ubyte.gz"]),
        "x_test": read_idx(paths["t10k-images-idx3-ubyte.gz"]),
        "y_test": read_idx(paths["t10k-labels-idx1-ubyte.gz"]),
    }
