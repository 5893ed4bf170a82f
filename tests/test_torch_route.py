"""One torch release everywhere, and the CUDA route named where it is taken (issue 24: never a silent fallback)."""

from __future__ import annotations

import re

from utils import REPO_ROOT


def pin(path, name):
    return re.search(rf"^{name}==([^\s#]+)", (REPO_ROOT / path).read_text(), re.M).group(1)


def test_the_makefile_installs_the_pinned_torch():
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert re.search(r"^TORCH_VERSION := (\S+)$", makefile, re.M).group(1) == pin("requirements.txt", "torch")
    assert pin("requirements-lock.txt", "torch") == pin("requirements.txt", "torch")


def test_ci_names_the_cuda_build_and_auto_never_falls_back_to_it():
    ci = [line for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines() if not line.startswith("#")]
    assert "make test TORCH_VARIANT=cuda" in ci, "CI cannot reach PyTorch's CPU index: it must name the CUDA build"
    preflight = (REPO_ROOT / "tools" / "preflight.sh").read_text()
    # without a GPU, auto means the CPU build; when that cannot be had, the preflight stops and names TORCH_VARIANT=cuda
    assert "variant=cpu" in preflight and "TORCH_VARIANT=cuda takes the ~4 GB CUDA build" in preflight
