"""Colab and Binder: one repository address for every link, and the Colab cell tested by simulating Colab.

Colab cannot be reached from here, so its environment is faked: a ``google.colab`` entry in ``sys.modules``, temp
directories for /content/course, a fake fetch, a fake package lookup and a recorder instead of pip (the pip commands
themselves run for real in tests/test_colab_pip.py, in a stand-in of Colab's stack). Both branches
run: on Colab the course is fetched once, made importable, and only the packages Colab lacks are installed (never
torch or TensorFlow, which pip is held to); anywhere else nothing happens at all.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import types

import jupytext
import pytest

from tools import colab_cell
from utils import NOTEBOOKS_DIR, REPO_ROOT, colab
from utils.course import REPO, REPO_URL, binder_url, colab_url

SOURCES = sorted((NOTEBOOKS_DIR / "text").glob("*.py"))
LAUNCH_LINK = re.compile(
    r"https://(?:mybinder\.org/v2/gh|colab\.research\.google\.com/github|github\.com)/([\w.-]+/[\w.-]+)"
)


def test_every_binder_colab_and_github_link_uses_the_one_repository():
    files = [REPO_ROOT / "README.md", REPO_ROOT / "CONTRIBUTING.md", *SOURCES, *(REPO_ROOT / "docs").glob("*.md")]
    for path in files:
        for repo in LAUNCH_LINK.findall(path.read_text()):
            if "badge" in repo or repo.startswith(("pytorch/", "tensorflow/", "keras-team/")):
                continue  # upstream projects cited as sources, not the course's own links
            assert repo == REPO, f"{path.name} links {repo}, not utils.course.REPO = {REPO}"
    readme = (REPO_ROOT / "README.md").read_text()
    assert f"]({binder_url()})" in readme and f"]({colab_url('00_start_here.ipynb')})" in readme


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_notebook_has_the_header_the_colab_cell_and_launch_links(source):
    assert source.read_text().startswith(colab_cell.HEADER + "\n# %% [markdown]\n"), (
        f"{source.name}: not the one jupytext header: run python tools/colab_cell.py"
    )
    cells = jupytext.read(source).cells
    assert colab_cell.links(source.stem + ".ipynb") in cells[0].source, (
        f"{source.name}: title cell lacks its launch links"
    )
    assert cells[1].cell_type == "code" and cells[1].source == colab_cell.CELL, (
        f"{source.name}: the second cell is not the Colab cell: run python tools/colab_cell.py"
    )


def test_the_cell_is_short_and_plain_names_the_repository_and_imports_nothing_of_the_course_before_the_fetch():
    lines = colab_cell.CELL.splitlines()
    assert len(lines) <= 10 and REPO_URL in colab_cell.CELL
    code = [line.split("#")[0] for line in lines]
    assert not any(";" in line or " or " in line or " and " in line for line in code), "one statement a line"
    fetch_line = next(i for i, line in enumerate(lines) if "git clone" in line)
    assert not any("utils" in line.split("#")[0] for line in lines[:fetch_line])


def run_cell(monkeypatch, on_colab: bool, course_there: bool):
    """Execute the real cell text with os.system, os.chdir, the directory test and utils.colab faked."""
    calls = []
    monkeypatch.setattr(os, "system", lambda cmd: calls.append(("system", cmd)) or 0)
    monkeypatch.setattr(os, "chdir", lambda path: calls.append(("chdir", path)))
    real_isdir = os.path.isdir
    monkeypatch.setattr(os.path, "isdir", lambda p: course_there if p == "/content/course" else real_isdir(p))
    fake = types.ModuleType("utils.colab")
    fake.bootstrap = lambda root: calls.append(("bootstrap", root))
    monkeypatch.setitem(sys.modules, "utils.colab", fake)
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(colab_cell.CELL, {})
    return calls


def test_the_cell_does_nothing_off_colab(monkeypatch):
    assert run_cell(monkeypatch, on_colab=False, course_there=False) == []


def test_the_cell_on_colab_clones_once_then_hands_over(monkeypatch):
    calls = run_cell(monkeypatch, on_colab=True, course_there=False)
    assert calls[0] == ("system", f"git clone -q --depth=1 {REPO_URL} /content/course")
    assert calls[1:] == [("chdir", "/content/course"), ("bootstrap", "/content/course")]
    again = run_cell(monkeypatch, on_colab=True, course_there=True)  # run the cell twice: no second clone
    assert [c for c in again if c[0] == "system"] == []


@pytest.fixture
def sandbox(monkeypatch, tmp_path):
    """sys.path, PYTHONPATH and the cwd restored after bootstrap changes them."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("PYTHONPATH", "")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fake_fetch(url, dest):
    (dest / "utils").mkdir(parents=True)
    (dest / "notebooks").mkdir()
    shutil.copy(REPO_ROOT / "requirements.txt", dest / "requirements.txt")
    fake_fetch.urls.append(url)


TORCHAO = re.search(r"^torchao==(\S+)", (REPO_ROOT / "requirements.txt").read_text(), re.M).group(1)


def colab_versions(missing: set[str]):
    """Colab's packages, faked: everything installed except ``missing`` (torchao at its pin, see AT_PIN)."""
    fixed = {"torch": "2.9.0", "tensorflow": "2.19.0", "torchao": TORCHAO}
    return lambda name: None if name in missing else fixed.get(name, "1.0")


def test_bootstrap_off_colab_does_nothing(sandbox):
    ran = []
    assert colab.bootstrap(sandbox / "course", REPO_URL, modules={}, fetch=fake_fetch, run=ran.append) is None
    assert ran == [] and not (sandbox / "course").exists() and os.getcwd() == str(sandbox)


