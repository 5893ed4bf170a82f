"""A class on one machine: JupyterHub, local learner accounts, a memory limit per learner, and a load rehearsal.

    python tools/classroom.py setup                # configurable-http-proxy from npm into .venv/hub-proxy (once)
    python tools/classroom.py learners 8           # as root: accounts learner01..learner08, passwords, ~/course
    python tools/classroom.py start [--mem-limit 2G] [--port 8000]     # the hub on http://127.0.0.1:8000/
    python tools/classroom.py stop                 # stops the hub, every learner's server and the proxy
    python -m tools.classroom load 02_autograd --learners 1 2 4 8 16   # load rehearsal (see rehearse()); = rehearse

The hub runs as root (it starts each learner's server as that learner) from the course's venv; learners log in
with their account's password (PAM) and get JupyterLab in ~/course, a copy of the student edition. Each learner's
server and kernels run in a memory cgroup of their own (v1 ``memory.limit_in_bytes`` or v2 ``memory.max``, no
swap), so a kernel that allocates without limit is killed by the kernel's OOM killer inside that cgroup and no one
else's. Without root there is no hub for others: see docs/teaching.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PROXY_PREFIX = VENV_BIN.parent / "hub-proxy"
PROXY = PROXY_PREFIX / "node_modules" / ".bin" / "configurable-http-proxy"
# 5.x needs Node >= 20; 4.6.3 (the last 4.x) runs on Debian 12's Node 18
PROXY_VERSIONS = {20: "5.3.0", 0: "4.6.3"}
LEARNER_GROUP = "course-learners"
DEFAULT_RUN = Path("/tmp/course-hub")
CGROUP_PARENT = "course-hub-{port}"  # one folder of learner cgroups per hub: two hubs never touch each other


# ---- memory cgroups, one per learner -------------------------------------------------------------------------------


def memory_cgroup_root() -> Path | None:
    """This process's memory cgroup (v1 'memory' hierarchy or the v2 unified tree), or None when there is none."""
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            base = Path("/sys/fs/cgroup/memory") / path.lstrip("/")
            return base if base.is_dir() else None
    for line in lines:
        if line.startswith("0::"):
            controllers = Path("/sys/fs/cgroup/cgroup.controllers")
            if controllers.exists() and "memory" in controllers.read_text().split():
                return Path("/sys/fs/cgroup") / line[3:].lstrip("/")
    return None


class LearnerCgroup:
    """The memory cgroup of one learner's server and everything it starts."""

    def __init__(self, name: str, port: int, root: Path | None = None):
        root = root or memory_cgroup_root()
        if root is None:
            raise RuntimeError("no memory cgroup controller here: a per-learner limit cannot be enforced")
        self.path = root / CGROUP_PARENT.format(port=port) / name
        self.v1 = (root / "memory.limit_in_bytes").exists()

    def create(self, limit: int | None) -> LearnerCgroup:
        parent = self.path.parent
        if not parent.exists():
            parent.mkdir()
            if not self.v1:  # v2: the parent hands the memory controller down to its children
                (parent / "cgroup.subtree_control").write_text("+memory")
        self.path.mkdir(exist_ok=True)
        if self.v1:
            (self.path / "memory.limit_in_bytes").write_text(str(limit or -1))
            swap = self.path / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(limit or -1))
            (self.path / "memory.max_usage_in_bytes").write_text("0")  # the peak counts from here
        else:
            (self.path / "memory.max").write_text(str(limit) if limit else "max")
            if (self.path / "memory.swap.max").exists():
                (self.path / "memory.swap.max").write_text("0")
        return self

    def reset_peak(self) -> None:
        if self.v1 and self.path.exists():
            (self.path / "memory.max_usage_in_bytes").write_text("0")

    def pids(self) -> list[int]:
        procs = self.path / "cgroup.procs"
        return [int(p) for p in procs.read_text().split()] if procs.exists() else []

    def peak(self) -> int:
        """Peak bytes charged to the cgroup (its processes' memory and the page cache they brought in)."""
        name = "memory.max_usage_in_bytes" if self.v1 else "memory.peak"
        return int((self.path / name).read_text()) if (self.path / name).exists() else 0

    def oom_kills(self) -> int:
        text = (self.path / ("memory.oom_control" if self.v1 else "memory.events")).read_text()
        match = re.search(r"oom_kill (\d+)", text)
        return int(match.group(1)) if match else 0

    def kill_and_remove(self) -> list[int]:
        """Kill whatever is still in the cgroup (a kernel its server did not stop) and remove it; returns those."""
        left = self.pids()
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for _ in range(100):
            try:
                if self.path.exists():
                    self.path.rmdir()
                return left
            except OSError:  # still busy while the killed processes exit
                time.sleep(0.1)
        raise RuntimeError(f"{self.path} still holds {self.pids()}")


