"""The live pages through the notebook server's proxy, as a learner on Binder or JupyterHub reaches them.

A real JupyterLab (this environment's jupyter server, with jupyter-server-proxy) runs on 127.0.0.1 under a
JupyterHub-style base URL, ``/user/learner/``, with a token; the test process plays the kernel, with
``JUPYTERHUB_SERVICE_PREFIX`` set as JupyterHub sets it. It starts the servers as the notebooks do:

* TensorBoard through the ``%tensorboard`` machinery (``tensorboard.notebook.start``, the magic's own function, with
  ``$TENSORBOARD_BINARY`` from ``pairs.visualization.dashboards``); the frame the magic would display
  (``TENSORBOARD_PROXY_URL`` from ``utils.proxy``) is put in a page of the notebook server and must show the chart;
* Visdom through ``dashboards.visdom_server`` (its base URL is the proxy route), logging a line plot that the page
  must show;
* the draw-a-digit page (``pairs.capstone.page``) in front of two model servers with freshly trained models: a digit
  drawn with the mouse must come back predicted by both, equal to the models in this process.

Headless Chromium (``utils.machine.find_browser``) driven by Playwright, as in tests/test_browser.py. Screenshots go
to ``artifacts/proxy_*.png``; with ``COURSE_UPDATE_SCREENS=1`` also to the committed images the 06 and 11 notebooks
show. Every server is stopped and its port checked free at the end.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import sys

import numpy as np
import pytest

from utils import REPO_ROOT, proxy
from utils.machine import INSTALL_HINTS, find_browser
from utils.servers import BackgroundServer, free_port, port_is_open

BASE = "/user/learner/"
ARTIFACTS = REPO_ROOT / "artifacts"
SCREENS = {
    "tensorboard": (REPO_ROOT / "notebooks" / "pairs" / "visualization" / "screens" / "tensorboard.png", (800, 500)),
    "visdom": (REPO_ROOT / "notebooks" / "pairs" / "visualization" / "screens" / "visdom.png", (800, 500)),
    "capstone": (REPO_ROOT / "notebooks" / "images" / "capstone_page.png", (760, 600)),
}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
POINTS = [1.0 / (step + 1) for step in range(12)]


def save_screen(page, name: str) -> None:
    """A palette PNG of the page at the committed image's size: artifacts/, and the notebooks' copy when asked."""
    from PIL import Image

    target, (width, height) = SCREENS[name]
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(1000)  # re-layout and redraw at the new size
    image = Image.open(io.BytesIO(page.screenshot(type="png"))).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(out, "PNG", optimize=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"proxy_{name}.png").write_bytes(out.getvalue())
    assert len(out.getvalue()) <= 60_000, f"{name}: {len(out.getvalue())} bytes"
    if os.environ.get("COURSE_UPDATE_SCREENS") == "1":
        target.write_bytes(out.getvalue())


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """(origin, token): JupyterLab on 127.0.0.1 under /user/learner/ with a token, and the prefix in the environment."""
    work = tmp_path_factory.mktemp("lab")
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.base_url={BASE}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}",
        "--allow-root",
    ]
    env = {
        "JUPYTERHUB_SERVICE_PREFIX": BASE,
        "JUPYTER_CONFIG_DIR": str(work / "config"),
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)  # the server and this process (the "kernel") see what JupyterHub sets
    try:
        with BackgroundServer(
            command, port, ready_path=BASE + "api", timeout_s=60, name="jupyterlab", log_path=work / "lab.log"
        ) as server:
            yield server.url, token
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert not port_is_open(port)


@pytest.fixture(scope="module")
def page(hub):
    """A Chromium page logged in to the notebook server (the token once, then its cookie, as a learner's link does)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright's Python package is not installed: `pip install playwright==1.65.2` "
            "(never `playwright install`: the test uses the system's Chromium)"
        )
    chromium = find_browser()
    if chromium is None:
        pytest.fail(f"No Chromium-family browser found (COURSE_BROWSER, chromium, ...). {INSTALL_HINTS['browser']}")
    origin, token = hub
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1100, "height": 800})
            answer = tab.goto(f"{origin}{BASE}api/status?token={token}")
            assert answer.status == 200, answer.status
            yield tab
        finally:
            browser.close()