def test_bootstrap_on_colab_fetches_and_installs_only_what_is_missing(sandbox):
    fake_fetch.urls, ran = [], []
    root = sandbox / "course"
    missing = {"visdom", "onnxscript", "litserve", "torch", "tensorflow", "nbval"}  # torch/TF missing: still never
    done = colab.bootstrap(
        root,
        REPO_URL,
        modules={"google.colab": object()},
        fetch=fake_fetch,
        run=lambda cmd, check: ran.append(cmd),
        version=colab_versions(missing),
    )
    assert fake_fetch.urls == [REPO_URL] and done["fetched"]
    assert os.getcwd() == str(root / "notebooks") and str(root) in sys.path and str(root / "notebooks") in sys.path
    assert {line.split("==")[0] for line in done["installed"]} == {"visdom", "onnxscript", "litserve"}
    assert all(cmd[:4] == [sys.executable, "-m", "pip", "install"] for cmd in ran)
    assert not any(a.startswith(("torch==", "tensorflow==")) for cmd in ran for a in cmd)
    constraints = ran[0][ran[0].index("-c") + 1]
    assert open(constraints).read().split() == []  # torch and TensorFlow not installed here: nothing to hold
    # a second run, everything there (and torch/TF installed): no fetch, no pip, and pip would be held to Colab's builds
    fake_fetch.urls, ran = [], []
    done = colab.bootstrap(
        root,
        REPO_URL,
        modules={"google.colab": object()},
        fetch=fake_fetch,
        run=lambda cmd, check: ran.append(cmd),
        version=colab_versions(set()),
    )
    assert done == {"fetched": False, "installed": []} and ran == [] and fake_fetch.urls == []


def test_visdom_is_built_as_the_makefile_builds_it_first_and_alone(sandbox):
    """Under build isolation pip builds visdom's setup.py with the newest setuptools (no pkg_resources) and dies."""
    ran = []
    colab.bootstrap(
        sandbox / "course",
        REPO_URL,
        modules={"google.colab": object()},
        fetch=fake_fetch,
        run=lambda cmd, check: ran.append(cmd),
        version=colab_versions({"visdom", "onnx"}),
    )
    build, visdom, rest = (cmd[7:] for cmd in ran)
    assert (
        build == list(colab.VISDOM_BUILD) and build[0].startswith("setuptools<") and int(build[0].split("<")[1]) <= 81
    )
    assert visdom[0] == "--no-build-isolation" and [a.split("==")[0] for a in visdom[1:]] == ["visdom"]
    assert [a.split("==")[0] for a in rest] == ["onnx"]


def test_the_no_deps_pins_are_installed_without_their_dependencies(sandbox):
    fake_fetch.urls = []
    root = sandbox / "course"
    fake_fetch(REPO_URL, root)
    shutil.copy(REPO_ROOT / "requirements-nodeps.txt", root / "requirements-nodeps.txt")
    ran = []
    done = colab.bootstrap(
        root,
        REPO_URL,
        modules={"google.colab": object()},
        run=lambda cmd, check: ran.append(cmd),
        version=colab_versions({"executorch"}),
    )
    (cmd,) = ran
    assert cmd[7] == "--no-deps" and [a.split("==")[0] for a in cmd[8:]] == ["executorch"] == [
        a.split("==")[0] for a in done["installed"]
    ]


def test_bootstrap_holds_colab_torch_and_tensorflow(sandbox):
    ran = []
    colab.bootstrap(
        sandbox / "course",
        REPO_URL,
        modules={"google.colab": object()},
        fetch=fake_fetch,
        run=lambda cmd, check: ran.append(cmd),
        version=colab_versions({"tqdm"}),
    )
    pip = ran[0]
    assert open(pip[pip.index("-c") + 1]).read().split() == ["torch==2.9.0", "tensorflow==2.19.0"]
    assert pip[-1].startswith("tqdm==")


def test_on_colab_a_notebook_may_miss_only_what_the_cell_leaves_out():
    assert colab.not_needed_here({}) == set()
    skipped = colab.not_needed_here({"google.colab": object()})
    assert {"nbval", "pytest", "jupyterhub", "nbgrader"} <= skipped and not {"torch", "visdom", "onnx"} & skipped


def test_torchao_is_installed_at_its_pin_even_where_colab_has_another(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("torchao==0.18.0\ntabulate==0.10.0\n")
    versions = {"torchao": "0.10.0", "tabulate": "0.9.0"}.get  # Colab's: tabulate's differs too, and may stay
    assert colab.missing_requirements(req, versions) == ["torchao==0.18.0"]
    assert colab.missing_requirements(req, {"torchao": "0.18.0", "tabulate": "0.9.0"}.get) == []


def test_executorch_is_the_release_built_for_the_torch_at_hand(tmp_path):
    """executorch 1.5.1's runtime fails on torch 2.11 ('tensor does not have a device'); 1.2.0 is built for 2.11."""
    req = tmp_path / "requirements-nodeps.txt"
    req.write_text("executorch==1.5.1\n")
    assert colab.missing_requirements(req, {"torch": "2.11.0+cpu"}.get) == ["executorch==1.2.0"]
    # an earlier run of the cell left the course's pin: replaced; the release for this torch: kept
    assert colab.missing_requirements(req, {"torch": "2.11.0", "executorch": "1.5.1"}.get) == ["executorch==1.2.0"]
    assert colab.missing_requirements(req, {"torch": "2.11.0", "executorch": "1.2.0"}.get) == []
    # any torch the table does not name, or none: the course's pin
    assert colab.missing_requirements(req, {"torch": "2.15.0"}.get) == ["executorch==1.5.1"]
    assert colab.missing_requirements(req, {}.get) == ["executorch==1.5.1"]
    assert colab.missing_requirements(req, {"torch": "2.15.0", "executorch": "1.5.1"}.get) == []