try:
    from jupyterhub.spawner import LocalProcessSpawner
except ImportError:  # the hub is not installed: the rest of this module still works
    LocalProcessSpawner = object


class CgroupSpawner(LocalProcessSpawner):
    """JupyterHub's local spawner, with each learner's server started inside that learner's memory cgroup."""

    @property
    def hub_port(self) -> int:
        return int(os.environ["COURSE_HUB_PORT"])  # set by classroom.start for the hub process

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        group = LearnerCgroup(name, self.hub_port).create(self.mem_limit)
        procs = str(group.path / "cgroup.procs")
        self.log.info("%s: memory cgroup %s, limit %s", name, group.path, self.mem_limit or "none")

        def preexec():  # in the child, as root, before it becomes the learner and execs the server
            with open(procs, "w") as handle:
                handle.write(str(os.getpid()))
            become_user()

        return preexec

    async def stop(self, now=False):
        await super().stop(now=now)
        left = LearnerCgroup(self.user.name, self.hub_port).kill_and_remove()
        if left:
            self.log.warning("%s: killed %d processes the server left behind: %s", self.user.name, len(left), left)


# ---- setup: the proxy, the accounts ---------------------------------------------------------------------------------


def setup_proxy() -> Path:
    """configurable-http-proxy from npm, into the venv's hub-proxy folder (a no-op once there)."""
    if PROXY.exists():
        return PROXY
    npm = shutil.which("npm")
    node = shutil.which("node")
    if not (npm and node):
        raise SystemExit("classroom: JupyterHub's proxy comes from npm: install Node.js and npm (apt-get install npm)")
    major = int(
        subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip().lstrip("v").split(".")[0]
    )
    version = next(v for floor, v in sorted(PROXY_VERSIONS.items(), reverse=True) if major >= floor)
    subprocess.run(
        [
            npm,
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(PROXY_PREFIX),
            f"configurable-http-proxy@{version}",
        ],
        check=True,
    )
    return PROXY


def learner_names(count: int, prefix: str = "learner") -> list[str]:
    return [f"{prefix}{i:02d}" for i in range(1, count + 1)]


def add_learners(names: list[str], password: str, edition: Path | None = None) -> None:
    """As root: the accounts (group course-learners), their password, and ~/course with the student edition."""
    if os.geteuid() != 0:
        raise SystemExit("classroom: adding accounts needs root (useradd); ask the machine's administrator")
    if subprocess.run(["getent", "group", LEARNER_GROUP], capture_output=True).returncode:
        subprocess.run(["groupadd", LEARNER_GROUP], check=True)
    if edition is None:
        edition = Path("/tmp") / f"course-student-edition-{os.getpid()}"
        subprocess.run([sys.executable, str(ROOT / "tools" / "student.py"), "--out", str(edition)], check=True)
    for name in names:
        if subprocess.run(["id", name], capture_output=True).returncode:
            subprocess.run(
                ["useradd", "--create-home", "--shell", "/bin/bash", "--gid", LEARNER_GROUP, name], check=True
            )
        subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
        home = Path(f"~{name}").expanduser()
        course = home / "course"
        course.mkdir(exist_ok=True)
        for notebook in edition.glob("*.ipynb"):
            shutil.copy(notebook, course / notebook.name)
        # the notebooks read files beside them by relative path (06's screenshots, 07's TorchServe handler):
        # ~/course holds notebooks/pairs as it is in the repository
        shutil.copytree(
            ROOT / "notebooks" / "pairs",
            course / "pairs",
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        subprocess.run(["chown", "-R", f"{name}:{LEARNER_GROUP}", str(course)], check=True)


def remove_learners(names: list[str]) -> None:
    for name in names:
        subprocess.run(["userdel", "--remove", name], capture_output=True)


# ---- start and stop -------------------------------------------------------------------------------------------------


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMG]?)B?", text.strip().upper())
    if not match:
        raise SystemExit(f"classroom: a memory size looks like 2G or 1500M, not {text!r}")
    return int(float(match.group(1)) * {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}[match.group(2)])


def unreachable_by_learners(program: Path = Path(sys.executable)) -> Path | None:
    """The first folder on the way to the venv's real Python that other users may not enter (e.g. /root, where
    pyenv puts its Pythons), or None: learners' servers run that Python as the learners."""
    for folder in Path(os.path.realpath(program)).parents:
        if not folder.stat().st_mode & 0o001:
            return folder
    return None


