"""Watching NVIDIA GPU memory from outside a process, for the GPU run of the suite.

``tools/gpu_suite.sh`` runs the PyTorch notebooks through nbval on a GPU machine and reports, per notebook,
the peak GPU memory its kernel held. The kernel is a separate process started by nbval, so the measurement is
taken from outside, the way ``nvidia-smi`` sees it, with two sources, best first:

* **NVML** (``pynvml``, from the ``nvidia-ml-py`` package): the GPU memory used by each process, and by the
  whole device.
* **nvidia-smi** (``--query-compute-apps=pid,used_memory`` and ``--query-gpu=memory.used``): the same numbers
  as text, when ``pynvml`` is missing.

Per-process figures include the CUDA context (a few hundred MiB per process) and everything PyTorch's caching
allocator *reserved*, which is what other processes cannot use; that is more than
``torch.cuda.max_memory_allocated()`` (live tensors only) reports inside the process. Where the driver hides
process ids (some sandboxes do), only the device-wide figure is left: :class:`GpuMemoryWatcher` then reports
the device's used memory minus what was used when the notebook started (``source="device"``), which is exact
as long as nothing else uses the GPU meanwhile.

Nothing here imports PyTorch or TensorFlow, and on a machine without an NVIDIA GPU every function answers
"nothing to see" (``None`` or an empty snapshot) instead of failing.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Callable, Iterable

__all__ = [
    "Snapshot",
    "parse_compute_apps",
    "parse_memory_used",
    "query_nvml",
    "query_nvidia_smi",
    "default_query",
    "gpu_names",
    "GpuMemoryWatcher",
]


@dataclass(frozen=True)
class Snapshot:
    """GPU memory in use at one moment, in MiB: per process id, and per device (summed over the devices)."""

    per_pid: dict[int, float] = field(default_factory=dict)
    device_used: float | None = None  # None: unknown


def parse_compute_apps(text: str) -> dict[int, float]:
    """Parse ``nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits``.

    Lines look like ``12345, 1234``. A process on several GPUs appears once per GPU; its MiB are summed.
    Lines that do not parse (``[N/A]`` where the driver hides a value, blank lines) are skipped.
    """
    usage: dict[int, float] = {}
    for line in text.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 2:
            continue
        try:
            pid, mib = int(parts[0]), float(parts[1])
        except ValueError:
            continue
        usage[pid] = usage.get(pid, 0.0) + mib
    return usage


def parse_memory_used(text: str) -> float | None:
    """Parse ``nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits``: MiB summed over GPUs."""
    values = []
    for line in text.splitlines():
        try:
            values.append(float(line.strip()))
        except ValueError:
            continue
    return sum(values) if values else None


def query_nvml() -> Callable[[], Snapshot] | None:
    """A snapshot function backed by NVML, or ``None`` when ``pynvml`` or an NVIDIA driver is missing."""
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
        handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
    except Exception:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...
        return None
    if not handles:
        return None
    mib = 2**20

    def snapshot() -> Snapshot:
        per_pid: dict[int, float] = {}
        used = 0.0
        for handle in handles:
            used += pynvml.nvmlDeviceGetMemoryInfo(handle).used / mib
            try:
                processes = pynvml.nvmlDeviceGetComputeRunningProcesses(handle)
            except Exception:
                processes = []
            for proc in processes:
                if proc.usedGpuMemory is not None:  # None where the driver hides it
                    per_pid[proc.pid] = per_pid.get(proc.pid, 0.0) + proc.usedGpuMemory / mib
        return Snapshot(per_pid, used)

    return snapshot


def query_nvidia_smi(binary: str = "nvidia-smi", timeout_s: float = 10.0) -> Callable[[], Snapshot] | None:
    """A snapshot function backed by the ``nvidia-smi`` command, or ``None`` when it is missing or fails."""
    path = shutil.which(binary)
    if path is None:
        return None

    def run(*query: str) -> str:
        done = subprocess.run(
            [path, *query, "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=timeout_s, check=False,
        )
        return done.stdout if done.returncode == 0 else ""

    if parse_memory_used(run("--query-gpu=memory.used")) is None:
        return None

    def snapshot() -> Snapshot:
        return Snapshot(
            parse_compute_apps(run("--query-compute-apps=pid,used_memory")),
            parse_memory_used(run("--query-gpu=memory.used")),
        )

    return snapshot


def default_query() -> tuple[str, Callable[[], Snapshot] | None]:
    """The best available snapshot function and its name: ``"nvml"``, ``"nvidia-smi"`` or ``"none"``."""
    snapshot = query_nvml()
    if snapshot is not None:
        return "nvml", snapshot
    snapshot = query_nvidia_smi()
    if snapshot is not None:
        return "nvidia-smi", snapshot
    return "none", None


def gpu_names() -> list[str]:
    """The GPUs ``nvidia-smi`` lists (name, memory, driver), or an empty list."""
    path = shutil.which("nvidia-smi")
    if path is None:
        return []
    try:
        done = subprocess.run(
            [path, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in done.stdout.splitlines() if line.strip()] if done.returncode == 0 else []


class GpuMemoryWatcher:
    """Samples GPU memory in a background thread and keeps, per label, the peak held by a set of processes.

    ``pids`` is called at every sample and returns the process ids to count (for a notebook: the kernel and
    everything it started). Use :meth:`begin` when a notebook starts and :meth:`end` when it is done::

        watcher = GpuMemoryWatcher(pids=lambda: kernel_pids())
        watcher.start()
        watcher.begin("01_graphs_pytorch.ipynb")
        ...                                     # the notebook runs
        peak = watcher.end("01_graphs_pytorch.ipynb")   # {"peak_mib": ..., "source": "process" | "device"}
        watcher.stop()

    ``query`` defaults to :func:`default_query`; pass a function returning :class:`Snapshot` to test it.
    """

    def __init__(self, pids: Callable[[], Iterable[int]], query: Callable[[], Snapshot] | None = None,
                 interval_s: float = 0.2, source_name: str | None = None):
        if query is None:
            source_name, query = default_query()
        self.source_name = source_name or "custom"
        self.available = query is not None
        self._query = query
        self._pids = pids
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._label: str | None = None
        self._baseline: float | None = None
        self._peak_process = 0.0
        self._peak_device: float | None = None
        self._saw_process = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        """Take one sample now (the thread calls this every ``interval_s``)."""
        if self._query is None:
            return
        try:
            snap = self._query()
            wanted = set(self._pids())
        except Exception:
            return
        with self._lock:
            if self._label is None:
                return
            mine = sum(mib for pid, mib in snap.per_pid.items() if pid in wanted)
            if any(pid in wanted for pid in snap.per_pid):
                self._saw_process = True
            self._peak_process = max(self._peak_process, mine)
            if snap.device_used is not None and self._baseline is not None:
                delta = max(0.0, snap.device_used - self._baseline)
                self._peak_device = delta if self._peak_device is None else max(self._peak_device, delta)

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval_s)

    def start(self) -> "GpuMemoryWatcher":
        if self.available:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def begin(self, label: str) -> None:
        """Start measuring for ``label``; the device's memory in use now is the baseline."""
        baseline = None
        if self._query is not None:
            try:
                baseline = self._query().device_used
            except Exception:
                baseline = None
        with self._lock:
            self._label, self._baseline = label, baseline
            self._peak_process, self._peak_device, self._saw_process = 0.0, None, False

    def end(self, label: str) -> dict:
        """Stop measuring for ``label`` and return ``{"peak_mib", "source", "used_gpu"}``.

        ``source`` is ``"process"`` when the driver showed the watched processes, ``"device"`` when only the
        device-wide figure was available, ``"none"`` without a GPU. ``used_gpu`` tells whether the watched
        processes (or, failing that, the device) held any GPU memory at all.
        """
        self.sample()
        with self._lock:
            if self._label != label:
                raise ValueError(f"end({label!r}) without begin({label!r}); measuring {self._label!r}")
            self._label = None
            if not self.available:
                return {"peak_mib": None, "source": "none", "used_gpu": False}
            if self._saw_process:
                return {"peak_mib": round(self._peak_process), "source": "process", "used_gpu": self._peak_process > 0}
            if self._peak_device is not None:
                # A CUDA context alone takes hundreds of MiB; a few MiB of drift is not a notebook using the GPU.
                return {"peak_mib": round(self._peak_device), "source": "device", "used_gpu": self._peak_device >= 64}
            return {"peak_mib": 0, "source": "process", "used_gpu": False}
