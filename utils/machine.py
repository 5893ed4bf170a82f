"""What this machine has: the optional programs and features some lessons use.

Each detector answers one question without raising, so a cell (or the build) can say what is missing
instead of showing a traceback: the C++ compiler and ``Python.h`` that ``torch.compile`` (Inductor) builds with,
a Java for TorchServe,
npm (offline Visdom assets), a Chromium (browser test), TensorFlow's allocator statistics and oneDNN
kernels (on Linux on by default only on CPUs with AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX; without them
``get_memory_info("CPU:0")`` raises), and PyTorch's accelerator. Importing this module imports neither
framework. ``python -m utils.machine`` prints one line per item, with the Debian/Ubuntu fix for what is missing.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

__all__ = [
    "INSTALL_HINTS",
    "find_cxx_compiler",
    "find_python_headers",
    "inductor_missing",
    "find_java",
    "find_npm",
    "find_browser",
    "tf_allocator_stats_available",
    "tf_onednn_enabled",
    "torch_accelerator",
    "usable_cpus",
    "report",
]

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PYVER = "{}.{}".format(*sys.version_info[:2])

INSTALL_HINTS = {
    "c++ compiler": "apt-get install g++  (or set CXX to another compiler, e.g. CXX=clang++)",
    "python headers": f"apt-get install python{PYVER}-dev  (Debian/Ubuntu's python3 leaves Python.h out)",
    "java": "apt-get install default-jre-headless  (needs Java 17+; or set JAVA_HOME)",
    "npm": "apt-get install npm, then: python tools/setup_visdom_offline.py",
    "browser": "Debian: apt-get install chromium; Ubuntu: install Google Chrome, or set COURSE_BROWSER=/path/to/chrome",
    "cjk font": "apt-get install fonts-noto-cjk  (the Chinese pages' browser test needs a font with Chinese glyphs)",
    "tf allocator stats": (
        "optional: kept on CPU only with oneDNN on (TF_ENABLE_ONEDNN_OPTS=1 turns it on); a GPU always keeps them"
    ),
    "torch accelerator": "optional: an NVIDIA GPU (CUDA build of torch) or Apple silicon (mps)",
}


def _runs(command: list[str], timeout_s: float = 10.0) -> subprocess.CompletedProcess | None:
    """Run ``command``; the finished process, or None when it cannot start, times out or fails."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.SubprocessError):
        return None
    return done if done.returncode == 0 else None


def find_cxx_compiler() -> str | None:
    """The C++ compiler Inductor would use, or None: ``$CXX`` when set, else ``g++`` (``clang++`` on macOS),
    if ``<cxx> --version`` succeeds. Like Inductor, nothing else is tried: a clang++ on Linux needs CXX=clang++."""
    name = os.environ.get("CXX", "").strip() or ("clang++" if sys.platform == "darwin" else "g++")
    path = shutil.which(name)
    return path if path and _runs([path, "--version"]) is not None else None


def find_python_headers() -> str | None:
    """This Python's ``Python.h``, or None. Inductor's C++ includes it (CPU code, and Triton's launcher on a GPU);
    pyenv's and python.org's builds ship it, Debian/Ubuntu's python3 only with python3.X-dev."""
    path = os.path.join(sysconfig.get_path("include"), "Python.h")
    return path if os.path.isfile(path) else None


def inductor_missing() -> str | None:
    """Why ``torch.compile``'s default backend (Inductor) cannot build code here, with the fix; None if it can."""
    if find_cxx_compiler() is None:
        return f"no C++ compiler ({INSTALL_HINTS['c++ compiler']})"
    return None if find_python_headers() else f"no Python.h for Python {PYVER} ({INSTALL_HINTS['python headers']})"


_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def java_major(version_text: str) -> int | None:
    """The major version in ``java -version`` output: ``"17.0.9"`` -> 17, ``"1.8.0_292"`` -> 8."""
    match = _JAVA_VERSION.search(version_text)
    if match is None:
        return None
    return int(match.group(2)) if match.group(1) == "1" and match.group(2) else int(match.group(1))  # "1.8.0"