def start(port: int = 8000, mem_limit: int = 2 * 2**30, run: Path = DEFAULT_RUN, timeout: float = 60) -> dict:
    """Start JupyterHub in the background; returns {pid, url, run}. Refuses when ports or the run folder are taken."""
    if os.geteuid() != 0:
        raise SystemExit("classroom: the hub starts each learner's server as that learner, which needs root")
    if not PROXY.exists():
        raise SystemExit(f"classroom: no configurable-http-proxy at {PROXY}: run `python tools/classroom.py setup`")
    if mem_limit and memory_cgroup_root() is None:
        raise SystemExit("classroom: no memory cgroup here, so no per-learner limit: start with --mem-limit 0")
    closed = unreachable_by_learners()
    if closed:
        raise SystemExit(
            f"classroom: learners cannot run {os.path.realpath(sys.executable)}: other users may not "
            f"enter {closed} (`chmod o+x {closed}`, or build the venv from a Python outside it)"
        )
    busy = [p for p in (port, port + 1, port + 2) if port_open(p)]
    if busy:
        raise SystemExit(f"classroom: port(s) {busy} on 127.0.0.1 are taken (another hub? `classroom.py stop`)")
    if (run / "hub.pid").exists():
        raise SystemExit(f"classroom: {run} holds a hub already: `python tools/classroom.py stop --run {run}`")
    run.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "COURSE_HUB_RUN": str(run),
        "COURSE_HUB_PORT": str(port),
        "COURSE_HUB_MEM": str(mem_limit),
        "COURSE_HUB_PROXY": str(PROXY),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    log = open(run / "hub.log", "ab")
    hub = subprocess.Popen(
        [str(VENV_BIN / "jupyterhub"), "-f", str(ROOT / "tools" / "hub_config.py")],
        cwd=run,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (run / "hub.pid").write_text(f"{hub.pid} {port}\n")
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            (run / "hub.pid").unlink()
            raise SystemExit(f"classroom: the hub exited ({hub.returncode}); see {run / 'hub.log'}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/hub/api/", timeout=2).ok:
                return {"pid": hub.pid, "url": f"http://127.0.0.1:{port}/", "run": str(run)}
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    stop(run)
    raise SystemExit(f"classroom: the hub did not answer within {timeout:.0f} s; see {run / 'hub.log'}")


def stop(run: Path = DEFAULT_RUN, timeout: float = 60) -> dict:
    """Stop the hub (it stops every learner's server and its proxy), then check that nothing is left:
    no process of the hub's session, no learner cgroup, no port. Returns what it found and removed."""
    pidfile = run / "hub.pid"
    if not pidfile.exists():
        return {"stopped": False, "why": f"no hub.pid in {run}"}
    pid, port = (int(x) for x in pidfile.read_text().split())
    try:
        os.kill(pid, signal.SIGTERM)  # JupyterHub's clean shutdown: servers, then the proxy
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.2)
        try:  # reap it when this process started it
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
    leftovers = {"hub": [pid] if Path(f"/proc/{pid}").exists() else []}
    leftovers["session"] = session_processes(pid)
    for found in (leftovers["hub"], leftovers["session"]):
        for other in found:
            try:
                os.kill(other, signal.SIGKILL)
            except ProcessLookupError:
                pass
    root = memory_cgroup_root()
    parent = root / CGROUP_PARENT.format(port=port) if root else None
    leftovers["cgroups"] = {}
    if parent and parent.exists():
        for group in [p for p in parent.iterdir() if p.is_dir()]:
            leftovers["cgroups"][group.name] = LearnerCgroup(group.name, port, root).kill_and_remove()
        parent.rmdir()
    for _ in range(50):
        if not any(port_open(p) for p in (port, port + 1, port + 2)):
            break
        time.sleep(0.2)
    ports = [p for p in (port, port + 1, port + 2) if port_open(p)]
    shutil.rmtree(run, ignore_errors=True)
    return {"stopped": True, "left_behind": leftovers, "ports_open": ports}


