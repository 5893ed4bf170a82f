"""Slides (tools/slides.py, make slides): RISE's metadata on copies of the notebooks, and the slideshow in a browser.

Unit part (no browser): every notebook's sections become slides, its numbered subsections sub-slides, and nothing
else starts one. Browser part: a JupyterLab server (the venv's, with jupyterlab-rise) serves the copy of
02_autograd_pytorch, Chromium opens RISE's slideshow page for it (``/rise/<path>``, what JupyterLab's slideshow
command shows), and the test checks one slide per section and that the right arrow key moves to section 1.
A missing browser fails the test with the fix, as in tests/test_browser.py.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time

import nbformat
import pytest
import requests

from tools import slides
from utils import NOTEBOOKS_DIR, REPO_ROOT
from utils.machine import find_browser

NOTEBOOKS = sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb"))
SHOWN = "02_autograd_pytorch"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_section_is_a_slide(tmp_path, name):
    (path,) = slides.build(tmp_path, [name])
    nb = nbformat.read(path, as_version=4)
    kinds = [cell.metadata["slideshow"]["slide_type"] for cell in nb.cells]
    headings = [c.source.lstrip().split("\n", 1)[0] for c in nb.cells if c.cell_type == "markdown"]
    sections = [h for h in headings if h.startswith(("# ", "## "))]
    assert kinds.count("slide") == len(sections) >= 2, f"{name}: {len(sections)} sections"
    assert kinds.count("subslide") == sum(h.startswith("### ") for h in headings)
    assert nb.cells[0].cell_type == "code" or kinds[0] == "slide"
    assert nb.metadata["rise"]["scroll"] is True
    assert [c.source for c in nb.cells] == [c.source for c in nbformat.read(NOTEBOOKS_DIR / path.name, 4).cells]


@pytest.fixture
def lab(tmp_path):
    slides.build(tmp_path, [SHOWN])
    token = secrets.token_hex(16)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={tmp_path}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if requests.get(f"{base}/api/status", params={"token": token}, timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 60 s")
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_slideshow_opens_and_moves_on(lab):
    from playwright.sync_api import sync_playwright

    base, token = lab
    chromium = find_browser()
    if chromium is None:
        pytest.fail("No Chromium-family browser found: see tests/test_browser.py (apt-get install -y chromium)")
    nb = nbformat.read(NOTEBOOKS_DIR / f"{SHOWN}.ipynb", as_version=4)
    sections = [c for c in nb.cells if c.cell_type == "markdown" and c.source.lstrip().startswith(("# ", "## "))]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto(f"{base}/rise/{SHOWN}.ipynb?token={token}")
            page.wait_for_selector(".reveal .slides > section.present", timeout=60_000)
            assert page.locator(".reveal .slides > section").count() == len(sections)
            title = page.locator(".reveal .slides > section.present").first.inner_text()
            assert title.startswith(sections[0].source.lstrip("# ").split("\n")[0][:20]), title[:80]
            page.keyboard.press("ArrowRight")
            page.wait_for_function("document.querySelector('.reveal .slides > section.present h2') !== null")
            moved = page.locator(".reveal .slides > section.present").first.inner_text()
            assert moved.startswith("1. What the articles claim"), moved[:80]
            (REPO_ROOT / "artifacts").mkdir(exist_ok=True)
            page.screenshot(path=str(REPO_ROOT / "artifacts" / "slideshow.png"))
            assert errors == [], errors
        finally:
            browser.close()
