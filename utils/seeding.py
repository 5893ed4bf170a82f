"""Seeding Python, NumPy and the frameworks in one call.

Seeding makes a run repeatable on the same machine and software; it does not make PyTorch and TensorFlow draw
the *same* random numbers (their generators differ). To compare the frameworks, create weights once and copy them
across, as the networks pair does.
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys

import numpy as np

__all__ = ["seed_everything"]


def seed_everything(seed: int = 0, *, deterministic: bool = False) -> list[str]:
    """Seed ``random``, NumPy, and PyTorch / TensorFlow when they are imported.

    A framework is seeded only if the notebook already imported it, so a
    PyTorch notebook never loads TensorFlow through this call (and the reverse).
    With ``deterministic=True`` the frameworks are also asked to use
    deterministic kernels (slower on GPUs; some ops then raise instead).

    Returns the names of what was seeded, so a notebook can print it.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    seeded = ["random", "numpy"]
    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)  # also seeds every CUDA device
        if deterministic:
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            torch.use_deterministic_algorithms(True)
        seeded.append("torch")
    if "tensorflow" in sys.modules or "keras" in sys.modules:
        if importlib.util.find_spec("keras") is not None:
            import keras

            keras.utils.set_random_seed(seed)  # seeds random, numpy and the backend
            seeded.append(f"keras[{keras.backend.backend()}]")
        if "tensorflow" in sys.modules:
            import tensorflow as tf

            tf.random.set_seed(seed)
            if deterministic:
                tf.config.experimental.enable_op_determinism()
            seeded.append("tensorflow")
    return seeded
