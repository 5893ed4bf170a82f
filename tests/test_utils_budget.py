"""utils.budget: the memory sampler sees what child processes use, and forgets it on reset."""

import subprocess
import sys
import time

from utils.budget import ChildMemorySampler

HOLD_200_MB = "import time; block = bytearray(200 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(1.5)"


def test_sampler_sees_a_child_process_memory_and_resets():
    with ChildMemorySampler(interval_s=0.05) as sampler:
        subprocess.run([sys.executable, "-c", HOLD_200_MB], check=True, timeout=60)
        assert sampler.peak_mb > 180, f"a child holding 200 MB should be seen, got {sampler.peak_mb:.0f} MB"
        sampler.reset()
        time.sleep(0.2)
        assert sampler.peak_mb < 180, "after reset the finished child must no longer count"
