"""Rehearse a Binder launch without Docker: build the environment as repo2docker would from binder/, then run every
notebook twice under a 2 GB kernel memory limit, as mybinder.org enforces it.

    .venv/bin/python tools/rehearse_binder.py build       # jovyan (uid 1000), apt.txt, base env, pip, postBuild
        [--torch-from-pypi]                               # PyPI's torch==X (CUDA build) for +cpu, recorded
    .venv/bin/python tools/rehearse_binder.py run [NB..]  # each notebook twice in a 2 GB memory cgroup (all by default)
    .venv/bin/python tools/rehearse_binder.py record      # docs/binder-rehearsal.json
    .venv/bin/python tools/rehearse_binder.py clean       # remove the environment, the repository copy and the user
    make binder-rehearsal                                 # build, run, record (as root)

Needs root (it creates a user and a memory cgroup) on a Debian/Ubuntu machine with apt-get, Python 3.11 with venv
(``runtime.txt`` says python-3.11), npm and network access to PyPI and npm.

The steps are those of the Dockerfile that repo2docker 2026.4.0 (pinned in requirements.txt) renders for this
repository (``repo2docker --no-build --debug --user-id 1000 --user-name jovyan .``), in its order:

1. user ``jovyan`` with uid/gid 1000, HOME=/home/jovyan (repo2docker renames an existing uid 1000; this script adds
   the name beside it, so as not to rename an account of the machine);
2. ``apt-get install --no-install-recommends`` of ``binder/apt.txt``, as root;
3. the base environment in ``NB_PYTHON_PREFIX=/srv/conda/envs/notebook``: repo2docker creates it with micromamba from
   its conda lock ``environment.py-3.11-linux-64.lock``; here a venv of the machine's python3.11, holding the same
   Jupyter packages at the versions of that lock, installed with pip; then owned by jovyan;
4. the repository, as Binder clones it (committed files at HEAD, with .git), copied into ``REPO_DIR=$HOME`` and owned
   by jovyan;
5. as jovyan, in ``$REPO_DIR``: ``pip install --no-cache-dir -r binder/requirements.txt``;
6. as jovyan: ``chmod +x binder/postBuild && ./binder/postBuild``.

``run`` executes each notebook as jovyan with nbclient (a kernel, as JupyterLab's Run All starts one, in the
notebook's folder), each run in a fresh memory cgroup limited to 2 GB without swap, and records the cgroup's peak.
What the rehearsal does not cover is listed in docs/platforms.md (Binder section) and in ``NOT_COVERED`` below.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import platform
import pwd
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
USER, UID = "jovyan", 1000
HOME = Path("/home") / USER
REPO_DIR = HOME  # repo2docker: ARG REPO_DIR=${HOME}
APP_BASE = Path("/srv")
NB_PYTHON_PREFIX = APP_BASE / "conda" / "envs" / "notebook"
NPM_DIR = APP_BASE / "npm"
MARKER = APP_BASE / "conda" / ".course-binder-rehearsal"  # only what carries it is ever removed
LIMIT_BYTES = 2 * 1024**3  # mybinder.org: 2 GB per user
CPU_LOCK = Path("/tmp/course-cpu.lock")
LOCK_HOLD_S = 420  # no new notebook run starts after this long under the lock
RECORD = REPO / "docs" / "binder-rehearsal.json"
STATE = APP_BASE / "conda" / "rehearsal-build.json"
PARTIAL = APP_BASE / "conda" / "rehearsal-steps.json"
# The conda packages of repo2docker's base environment that matter to a notebook, with their PyPI names.
BASE_PACKAGES = {
    "ipywidgets": "ipywidgets",
    "jupyter-offlinenotebook": "jupyter-offlinenotebook",
    "jupyter-resource-usage": "jupyter-resource-usage",
    "jupyter_server": "jupyter_server",
    "jupyterhub-base": "jupyterhub",  # conda's jupyterhub-singleuser is jupyterhub-base plus its server extension
    "jupyterlab": "jupyterlab",
    "notebook": "notebook",
    "ipykernel": "ipykernel",
    "tornado": "tornado",
    "pip": "pip",
    "setuptools": "setuptools",
}
NOT_COVERED = [
    "The base image: repo2docker builds FROM buildpack-deps:24.04 (Ubuntu 24.04); the rehearsal runs on this "
    "machine's Debian, so apt.txt installs Debian's packages (same names, other versions).",
    "Python: repo2docker installs conda-forge's python 3.11 (3.11.14 in its lock) with micromamba; conda's channels "
    "are not reachable here, so the base environment is a venv of the machine's python3.11 and the lock's Jupyter "
    "packages come from PyPI, not conda-forge (same versions; conda builds of numpy etc. are not used either way: "
    "binder/requirements.txt installs the course's wheels with pip). Node.js is Debian's, not conda's nodejs 20.",
    "torch's CPU wheel: binder/requirements.txt pins torch==2.15.0+cpu from PyTorch's CPU index, which this machine "
    "cannot reach; with --torch-from-pypi (recorded under build.substitution) pip installs PyPI's torch==2.15.0, the "
    "CUDA build with its nvidia-*/cuda-*/triton wheels, in its place, every other line of binder/requirements.txt "
    "unchanged. The CUDA build holds more memory per torch process than the CPU build, so the peaks are an upper "
    "bound for Binder's, and the environment is larger than Binder's (build.size_bytes.cuda_only estimates by how "
    "much).",
    "No container: the image's layers, its size as pushed, the registry pull on a node, and mybinder.org's launch "
    "(a cached image starting, JupyterHub's spawn) are not measured. The 'size' is the environment on disk.",
    "The 2 GB limit is a memory cgroup of this kernel (cgroup v1 here: memory.limit_in_bytes and "
    "memory.memsw.limit_in_bytes, no swap); mybinder.org's nodes run Kubernetes, whose limit is the same kind of "
    "cgroup. The peak is the cgroup's memory.max_usage_in_bytes: every process of the run, page cache included.",
    "CPU: mybinder.org gives a share of a shared node's cores; the timings here are this machine's 2 cores.",
]


def sh(
    cmd: list[str] | str,
    *,
    user: bool = False,
    env: dict | None = None,
    cwd: Path | None = None,
    check: bool = True,
    capture: bool = False,
) -> subprocess.CompletedProcess:
    """Run a command as root, or as jovyan (user=True) with the image's environment."""
    if isinstance(cmd, str):
        cmd = ["bash", "-c", cmd]
    if user:
        cmd = ["runuser", "-u", USER, "--", "env", "-i", *[f"{k}={v}" for k, v in user_env(env).items()], *cmd]
    print("+", " ".join(str(c) for c in cmd)[:300], flush=True)
    return subprocess.run(cmd, cwd=cwd, check=check, text=True, capture_output=capture)


