"""Starting, waiting for, and stopping background servers (TensorBoard, Visdom, model servers).

A notebook that starts a server must leave nothing behind, even when one of its cells fails.
:class:`BackgroundServer` guarantees that in four ways:

* it is a context manager (``with BackgroundServer(...) as server:``);
* it starts the server in its own process group and kills the whole group on ``stop()``, so helper processes a
  server spawns go too;
* it registers an ``atexit`` hook, so a kernel that shuts down (nbval does at the end of every notebook, failed or
  not) stops every server it started;
* a tiny guard process stops the group when the kernel dies without running ``atexit`` (killed by a restart, or
  by Jupyter after its 5 s shutdown wait on a busy machine while a JVM was still stopping).

Servers bind to 127.0.0.1 only: a course should never open a port to the network by accident.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from utils.processes import process_group, stop_processes

__all__ = [
    "ServerStartError",
    "MissingComponentError",
    "BackgroundServer",
    "free_port",
    "port_is_open",
    "require_binary",
    "running_servers",
]

LOCALHOST = "127.0.0.1"
# Strong references on purpose: a server whose object a notebook dropped must still be stopped at exit.
_LIVE: set[BackgroundServer] = set()
# The guard blocks on a pipe only this process holds open; the read returns when this process closes it or dies.
_GUARD = """import os, signal, sys, time
os.read(int(sys.argv[1]), 1)
for sig in (signal.SIGTERM, signal.SIGKILL):
    deadline = time.monotonic() + 5
    try:
        os.killpg(int(sys.argv[2]), sig)
        while time.monotonic() < deadline:
            os.killpg(int(sys.argv[2]), 0)
            time.sleep(0.1)
    except OSError:
        break
