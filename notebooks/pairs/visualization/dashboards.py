"""TensorBoard and Visdom for the visualization pair: start them, stop them, read back what they hold.

The notebooks teach the logging calls (``tf.summary``, ``SummaryWriter``,
``visdom.Visdom``); this module holds the plumbing around them:

* **Servers.** :func:`tensorboard_server` and :func:`visdom_server` return a
  :class:`utils.servers.BackgroundServer` (use it in a ``with`` block) that
  binds 127.0.0.1 only; its ``browser_url`` is the link for the learner's
  browser (through the notebook server's proxy on Binder/JupyterHub,
  :mod:`utils.proxy`). :func:`listening_addresses` shows what a process
  really listens on.
* **TensorBoard without TensorFlow.** TensorBoard (and its profile plugin) import
  TensorFlow when it is installed: about 640 MB and 5 s here. Every dashboard the
  course uses works from TensorBoard's TF-free stand-in, the one it runs on when
  TensorFlow is not installed ("running with reduced feature set"): about 100 MB
  and 1 to 2 s. That is the default (``tensorflow=False``); pass
  ``tensorflow=True`` for the stock behaviour.
* **The ``%tensorboard`` magic.** It runs ``tensorboard`` from ``PATH`` (or
  ``$TENSORBOARD_BINARY``) and leaves the process running after the cell.
  :func:`tensorboard_launcher` gives an executable for ``$TENSORBOARD_BINARY``;
  :func:`stop_notebook_tensorboards` stops every TensorBoard this kernel started
  that way, and :func:`stop_notebook_tensorboards_at_exit` makes sure it happens
  when the kernel exits, even after a failed cell.
* **Reading back.** :func:`event_scalars` reads event files with TensorBoard's
  ``EventAccumulator``; :func:`tensorboard_json` / :func:`tensorboard_scalars`
  ask a running TensorBoard over HTTP (the TensorFlow notebook's profile plugin
  and exercise; tests/test_tensorboard_http.py reads every other kind that way);
  :func:`visdom_window` / :func:`visdom_lines` read a Visdom window's data back
  through its client.

Nothing here imports PyTorch or TensorFlow at import time.
"""

from __future__ import annotations

import atexit
import gzip
import json
import os
import shutil
import stat
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from utils import proxy
from utils.processes import listening_addresses, process_tree, stop_processes  # re-exported for the notebooks
from utils.servers import LOCALHOST, BackgroundServer, MissingComponentError, free_port, port_is_open

__all__ = [
    "tensorboard_command",
    "tensorboard_server",
    "tensorboard_launcher",
    "tensorboard_json",
    "tensorboard_scalars",
    "event_scalars",
    "event_tags",
    "notebook_tensorboards",
    "stop_notebook_tensorboards",
    "stop_notebook_tensorboards_at_exit",
    "listening_addresses",
    "visdom_assets_missing",
    "visdom_command",
    "visdom_server",
    "visdom_window",
    "visdom_lines",
    "VISDOM_SETUP_HINT",
]

# Run TensorBoard's own entry point as if TensorFlow were not installed: a ``None`` entry in
# sys.modules makes ``import tensorflow`` raise ImportError (Python's documented way to block an
# import). TensorBoard then uses its TF-free stand-in (tensorboard/compat/__init__.py), and the
# profile plugin skips the TPU remote-capture feature that is its only use of TensorFlow.
_NO_TF_PRELUDE = "import sys\nsys.modules['tensorflow'] = None\n"
_TB_MAIN = "from tensorboard.main import run_main\nsys.argv[0] = 'tensorboard'\nsys.exit(run_main())\n"

VISDOM_SETUP_HINT = (
    "Visdom's server downloads its JavaScript from CDNs at every start unless its assets are in place. "
    "Put them there once with: python tools/setup_visdom_offline.py (make venv does it)."
)


# -- TensorBoard ------------------------------------------------------------------------------------
def tensorboard_command(logdir: str | os.PathLike, port: int, *, tensorflow: bool = False) -> list[str]:
    """The command line of a TensorBoard for ``logdir`` on 127.0.0.1:``port``.

    ``tensorflow=False`` runs it without importing TensorFlow (see the module doc).
    """
    if tensorflow:
        head = [sys.executable, "-c", "import sys\n" + _TB_MAIN]
    else:
        head = [sys.executable, "-c", _NO_TF_PRELUDE + _TB_MAIN]
    return head + ["--logdir", str(logdir), "--host", LOCALHOST, "--port", str(int(port))]


def tensorboard_server(
    logdir: str | os.PathLike,
    port: int | None = None,
    *,
    tensorflow: bool = False,
    timeout_s: float = 90.0,
) -> BackgroundServer:
    """A TensorBoard on 127.0.0.1, ready when its HTTP API lists the runs. Use it in a ``with`` block.

    Its ``browser_url`` is where a browser opens it: 127.0.0.1, or the notebook server's proxy behind a hub.
    """
    port = port or free_port()
    server = BackgroundServer(
        tensorboard_command(logdir, port, tensorflow=tensorflow),
        port,
        ready_path="/data/runs",
        timeout_s=timeout_s,
        name="tensorboard",
    )
    server.browser_url = proxy.browser_url(port)  # TensorBoard's links are relative: the plain proxy route
    return server