def find_java(min_major: int = 17) -> tuple[str, int] | None:
    """``(path, major)`` of the Java TorchServe would start (``$JAVA_HOME/bin/java``, else ``java`` on
    PATH) if its major version is at least ``min_major``; else None."""
    java_home = os.environ.get("JAVA_HOME", "").strip()
    path = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    done = _runs([path, "-version"]) if path else None  # prints to stderr
    major = java_major(done.stderr + done.stdout) if done else None
    return (path, major) if major is not None and major >= min_major else None


def find_npm() -> str | None:
    """The path of ``npm``, or None."""
    return shutil.which("npm")


def find_cjk_font() -> str | None:
    """The family of an installed font with Chinese glyphs (fontconfig's ``fc-list :lang=zh``), or None."""
    fc_list = shutil.which("fc-list")
    out = _runs([fc_list, ":lang=zh", "family"]) if fc_list else None
    lines = out.stdout.splitlines() if out else []
    return next((line.split(",")[0].strip() for line in lines if line.strip()), None)


def find_browser() -> str | None:
    """A Chromium-family browser that runs (``--version``): ``$COURSE_BROWSER`` if set, else the first on PATH.
    Ubuntu's chromium-browser deb is a stub that only asks for the snap, and exits 1 where there is none."""
    chosen = os.environ.get("COURSE_BROWSER", "").strip()
    paths = [shutil.which(chosen)] if chosen else map(shutil.which, BROWSERS)
    return next((path for path in paths if path and _runs([path, "--version"]) is not None), None)


def cpu_model() -> str:
    """The CPU's model name as ``/proc/cpuinfo`` gives it (Linux), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cpus() -> int:
    """The CPUs this process may run on (``taskset``, cpusets), which ``os.cpu_count()`` ignores: it counts the
    machine's. A CPU quota (``docker --cpus``) limits time, not this count."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def tf_allocator_stats_available(device: str = "CPU:0") -> bool:
    """True when ``tf.config.experimental.get_memory_info(device)`` works here (imports TensorFlow)."""
    try:
        import tensorflow as tf

        tf.config.experimental.get_memory_info(device)
    except (ImportError, ValueError, RuntimeError):  # ValueError: "Allocator stats not available for device"
        return False
    return True


def tf_onednn_enabled() -> bool | None:
    """Whether TensorFlow's oneDNN CPU kernels are on, or None when it cannot tell (imports TensorFlow;
    reads ``IsMklEnabled``, a private binding that may move between releases)."""
    try:
        from tensorflow.python.util import _pywrap_util_port

        return bool(_pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):
        return None


def torch_accelerator() -> str:
    """``"cuda"``, ``"mps"`` (Apple silicon) or ``"none"`` (imports PyTorch)."""
    try:
        import torch
    except ImportError:
        return "none"
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    return "mps" if mps is not None and mps.is_available() else "none"


def report(frameworks: bool = True) -> list[str]:
    """One line per item: what was found, or ``missing`` and how to get it on Debian/Ubuntu."""
    java = find_java()
    found = {
        "c++ compiler": find_cxx_compiler(),
        "python headers": f"Python.h of Python {PYVER}" if find_python_headers() else None,
        "java": f"{java[0]} (Java {java[1]})" if java else None,
        "npm": find_npm(),
        "browser": find_browser(),
    }
    if frameworks:
        found["tf allocator stats"] = "CPU:0" if tf_allocator_stats_available() else None
        accelerator = torch_accelerator()
        found["torch accelerator"] = None if accelerator == "none" else accelerator
    return [
        f"{item:<19} {value}" if value else f"{item:<19} missing -> {INSTALL_HINTS[item]}"
        for item, value in found.items()
    ]


if __name__ == "__main__":
    print("\n".join(report(frameworks="--no-frameworks" not in sys.argv[1:])))
