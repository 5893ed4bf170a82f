"""pairs.visualization.dashboards and tools/setup_visdom_offline.py, against real TensorBoard and Visdom on 127.0.0.1.

What must hold: what a server serves equals what was logged; servers listen on 127.0.0.1 only and are gone
afterwards, including a TensorBoard left running by ``%tensorboard`` in a kernel whose cell failed; Visdom
starts offline; and the offline setup mirrors Visdom's own download list, checks what npm hands it, and does
nothing when everything is already in place.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import math
import os
import re
import subprocess
import sys
import tarfile
import textwrap

import nbformat
import numpy as np
import psutil
import pytest
from nbclient import NotebookClient
from tensorboard_http_helpers import loopback_only

from pairs.visualization import dashboards as visual
from utils import REPO_ROOT
from utils.servers import MissingComponentError, free_port, port_is_open


def load_setup_tool():
    spec = importlib.util.spec_from_file_location(
        "setup_visdom_offline", REPO_ROOT / "tools" / "setup_visdom_offline.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


LOSSES = [2.5, 1.25, 0.625, 0.3125, float("nan")]


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    """Two runs with the same scalars: one from PyTorch's SummaryWriter, one from tf.summary."""
    root = tmp_path_factory.mktemp("tensorboard")
    import tensorflow as tf
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(root / "torch") as writer:
        for step, loss in enumerate(LOSSES):
            writer.add_scalar("loss", loss, step)
    with tf.summary.create_file_writer(str(root / "tf")).as_default():
        for step, loss in enumerate(LOSSES):
            tf.summary.scalar("loss", loss, step=step)
        tf.summary.flush()
    return root


def same(read, expected):
    """Float32-exact equality of [(step, value)] with the logged list, NaN equal to NaN."""
    steps, values = zip(*read)
    return list(steps) == list(range(len(expected))) and np.array_equal(
        np.float32(values), np.float32(expected), equal_nan=True
    )


# -- reading event files --------------------------------------------------------------------------------
@pytest.mark.parametrize("run", ["torch", "tf"])
def test_event_scalars_reads_what_each_writer_wrote(logdir, run):
    assert same(visual.event_scalars(logdir / run, "loss"), LOSSES)
    kind = "scalars" if run == "torch" else "tensors"  # simple_value vs rank-0 tensor
    assert visual.event_tags(logdir / run)[kind] == ["loss"]


def test_event_scalars_says_which_tags_exist(logdir, tmp_path):
    with pytest.raises(KeyError, match=r"no scalar 'accuracy'.*\['loss'\]"):
        visual.event_scalars(logdir / "torch", "accuracy")
    with pytest.raises(FileNotFoundError):
        visual.event_scalars(tmp_path / "nowhere", "loss")


# -- TensorBoard server ---------------------------------------------------------------------------------
def test_tensorboard_command_binds_localhost_and_blocks_tensorflow_only_when_asked():
    light = visual.tensorboard_command("logs", 6006)
    full = visual.tensorboard_command("logs", 6006, tensorflow=True)
    for command in (light, full):
        assert command[0] == sys.executable
        assert command[-6:] == ["--logdir", "logs", "--host", "127.0.0.1", "--port", "6006"]
    assert "sys.modules['tensorflow'] = None" in light[2]
    assert "tensorflow" not in full[2]


def test_tensorboard_server_serves_the_logged_scalars_on_localhost_without_tensorflow(logdir):
    with visual.tensorboard_server(logdir) as tb:
        pid = tb.process.pid
        addresses = visual.listening_addresses(pid)
        assert addresses and loopback_only(addresses)  # the data server binds "localhost": 127.0.0.1 or ::1
        assert f"127.0.0.1:{tb.port}" in addresses
        assert sorted(visual.tensorboard_json(tb, "/data/runs")) == ["tf", "torch"]
        for run in ("torch", "tf"):
            served = visual.tensorboard_scalars(tb, run, "loss")
            assert same(served, LOSSES) and math.isnan(served[-1][1])
        assert "TensorFlow installation not found" in tb.log_tail(40)
        maps = open(f"/proc/{pid}/maps").read() if os.path.exists(f"/proc/{pid}/maps") else ""
        assert "libtensorflow" not in maps
    assert not port_is_open(tb.port) and gone(pid)


