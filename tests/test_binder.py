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
        # the user Binder builds with; without it repo2docker takes the caller's uid (root here: 0, a learner: 1000)
        [command, "--no-build", "--debug", "--user-id", "1000", "--user-name", "jovyan", str(REPO_ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
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
    course_visdom = course.pop("visdom")  # installed by postBuild
    for test_only in ("jupyter-repo2docker", "playwright", "greenlet"):  # the test suite's tools, not the course's
        course.pop(test_only)
    # the classroom's server-side tools (docs/teaching.md): not in a learner's Binder session, whose jupyterhub
    # (the single-user server mybinder.org's hub talks to) stays the one repo2docker's base environment brings
    for classroom_only in ("jupyterhub", "nbgrader"):
        course.pop(classroom_only)
    assert binder == course, "binder/requirements.txt and requirements.txt pin different versions"
    post_build = (REPO_ROOT / "binder" / "postBuild").read_text()
    build_deps = re.search(r"^VISDOM_BUILD_DEPS := (.+)$", (REPO_ROOT / "Makefile").read_text(), re.MULTILINE).group(1)
    assert "setuptools==80." in build_deps  # visdom's setup.py imports pkg_resources, gone in setuptools 81
    assert "visdom==" + course_visdom in post_build and f"pip install --no-cache-dir {build_deps}\n" in post_build


# -- the lock (requirements-lock.txt): every package of the environment, used by the Makefile and by Binder -----


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_pins_every_direct_pin_at_the_same_version_and_torch_without_a_local_label():
    lock_text = (REPO_ROOT / "requirements-lock.txt").read_text()
    names = [_norm(n) for n, _ in PIN.findall(lock_text)]
    assert len(names) == len(set(names)) > 150, "one exact line per package of the built environment"
    assert not [
        line for line in lock_text.splitlines() if line.strip() and not line.startswith("#") and "==" not in line
    ]
    lock = {_norm(n): v for n, v in PIN.findall(lock_text)}
    assert lock["torch"] == pins(REPO_ROOT / "requirements.txt")["torch"], (
        "torch without +cpu: one line for both builds"
    )
    for source in ("requirements.txt", "binder/requirements.txt"):
        for name, version in pins(REPO_ROOT / source).items():
            name = {"tensorflow-cpu": "tensorflow"}.get(_norm(name), _norm(name))
            assert lock.get(name) == version.split("+")[0], f"{source}: {name}=={version}, lock: {lock.get(name)}"
    for transitive in ("protobuf", "werkzeug", "jupyter-client", "jinja2", "requests", "scipy", "setuptools", "pip"):
        assert transitive in lock, f"{transitive} floats: not in the lock"


def test_binder_and_the_makefile_install_with_the_lock(dockerfile):
    binder = (REPO_ROOT / "binder" / "requirements.txt").read_text()
    assert re.search(r"^-c \.\./requirements-lock\.txt$", binder, re.MULTILINE)
    # the -c path is resolved from binder/, so the requirements must be installed after the whole repo is copied
    assert dockerfile.index("COPY --chown=1000:1000 src/ ") < dockerfile.index(
        'pip install --no-cache-dir -r "binder/requirements.txt"'
    )
    post_build = (REPO_ROOT / "binder" / "postBuild").read_text()
    assert "-c requirements-lock.txt" in post_build and "setup_visdom_offline.py --strict" in post_build
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "LOCK := requirements-lock.txt" in makefile and 'LOCK_ARGS ?= -c "$(CURDIR)/$(LOCK)"' in makefile
    assert makefile.count("$(LOCK_ARGS)") >= 4 and "\nlock:" in makefile


def test_every_locked_package_installed_here_admits_every_supported_python():
    """Requires-Python of each installed package the lock pins, offline (``make lock`` asks PyPI the same, and about
    yanked releases): one that excludes a supported Python (soupsieve 4.1.3 wants >= 3.11.5) makes `make venv` fail
    there with 'No matching distribution', never here."""
    from importlib import metadata

    from tools.check_lock import excluded_pythons

    lock = {_norm(n): v for n, v in PIN.findall((REPO_ROOT / "requirements-lock.txt").read_text())}
    checked, excluding = 0, []
    for dist in metadata.distributions():
        name = _norm(dist.metadata["Name"] or "")
        if lock.get(name) != dist.version:
            continue  # not locked (the course itself), or another build on this machine
        checked += 1
        wanted = dist.metadata.get("Requires-Python")
        excluding += [f"{name}=={dist.version} wants Python {wanted}, not {py}" for py in excluded_pythons(wanted)]
    assert checked > 150, f"only {checked} locked packages are installed here: run in the course's venv"
    assert not excluding, "; ".join(excluding)


def test_binders_start_names_the_pins_the_image_was_built_from():
    """00_start_here compares the installed packages with COURSE_PINS: on Binder, binder/requirements.txt
    (tensorflow-cpu, torch's +cpu build, no test tools); with requirements.txt it failed there (Binder rehearsal)."""
    import os
    import subprocess

    out = subprocess.run(
        [str(REPO_ROOT / "binder" / "start"), "env"], env=dict(os.environ), capture_output=True, text=True, check=True
    )
    pins_file = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)["COURSE_PINS"]
    assert pins(REPO_ROOT / pins_file) == pins(REPO_ROOT / "binder" / "requirements.txt")
    assert "tensorflow-cpu" in pins(REPO_ROOT / pins_file)
