"""A class on one machine (tools/classroom.py, tools/hub_config.py): JupyterHub with local accounts, for real.

The hub is started by the command a teacher types, two learners log in through the hub's login form, each starts
a server and runs code in a kernel over the server's websocket API; one of them runs away (allocates without
limit) and is stopped by its own memory cgroup while the other keeps working; then `classroom.py stop` must leave
no process, port, cgroup or run folder behind. About 20 s. It needs root (useradd, a server per account, cgroups)
and configurable-http-proxy (`make test` installs it from npm); without them it is skipped and says why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid

import pytest

from tools import classroom
from utils import NOTEBOOKS_DIR

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the hub starts servers as other users: root only")
needs_proxy = pytest.mark.skipif(not classroom.PROXY.exists(), reason="no configurable-http-proxy (classroom.py setup)")
needs_cgroup = pytest.mark.skipif(classroom.memory_cgroup_root() is None, reason="no memory cgroup on this machine")
LIMIT = 512 * 2**20


def test_sizes_parse_and_bad_ones_are_refused():
    assert classroom.parse_size("2G") == 2 * 2**30 and classroom.parse_size("1500M") == 1500 * 2**20
    assert classroom.parse_size("0") == 0
    with pytest.raises(SystemExit, match="looks like 2G"):
        classroom.parse_size("lots")


def test_a_python_learners_cannot_enter_is_named(tmp_path):
    shut = tmp_path / "home"
    (shut / "bin").mkdir(parents=True)
    program = shut / "bin" / "python"
    program.write_text("")
    shut.chmod(0o700)
    try:
        assert classroom.unreachable_by_learners(program) == shut
    finally:
        shut.chmod(0o755)
    assert classroom.unreachable_by_learners(program) is None or classroom.unreachable_by_learners(program) != shut


def free_base_port() -> int:
    """Three free ports in a row (the hub's public port, its API, the proxy's API)."""
    for base in range(18700, 18900, 3):
        ports = (base, base + 1, base + 2)
        if not any(classroom.port_open(p) for p in ports):
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", base))
                except OSError:
                    continue
            return base
    raise RuntimeError("no free ports")


def user_processes(name: str, wait: float = 15) -> list[str]:
    """The learner's processes, after up to `wait` s (a killed kernel is a zombie until init reaps it)."""
    deadline = time.monotonic() + wait
    while True:
        done = subprocess.run(["ps", "-u", name, "-o", "pid=,stat=,args="], capture_output=True, text=True)
        found = [line for line in done.stdout.splitlines() if line.strip()]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


@pytest.fixture
def hub(tmp_path):
    names = ["hubtest01", "hubtest02"]
    password = uuid.uuid4().hex
    edition = tmp_path / "edition"
    edition.mkdir()
    shutil.copy(NOTEBOOKS_DIR / "02_autograd_pytorch.ipynb", edition)
    classroom.add_learners(names, password, edition=edition)
    run = tmp_path / "run"
    port = free_base_port()
    try:
        started = classroom.start(port, LIMIT, run)
        yield {**started, "names": names, "password": password, "run": run, "port": port}
    finally:
        stopped = classroom.stop(run)
        classroom.remove_learners(names)
        assert stopped.get("ports_open", []) == []


@needs_root
@needs_proxy
@needs_cgroup
def test_hub_serves_learners_and_stops_with_nothing_left(hub):
    base = hub["url"]
    steady, runaway = (classroom.Learner(base, name, hub["password"]) for name in hub["names"])
    wrong = classroom.Learner(base, hub["names"][0], "not-the-password")
    with pytest.raises(RuntimeError, match="login refused"):
        wrong.login()
    for learner in (steady, runaway):
        learner.login()
        assert learner.start_server() < 60
    probe = "import os, pathlib\nprint(os.getuid(), os.getcwd(), pathlib.Path('/proc/self/cgroup').read_text())"
    assert steady.run_cells("02_autograd_pytorch.ipynb", [probe])["error"] is None
    group = classroom.LearnerCgroup(steady.name, hub["port"])
    assert group.path.is_dir() and group.pids(), "the learner's server is not in its memory cgroup"
    limit_file = "memory.limit_in_bytes" if group.v1 else "memory.max"
    assert int((group.path / limit_file).read_text()) == LIMIT

    # the runaway learner allocates without limit: its kernel is killed inside its own cgroup, no one else's
    ran_away = runaway.run_cells("runaway.ipynb", [classroom.RUNAWAY], timeout=120)
    assert ran_away["error"] and ran_away["cells"] == 0, ran_away
    assert classroom.LearnerCgroup(runaway.name, hub["port"]).oom_kills() >= 1
    assert classroom.LearnerCgroup(steady.name, hub["port"]).oom_kills() == 0
    after = steady.run_cells("02_autograd_pytorch.ipynb", ["import torch\nprint(torch.ones(3).sum().item())"])
    assert after["error"] is None, "the other learner's kernel suffered from the runaway"

    stopped = classroom.stop(hub["run"])
    assert stopped["stopped"] and stopped["ports_open"] == []
    assert stopped["left_behind"]["hub"] == [] and stopped["left_behind"]["session"] == []
    assert all(left == [] for left in stopped["left_behind"]["cgroups"].values()), stopped
    for name in hub["names"]:
        assert user_processes(name) == [], f"{name} still has processes"
        assert not classroom.LearnerCgroup(name, hub["port"]).path.exists()
    assert not hub["run"].exists()
    assert not any(classroom.port_open(p) for p in (hub["port"], hub["port"] + 1, hub["port"] + 2))


@needs_root
@needs_proxy
def test_start_refuses_taken_ports(tmp_path):
    port = free_base_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        with pytest.raises(SystemExit, match="are taken"):
            classroom.start(port, LIMIT, tmp_path / "run")
    assert not (tmp_path / "run" / "hub.pid").exists()


def test_the_room_fits_within_twice_one_learner_and_memory():
    def point(n, seconds, errors=None, free=10.0, runaway=False):
        return {
            "learners": n,
            "seconds": seconds,
            "errors": errors or {},
            "min_mem_available_gib": free,
            "runaway": runaway,
        }

    assert classroom.fits([point(1, 10), point(2, 15), point(4, 19.9), point(8, 41)]) == 4
    assert classroom.fits([point(1, 10), point(2, 12, {"learner02": "cell 3: MemoryError"})]) == 1
    assert classroom.fits([point(1, 10), point(2, 12, free=0.5), point(3, 5, runaway=True)]) == 1


def test_other_jobs_cpu_is_counted_and_the_rooms_is_not():
    """A busy process outside the room is counted in the point's others' CPU; one in the hub's session is not."""
    loop = "import time\nend = time.monotonic() + 1.5\nwhile time.monotonic() < end: pass\n"
    outside = subprocess.Popen([sys.executable, "-c", loop])  # its name: the venv's "python"
    inside = subprocess.Popen(["timeout", "2", "awk", "BEGIN { while (1) {} }"], start_new_session=True)
    others = classroom.OthersCpu(hub_session=inside.pid, learner_uids=set())
    time.sleep(1.0)
    others.sample()  # while both still run: a process's CPU after its last sample is not seen
    outside.wait()
    inside.wait()
    found = others.summary()
    assert found["seconds"] >= 0.3 and any(line.startswith("python ") for line in found["top"]), found
    assert not any(line.startswith("awk ") for line in found["top"]), found