def test_tensorboard_json_names_the_endpoint_that_failed(logdir):
    with visual.tensorboard_server(logdir) as tb:
        with pytest.raises(RuntimeError, match=r"TensorBoard answered (400|404|500).*/data/plugin/scalars/scalars"):
            visual.tensorboard_json(tb, "/data/plugin/scalars/scalars", run="torch", tag="no such tag")


def test_tensorboard_launcher_runs_tensorboard_with_this_python():
    import tensorboard

    path = visual.tensorboard_launcher()
    assert os.access(path, os.X_OK)
    assert open(path).readline().strip() == f"#!{sys.executable}"
    out = subprocess.run([path, "--version_tb"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == tensorboard.__version__
    assert visual.tensorboard_launcher() == path  # one launcher per process


def test_stop_notebook_tensorboards_stops_what_the_magic_started(logdir, monkeypatch):
    from tensorboard import manager

    monkeypatch.setenv("TENSORBOARD_BINARY", visual.tensorboard_launcher())
    port = free_port()
    result = manager.start(["--logdir", str(logdir), "--host", "127.0.0.1", "--port", str(port)])
    assert isinstance(result, manager.StartLaunched), result
    pid = result.info.pid
    try:
        assert [info.pid for info in visual.notebook_tensorboards()] == [pid]
        assert loopback_only(visual.listening_addresses(pid))  # the data server binds "localhost": 127.0.0.1 or ::1
        assert visual.stop_notebook_tensorboards() == [port]
        assert gone(pid) and not port_is_open(port)
        assert visual.notebook_tensorboards() == []
        assert not (visual._tensorboard_info_dir() / f"pid-{pid}.info").exists()
    finally:
        if not gone(pid):
            psutil.Process(pid).kill()


MAGIC_NOTEBOOK = """
import os, sys
from pairs.visualization.dashboards import notebook_tensorboards, tensorboard_launcher
from pairs.visualization.dashboards import stop_notebook_tensorboards_at_exit
if {hook}:
    stop_notebook_tensorboards_at_exit()
os.environ["TENSORBOARD_BINARY"] = tensorboard_launcher()
%load_ext tensorboard
%tensorboard --logdir {logdir} --host 127.0.0.1 --port {port}
print("PID", notebook_tensorboards()[0].pid)
"""


def run_failing_notebook(logdir, port, hook: bool) -> int:
    """Execute a two-cell notebook: %tensorboard, then a failing cell. Return the TensorBoard pid."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(MAGIC_NOTEBOOK.format(root=str(REPO_ROOT), hook=hook, logdir=str(logdir), port=port)),
        nbformat.v4.new_code_cell("raise RuntimeError('a cell fails')"),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    assert nb.cells[1].outputs[0]["ename"] == "RuntimeError"
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    return int(re.search(r"PID (\d+)", text).group(1))


def test_magic_tensorboard_is_gone_after_a_failed_cell_and_kernel_shutdown(logdir):
    """What nbval and JupyterLab do: a cell fails, then the kernel is shut down."""
    port = free_port()
    pid = run_failing_notebook(logdir, port, hook=True)
    assert gone(pid), "the %tensorboard process outlived its kernel"
    assert not port_is_open(port)


EXITING_SCRIPT = """
import os, sys
from tensorboard import manager
from pairs.visualization.dashboards import stop_notebook_tensorboards_at_exit, tensorboard_launcher
if {hook}:
    stop_notebook_tensorboards_at_exit()
os.environ["TENSORBOARD_BINARY"] = tensorboard_launcher(tensorflow=False)
result = manager.start(["--logdir", {logdir!r}, "--host", "127.0.0.1", "--port", "{port}"])
print("PID", result.info.pid, flush=True)
"""


@pytest.mark.parametrize("hook", [True, False], ids=["with the exit hook", "without it"])
def test_exit_hook_stops_the_magic_tensorboard_when_python_exits_by_itself(logdir, hook):
    """Jupyter's shutdown interrupts the kernel's whole process group, which also stops %tensorboard's
    process (test above). A Python that exits by itself signals nobody: only the hook stops it."""
    port = free_port()
    script = EXITING_SCRIPT.format(root=str(REPO_ROOT), hook=hook, logdir=str(logdir), port=port)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    pid = int(re.search(r"PID (\d+)", out.stdout).group(1))
    try:
        if hook:
            assert gone(pid) and not port_is_open(port), "the exit hook did not stop TensorBoard"
        else:
            assert not gone(pid) and port_is_open(port), "without the hook TensorBoard should still be running"
    finally:
        if not gone(pid):
            psutil.Process(pid).terminate()
            psutil.Process(pid).wait(10)
    assert not port_is_open(port)


# -- Visdom ---------------------------------------------------------------------------------------------
def test_visdom_assets_are_in_place_for_offline_use():
    missing = visual.visdom_assets_missing()
    assert not missing, f"{len(missing)} Visdom assets missing ({missing[:3]}...). {visual.VISDOM_SETUP_HINT}"


def test_visdom_server_round_trip_on_localhost(tmp_path):
    import visdom

    with visual.visdom_server(tmp_path / "envs") as server:
        pid = server.process.pid
        assert {a.rsplit(":", 1)[0] for a in visual.listening_addresses(pid)} == {"127.0.0.1"}
        viz = visdom.Visdom(
            server="http://127.0.0.1", port=server.port, env="test", use_incoming_socket=False, raise_exceptions=True
        )
        for step, loss in enumerate(LOSSES):
            viz.line(X=[step], Y=[loss], win="loss", update="append" if step else None)
        [trace] = visual.visdom_lines(viz, "loss").values()
        assert trace[:-1] == list(enumerate(LOSSES[:-1])) and trace[-1] == (4, None)  # NaN comes back as None
        pixels = np.arange(48, dtype=np.uint8).reshape(1, 6, 8)
        viz.image(pixels, win="image")
        window = visual.visdom_window(viz, "image")
        from PIL import Image

        png = base64.b64decode(window["content"]["src"].split(",", 1)[1])
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(png)))[..., 0], pixels[0])
        viz.text("<b>hello</b>", win="text")
        assert visual.visdom_window(viz, "text")["content"] == "<b>hello</b>"
        with pytest.raises(ValueError, match="not a plot"):
            visual.visdom_lines(viz, "text")
        with pytest.raises(KeyError, match="no window 'absent'"):
            visual.visdom_window(viz, "absent")
    assert not port_is_open(server.port) and gone(pid)


def test_visdom_server_refuses_to_start_without_its_assets(monkeypatch, tmp_path):
    monkeypatch.setattr(visual, "visdom_assets_missing", lambda: ["js/plotly-plotly.min.js", "version.built"])
    with pytest.raises(MissingComponentError, match=r"2 Visdom asset\(s\) missing.*setup_visdom_offline\.py"):
        visual.visdom_server(tmp_path)


def test_visdom_command_binds_localhost():
    command = visual.visdom_command(8097, "envs")
    assert command[:3] == [sys.executable, "-m", "visdom.server"]
    assert "-bind_local" in command and command[command.index("-port") + 1] == "8097"


# -- tools/setup_visdom_offline.py ----------------------------------------------------------------------
def test_the_asset_list_mirrors_visdoms_own_download_list():
    """If a new visdom downloads other files, this fails before a learner's server does."""
    setup = load_setup_tool()
    source = (setup.visdom_dir() / "server" / "build.py").read_text()
    ext_files = re.search(r"ext_files = \{(.*?)\n    \}", source, re.S).group(1)
    names = re.findall(r':\s*"([^"]+)",', ext_files)

    def subdir(name):
        return "js" if name.endswith((".js", ".js.map")) else "css" if name.endswith(".css") else "fonts"

    expected = {f"{subdir(n)}/{n}" for n in names}
    mathjax = re.search(r"mathjax_path = \[(.*?)\]", source, re.S).group(1)
    expected |= {"js/mathjax/2.7.5/" + p.split("?")[0] for p in re.findall(r'"([^"]+)"', mathjax)}
    assert set(setup.ASSETS) == expected
    assert setup.installed_visdom_version() == setup.VISDOM_VERSION
    assert {spec for spec, _ in setup.ASSETS.values()} == set(setup.PACKAGES)


def fake_visdom(tmp_path, version="0.2.4"):
    install_dir = tmp_path / "visdom"
    (install_dir / "static").mkdir(parents=True)
    (install_dir / "VERSION").write_text(version + "\n")
    return install_dir


def fake_npm(tmp_path, monkeypatch, tarball):
    """An `npm` on PATH that 'packs' the given tarball and reports it the way npm pack --json does."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "npm"
    script.write_text(
        f"#!{sys.executable}\n"
        + textwrap.dedent(
            f"""
            import json, shutil, sys
            args = sys.argv[1:]
            dest = args[args.index("--pack-destination") + 1]
            specs = [a for a in args[1:] if not a.startswith("--") and a != dest]
            shutil.copy({str(tarball)!r}, dest + "/fake-1.0.0.tgz")
            print(json.dumps([{{"id": s, "filename": "fake-1.0.0.tgz"}} for s in specs]))
            """
        )
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))


def make_tarball(tmp_path, files: dict[str, bytes]):
    path = tmp_path / "fake-1.0.0.tgz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo("package/" + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    sri = "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()
    return path, sri


def test_setup_installs_from_npm_writes_the_marker_and_is_idempotent(tmp_path, monkeypatch):
    setup = load_setup_tool()
    tarball, sri = make_tarball(tmp_path, {"dist/fake.min.js": b"console.log('fake')"})
    monkeypatch.setattr(setup, "PACKAGES", {"fake@1.0.0": sri})
    monkeypatch.setattr(setup, "ASSETS", {"js/fake.min.js": ("fake@1.0.0", "dist/fake.min.js")})
    install_dir = fake_visdom(tmp_path)
    assert setup.missing(install_dir) == ["js/fake.min.js", "version.built"]
    fake_npm(tmp_path, monkeypatch, tarball)
    assert setup.install(install_dir, quiet=True) == ["js/fake.min.js", "version.built"]
    assert (install_dir / "static" / "js" / "fake.min.js").read_bytes() == b"console.log('fake')"
    assert (install_dir / "static" / "version.built").read_text() == "0.2.4"  # what upstream's check compares
    assert setup.missing(install_dir) == []
    monkeypatch.setenv("PATH", "")  # a second run must not need npm at all
    assert setup.install(install_dir, quiet=True) == []


def test_setup_refuses_a_tarball_whose_hash_differs(tmp_path, monkeypatch):
    setup = load_setup_tool()
    tarball, _ = make_tarball(tmp_path, {"dist/fake.min.js": b"tampered"})
    monkeypatch.setattr(setup, "PACKAGES", {"fake@1.0.0": "sha512-" + base64.b64encode(b"x" * 64).decode()})
    monkeypatch.setattr(setup, "ASSETS", {"js/fake.min.js": ("fake@1.0.0", "dist/fake.min.js")})
    install_dir = fake_visdom(tmp_path)
    fake_npm(tmp_path, monkeypatch, tarball)
    with pytest.raises(setup.SetupError, match="sha512 differs"):
        setup.install(install_dir, quiet=True)
    assert not (install_dir / "static" / "js" / "fake.min.js").exists()
    assert not (install_dir / "static" / "version.built").exists()


def test_setup_refuses_another_visdom_version(tmp_path):
    setup = load_setup_tool()
    with pytest.raises(setup.SetupError, match="visdom 0.3.0 is installed"):
        setup.install(fake_visdom(tmp_path, version="0.3.0"), quiet=True)


def test_setup_without_npm_explains_and_leaves_upstream_behaviour(tmp_path, monkeypatch, capsys):
    setup = load_setup_tool()
    install_dir = fake_visdom(tmp_path)
    monkeypatch.setattr(setup, "visdom_dir", lambda: install_dir)
    monkeypatch.setenv("PATH", "")
    assert setup.main([]) == 0  # a learner without npm still gets a working (online) install
    assert setup.main(["--strict"]) == 1
    assert "npm is not installed" in capsys.readouterr().err
    assert setup.main(["--check"]) == 1
    assert "missing: visdom/static/js/plotly-plotly.min.js" in capsys.readouterr().out
