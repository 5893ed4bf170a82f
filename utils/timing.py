"""Timing a callable honestly: warm-up, repeats, median, device synchronisation.

Built on :mod:`timeit` (the standard library's timer, which also switches off garbage collection while timing).
Two things a home-made ``time.time()`` loop gets wrong, and this gets right:

* **Warm-up.** The first calls of a ``tf.function`` or ``torch.compile`` model trace and compile; they are excluded.
* **Asynchronous devices.** GPU kernels are queued, not finished, when a Python call returns. ``sync`` is called
  before the clock stops: ``"torch"`` waits for the CUDA stream and, on Apple silicon, the ``mps`` queue; ``"tf"``
  fetches the result to the host (TensorFlow has no public stream-synchronise call, and ``.numpy()`` blocks until
  it is ready).

A measurement also says when it cannot be trusted. :attr:`Timing.unreliable` lists the reasons, and
``str(timing)`` and :func:`ratio_table` print them on a line starting with ``UNRELIABLE`` (:data:`UNRELIABLE_MARK`):

* the inter-quartile range of the batches (quartiles as ``numpy.percentile`` computes them:
  ``statistics.quantiles(..., method="inclusive")``; on 3 batches that is half their range) is more than
  :data:`IQR_LIMIT` (0.25) times the median: a quarter of the batches disagree with the middle by that much, so a
  ratio of two such rows is not worth two digits;
* the 1-minute load average (:func:`os.getloadavg`, sampled before and after the timed batches, the larger kept)
  was above :data:`LOAD_PER_CORE_LIMIT` (1.5) times the number of CPU cores: more tasks were queuing than the
  cores could run, so the numbers measure contention. Why 1.5 and not 1: the average counts the measuring
  process's own threads (a benchmark using both cores of a quiet 2-core machine holds the load near 2 by itself)
  and lags by a minute (the compile just before a timing still counts); at 1.0 a quiet machine would flag itself.

``tools/build_notebooks.py`` refuses to store a notebook whose outputs contain the mark, and
``tests/test_structure.py`` checks that no stored output does. Timings belong in notebooks and benchmark scripts,
as ratios measured in the same run. Never assert on them in a test.
"""

from __future__ import annotations

import json
import os
import statistics
import timeit
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from utils import REPO_ROOT

__all__ = [
    "IQR_LIMIT",
    "LOAD_PER_CORE_LIMIT",
    "UNRELIABLE_MARK",
    "Timing",
    "busy_share",
    "product_times",
    "load_average",
    "measure",
    "ratio_table",
    "read_ratio",
    "fastest_probe",
    "still_quiet",
    "wait_until_quiet",
]

#: A timing whose IQR exceeds this fraction of its median is flagged unreliable.
IQR_LIMIT = 0.25
#: A timing measured while the 1-minute load average exceeded this many tasks per core is flagged unreliable.
LOAD_PER_CORE_LIMIT = 1.5
#: The word that starts every warning line; the build tool and the structure test look for it.
UNRELIABLE_MARK = "UNRELIABLE"
#: Per machine, the fastest probe (:func:`product_times`) it has had (git-ignored): a host slow all along is not quiet.
QUIET_REFERENCE = REPO_ROOT / "artifacts" / "quiet-host.json"