_LAUNCHER_DIR: Path | None = None


def tensorboard_launcher(*, tensorflow: bool = False) -> str:
    """An executable that runs TensorBoard with this Python, for ``$TENSORBOARD_BINARY``.

    The ``%tensorboard`` magic starts ``tensorboard`` from ``PATH``; a kernel started
    from a virtual environment that was not activated does not have it there.
    The launcher lives in a private temporary folder removed when Python exits.
    """
    global _LAUNCHER_DIR
    if _LAUNCHER_DIR is None or not _LAUNCHER_DIR.is_dir():
        _LAUNCHER_DIR = Path(tempfile.mkdtemp(prefix="course-tensorboard-"))
        atexit.register(shutil.rmtree, _LAUNCHER_DIR, True)
    name = "tensorboard" if tensorflow else "tensorboard-without-tf"
    path = _LAUNCHER_DIR / name
    body = f"#!{sys.executable}\nimport sys\n" + ("" if tensorflow else _NO_TF_PRELUDE) + _TB_MAIN
    if not path.is_file() or path.read_text() != body:
        path.write_text(body)
        path.chmod(stat.S_IRWXU)
    return str(path)


def _base_url(server: BackgroundServer | str | int) -> str:
    if isinstance(server, BackgroundServer):
        return server.url
    if isinstance(server, int):
        return f"http://{LOCALHOST}:{server}"
    return str(server).rstrip("/")


def tensorboard_json(
    server: BackgroundServer | str | int,
    path: str,
    *,
    body: Any = None,
    raw: bool = False,
    timeout_s: float = 30.0,
    **params: Any,
) -> Any:
    """GET (or, with ``body``, POST as JSON) a TensorBoard HTTP endpoint; return its JSON (or bytes).

    ``server`` is a BackgroundServer, a URL, or a port on 127.0.0.1. Query parameters are
    keyword arguments: ``tensorboard_json(tb, "/data/plugin/scalars/scalars", run="train", tag="loss")``.
    """
    url = _base_url(server) + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    data, headers = None, {}
    if body is not None:
        data, headers = json.dumps(body).encode(), {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            payload = response.read()
            encoding = response.headers.get("Content-Encoding", "")
    except urllib.error.HTTPError as err:
        detail = err.read()[:300].decode(errors="replace")
        raise RuntimeError(f"TensorBoard answered {err.code} for {path}: {detail}") from None
    if encoding == "gzip" or payload[:2] == b"\x1f\x8b":
        payload = gzip.decompress(payload)
    return payload if raw else json.loads(payload)


def tensorboard_scalars(server: BackgroundServer | str | int, run: str, tag: str) -> list[tuple[int, float]]:
    """A scalar series as TensorBoard's server sends it to the browser: ``[(step, value), ...]``."""
    rows = tensorboard_json(server, "/data/plugin/scalars/scalars", run=run, tag=tag)
    return [(int(step), float(value)) for _wall, step, value in rows]


def _accumulator(run_dir: str | os.PathLike):
    from tensorboard.backend.event_processing import event_accumulator as ea

    if not Path(run_dir).is_dir():
        raise FileNotFoundError(f"no run directory {run_dir}")
    acc = ea.EventAccumulator(str(run_dir), size_guidance={ea.SCALARS: 0, ea.TENSORS: 0, ea.HISTOGRAMS: 0})
    acc.Reload()
    return acc


def event_tags(run_dir: str | os.PathLike) -> dict[str, list[str]]:
    """The tags in the event files directly inside ``run_dir``, by kind (non-empty kinds only)."""
    tags = _accumulator(run_dir).Tags()
    return {kind: sorted(names) for kind, names in tags.items() if isinstance(names, list) and names}


def event_scalars(run_dir: str | os.PathLike, tag: str) -> list[tuple[int, float]]:
    """A scalar series read from the event files with ``EventAccumulator``: ``[(step, value), ...]``.

    Works for both writers: ``SummaryWriter.add_scalar`` stores a ``simple_value``
    (a "scalar" event), TF 2's ``tf.summary.scalar`` a rank-0 tensor.
    """
    from tensorboard.util import tensor_util

    acc = _accumulator(run_dir)
    tags = acc.Tags()
    if tag in tags.get("scalars", []):
        return [(e.step, float(e.value)) for e in acc.Scalars(tag)]
    if tag in tags.get("tensors", []):
        return [(e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)]
    known = sorted(tags.get("scalars", []) + tags.get("tensors", []))
    raise KeyError(f"no scalar {tag!r} in {Path(run_dir).name}; scalar/tensor tags there: {known}")


def _tensorboard_info_dir() -> Path:
    from tensorboard import manager

    return Path(manager._get_info_dir())  # where TensorBoard records running instances


def notebook_tensorboards() -> list:
    """TensorBoards started by this process through ``%tensorboard`` (``tensorboard.manager``), still alive."""
    import psutil
    from tensorboard import manager

    mine = []
    for info in manager.get_all():
        try:
            if psutil.Process(info.pid).ppid() == os.getpid():
                mine.append(info)
        except psutil.Error:
            continue
    return mine


def stop_notebook_tensorboards(timeout_s: float = 10.0) -> list[int]:
    """Stop every TensorBoard this kernel started with ``%tensorboard``; return the ports freed.

    SIGTERM first (TensorBoard then removes its own record), SIGKILL if needed; waits
    until the process is gone and the port is free, and removes a stale record.
    """
    import psutil

    freed = []
    for info in notebook_tensorboards():
        family = process_tree(info.pid)
        stop_processes(family, timeout_s)
        deadline = time.monotonic() + timeout_s
        while port_is_open(info.port) and time.monotonic() < deadline:
            time.sleep(0.1)
        record = _tensorboard_info_dir() / f"pid-{info.pid}.info"
        if record.exists() and not psutil.pid_exists(info.pid):
            record.unlink(missing_ok=True)
        freed.append(info.port)
    return freed


_AT_EXIT = False


def stop_notebook_tensorboards_at_exit() -> None:
    """Register :func:`stop_notebook_tensorboards` to run when this Python exits (once)."""
    global _AT_EXIT
    if not _AT_EXIT:
        atexit.register(stop_notebook_tensorboards, 3.0)
        _AT_EXIT = True


# -- Visdom -----------------------------------------------------------------------------------------
def visdom_assets_missing() -> list[str]:
    """What Visdom's server would try to download at start (empty when set up for offline use)."""
    import importlib.util

    from utils import REPO_ROOT

    # tools/ is not a package: load the setup tool by path (it owns the list of assets)
    tool = REPO_ROOT / "tools" / "setup_visdom_offline.py"
    spec = importlib.util.spec_from_file_location("setup_visdom_offline", tool)
    setup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup)
    return setup.missing()


