"""Start the pair's training scripts from a notebook: bounded, on 127.0.0.1, output kept.

* ``torchrun(args, nproc=2)``: ``ddp_train`` under ``torchrun`` (its agent starts ``nproc`` workers);
* ``run_workers(args, n=2)``: ``n`` ``tf_train`` processes, one per worker, each with its own ``TF_CONFIG``;
* ``lines_with(text, ...)``: the lines of an output that name something.

The scripts run as modules of the installed course (``python -m pairs.distributed.tf_train``), so a worker
imports ``pairs.distributed.common`` the same way the notebook does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from utils.servers import free_port

DDP_MODULE = "pairs.distributed.ddp_train"
TF_MODULE = "pairs.distributed.tf_train"
TORCHRUN = str(Path(sys.executable).with_name("torchrun"))  # the venv's own, beside its python
TORCH_ENV = {"OMP_NUM_THREADS": "1"}  # one thread per worker on a 2-core machine (torchrun warns otherwise)
TF_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2"}  # TensorFlow's C++ INFO and WARNING lines stay out of the workers' output


def torchrun_command(script_args, nproc: int = 2, port: int | None = None) -> list[str]:
    """The torchrun command line: ``nproc`` workers of ``ddp_train``, rendezvous on 127.0.0.1:``port``."""
    return [
        TORCHRUN,
        "--nproc-per-node",
        str(nproc),
        "--master-addr",
        "127.0.0.1",
        "--master-port",
        str(port or free_port()),
        "-m",
        DDP_MODULE,
        *map(str, script_args),
    ]


def torchrun(script_args, nproc: int = 2, port: int | None = None, timeout: float = 120):
    """Run ``ddp_train`` under torchrun; return the finished process (stdout and stderr together, as text)."""
    return subprocess.run(
        torchrun_command(script_args, nproc, port),
        env={**os.environ, **TORCH_ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )


def start_torchrun(script_args, nproc: int = 2, port: int | None = None) -> subprocess.Popen:
    """Start torchrun without waiting, in its own process group, its output readable line by line."""
    return subprocess.Popen(
        torchrun_command(script_args, nproc, port),
        env={**os.environ, **TORCH_ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def tf_config(workers: list[str], index: int) -> str:
    """The TF_CONFIG of worker ``index`` in a cluster of ``workers`` (host:port each)."""
    return json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})


def local_workers(n: int) -> list[str]:
    """``n`` distinct free ports on 127.0.0.1, as host:port."""
    ports: set[int] = set()
    while len(ports) < n:
        ports.add(free_port())
    return [f"127.0.0.1:{p}" for p in sorted(ports)]


def start_worker(workers, index: int, script_args, config: str | None = None) -> subprocess.Popen:
    """One ``tf_train`` process, worker ``index`` of ``workers`` (or with the raw TF_CONFIG text ``config``)."""
    env = {**os.environ, **TF_ENV, "TF_CONFIG": config if config is not None else tf_config(workers, index)}
    return subprocess.Popen(
        [sys.executable, "-m", TF_MODULE, *map(str, script_args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_workers(script_args, n: int = 2, timeout: float = 120) -> list[tuple[int, str]]:
    """Start ``n`` workers on 127.0.0.1 and wait for them (bounded); [(exit code, output)] by worker index.
    A worker still running at the end (the timeout passed) is killed, so none is left behind."""
    workers = local_workers(n)
    procs = [start_worker(workers, i, script_args) for i in range(n)]
    try:
        outputs = [p.communicate(timeout=timeout)[0] for p in procs]
        return [(p.returncode, out) for p, out in zip(procs, outputs)]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def lines_with(text: str, *needles: str) -> list[str]:
    """The stripped lines of ``text`` that contain any of ``needles``."""
    return [line.strip() for line in text.splitlines() if any(n in line for n in needles)]


def machine_line(package: str) -> str:
    """One line about the machine, for a notebook whose framework runs in the worker processes, not the kernel."""
    import importlib.metadata
    import platform

    from utils.machine import usable_cpus

    try:
        version = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:  # Binder's image installs TensorFlow as tensorflow-cpu
        version = importlib.metadata.version(f"{package}-cpu")
    return (
        f"{package} {version} (in the worker processes) · {platform.machine()}, "
        f"{usable_cpus()} CPU cores usable · Python {platform.python_version()}"
    )
