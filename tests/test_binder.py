"""The Binder configuration, checked with repo2docker itself (no Docker engine needed for --no-build)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from utils import REPO_ROOT

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", re.MULTILINE)


def pins(path: Path) -> dict:
    return {name.lower(): version for name, version in PIN.findall(path.read_text())}


@pytest.fixture(scope="module")
def dockerfile() -> str:
    repo2docker = Path(sys.executable).with_name("repo2docker")
    command = str(repo2docker) if repo2docker.exists() else shutil.which("repo2docker")
    assert command, "repo2docker is not installed (it is pinned in requirements.txt): run `make venv`"
    result = subprocess.run(
        [command, "--no-build", "--debug", str(REPO_ROOT)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout + result.stderr


def test_binder_builds_python_3_11(dockerfile):
    assert "python=3.11" in dockerfile


def test_binder_installs_the_cpu_requirements_then_runs_post_build(dockerfile):
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile
    assert "./binder/postBuild" in dockerfile
    assert dockerfile.index("binder/requirements.txt") < dockerfile.index("./binder/postBuild")


def test_binder_installs_a_compiler_for_torch_compile(dockerfile):
    assert re.search(r"apt-get install .*\bg\+\+", dockerfile)


def test_binder_uses_cpu_builds_and_the_same_pins_as_the_course():
    binder = pins(REPO_ROOT / "binder" / "requirements.txt")
    course = pins(REPO_ROOT / "requirements.txt")
    assert binder.pop("torch") == course.pop("torch") + "+cpu", "Binder must take the CPU wheel of the same torch"
    assert "download.pytorch.org/whl/cpu" in (REPO_ROOT / "binder" / "requirements.txt").read_text()
    assert binder.pop("tensorflow-cpu") == course.pop("tensorflow")
    course.pop("visdom")  # installed by postBuild
    for test_only in ("jupyter-repo2docker", "playwright", "greenlet"):  # the test suite's tools, not the course's
        course.pop(test_only)
    assert binder == course, "binder/requirements.txt and requirements.txt pin different versions"
    post_build = (REPO_ROOT / "binder" / "postBuild").read_text()
    assert "visdom" in post_build and "setuptools<81" in post_build
