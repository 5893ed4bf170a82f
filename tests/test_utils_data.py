"""utils.data: the shipped digits load and verify; downloads are cached and checksum-verified (offline)."""

import gzip
import hashlib
import shutil
import struct
import sys

import numpy as np
import pytest

from utils import data
from utils.data import DIGITS_FILE, DIGITS_SHA256, DataError, fetch, load_digits, read_idx
from utils.servers import BackgroundServer, free_port


def test_shipped_digits_have_the_documented_shapes_and_split():
    d = load_digits()
    assert d.x_train.shape == (1437, 8, 8) and d.x_test.shape == (360, 8, 8)
    assert d.x_train.dtype == np.uint8 and d.y_train.dtype == np.int64
    assert d.x_train.max() == 16 and d.x_train.min() == 0
    assert set(np.unique(d.y_test)) == set(range(10))
    assert data.file_digest(DIGITS_FILE) == DIGITS_SHA256


def test_framework_views_share_values_and_layouts():
    import torch
    images, labels = data.digits_torch("test")
    assert images.shape == (360, 1, 8, 8) and images.dtype == torch.float32  # NCHW
    assert labels.dtype == torch.int64
    assert float(images.max()) == 1.0
    with pytest.raises(ValueError, match="'train' or 'test'"):
        data.digits_torch("validation")


def test_tf_view_is_nhwc_with_the_same_values():
    import tensorflow  # noqa: F401 -- pinned: a broken install fails, never skips
    import torch
    tf_images, tf_labels = data.digits_tf("test")
    torch_images, _ = data.digits_torch("test")
    assert tuple(tf_images.shape) == (360, 8, 8, 1)
    np.testing.assert_array_equal(tf_images.numpy()[..., 0], torch_images.numpy()[:, 0])


def test_missing_file_says_how_to_restore_it(tmp_path):
    with pytest.raises(DataError, match="missing.*git checkout -- data/digits"):
        load_digits(tmp_path / "digits.npz")


def test_damaged_file_is_refused(tmp_path):
    copy = tmp_path / "digits.npz"
    raw = bytearray(DIGITS_FILE.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    copy.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="damaged"):
        load_digits(copy, expected_sha256=DIGITS_SHA256)


def _idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_read_idx_round_trip_and_bad_magic(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "x-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(_idx_bytes(array)))
    np.testing.assert_array_equal(read_idx(path), array)
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(bad)


@pytest.fixture
def local_mirror(tmp_path):
    """A real HTTP server on 127.0.0.1 standing in for a download mirror."""
    root = tmp_path / "mirror"
    root.mkdir()
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(root)]
    with BackgroundServer(command, port) as server:
        yield root, server.url + "/"


def test_fetch_downloads_verifies_and_then_uses_the_cache(tmp_path, local_mirror):
    root, url = local_mirror
    payload = b"pretend this is a dataset"
    (root / "set.bin").write_bytes(payload)
    checksum = "sha256:" + hashlib.sha256(payload).hexdigest()
    cache = tmp_path / "cache"
    first = fetch("set.bin", checksum, [url], cache_dir=cache)
    assert first.read_bytes() == payload
    (root / "set.bin").unlink()  # the mirror loses it: the cache must answer without the network
    assert fetch("set.bin", checksum, ["http://127.0.0.1:9/"], cache_dir=cache) == first
    assert not list(cache.glob("*.part"))


def test_fetch_rejects_a_wrong_checksum_and_tries_the_next_mirror(tmp_path, local_mirror):
    root, url = local_mirror
    (root / "good").mkdir()
    (root / "evil").mkdir()
    (root / "evil" / "set.bin").write_bytes(b"tampered")
    (root / "good" / "set.bin").write_bytes(b"genuine")
    checksum = "md5:" + hashlib.md5(b"genuine").hexdigest()
    with pytest.raises(DataError, match="checksum mismatch"):
        fetch("set.bin", checksum, [url + "evil/"], cache_dir=tmp_path / "c1")
    got = fetch("set.bin", checksum, [url + "missing/", url + "evil/", url + "good/"], cache_dir=tmp_path / "c2")
    assert got.read_bytes() == b"genuine"
    assert not (tmp_path / "c1" / "set.bin").exists(), "a file that failed its checksum must not be cached"


def test_load_mnist_code_path_on_a_local_copy(tmp_path, local_mirror, monkeypatch):
    """The real MNIST loader, pointed at a local mirror holding small files in MNIST's format."""
    root, url = local_mirror
    rng = np.random.default_rng(0)
    files = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28)),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, (5,)),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, (3,)),
    }
    checksums = {}
    for name, array in files.items():
        blob = gzip.compress(_idx_bytes(array))
        (root / name).write_bytes(blob)
        checksums[name] = "md5:" + hashlib.md5(blob).hexdigest()
    monkeypatch.setattr(data, "MNIST_FILES", checksums)
    mnist = data.load_mnist(cache_dir=tmp_path / "cache", mirrors=(url,))
    assert mnist["x_train"].shape == (5, 28, 28) and mnist["y_test"].shape == (3,)
    np.testing.assert_array_equal(mnist["x_test"], files["t10k-images-idx3-ubyte.gz"])


def test_real_mnist_registry_is_complete():
    assert set(data.MNIST_FILES) == {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    }
    assert all(c.startswith("md5:") and len(c) == 36 for c in data.MNIST_FILES.values())
