"""The first cell of every notebook, on Colab: fetch the course, install only what Colab lacks; elsewhere nothing.

The cell (``tools/colab_cell.py`` writes it) imports nothing of the course: it tests ``"google.colab" in
sys.modules``, clones the repository (``utils.course.REPO``) into /content/course, then calls ``bootstrap`` below.
Colab ships torch, TensorFlow and Keras: they are never installed, and pip is held to their installed versions.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

NEVER = ("torch", "tensorflow")  # Colab's own builds (with its CUDA): never replaced
NOT_FOR_NOTEBOOKS = ("jupyterlab", "ipykernel", "nbclient", "nbformat", "jupytext", "nbval", "pytest", "ruff", "playwright",
                     "greenlet", "jupyter-repo2docker")  # the test suite's and the local lab's, not a notebook's


def on_colab(modules=None) -> bool:
    return "google.colab" in (sys.modules if modules is None else modules)


def installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def missing_requirements(requirements: Path, version=installed) -> list[str]:
    """The pinned lines of requirements.txt whose package is not installed at all (never torch or tensorflow)."""
    wanted = []
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].strip()
        name = re.split(r"[=<>!~\[; ]", line)[0]
        if name and name.lower() not in NEVER + NOT_FOR_NOTEBOOKS and version(name) is None:
            wanted.append(line)
    return wanted


def bootstrap(root="/content/course", repo_url="", modules=None, fetch=None, run=subprocess.run, version=installed):
    """On Colab: the course at root (fetched if absent), importable, cwd notebooks/, missing packages installed.

    Returns what it did ({"fetched": bool, "installed": [...]}), or None when not on Colab (then it does nothing).
    """
    if not on_colab(modules):
        return None
    root = Path(root)
    fetched = not (root / "utils").is_dir()
    if fetched:
        (fetch or (lambda url, dest: run(["git", "clone", "-q", "--depth=1", url, str(dest)], check=True)))(repo_url, root)
    for path in (root / "notebooks", root):  # utils and pairs (notebooks/pairs), as the local install provides them
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), str(root / "notebooks"), os.environ.get("PYTHONPATH")]))
    os.chdir(root / "notebooks")
    wanted = missing_requirements(root / "requirements.txt", version)
    if wanted:
        held = [f"{name}=={version(name)}" for name in NEVER if version(name)]
        constraints = root / ".colab-constraints.txt"
        constraints.write_text("\n".join(held) + "\n")
        run([sys.executable, "-m", "pip", "install", "-q", "-c", str(constraints), *wanted], check=True)
    return {"fetched": fetched, "installed": wanted}