def load_average() -> float | None:
    """The 1-minute load average, or None where the platform has none (Windows)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


@dataclass(frozen=True)
class Timing:
    """The result of :func:`measure`: seconds per call."""

    label: str
    median_s: float
    iqr_s: float
    repeats: int
    calls_per_repeat: int
    #: the highest 1-minute load average seen while measuring (None: not known)
    load_average: float | None = None
    #: the machine's CPU cores when measured (None: not known)
    cpu_count: int | None = None

    @property
    def median_ms(self) -> float:
        return self.median_s * 1e3

    @property
    def unreliable(self) -> list[str]:
        """Why this timing should not be trusted; empty when nothing is wrong."""
        reasons = []
        if self.median_s > 0 and self.iqr_s > IQR_LIMIT * self.median_s:
            reasons.append(
                f"IQR {self.iqr_s * 1e3:.3f} ms is {self.iqr_s / self.median_s:.2f}x the median (limit {IQR_LIMIT}x)"
            )
        return reasons + load_reasons(self.load_average, self.cpu_count)

    @property
    def warning(self) -> str:
        """One line starting with UNRELIABLE_MARK, or "" when the timing is fine."""
        return warning_line(self.label, self.unreliable)

    def __str__(self) -> str:
        text = (
            f"{self.label}: {self.median_ms:.3f} ms per call "
            f"(median of {self.repeats} x {self.calls_per_repeat} calls, IQR {self.iqr_s * 1e3:.3f} ms)"
        )
        return text + ("\n" + self.warning if self.warning else "")


def load_reasons(load: float | None, cpu_count: int | None) -> list[str]:
    """[why] when the machine was too busy for a timing to be trusted (every course timing uses this rule)."""
    if load is None or not cpu_count or load <= LOAD_PER_CORE_LIMIT * cpu_count:
        return []
    return [f"load average {load:.1f} on {cpu_count} cores (limit {LOAD_PER_CORE_LIMIT * cpu_count:g})"]


def warning_line(label: str, reasons: list[str]) -> str:
    """The one UNRELIABLE line of the course (tools/build_notebooks.py looks for it), or "" without reasons."""
    return f"{UNRELIABLE_MARK} ({label}): " + "; ".join(reasons) + ". Re-run on a quiet machine." if reasons else ""


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
            # Apple GPUs queue their kernels too; torch.mps.synchronize waits for them.
            mps = getattr(torch.backends, "mps", None)
            if mps is not None and mps.is_available():
                torch.mps.synchronize()

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
    loads = [load_average()]
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
    loads.append(load_average())
    per_call = sorted(t / n for t in totals)
    # inclusive = numpy.percentile's default; the exclusive default extrapolates to the extremes on a few batches
    q1, _, q3 = statistics.quantiles(per_call, n=4, method="inclusive")
    known = [x for x in loads if x is not None]
    return Timing(
        label or getattr(fn, "__name__", "fn"),
        statistics.median(per_call),
        q3 - q1,
        repeats,
        n,
        load_average=max(known) if known else None,
        cpu_count=os.cpu_count(),
    )


def ratio_table(timings: Iterable[Timing], baseline: Timing | None = None) -> str:
    """A plain-text table of timings and their ratio to ``baseline`` (default: the first).

    Rows that :attr:`Timing.unreliable` flags get a warning line under the table.
    """
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
    seen = set()
    for t in rows + [base]:
        if t.warning and id(t) not in seen:
            seen.add(id(t))
            lines.append(t.warning)
    return "\n".join(lines)


def read_ratio(ratio: float, what: str, baseline: str, tolerance: float = 0.1) -> str:
    """One sentence that reads a measured speed ratio (baseline time / ``what`` time) aloud.

    Notebooks print it under their tables, so the prose a learner reads always
    agrees with the numbers of the same run instead of predicting them.
    """
    if ratio >= 1 + tolerance:
        word = f"faster than {baseline}"
    elif ratio <= 1 / (1 + tolerance):
        word = f"slower than {baseline}"
    else:
        word = f"about as fast as {baseline} (within {tolerance:.0%})"
    return f"{what} ran at {ratio:.2f}x the speed of {baseline} in this run: {word}."


def product_times(seconds: float = 3.0, bucket_s: float = 0.1, size: int = 512) -> list[float]:
    """For ``seconds``, multiply two ``size`` x ``size`` float32 matrices on NumPy's BLAS threads (every core);
    return the median seconds of one product in each ``bucket_s``.

    A cloud VM is slowed by neighbours its guest cannot see: its load average and steal time stay low. Work split
    over all cores waits for its slowest thread, so it shows such spells first (the notebooks' timings use all cores).
    """
    import numpy as np

    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    for _ in range(5):  # warm-up: threads started, pages touched
        a @ a
    medians, current = [], []
    clock = timeit.default_timer
    end = clock() + seconds
    bucket_end = clock() + bucket_s
    while clock() < end:
        started = clock()
        a @ a
        current.append(clock() - started)
        if clock() >= bucket_end:
            medians.append(statistics.median(current))
            current, bucket_end = [], bucket_end + bucket_s
    if len(medians) < 3:
        raise ValueError(f"{seconds} s gave {len(medians)} buckets of {bucket_s} s: probe for longer")
    return medians


def fastest_tenth(medians: list[float]) -> float:
    """The bucket time that a tenth of the buckets beat: the host's speed when undisturbed, robust to one fluke."""
    return sorted(medians)[len(medians) // 10]


def busy_share(medians: list[float], fastest: float | None = None) -> float:
    """How disturbed the host was, from 0 (quiet) to 1: the share of buckets more than 15 % slower than ``fastest``
    (default: this probe's own fastest tenth; pass the best seen so far to catch a probe that was slow throughout)."""
    reference = fastest_tenth(medians) if fastest is None else min(fastest, fastest_tenth(medians))
    return sum(m > 1.15 * reference for m in medians) / len(medians)


def wait_until_quiet(
    deadline: float,
    probe: Callable[[], list[float]] = product_times,
    limit: float = 0.05,
    in_a_row: int = 2,
    pause_s: float = 5.0,
    fastest: float | None = None,
) -> tuple[bool, float]:
    """Probe the host until ``in_a_row`` consecutive probes have at most ``limit`` of their buckets slow, against
    the fastest tenth of any probe so far (:func:`busy_share`), or until ``deadline`` (a :func:`time.monotonic`
    time). ``fastest``: the fastest tenth seen on this machine before, so that a host slow for the whole wait is not
    taken for quiet. Returns (found quiet, the fastest tenth seen)."""
    import time

    quiet, best = 0, fastest if fastest is not None else float("inf")
    while time.monotonic() < deadline:
        medians = probe()
        best = min(best, fastest_tenth(medians))
        quiet = quiet + 1 if busy_share(medians, best) <= limit else 0
        if quiet >= in_a_row:
            return True, best
        if quiet == 0:
            time.sleep(pause_s)
    return False, best


def machine_key() -> str:
    """This machine for :data:`QUIET_REFERENCE`: its CPU model and how many CPUs this process may use."""
    from utils.machine import cpu_model, usable_cpus

    return f"{cpu_model()}, {usable_cpus()} CPUs"


def fastest_probe(update: float | None = None) -> float | None:
    """The fastest probe seen on this machine (seconds per product), after recording ``update`` when it is faster."""
    try:
        known = json.loads(QUIET_REFERENCE.read_text())
    except (OSError, ValueError):
        known = {}
    values = [x for x in (known.get(machine_key()), update) if x is not None]
    fastest = min(values) if values else None
    if fastest is not None and fastest != known.get(machine_key()):
        QUIET_REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        QUIET_REFERENCE.write_text(json.dumps({**known, machine_key(): fastest}, indent=1))
    return fastest


def still_quiet(limit: float = 0.05) -> bool:
    """One probe after a run: was the host still quiet, against the fastest probe seen on this machine?"""
    medians = product_times()
    return busy_share(medians, fastest_probe(update=fastest_tenth(medians))) <= limit
