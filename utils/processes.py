"""Process trees (psutil): what they listen on, their memory, stopping them and proving they are gone. The one
implementation for the course (servers of pairs 06, 07, 11, the ``%tensorboard`` cleanup, tests)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Sequence

import psutil


def process_tree(pid: int) -> list[psutil.Process]:
    """``psutil.Process`` objects for ``pid`` and all its descendants (empty if it is gone)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def process_group(pgid: int) -> list[psutil.Process]:
    """The live (not zombie) processes of process group ``pgid``: a server's children that outlived it too."""
    found = []
    for proc in psutil.process_iter(["pid", "status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(proc.info["pid"]) == pgid:
                found.append(proc)
        except (OSError, psutil.Error):
            continue
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants, in MiB."""
    total = 0
    for proc in process_tree(pid):
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def listening_addresses(pid: int) -> list[str]:
    """Sorted ``"ip:port"`` of every TCP LISTEN socket of ``pid`` and its descendants; ``::ffff:`` (Java) folded."""
    found = set()
    for proc in process_tree(pid):
        try:
            # net_connections from psutil 6.0 on; connections, its old name, on Colab's psutil 5.9.5
            conns = getattr(proc, "net_connections", None) or proc.connections
            conns = conns(kind="tcp")
        except psutil.Error:
            continue
        for conn in conns:
            if conn.status == psutil.CONN_LISTEN and conn.laddr:
                found.add((conn.laddr.ip.removeprefix("::ffff:"), conn.laddr.port))
    return [f"{ip}:{port}" for ip, port in sorted(found)]


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def wait_until_gone(procs: Sequence[psutil.Process], timeout_s: float = 15.0) -> list[psutil.Process]:
    """Wait (:func:`psutil.wait_procs`, in short rounds) until every process exited; return those still alive.
    A zombie (exited, not reaped by a parent that is not us) counts as gone, which ``wait_procs`` cannot see."""
    deadline = time.monotonic() + timeout_s
    alive = [p for p in procs if _running(p)]
    while alive and time.monotonic() < deadline:
        _gone, alive = psutil.wait_procs(alive, timeout=min(0.5, max(0.0, deadline - time.monotonic())))
        alive = [p for p in alive if _running(p)]
    return alive


def stop_processes(procs: Sequence[psutil.Process], timeout_s: float = 10.0) -> list[psutil.Process]:
    """SIGTERM every process, wait up to ``timeout_s``; SIGKILL what is left, wait 5 s; return survivors."""
    alive = list(procs)
    for sig, wait in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 5.0)):
        for proc in alive:
            try:
                proc.send_signal(sig)
            except psutil.Error:
                pass
        alive = wait_until_gone(alive, wait)
        if not alive:
            break
    return alive