def user_env(extra: dict | None = None) -> dict:
    """The environment of the image's user (repo2docker's ENV lines), plus pip's settings of this machine."""
    env = {
        "HOME": str(HOME), "USER": USER, "SHELL": "/bin/bash", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "APP_BASE": str(APP_BASE), "NB_PYTHON_PREFIX": str(NB_PYTHON_PREFIX),
        "KERNEL_PYTHON_PREFIX": str(NB_PYTHON_PREFIX), "CONDA_DIR": str(APP_BASE / "conda"),
        "NPM_DIR": str(NPM_DIR), "NPM_CONFIG_GLOBALCONFIG": str(NPM_DIR / "npmrc"),
        "REPO_DIR": str(REPO_DIR), "PYTHONUNBUFFERED": "1",
        "PATH": f"{HOME}/.local/bin:{REPO_DIR}/.local/bin:{NB_PYTHON_PREFIX}/bin:{NPM_DIR}/bin:"
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    }  # fmt: skip
    # this machine's pip/npm/proxy settings and its CA bundle: npm reads its cafile from the global npmrc, which
    # NPM_CONFIG_GLOBALCONFIG replaces; without NODE_EXTRA_CA_CERTS, npm as jovyan hung on TLS here (postBuild)
    passed = ("PIP_", "npm_config_", "HTTP", "http", "NO_PROXY", "no_proxy", "NODE_EXTRA_CA_CERTS", "SSL_CERT_")
    env.update({k: v for k, v in os.environ.items() if k.startswith(passed)})
    env.update(extra or {})
    return env