def test_the_proxy_routes_exist_only_for_a_logged_in_browser(hub):
    import requests

    origin, _ = hub
    # no token, no cookie: the proxy belongs to the notebook server and is no more open than it is
    answer = requests.get(f"{origin}{BASE}proxy/{free_port()}/", allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 401, 403), answer.status_code
    assert answer.status_code != 302 or "/login" in answer.headers["Location"], answer.headers


def test_tensorboard_magic_frame_shows_the_scalar_chart_through_the_proxy(page, hub, tmp_path, monkeypatch):
    import IPython.display
    from PIL import Image
    from tensorboard import notebook
    from torch.utils.tensorboard import SummaryWriter

    from pairs.visualization import dashboards

    origin, _ = hub
    with SummaryWriter(tmp_path / "proxy") as writer:
        for step, value in enumerate(POINTS):
            writer.add_scalar("loss", value, step)
    monkeypatch.setenv("TENSORBOARD_BINARY", dashboards.tensorboard_launcher())
    monkeypatch.delenv("TENSORBOARD_PROXY_URL", raising=False)
    assert proxy.configure_tensorboard_magic() == BASE + "proxy/%PORT%/"
    tb_port = free_port()
    try:
        notebook.start(f"--logdir {tmp_path} --host 127.0.0.1 --port {tb_port}")  # what %tensorboard runs
        shown = []
        monkeypatch.setattr(IPython.display, "display", shown.append)
        notebook._display_ipython(
            port=tb_port, height=560, display_handle=None
        )  # the magic's frame, as a kernel shows it
        frame_html = shown[0].data
        # where a kernel's output is shown: JupyterLab's page, at the notebook server's own address
        page.goto(f"{origin}{BASE}lab", wait_until="load")
        page.evaluate(
            """html => { const out = document.createElement('div');
                         out.style = 'position: fixed; inset: 0; z-index: 100000; background: white';
                         out.innerHTML = html; document.body.appendChild(out); }""",
            frame_html,
        )
        page.evaluate(frame_html.split("<script>")[1].split("</script>")[0])  # the output's script, as Lab runs it
        src = page.locator("iframe").get_attribute("src")
        assert src == f"{origin}{BASE}proxy/{tb_port}/", src
        frame = page.frame_locator("iframe")
        card = frame.locator("scalar-card").filter(has_text="loss").first
        card.wait_for(timeout=60_000)
        canvas = card.locator("line-chart canvas").first
        canvas.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)  # the chart draws on the next animation frames
        pixels = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB"))
        dark = int((pixels.max(axis=2) < 160).sum())
        assert dark > 100, f"only {dark} dark pixels on the chart's canvas: the line was not drawn"
        table = card.locator("scalar-card-data-table").inner_text()
        assert "proxy" in table and "0.083" in table, table  # the run, and the last value logged (1/12)
        page.goto(f"{origin}{BASE}proxy/{tb_port}/?tagFilter=loss#timeseries")  # the page itself, for the screenshot
        page.locator("scalar-card line-chart canvas").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        save_screen(page, "tensorboard")
    finally:
        assert dashboards.stop_notebook_tensorboards() == [tb_port]
    assert not port_is_open(tb_port)


