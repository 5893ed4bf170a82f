"""What the two training scripts share, with no framework in it: arguments, their checks, data, first weights.

Both ``ddp_train.py`` (PyTorch) and ``tf_train.py`` (TensorFlow) train the same MLP (64 -> 128 -> 128 -> 10,
ReLU, softmax cross-entropy, plain SGD) on the same global batches of the shipped digits, from the same
starting weights, so their losses can be compared with single-process training and with each other.

Bad input stops a script before it imports its framework, with one line on stderr that says what is wrong
and exit status 2 (:class:`UsageError`), so a learner sees the cause, not a traceback from a collective.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from pathlib import Path

import numpy as np

from utils.data import load_digits

LAYERS = (64, 128, 128, 10)
EXIT_USAGE = 2


class UsageError(ValueError):
    """An argument that cannot work (batch not divisible by the world size, a port in use, ...)."""


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--global-batch", type=int, default=64, help="samples per step, summed over all workers")
    parser.add_argument("--steps", type=int, default=5, help="recorded training steps (losses, gradients)")
    parser.add_argument("--timed-steps", type=int, default=0, help="extra steps after those, timed (samples/s)")
    parser.add_argument("--lr", type=float, default=0.1, help="SGD learning rate")
    parser.add_argument(
        "--step-sleep",
        type=float,
        default=0.0,
        help="seconds to sleep after each timed step (only to give a fault demo time to act)",
    )
    parser.add_argument("--out", type=Path, help="rank 0 writes its record here (.npz)")
    return parser


def check_batch(global_batch: int, world_size: int, steps: int) -> int:
    """The per-worker batch; raise :class:`UsageError` unless the global batch splits evenly."""
    if world_size < 1:
        raise UsageError(f"world size must be at least 1, got {world_size}")
    if global_batch < 1 or steps < 1:
        raise UsageError(f"--global-batch and --steps must be positive, got {global_batch} and {steps}")
    if global_batch % world_size:
        raise UsageError(
            f"--global-batch {global_batch} is not divisible by the world size {world_size}: "
            f"each worker must get the same number of samples (try {global_batch - global_batch % world_size} "
            f"or {global_batch + world_size - global_batch % world_size})"
        )
    return global_batch // world_size


def check_port_free(host: str, port: int) -> None:
    """Raise :class:`UsageError` if ``host:port`` cannot be bound here (in use, or not this machine's address)."""
    if not 0 < port < 65536:
        raise UsageError(f"port {port} is not a TCP port (1-65535)")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as err:
            raise UsageError(
                f"cannot listen on {host}:{port} ({err.strerror}): another process uses the port, "
                f"or {host} is not an address of this machine; pick a free port"
            ) from None


def fail(err: UsageError) -> None:
    print(f"error: {err}", file=sys.stderr, flush=True)
    sys.exit(EXIT_USAGE)


def global_batches(global_batch: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """``steps`` global batches of the shipped training digits: x float32 (steps, B, 64) in [0, 1], y int64."""
    digits = load_digits()
    n = global_batch * steps
    order = np.random.default_rng(0).permutation(len(digits.y_train))
    order = np.resize(order, n)  # wraps around when more samples are asked than there are
    x = digits.x_train[order].reshape(n, 64).astype(np.float32) / digits.max_value
    return x.reshape(steps, global_batch, 64), digits.y_train[order].reshape(steps, global_batch)


def shard(batch: np.ndarray, rank: int, world_size: int) -> np.ndarray:
    """Worker ``rank``'s contiguous slice of a global batch (first axis)."""
    per = len(batch) // world_size
    return batch[rank * per : (rank + 1) * per]


def initial_weights() -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) per layer, W shaped (in, out), He-uniform from a fixed seed: both frameworks start here."""
    rng = np.random.default_rng(0)
    weights = []
    for fan_in, fan_out in zip(LAYERS[:-1], LAYERS[1:]):
        bound = np.sqrt(6.0 / fan_in)
        weights.append(
            (rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32), np.zeros(fan_out, np.float32))
        )
    return weights


def parameter_count() -> int:
    return sum(i * o + o for i, o in zip(LAYERS[:-1], LAYERS[1:]))


class Clock:
    """Wall time of the timed steps only (start-up, imports and connecting are not in it)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.started


def write_record(path: Path, **arrays) -> None:
    """Save the record as .npz (numbers) beside a readable .json (scalars and short lists)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{k: np.asarray(v) for k, v in arrays.items()})
    small = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in arrays.items() if np.asarray(v).size <= 64}
    path.with_suffix(".json").write_text(json.dumps(small, indent=1, default=float))
