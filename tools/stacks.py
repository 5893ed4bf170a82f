"""Build a fresh Python environment from a named stack, and execute the course's notebooks in it.

One module for the drift job (tools/drift.py, ``make drift``) and the Colab rehearsal (``make colab-rehearsal``):

    python -m tools.stacks colab [--python 3.13] [--json FILE] [NAMES...]   # rehearse Colab, every notebook
    python -m tools.stacks build latest --venv /tmp/x                      # only build an environment

Stacks (real pip against the registry, nothing faked):

- ``latest``: requirements.txt resolved afresh: each pin's *name* without its version, the lock ignored, so pip
  installs the newest release of everything. torch comes from PyPI, which on Linux serves the CUDA build (about 4 GB
  with its NVIDIA libraries; it runs on the CPU): the route is named in the log, never a silent fallback.
- ``tf-nightly``: ``latest`` with tensorflow replaced by PyPI's tf-nightly.
- ``colab``: Colab's preinstalled stack, the part the course touches (tools/stacks/colab.txt, with Colab's full
  pip freeze, tools/stacks/colab-freeze.txt, as constraints: source and date there), on Colab's Python, plus a
  stand-in ``google.colab`` module that the kernel imports at start, as Colab's does. The course itself is *not*
  installed: each notebook runs from its first cell, whose ``git clone`` of the course's address is sent to a
  local clone (git's ``url.<base>.insteadOf``) and whose ``utils.colab.bootstrap`` installs what Colab lacks with
  real pip, as on Colab.

An environment build holds the CPU lock (``--lock``, default $COURSE_CPU_LOCK when set) once, and the notebooks one
per hold (``--hold-seconds`` lets one hold go on to the next notebook until that long has passed), so that a shared
machine runs heavy jobs one at a time. Notebooks run in a kernel of that
environment (a kernelspec written into it), executed by that environment's own nbclient: this file re-runs itself
there with ``execute``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACKS = Path(__file__).resolve().parent / "stacks"
NOTEBOOKS = ROOT / "notebooks"
COURSE_URL_PREFIX = "https://github.com/"  # the Colab cell clones utils.course.REPO_URL, which starts so
COLAB_ROOT = Path("/content")  # where Colab's kernel starts and the cell clones the course to (/content/course)
STACKS_ALL = ("latest", "tf-nightly", "colab")
DEFAULT_PYTHON = {"latest": "3.12", "tf-nightly": "3.12"}  # colab: the "# python:" line of tools/stacks/colab.txt
VISDOM_BUILD = ("setuptools<81", "wheel")  # visdom 0.2.4's setup.py imports pkg_resources (see the Makefile)

STANDIN = '''"""Stand-in for Colab's google.colab (tools/stacks.py): the Colab cell only tests it is imported."""
'''


def log(message: str) -> None:
    print(f"[stacks {datetime.now():%H:%M:%S}] {message}", flush=True)


@contextlib.contextmanager
def cpu_lock(path: str | None):
    """Hold an exclusive flock on path for the block (no-op without a path)."""
    if not path:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def find_python(version: str) -> str:
    """An interpreter for 'X.Y' that runs: pyenv's newest X.Y.*, else pythonX.Y on PATH (a pyenv shim may not run)."""
    pyenv = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))
    for candidate in [*reversed(pyenv), shutil.which(f"python{version}")]:
        if candidate and subprocess.run([candidate, "-c", ""], capture_output=True).returncode == 0:
            return candidate
    raise SystemExit(
        f"stacks: no Python {version} found (pyenv or python{version} on PATH); install it or pass --python"
    )


def colab_python() -> str:
    text = (STACKS / "colab.txt").read_text()
    return re.search(r"^# python: (\S+)", text, re.M).group(1)


def requirement_names(path: Path) -> list[str]:
    """The package names of a pinned requirements file, versions dropped."""
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            names.append(re.split(r"[=<>!~\[; ]", line)[0])
    return names


class Holder:
    """The CPU lock across a run of notebooks: taken before one, let go after one once hold_s have passed."""

    def __init__(self, path: str | None, hold_s: float = 0.0):
        self.path, self.hold_s, self.handle, self.since = path, hold_s, None, 0.0

    def take(self) -> None:
        if self.path and self.handle is None:
            self.handle = open(self.path, "a")
            fcntl.flock(self.handle, fcntl.LOCK_EX)
            self.since = time.monotonic()

    def done_one(self, last: bool = False) -> None:
        if self.handle is not None and (last or time.monotonic() - self.since >= self.hold_s):
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def run(command: list[str], **kwargs) -> None:
    log("$ " + " ".join(command))
    done = subprocess.run(command, **kwargs)
    if done.returncode:
        raise SystemExit(f"stacks: command failed with exit code {done.returncode}: {' '.join(command)}")


def site_packages(venv: Path) -> Path:
    return Path(glob.glob(str(venv / "lib" / "python3.*" / "site-packages"))[0])


def build(stack: str, venv: Path, python: str, lock: str | None = None) -> dict[str, str]:
    """A fresh venv at venv holding stack; returns its pip freeze as {name: version}."""
    if stack not in STACKS_ALL:
        raise SystemExit(f"stacks: unknown stack {stack!r}; one of {', '.join(STACKS_ALL)}")
    with cpu_lock(lock):
        return _build(stack, venv, python)


def _build(stack: str, venv: Path, python: str) -> dict[str, str]:
    shutil.rmtree(venv, ignore_errors=True)
    run([python, "-m", "venv", str(venv)])
    py = str(venv / "bin" / "python")
    pip = [py, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if stack == "colab":
        # Colab's pip (24.1.2) and then its packages, each dependency held to Colab's version
        freeze = colab_constraints(venv)
        run(pip + ["-c", str(freeze), "pip"])
        run(pip + ["-c", str(freeze), "-r", str(STACKS / "colab.txt")])
        package = site_packages(venv) / "google" / "colab"
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text(STANDIN)
        startup = venv / "ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True, exist_ok=True)
        (startup / "00-google-colab.py").write_text("import google.colab  # as Colab's kernel has it at start\n")
    else:
        names = requirement_names(ROOT / "requirements.txt")
        if stack == "tf-nightly":
            names = ["tf-nightly" if n == "tensorflow" else n for n in names]
        run(pip + ["-U", "pip"])
        run(pip + list(VISDOM_BUILD))
        run(pip + ["--no-build-isolation", "visdom"])
        log("torch: the newest release PyPI serves (on Linux its CUDA build, about 4 GB; it runs on the CPU)")
        run(pip + ["torch"])
        run(pip + [n for n in names if n not in ("torch", "visdom")])
        run(pip + ["--no-deps", *requirement_names(ROOT / "requirements-nodeps.txt")])
        run(pip + ["--no-deps", "--no-build-isolation", "-e", str(ROOT)])
        # Visdom's browser assets from npm, as make venv puts them (else 06 says Visdom is not set up); a newer visdom
        # may need a new asset list, which is drift to report, not a reason to stop
        if subprocess.run([py, str(ROOT / "tools" / "setup_visdom_offline.py"), "--strict"]).returncode:
            log("Visdom's browser assets are not set up in this environment (see above): 06 will say so")
    write_kernelspec(venv)
    return freeze_of(venv)


def colab_constraints(folder: Path) -> Path:
    """Colab's freeze as constraints, less NVIDIA's and CUDA's libraries: Colab's CPU runtime has a torch without
    them (its nvidia-nccl-cu13 line serves jax), while PyPI's torch, the CUDA build, pins its own."""
    lines = (STACKS / "colab-freeze.txt").read_text().splitlines()
    path = folder / "colab-constraints.txt"
    path.write_text("\n".join(line for line in lines if not re.match(r"(nvidia|cuda)[-_]|triton\b", line)) + "\n")
    return path


def write_kernelspec(venv: Path) -> None:
    """A kernelspec inside venv that runs its own Python (found through JUPYTER_PATH, ahead of any system one)."""
    spec = venv / "share" / "jupyter" / "kernels" / "stack"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3 (ipykernel)", "language": "python"})
    )


def freeze_of(venv: Path) -> dict[str, str]:
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "freeze", "--all", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pairs = (line.split("==", 1) for line in out.splitlines() if "==" in line)
    return {name.lower().replace("_", "-"): version for name, version in pairs}


def kernel_env(venv: Path, colab: bool, scratch: Path, origin: Path = ROOT) -> dict[str, str]:
    env = dict(os.environ, JUPYTER_PATH=str(venv / "share" / "jupyter"), PATH=f"{venv / 'bin'}:{os.environ['PATH']}")
    env.pop("PYTHONPATH", None)
    env["VIRTUAL_ENV"] = str(venv)
    if colab:
        # Colab's pip reads no configuration of this machine's (its local indexes, find-links, caps)
        env["PIP_CONFIG_FILE"] = os.devnull
        for name in [k for k in env if k.startswith("PIP_") and k != "PIP_CONFIG_FILE"]:
            env.pop(name)
        env["IPYTHONDIR"] = str(venv / "ipython")
        gitconfig = scratch / "gitconfig"
        # the cell's own `git clone https://github.com/<owner>/<name>` goes to this checkout's committed HEAD
        gitconfig.write_text(f'[url "file://{origin}"]\n\tinsteadOf = {COURSE_URL_PREFIX}{repo()}\n')
        env["GIT_CONFIG_GLOBAL"] = str(gitconfig)
    return env


def repo() -> str:
    from utils.course import (
        REPO,  # run as python -m tools.stacks from the repository root, or with the course installed
    )

    return REPO


def execute_all(
    venv: Path,
    names: list[str],
    out_dir: Path,
    colab: bool = False,
    lock: str | None = None,
    hold_s: float = 0.0,
    timeout: int = 300,
    source_dir: Path = NOTEBOOKS,
) -> list[dict]:
    """Execute each notebook (names without .ipynb) of source_dir in venv's kernel, one lock hold per notebook
    (or per several, until hold_s have passed).

    Writes out_dir/NAME.ipynb (executed, as far as it got) and returns one result per notebook: name, ok,
    error (the first one, or None), seconds, first_cell_seconds (the Colab cell), load (1-minute load average).
    On colab, the kernel starts in /content and the course is cloned by the first notebook's first cell.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    github = out_dir / "github"  # the one commit both the notebooks and the cell's clone come from
    env = kernel_env(venv, colab, out_dir, github)
    if colab:  # Colab opens the committed notebooks from GitHub: those of a clone of this checkout's HEAD
        shutil.rmtree(COLAB_ROOT / "course", ignore_errors=True)
        COLAB_ROOT.mkdir(exist_ok=True)
        shutil.rmtree(github, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(ROOT), str(github)], check=True)
        source_dir = github / "notebooks"
    results, holder = [], Holder(lock, hold_s)
    for name in names:
        cwd = COLAB_ROOT if colab else source_dir
        target = out_dir / f"{name}.ipynb"
        command = [
            str(venv / "bin" / "python"),
            __file__,
            "execute",
            str(source_dir / f"{name}.ipynb"),
            str(target),
            "--cwd",
            str(cwd),
            "--timeout",
            str(timeout),
        ]
        log(f"executing {name}")
        holder.take()
        load = os.getloadavg()[0]
        subprocess.run(command, env=env, cwd=cwd)
        holder.done_one(last=name == names[-1])
        result_file = target.with_suffix(".json")
        if result_file.exists():
            result = json.loads(result_file.read_text())
        else:
            result = {
                "name": name,
                "ok": False,
                "error": "the executor died before writing its result",
                "seconds": None,
                "first_cell_seconds": None,
            }
        result["load_before"] = round(load, 2)
        log(
            f"  {name}: {'passed' if result['ok'] else 'FAILED: ' + str(result['error'])[:300]} ({result['seconds']} s)"
        )
        results.append(result)
    return results


def notebook_names(prefixes: list[str], source_dir: Path = NOTEBOOKS) -> list[str]:
    names = sorted(p.stem for p in source_dir.glob("*.ipynb"))
    return [n for n in names if not prefixes or any(n.startswith(p) for p in prefixes)]


# ---- runs inside the built environment ----------------------------------------------------------------------------


def _seconds(cell) -> float | None:
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    seconds = datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))
    return round(seconds.total_seconds(), 1)


def execute_one(source: Path, target: Path, cwd: Path, timeout: int) -> dict:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="stack", resources={"metadata": {"path": str(cwd)}}, record_timing=True
    )
    started, error = time.perf_counter(), None
    try:
        client.execute()
    except Exception as err:  # the first error stops the run, as Run All does; reported, not raised
        failed = next(
            (i for i, c in enumerate(nb.cells) if any(o.get("output_type") == "error" for o in c.get("outputs", []))),
            None,
        )
        where = f"cell {failed}: " if failed is not None else ""
        summary = f"{getattr(err, 'ename', type(err).__name__)}: {getattr(err, 'evalue', str(err))}"
        error = where + summary.strip()[:2000]
    seconds = round(time.perf_counter() - started, 1)
    nbformat.write(nb, target)
    code = [c for c in nb.cells if c.cell_type == "code"]
    result = {
        "name": source.stem,
        "ok": error is None,
        "error": error,
        "seconds": seconds,
        "first_cell_seconds": _seconds(code[0]) if code else None,
    }
    target.with_suffix(".json").write_text(json.dumps(result, indent=1))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build an environment")
    b.add_argument("stack", choices=STACKS_ALL)
    b.add_argument("--venv", type=Path, required=True)
    b.add_argument("--python")
    c = sub.add_parser(
        "colab", help="the Colab rehearsal: build the stand-in, execute every notebook from its first cell"
    )
    c.add_argument("names", nargs="*", help="notebook name prefixes (default: all)")
    c.add_argument("--python", help="default: the '# python:' line of tools/stacks/colab.txt")
    c.add_argument("--venv", type=Path, default=Path("/tmp/course-colab-venv"))
    c.add_argument("--reuse", action="store_true", help="reuse an environment built earlier at --venv")
    c.add_argument("--out", type=Path, default=Path("/tmp/course-colab-run"))
    c.add_argument("--json", type=Path, help="write the results here")
    e = sub.add_parser("execute", help="(internal) execute one notebook in this Python")
    e.add_argument("source", type=Path)
    e.add_argument("target", type=Path)
    e.add_argument("--cwd", type=Path, required=True)
    e.add_argument("--timeout", type=int, default=300)
    for p in (b, c):
        p.add_argument("--lock", default=os.environ.get("COURSE_CPU_LOCK"), help="flock this file around each step")
    c.add_argument("--hold-seconds", type=float, default=0.0, help="hold the lock on to the next notebook until then")
    args = parser.parse_args()

    if args.command == "execute":
        return 0 if execute_one(args.source, args.target, args.cwd, args.timeout)["ok"] else 1
    if args.command == "build":
        versions = build(
            args.stack, args.venv, find_python(args.python or DEFAULT_PYTHON.get(args.stack, colab_python())), args.lock
        )
        log(f"built {args.stack}: torch {versions.get('torch')}, tensorflow {versions.get('tensorflow')}")
        return 0
    python = find_python(args.python or colab_python())
    if args.reuse:
        versions, build_s, build_load = freeze_of(args.venv), None, None
    else:
        with cpu_lock(args.lock):  # timed inside the lock: the wait for other jobs is not the build's time
            started, build_load = time.perf_counter(), round(os.getloadavg()[0], 2)
            versions = _build("colab", args.venv, python)
            build_s = round(time.perf_counter() - started, 1)
    results = execute_all(
        args.venv, notebook_names(args.names), args.out, colab=True, lock=args.lock, hold_s=args.hold_seconds
    )
    python_version = subprocess.run(
        [str(args.venv / "bin" / "python"), "-V"], capture_output=True, text=True
    ).stdout.split()[-1]
    record = {
        "stack": "colab",
        "date": f"{datetime.now():%Y-%m-%d}",
        "python": python_version,
        "build_seconds": build_s,  # None: --reuse, an environment built earlier
        "build_load_before": build_load,
        "versions": {k: versions.get(k) for k in ("torch", "tensorflow", "keras", "numpy", "pip", "setuptools")},
        "notebooks": results,
        "passed": sum(r["ok"] for r in results),
        "failed": sum(not r["ok"] for r in results),
    }
    if args.json:
        args.json.write_text(json.dumps(record, indent=1) + "\n")
    log(f"Colab rehearsal: {record['passed']} passed, {record['failed']} failed (Python {python_version})")
    return 0 if not record["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