def test_visdom_shows_the_logged_plot_through_the_proxy(page, hub, tmp_path):
    import visdom

    from pairs.visualization import dashboards

    origin, _ = hub
    with dashboards.visdom_server(tmp_path / "envs") as server:
        assert server.base_url == f"{BASE}proxy/absolute/{server.port}"
        assert server.browser_url == f"{BASE}proxy/absolute/{server.port}/"
        viz = visdom.Visdom(
            server="http://127.0.0.1",
            port=server.port,
            base_url=server.base_url,
            env="main",
            use_incoming_socket=False,
            raise_exceptions=True,
        )
        for step, value in enumerate(POINTS):
            viz.line(X=[step], Y=[value], win="loss", update="append" if step else None, opts=dict(title="loss"))
        errors = []

        def on_error(err):
            errors.append(str(err))

        page.on("pageerror", on_error)
        page.goto(origin + server.browser_url, wait_until="load")
        page.wait_for_selector(".js-plotly-plot .scatterlayer .trace path.js-line", timeout=30_000)
        plotted = page.evaluate("() => document.querySelector('.js-plotly-plot').data[0].y")
        assert plotted == pytest.approx(POINTS), "the plot in the page does not hold the logged values"
        save_screen(page, "visdom")
        page.remove_listener("pageerror", on_error)
    assert errors == [], errors
    assert not port_is_open(server.port)


def test_the_draw_a_digit_page_predicts_a_drawn_digit_through_the_proxy(page, hub, tmp_path):
    from pairs.capstone import page as capstone
    from pairs.capstone.model import predict_keras, predict_torch

    origin, _ = hub
    paths, models = capstone.train_and_save(tmp_path)
    ports = {name: free_port() for name in capstone.MODELS}
    commands = capstone.server_commands(paths, ports)
    page_port = free_port()
    with BackgroundServer(commands["pytorch"], ports["pytorch"], ready_path="/v1/models/digits", timeout_s=60,
                          name="pytorch_server", log_path=tmp_path / "pytorch.log") as t_server, \
         BackgroundServer(commands["keras"], ports["keras"], ready_path="/v1/models/digits", timeout_s=90,
                          name="keras_server", log_path=tmp_path / "keras.log") as k_server, \
         BackgroundServer([sys.executable, "-m", "pairs.capstone.page", "serve", "--port", str(page_port),
                           "--pytorch", t_server.url, "--keras", k_server.url], page_port, ready_path="/",
                          timeout_s=30, name="page", log_path=tmp_path / "page.log"):  # fmt: skip
        link = proxy.browser_url(page_port)
        assert link == f"{BASE}proxy/{page_port}/"
        page.set_viewport_size({"width": 760, "height": 600})
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(origin + link, wait_until="load")
        box = page.locator("#pad").bounding_box()

        def stroke(points):
            page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
            page.mouse.down()
            for x, y in points[1:]:
                page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
            page.mouse.up()

        stroke([(60, 50), (200, 50)])  # a "7": the top bar, then the diagonal
        stroke([(200, 50), (110, 220)])
        page.click("#predict")
        page.wait_for_selector("body[data-answered='1']", timeout=30_000)
        pixels = np.asarray(json.loads(page.locator("#grid").get_attribute("data-pixels")), dtype=np.float32)
        shown = {name: (int(page.locator(f"#pred-{name}").get_attribute("data-digit")),
                        json.loads(page.locator(f"#pred-{name}").get_attribute("data-probabilities")))
                 for name in capstone.MODELS}  # fmt: skip
        save_screen(page, "capstone")
    assert f"{origin}{BASE}proxy/{page_port}/api/predict" in requests, "the drawing did not go through the proxy"
    assert pixels.shape == (8, 8) and pixels.max() > 8
    x = (pixels / 16.0)[None]
    expected = {"pytorch": predict_torch(models["pytorch"], x)[0], "keras": predict_keras(models["keras"], x)[0]}
    for name, (digit, probabilities) in shown.items():
        assert digit == int(expected[name].argmax()), (name, digit)
        np.testing.assert_allclose(probabilities, expected[name], atol=1e-5)
    for port in [page_port, *ports.values()]:
        assert not port_is_open(port)