"""


class ServerStartError(RuntimeError):
    """A server process exited or never opened its port; the message holds its log tail."""


class MissingComponentError(RuntimeError):
    """A program the notebook needs (a server binary, a GPU toolkit) is not installed."""


def require_binary(name: str, how_to_get: str) -> str:
    """Return the full path of ``name`` on PATH, or raise with instructions to install it."""
    path = shutil.which(name)
    if path is None:
        raise MissingComponentError(f"'{name}' is not on PATH. {how_to_get}")
    return path


def free_port(host: str = LOCALHOST) -> int:
    """A TCP port that is free on ``host`` right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_open(port: int, host: str = LOCALHOST, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def running_servers() -> list[BackgroundServer]:
    """Servers started in this process and not yet stopped."""
    return [s for s in list(_LIVE) if s.running]


class BackgroundServer:
    """A server process started in the background and stopped reliably.

    Parameters
    ----------
    command:
        The program and its arguments, e.g. ``["tensorboard", "--logdir", "runs",
        "--host", "127.0.0.1", "--port", "6006"]``. It must bind to ``port``.
    port:
        The TCP port the server opens on 127.0.0.1.
    ready_path:
        If given, the server is ready only when ``GET http://127.0.0.1:port/ready_path``
        answers (any HTTP status below 500); otherwise an open port is enough.
    timeout_s:
        How long to wait for readiness before giving up.
    log_path:
        Where stdout and stderr go (default: a temporary file, removed by :meth:`stop`
        unless the server failed to start). Read it with :meth:`log_tail`.
    """

    def __init__(
        self,
        command: Sequence[str],
        port: int,
        *,
        ready_path: str | None = None,
        timeout_s: float = 30.0,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike | None = None,
        log_path: str | os.PathLike | None = None,
        name: str | None = None,
    ) -> None:
        if not command:
            raise ValueError("command must name a program to run")
        self.command = [str(c) for c in command]
        self.port = int(port)
        self.ready_path = ready_path
        self.timeout_s = timeout_s
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.name = name or Path(self.command[0]).name
        self._temporary_log = log_path is None
        if log_path is None:
            handle, log_path = tempfile.mkstemp(prefix=f"{self.name}-", suffix=".log")
            os.close(handle)
        self.log_path = Path(log_path)
        self.process: subprocess.Popen | None = None
        self._guard: tuple[subprocess.Popen, int] | None = None
        self.startup_s: float | None = None

    # -- life cycle -----------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> BackgroundServer:
        """Start the process and block until it is ready; raise :class:`ServerStartError` if not."""
        if self.running:
            return self
        if port_is_open(self.port):
            raise ServerStartError(
                f"Port {self.port} is already in use, so {self.name} cannot bind it. "
                "Stop the other server, or pass port=free_port()."
            )
        if shutil.which(self.command[0]) is None and not Path(self.command[0]).exists():
            raise MissingComponentError(f"Cannot start {self.name}: '{self.command[0]}' is not on PATH.")
        env = {**os.environ, **(self.env or {})}
        log = open(self.log_path, "wb")
        started = time.perf_counter()
        try:
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=self.cwd,
                start_new_session=True,  # own process group: stop() kills its children too
            )
        finally:
            log.close()
        _LIVE.add(self)
        read_end, write_end = os.pipe()  # not inheritable: only this process holds write_end
        guard = subprocess.Popen(
            [sys.executable, "-c", _GUARD, str(read_end), str(self.process.pid)],
            pass_fds=(read_end,),
            start_new_session=True,
            stdin=subprocess.DEVNULL,
        )
        os.close(read_end)
        self._guard = (guard, write_end)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.startup_s = time.perf_counter() - started
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise ServerStartError(self._failure(f"exited with code {code} before it was ready"))
            if port_is_open(self.port) and self._http_ready():
                return
            time.sleep(0.1)
        raise ServerStartError(self._failure(f"did not answer on port {self.port} within {self.timeout_s:.0f} s"))

    def _http_ready(self) -> bool:
        if self.ready_path is None:
            return True
        try:
            with urllib.request.urlopen(self.url + self.ready_path, timeout=2):
                return True
        except urllib.error.HTTPError as err:
            return err.code < 500
        except OSError:
            return False

    def _failure(self, what: str) -> str:
        command = " ".join(self.command)
        return f"{self.name} {what}.\n  command: {command}\n  last log lines ({self.log_path}):\n{self.log_tail()}"

    def log_tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines the server printed."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "    (no log)"
        tail = text.splitlines()[-lines:]
        return "\n".join("    " + line for line in tail) or "    (empty log)"

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the process group (SIGTERM, then SIGKILL, utils.processes.stop_processes) and wait until the
        port is free. The whole group, not the tree: a leader can exit before its children (TorchServe's JVM, a
        tensorboard reloader), which then belong to no tree but still to the group."""
        if self.process is None:
            return
        stop_processes(process_group(self.process.pid), timeout_s)
        try:
            self.process.wait(timeout=5)  # reap the leader (stop_processes counts a zombie as gone)
        except subprocess.TimeoutExpired:
            pass
        self._release_guard(wait=True)
        deadline = time.monotonic() + timeout_s
        while port_is_open(self.port) and time.monotonic() < deadline + 5:
            time.sleep(0.1)
        _LIVE.discard(self)
        if self._temporary_log and self.startup_s is not None:
            # a server that ran and was stopped leaves no file behind; a failed start keeps the log its error names
            self.log_path.unlink(missing_ok=True)

    def _release_guard(self, wait: bool) -> None:
        """Close the pipe (the guard then stops the group, if anything is left of it); reap the guard."""
        if self._guard is not None:
            guard, write_end = self._guard
            os.close(write_end)
            self._guard = None
            try:
                guard.wait(timeout=2 if wait else 0)
            except subprocess.TimeoutExpired:
                pass  # a zombie of the group (no reaper in some containers) keeps it up to 10 s

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<BackgroundServer {self.name} {state} at {self.url}>"


@atexit.register
def _stop_all() -> None:
    for server in list(_LIVE):  # every guard starts stopping its server now, in parallel, even if we are killed
        server._release_guard(wait=False)
    for server in list(_LIVE):
        try:
            server.stop(timeout_s=3.0)
        except Exception:  # best effort at interpreter exit
            pass
