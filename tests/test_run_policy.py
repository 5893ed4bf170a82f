"""The run's own rules (conftest.py): what a checked cell's comparison ignores, and what a partial run says."""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import nbval.plugin as nbval_plugin

import conftest
from utils import REPO_ROOT

# Lines TensorFlow, absl and PyTorch's profiler wrote into the stored notebooks (notebooks/*.ipynb, stderr)
LOG_LINES = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    "I0000 00:00:1795433096.196099   11126 port.cc:153] oneDNN custom operations are on. You may see slightly "
    "different numerical results due to floating-point round-off errors from different computation orders.\n"
    "I0000 00:00:1795433096.308621   11126 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use "
    "available CPU instructions in performance-critical operations.\n"
    "To enable the following instructions: AVX2 AVX512F AVX512_VNNI AVX512_BF16 FMA, in other operations, rebuild "
    "TensorFlow with the appropriate compiler flags.\n"
    "E0000 00:00:1795433657.137564     929 util.cc:131] oneDNN supports DT_HALF only on platforms with AVX-512. "
    "Falling back to the default Eigen-based implementation if present.\n"
    "USDT:2026-11-23 11:25:04 10605:10605 SyncActivityProfilerHandler.cpp:52] profiler_start\n"
)
# PyTorch's warning on a machine with fewer usable cores than DataLoader workers (here: taskset -c 0), twice
FEW_CORES_WARNING = 2 * (
    "/venv/lib/python3.12/site-packages/torch/utils/data/dataloader.py:431: UserWarning: This DataLoader will "
    "create 2 worker processes in total. Our suggested max number of worker in current system is 1, which is "
    "smaller than what this DataLoader is going to create. Please be aware that excessive worker creation might "
    "get DataLoader running slow or even freeze, lower the worker number to avoid potential slowness/freeze if "
    "necessary.\n  self.check_worker_number_rationality()\n"
)
PYTHON_WARNING = "/tmp/x.py:3: RuntimeWarning: invalid value encountered in cast\n  y = x.astype(int)\n"


def sanitized(text: str) -> str:
    import re

    for regex, replace in conftest.sanitize_patterns():
        text = re.sub(regex, replace, text)
    return text


def test_the_sanitizer_deletes_only_cpp_log_lines():
    assert sanitized(LOG_LINES) == ""
    assert sanitized(LOG_LINES + PYTHON_WARNING) == PYTHON_WARNING
    assert sanitized("loss 0.25\nI think so\n") == "loss 0.25\nI think so\n"


def test_the_sanitizer_deletes_the_core_count_warning_and_no_other_dataloader_warning():
    assert sanitized(FEW_CORES_WARNING) == ""
    assert sanitized(FEW_CORES_WARNING + PYTHON_WARNING) == PYTHON_WARNING
    other = (
        "/v/torch/utils/data/dataloader.py:665: UserWarning: "
        "'pin_memory' argument is set as true but no accelerator is found\n"
    )
    assert sanitized(other) == other


def test_a_stderr_stream_of_log_lines_only_is_dropped_any_other_stderr_is_compared():
    def stream(name, text):
        return nbformat.v4.new_output("stream", name=name, text=text)

    compared = nbval_plugin.transform_streams_for_comparison(  # as patched by conftest.pytest_configure
        [stream("stdout", "params 3658\n"), stream("stderr", LOG_LINES)]
    )
    assert compared == [{"output_type": "stream", "stdout": "params 3658\n"}]
    compared = nbval_plugin.transform_streams_for_comparison([stream("stderr", LOG_LINES + PYTHON_WARNING)])
    assert compared == [{"output_type": "stream", "stderr": LOG_LINES + PYTHON_WARNING}]  # nbval sanitizes it later


def _torch_only_run(ci: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["COURSE_TORCH_ONLY"] = "1"
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "notebooks/01_graphs_tensorflow.ipynb",
            "notebooks/02_autograd_tensorflow.ipynb",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_course_torch_only_says_partial_run_and_fails_under_ci():
    run = _torch_only_run(ci=None)
    assert "PARTIAL RUN: 2 TensorFlow notebooks left out" in run.stdout, run.stdout[-2000:]
    assert run.returncode == 0, run.stdout[-2000:]
    run = _torch_only_run(ci="true")
    assert "PARTIAL RUN: 2 TensorFlow notebooks left out" in run.stdout and "CI is set" in run.stdout
    assert run.returncode == 1, run.stdout[-2000:]
