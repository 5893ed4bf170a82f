"""The draw-a-digit page (pairs.capstone.page) in a real headless Chromium, in front of two real model servers.

Trains one model per framework (seed 0, each with its own defaults), starts the deployment pair's model server
twice (PyTorch state_dict, Keras SavedModel) and the page server, all on 127.0.0.1; draws strokes on the canvas
with the mouse, presses Predict, reads both predictions off the page and checks them against the two models in
this process for the pixels the page sent. Bad input to the endpoint gets a 4xx with a message. The browser is
``utils.machine.find_browser()``'s Chromium driven by Playwright (fails, never skips, when missing). The screenshot
goes to ``artifacts/capstone_page.png`` (git-ignored); the committed one is ``notebooks/images/capstone_page.png``.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

import numpy as np
import pytest

from utils import REPO_ROOT
from utils.machine import INSTALL_HINTS, find_browser
from utils.servers import BackgroundServer, free_port

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO_ROOT / "artifacts"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """(page URL, in-process models) with both model servers and the page server running."""
    from pairs.capstone import page

    work = tmp_path_factory.mktemp("capstone")
    paths, models = page.train_and_save(work)
    ports = {name: free_port() for name in page.MODELS}
    commands = page.server_commands(paths, ports)
    with BackgroundServer(commands["pytorch"], ports["pytorch"], ready_path="/v1/models/digits", timeout_s=60,
                          name="pytorch_server", log_path=work / "pytorch.log") as t_server, \
         BackgroundServer(commands["keras"], ports["keras"], ready_path="/v1/models/digits", timeout_s=90,
                          name="keras_server", log_path=work / "keras.log") as k_server:
        page_port = free_port()
        page_cmd = [sys.executable, "-m", "pairs.capstone.page", "serve", "--port", str(page_port),
                    "--pytorch", t_server.url, "--keras", k_server.url]
        with BackgroundServer(page_cmd, page_port, ready_path="/", timeout_s=30, name="page",
                              log_path=work / "page.log") as page_server:
            yield page_server.url, models


def post(url: str, body: bytes, content_type: str = "application/json"):
    request = urllib.request.Request(url + "/api/predict", data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def in_process(models, pixels) -> dict[str, np.ndarray]:
    from pairs.capstone.model import predict_keras, predict_torch

    x = (np.asarray(pixels, dtype=np.float32) / 16.0)[None]
    return {"pytorch": predict_torch(models["pytorch"], x)[0], "keras": predict_keras(models["keras"], x)[0]}


@pytest.mark.parametrize("body, content_type, status, words", [
    (json.dumps({"pixels": [[0] * 8] * 8}).encode(), "application/json", 422, "empty drawing"),
    (json.dumps({"pixels": [[1] * 7] * 8}).encode(), "application/json", 400, "wrong size"),
    (json.dumps({"pixels": [[1] * 28] * 28}).encode(), "application/json", 400, "wrong size"),
    (json.dumps({"pixels": [[40] * 8] * 8}).encode(), "application/json", 400, "out of range"),
    (json.dumps({"pixels": [["a"] * 8] * 8}).encode(), "application/json", 400, "not a drawing"),
    (b"\x89PNG\r\n\x1a\n not really", "image/png", 415, "not a drawing"),
    (b"hello", "application/json", 400, "not JSON"),
])
def test_bad_input_gets_a_4xx_with_a_message(stack, body, content_type, status, words):
    url, _ = stack
    got, answer = post(url, body, content_type)
    assert got == status and words in answer["error"], (got, answer)


def test_endpoint_matches_the_models_in_process(stack):
    url, models = stack
    from utils.data import load_digits

    digits = load_digits()
    for image in digits.x_test[:5]:
        status, answer = post(url, json.dumps({"pixels": image.tolist()}).encode())
        assert status == 200, answer
        expected = in_process(models, image)
        for name, probs in expected.items():
            assert answer["predictions"][name]["digit"] == int(probs.argmax())
            np.testing.assert_allclose(answer["predictions"][name]["probabilities"], probs, atol=1e-5)


def test_drawing_in_chromium_shows_both_frameworks_predictions(stack):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright's Python package is not installed: `pip install playwright==1.65.2` "
                    "(never `playwright install`: the test uses the system's Chromium)")
    chromium = find_browser()
    if chromium is None:
        pytest.fail(f"No Chromium-family browser found (COURSE_BROWSER, chromium, ...). {INSTALL_HINTS['browser']}")
    url, models = stack
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 760, "height": 600})
            errors = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto(url + "/", wait_until="load")
            box = page.locator("#pad").bounding_box()

            def stroke(points):
                page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
                page.mouse.down()
                for x, y in points[1:]:
                    page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
                page.mouse.up()

            # a "7": the top bar, then the diagonal
            stroke([(60, 50), (200, 50)])
            stroke([(200, 50), (110, 220)])
            page.click("#predict")
            page.wait_for_selector("body[data-answered='1']", timeout=30_000)
            pixels = json.loads(page.locator("#grid").get_attribute("data-pixels"))
            shown = {name: (int(page.locator(f"#pred-{name}").get_attribute("data-digit")),
                            json.loads(page.locator(f"#pred-{name}").get_attribute("data-probabilities")))
                     for name in ("pytorch", "keras")}
            page.screenshot(path=str(ARTIFACTS / "capstone_page.png"))

            # a cleared pad is an empty drawing: the page shows the server's 422 message
            page.click("#clear")
            page.click("#predict")
            page.wait_for_function("document.getElementById('error').textContent.length > 0", timeout=30_000)
            error_text = page.locator("#error").inner_text()
        finally:
            browser.close()

    assert errors == [], errors
    grid = np.asarray(pixels)
    assert grid.shape == (8, 8) and grid.max() > 8 and (grid == 0).sum() > 20, grid  # strokes drawn, not a blob
    expected = in_process(models, grid)
    for name, (digit, probs) in shown.items():
        assert digit == int(expected[name].argmax()), (name, digit, expected[name])
        np.testing.assert_allclose(probs, expected[name], atol=1e-5)
    assert error_text.startswith("HTTP 422") and "empty drawing" in error_text, error_text
