"""Timing a callable honestly: warm-up, repeats, median, device synchronisation.

Built on :mod:`timeit` (the standard library's timer, which also switches off
garbage collection while timing). Two things a home-made ``time.time()`` loop
gets wrong, and this gets right:

* **Warm-up.** The first calls of a ``tf.function`` or ``torch.compile`` model
  trace and compile; they are excluded.
* **Asynchronous devices.** GPU kernels are queued, not finished, when a Python
  call returns. ``sync`` is called before the clock stops: ``"torch"`` waits for
  the CUDA stream; ``"tf"`` fetches the result to the host (TensorFlow has no
  public stream-synchronise call, and ``.numpy()`` blocks until it is ready).

Timings belong in notebooks and benchmark scripts, as ratios measured in the
same run. Never assert on them in a test.
"""

from __future__ import annotations

import statistics
import timeit
from dataclasses import dataclass
from typing import Any, Callable, Iterable

__all__ = ["Timing", "measure", "ratio_table"]


@dataclass(frozen=True)
class Timing:
    """The result of :func:`measure`: seconds per call."""

    label: str
    median_s: float
    iqr_s: float
    repeats: int
    calls_per_repeat: int

    @property
    def median_ms(self) -> float:
        return self.median_s * 1e3

    def __str__(self) -> str:
        return (
            f"{self.label}: {self.median_ms:.3f} ms per call "
            f"(median of {self.repeats} x {self.calls_per_repeat} calls, IQR {self.iqr_s * 1e3:.3f} ms)"
        )


def _sync_function(sync: str | Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    if sync is None:
        return lambda result: None
    if callable(sync):
        return sync
    if sync == "torch":
        import torch

        def torch_sync(result):
            if torch.cuda.is_available():
                torch.cuda.synchronize()

        return torch_sync
    if sync == "tf":

        def tf_sync(result):
            # Materialise every tensor in the result on the host.
            import tensorflow as tf

            for item in tf.nest.flatten(result):
                if hasattr(item, "numpy"):
                    item.numpy()

        return tf_sync
    raise ValueError(f"sync must be None, 'torch', 'tf' or a callable, got {sync!r}")


def measure(
    fn: Callable[[], Any],
    *,
    label: str = "",
    warmup: int = 3,
    repeats: int = 7,
    number: int | None = None,
    min_time_s: float = 0.05,
    sync: str | Callable[[Any], Any] | None = None,
) -> Timing:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeats`` timed batches.

    Each batch runs ``number`` calls (chosen automatically so that a batch
    lasts at least ``min_time_s``) and is followed by ``sync``. Returns the
    median and inter-quartile range of the per-call time over the batches.
    """
    if repeats < 3:
        raise ValueError("repeats must be at least 3 for a median and an IQR to mean anything")
    if warmup < 1:
        raise ValueError("warmup must be at least 1: first calls trace, compile and allocate")
    do_sync = _sync_function(sync)
    for _ in range(warmup):
        do_sync(fn())

    def batch():
        result = None
        for _ in range(n):
            result = fn()
        do_sync(result)

    timer = timeit.Timer(batch)
    n = 1
    if number is None:
        # Grow the batch until it lasts min_time_s (like timeit.autorange).
        while True:
            elapsed = timer.timeit(number=1)
            if elapsed >= min_time_s or n >= 1_000_000:
                break
            n = max(n * 2, int(n * min_time_s / max(elapsed, 1e-9) * 1.2))
    else:
        n = number
    totals = timer.repeat(repeat=repeats, number=1)
    per_call = sorted(t / n for t in totals)
    q1, _, q3 = statistics.quantiles(per_call, n=4)
    return Timing(label or getattr(fn, "__name__", "fn"), statistics.median(per_call), q3 - q1, repeats, n)


def ratio_table(timings: Iterable[Timing], baseline: Timing | None = None) -> str:
    """A plain-text table of timings and their ratio to ``baseline`` (default: the first)."""
    rows = list(timings)
    if not rows:
        raise ValueError("no timings to tabulate")
    base = baseline or rows[0]
    width = max(len(t.label) for t in rows + [base])
    lines = [f"{'what':<{width}}  {'median ms':>10}  {'IQR ms':>8}  {'speed-up vs ' + base.label}"]
    for t in rows:
        lines.append(
            f"{t.label:<{width}}  {t.median_ms:>10.3f}  {t.iqr_s * 1e3:>8.3f}  {base.median_s / t.median_s:>6.2f}x"
        )
    return "\n".join(lines)
