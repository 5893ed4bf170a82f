"""The course's budget for one notebook, and how it is measured.

Each notebook must run in under ``TIME_BUDGET_S`` seconds and peak under ``MEMORY_BUDGET_MB`` megabytes on a 2-core
CPU (Binder gives 2 GB). Memory is the summed PSS of every process the runner started (the Jupyter kernel and
whatever *it* starts: servers, workers): a page several of them map counts once, as in the machine's (and Binder's
container's) own accounting. Used by ``conftest.py`` and ``tools/build_notebooks.py``.
"""

from __future__ import annotations

import importlib.metadata
import os
import threading

__all__ = ["TIME_BUDGET_S", "MEMORY_BUDGET_MB", "ChildMemorySampler"]

TIME_BUDGET_S = 60


# Binder's 2 GB less room for the server, with the CPU build of torch that Binder and `make` install without an
# NVIDIA GPU. The CUDA build (a GPU machine) holds ~130 MB more anonymous memory in every process that imports torch,
# GPU or not (275 vs 143 MB, 2026-12-05): 2000 MB there. COURSE_MEMORY_BUDGET_MB overrides both (GPU runtimes).
def _torch_is_cuda_build() -> bool:
    try:  # the CUDA wheel depends on NVIDIA's runtime wheels; the CPU wheel does not (read without importing torch)
        return any(r.startswith("nvidia-") for r in importlib.metadata.requires("torch") or [])
    except importlib.metadata.PackageNotFoundError:
        return False


MEMORY_BUDGET_MB = int(os.environ.get("COURSE_MEMORY_BUDGET_MB", "2000" if _torch_is_cuda_build() else "1500"))


class ChildMemorySampler:
    """Samples the summed PSS of this process's descendants in a background thread.

    ``peak_mb`` is the largest sum seen; :meth:`reset` starts anew. Not RSS, which counts a shared
    library once per process and grows with a fresh venv's page cache (09_distributed_tensorflow: 1635
    MB, 1381 MB later, same anonymous memory). RSS only where the OS has no PSS.

    Reading a process's PSS is not free: the kernel walks its page tables (~10 ms for a process that has imported
    torch) while holding its memory-map lock, which the process's own allocations then wait for. Read ten times a
    second, it tripled the spread of 08's timings on a 2-core VM (median IQR 0.04-0.07x -> 0.14-0.19x of the
    median). So each tick reads only RSS (cheap), and reads every child's PSS again when a child came or went, a
    child's RSS has moved by ``pss_step_mb`` since the last reading, or that reading is ``pss_max_age_s`` old; in
    between, a child counts as its last PSS plus its RSS growth since (a private page counts fully in both)."""

    def __init__(self, interval_s: float = 0.1, pss_step_mb: float = 4.0, pss_max_age_s: float = 5.0):
        self.interval_s = interval_s
        self.pss_step = pss_step_mb * 2**20
        self.pss_max_age_s = pss_max_age_s
        self.peak_mb = 0.0
        self.pss_reads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import time

        import psutil

        me, previous, known = psutil.Process(), 0, {}  # known: pid -> (pss, rss then, when)
        while not self._stop.is_set():
            children, rss = {}, {}
            for child in me.children(recursive=True):
                try:
                    children[child.pid], rss[child.pid] = child, child.memory_info().rss
                except psutil.Error:  # it exited between listing and reading
                    pass
            now = time.monotonic()
            # One child's change moves the others' PSS too (a library another process maps now is shared by one
            # more), so any change re-reads them all; a quiet spell re-reads nothing.
            if rss.keys() != known.keys() or any(
                abs(rss[pid] - known[pid][1]) >= self.pss_step or now - known[pid][2] >= self.pss_max_age_s
                for pid in rss
            ):
                known = {}
                for pid, child in children.items():
                    try:
                        pss = getattr(child.memory_full_info(), "pss", None)
                    except psutil.Error:
                        continue
                    self.pss_reads += pss is not None
                    known[pid] = (rss[pid] if pss is None else pss, rss[pid], now)  # RSS where the OS has no PSS
            total = sum(pss + max(0, rss[pid] - rss_then) for pid, (pss, rss_then, _) in known.items() if pid in rss)
            # a sum counts once it held for two samples: a child between fork and exec still maps its parent's memory
            self.peak_mb, previous = max(self.peak_mb, min(total, previous) / 2**20), total
            self._stop.wait(self.interval_s)

    def reset(self) -> None:
        self.peak_mb = 0.0

    def start(self) -> ChildMemorySampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def __enter__(self) -> ChildMemorySampler:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
