"""The Visdom and TensorBoard pages, opened in a real headless browser: the plots render, with no page errors.

The browser is a Chromium found by ``utils.machine.find_browser()``: ``$COURSE_BROWSER`` when set, else the first of
``chromium``, ``chromium-browser``, ``google-chrome``... on PATH (Debian: ``apt-get install -y chromium``, which
``make test`` runs as root; Ubuntu has no chromium deb, only a snap: install Google Chrome, or set COURSE_BROWSER).
It is driven by Playwright's Python package (``pip install playwright``; its ``playwright install`` browser download
is never used). When either is missing the tests fail and say how to install it: a browser test that skips is a
browser test that never runs.

Each test logs its own data, starts the server through ``pairs.visualization.dashboards``, and saves a screenshot to
``artifacts/`` (git-ignored) so a person can look at what the browser saw, and a compact 800x500 PNG (palette,
<= 60 kB) of each dashboard. The committed images the 06 notebooks display come from tests/test_proxy_browser.py.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from pairs.visualization import dashboards as visual
from utils import REPO_ROOT
from utils.machine import INSTALL_HINTS, find_browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "artifacts"
SCREENS = REPO_ROOT / "notebooks" / "pairs" / "visualization" / "screens"
SCREEN_SIZE = {"width": 800, "height": 500}
SCREEN_MAX_BYTES = 60_000


def save_screen(page, name: str) -> None:
    """An 800x500 screenshot of the page as a palette PNG: artifacts/screens/, and screens/ when asked or missing."""
    from PIL import Image

    page.set_viewport_size(SCREEN_SIZE)
    page.wait_for_timeout(1500)  # let the page re-lay itself out and redraw at the new size
    image = Image.open(io.BytesIO(page.screenshot(type="png"))).convert("RGB")
    small = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    data = out.getvalue()
    assert image.size == (800, 500) and len(data) <= SCREEN_MAX_BYTES, f"{name}: {image.size}, {len(data)} bytes"
    (ARTIFACTS / "screens").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "screens" / name).write_bytes(data)
    # the committed copies in screens/ are taken through the notebook server's proxy, as on Binder:
    # tests/test_proxy_browser.py writes them (COURSE_UPDATE_SCREENS=1)


POINTS = [1.0 / (step + 1) for step in range(12)]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Chromium with a new, empty profile; fails (not skips) with the fix when it cannot start."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright's Python package is not installed. Install the package only, with the pinned version from "
            "requirements.txt: `pip install playwright==1.65.2`. Do not run `playwright install`: the test uses "
            "Debian's chromium."
        )
    chromium = find_browser()
    if chromium is None:
        pytest.fail(
            "No Chromium-family browser found (COURSE_BROWSER, then chromium, chromium-browser, google-chrome on "
            f"PATH). {INSTALL_HINTS['browser']}. `make test` installs Debian's chromium when run as root. "
            "The browser test never downloads a browser."
        )
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


class PageWatch:
    """Collects what went wrong on a page: uncaught script errors, failed requests, requests off this machine."""

    def __init__(self, page, origin: str):
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.offsite: list[str] = []
        page.on("pageerror", lambda err: self.errors.append(str(err)))
        page.on("requestfailed", lambda req: self.failed.append(f"{req.url} ({req.failure})"))
        page.on(
            "response", lambda res: self.failed.append(f"{res.url} (HTTP {res.status})") if res.status >= 400 else None
        )
        page.on(
            "request",
            lambda req: None if req.url.startswith((origin, "data:", "blob:")) else self.offsite.append(req.url),
        )


def test_visdom_page_renders_the_logged_plot_image_and_text(browser, tmp_path):
    import visdom

    with visual.visdom_server(tmp_path / "envs") as server:
        viz = visdom.Visdom(
            server="http://127.0.0.1", port=server.port, env="main", use_incoming_socket=False, raise_exceptions=True
        )
        for step, value in enumerate(POINTS):
            viz.line(X=[step], Y=[value], win="loss", update="append" if step else None, opts=dict(title="loss"))
        gradient = np.tile(np.linspace(0, 1, 96, dtype=np.float32), (3, 64, 1))
        viz.image(gradient, win="image", opts=dict(caption="gradient"))
        viz.text("logged by the browser test", win="text")

        page = browser.new_page()
        watch = PageWatch(page, server.url)
        page.goto(server.url + "/", wait_until="load")
        page.wait_for_selector(".js-plotly-plot .scatterlayer .trace path.js-line", timeout=30_000)
        page.wait_for_selector(".window img", timeout=30_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "browser_visdom.png"))

        assert page.locator(".layout .window").count() == 3
        plotted = page.evaluate("() => document.querySelector('.js-plotly-plot').data[0].y")
        assert plotted == pytest.approx(POINTS), "the plot in the page does not hold the logged values"
        # Plotly drew the line: an SVG path across the plot (it merges nearly collinear points, so no point count)
        path = page.locator(".js-plotly-plot .scatterlayer .trace path.js-line").first.get_attribute("d") or ""
        xs = [float(x) for x in re.findall(r"[ML](-?[\d.]+),", path)]
        assert len(xs) >= 3 and max(xs) - min(xs) > 200, f"the line is not drawn across the plot: {path!r}"
        size = page.evaluate(
            "() => { const i = document.querySelector('.window img'); return [i.naturalWidth, i.naturalHeight]; }"
        )
        assert size == [96, 64], f"the image did not load at its size: {size}"
        assert "logged by the browser test" in page.locator(".layout").inner_text()
        save_screen(page, "visdom.png")
        page.close()

    assert watch.errors == [], f"script errors on the Visdom page: {watch.errors}"
    # upstream's page links user/style.css, a file visdom does not ship: the only 404 allowed
    assert [f for f in watch.failed if "/user/style.css" not in f] == [], f"failed requests: {watch.failed}"
    assert watch.offsite == [], (
        f"the page asked for files off this machine (offline setup incomplete?): {watch.offsite}"
    )


def test_tensorboard_page_renders_the_logged_scalars(browser, tmp_path):
    from PIL import Image
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(tmp_path / "browser") as writer:
        for step, value in enumerate(POINTS):
            writer.add_scalar("loss", value, step)

    with visual.tensorboard_server(tmp_path) as server:
        page = browser.new_page()
        watch = PageWatch(page, server.url)
        page.goto(server.url + "/?tagFilter=loss#timeseries", wait_until="load")
        card = page.locator("scalar-card").filter(has_text="loss").first
        card.wait_for(timeout=60_000)
        canvas = card.locator("line-chart canvas").first
        canvas.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)  # the chart draws on the next animation frames
        page.screenshot(path=str(ARTIFACTS / "browser_tensorboard.png"))
        card.screenshot(path=str(ARTIFACTS / "browser_tensorboard_card.png"))

        # The card's data table shows the last point: run, value and step as logged.
        table = card.locator("scalar-card-data-table").inner_text()
        last = len(POINTS) - 1
        assert "browser" in table and "0.083" in table and str(last) in table, table  # 1/12 at step 11
        # The line is drawn on a canvas, in the first run's colour (dark slate, #425066) over a white chart with
        # light grid lines: count the dark pixels.
        pixels = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB"))
        dark = int((pixels.max(axis=2) < 160).sum())
        assert dark > 100, f"only {dark} dark pixels on the chart's canvas: the line was not drawn"
        save_screen(page, "tensorboard.png")
        page.close()

    assert watch.errors == [], f"script errors on the TensorBoard page: {watch.errors}"
    assert watch.failed == [], f"failed requests: {watch.failed}"
    assert watch.offsite == [], f"the page asked for files off this machine: {watch.offsite}"
