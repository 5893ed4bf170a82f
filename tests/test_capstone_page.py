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

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "artifacts"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """(page URL, in-process models) with both model servers and the page server running."""
    from pairs.capstone import page

    work = tmp_path_factory.mktemp("capstone")
    paths, models = page.train_and_save(work)
    ports = {name: free_port() for name in page.MODELS}
    commands = page.server_commands(paths, ports)
    with (
        BackgroundServer(
            commands["pytorch"],
            ports["pytorch"],
            ready_path="/v1/models/digits",
            timeout_s=60,
            name="pytorch_server",
            log_path=work / "pytorch.log",
        ) as t_server,
        BackgroundServer(
            commands["keras"],
            ports["keras"],
            ready_path="/v1/models/digits",
            timeout_s=90,
            name="keras_server",
            log_path=work / "keras.log",
        ) as k_server,
    ):
        page_port = free_port()
        page_cmd = [
            sys.executable,
            "-m",
            "pairs.capstone.page",
            "serve",
            "--port",
            str(page_port),
            "--pytorch",
            t_server.url,
            "--keras",
            k_server.url,
        ]
        with BackgroundServer(
            page_cmd, page_port, ready_path="/", timeout_s=30, name="page", log_path=work / "page.log"
        ) as page_server:
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


@pytest.mark.parametrize(
    "body, content_type, status, words",
    [
        (json.dumps({"pixels": [[0] * 8] * 8}).encode(), "application/json", 422, "empty drawing"),
        (json.dumps({"pixels": [[1] * 7] * 8}).encode(), "application/json", 400, "wrong size"),
        (json.dumps({"pixels": [[1] * 28] * 28}).encode(), "application/json", 400, "wrong size"),
        (json.dumps({"pixels": [[40] * 8] * 8}).encode(), "application/json", 400, "out of range"),
        (json.dumps({"pixels": [["a"] * 8] * 8}).encode(), "application/json", 400, "not a drawing"),
        (b"\x89PNG\r\n\x1a\n not really", "image/png", 415, "not a drawing"),
        (b"hello", "application/json", 400, "not JSON"),
    ],
)
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
        pytest.fail(
            "Playwright's Python package is not installed: `pip install playwright==1.65.2` "
            "(never `playwright install`: the test uses the system's Chromium)"
        )
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
            shown = {
                name: (
                    int(page.locator(f"#pred-{name}").get_attribute("data-digit")),
                    json.loads(page.locator(f"#pred-{name}").get_attribute("data-probabilities")),
                )
                for name in ("pytorch", "keras")
            }
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


