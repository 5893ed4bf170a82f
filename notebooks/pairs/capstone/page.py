"""The draw-a-digit page: draw on a canvas, see the PyTorch and the Keras model's predictions side by side.

    make demo                                   # trains both models, starts everything, prints the URL
    python -m pairs.capstone.page demo [--port 8600]
    python -m pairs.capstone.page serve --port P --pytorch http://127.0.0.1:A --keras http://127.0.0.1:B

Three processes, all on 127.0.0.1: two model servers of the deployment pair (``pairs.deployment.model_server``,
Flask under waitress: the PyTorch ``state_dict`` with the ``torch`` backend, the Keras model exported as a
SavedModel with the ``savedmodel`` backend), and this page server, which imports neither framework. The page
downscales the drawing in the browser to 8x8 on the digits' 0..16 scale (the mean ink of each 32x32 block of a
256x256 canvas, rounded) and POSTs ``{"pixels": [[...8 numbers...] x 8]}`` to ``/api/predict``; the server
divides by 16, asks both model servers (TF Serving's REST API), applies softmax to their logits and answers
``{"pixels": ..., "predictions": {"pytorch": {"digit", "probabilities"}, "keras": {...}}}``.
Every bad request gets a 4xx and ``{"error": message}``, never an HTML page: a body that is not JSON (415 for
another content type; 400 for an empty body, bytes that are not UTF-8, text that is not JSON or nests deeper than
JSON should), no 8x8 grid of numbers (400), values outside 0..16 (400), an empty drawing (422), a body over 64 kB
(413), another method or path (405/404). A failure on the server's side (a model server down) is a 502 or 500,
in JSON too.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
from pathlib import Path

import numpy as np

HOST = "127.0.0.1"
MODELS = ("pytorch", "keras")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Draw a digit: PyTorch and Keras</title>
<style>
 body { font-family: sans-serif; margin: 16px; background: #fafafa; }
 #row { display: flex; gap: 24px; align-items: flex-start; }
 canvas#pad { background: #000; border: 1px solid #444; touch-action: none; cursor: crosshair; }
 #grid { display: grid; grid-template-columns: repeat(8, 14px); gap: 1px; margin-top: 6px; }
 #grid div { width: 14px; height: 14px; }
 .model { min-width: 210px; } .model h2 { margin: 0 0 4px 0; font-size: 18px; }
 .digit { font-size: 44px; font-weight: bold; }
 .bar { display: flex; align-items: center; font-size: 12px; height: 15px; }
 .bar span { width: 14px; } .bar i { display: inline-block; height: 10px; background: #3672b0; margin: 0 4px; }
 #error { color: #b00; min-height: 1.2em; }
</style></head>
<body>
<h1>Draw a digit</h1>
<p>Draw with the mouse, then <b>Predict</b>.
The drawing is sent as 8x8 pixels on the 0..16 scale of the training digits.</p>
<div id="row">
 <div><canvas id="pad" width="256" height="256"></canvas><br>
  <button id="predict">Predict</button> <button id="clear">Clear</button>
  <div>sent to the models:</div><div id="grid"></div></div>
 <div class="model" id="pred-pytorch"><h2>PyTorch</h2><div class="digit">?</div><div class="bars"></div></div>
 <div class="model" id="pred-keras"><h2>Keras (TensorFlow)</h2><div class="digit">?</div><div class="bars"></div></div>
</div>
<p id="error"></p>
<script>
const pad = document.getElementById('pad'), ctx = pad.getContext('2d');
ctx.lineWidth = 24; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.strokeStyle = '#fff';
let drawing = false;
function clearPad() { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, 256, 256); }
clearPad();
function pos(e) { const r = pad.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
pad.addEventListener('pointerdown', e => {
  drawing = true; const [x, y] = pos(e); ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x, y); ctx.stroke(); });
pad.addEventListener('pointermove', e => {
  if (!drawing) return; const [x, y] = pos(e); ctx.lineTo(x, y); ctx.stroke(); });
window.addEventListener('pointerup', () => { drawing = false; });
function pixels() {  // mean ink of each 32x32 block, on the digits' 0..16 scale
  const data = ctx.getImageData(0, 0, 256, 256).data, out = [];
  for (let i = 0; i < 8; i++) { const row = [];
    for (let j = 0; j < 8; j++) { let sum = 0;
      for (let y = 32 * i; y < 32 * i + 32; y++)
        for (let x = 32 * j; x < 32 * j + 32; x++) sum += data[4 * (256 * y + x)];
      row.push(Math.round(16 * sum / (255 * 1024))); }
    out.push(row); }
  return out;
}
function showGrid(px) { const g = document.getElementById('grid'); g.innerHTML = '';
  px.flat().forEach(v => { const d = document.createElement('div'); const c = Math.round(255 * v / 16);
    d.style.background = `rgb(${c},${c},${c})`; g.appendChild(d); }); g.dataset.pixels = JSON.stringify(px); }
function showModel(name, answer) { const box = document.getElementById('pred-' + name);
  box.querySelector('.digit').textContent = answer.digit;
  box.querySelector('.bars').innerHTML = answer.probabilities.map((p, k) =>
    `<div class="bar"><span>${k}</span><i style="width:${Math.round(150 * p)}px"></i>`
    + `${(100 * p).toFixed(1)}%</div>`).join('');
  box.dataset.digit = answer.digit; box.dataset.probabilities = JSON.stringify(answer.probabilities); }
document.getElementById('predict').addEventListener('click', async () => {
  const px = pixels(); showGrid(px); document.getElementById('error').textContent = '';
  // relative: behind a proxy prefix (JupyterHub, Binder: <prefix>proxy/<port>/) the page's own path leads the way
  const res = await fetch('api/predict', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                         body: JSON.stringify({pixels: px})});
  const body = await res.json();
  if (!res.ok) { document.getElementById('error').textContent = `HTTP ${res.status}: ${body.error}`; return; }
  for (const name of ['pytorch', 'keras']) showModel(name, body.predictions[name]);
  document.body.dataset.answered = String(Number(document.body.dataset.answered || 0) + 1);
});
document.getElementById('clear').addEventListener('click', () => {
  clearPad(); document.getElementById('error').textContent = ''; });
</script></body></html>
"""


