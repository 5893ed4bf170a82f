"""pairs.distributed: the launchers start the scripts as modules on 127.0.0.1, and bad input stops a script with one
line and exit status 2 before it loads its framework (real processes, no framework start-up needed)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pairs.distributed import common, launch


def test_check_batch():
    assert common.check_batch(64, 2, 5) == 32
    with pytest.raises(common.UsageError, match="not divisible by the world size 3.*try 63 or 66"):
        common.check_batch(64, 3, 5)
    with pytest.raises(common.UsageError, match="must be positive"):
        common.check_batch(0, 1, 5)


def test_shard_and_batches():
    xs, ys = common.global_batches(64, 2)
    assert xs.shape == (2, 64, 64) and ys.shape == (2, 64) and xs.dtype == np.float32 and 0 <= xs.min() <= xs.max() <= 1
    halves = [common.shard(xs[0], r, 2) for r in range(2)]
    assert np.array_equal(np.concatenate(halves), xs[0])


def test_commands_run_the_scripts_as_modules_on_loopback():
    command = launch.torchrun_command(["--steps", 1], nproc=2, port=12345)
    assert command[command.index("--master-addr") + 1] == "127.0.0.1" and "12345" in command
    assert command[command.index("-m") + 1] == "pairs.distributed.ddp_train" and command[-2:] == ["--steps", "1"]
    workers = launch.local_workers(3)
    assert len(set(workers)) == 3 and all(w.startswith("127.0.0.1:") for w in workers)
    config = json.loads(launch.tf_config(workers, 2))
    assert config == {"cluster": {"worker": workers}, "task": {"type": "worker", "index": 2}}
    assert launch.lines_with("a error: x\nb\n  c error: y ", "error:") == ["a error: x", "c error: y"]


def test_tf_worker_refuses_a_bad_cluster_before_loading_tensorflow():
    bad = launch.run_workers(["--global-batch", 64], n=3, timeout=60)
    assert [code for code, _ in bad] == [common.EXIT_USAGE] * 3
    assert all("not divisible by the world size 3" in out and "tensorflow" not in out.lower() for _, out in bad)
    broken = launch.start_worker(None, 0, ["--steps", 1], config="{not json")
    out = broken.communicate(timeout=60)[0]
    assert broken.returncode == common.EXIT_USAGE and "TF_CONFIG is not valid JSON" in out


def test_ddp_worker_refuses_to_run_without_torchrun():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", launch.DDP_MODULE], capture_output=True, text=True, timeout=60)
    assert done.returncode == common.EXIT_USAGE and "start this script with torchrun" in done.stderr


def test_machine_line_finds_tensorflow_installed_as_tensorflow_cpu(monkeypatch):
    """Binder's image has TensorFlow as tensorflow-cpu (binder/requirements.txt): 09_distributed_tensorflow's first
    line died there with PackageNotFoundError (the Binder rehearsal of 2026-12-07)."""
    import importlib.metadata

    def version(name):
        if name != "tensorflow-cpu":
            raise importlib.metadata.PackageNotFoundError(name)
        return "2.21.0"

    monkeypatch.setattr(importlib.metadata, "version", version)
    assert launch.machine_line("tensorflow").startswith("tensorflow 2.21.0 (in the worker processes) · ")
