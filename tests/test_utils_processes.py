"""utils.processes: one listening_addresses, process trees, and stopping them (psutil.wait_procs underneath)."""

import subprocess
import sys

from utils.processes import listening_addresses, process_tree, stop_processes, wait_until_gone
from utils.servers import free_port, port_is_open


def test_a_server_tree_is_seen_listening_then_stopped_and_gone():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if port_is_open(port):
                break
            wait_until_gone([], 0)  # no-op on an empty list
            __import__("time").sleep(0.05)
        assert listening_addresses(proc.pid) == [f"127.0.0.1:{port}"]
        tree = process_tree(proc.pid)
        assert [p.pid for p in tree] == [proc.pid]
        assert wait_until_gone(tree, timeout_s=0.3) == tree  # still running: returned alive
        assert stop_processes(tree, timeout_s=5) == []
    finally:
        proc.kill()
        proc.wait()
    assert process_tree(proc.pid) == [] and listening_addresses(proc.pid) == []
