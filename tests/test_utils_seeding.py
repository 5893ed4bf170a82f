"""utils.seeding: the same seed gives the same draws; a different seed does not."""

import random

import numpy as np
import pytest
import torch

from utils.seeding import seed_everything


def _draws():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_same_seed_same_draws_different_seed_different_draws():
    seed_everything(123)
    first = _draws()
    seed_everything(123)
    assert _draws() == first
    seed_everything(124)
    assert _draws() != first


def test_reports_what_it_seeded():
    seeded = seed_everything(0)
    assert {"random", "numpy", "torch"} <= set(seeded)


def test_seeds_tensorflow_when_imported():
    import tensorflow as tf

    seed_everything(7)
    a = tf.random.uniform([3]).numpy()
    seed_everything(7)
    b = tf.random.uniform([3]).numpy()
    np.testing.assert_array_equal(a, b)
    assert "tensorflow" in seed_everything(7)


@pytest.mark.parametrize("bad", [-1, 1.5, "0"])
def test_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="non-negative int"):
        seed_everything(bad)