@contextlib.contextmanager
def cpu_lock():
    """The team's CPU lock (flock /tmp/course-cpu.lock): one heavy job at a time, so timings are honest."""
    with open(CPU_LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def du_bytes(*paths: Path) -> int:
    out = subprocess.run(["du", "-sb", "--total", *map(str, paths)], capture_output=True, text=True, check=True).stdout
    return int(out.strip().splitlines()[-1].split()[0])


def index_retries() -> dict:
    """pip retries every unreachable index 5 times per package: binder/requirements.txt names PyTorch's CPU index,
    which some machines (this build machine) cannot resolve; there, once, so the build time is pip's own."""
    import socket

    try:
        socket.getaddrinfo("download.pytorch.org", 443)
        return {}
    except OSError:
        print("download.pytorch.org cannot be resolved here: pip retries it once, not 5 times", flush=True)
        return {"PIP_RETRIES": "1"}


def conda_lock_versions() -> dict[str, str]:
    """Versions of BASE_PACKAGES in the conda lock that repo2docker (the installed one) uses for python-3.11."""
    import repo2docker

    lock = Path(repo2docker.__file__).parent / "buildpacks" / "conda" / "environment.py-3.11-linux-64.lock"
    found = {}
    for name, version in re.findall(r"/([A-Za-z0-9_.-]+?)-(\d[^-]*)-[^-/]+\.(?:conda|tar\.bz2)", lock.read_text()):
        if name in BASE_PACKAGES:
            found[BASE_PACKAGES[name]] = version
    return found


# -- build ----------------------------------------------------------------------------------------------------------
def ensure_user() -> str:
    with contextlib.suppress(KeyError):
        if pwd.getpwnam(USER).pw_uid == UID:
            return "existing"
        raise SystemExit(f"a user {USER} exists with another uid than {UID}: remove it first")
    try:
        existing = pwd.getpwuid(UID).pw_name
    except KeyError:
        existing = None
    if subprocess.run(["getent", "group", USER], capture_output=True).returncode != 0:
        sh(["groupadd", "--non-unique", "--gid", str(UID), USER])
    sh(
        [
            "useradd",
            "--non-unique",
            "--uid",
            str(UID),
            "--gid",
            str(UID),
            "--no-log-init",
            "--shell",
            "/bin/bash",
            "--comment",
            "Binder rehearsal (tools/rehearse_binder.py)",
            "--home-dir",
            str(HOME),
            "--create-home",
            USER,
        ]
    )
    return f"added beside {existing}" if existing else "added"


# --torch-from-pypi: the one line of binder/requirements.txt the rehearsal changes, where PyTorch's CPU index is out of
# reach (see NOT_COVERED). Every other line, the CPU index's --extra-index-url included, is installed as written.
TORCH_CPU_PIN = re.compile(r"^torch==(?P<version>[^+\s#]+)\+cpu\s*$")
REHEARSAL_REQUIREMENTS = APP_BASE / "conda" / "rehearsal-requirements.txt"


def substituted_requirements() -> dict:
    """binder/requirements.txt with torch==X+cpu replaced by PyPI's torch==X, written beside the environment; the
    relative -c/-r paths are made absolute (pip reads them relative to the file). Returns the recorded substitution."""
    lines, changed = [], None
    for line in (REPO_DIR / "binder" / "requirements.txt").read_text().splitlines():
        match = TORCH_CPU_PIN.match(line)
        if match:
            changed = {"from": line.strip(), "to": f"torch=={match['version']}"}
            line = changed["to"]
        elif re.match(r"^-[cr]\s+\.", line):
            flag, rel = line.split(maxsplit=1)
            line = f"{flag} {(REPO_DIR / 'binder' / rel).resolve()}"
        lines.append(line)
    if changed is None:
        raise SystemExit("--torch-from-pypi: binder/requirements.txt has no torch==X+cpu line to substitute")
    REHEARSAL_REQUIREMENTS.write_text("\n".join(lines) + "\n")
    os.chown(REHEARSAL_REQUIREMENTS, UID, UID)
    return changed | {
        "why": "PyTorch's CPU index (download.pytorch.org) cannot be reached from this machine; PyPI's torch for "
        "Linux is the CUDA build (its nvidia-*, cuda-* and triton wheels come with it)",
        "file": str(REHEARSAL_REQUIREMENTS),
    }


def cuda_only_bytes(python: str) -> dict:
    """What the CUDA build of torch adds to the environment, from the installed files (pip's RECORD): the wheels that
    only the CUDA build pulls in (nvidia-*, cuda-*, triton) and torch's own CUDA libraries (torch/lib/*cuda*, nvrtc,
    ...). Binder's torch==X+cpu has none of them; its own torch files are not measured here."""
    code = r"""
import importlib.metadata as m, json, os, re
extra, torch_cuda, names = 0, 0, []
for dist in m.distributions():
    name = dist.metadata["Name"].lower()
    files = [f for f in (dist.files or []) if os.path.isfile(dist.locate_file(f))]
    if re.match(r"(nvidia|cuda)[-_]|triton$", name):
        extra += sum(os.path.getsize(dist.locate_file(f)) for f in files)
        names.append(f"{name}=={dist.version}")
    elif name == "torch":
        torch_cuda = sum(os.path.getsize(dist.locate_file(f)) for f in files
                         if re.search(r"torch/lib/.*(cuda|nvrtc|cudnn|nccl|cublas|cufft|cusparse|nvshmem)", str(f)))
print(json.dumps({"cuda_wheels": extra, "torch_cuda_libraries": torch_cuda, "cuda_wheel_names": sorted(names)}))
"""
    return json.loads(sh([python, "-c", code], capture=True).stdout)


def find_python() -> str:
    wanted = (REPO / "binder" / "runtime.txt").read_text().strip().removeprefix("python-")
    for candidate in (f"/usr/bin/python{wanted}", shutil.which(f"python{wanted}")):
        if candidate and os.access(candidate, os.X_OK) and "/root/" not in candidate:
            return candidate  # jovyan must be able to run it: not pyenv's copy under /root
    raise SystemExit(f"runtime.txt asks for Python {wanted}: install python{wanted} and python{wanted}-venv")


def build(args) -> dict:
    with cpu_lock():  # the whole build (a few minutes) under the team's CPU lock, so its time is its own
        return _build(args)


def _build(args) -> dict:
    steps: dict[str, float] = {}
    if args.resume and PARTIAL.exists():  # after an interrupted build: the steps done keep their recorded times
        steps = json.loads(PARTIAL.read_text())
    elif NB_PYTHON_PREFIX.exists() or HOME.exists():
        clean(args)
    (APP_BASE / "conda").mkdir(parents=True, exist_ok=True)  # the step records live here from the first step on
    MARKER.write_text("created by tools/rehearse_binder.py\n")

    def step(name, fn):
        if name in steps:
            print(f"== {name}: done before ({steps[name]} s)", flush=True)
            return
        start, load = time.monotonic(), loadavg()
        fn()
        steps[name] = round(time.monotonic() - start, 1)
        PARTIAL.write_text(json.dumps(steps))
        print(f"== {name}: {steps[name]} s (load average before {load})", flush=True)

    user_note = ensure_user()
    apt = [line.split("#")[0].strip() for line in (REPO / "binder" / "apt.txt").read_text().splitlines()]
    apt = [p for p in apt if p]
    step(
        "apt.txt",
        lambda: (
            sh(["apt-get", "-qq", "update"]),
            sh(["apt-get", "install", "--yes", "--no-install-recommends", *apt]),
        ),
    )
    python = find_python()
    base = conda_lock_versions()

    def base_env():
        (APP_BASE / "conda").mkdir(parents=True, exist_ok=True)
        MARKER.write_text("created by tools/rehearse_binder.py\n")
        sh([python, "-m", "venv", str(NB_PYTHON_PREFIX)])
        pip = [str(NB_PYTHON_PREFIX / "bin" / "python"), "-m", "pip", "install", "--no-cache-dir", "-q"]
        sh(pip + [f"pip=={base.pop('pip')}"])
        sh(pip + [f"{name}=={version}" for name, version in sorted(base.items())])
        NPM_DIR.mkdir(parents=True, exist_ok=True)
        sh(["chown", "-R", f"{UID}:{UID}", str(APP_BASE / "conda"), str(NPM_DIR)])
        sh(["npm", "config", "--global", "set", "prefix", str(NPM_DIR)], user=True)

    step("base environment (repo2docker's conda lock, by pip)", base_env)

    def repository():
        tmp = Path("/tmp/course-binder-clone")
        shutil.rmtree(tmp, ignore_errors=True)
        sh(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(tmp)])
        sh(f"cp -a {tmp}/. {HOME}/ && chown -R {UID}:{UID} {HOME}")
        shutil.rmtree(tmp)

    step("repository (git clone of HEAD)", repository)
    substitution = substituted_requirements() if args.torch_from_pypi else None
    requirements = str(REHEARSAL_REQUIREMENTS) if substitution else "binder/requirements.txt"
    step(
        "binder/requirements.txt",
        lambda: sh(
            [str(NB_PYTHON_PREFIX / "bin" / "pip"), "install", "--no-cache-dir", "-r", requirements],
            user=True,
            cwd=REPO_DIR,
            env=index_retries(),
        ),
    )
    step("postBuild", lambda: sh("chmod +x binder/postBuild && ./binder/postBuild", user=True, cwd=REPO_DIR))
    versions = sh(
        [
            str(NB_PYTHON_PREFIX / "bin" / "python"),
            "-c",
            "import sys, importlib.metadata as m; print(sys.version.split()[0]); "
            "[print(p, m.version(p)) for p in ('jupyterlab', 'jupyter_server', 'jupyter-server-proxy', "
            "'torch', 'tensorflow-cpu', 'visdom')]",
        ],
        user=True,
        capture=True,
    ).stdout.split("\n")
    result = {
        "commit": sh(
            ["git", "-C", str(HOME), "-c", "safe.directory=*", "rev-parse", "--short", "HEAD"], capture=True
        ).stdout.strip(),
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "user": {"name": USER, "uid": UID, "note": user_note},
        "python": versions[0],
        "versions": dict(line.split(" ", 1) for line in versions[1:] if line),
        "base_environment_pins": conda_lock_versions(),
        "substitution": substitution,
        "steps_s": steps,
        "build_s": round(sum(steps.values()), 1),
        "size_bytes": {
            "environment": du_bytes(NB_PYTHON_PREFIX),
            "repository": du_bytes(HOME),
            "npm": du_bytes(NPM_DIR),
        },
    }
    if substitution:
        cuda = cuda_only_bytes(str(NB_PYTHON_PREFIX / "bin" / "python"))
        names = cuda.pop("cuda_wheel_names")
        result["size_bytes"]["cuda_only"] = cuda
        result["size_bytes"]["environment_without_cuda_only"] = result["size_bytes"]["environment"] - sum(cuda.values())
        result["cuda_wheels"] = names
    STATE.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return result