def session_processes(session: int) -> list[int]:
    """Processes still in the hub's session (the proxy, a server), found in /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == session:
                    found.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                pass
    return found


# ---- a learner, through the hub's and the server's own HTTP and websocket APIs ------------------------------------


class Learner:
    """Logs in through the hub's login form, starts a server, and runs notebooks over the Jupyter server's API."""

    def __init__(self, base: str, name: str, password: str):
        import requests

        self.base, self.name, self.password = base.rstrip("/"), name, password
        self.http = requests.Session()
        self.token = None

    def _xsrf(self) -> dict:
        return {"X-XSRFToken": self.http.cookies.get("_xsrf", path="/hub/") or ""}

    def login(self) -> None:
        self.http.get(f"{self.base}/hub/login", timeout=30).raise_for_status()
        answer = self.http.post(
            f"{self.base}/hub/login?next=",
            timeout=30,
            allow_redirects=False,
            data={
                "username": self.name,
                "password": self.password,
                "_xsrf": self.http.cookies.get("_xsrf", path="/hub/"),
            },
        )
        if answer.status_code != 302:
            raise RuntimeError(f"{self.name}: login refused (HTTP {answer.status_code})")
        # a token for the APIs, made by the logged-in learner (cookie + XSRF, as the hub's own pages do)
        made = self.http.post(
            f"{self.base}/hub/api/users/{self.name}/tokens",
            headers=self._xsrf(),
            timeout=30,
            json={"note": "load rehearsal", "expires_in": 3600},
        )
        made.raise_for_status()
        self.token = made.json()["token"]

    @property
    def headers(self) -> dict:
        return {"Authorization": f"token {self.token}"}

    def start_server(self, timeout: float = 120) -> float:
        started = time.monotonic()
        answer = self.http.post(f"{self.base}/hub/api/users/{self.name}/server", headers=self.headers, timeout=30)
        if answer.status_code not in (201, 202, 400):  # 400: already running
            raise RuntimeError(f"{self.name}: server not started: HTTP {answer.status_code} {answer.text[:300]}")
        while time.monotonic() - started < timeout:
            user = self.http.get(f"{self.base}/hub/api/users/{self.name}", headers=self.headers, timeout=30).json()
            server = user.get("servers", {}).get("", {})
            if server.get("ready"):
                status = self.http.get(f"{self.base}/user/{self.name}/api/status", headers=self.headers, timeout=30)
                if status.ok:
                    return time.monotonic() - started
            time.sleep(0.5)
        raise RuntimeError(f"{self.name}: server not ready within {timeout:.0f} s")

    def stop_server(self) -> None:
        self.http.delete(f"{self.base}/hub/api/users/{self.name}/server", headers=self.headers, timeout=60)
        for _ in range(240):
            user = self.http.get(f"{self.base}/hub/api/users/{self.name}", headers=self.headers, timeout=30).json()
            if not user.get("servers"):
                return
            time.sleep(0.5)

    @staticmethod
    def _wait_for_iopub(ws, send, timeout: float = 60) -> None:
        """Ask for kernel_info until a reply to it arrives on IOPub: a kernel just started may not yet be subscribed
        to, and a status lost there left a learner waiting forever for 'idle' (what Jupyter's own 'nudge' is for)."""
        import websocket

        asked: set[str] = set()
        deadline, last = time.monotonic() + timeout, 0.0
        ws.settimeout(1)
        while time.monotonic() < deadline:
            if time.monotonic() - last > 1:
                asked.add(send("kernel_info_request", {}))
                last = time.monotonic()
            try:
                message = json.loads(ws.recv())
            except websocket.WebSocketTimeoutException:
                continue
            if message.get("channel") == "iopub" and message.get("parent_header", {}).get("msg_id") in asked:
                return
        raise ConnectionError(f"the kernel's IOPub channel did not answer within {timeout:.0f} s")

    def run_cells(self, path: str, cells: list[str], timeout: float = 300) -> dict:
        """A session (kernel) for path, each cell executed over the kernel's websocket, in order; then the kernel
        is shut down. Returns {seconds, cells, error}: error names the first cell that failed or the kernel's death."""
        import websocket

        api = f"{self.base}/user/{self.name}/api"
        session = self.http.post(
            f"{api}/sessions",
            headers=self.headers,
            timeout=60,
            json={"path": path, "type": "notebook", "name": Path(path).name, "kernel": {"name": "python3"}},
        )
        session.raise_for_status()
        session = session.json()
        kernel = session["kernel"]["id"]
        url = f"{api.replace('http', 'ws', 1)}/kernels/{kernel}/channels"
        started, done, error = time.monotonic(), 0, None
        ws = websocket.create_connection(url, header=[f"Authorization: token {self.token}"], timeout=timeout)

        def send(msg_type: str, content: dict) -> str:
            msg_id = uuid.uuid4().hex
            header = {
                "msg_id": msg_id,
                "username": self.name,
                "session": session["id"],
                "msg_type": msg_type,
                "version": "5.3",
            }
            message = {"header": header, "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": []}
            ws.send(json.dumps({**message, "content": content}))
            return msg_id

        try:
            self._wait_for_iopub(ws, send)
            ws.settimeout(timeout)
            for index, code in enumerate(cells):
                msg_id = send(
                    "execute_request",
                    {
                        "code": code,
                        "silent": False,
                        "store_history": True,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                )
                reply, idle = None, False
                while reply is None or not idle:
                    try:
                        message = json.loads(ws.recv())
                    except websocket.WebSocketTimeoutException:
                        if reply is None:
                            raise
                        break  # the reply is what counts; an 'idle' lost on its way is not worth a hang
                    kind = message["header"]["msg_type"]
                    if kind == "status" and message["content"]["execution_state"] in ("restarting", "dead"):
                        raise ConnectionError(f"the kernel died and is {message['content']['execution_state']}")
                    if message.get("parent_header", {}).get("msg_id") != msg_id:
                        continue
                    if kind == "execute_reply":
                        reply = message["content"]
                        ws.settimeout(10)
                    elif kind == "status" and message["content"]["execution_state"] == "idle":
                        idle = True
                ws.settimeout(timeout)
                if reply["status"] != "ok":
                    error = f"cell {index}: {reply.get('ename')}: {reply.get('evalue', '')[:200]}"
                    break
                done += 1
        except (websocket.WebSocketException, ConnectionError, OSError) as exc:  # the kernel died (OOM) or hung
            error = f"cell {done}: the kernel's connection ended ({type(exc).__name__}: {exc})"
        finally:
            ws.close()
            self.http.delete(f"{api}/sessions/{session['id']}", headers=self.headers, timeout=60)
        return {"seconds": round(time.monotonic() - started, 1), "cells": done, "error": error}


def notebook_cells(path: Path) -> list[str]:
    import nbformat

    return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


# ---- the load rehearsal ---------------------------------------------------------------------------------------------

RUNAWAY = "hoard = []\nwhile True:\n    hoard.append(b'x' * (64 << 20))  # 64 MB more, every page touched, forever\n"
REHEARSAL_JSON = ROOT / "docs" / "classroom" / "rehearsal.json"


def pair_notebooks(pair: str, notebooks_dir: Path = ROOT / "notebooks") -> list[Path]:
    found = sorted(notebooks_dir.glob(f"{pair}_*.ipynb"))
    found = [p for p in found if p.stem.rsplit("_", 1)[0] == pair]
    if not found:
        raise SystemExit(f"classroom: no notebooks for pair {pair!r}")
    return found


def machine() -> dict:
    """The CPU (model name, family and model number: a VM's model name alone may not tell two generations apart),
    its usable cores and the memory."""
    from benchmarks.speed import cpu_details, cpu_model  # the benchmark records describe their CPU the same way

    details = cpu_details()
    total = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) * 1024
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model(),
        "cpu_family": details.get("cpu_family"),
        "model": details.get("model"),
        "memory_gib": round(total / 2**30, 1),
    }


