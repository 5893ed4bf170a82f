"""utils.budget: the memory sampler sees what child processes use, and forgets it on reset."""

import importlib
import importlib.metadata
import subprocess
import sys
import time

import pytest

import utils.budget
from utils.budget import ChildMemorySampler

HOLD_200_MB = "import time; block = bytearray(200 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(1.5)"


def test_sampler_sees_a_child_process_memory_and_resets():
    with ChildMemorySampler(interval_s=0.05) as sampler:
        subprocess.run([sys.executable, "-c", HOLD_200_MB], check=True, timeout=60)
        assert sampler.peak_mb > 180, f"a child holding 200 MB should be seen, got {sampler.peak_mb:.0f} MB"
        sampler.reset()
        time.sleep(0.2)
        assert sampler.peak_mb < 180, "after reset the finished child must no longer count"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PSS is Linux's")
def test_a_steady_child_is_not_read_for_pss_every_tick():
    # Reading PSS walks the child's page tables under its memory-map lock: it slowed 08's timings when done 10x a
    # second. A child whose RSS does not move is read once, yet still counted on every tick.
    with ChildMemorySampler(interval_s=0.02, pss_max_age_s=60) as sampler:
        subprocess.run([sys.executable, "-c", "import time; time.sleep(1.5)"], check=True, timeout=60)
    assert 0 < sampler.pss_reads <= 3, f"{sampler.pss_reads} PSS reads of one idle child in ~70 ticks"
    assert sampler.peak_mb > 1


def test_a_page_two_children_share_counts_once(tmp_path):
    # Two processes mapping the same 200 MB file: summed RSS would say 400 MB, the machine holds 200.
    shared = tmp_path / "shared.bin"
    shared.write_bytes(b"x" * (200 * 2**20))
    reader = (
        "import mmap, sys, time; f = open(sys.argv[1], 'rb'); m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ); "
        "sum(m[i] for i in range(0, len(m), 4096)); print('mapped', flush=True); time.sleep(3)"
    )
    with ChildMemorySampler(interval_s=0.05) as sampler:
        procs = [
            subprocess.Popen([sys.executable, "-c", reader, str(shared)], stdout=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        for proc in procs:
            assert proc.stdout.readline().strip() == "mapped"
        time.sleep(0.5)
        peak = sampler.peak_mb
        for proc in procs:
            proc.wait(timeout=30)
    assert 180 < peak < 320, f"two children sharing one 200 MB mapping should sum to about 200 MB, got {peak:.0f} MB"


def test_the_memory_budget_follows_the_torch_build_and_the_variable_overrides_it(monkeypatch):
    def requires(deps):
        def fake(name):
            if deps is None:
                raise importlib.metadata.PackageNotFoundError(name)
            return deps

        return fake

    cuda = ['nvidia-cudnn-cu13==9.20.0.48; platform_system == "Linux"', "filelock"]
    monkeypatch.delenv("COURSE_MEMORY_BUDGET_MB", raising=False)
    try:
        for deps, expected in ((cuda, 2000), (["filelock", "sympy>=1.13.3"], 1500), (None, 1500)):
            monkeypatch.setattr(importlib.metadata, "requires", requires(deps))
            assert importlib.reload(utils.budget).MEMORY_BUDGET_MB == expected, deps
        monkeypatch.setenv("COURSE_MEMORY_BUDGET_MB", "4000")
        assert importlib.reload(utils.budget).MEMORY_BUDGET_MB == 4000
    finally:
        monkeypatch.undo()
        importlib.reload(utils.budget)