def clean(args=None) -> None:
    if NB_PYTHON_PREFIX.exists() and not MARKER.exists():
        raise SystemExit(f"{NB_PYTHON_PREFIX} was not made by this rehearsal: not touching it")
    shutil.rmtree(APP_BASE / "conda", ignore_errors=True)
    shutil.rmtree(NPM_DIR, ignore_errors=True)
    with contextlib.suppress(KeyError):
        if pwd.getpwnam(USER).pw_gecos.startswith("Binder rehearsal"):
            sh(["userdel", "--remove", USER], check=False)
            # userdel keeps the group when another account has gid 1000 as its primary group (groupadd --non-unique)
            import grp

            with contextlib.suppress(KeyError):
                if grp.getgrnam(USER).gr_gid == UID:
                    sh(["groupdel", "--force", USER], check=False)
    shutil.rmtree(HOME, ignore_errors=True)
    # what jovyan's runs left in /tmp (on Binder it goes with the container): torch.compile's cache, torchrun's and
    # multiprocessing's folders, TensorBoard's logs, tf.function's autograph files, Java's perf data (TorchServe;
    # named after whichever account the JVM finds for uid 1000), pip's build folders; only these names, uid 1000's
    patterns = (
        f"torchinductor_{USER}",
        "torchelastic_*",
        "pymp-*",
        ".tensorboard-std*",
        "__autograph_generated_file*.py",
        "hsperfdata_*",
        "pip-*",
    )
    for pattern in patterns:
        for path in Path("/tmp").glob(pattern):
            with contextlib.suppress(OSError):
                if path.lstat().st_uid == UID:
                    shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