def frameworks() -> dict:
    from importlib.metadata import version

    return {name: version(name) for name in ("torch", "tensorflow", "jupyterhub", "jupyterlab")}


def mem_available() -> int:
    return int(re.search(r"MemAvailable:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) * 1024


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


class OthersCpu:
    """CPU seconds used during a point by processes that are neither the room's (the hub's session, a learner's
    uid) nor this rehearsal's own: another job on the machine makes the timings dishonest, so it is counted.
    Sampled from /proc every half second (a process that lives less than one sampling interval is missed)."""

    def __init__(self, hub_session: int, learner_uids: set[int]):
        self.hub_session, self.learner_uids, self.me = hub_session, learner_uids, os.getpid()
        self.last: dict[int, tuple[float, str]] = {}
        self.used: dict[str, float] = {}
        self.names: dict[int, str] = {}
        self.tick = os.sysconf("SC_CLK_TCK")
        self.sample(first=True)

    def sample(self, first: bool = False) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == self.me:
                continue
            try:
                stat = (entry / "stat").read_text()
                # the real uid from status (a non-dumpable process's /proc files belong to root, whoever runs it)
                uid = int(re.search(r"^Uid:\s+(\d+)", (entry / "status").read_text(), re.M).group(1))
                session = os.getsid(int(entry.name))
            except (OSError, ProcessLookupError, AttributeError):
                continue
            if uid in self.learner_uids or session == self.hub_session:
                continue
            name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
            cpu = (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime
            pid = int(entry.name)
            seen, _ = self.last.get(pid, (None, name))
            if seen is None and not first:
                seen = 0.0  # not there at the first sample: it started during the point, all its CPU counts
            if seen is not None and cpu > seen:
                if pid not in self.names:  # who it was, for the record: its name, pid and command line
                    try:
                        line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    except OSError:
                        line = ""
                    self.names[pid] = f"{name} (pid {pid}: {line.strip()[:80]})"
                self.used[self.names[pid]] = self.used.get(self.names[pid], 0.0) + cpu - seen
            self.last[pid] = (cpu, name)

    def summary(self) -> dict:
        top = sorted(((round(v, 1), k) for k, v in self.used.items() if v >= 0.5), reverse=True)[:3]
        return {"seconds": round(sum(self.used.values()), 1), "top": [f"{k} {v} s" for v, k in top]}


def machine_busy_seconds() -> float:
    """CPU seconds spent busy by all cores since boot (/proc/stat: everything but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def measure_point(
    base: str,
    pair: str,
    names: list[str],
    password: str,
    runaway: str | None = None,
    notebooks_dir: Path = ROOT / "notebooks",
    hub_pid: int = -1,
) -> dict:
    """N learners at once: each logs in, starts a server and runs the pair's notebooks, one after the other, over
    the server's API. A runaway learner (optional) runs RUNAWAY meanwhile. Returns times, peaks and errors."""
    import threading

    notebooks = [(f"{p.name}", notebook_cells(p)) for p in pair_notebooks(pair, notebooks_dir)]
    port = int(base.rsplit(":", 1)[1].strip("/"))
    everyone = [*names, *([runaway] if runaway else [])]
    learners = {name: Learner(base, name, password) for name in everyone}
    results: dict[str, dict] = {name: {} for name in everyone}
    lowest = [mem_available()]
    sampling = threading.Event()

    others: list[OthersCpu] = []

    def sample():
        while not sampling.wait(0.5):
            lowest[0] = min(lowest[0], mem_available())
            if others:
                others[0].sample()

    def login_and_start(name):
        try:
            learners[name].login()
            results[name]["server_start_s"] = round(learners[name].start_server(), 1)
        except Exception as exc:
            results[name]["error"] = f"start: {type(exc).__name__}: {exc}"

    def work(name):
        began = time.monotonic()
        try:
            if name == runaway:
                results[name]["runaway"] = learners[name].run_cells("runaway.ipynb", [RUNAWAY], timeout=300)
            else:
                runs = [learners[name].run_cells(path, cells) for path, cells in notebooks]
                results[name]["notebooks"] = dict(zip([p for p, _ in notebooks], runs))
                errors = [f"{p}: {r['error']}" for p, r in zip([p for p, _ in notebooks], runs) if r["error"]]
                if errors:
                    results[name]["error"] = "; ".join(errors)
        except Exception as exc:
            results[name]["error"] = f"run: {type(exc).__name__}: {exc}"
        results[name]["seconds"] = round(time.monotonic() - began, 1)

    def together(target):
        threads = [threading.Thread(target=target, args=(name,)) for name in everyone if "error" not in results[name]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    before = loadavg()
    sampler = threading.Thread(target=sample)
    sampler.start()
    together(login_and_start)
    for name in everyone:  # the peak counts from here: the runs, not the servers' start
        LearnerCgroup(name, port).reset_peak()
    import pwd

    others.append(OthersCpu(hub_pid, {pwd.getpwnam(name).pw_uid for name in everyone}))
    busy, started = machine_busy_seconds(), time.monotonic()
    together(work)
    seconds = round(time.monotonic() - started, 1)
    busy = round(machine_busy_seconds() - busy, 1)
    sampling.set()
    sampler.join()
    others[0].sample()
    for name in everyone:
        group = LearnerCgroup(name, port)
        results[name]["peak_mb"] = round(group.peak() / 2**20) if group.path.exists() else None
        results[name]["oom_kills"] = group.oom_kills() if group.path.exists() else None
    for name in everyone:
        try:
            learners[name].stop_server()
        except Exception as exc:
            results[name].setdefault("error", f"stop: {exc}")
    learners_only = [results[name] for name in names]
    return {
        "pair": pair,
        "learners": len(names),
        "runaway": runaway is not None,
        "seconds": seconds,
        "loadavg_before": before,
        "loadavg_after": loadavg(),
        "slowest_learner_s": max((r.get("seconds", 0) for r in learners_only), default=0),
        "peak_mb_per_learner": max((r.get("peak_mb") or 0 for r in learners_only), default=0),
        "min_mem_available_gib": round(lowest[0] / 2**30, 2),
        "machine_cpu_s": busy,  # of the 2 x seconds a 2-core machine has
        "others_cpu_s": others[0].summary(),
        "errors": {name: r["error"] for name, r in results.items() if r.get("error")},
        "per_learner": results,
    }


def rehearse(
    pair: str,
    counts: list[int],
    password: str,
    port: int,
    mem_limit: int,
    lock: Path | None,
    runaway_with: int = 0,
    budget_s: float = 540,
) -> tuple[list[dict], list[str]]:
    """Grow the room under the CPU lock (held for the whole series, at most budget_s): for each N, fresh accounts,
    a hub, the measurement, the hub stopped. Growth stops once a point takes more than twice the one-learner time,
    a learner fails or memory runs short, or the next point (guessed at twice the last) would pass the budget.
    Returns the points and a line per N not measured, saying why."""
    import fcntl

    points: list[dict] = []
    skipped: list[str] = []
    handle = open(lock, "w") if lock else None
    if handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # nothing else of ours runs while we measure
    began = time.monotonic()
    try:
        plan = [(n, False) for n in counts] + ([(runaway_with, True)] if runaway_with else [])
        stopped = False
        for count, with_runaway in plan:
            label = f"{count} learners{' + a runaway' if with_runaway else ''}"
            if stopped and not with_runaway:
                skipped.append(f"{label}: not measured, the room had degraded at {points[-1]['learners']}")
                continue
            guess = 2 * points[-1]["seconds"] + 30 if points else 60
            if time.monotonic() - began + guess > budget_s:
                skipped.append(
                    f"{label}: not measured, about {guess:.0f} s more would pass the {budget_s:.0f} s "
                    "the CPU lock may be held"
                )
                stopped = True
                continue
            names = learner_names(count)
            # fresh accounts every point: no cache (Inductor's, Keras') warm from the point before
            for name in [*names, "runaway01"]:
                shutil.rmtree(f"/tmp/torchinductor_{name}", ignore_errors=True)
            remove_learners([*names, "runaway01"])
            add_learners([*names, "runaway01"] if with_runaway else names, password, edition=ROOT / "notebooks")
            run = Path(f"/tmp/course-hub-rehearsal-{os.getpid()}")
            hub = start(port, mem_limit, run)
            try:
                point = measure_point(
                    f"http://127.0.0.1:{port}",
                    pair,
                    names,
                    password,
                    "runaway01" if with_runaway else None,
                    hub_pid=hub["pid"],
                )
            finally:
                stopped_hub = stop(run)
            point["stop"] = stopped_hub
            point["mem_limit_mb"] = mem_limit // 2**20
            points.append(point)
            print(
                f"{pair}: {label}: {point['seconds']} s, peak {point['peak_mb_per_learner']} MB/learner, "
                f"min available {point['min_mem_available_gib']} GiB, load {point['loadavg_before']}, "
                f"machine CPU {point['machine_cpu_s']} s, others' {point['others_cpu_s']}, errors {point['errors']}",
                flush=True,
            )
            if not with_runaway:
                single = points[0]["seconds"]
                if point["errors"] or point["seconds"] > 2 * single or point["min_mem_available_gib"] < 1:
                    stopped = True
    finally:
        if handle:
            handle.close()
    return points, skipped


def fits(points: list[dict]) -> int:
    """The largest N that finished within twice the one-learner time, with no error and memory to spare."""
    plain = [p for p in points if not p["runaway"]]
    single = next(p["seconds"] for p in plain if p["learners"] == 1)
    good = [
        p["learners"]
        for p in plain
        if not p["errors"] and p["seconds"] <= 2 * single and p["min_mem_available_gib"] >= 1
    ]
    return max(good, default=0)


TEACHING = ROOT / "docs" / "teaching.md"


def others_cpu(point: dict) -> str:
    """Other jobs' CPU seconds during a point, beside the machine's (points before this was counted: n/a)."""
    others = point.get("others_cpu_s")
    if others is None:
        return "not counted"
    return f"{others['seconds']:g} of {point['machine_cpu_s']:g}"


def table(record: dict) -> str:
    """The rehearsal as docs/teaching.md shows it: one row per pair and N, then the sentence per pair."""
    rows = [
        "| pair | learners | seconds (all done) | x one learner | peak MB per learner (cgroup) | lowest free GiB "
        "| load before | others' CPU s | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    sentences = []
    for pair, found in sorted(record["pairs"].items()):
        single = next(p["seconds"] for p in found["points"] if p["learners"] == 1 and not p["runaway"])
        for point in found["points"]:
            who = f"{point['learners']}" + (" + 1 runaway" if point["runaway"] else "")
            errors = "; ".join(f"{k}: {v}" for k, v in point["errors"].items()) or "none"
            if point["runaway"]:
                runaway = point["per_learner"].get("runaway01", {})
                others = "; ".join(f"{k}: {v}" for k, v in point["errors"].items() if k != "runaway01")
                errors = f"learners: {others or 'none'}; runaway: {runaway.get('oom_kills')} OOM kill in its cgroup"
            rows.append(
                f"| {pair} | {who} | {point['seconds']} | {point['seconds'] / single:.1f} "
                f"| {point['peak_mb_per_learner']} | {point['min_mem_available_gib']} "
                f"| {point['loadavg_before'][0]} | {others_cpu(point)} | {errors} |"
            )
        machine_ = found["machine"]  # each pair's own: a series may be measured on another machine than the last
        sentences.append(
            f"- One machine of {machine_['cpus']} cores / {machine_['memory_gib']:g} GiB ({machine_['cpu_model']}) "
            f"holds **{found['fits']} learners for pair {pair}** (measured {found['measured']}, Python "
            f"{found['python']}" + (f", torch {found['frameworks']['torch']}" if "frameworks" in found else "") + ")."
        )
        sentences.extend(f"  {line}" for line in found.get("not_measured", []))
    return "\n".join(rows) + "\n\n" + "\n".join(sentences)


def write_table(record: dict, doc: Path = TEACHING) -> None:
    text = doc.read_text()
    start, end = "<!-- classroom:start -->", "<!-- classroom:end -->"
    before, rest = text.split(start)
    _, after = rest.split(end)
    doc.write_text(f"{before}{start}\n{table(record)}\n{end}{after}")


# ---- command line ---------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="install configurable-http-proxy from npm into the venv")
    accounts = sub.add_parser("learners", help="as root: add learner accounts with ~/course (the student edition)")
    accounts.add_argument("count", type=int)
    accounts.add_argument("--password", required=True, help="one password for every learner (change it after)")
    accounts.add_argument("--prefix", default="learner")
    begin = sub.add_parser("start", help="start the hub in the background")
    begin.add_argument("--port", type=int, default=8000)
    begin.add_argument("--mem-limit", default="2G", help="per learner, e.g. 2G or 1500M; 0 for none")
    begin.add_argument("--run", type=Path, default=DEFAULT_RUN)
    end = sub.add_parser("stop", help="stop the hub, every server and the proxy; check nothing is left")
    end.add_argument("--run", type=Path, default=DEFAULT_RUN)
    load = sub.add_parser(
        "rehearse", aliases=["load"], help="the load rehearsal for one pair (as root; appends to the JSON)"
    )
    load.add_argument("pair")
    load.add_argument("--learners", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    load.add_argument("--runaway-with", type=int, default=0, help="then N learners beside a runaway one")
    load.add_argument("--port", type=int, default=8710)
    load.add_argument("--mem-limit", default="2G")
    load.add_argument("--lock", type=Path, default=Path("/tmp/course-cpu.lock"))
    load.add_argument("--json", type=Path, default=REHEARSAL_JSON)
    show = sub.add_parser("table", help="rewrite the rehearsal's table in docs/teaching.md from the JSON")
    show.add_argument("--json", type=Path, default=REHEARSAL_JSON)
    args = parser.parse_args()
    if args.command == "setup":
        print(f"configurable-http-proxy: {setup_proxy()}")
    elif args.command == "learners":
        names = learner_names(args.count, args.prefix)
        add_learners(names, args.password)
        print(f"{len(names)} learners ({names[0]} .. {names[-1]}), group {LEARNER_GROUP}, ~/course each")
    elif args.command == "start":
        found = start(args.port, parse_size(args.mem_limit), args.run)
        print(
            f"JupyterHub on {found['url']} (pid {found['pid']}, log {args.run / 'hub.log'}); "
            "stop it with `python tools/classroom.py stop`"
        )
    elif args.command in ("rehearse", "load"):
        password = uuid.uuid4().hex
        points, skipped = rehearse(
            args.pair, args.learners, password, args.port, parse_size(args.mem_limit), args.lock, args.runaway_with
        )
        remove_learners([*learner_names(max(args.learners + [args.runaway_with])), "runaway01"])
        record = json.loads(args.json.read_text()) if args.json.exists() else {"pairs": {}}
        record["pairs"][args.pair] = {
            "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": machine(),
            "python": sys.version.split()[0],
            "frameworks": frameworks(),
            "fits": fits(points),
            "points": points,
            "not_measured": skipped,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=1) + "\n")
        print(
            f"{args.pair}: one machine of {len(os.sched_getaffinity(0))} cores holds {fits(points)} learners; "
            f"written to {args.json}"
        )
    elif args.command == "table":
        write_table(json.loads(args.json.read_text()))
    elif args.command == "stop":
        found = stop(args.run)
        print(json.dumps(found))
        return 1 if found.get("ports_open") else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
