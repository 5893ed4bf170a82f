"""What this machine has: the optional programs and features some lessons use.

Each detector answers one question without raising, so a notebook cell (or the
build) can branch on it and say what is missing instead of showing a traceback:

* :func:`find_cxx_compiler` -- the C++ compiler ``torch.compile`` (Inductor) would call;
* :func:`find_java` -- a Java runtime new enough for TorchServe's front end;
* :func:`find_npm` -- npm, which puts Visdom's browser assets in place offline;
* :func:`find_browser` -- a Chromium for the headless browser test;
* :func:`tf_allocator_stats_available` -- whether TensorFlow keeps allocator
  statistics (``get_memory_info``) for a device; on CPU that depends on the build and CPU;
* :func:`torch_accelerator` -- ``"cuda"``, ``"mps"`` or ``"none"``.

Importing this module imports neither PyTorch nor TensorFlow. ``python -m
utils.machine`` prints one line per item, with the Debian/Ubuntu fix for what is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

__all__ = [
    "INSTALL_HINTS",
    "find_cxx_compiler",
    "find_java",
    "find_npm",
    "find_browser",
    "tf_allocator_stats_available",
    "torch_accelerator",
    "report",
]

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

INSTALL_HINTS = {
    "c++ compiler": "apt-get install g++  (or set CXX to a working compiler)",
    "java": "apt-get install default-jre-headless  (needs Java 17+; or set JAVA_HOME)",
    "npm": "apt-get install npm, then: python tools/setup_visdom_offline.py",
    "browser": "Debian: apt-get install chromium; Ubuntu: install Google Chrome, or set COURSE_BROWSER=/path/to/chrome",
    "tf allocator stats": "nothing to install: TensorFlow's CPU allocator keeps them only on some builds/CPUs; a GPU always has them",
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
    """The C++ compiler Inductor would use, or None.

    Inductor tries ``$CXX`` when it is set (and then nothing else), else ``g++``
    (``clang++`` on macOS), and accepts it when ``<cxx> --version`` succeeds. We
    mirror that, and try ``clang++`` after ``g++`` on Linux too, as a hint.
    """
    cxx = os.environ.get("CXX", "").strip()
    candidates = [cxx] if cxx else (["clang++", "g++"] if sys.platform == "darwin" else ["g++", "clang++"])
    for name in candidates:
        path = shutil.which(name)
        if path and _runs([path, "--version"]) is not None:
            return path
    return None


_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def java_major(version_text: str) -> int | None:
    """The major version in ``java -version`` output: ``"17.0.9"`` -> 17, ``"1.8.0_292"`` -> 8."""
    match = _JAVA_VERSION.search(version_text)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2):  # Java 8 and older: "1.8.0"
        major = int(match.group(2))
    return major


def find_java(min_major: int = 17) -> tuple[str, int] | None:
    """``(path, major)`` of the Java TorchServe would start, if it is at least ``min_major``; else None.

    TorchServe runs ``$JAVA_HOME/bin/java`` when ``JAVA_HOME`` is set, else ``java`` on PATH.
    """
    java_home = os.environ.get("JAVA_HOME", "").strip()
    path = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    if not path:
        return None
    done = _runs([path, "-version"])  # prints to stderr
    if done is None:
        return None
    major = java_major(done.stderr + done.stdout)
    if major is None or major < min_major:
        return None
    return path, major


def find_npm() -> str | None:
    """The path of ``npm``, or None."""
    return shutil.which("npm")


def find_browser() -> str | None:
    """A Chromium-family browser: ``$COURSE_BROWSER`` if set (and executable), else the first on PATH."""
    chosen = os.environ.get("COURSE_BROWSER", "").strip()
    if chosen:
        return shutil.which(chosen)
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def tf_allocator_stats_available(device: str = "CPU:0") -> bool:
    """True when ``tf.config.experimental.get_memory_info(device)`` works here (imports TensorFlow)."""
    try:
        import tensorflow as tf
    except ImportError:
        return False
    try:
        tf.config.experimental.get_memory_info(device)
    except (ValueError, RuntimeError):
        return False
    return True


def torch_accelerator() -> str:
    """``"cuda"``, ``"mps"`` (Apple silicon) or ``"none"`` (imports PyTorch)."""
    try:
        import torch
    except ImportError:
        return "none"
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "none"


def report(frameworks: bool = True) -> list[str]:
    """One line per item: what was found, or ``missing`` and how to get it on Debian/Ubuntu."""
    java = find_java()
    found = {
        "c++ compiler": find_cxx_compiler(),
        "java": f"{java[0]} (Java {java[1]})" if java else None,
        "npm": find_npm(),
        "browser": find_browser(),
    }
    if frameworks:
        found["tf allocator stats"] = "CPU:0" if tf_allocator_stats_available() else None
        accelerator = torch_accelerator()
        found["torch accelerator"] = None if accelerator == "none" else accelerator
    return [f"{item:<19} {value}" if value else f"{item:<19} missing -> {INSTALL_HINTS[item]}"
            for item, value in found.items()]


# Added for the Makefile's preflight (tools/preflight.sh): what `make lab` / `make test` need, and the
# Debian/Ubuntu packages that provide it, tried in order (Ubuntu 22.04's default-jre-headless is Java 11).
APT_PACKAGES = {
    "c++ compiler": ("g++",),
    "java": ("default-jre-headless", "openjdk-17-jre-headless"),
    "npm": ("npm",),
    "browser": ("chromium",),
}
NEEDED_FOR = {
    "lab": ("c++ compiler", "java", "npm"),  # torch.compile (01), TorchServe (07), offline Visdom (06)
    "test": ("c++ compiler", "java", "npm", "browser"),  # + tests/test_browser.py
}


def missing_for(purpose: str) -> list[tuple[str, tuple[str, ...], str]]:
    """``(item, apt packages, hint)`` for each program ``purpose`` (``"lab"`` or ``"test"``) needs and lacks."""
    present = {
        "c++ compiler": find_cxx_compiler,
        "java": find_java,
        "npm": find_npm,
        "browser": find_browser,
    }
    return [(item, APT_PACKAGES[item], INSTALL_HINTS[item]) for item in NEEDED_FOR[purpose] if not present[item]()]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--require"]:  # `--require lab|test`: one tab-separated line per missing item, exit 1
        gone = missing_for(sys.argv[2])
        for item, packages, hint in gone:
            print(f"{item}\t{' '.join(packages)}\t{hint}")
        sys.exit(1 if gone else 0)
    print("\n".join(report(frameworks="--no-frameworks" not in sys.argv[1:])))