# -- run ------------------------------------------------------------------------------------------------------------
RUNNER = r"""
import sys, time, nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
start = time.monotonic()
NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": "notebooks"}}).execute()
print(f"RUN_SECONDS {time.monotonic() - start:.1f}")
"""


def memory_cgroup_root() -> Path:
    """This process's own memory cgroup (v1 'memory' or the v2 unified tree); the runs go in children of it."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return Path("/sys/fs/cgroup/memory") / path.lstrip("/")
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        if line.startswith("0::"):
            base = Path("/sys/fs/cgroup") / line[3:].lstrip("/")
            if "memory" in (Path("/sys/fs/cgroup") / "cgroup.controllers").read_text():
                return base
    raise SystemExit("no memory cgroup controller on this machine")


class MemoryCgroup:
    """A child cgroup with a hard memory limit and no swap (v1 or v2), read back after the run, then removed."""

    def __init__(self, name: str, limit: int):
        self.path = memory_cgroup_root() / name
        self.v1 = (self.path.parent / "memory.limit_in_bytes").exists()
        if self.path.exists():
            self.path.rmdir()
        self.path.mkdir()
        if self.v1:
            (self.path / "memory.limit_in_bytes").write_text(str(limit))
            if (self.path / "memory.memsw.limit_in_bytes").exists():
                (self.path / "memory.memsw.limit_in_bytes").write_text(str(limit))
        else:
            (self.path / "memory.max").write_text(str(limit))
            (self.path / "memory.swap.max").write_text("0")

    def peak(self) -> int:
        return int((self.path / ("memory.max_usage_in_bytes" if self.v1 else "memory.peak")).read_text())

    def resident(self) -> int:
        """Now: anonymous memory plus mapped file pages (what the processes hold; the peak above also counts page
        cache that the kernel reclaims at the limit instead of killing)."""
        stat = dict(line.split() for line in (self.path / "memory.stat").read_text().splitlines())
        if self.v1:
            return int(stat["total_rss"]) + int(stat["total_mapped_file"])
        return int(stat["anon"]) + int(stat["file_mapped"])

    def limit_hits(self) -> int | None:
        """How often usage reached the limit (v1 memory.failcnt; v2 memory.events 'max'): reclaim, not yet OOM."""
        if self.v1:
            return int((self.path / "memory.failcnt").read_text())
        match = re.search(r"^max (\d+)", (self.path / "memory.events").read_text(), re.M)
        return int(match.group(1)) if match else None

    @contextlib.contextmanager
    def sampling(self, every: float = 0.2):
        """Samples resident() in a thread while the block runs; the highest value lands in self.resident_peak."""
        import threading

        self.resident_peak, stop = 0, threading.Event()

        def sample():
            while not stop.is_set():
                with contextlib.suppress(OSError, KeyError, ValueError):
                    self.resident_peak = max(self.resident_peak, self.resident())
                stop.wait(every)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()

    def oom_kills(self) -> int:
        text = (self.path / ("memory.oom_control" if self.v1 else "memory.events")).read_text()
        match = re.search(r"oom_kill (\d+)", text)
        return int(match.group(1)) if match else 0

    def leftover(self) -> list[int]:
        return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]

    def remove(self) -> None:
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.path} still holds processes {self.leftover()}")


def run_one(notebook: str, attempt: int) -> dict:
    group = MemoryCgroup(f"course-binder-{Path(notebook).stem}-{attempt}", LIMIT_BYTES)
    start_script = REPO_DIR / "binder" / "start"
    wrapper = [str(start_script)] if start_script.exists() else []  # repo2docker's entrypoint runs binder/start
    inner = ["python", "-c", RUNNER, notebook]
    command = [
        "bash",
        "-c",
        f'echo $$ > {group.path}/cgroup.procs && exec "$@"',
        "in-cgroup",
        "runuser",
        "-u",
        USER,
        "--",
        "env",
        "-i",
        *[f"{k}={v}" for k, v in user_env().items()],
        *wrapper,
        *inner,
    ]
    load = loadavg()
    start = time.monotonic()
    with group.sampling():
        proc = subprocess.run(command, cwd=REPO_DIR, capture_output=True, text=True)
    wall = time.monotonic() - start
    time.sleep(0.5)
    leftover = group.leftover()
    result = {
        "notebook": notebook,
        "run": attempt,
        "ok": proc.returncode == 0,
        "seconds": round(wall, 1),
        "peak_mb": round(group.peak() / 2**20),
        "resident_peak_mb": round(group.resident_peak / 2**20),
        "limit_hits": group.limit_hits(),
        "oom_kills": group.oom_kills(),
        "leftover_processes": len(leftover),
        "load_average": load,
    }
    if proc.returncode != 0:
        result["error"] = (proc.stdout + proc.stderr)[-1500:]
    for pid in leftover:  # the rehearsal leaves nothing behind, and says so when a notebook did
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
    group.remove()
    print(json.dumps({k: v for k, v in result.items() if k != "error"}), flush=True)
    if "error" in result:
        print(result["error"], flush=True)
    return result


def server_start() -> dict:
    """JupyterLab as Binder starts it (binder/start, as jovyan, under a hub prefix): seconds until its API answers,
    whether jupyter-server-proxy's route answers, and the server's own memory (the 2 GB holds it and the kernel)."""
    import urllib.error
    import urllib.request

    from utils.servers import free_port

    group = MemoryCgroup("course-binder-server", LIMIT_BYTES)
    port, token, prefix = free_port(), "rehearsal", f"/user/{USER}/"
    start_script = REPO_DIR / "binder" / "start"
    lab = ["jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--ServerApp.base_url={prefix}",
           f"--IdentityProvider.token={token}"]  # fmt: skip
    env = user_env({"JUPYTERHUB_SERVICE_PREFIX": prefix})
    command = ["bash", "-c", f'echo $$ > {group.path}/cgroup.procs && exec "$@"', "in-cgroup", "runuser", "-u", USER,
               "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()],
               *([str(start_script)] if start_script.exists() else []), *lab]  # fmt: skip
    start = time.monotonic()
    proc = subprocess.Popen(command, cwd=REPO_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ready = None
    while time.monotonic() - start < 120 and proc.poll() is None:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{prefix}api", timeout=2)
            ready = round(time.monotonic() - start, 1)
            break
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    route = None
    if ready is not None:
        try:  # nothing listens on that port: the proxy answers 5xx; without the extension the server says 404
            urllib.request.urlopen(f"http://127.0.0.1:{port}{prefix}proxy/{free_port()}/?token={token}", timeout=10)
        except urllib.error.HTTPError as err:
            route = err.code
        time.sleep(3)  # idle, as a learner's session sits before the first notebook
    peak = group.peak()
    proc.terminate()
    proc.wait(timeout=30)
    time.sleep(1)
    for pid in group.leftover():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
    group.remove()
    result = {"ready_s": ready, "proxy_route_status": route, "peak_mb": round(peak / 2**20), "load_average": loadavg()}
    print("JupyterLab start:", result, flush=True)
    return result


def run(args) -> None:
    if not STATE.exists():
        raise SystemExit("build first: tools/rehearse_binder.py build")
    # the repository copy follows this checkout's HEAD (Binder builds one commit; the course is installed editable)
    sh(["git", "-C", str(REPO_DIR), "-c", "safe.directory=*", "pull", "-q", "--ff-only", str(REPO), "HEAD"])
    sh(["chown", "-R", f"{UID}:{UID}", str(REPO_DIR)])
    commit = sh(
        ["git", "-C", str(REPO_DIR), "-c", "safe.directory=*", "rev-parse", "--short", "HEAD"], capture=True
    ).stdout.strip()
    notebooks = args.notebooks or sorted(p.name for p in (REPO_DIR / "notebooks").glob("*.ipynb"))
    runs = json.loads(RUNS.read_text()) if RUNS.exists() else {}
    names = [n if n.endswith(".ipynb") else n + ".ipynb" for n in notebooks]
    todo = [(name, attempt) for attempt in (1, 2) for name in names]  # all once, then all again
    first = True
    while todo:
        with cpu_lock():  # one heavy job at a time; hold the team's lock at most about 8 minutes in a row
            held = time.monotonic()
            if first and not args.notebooks:
                SERVER.write_text(json.dumps(server_start() | {"commit": commit}))
                first = False
            while todo and time.monotonic() - held < LOCK_HOLD_S:
                name, attempt = todo.pop(0)
                runs[f"{name} {attempt}"] = run_one(f"notebooks/{name}", attempt) | {"commit": commit}
                RUNS.write_text(json.dumps(runs, indent=1))
        if todo:  # let a waiting job take the lock: re-locking at once kept it from the queue for 17 minutes
            time.sleep(10)


RUNS = APP_BASE / "conda" / "rehearsal-runs.json"
SERVER = APP_BASE / "conda" / "rehearsal-server.json"


def record(args) -> None:
    """docs/binder-rehearsal.json: the build and every run."""
    build_result = json.loads(STATE.read_text())
    runs = json.loads(RUNS.read_text()) if RUNS.exists() else {}
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
            if line.startswith("Model name")
        ),
        platform.processor(),
    )
    out = {
        "what": "Binder rehearsal: binder/ built as repo2docker would (tools/rehearse_binder.py), every notebook run "
        "twice as jovyan (uid 1000) under a 2 GB memory cgroup without swap",
        "machine": {"cpu": cpu, "cores": os.cpu_count(), "os": platform.platform()},
        "build": build_result,
        "jupyterlab_start": json.loads(SERVER.read_text()) if SERVER.exists() else None,
        "limit_bytes": LIMIT_BYTES,
        "runs": sorted(runs.values(), key=lambda r: (r["notebook"], r["run"])),
        "not_covered": NOT_COVERED,
    }
    RECORD.write_text(json.dumps(out, indent=1) + "\n")
    print(steps_table(build_result))
    print(markdown_table(out["runs"]))
    print(f"wrote {RECORD.relative_to(REPO)}: {sum(r['ok'] for r in runs.values())}/{len(runs)} runs passed")


def markdown_table(runs: list[dict]) -> str:
    """The runs as the table of docs/platforms.md's Binder section: seconds, the cgroup's high-water mark (page cache
    included) and the sampled peak of what the processes held (anonymous + mapped file pages), for both runs."""
    by_notebook: dict[str, dict[int, dict]] = {}
    for r in runs:
        by_notebook.setdefault(Path(r["notebook"]).stem, {})[r["run"]] = r

    def cell(r: dict | None) -> str:
        if r is None:
            return "not run | | "
        state = "" if r["ok"] else (" **OOM-killed**" if r["oom_kills"] else " **failed**")
        return f"{r['seconds']:.0f} s{state} | {r['peak_mb']:,} | {r.get('resident_peak_mb', 0):,} "

    lines = [
        "| notebook | run 1 | peak MB | held MB | run 2 | peak MB | held MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, pair in sorted(by_notebook.items()):
        lines.append(f"| {name} | {cell(pair.get(1))}| {cell(pair.get(2))}|")
    return "\n".join(lines)


def steps_table(build_result: dict) -> str:
    lines = ["| step | seconds |", "|---|---:|"]
    lines += [f"| {name} | {seconds} |" for name, seconds in build_result["steps_s"].items()]
    return "\n".join(lines + [f"| **total** | **{build_result['build_s']}** |"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    build_parser = sub.add_parser("build")
    build_parser.add_argument("--resume", action="store_true", help="keep the steps an interrupted build finished")
    build_parser.add_argument(
        "--torch-from-pypi",
        action="store_true",
        help="where PyTorch's CPU index cannot be reached: install PyPI's torch==X (the CUDA build) in place of "
        "binder/requirements.txt's torch==X+cpu, recorded in the build's record",
    )
    run_parser = sub.add_parser("run")
    run_parser.add_argument("notebooks", nargs="*")
    sub.add_parser("record")
    sub.add_parser("clean")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("run as root: the rehearsal adds the user jovyan and a memory cgroup")
    {"build": build, "run": run, "record": record, "clean": clean}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
