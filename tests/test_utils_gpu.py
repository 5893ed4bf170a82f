"""Unit tests for utils/gpu.py (GPU memory watching) and tools/gpu_wheels.py (the carried wheel set).

They need no GPU: the GPU queries are replaced by scripted snapshots, and the wheels are tiny ones made here.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from utils import REPO_ROOT
from utils.gpu import GpuMemoryWatcher, Snapshot, default_query, parse_compute_apps, parse_memory_used

sys.path.insert(0, str(REPO_ROOT / "tools"))
import gpu_wheels  # noqa: E402


# -- parsing nvidia-smi ------------------------------------------------------------------------------------

def test_parse_compute_apps_sums_a_process_over_gpus_and_skips_hidden_values():
    text = "1234, 500\n1234, 250\n  77 ,  1024 \n\n88, [N/A]\nnot a line\n"
    assert parse_compute_apps(text) == {1234: 750.0, 77: 1024.0}


def test_parse_memory_used_sums_devices_and_none_when_nothing_parses():
    assert parse_memory_used("100\n 28 \n") == 128.0
    assert parse_memory_used("") is None
    assert parse_memory_used("[N/A]\n") is None


# -- the watcher, with scripted snapshots ---------------------------------------------------------------

class Script:
    """Returns the given snapshots one after another, then repeats the last one."""

    def __init__(self, *snapshots):
        self.snapshots = list(snapshots)

    def __call__(self):
        return self.snapshots.pop(0) if len(self.snapshots) > 1 else self.snapshots[0]


def test_watcher_counts_only_the_watched_processes_and_keeps_the_peak():
    script = Script(
        Snapshot({}, 1000.0),                         # begin(): baseline
        Snapshot({10: 300.0, 99: 5000.0}, 6300.0),    # 99 is someone else's process
        Snapshot({10: 900.0, 11: 100.0}, 2000.0),     # 11 is a child of the kernel
        Snapshot({10: 400.0}, 1400.0),
        Snapshot({}, 1000.0),                         # end(): final sample
    )
    watcher = GpuMemoryWatcher(pids=lambda: {10, 11}, query=script, source_name="test")
    watcher.begin("nb")
    for _ in range(3):
        watcher.sample()
    result = watcher.end("nb")
    assert result == {"peak_mib": 1000, "source": "process", "used_gpu": True}


def test_watcher_falls_back_to_the_device_minus_its_baseline_when_pids_are_hidden():
    script = Script(Snapshot({}, 1000.0), Snapshot({}, 1700.0), Snapshot({}, 1200.0))
    watcher = GpuMemoryWatcher(pids=lambda: {10}, query=script, source_name="test")
    watcher.begin("nb")
    watcher.sample()
    assert watcher.end("nb") == {"peak_mib": 700, "source": "device", "used_gpu": True}


def test_watcher_reports_a_cpu_only_notebook_as_not_using_the_gpu():
    script = Script(Snapshot({99: 5000.0}, 5000.0), Snapshot({99: 5000.0}, 5010.0))
    watcher = GpuMemoryWatcher(pids=lambda: {10}, query=script, source_name="test")
    watcher.begin("cpu_nb")
    watcher.sample()
    result = watcher.end("cpu_nb")
    assert result["used_gpu"] is False and result["peak_mib"] == 10


def test_watcher_resets_between_notebooks_and_checks_labels():
    script = Script(Snapshot({10: 800.0}, 800.0))
    watcher = GpuMemoryWatcher(pids=lambda: {10}, query=script, source_name="test")
    watcher.begin("first")
    watcher.sample()
    assert watcher.end("first")["peak_mib"] == 800
    watcher.begin("second")
    with pytest.raises(ValueError):
        watcher.end("first")


def test_watcher_without_a_gpu_says_so():
    watcher = GpuMemoryWatcher(pids=lambda: set(), query=None)
    if watcher.available:  # a machine with an NVIDIA GPU: the no-GPU case cannot be observed here
        pytest.skip("this machine has an NVIDIA GPU")
    watcher.start()
    watcher.begin("nb")
    assert watcher.end("nb") == {"peak_mib": None, "source": "none", "used_gpu": False}
    watcher.stop()
    assert default_query() == ("none", None)


# -- the carried wheels ---------------------------------------------------------------------------------

def make_wheel(folder: Path, name: str, version: str, requires=(), tag="py3-none-any") -> Path:
    path = folder / f"{name}-{version}-{tag}.whl"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
    return path


@pytest.fixture
def lists(tmp_path):
    pins = tmp_path / "pins.txt"
    machine = tmp_path / "machine.txt"
    machine.write_text("# names only\ntorch\nPyYAML\n")
    folder = tmp_path / "whl"
    folder.mkdir()
    return folder, pins, machine


def test_check_accepts_a_closed_set(lists):
    folder, pins, machine = lists
    pins.write_text("alpha==1.0\nbeta==2.0  # comment\n")
    make_wheel(folder, "alpha", "1.0", ["beta>=2", "torch", "pyyaml", "colorama; sys_platform == 'win32'",
                                        "tomli; python_version < '3.11'", "extra-thing; extra == 'docs'"])
    make_wheel(folder, "beta", "2.0")
    assert gpu_wheels.check(folder, pins, machine) == []


def test_check_finds_missing_wrong_and_duplicate_wheels(lists):
    folder, pins, machine = lists
    pins.write_text("alpha==1.0\ngamma==1.0\n")
    make_wheel(folder, "alpha", "1.0", ["beta>=3", "delta"])
    make_wheel(folder, "beta", "2.0")
    make_wheel(folder, "beta", "2.1")
    make_wheel(folder, "fast", "1.0", tag="cp313-cp313-manylinux_2_28_x86_64")
    problems = "\n".join(gpu_wheels.check(folder, pins, machine))
    assert "two versions of beta" in problems
    assert "alpha needs beta>=3" in problems
    assert "alpha needs delta: neither carried nor on the GPU machine" in problems
    assert "gamma==1.0 is pinned" in problems
    assert "fast-1.0-cp313" in problems


def test_the_repository_pin_list_parses_and_names_nbval_and_ipykernel():
    pins = {gpu_wheels.Requirement(line).name for line in gpu_wheels.read_lines(gpu_wheels.PINS)}
    assert {"nbval", "ipykernel", "jupyter-client", "nbformat", "pyzmq", "tornado"} <= pins
    machine = {line.lower() for line in gpu_wheels.read_lines(gpu_wheels.MACHINE)}
    assert "torch" in machine and "nbval" not in machine and "ipykernel" not in machine