class BadInput(ValueError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _shape(value) -> str:
    """The shape of nested JSON lists, as far as it is regular: (8, 8), (1, 8), (3,), ..."""
    dims = []
    while isinstance(value, list) and len(dims) < 4:
        dims.append(len(value))
        value = value[0] if value else None
    return str(tuple(dims))


def parse_pixels(body: bytes, content_type: str | None) -> np.ndarray:
    """The 8x8 drawing of a request, as float32 on the 0..16 scale; :class:`BadInput` (4xx) otherwise."""
    example = 'send JSON like {"pixels": [[0, 3, 16, ...8 numbers], ...8 rows]} on the 0..16 scale'
    if not (content_type or "").startswith("application/json"):
        raise BadInput(415, f"not a drawing: the body is {content_type or 'untyped'}; {example}")
    if not body.strip():
        raise BadInput(400, f"not a drawing: the body is empty; {example}")
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadInput(400, f"not a drawing: the body is not UTF-8 text; {example}") from None
    except RecursionError:  # json's C parser recurses once per [ or {: thousands of levels exhaust the stack
        raise BadInput(400, f"not a drawing: the body is not JSON we accept (nested too deeply); {example}") from None
    except ValueError:
        raise BadInput(400, f"not a drawing: the body is not JSON; {example}") from None
    if not isinstance(payload, dict) or "pixels" not in payload:
        raise BadInput(400, f"not a drawing: no 'pixels' key; {example}")
    rows = payload["pixels"]
    if not (isinstance(rows, list) and len(rows) == 8 and all(isinstance(r, list) and len(r) == 8 for r in rows)):
        raise BadInput(400, f"wrong size: the drawing must be 8 rows of 8 pixels, got shape {_shape(rows)}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for row in rows for v in row):
        raise BadInput(400, f"not a drawing: 'pixels' must be rows of numbers; {example}")
    pixels = np.array(rows, dtype=np.float64)
    if not np.isfinite(pixels).all() or pixels.min() < 0 or pixels.max() > 16:
        raise BadInput(400, "values out of range: pixels must be numbers from 0 to 16")
    if pixels.max() == 0:
        raise BadInput(422, "empty drawing: draw a digit first")
    return pixels.astype(np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def create_app(model_urls: dict[str, str]):
    """The page's Flask app; ``model_urls`` maps 'pytorch' and 'keras' to model-server base URLs (model 'digits')."""
    from flask import Flask, Response, request
    from werkzeug.exceptions import HTTPException

    from pairs.deployment.serving import RestClient

    app = Flask("capstone_page")
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024

    def answer(payload: dict, status: int = 200) -> Response:
        return Response(json.dumps(payload), status=status, mimetype="application/json")

    @app.get("/")
    def index():
        return Response(PAGE, mimetype="text/html")

    @app.errorhandler(BadInput)
    def _bad(err: BadInput):
        return answer({"error": err.message}, err.status)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        messages = {
            404: "no such page; the page is GET / and the predictions POST /api/predict",
            405: f"method {request.method} is not allowed here",
            413: "the body is larger than 64 kB; a drawing is 64 numbers",
        }
        return answer({"error": messages.get(err.code, err.description or err.name)}, err.code or 400)

    @app.errorhandler(OSError)
    def _model_server_down(err: OSError):  # RestClient could not reach a model server: not the client's fault
        return answer({"error": f"a model server did not answer ({type(err).__name__}); is it running?"}, 502)

    @app.errorhandler(Exception)
    def _crash(err: Exception):  # a bug here, never the client's input: still JSON, and logged
        app.logger.exception("unexpected error")
        return answer({"error": f"internal error: {type(err).__name__}"}, 500)

    @app.post("/api/predict")
    def predict():
        pixels = parse_pixels(request.get_data(cache=False), request.content_type)
        predictions = {}
        for name in MODELS:
            with RestClient(model_urls[name], "digits") as client:
                logits = client.predict((pixels / 16.0)[None])[0]
            probs = softmax(logits.astype(np.float64))
            predictions[name] = {"digit": int(probs.argmax()), "probabilities": [round(float(p), 6) for p in probs]}
        return answer({"pixels": pixels.astype(int).tolist(), "predictions": predictions})

    return app


def train_and_save(workdir: Path) -> tuple[dict[str, Path], dict]:
    """Train seed 0 in each framework with its own defaults; save a state_dict and a SavedModel.
    Returns the paths and the trained models (to compare the servers' answers with)."""
    import torch

    from pairs.capstone.model import MATCHED, TORCH_DEFAULTS, train_keras, train_torch
    from utils.data import load_digits

    torch.set_num_threads(1)
    digits = load_digits()
    x, y = digits.x_train.astype(np.float32) / digits.max_value, digits.y_train
    paths = {"pytorch": workdir / "capstone_state_dict.pt", "keras": workdir / "capstone_savedmodel"}
    models = {"pytorch": train_torch(x, y, 0, TORCH_DEFAULTS), "keras": train_keras(x, y, 0, MATCHED)}  # own defaults
    torch.save(models["pytorch"].state_dict(), paths["pytorch"])
    models["keras"].export(str(paths["keras"]), verbose=False)
    return paths, models


def server_commands(paths: dict[str, Path], ports: dict[str, int]) -> dict[str, list[str]]:
    """The two model-server command lines (the deployment pair's server, one model each)."""
    base = [sys.executable, "-m", "pairs.deployment.model_server"]
    return {
        "pytorch": base
        + [
            "--port",
            str(ports["pytorch"]),
            "--model",
            f"digits=torch:{paths['pytorch']}",
            "--torch-class",
            "pairs.capstone.model:TorchCNN",
        ],
        "keras": base + ["--port", str(ports["keras"]), "--model", f"digits=savedmodel:{paths['keras']}"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="only the page, in front of two running model servers")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--pytorch", required=True, help="base URL of the PyTorch model server")
    serve.add_argument("--keras", required=True, help="base URL of the Keras model server")
    demo = sub.add_parser("demo", help="train both models, start both model servers and the page")
    demo.add_argument("--port", type=int, default=8600)
    args = parser.parse_args(argv)

    import waitress

    if args.command == "serve":
        print(f"page on http://{HOST}:{args.port}", flush=True)
        waitress.serve(create_app({"pytorch": args.pytorch, "keras": args.keras}), host=HOST, port=args.port, threads=4)
        return 0

    from utils.proxy import browser_url
    from utils.servers import BackgroundServer, free_port

    def _stop(signum, frame):  # `kill` (SIGTERM) stops the demo like Ctrl-C: the with blocks stop both servers
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    with tempfile.TemporaryDirectory(prefix="capstone_demo_") as tmp:
        print("training one model per framework (seed 0, each with its own defaults) ...", flush=True)
        paths, _ = train_and_save(Path(tmp))
        ports = {name: free_port() for name in MODELS}
        commands = server_commands(paths, ports)
        with (
            BackgroundServer(
                commands["pytorch"],
                ports["pytorch"],
                ready_path="/v1/models/digits",
                timeout_s=60,
                name="pytorch_server",
            ) as torch_server,
            BackgroundServer(
                commands["keras"], ports["keras"], ready_path="/v1/models/digits", timeout_s=90, name="keras_server"
            ) as keras_server,
        ):
            print(f"open {browser_url(args.port)} in a browser (Ctrl-C stops everything)", flush=True)
            try:
                waitress.serve(
                    create_app({"pytorch": torch_server.url, "keras": keras_server.url}),
                    host=HOST,
                    port=args.port,
                    threads=4,
                )
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
