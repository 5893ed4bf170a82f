"""The Colab cell's pip install, for real: a fresh venv on Colab's Python and packages, real pip, the real cell code.

tests/test_colab.py fakes pip; this one does not (a faked pip is how visdom's broken build on Colab went unseen). The
venv gets the part of Colab's stack the cell's install lands on, at Colab's versions (tools/stacks/colab.txt with
Colab's pip freeze as constraints), less torch and TensorFlow: none of what the cell installs depends on them, and
they are the slow part (the full stack, frameworks included, is the Colab rehearsal: ``make colab-rehearsal``).
Then ``utils.colab.bootstrap`` runs in that venv with ``google.colab`` imported, as on Colab, and must leave every
pin a notebook needs importable. About two minutes with a warm pip cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tools import stacks
from utils import REPO_ROOT

# torch and TensorFlow: nothing the cell installs needs them (see above). The rest: the test suite's and the kernel's,
# never installed by the cell (utils.colab.NOT_FOR_NOTEBOOKS), or not a dependency of what it installs.
LEFT_OUT = {
    "torch",
    "tensorflow",
    "pandas",
    "scikit-learn",
    "ipykernel",
    "ipython",
    "jupyter_client",
    "pyzmq",
    "nbclient",
    "nbformat",
    "jupytext",
    "pytest",
}


def colab_python():
    try:
        return stacks.find_python(stacks.colab_python())
    except SystemExit as missing:
        pytest.skip(str(missing))


def test_the_colab_cell_installs_what_colab_lacks_with_real_pip(tmp_path):
    python, venv = colab_python(), tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    freeze = stacks.STACKS / "colab-freeze.txt"
    lines = stacks.requirement_names(stacks.STACKS / "colab.txt")
    subprocess.run(pip + ["-c", str(freeze), "pip", *[n for n in lines if n not in LEFT_OUT]], check=True)
    course = tmp_path / "course"  # what the cell's git clone gives bootstrap: utils/ and the requirements
    shutil.copytree(REPO_ROOT / "utils", course / "utils", ignore=shutil.ignore_patterns("__pycache__"))
    (course / "notebooks").mkdir()
    for name in ("requirements.txt", "requirements-nodeps.txt"):
        shutil.copy(REPO_ROOT / name, course / name)
    # as on Colab, the cell imports utils from the folder it changed into (python -c puts the cwd first on sys.path)
    cell = (
        f"import json, sys, types; sys.modules['google.colab'] = types.ModuleType('google.colab'); "
        "from utils.colab import bootstrap; "
        f"print(json.dumps(bootstrap({str(course)!r})))"
    )
    # Colab's pip reads none of this machine's pip configuration (local indexes, find-links)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")} | {"PIP_CONFIG_FILE": os.devnull}
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", cell], capture_output=True, text=True, cwd=course, env=env
    )
    assert done.returncode == 0, f"the Colab cell's pip install failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    installed = json.loads(done.stdout.strip().splitlines()[-1])["installed"]
    assert "visdom==0.2.4" in installed and any(p.startswith("executorch==") for p in installed)
    # afterwards nothing a notebook needs is missing, and what was built from source imports
    check = (
        "from pathlib import Path; "
        f"from utils.colab import missing_requirements;"
        f" root = Path({str(course)!r}); print(missing_requirements(root / 'requirements.txt') + "
        "missing_requirements(root / 'requirements-nodeps.txt')); import visdom, onnxruntime, flask"
    )
    after = subprocess.run([str(venv / "bin" / "python"), "-c", check], capture_output=True, text=True, cwd=course)
    assert after.returncode == 0 and after.stdout.strip() == "[]", after.stdout + after.stderr
