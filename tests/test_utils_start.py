"""utils.start: the setup line of a notebook (quiet TensorFlow start-up, seed, device, one printed line)."""

import os
import subprocess
import sys
import textwrap

import pytest

from utils.start import STARTUP_NOISE, machine_line, quiet_stderr, start_torch

# Lines TensorFlow 2.21 wrote at start-up on this course's CPU machines (stored in notebooks before utils.start).
SAMPLES = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796352104.013832    4482 port.cc:153] oneDNN custom operations are on. You may see slightly "
    "different numerical results due to floating-point round-off errors from different computation orders. To turn "
    "them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.",
    "I0000 00:00:1796352104.014836    4482 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will "
    "not be used.",
    "I0000 00:00:1796471670.099243    4865 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use "
    "available CPU instructions in performance-critical operations.",
    "E0000 00:00:1796352105.958976    4482 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: Failed "
    "call to cuInit: UNKNOWN ERROR (303)",
]


@pytest.mark.parametrize("line", SAMPLES)
def test_known_start_up_lines_are_noise(line):
    assert STARTUP_NOISE.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "E0000 00:00:1.0 1 op_kernel.cc:1] OP_REQUIRES failed at matmul_op.cc: INVALID_ARGUMENT",
        "Segmentation fault",
        "W0000 00:00:1.0 1 gpu_device.cc:1] Cannot dlopen some GPU libraries.",
    ],
)
def test_other_lines_are_not_noise(line):
    assert not STARTUP_NOISE.search(line)


def test_quiet_stderr_drops_noise_and_passes_the_rest_on(capfd):
    with quiet_stderr():
        os.write(2, (SAMPLES[1] + "\n").encode())
        os.write(2, b"a real problem\n")
        os.write(2, (SAMPLES[4] + "\n").encode())
    err = capfd.readouterr().err
    assert err == "a real problem\n"


def test_quiet_stderr_restores_descriptor_2_after_an_error(capfd):
    with pytest.raises(ZeroDivisionError):
        with quiet_stderr():
            os.write(2, b"before the error\n")
            raise ZeroDivisionError
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "before the error\nafter\n"


def test_machine_line_names_device_gpus_cpus_and_seed():
    line = machine_line("TensorFlow 9.9", "/CPU:0", [], 0)
    assert line.startswith("TensorFlow 9.9 on /CPU:0 (no GPU) · ")
    assert "CPU cores usable" in line and line.endswith("seed 0")
    assert "(NVIDIA H100, NVIDIA H100)" in machine_line("PyTorch", "cuda", ["NVIDIA H100"] * 2, None)
    assert machine_line("PyTorch", "cuda", [], None).endswith("not seeded")


def test_start_torch_prints_one_line_and_honours_course_device(monkeypatch, capsys):
    import torch

    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert start_torch(seed=1) == torch.device("cpu")
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith(f"PyTorch {torch.__version__}") and out[0].endswith("seed 1")
    assert f"({torch.get_num_threads()} thread" in out[0]
    before = torch.get_num_threads()
    try:
        start_torch(seed=1, threads=1)
        assert torch.get_num_threads() == 1 and "(1 thread)" in capsys.readouterr().out
    finally:
        torch.set_num_threads(before)
    assert torch.initial_seed() == 1


def test_start_tensorflow_in_a_fresh_process_prints_one_line_and_no_start_up_noise():
    """And splits the CPU into logical devices before TensorFlow initialises them, after Triton when asked."""
    # A fresh process: TensorFlow's start-up lines are written only once per process, when it loads.
    code = textwrap.dedent("""
        from utils.start import start_tensorflow
        device = start_tensorflow(seed=0, logical_cpus=3, with_torch=True, threads=1)
        import importlib.util, os, sys, tensorflow as tf
        assert ("triton" in sys.modules) == (importlib.util.find_spec("triton") is not None)  # loaded first if any
        assert device == "/CPU:0", device
        assert len(tf.config.list_logical_devices("CPU")) == 3
        assert tf.config.threading.get_intra_op_parallelism_threads() == 1
        assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
        print(float(tf.random.uniform([])))
    """)
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["COURSE_DEVICE"] = "cpu"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=240)
    assert run.returncode == 0, run.stderr
    first, _draw = run.stdout.splitlines()
    assert first.startswith("TensorFlow ") and " on /CPU:0 " in first and first.endswith("seed 0")
    assert "(1 thread)" in first
    noise = [line for line in run.stderr.splitlines() if STARTUP_NOISE.search(line)]
    assert noise == [], noise


def test_start_torch_keeps_the_cuda_builds_no_runtime_warning_off_a_machine_without_cuda(tmp_path):
    """torch finds a CUDA toolkit (here: CUDA_HOME) but no GPU: the warning it logs is noise after the setup line."""
    code = textwrap.dedent("""
        import sys, torch
        if torch.cuda.is_available():
            sys.exit(0)  # a GPU: nothing to keep off
        if sys.argv[1] == "start":
            from utils.start import start_torch
            start_torch(seed=0)
        from torch.utils import cpp_extension  # as torch.compile's first C++ build does: it looks for CUDA_HOME
    """)
    env = dict(os.environ, CUDA_HOME=str(tmp_path), COURSE_DEVICE="cpu")
    runs = {
        how: subprocess.run([sys.executable, "-c", code, how], capture_output=True, text=True, env=env, timeout=240)
        for how in ("plain", "start")
    }
    assert all(run.returncode == 0 for run in runs.values()), {how: run.stderr for how, run in runs.items()}
    if "No CUDA runtime is found" not in runs["plain"].stderr:
        pytest.skip("this torch does not log that warning")
    assert "No CUDA runtime is found" not in runs["start"].stderr, runs["start"].stderr
