"""The first cell of every notebook, on Colab: fetch the course, install only what Colab lacks; elsewhere nothing.

The cell (``tools/colab_cell.py`` writes it) imports nothing of the course: it tests ``"google.colab" in
sys.modules``, clones the repository (``utils.course.REPO``) into /content/course, then calls ``bootstrap`` below.
Colab ships torch, TensorFlow and Keras: they are never installed, and pip is held to their installed versions.
visdom 0.2.4 ships only a setup.py that imports pkg_resources, which setuptools 81+ lacks: under pip's build isolation
it dies, so it is built as the Makefile builds it, against the environment's own setuptools (<81, installed only if
absent or too new) with --no-build-isolation. ``tools/stacks.py colab`` rehearses this cell in a stand-in of Colab's
stack; tests/test_colab_pip.py runs its pip commands for real.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

NEVER = ("torch", "tensorflow")  # Colab's own builds (with its CUDA): never replaced
NOT_FOR_NOTEBOOKS = (
    "jupyterlab",
    "ipykernel",
    "nbclient",
    "nbformat",
    "jupytext",
    "nbval",
    "pytest",
    "ruff",
    "playwright",
    "greenlet",
    "jupyter-repo2docker",
    # the classroom's and Binder's servers (Colab serves its own notebooks): nbgrader, JupyterHub, RISE, the proxy
    "nbgrader",
    "jupyterhub",
    "jupyterlab-rise",
    "jupyter-server-proxy",
    "notebook",
)  # the test suite's and the local lab's, not a notebook's


def not_needed_here(modules=None) -> set[str]:
    """The pins a notebook may find missing: on Colab, those the Colab cell leaves out; elsewhere none."""
    return set(NOT_FOR_NOTEBOOKS) if on_colab(modules) else set()


# What visdom's setup.py is built against (the Makefile's VISDOM_BUILD_DEPS; Colab's own setuptools 75 qualifies)
VISDOM_BUILD = ("setuptools<81", "wheel")


def on_colab(modules=None) -> bool:
    return "google.colab" in (sys.modules if modules is None else modules)


def installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


# Pins installed even where Colab has another version: executorch (requirements-nodeps.txt, no dependencies) needs
# the torchao it was built against; with Colab's torchao 0.10.0, 07_deployment_pytorch died at its ExecuTorch export
# ('torchao' has no attribute 'dequantize_affine', the Colab rehearsal of 2026-12-07). executorch itself: at the
# release built for the torch at hand (EXECUTORCH_FOR_TORCH), whatever an earlier run of the cell installed.
AT_PIN = ("torchao", "executorch")

# ExecuTorch's Python runtime (executorch.runtime) is compiled against one torch release's C++ headers, and its
# wheels from 1.5.0 on declare no torch requirement, so pip cannot keep the two in step. The course's executorch
# 1.5.1 (released with torch 2.14: pytorch/test-infra#8837) imports and exports beside Colab's torch 2.11.0, then
# fails at the runtime's first call: "RuntimeError: tensor does not have a device" (07_deployment_pytorch §3.6, the
# Colab rehearsal of 2026-12-07). Where the torch at hand is one of these, the cell installs the ExecuTorch release
# built for it instead: 1.2.0 pins torch 2.11 (pytorch/executorch#18107, #18418), declares torch>=2.11.0 and
# torchao>=0.17.0 (the course's torchao 0.18.0 qualifies; torchao is ABI-stable from 0.17.0 on torch 2.11+,
# pytorch/ao#2919), and runs §3.6 on torch 2.11.0 (checked here, 2026-12-07). Any other torch keeps the course's pin.
EXECUTORCH_FOR_TORCH = {"2.11": "1.2.0"}


def for_this_torch(line: str, version=installed) -> str:
    """The requirement line, or for executorch beside a torch that EXECUTORCH_FOR_TORCH names, that release."""
    torch = version("torch")
    if name_of(line) != "executorch" or not torch:
        return line
    release = EXECUTORCH_FOR_TORCH.get(".".join(torch.split("+")[0].split(".")[:2]))
    return f"executorch=={release}" if release else line


def missing_requirements(requirements: Path, version=installed) -> list[str]:
    """The pinned lines of requirements.txt whose package is not installed at all (never torch or tensorflow), and
    those of AT_PIN installed at another version (executorch's: the one for the torch at hand, for_this_torch)."""
    wanted = []
    for line in requirements.read_text().splitlines():
        line = for_this_torch(line.split("#")[0].strip(), version)
        name = re.split(r"[=<>!~\[; ]", line)[0]
        if not name or name.lower() in NEVER + NOT_FOR_NOTEBOOKS:
            continue
        have = version(name)
        if have is None or (name.lower() in AT_PIN and "==" in line and have != line.split("==", 1)[1].strip()):
            wanted.append(line)
    return wanted


def name_of(line: str) -> str:
    return re.split(r"[=<>!~\[; ]", line)[0].lower()


def pip_commands(root: Path, version=installed, python: str = sys.executable) -> tuple[list[list[str]], list[str]]:
    """The pip commands that install what the course needs and the environment lacks, in order, and those pins.

    visdom first, alone, without build isolation, after its build dependencies; then every other missing pin of
    requirements.txt; then the missing pins of requirements-nodeps.txt without their dependencies (as the Makefile
    does). pip is held to the installed torch and TensorFlow (``root/.colab-constraints.txt``).
    """
    root = Path(root)
    wanted = missing_requirements(root / "requirements.txt", version)
    nodeps = root / "requirements-nodeps.txt"
    loose = missing_requirements(nodeps, version) if nodeps.exists() else []
    if not wanted and not loose:
        return [], []
    held = [f"{name}=={version(name)}" for name in NEVER if version(name)]
    constraints = root / ".colab-constraints.txt"
    constraints.write_text("\n".join(held) + "\n")
    pip = [python, "-m", "pip", "install", "-q", "-c", str(constraints)]
    visdom = [line for line in wanted if name_of(line) == "visdom"]
    rest = [line for line in wanted if name_of(line) != "visdom"]
    commands = [pip + list(VISDOM_BUILD), pip + ["--no-build-isolation", *visdom]] if visdom else []
    commands += [pip + rest] if rest else []
    commands += [pip + ["--no-deps", *loose]] if loose else []
    return commands, visdom + rest + loose


def bootstrap(root="/content/course", repo_url="", modules=None, fetch=None, run=subprocess.run, version=installed):
    """On Colab: the course at root (fetched if absent), importable, cwd notebooks/, missing packages installed.

    Returns what it did ({"fetched": bool, "installed": [...]}), or None when not on Colab (then it does nothing).
    """
    if not on_colab(modules):
        return None
    root = Path(root)
    fetched = not (root / "utils").is_dir()
    if fetched:
        (fetch or (lambda url, dest: run(["git", "clone", "-q", "--depth=1", url, str(dest)], check=True)))(
            repo_url, root
        )
    for path in (root / "notebooks", root):  # utils and pairs (notebooks/pairs), as the local install provides them
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(root), str(root / "notebooks"), os.environ.get("PYTHONPATH")])
    )
    os.chdir(root / "notebooks")
    commands, pins = pip_commands(root, version)
    for command in commands:
        run(command, check=True)
    return {"fetched": fetched, "installed": pins}
