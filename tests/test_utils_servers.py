"""utils.servers: servers start, answer, and are gone afterwards, whatever happens."""

import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from utils.servers import (
    BackgroundServer,
    MissingComponentError,
    ServerStartError,
    free_port,
    port_is_open,
    require_binary,
    running_servers,
)


def http_server(port, **kwargs):
    return BackgroundServer([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], port, **kwargs)


def test_start_answers_then_stop_frees_the_port():
    port = free_port()
    with http_server(port, ready_path="/") as server:
        assert server.running and port_is_open(port)
        assert server.startup_s is not None and server.startup_s > 0
        assert server in running_servers()
        pid = server.process.pid
    assert not port_is_open(port)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert server not in running_servers()


def test_a_stopped_server_leaves_no_log_file_and_a_failed_one_keeps_the_log_its_error_names():
    port = free_port()
    with http_server(port, ready_path="/") as server:
        log = server.log_path
        assert log.is_file()
    assert not log.exists()
    sleepy = BackgroundServer([sys.executable, "-c", "import time; time.sleep(60)"], free_port(), timeout_s=1)
    with pytest.raises(ServerStartError) as caught:
        sleepy.start()
    assert str(sleepy.log_path) in str(caught.value) and sleepy.log_path.is_file()
    sleepy.log_path.unlink()


def test_stop_kills_children_of_the_server_too():
    port = free_port()
    # A shell that starts the real server as its child, as launcher scripts do.
    command = ["sh", "-c", f"{sys.executable} -m http.server {port} --bind 127.0.0.1 & wait"]
    server = BackgroundServer(command, port).start()
    children = psutil.Process(server.process.pid).children(recursive=True)
    assert children, "the shell should have started a child"
    server.stop()
    time.sleep(0.2)
    assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children)
    assert not port_is_open(port)


def test_a_server_that_never_opens_its_port_fails_with_its_command_and_log():
    port = free_port()
    command = [sys.executable, "-c", "import time; print('warming up, never listening', flush=True); time.sleep(60)"]
    server = BackgroundServer(command, port, timeout_s=1.5, name="sleepy")
    with pytest.raises(ServerStartError) as caught:
        server.start()
    message = str(caught.value)
    assert f"did not answer on port {port}" in message
    assert "time.sleep(60)" in message  # the command
    assert "warming up, never listening" in message  # the log tail
    assert not server.running


def test_a_server_that_crashes_reports_its_exit_code_and_log():
    command = [sys.executable, "-c", "import sys; print('bad flag --nope', file=sys.stderr); sys.exit(3)"]
    with pytest.raises(ServerStartError, match=r"exited with code 3[\s\S]*bad flag --nope"):
        BackgroundServer(command, free_port(), timeout_s=10).start()


def test_missing_program_and_missing_binary_say_how_to_get_it():
    with pytest.raises(MissingComponentError, match="not on PATH"):
        BackgroundServer(["no-such-server-binary"], free_port()).start()
    with pytest.raises(MissingComponentError, match="apt-get install it"):
        require_binary("no-such-server-binary", "apt-get install it")
    assert require_binary("sh", "unused").endswith("sh")


def test_a_port_already_in_use_is_refused_clearly():
    port = free_port()
    with http_server(port):
        with pytest.raises(ServerStartError, match="already in use"):
            http_server(port).start()


def test_servers_left_running_are_stopped_when_python_exits():
    """What happens when a notebook cell fails and the kernel shuts down with a server still up."""
    port = free_port()
    script = textwrap.dedent(f"""
        import sys
        from utils.servers import BackgroundServer
        BackgroundServer([sys.executable, "-m", "http.server", "{port}", "--bind", "127.0.0.1"], {port}).start()
        print("started", flush=True)
        raise SystemExit("a cell failed")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert "started" in result.stdout
    deadline = time.monotonic() + 5
    while port_is_open(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not port_is_open(port), "the atexit hook should have stopped the server"


def test_a_kernel_killed_outright_still_leaves_no_server_behind():
    """No atexit runs when Jupyter SIGKILLs a kernel (a restart, or its 5 s shutdown wait ran out on a busy
    machine): the guard process sees the kernel's pipe close and stops the server's group."""
    port = free_port()
    script = textwrap.dedent(f"""
        import sys, time
        from utils.servers import BackgroundServer
        command = [sys.executable, "-m", "http.server", "{port}", "--bind", "127.0.0.1"]
        server = BackgroundServer(command, {port}).start()
        print(server.process.pid, flush=True)
        time.sleep(120)
    """)
    kernel = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    server = psutil.Process(int(kernel.stdout.readline()))
    kernel.kill()
    kernel.wait()
    gone, alive = psutil.wait_procs([server], timeout=15)
    for proc in alive:
        proc.kill()
    assert not alive and not port_is_open(port), "the server outlived a killed kernel"


def test_free_port_gives_a_bindable_port():
    port = free_port()
    assert 1024 < port < 65536 and not port_is_open(port)


def test_stop_waits_for_children_that_outlive_the_leader():
    """A launcher that exits at once on SIGTERM while its child (like TorchServe's JVM) ignores it."""
    port = free_port()
    child = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"
    command = ["sh", "-c", f"{sys.executable} -c '{child}' & {sys.executable} -m http.server {port} --bind 127.0.0.1"]
    server = BackgroundServer(command, port).start()
    survivors = psutil.Process(server.process.pid).children(recursive=True)
    server.stop(timeout_s=2.0)
    time.sleep(0.2)
    assert not [p for p in survivors if p.is_running() and p.status() != psutil.STATUS_ZOMBIE], (
        "a child survived stop()"
    )
