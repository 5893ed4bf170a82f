"""utils.data: the shipped digits load and verify."""

import numpy as np
import pytest

from utils import data
from utils.data import DIGITS_FILE, DIGITS_SHA256, DataError, load_digits


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
