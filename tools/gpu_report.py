"""A pytest plugin for ``tools/gpu_suite.sh``: a per-notebook table of time, device and peak GPU memory.

Load it with ``-p tools.gpu_report`` (from the repository root) and name a folder with ``--gpu-report DIR``.
For every notebook nbval runs it records:

* **seconds**: wall time of all its cells, kernel start included;
* **result**: passed / failed (with the number of failed cells) / skipped (with pytest's reason);
* **device**: ``cuda`` when the notebook's kernel (or a process it started) held GPU memory, ``cpu`` when it
  held none. This is measured from outside, not read from what the notebook prints;
* **peak GPU MiB**: the most GPU memory the kernel and its children held at once, sampled every 0.2 s through
  NVML or ``nvidia-smi`` (see ``utils/gpu.py``: it includes the CUDA context and PyTorch's cached blocks,
  so it is more than ``torch.cuda.max_memory_allocated()``);
* **peak RSS MB**: the host memory of the same processes, as the course's budget measures it.

At the end it writes ``DIR/gpu_suite.md`` (a Markdown table with the machine's description above it) and
``DIR/gpu_suite.json``, and prints the table.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from utils.budget import ChildMemorySampler  # noqa: E402
from utils.gpu import GpuMemoryWatcher, gpu_names  # noqa: E402


def pytest_addoption(parser):
    group = parser.getgroup("gpu_report", "per-notebook GPU report (tools/gpu_suite.sh)")
    group.addoption("--gpu-report", metavar="DIR", default=None,
                    help="write gpu_suite.md and gpu_suite.json (per-notebook seconds, device, peak GPU memory) here")


def _child_pids() -> set[int]:
    import psutil

    pids = set()
    for child in psutil.Process().children(recursive=True):
        pids.add(child.pid)
    return pids


def _torch_facts() -> dict:
    """What this Python's PyTorch sees (imported here, in the pytest process, only to describe the machine)."""
    try:
        import torch
    except ImportError:
        return {"torch": None}
    facts = {"torch": torch.__version__, "cuda_build": torch.version.cuda,
             "cuda_available": torch.cuda.is_available()}
    if torch.cuda.is_available():
        facts["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        facts["cudnn"] = torch.backends.cudnn.version()
    return facts


class GpuReport:
    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.rows: dict[str, dict] = {}
        self.failed_items: set[str] = set()
        self.current: str | None = None
        self.watcher = GpuMemoryWatcher(pids=_child_pids)
        self.rss = ChildMemorySampler(interval_s=0.2)
        self.started = time.time()

    # -- notebook boundaries ------------------------------------------------------------------------------
    def _row(self, name: str) -> dict:
        return self.rows.setdefault(name, {"notebook": name, "seconds": 0.0, "cells": 0, "failed_cells": 0,
                                           "skipped": None, "device": None, "peak_gpu_mib": None,
                                           "gpu_source": None, "peak_rss_mb": None})

    def begin(self, name: str):
        self.current = name
        self.watcher.begin(name)
        self.rss.reset()

    def end(self, name: str):
        row = self._row(name)
        gpu = self.watcher.end(name)
        row["peak_rss_mb"] = round(self.rss.peak_mb)
        row["peak_gpu_mib"] = gpu["peak_mib"]
        row["gpu_source"] = gpu["source"]
        if row["skipped"] is not None:
            row["device"] = "-"
        elif gpu["source"] == "none":
            row["device"] = "cpu (no GPU visible)"
        else:
            row["device"] = "cuda" if gpu["used_gpu"] else "cpu"
        self.current = None

    # -- output ---------------------------------------------------------------------------------------------
    def result(self, row: dict) -> str:
        if row["skipped"] is not None:
            return f"skipped: {row['skipped']}"
        if row["failed_cells"]:
            return f"FAILED ({row['failed_cells']} of {row['cells']} cells)"
        return f"passed ({row['cells']} cells)"

    def markdown(self, exitstatus) -> str:
        facts = _torch_facts()
        lines = [
            "# GPU run of the PyTorch notebooks (tools/gpu_suite.sh)",
            "",
            f"- machine: {platform.node()}, {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
            f"- GPUs (nvidia-smi): {'; '.join(gpu_names()) or 'none'}",
            f"- PyTorch: {facts}",
            f"- GPU memory source: {self.watcher.source_name}"
            + (" (per process)" if any(r['gpu_source'] == 'process' for r in self.rows.values()) else ""),
            f"- COURSE_TORCH_ONLY={os.environ.get('COURSE_TORCH_ONLY', '')!s}, "
            f"COURSE_DEVICE={os.environ.get('COURSE_DEVICE', '') or 'auto'}",
            f"- pytest exit status: {int(exitstatus)}; total wall time {time.time() - self.started:.0f} s",
            "",
            "| notebook | result | seconds | device | peak GPU MiB | peak RSS MB |",
            "|---|---|---:|---|---:|---:|",
        ]
        for name in sorted(self.rows):
            r = self.rows[name]
            gpu = "-" if r["peak_gpu_mib"] is None or r["skipped"] is not None else str(r["peak_gpu_mib"])
            if r["gpu_source"] == "device" and r["skipped"] is None:
                gpu += " (device-wide)"
            secs = "-" if r["skipped"] is not None else f"{r['seconds']:.1f}"
            rss = "-" if r["skipped"] is not None else str(r["peak_rss_mb"])
            lines.append(f"| {name} | {self.result(r)} | {secs} | {r['device']} | {gpu} | {rss} |")
        return "\n".join(lines) + "\n"

    def write(self, exitstatus) -> str:
        text = self.markdown(exitstatus)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / "gpu_suite.md").write_text(text)
        payload = {"torch": _torch_facts(), "gpus": gpu_names(), "gpu_memory_source": self.watcher.source_name,
                   "exitstatus": int(exitstatus), "notebooks": [self.rows[n] for n in sorted(self.rows)]}
        (self.out_dir / "gpu_suite.json").write_text(json.dumps(payload, indent=1))
        return text


_report: GpuReport | None = None


def _notebook_name(item) -> str | None:
    path = str(item.fspath)
    return Path(path).name if path.endswith(".ipynb") else None


def pytest_configure(config):
    global _report
    out = config.getoption("--gpu-report")
    if out:
        _report = GpuReport(Path(out))
        _report.watcher.start()
        _report.rss.start()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    name = _notebook_name(item)
    if _report is None or name is None:
        yield
        return
    row = _report._row(name)
    if _report.current != name:
        _report.begin(name)
    started = time.perf_counter()
    yield
    row["seconds"] += time.perf_counter() - started
    if nextitem is None or _notebook_name(nextitem) != name or str(nextitem.fspath) != str(item.fspath):
        _report.end(name)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    name = _notebook_name(item)
    if _report is None or name is None:
        return
    report = outcome.get_result()
    row = _report._row(name)
    if call.when == "call" or (report.skipped and call.when == "setup"):
        row["cells"] += 1
    if report.failed and item.nodeid not in _report.failed_items:  # a cell can fail in call and in teardown
        _report.failed_items.add(item.nodeid)
        row["failed_cells"] += 1
    if report.skipped and row["skipped"] is None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        row["skipped"] = reason.removeprefix("Skipped: ")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _report is None:
        return
    _report.watcher.stop()
    _report.rss.stop()
    text = _report.write(exitstatus)
    terminalreporter.section("GPU report (tools/gpu_report.py)")
    for line in text.splitlines():
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"written: {_report.out_dir / 'gpu_suite.md'} and gpu_suite.json")