def visdom_command(port: int, env_path: str | os.PathLike, base_url: str = "") -> list[str]:
    """``python -m visdom.server`` on 127.0.0.1:``port`` only (``-bind_local``), saving envs in ``env_path``.

    ``base_url`` (a path such as ``/user/learner/proxy/absolute/8097``) serves every page and socket under it.
    """
    return [
        sys.executable, "-m", "visdom.server",
        "-port", str(int(port)),
        "-bind_local",  # listen on 127.0.0.1 only (--hostname only changes the printed URL)
        "-env_path", str(env_path),
        "-logging_level", "WARNING",
    ] + (["-base_url", base_url] if base_url else [])  # fmt: skip


def visdom_server(env_path: str | os.PathLike, port: int | None = None, *, timeout_s: float = 60.0) -> BackgroundServer:
    """A Visdom server on 127.0.0.1, ready when its page answers. Use it in a ``with`` block.

    Raises :class:`MissingComponentError` (with the command that fixes it) when Visdom's
    browser assets are not installed, instead of letting the server try to download them.

    Behind a JupyterHub or Binder prefix the server gets the base URL of its jupyter-server-proxy route
    (:func:`utils.proxy.base_path`); its ``base_url`` attribute is that path ('' locally): pass it to
    ``visdom.Visdom(..., base_url=server.base_url)``. ``browser_url`` is the address to open in the browser.
    """
    gone = visdom_assets_missing()
    if gone:
        raise MissingComponentError(f"{len(gone)} Visdom asset(s) missing, e.g. static/{gone[0]}. {VISDOM_SETUP_HINT}")
    Path(env_path).mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    base = proxy.base_path(port)
    server = BackgroundServer(
        visdom_command(port, env_path, base), port, ready_path=base + "/", timeout_s=timeout_s, name="visdom"
    )
    server.base_url = base
    server.browser_url = proxy.browser_url(port, absolute=True)
    return server


def visdom_window(viz, win: str, env: str | None = None) -> dict:
    """What the Visdom server holds for window ``win``: its type, options and data (a dict)."""
    text = viz.get_window_data(win=win, env=env)
    if not text:
        raise KeyError(f"Visdom has no window {win!r} in env {env or viz.env!r}")
    return json.loads(text)


def visdom_lines(viz, win: str, env: str | None = None) -> dict[str, list[tuple[float, float | None]]]:
    """The traces of a Visdom line plot as ``{trace name: [(x, y), ...]}`` (NaN comes back as None)."""
    window = visdom_window(viz, win, env)
    if window.get("type") != "plot":
        raise ValueError(f"window {win!r} is a {window.get('type')!r}, not a plot")
    return {
        trace.get("name", str(i)): list(zip(trace["x"], trace["y"]))
        for i, trace in enumerate(window["content"]["data"])
    }
