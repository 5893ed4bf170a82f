"""The setup line of a notebook: load the framework, seed it, pick the device, print one line about the machine.

    device = start_tensorflow(seed=0)  # '/CPU:0' or '/GPU:0'; prints "TensorFlow 2.21.0 (Keras 3.15.1) on /CPU:0 ..."
    device = start_torch(seed=0)       # torch.device('cpu') or ('cuda'); prints "PyTorch 2.13.0+cpu on cpu ..."

TensorFlow writes a few C++ log lines to the process's stderr while it loads and first looks for a GPU
(``oneDNN custom operations are on``, ``Could not find cuda drivers``, ``failed call to cuInit``), before any log
setting applies, so ``TF_CPP_MIN_LOG_LEVEL`` alone cannot hide them. ``start_tensorflow`` sets that variable and
loads TensorFlow with file descriptor 2 pointed at a temporary file, then passes on every line that is not one of
those known start-up messages: a real error still shows. Call it before ``import tensorflow`` (a later import is
then free and silent).
"""

from __future__ import annotations

import logging
import os
import platform
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from utils.coexist import load_triton_before_tensorflow
from utils.devices import tf_device, torch_device
from utils.machine import usable_cpus
from utils.seeding import seed_everything

__all__ = ["STARTUP_NOISE", "machine_line", "quiet_stderr", "start_tensorflow", "start_torch"]

# What TensorFlow's C++ runtime says on every start-up (on a machine without an NVIDIA GPU, too): facts about the
# build and the machine, not problems. Matched per line; anything else passes through.
STARTUP_NOISE = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|oneDNN custom operations are on"
    r"|Could not find cuda drivers on your machine"
    r"|failed call to cuInit"
    r"|This TensorFlow binary is optimized to use available CPU instructions"
    r"|To enable the following instructions: .* rebuild TensorFlow"
    r"|Unable to register cu(DNN|FFT|BLAS) factory"
    r"|computation placer already registered"
)


@contextmanager
def quiet_stderr(noise: re.Pattern = STARTUP_NOISE) -> Iterator[None]:
    """Capture what C++ code writes to file descriptor 2 in the block; re-emit the lines ``noise`` does not match.

    Python's ``sys.stderr`` is left alone (in Jupyter it is not descriptor 2), so Python warnings show as usual.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [
                line
                for line in capture.read().decode(errors="replace").splitlines()
                if line.strip() and not noise.search(line)
            ]
            if kept:
                print("\n".join(kept), file=sys.stderr)


def machine_line(framework: str, device: str, gpus: list[str], seed: int | None, threads: int | None = None) -> str:
    """One line: framework and version, the device in use, the GPUs seen, the CPU (and threads), the seed."""
    seen = ", ".join(gpus) if gpus else "no GPU"
    cpu = f"{platform.machine()}, {usable_cpus()} CPU cores usable"
    if threads is not None:
        cpu += f" ({threads} thread{'s' if threads != 1 else ''})"
    seeded = f"seed {seed}" if seed is not None else "not seeded"
    return f"{framework} on {device} ({seen}) · {cpu} · Python {platform.python_version()} · {seeded}"


def start_tensorflow(
    seed: int | None = 0,
    device: str | None = None,
    logical_cpus: int = 1,
    with_torch: bool = False,
    threads: int | None = None,
) -> str:
    """Load TensorFlow without its start-up log lines, seed it, print one line; return its device string.

    ``device`` is passed to ``tf_device`` (``None``: the GPU when there is one, ``$COURSE_DEVICE`` overrides).
    ``seed=None`` seeds nothing. GPU memory grows on demand (``set_memory_growth``, and ``TF_FORCE_GPU_ALLOW_GROWTH``
    for child processes), so PyTorch can share the GPU. This call initialises TensorFlow's devices, after which
    they cannot be reconfigured: ``logical_cpus=3`` splits the CPU into three logical devices first
    (``tf.config.set_logical_device_configuration``).
    ``with_torch=True``: the notebook imports PyTorch later, so CUDA torch's Triton is loaded first (utils.coexist).
    ``threads=N`` sets TensorFlow's intra- and inter-op thread pools to N, which only works before that point.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's later C++ INFO/WARNING lines; errors show
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")  # do not reserve all GPU memory at start
    if with_torch or "torch" in sys.modules:  # both frameworks in one process: Triton must load before TensorFlow
        load_triton_before_tensorflow()
        if not Path("/proc/driver/nvidia").exists():
            # CUDA torch beside TensorFlow with no NVIDIA driver: torch's first CUDA query warns "CUDA initialization:
            # Unexpected error ... Error 302" with a file path. It only means "no GPU", which the printed line says.
            warnings.filterwarnings("ignore", message="CUDA initialization: Unexpected error", category=UserWarning)
    with quiet_stderr():
        import keras
        import tensorflow as tf

        if threads is not None:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)  # take GPU memory as needed, not all of it at start
        if logical_cpus > 1:
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * logical_cpus)
        chosen = tf_device(device)  # the first device query is what initialises CUDA (or fails to)
    if seed is not None:
        seed_everything(seed)
    gpus = [
        tf.config.experimental.get_device_details(g).get("device_name", g.name)
        for g in tf.config.list_physical_devices("GPU")
    ]
    print(machine_line(f"TensorFlow {tf.__version__} (Keras {keras.__version__})", chosen, gpus, seed, threads))
    return chosen


def start_torch(seed: int | None = 0, device: str | None = None, threads: int | None = None):
    """Load PyTorch, seed it, print one line; return its ``torch.device`` (``device`` as for ``torch_device``).

    ``threads=N`` calls ``torch.set_num_threads(N)`` (the CPU threads of one operation).
    """
    import torch

    if threads is not None:
        torch.set_num_threads(threads)
    chosen = torch_device(device)
    if seed is not None:
        seed_everything(seed)
    gpus = (
        [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    )
    build = f" (CUDA {torch.version.cuda})" if torch.version.cuda else ""
    if not torch.cuda.is_available():
        # No usable GPU, yet a CUDA toolkit on the machine (or the CUDA build's): each C++ build of torch.compile
        # logs "No CUDA runtime is found, using CUDA_HOME=<a path>". The line printed below says so already.
        logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)
    print(machine_line(f"PyTorch {torch.__version__}{build}", str(chosen), gpus, seed, torch.get_num_threads()))
    return chosen