# Bad bodies the page must refuse with a 4xx and a JSON message, never a 5xx or an HTML page (issue 22, part 4).
# (name, body, content type or None for no Content-Type header)
PIXELS = [[1] * 8] * 8
MALFORMED = [
    ("deep nesting in pixels", b'{"pixels": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json"),
    ("deep nesting, top-level array", b"[" * 5000 + b"]" * 5000, "application/json"),
    ("deep nesting of objects", b'{"a": ' * 5000 + b"1" + b"}" * 5000, "application/json"),
    ("60 levels in pixels", b'{"pixels": ' + b"[" * 60 + b"1" + b"]" * 60 + b"}", "application/json"),
    ("pixels a string", json.dumps({"pixels": "a drawing"}).encode(), "application/json"),
    ("pixels null", b'{"pixels": null}', "application/json"),
    ("pixels a number", b'{"pixels": 7}', "application/json"),
    ("pixels an object", json.dumps({"pixels": {"row": PIXELS}}).encode(), "application/json"),
    ("pixels of strings", json.dumps({"pixels": [["1"] * 8] * 8}).encode(), "application/json"),
    ("pixels of booleans", json.dumps({"pixels": [[True] * 8] * 8}).encode(), "application/json"),
    ("pixels of nulls", json.dumps({"pixels": [[None] * 8] * 8}).encode(), "application/json"),
    ("rows of objects", json.dumps({"pixels": [{"a": 1}] * 8}).encode(), "application/json"),
    ("ragged rows", json.dumps({"pixels": [[1] * 8] * 7 + [[1] * 3]}).encode(), "application/json"),
    ("one pixel too deep", json.dumps({"pixels": [[[1]] * 8] * 8}).encode(), "application/json"),
    ("no pixels key", json.dumps({"image": PIXELS}).encode(), "application/json"),
    ("a list, not an object", json.dumps(PIXELS).encode(), "application/json"),
    ("a bare string", b'"pixels"', "application/json"),
    ("NaN", b'{"pixels": [' + b",".join([b"[NaN" + b", 1" * 7 + b"]"] * 8) + b"]}", "application/json"),
    ("Infinity", b'{"pixels": [' + b",".join([b"[1e999" + b", 1" * 7 + b"]"] * 8) + b"]}", "application/json"),
    ("negative", json.dumps({"pixels": [[-1] * 8] * 8}).encode(), "application/json"),
    ("a 5,000-digit number", b'{"pixels": [[' + b"9" * 5000 + b"]]}", "application/json"),
    ("a body over 64 kB", json.dumps({"pixels": PIXELS, "pad": "x" * 70_000}).encode(), "application/json"),
    ("1 MB of brackets", b"[" * 1_000_000, "application/json"),
    ("not UTF-8", b'{"pixels": "\xff\xfe\xfd"}', "application/json"),
    ("UTF-16", json.dumps({"pixels": PIXELS}).encode("utf-16"), "application/json"),
    ("latin-1 declared", json.dumps({"pixels": "caf\u00e9"}).encode("latin-1"), "application/json; charset=latin-1"),
    ("a UTF-8 byte-order mark", b"\xef\xbb\xbf" + json.dumps({"pixels": PIXELS}).encode(), "application/json"),
    ("truncated JSON", json.dumps({"pixels": PIXELS}).encode()[:-5], "application/json"),
    ("text/plain", json.dumps({"pixels": PIXELS}).encode(), "text/plain"),
    ("a form", b"pixels=1,2,3", "application/x-www-form-urlencoded"),
    (
        "multipart",
        b"--x\r\nContent-Disposition: form-data; name=pixels\r\n\r\n1\r\n--x--\r\n",
        "multipart/form-data; boundary=x",
    ),
    ("no content type", json.dumps({"pixels": PIXELS}).encode(), None),
    ("empty", b"", "application/json"),
    ("whitespace only", b"  \n ", "application/json"),
]


@pytest.fixture(scope="module")
def page_alone(tmp_path_factory):
    """Only the page server, pointed at model servers that do not exist: bad input must never reach them."""
    nowhere = f"http://127.0.0.1:{free_port()}"
    port = free_port()
    command = [sys.executable, "-m", "pairs.capstone.page", "serve", "--port", str(port), "--pytorch", nowhere,
               "--keras", nowhere]  # fmt: skip
    log = tmp_path_factory.mktemp("page_alone") / "page.log"
    with BackgroundServer(command, port, ready_path="/", timeout_s=30, name="page", log_path=log) as server:
        yield server


def send(server, method: str, path: str, body: bytes = b"", content_type: str | None = None):
    """One raw HTTP request (no header added for us); (status, Content-Type, body)."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        headers = {"Content-Length": str(len(body))}
        if content_type is not None:
            headers["Content-Type"] = content_type
        connection.request(method, path, body=body, headers=headers, encode_chunked=False)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def test_malformed_bodies_get_a_4xx_in_json_never_a_5xx(page_alone):
    answers = {name: send(page_alone, "POST", "/api/predict", body, kind) for name, body, kind in MALFORMED}
    answers["GET /api/predict"] = send(page_alone, "GET", "/api/predict")
    answers["POST /api/nothing"] = send(page_alone, "POST", "/api/nothing", b"{}", "application/json")
    server_errors = {name: (status, body[:80]) for name, (status, _, body) in answers.items() if status >= 500}
    assert not server_errors, f"5xx for bad input: {server_errors}"
    for name, (status, kind, body) in answers.items():
        assert 400 <= status < 500, (name, status, body[:200])
        assert kind.startswith("application/json"), (name, kind, body[:200])
        assert isinstance(json.loads(body)["error"], str) and json.loads(body)["error"], (name, body[:200])
    assert answers["deep nesting in pixels"][0] == 400 and b"nested too deeply" in answers["deep nesting in pixels"][2]
    assert answers["a body over 64 kB"][0] == 413 and answers["text/plain"][0] == 415
    assert answers["GET /api/predict"][0] == 405 and answers["POST /api/nothing"][0] == 404
    assert send(page_alone, "GET", "/")[0] == 200 and page_alone.running  # still serving after all of that


def test_a_model_server_that_is_down_is_a_json_502(page_alone):
    status, kind, body = send(page_alone, "POST", "/api/predict", json.dumps({"pixels": PIXELS}).encode(),
                              "application/json")  # fmt: skip
    assert status == 502 and kind.startswith("application/json") and "did not answer" in json.loads(body)["error"]
