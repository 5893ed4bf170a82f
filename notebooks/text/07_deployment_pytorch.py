# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Deployment: model servers (PyTorch)
#
# Twin: [07_deployment_tensorflow.ipynb](07_deployment_tensorflow.ipynb) · Start: [00_start_here.ipynb](00_start_here.ipynb)
#
# A trained model is only useful once something can call it. Here a small PyTorch model is served over
# HTTP, all for real on 127.0.0.1: by the Flask app the article describes (shown on the page, run under
# the production WSGI server waitress) with three artifacts (eager `state_dict`, `torch.export` program,
# ONNX file), by TorchServe, and by LitServe, a maintained model server that is not the course's code.
# The same client calls every one of them, checks their answers against the model in this notebook,
# throws malformed requests at them, and times them. Then the on-device exit, ExecuTorch, the PyTorch
# counterpart of LiteRT. Runs in under a minute on a 2-core laptop.
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/07_deployment_pytorch.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/07_deployment_pytorch.ipynb)

# %%
import os
import sys

if "google.colab" in sys.modules:  # on Colab only: fetch the course, then install what Colab lacks
    if not os.path.isdir("/content/course"):
        os.system("git clone -q --depth=1 https://github.com/pytorch-vs-tensorflow/course /content/course")
    os.chdir("/content/course")
    from utils.colab import bootstrap

    bootstrap("/content/course")

# %%
from utils.start import start_torch

device = start_torch(seed=0)  # loads PyTorch, seeds it, picks the device; one line about the machine

# %% [markdown]
# ## 1. What the articles claim

# %%
from utils.course import CLAIMS

print(f"C4: {CLAIMS['C4'].text}")

# %% [markdown]
# The claim has two halves. *TensorFlow leads deployment with TF Serving's REST API* is about what
# TensorFlow ships. *PyTorch offers no direct way to serve a model on the web, so developers must
# build a Flask/Django backend* is about what PyTorch ships, and it is the half this notebook tests.

# %% [markdown]
# ## 2. The idea
#
# A **model server** is a long-running process that loads a model once and answers prediction
# requests over the network. What separates a server from a script is everything around the model
# call: it checks every request and refuses bad ones with a clear error instead of crashing, it
# reports whether the model is loaded (a status endpoint a load balancer can poll), it keeps answering
# after a bad request, and it only listens where it should (here: 127.0.0.1).
#
# What the server loads matters as much as the server:
#
# | artifact | holds | needs at serving time |
# |---|---|---|
# | `state_dict` (`.pt`) | weights only | the model's **Python class** and PyTorch |
# | `torch.export` program (`.pt2`) | graph + weights | PyTorch, **no model code** |
# | ONNX file (`.onnx`) | graph + weights | any ONNX runtime (ONNX Runtime, Triton, ...), **no PyTorch** |
# | TorchServe archive (`.mar`) | an artifact + a handler (Python code) | TorchServe (Java) and PyTorch |
# | ExecuTorch program (`.pte`) | graph + weights, lowered to a fixed set of kernels | the ExecuTorch runtime (C++, on phones and boards), **no PyTorch** |
#
# The same client talks to all of them through one contract, TensorFlow Serving's REST "row" format:
# `POST {"instances": [...]}` answered by `{"predictions": [...]}`, and `{"error": "..."}` with a 4xx
# status when the request is wrong. Using TF Serving's contract for PyTorch servers is deliberate: a
# client should not care which framework trained the model.
#
# **Status of the servers, checked for this notebook (December 2026).**
#
# * **TorchServe**, PyTorch's own server, appeared in April 2020 (v0.1.0, "experimental"). Its
#   documentation now opens with *"Limited Maintenance: This project is no longer actively maintained
#   ... no planned updates, bug fixes, new features, or security patches"* (docs.pytorch.org/serve), and
#   GitHub shows `pytorch/serve` as *"archived by the owner on Aug 7, 2025"* (banner on pytorch/serve#3396).
# * **NVIDIA Triton** does not load `torch.export` programs: its PyTorch (LibTorch) backend *"is designed
#   to run TorchScript models ... All models created in PyTorch using the python API must be
#   traced/scripted"* (Triton user guide, "PyTorch (LibTorch) Backend", 26.04 documentation). From
#   PyTorch, Triton takes TorchScript (the route PyTorch itself has deprecated) or ONNX.
# * **KServe**'s runtime for the `pytorch` model format *is* TorchServe (kserve#5159, March 2026); a pull
#   request to remove it because *"torchServe is no longer actively maintained upstream"* is open
#   (kserve#5638, June 2026).
# * So the one export every framework-neutral server takes off the shelf is **ONNX**. A `torch.export`
#   program (`.pt2`) needs a server that runs Python: TorchServe, or a general model server such as
#   **LitServe** (Lightning AI; releases 0.2.18 in August and 0.2.19 in September 2026, LitServe#726 and
#   #744), where you write a small class that loads and calls the model, and the server does the rest.

# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 A small model, trained here
#
# The server process must import the model's class to rebuild it from a `state_dict`: that is the first thing
# eager serving asks of you, **ship the code with the weights**. So the class below is written here and also
# lives in a module the server imports: its first line, `# @save pairs/deployment/digits_net.py`, tells
# `tools/export_cells.py` to copy the cell there, and a test fails when the two copies differ.

# %%
import torch
from torch import nn


# %%
# @save pairs/deployment/digits_net.py
class DigitsNet(nn.Module):
    """8x8 digit images (batch, 8, 8) in [0, 1] -> 10 logits."""

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.hidden = nn.Linear(64, 64)
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(self.flatten(x))))


# %%
import shutil
import time
from pathlib import Path

from utils.data import digits_torch

WORK = Path("artifacts") / "07_deployment" / "pytorch"  # relative to notebooks/; git ignores artifacts/
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)
x_train, y_train = digits_torch("train", device=device)
x_test, y_test = digits_torch("test")
x_train, x_test = x_train.squeeze(1), x_test.squeeze(1)  # (N, 8, 8): the shape clients send

model = DigitsNet().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
started = time.perf_counter()
for epoch in range(20):
    for idx in torch.randperm(len(x_train), device=device).split(64):
        loss = nn.functional.cross_entropy(model(x_train[idx]), y_train[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
model = model.cpu().eval()  # serving below runs on the CPU
with torch.inference_mode():
    reference = model(x_test).numpy()  # what every server must reproduce
accuracy = (reference.argmax(1) == y_test.numpy()).mean()
print(f"trained in {time.perf_counter() - started:.1f} s; test accuracy {accuracy:.3f}")
assert accuracy > 0.9

# %% [markdown]
# ### 3.2 Artifacts: three of them, and loading them safely
#
# **Weights only.** `torch.save(model.state_dict())` writes tensors; `torch.load(weights_only=True)`
# (the default since PyTorch 2.6) reads tensors and refuses anything else, so loading a file cannot run
# code hidden in it. Pickling the whole module instead is refused by that loader:

# %%
import pickle

from utils.show import expect_error  # like pytest.raises: the cell fails if the load is not refused

torch.save(model.state_dict(), WORK / "digits_state_dict.pt")
state = torch.load(WORK / "digits_state_dict.pt", weights_only=True)
print("state_dict keys:", list(state))

torch.save(model, WORK / "digits_whole_module.pt")  # pickles the class: loading it would run code
with expect_error(pickle.UnpicklingError, match="Unsupported global", show=False) as refused:
    torch.load(WORK / "digits_whole_module.pt", weights_only=True)
reason = [line.strip() for line in str(refused.error).splitlines() if "Unsupported global" in line]
print(f"{type(refused.error).__name__}: Weights only load failed. {reason[0]}")

# %% [markdown]
# **`torch.export`** captures the forward pass as a graph with the weights, with a dynamic batch
# dimension, and saves it as a `.pt2` archive. Its documentation warns that `torch.export.load` "uses
# pickle under the hood": tensor subclasses, custom objects and, as a fallback, the sample inputs are
# unpickled. `check_pt2_archive` (in `notebooks/pairs/deployment/serving.py`) reads the archive's JSON manifests and refuses
# the entries that torch 2.13-2.15 would unpickle, before a server calls `torch.export.load`. It is a
# **heuristic for the archive layout of torch 2.13-2.15** (checked on both), a list of known pickled entries: a later torch
# that adds another pickled entry would get past it. For files from someone else, prefer ONNX (a
# protobuf, no pickle), or load the `.pt2` in a throwaway process with no access to anything that matters.

# %%
from pairs.deployment.serving import UnsafeArtifactError, check_pt2_archive

batch = torch.export.Dim("batch", min=1, max=1024)
exported = torch.export.export(model, (x_test[:2],), dynamic_shapes={"x": {0: batch}})
torch.export.save(exported, WORK / "digits.pt2")
for line in check_pt2_archive(WORK / "digits.pt2"):
    print("checked:", line)
print(exported.graph_signature.user_inputs, "->", exported.graph_signature.user_outputs)

# %% [markdown]
# **ONNX.** `torch.onnx.export(..., dynamo=True)` goes through `torch.export` too, then translates the
# graph to ONNX operators; ONNX Runtime runs the file without PyTorch.

# %%
import logging
import warnings

import onnx
import onnxruntime as ort

logging.getLogger("torch.onnx").setLevel(logging.ERROR)  # "torchvision is not installed" notices
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the exporter's progress chatter
    onnx_program = torch.onnx.export(
        model,
        (x_test[:2],),
        dynamo=True,
        input_names=["pixels"],
        output_names=["logits"],
        dynamic_shapes={"x": {0: "batch"}},
        verbose=False,
    )
onnx_program.save(str(WORK / "digits.onnx"), external_data=False)
onnx.checker.check_model(str(WORK / "digits.onnx"))
session = ort.InferenceSession(str(WORK / "digits.onnx"), providers=["CPUExecutionProvider"])
print("ONNX input:", session.get_inputs()[0].name, session.get_inputs()[0].shape)
for name in ("digits_state_dict.pt", "digits.pt2", "digits.onnx"):
    print(f"{name:22} {(WORK / name).stat().st_size / 1024:6.1f} kB")

# %%
# NBVAL_CHECK_OUTPUT
import numpy as np

with torch.inference_mode():
    from_pt2 = torch.export.load(WORK / "digits.pt2").module()(x_test).numpy()
from_onnx = session.run(None, {"pixels": x_test.numpy()})[0]
for name, out in [("torch.export .pt2", from_pt2), ("ONNX Runtime", from_onnx)]:
    diff = np.abs(out - reference).max()
    assert diff < 1e-4, diff
    print(
        f"{name:18} same predictions as eager: {bool((out.argmax(1) == reference.argmax(1)).all())}, max |diff| < 1e-4: {diff < 1e-4}"
    )

# %% [markdown]
# ### 3.3 The server the article names: its Flask backend, under a production WSGI server
#
# This is the "Flask backend" the article says PyTorch developers must build, written out here in three cells
# marked `# @save`: `tools/export_cells.py` copies them into `notebooks/pairs/deployment/model_server.py`, the
# program the server process runs (`python -m pairs.deployment.model_server`), and a test fails when the copies
# differ. That program loads each model **once** at start-up and hands every request to this app. Every body goes
# through `parse_predict_body` (in `notebooks/pairs/deployment/serving.py`: JSON, the `instances` key, batch size,
# numbers only, shape, no NaN, values in [0, 1]) before the model sees it.
#
# First the errors: a refused request becomes a 4xx with a message, an unknown URL or method a JSON 404/405, a
# body over the size limit a 413, and anything else a 500 that names only the exception type.

# %%
import json

from pairs.deployment.model_server import MAX_BODY_BYTES, _import_attr, metadata_of, status_of
from pairs.deployment.serving import DEFAULT_MAX_BATCH, RequestError, parse_predict_body


# %%
# @save pairs/deployment/model_server.py
def json_answer(payload: dict, status: int = 200):
    """Every answer of this server is JSON, errors included."""
    from flask import Response

    return Response(json.dumps(payload), status=status, mimetype="application/json")


def add_error_handlers(app) -> None:
    """A refused request gets a 4xx and {"error": message}; anything unexpected a 500 naming only its type."""
    from flask import request
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(RequestError)  # raised by parse_predict_body, and for an unknown model
    def _request_error(err: RequestError):
        return json_answer({"error": err.message}, err.status)

    @app.errorhandler(HTTPException)  # Flask's own: unknown URL, wrong method, body too large
    def _http_error(err: HTTPException):
        messages = {
            404: "no such endpoint; use GET /v1/models/NAME or POST /v1/models/NAME:predict",
            405: f"method {request.method} is not allowed here",
            413: f"the body is larger than {MAX_BODY_BYTES} bytes",
        }
        return json_answer({"error": messages.get(err.code, err.description or err.name)}, err.code or 400)

    @app.errorhandler(Exception)
    def _crash(err: Exception):  # a bug in the server or the model, never the client's input
        app.logger.exception("unexpected error")
        return json_answer({"error": f"internal error: {type(err).__name__}"}, 500)


# %% [markdown]
# Then the app: three routes with TF Serving's URLs (status, metadata, predict) and a body-size limit.


# %%
# @save pairs/deployment/model_server.py
def create_app(models: dict, *, max_batch: int = DEFAULT_MAX_BATCH, value_range=(0.0, 1.0)):
    """The Flask app serving `models` (each loaded once, at start-up) with TF Serving's REST API."""
    from flask import Flask, request

    app = Flask("model_server")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES  # a larger body is refused (413) before it is read
    add_error_handlers(app)
    limits = dict(max_batch=max_batch, value_range=value_range)

    def find(name: str):
        if name not in models:
            raise RequestError(404, f"model {name!r} is not served here; served: {', '.join(sorted(models))}")
        return models[name]

    @app.get("/v1/models/<name>")
    def status(name: str):  # what a load balancer polls
        return json_answer(status_of(find(name)))

    @app.get("/v1/models/<name>/metadata")
    def metadata(name: str):
        return json_answer(metadata_of(find(name), **limits))

    @app.post("/v1/models/<name>:predict")
    def predict(name: str):
        model = find(name)
        batch = parse_predict_body(request.get_data(cache=False), instance_shape=model.instance_shape, **limits)
        return json_answer({"predictions": np.asarray(model.predict(batch), dtype=np.float32).tolist()})

    return app


# %% [markdown]
# And the eager-PyTorch loader the program calls for a `state_dict`: the model call itself is the small part.


# %%
# @save pairs/deployment/model_server.py
def _load_torch(path: Path, torch_class: str | None, threads: int):
    import torch

    torch.set_num_threads(threads)
    if torch_class is None:
        raise ValueError("the 'torch' backend needs --torch-class module:Class (eager PyTorch needs the model's code)")
    model = _import_attr(torch_class)()
    state = torch.load(path, map_location="cpu", weights_only=True)  # tensors only: no pickle of arbitrary objects
    model.load_state_dict(state)
    model.eval()

    def predict(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model(torch.from_numpy(batch)).numpy()

    return predict, {"class": torch_class}


# %% [markdown]
# **Which program runs the app.** `app.run()` starts Werkzeug's development server, and Flask's
# documentation is blunt about it: *"Do not use the development server when deploying to production. It
# is intended for use only during local development. It is not designed to be particularly secure,
# stable, or efficient"* (flask.palletsprojects.com, "Deploying to Production"). So `model_server.main`
# hands the app to **waitress** (`waitress.serve(app, host="127.0.0.1", port=..., threads=4)`), one of
# the WSGI servers that page lists: pure Python (a pip install, no compiler), one process with a pool of
# threads, so each model sits in memory once. gunicorn, the other usual choice, forks worker processes
# and each worker loads its own copy of the models. The cell below reads the `Server` header of an
# answer to show which program answered.

# %% [markdown]
# One process serves the three artifacts under three names. `BackgroundServer` starts it in its own
# process group on a free port of 127.0.0.1 and stops it when the `with` block ends, even on an error.

# %%
import sys
import urllib.request

from pairs.deployment.serving import (
    RestClient,
    burst,
    listening_addresses,
    malformed_requests,
    process_tree,
    tree_rss_mb,
    wait_until_gone,
)
from utils.servers import BackgroundServer, free_port

SERVED = {"digits_eager": "eager state_dict", "digits_pt2": "torch.export .pt2", "digits_onnx": "ONNX Runtime"}
flask_cmd = [sys.executable, "-m", "pairs.deployment.model_server", "--port", str(port := free_port())]
flask_cmd += ["--model", f"digits_eager=torch:{(WORK / 'digits_state_dict.pt').resolve()}"]
flask_cmd += ["--torch-class", "pairs.deployment.digits_net:DigitsNet"]  # the class of §3.1, as the server imports it
flask_cmd += ["--model", f"digits_pt2=torch_export:{(WORK / 'digits.pt2').resolve()}"]
flask_cmd += ["--model", f"digits_onnx=onnx:{(WORK / 'digits.onnx').resolve()}"]
latencies, startup, checks = [], {}, {}
with torch.inference_mode():
    latencies.append(burst(lambda: model(x_test[:1]), label="eager, in process (no HTTP)", requests=300))


# %%
def exercise(url: str, name: str, what: str) -> dict:
    """One model of a running server: its status, a batch of 64 against `reference`, a latency burst, every
    malformed request (its answers are returned), and a good request after them, which must still be answered."""
    with RestClient(url, name) as client:
        state = client.status()["model_version_status"][0]
        checks[name] = np.abs(client.predict(x_test.numpy()[:64]) - reference[:64]).max()
        print(f"{name:13} {what:18} status {state['state']}, version {state['version']}, max |diff| {checks[name]:.1e}")
        one = x_test.numpy()[:1]
        latencies.append(
            burst(lambda: client.predict(one), label=f"Flask (waitress): {what}", requests=300, max_seconds=2)
        )
        bad = {kind: client.post_raw(body) for kind, body in malformed_requests().items()}
        assert np.abs(client.predict(x_test.numpy()[:5]) - reference[:5]).max() < 1e-4
    return bad


# %%
flask_options = dict(ready_path="/v1/models/digits_eager", timeout_s=60, log_path=WORK / "model_server.log")
with BackgroundServer(flask_cmd, port, name="model_server", **flask_options) as server:
    startup["Flask model_server (3 models)"] = server.startup_s
    print(f"started in {server.startup_s:.1f} s; resident memory {tree_rss_mb(server.process.pid):.0f} MB")
    flask_listens = listening_addresses(server.process.pid)
    print("listening on:", flask_listens)
    assert flask_listens == [f"127.0.0.1:{port}"], flask_listens
    with urllib.request.urlopen(f"{server.url}/v1/models/digits_eager") as answer:
        served_by = answer.headers["Server"]
    print("answered by (the Server header):", served_by)
    assert served_by == "waitress", served_by  # Werkzeug's development server would say "Werkzeug/..."
    bad_answers = {name: exercise(server.url, name, what) for name, what in SERVED.items()}
    flask_tree = process_tree(server.process.pid)
flask_left = wait_until_gone(flask_tree)
print("processes of the Flask server still alive after the with block:", len(flask_left))
assert not flask_left, flask_left

# %%
# NBVAL_CHECK_OUTPUT
print("served predictions equal in-process ones (max |diff| < 1e-4):", {k: bool(v < 1e-4) for k, v in checks.items()})
for kind in malformed_requests():
    statuses = {bad_answers[name][kind][0] for name in SERVED}
    assert all(400 <= s < 500 for s in statuses), (kind, statuses)
    print(f"{kind:20} -> HTTP {sorted(statuses)} from all three models")

# %% [markdown]
# What a client reads when it gets it wrong (the messages from the eager model; the other two send the
# same, since the check runs before the model):

# %%
for kind, (status, answer) in bad_answers["digits_eager"].items():
    print(f"{status} {kind:20} {answer['error'][:95]}")

# %% [markdown]
# ### 3.4 TorchServe: a model archive behind a Java front end (PyTorch only)
#
# TorchServe wraps an artifact and a **handler** (Python code that loads the model and answers
# requests) into a `.mar` archive; a Java process owns the network ports and starts Python workers.
# The handler here (`notebooks/pairs/deployment/torchserve_handler.py`) loads the `.pt2` after `check_pt2_archive` and
# applies the same request checks, so TorchServe answers with the same JSON and the same 4xx errors.
# The config binds every address, gRPC included, to 127.0.0.1; `--disable-token-auth` is acceptable
# here only because of that, on a single-user machine (token authorization has been on by default
# since the 0.11 releases of 2024).

# %%
import os
import subprocess

from utils.machine import INSTALL_HINTS, find_java
from utils.servers import MissingComponentError, require_binary

# Programs installed in this Python's environment (torchserve, torch-model-archiver) are found on PATH, as after
# `source .venv/bin/activate`.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"

try:
    require_binary("torchserve", "Install it with: pip install torchserve==0.12.0 torch-model-archiver==0.12.0")
    if find_java(min_major=17) is None:  # $JAVA_HOME/bin/java or java on PATH, version 17 or newer
        raise MissingComponentError(
            f"TorchServe's front end needs Java 17 or newer, not found here. Install: {INSTALL_HINTS['java']}"
        )
    have_torchserve = True
except MissingComponentError as err:
    have_torchserve = False
    print(
        f"{type(err).__name__}: {err}\nSkipping TorchServe; everything else runs. With it, this section packs the "
        "exported model into a .mar archive, starts TorchServe on 127.0.0.1, and checks that its predictions equal "
        "the in-process ones and that it answers every malformed request with a 4xx."
    )

# %%
if have_torchserve:
    store = (WORK / "model_store").resolve()
    store.mkdir()
    archiver = ["torch-model-archiver", "--model-name", "digits", "--version", "1.0", "--export-path", str(store)]
    archiver += ["--serialized-file", str((WORK / "digits.pt2").resolve())]
    archiver += ["--handler", str(Path("pairs/deployment/torchserve_handler.py").resolve())]
    subprocess.run(archiver, check=True)
    print("archive:", [p.name for p in store.iterdir()])

# %%
if have_torchserve:
    ts_ports = {key: free_port() for key in ("inference", "management", "metrics", "grpc_inference", "grpc_management")}
    ts_config = f"""\
inference_address=http://127.0.0.1:{ts_ports["inference"]}
management_address=http://127.0.0.1:{ts_ports["management"]}
metrics_address=http://127.0.0.1:{ts_ports["metrics"]}
grpc_inference_address=127.0.0.1
grpc_inference_port={ts_ports["grpc_inference"]}
grpc_management_address=127.0.0.1
grpc_management_port={ts_ports["grpc_management"]}
model_store={store}
load_models=digits.mar
default_workers_per_model=1
disable_system_metrics=true
install_py_dep_per_model=false
vmargs=-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
"""
    (WORK / "config.properties").write_text(ts_config)
    (WORK / "ts_tmp").mkdir()
    print("\n".join(line for line in ts_config.splitlines() if "address" in line))

# %% [markdown]
# TorchServe's `/ping` answers before the model is loaded, so the cell waits for the first good
# prediction and counts that as start-up.

# %%
if have_torchserve:
    ts_cmd = ["torchserve", "--start", "--foreground", "--ncs", "--disable-token-auth", "--model-store", str(store)]
    ts_cmd += ["--ts-config", str((WORK / "config.properties").resolve())]
    ts_tmp = str((WORK / "ts_tmp").resolve())
    ts_options = dict(
        ready_path="/ping", env={"TMPDIR": ts_tmp, "TEMP": ts_tmp}, cwd=WORK, log_path=WORK / "torchserve.log"
    )


def first_prediction(client: RestClient, timeout_s: float = 60) -> None:
    """Wait until the model answers: the model loads in a worker after the front end is up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if client.post_raw(json.dumps({"instances": x_test[:1].tolist()}).encode())[0] == 200:
                return
        except OSError:  # the first request can wait longer than the client's timeout
            pass
        time.sleep(0.2)
    raise TimeoutError(f"TorchServe gave no prediction within {timeout_s} s")


# %%
if have_torchserve:
    started = time.perf_counter()
    with BackgroundServer(ts_cmd, ts_ports["inference"], name="torchserve", timeout_s=60, **ts_options) as ts:
        client = RestClient(ts.url, "digits", predict_path="/predictions/{model}", status_path="/ping")
        first_prediction(client)
        ts_startup = startup["TorchServe (.mar with the .pt2)"] = time.perf_counter() - started
        print(f"first prediction {ts_startup:.1f} s after start; ping: {client.status()}")
        print(f"resident memory (Java + Python worker): {tree_rss_mb(ts.process.pid):.0f} MB")
        print("listening on:", listening_addresses(ts.process.pid))
        checks["torchserve"] = np.abs(client.predict(x_test.numpy()[:64]) - reference[:64]).max()
        ts_bad = {kind: client.post_raw(body) for kind, body in malformed_requests().items()}
        assert np.abs(client.predict(x_test.numpy()[:5]) - reference[:5]).max() < 1e-4  # still answering
        one = x_test.numpy()[:1]
        latencies.append(
            burst(lambda: client.predict(one), label="TorchServe: .pt2 in a .mar", requests=300, max_seconds=2)
        )
        client.close()
        ts_tree = process_tree(ts.process.pid)
        ts_names = sorted({p.name() for p in ts_tree})
    left = wait_until_gone(ts_tree, timeout_s=20)
    print(f"TorchServe processes ({', '.join(ts_names)}) alive after stop: {len(left)}")
    assert not left

# %%
if have_torchserve:
    print("TorchServe predictions equal in-process ones (max |diff| < 1e-4):", bool(checks["torchserve"] < 1e-4))
    for kind, (status, answer) in ts_bad.items():
        assert 400 <= status < 500 and "error" in answer, (kind, status, answer)
    print("TorchServe refused every malformed request with a 4xx:", sorted({s for s, _ in ts_bad.values()}))

# %% [markdown]
# ### 3.5 LitServe: a maintained model server that is not our code (PyTorch only)
#
# LitServe (`pip install litserve`; FastAPI and uvicorn underneath) is a general model server. It owns
# the HTTP side: routing, checking every body against a declared request type, a queue in front of
# inference worker processes, `/health`, optional batching. It asks for a `LitAPI` class with four
# methods: `setup` (load the model once, in the worker), `decode_request`, `predict`, `encode_response`.
# Here it serves the same `torch.export` program as §3.3, and needs neither the model's class nor a
# Flask app. This is all the code the course wrote for it (`notebooks/pairs/deployment/litserve_server.py`, after its
# docstring); the request checks are a type declaration instead of a function:

# %%
litserve_source = Path("pairs/deployment/litserve_server.py").read_text()  # this notebook runs in notebooks/
print(litserve_source[litserve_source.index("# The request") :])

# %%
from utils.servers import port_is_open

lit_cmd = [sys.executable, "-m", "pairs.deployment.litserve_server", "--port", str(lit_port := free_port())]
lit_cmd += ["--model", str((WORK / "digits.pt2").resolve())]
lit_options = dict(ready_path="/health", timeout_s=60, log_path=WORK / "litserve.log")
with BackgroundServer(lit_cmd, lit_port, name="litserve", **lit_options) as lit:
    startup["LitServe (.pt2)"] = lit.startup_s
    lit_tree = process_tree(lit.process.pid)
    print(
        f"started in {lit.startup_s:.1f} s; {len(lit_tree)} processes, {tree_rss_mb(lit.process.pid):.0f} MB resident"
    )
    lit_listens = listening_addresses(lit.process.pid)
    print("listening on:", lit_listens)
    assert lit_listens == [f"127.0.0.1:{lit_port}"], lit_listens
    client = RestClient(lit.url, "digits", status_path="/health")
    print("GET /health ->", client.request("GET", "/health"))
    served = client.predict(x_test.numpy()[:64])
    checks["litserve"] = np.abs(served - reference[:64]).max()
    lit_bad = {kind: client.post_raw(body) for kind, body in malformed_requests().items()}
    assert np.abs(client.predict(x_test.numpy()[:5]) - reference[:5]).max() < 1e-4  # still answering after them
    one = x_test.numpy()[:1]
    latencies.append(burst(lambda: client.predict(one), label="LitServe: .pt2", requests=300, max_seconds=2))
    client.close()
    lit_tree = process_tree(lit.process.pid)
lit_left = wait_until_gone(lit_tree, timeout_s=20)
print(f"LitServe processes alive after stop: {len(lit_left)}; port {lit_port} still open: {port_is_open(lit_port)}")
assert not lit_left and not port_is_open(lit_port)

# %%
# NBVAL_CHECK_OUTPUT
print("LitServe predictions equal in-process ones (max |diff| < 1e-4):", bool(checks["litserve"] < 1e-4))
for kind, (status, answer) in lit_bad.items():
    assert 400 <= status < 500 and "error" in answer, (kind, status, answer)
print("LitServe refused every malformed request with:", sorted({s for s, _ in lit_bad.values()}))

# %% [markdown]
# 422 ("Unprocessable Content") is FastAPI's status for a body that does not fit the declared type; the
# Flask app answers 400, and 413 for an oversized batch, as TF Serving does. Either way a client gets a
# 4xx and a reason:

# %%
for kind, (status, answer) in lit_bad.items():
    print(f"{status} {kind:20} {answer['error'][:95]}")

# %% [markdown]
# ### 3.6 ExecuTorch: the on-device route (PyTorch only)
#
# The twin converts its model to LiteRT for phones. PyTorch's counterpart is **ExecuTorch**: it starts
# from the same `torch.export` program, lowers it to a small, fixed set of operators
# (`to_edge_transform_and_lower`), and writes a `.pte` flatbuffer that the ExecuTorch runtime (C++, no
# Python, no PyTorch) runs on phones and microcontrollers. The `executorch` wheel also carries that
# runtime as a Python module, so the `.pte` runs right here. The wheel does not depend on torch (its PyPI
# page: it *"does not bundle PyTorch, so install a compatible torch separately"*); `executorch==1.5.1`
# installs and runs beside the pinned torch 2.15.0 without changing it. The course installs it without
# the extra dependencies of its developer tools (pandas, scikit-learn, ...), which Keras would import
# in every TensorFlow process: `requirements-nodeps.txt` says why. This notebook keeps ExecuTorch's
# portable kernels; an app would pass `partitioner=[XnnpackPartitioner()]` to hand the work to XNNPACK's
# optimised CPU kernels (also in the wheel; lowering with it takes several seconds longer). Like LiteRT,
# ExecuTorch is a runtime you embed in an app, not a network server, so it gets no HTTP row. (The
# `[cpuinfo_utils.cpp]` lines the first call prints are the runtime's C++ log probing for an ARM CPU
# on this x86 machine: harmless.)

# %%
import importlib.metadata

for noisy in ("torchao", "torch.utils._pytree"):  # GPU-only torchao kernels that cannot load on a CPU, an API notice
    logging.getLogger(noisy).setLevel(logging.ERROR)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # deprecation notices from inside the lowering passes
    from executorch.exir import to_edge_transform_and_lower
    from executorch.runtime import Runtime

    started = time.perf_counter()
    lowered = to_edge_transform_and_lower(exported)  # the torch.export program of §3.2, dynamic batch
    (WORK / "digits.pte").write_bytes(lowered.to_executorch().buffer)
print(
    f"executorch {importlib.metadata.version('executorch')}: digits.pte, {(WORK / 'digits.pte').stat().st_size / 1024:.1f} kB, "
    f"lowered in {time.perf_counter() - started:.1f} s"
)
forward = Runtime.get().load_program(str(WORK / "digits.pte")).load_method("forward")
from_pte = forward.execute([x_test])[0].numpy()  # all 360 test images in one call
latencies.append(
    burst(lambda: forward.execute([x_test[:1]]), label="ExecuTorch runtime, in process (no HTTP)", requests=300)
)

# %%
# NBVAL_CHECK_OUTPUT
pte_diff = np.abs(from_pte - reference).max()
assert pte_diff < 1e-4, pte_diff
print(
    f"ExecuTorch .pte: same predictions as eager: {bool((from_pte.argmax(1) == reference.argmax(1)).all())}, max |diff| < 1e-4: {pte_diff < 1e-4}"
)

# %% [markdown]
# ### 3.7 Latency: one client, every server
#
# Each row is a burst of sequential requests, one 8x8 image each, from the same client (at most 300
# requests or 2 s per server, after 10 warm-up requests). p50 and p95 are percentiles of single
# requests; req/s is what one client gets, not a server's peak under concurrent load.

# %%
from pairs.deployment.serving import latency_table

print(latency_table(latencies))
print()
flask_p50 = min(r.p50_ms for r in latencies if r.label.startswith("Flask"))
for r in latencies:
    if r.label.startswith(("TorchServe", "LitServe")):
        print(f"{r.label}: p50 {r.p50_ms / flask_p50:.1f}x the fastest Flask row (one more hop, to a worker process)")
for what, seconds in startup.items():
    print(f"start-up: {what:34} {seconds:5.1f} s")
shared = WORK.parent / "latency_pytorch.json"
shared.write_text(
    json.dumps(
        {
            "measured_at": time.time(),
            "rows": [
                dict(label=r.label, requests=r.requests, seconds=r.seconds, p50_ms=r.p50_ms, p95_ms=r.p95_ms)
                for r in latencies
            ],
            "startup_s": startup,
        },
        indent=1,
    )
)
print(f"\nrows saved to {shared} for the TensorFlow twin's combined table")

# %%
# NBVAL_CHECK_OUTPUT
from utils.servers import running_servers

leftover = [s for s in running_servers()]
ports_open = [p for p in [port, lit_port] + (list(ts_ports.values()) if have_torchserve else []) if port_is_open(p)]
print("servers still running:", leftover, "| their ports still open:", ports_open)

# %% [markdown]
# ## 4. What you just saw
#
# * **PyTorch served over HTTP three ways, all giving the model's own predictions.** The course's Flask
#   app served the eager `state_dict`, the `torch.export` program and the ONNX file (§3.3); TorchServe
#   served the `.pt2` in a `.mar` (§3.4); LitServe served the same `.pt2` (§3.5). Only the eager route
#   needed the model's Python class in the server; the `.pt2` and the ONNX file carried their own graph.
# * **The Flask backend is real work; a maintained model server is less.** The Flask app written out in §3.3,
#   plus its request checks, is what the article's "build a Flask backend" means: routes, JSON errors
#   with 4xx codes, a status endpoint, a body-size limit, binding to 127.0.0.1, and a production WSGI
#   server to run it (waitress here; the `Server` header said so). With LitServe the course wrote a
#   request type and four short methods, and the server did the HTTP part: every malformed request got a
#   4xx (422) and a reason, and the server kept answering (§3.5). Neither is "no code at all": a
#   `.pt2` needs a server that runs Python, and the servers that take a file with no code of yours
#   (Triton, KServe) take ONNX or TorchScript, not `torch.export` programs (§2).
# * **ExecuTorch** ran the same exported program as a `.pte` with the model's predictions (§3.6): the
#   on-device route, like LiteRT in the twin.
# * **The latency table** shows what HTTP + JSON costs for a tiny model: the in-process call takes
#   microseconds, a request through the Flask app under waitress a few milliseconds at p50 on a 2-core
#   machine, within about half a millisecond whatever the artifact (eager, `.pt2` or ONNX), because the model is a negligible
#   part of it. TorchServe and
#   LitServe add a hop (front end -> worker process) and their p50 was a multiple of Flask's: the lines
#   under the table print by how much on this run. With a large model the runtime would dominate and
#   the artifact would matter.
# * **Start-up**: each server needs seconds before its first answer (printed under the table): the
#   Flask process imports PyTorch and loads three models; TorchServe starts a JVM plus a Python worker;
#   LitServe starts a worker process that imports PyTorch.
# * **What this does not show**: throughput under concurrent clients, dynamic batching (TorchServe,
#   LitServe, Triton and TF Serving can batch requests; the Flask app cannot), or GPUs.

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C4 | **holds partly** | *Run and printed here:* LitServe, a maintained model server that is not the course's code, served the `torch.export` program with predictions equal to eager (`True`) and a 4xx for every malformed request (`[422]`), from a request type and a four-method class, with no routes or error handlers of ours (§3.5); TorchServe served it too (`True`, `[400, 413]`, §3.4); the course's Flask app, the backend the article describes, written out in §3.3 and run under waitress, served the eager, `.pt2` and ONNX artifacts (`True` for all three); ExecuTorch ran the `.pte` (`True`, §3.6). *Cited, not run here:* PyTorch has no maintained first-party server (TorchServe in limited maintenance, its repository archived on 7 August 2025); Triton's PyTorch backend runs TorchScript only and KServe's PyTorch runtime is TorchServe (§2), so servers that take a file with no code of yours take PyTorch models as ONNX; TF Serving's side is in the twin. So "no direct way, developers must build a Flask/Django backend" is outdated (a maintained server needs a short class, not a web backend), while "TensorFlow ships its own server and PyTorch does not" still holds. |

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** Start `pairs.deployment.model_server` serving only the ONNX file (`--model digits_onnx=onnx:...`)
# with a batch limit of 16 (`--max-batch 16`). Send a batch of 16 test images and a batch of 17, and
# store the two HTTP statuses in `status_16` and `status_17`. (An ONNX-only server never imports PyTorch;
# note how fast it starts.)

# %% tags=["solution"] jupyter={"source_hidden": true}
onnx_cmd = [
    sys.executable,
    "-m",
    "pairs.deployment.model_server",
    "--port",
    str(ex_port := free_port()),
    "--model",
    f"digits_onnx=onnx:{(WORK / 'digits.onnx').resolve()}",
    "--max-batch",
    "16",
]
with BackgroundServer(
    onnx_cmd, ex_port, ready_path="/v1/models/digits_onnx", name="onnx_server", log_path=WORK / "exercise_server.log"
) as ex_server:
    ex_client = RestClient(ex_server.url, "digits_onnx")
    status_16, _ = ex_client.post_raw(json.dumps({"instances": x_test[:16].tolist()}).encode())
    status_17, answer_17 = ex_client.post_raw(json.dumps({"instances": x_test[:17].tolist()}).encode())
    ex_client.close()
    print(f"ONNX-only server started in {ex_server.startup_s:.1f} s; 17 images -> {status_17}: {answer_17['error']}")

# %% tags=["check"]
assert status_16 == 200, f"a batch of 16 must be accepted, got HTTP {status_16}"
assert status_17 == 413, f"a batch of 17 must be refused with 413 (Payload Too Large), got HTTP {status_17}"
assert not port_is_open(ex_port), "stop the server when you are done (use a with block)"
print("batch of 16 -> 200, batch of 17 -> 413, server stopped: correct")

# %% [markdown]
# **Exercise 2.** Through the REST API of any server you start, compute the test accuracy on all 360
# test images, in requests of at most 64 images. Store it in `served_accuracy`; it must equal the
# in-process accuracy printed in §3.1.

# %% tags=["solution"] jupyter={"source_hidden": true}
onnx_cmd = [
    sys.executable,
    "-m",
    "pairs.deployment.model_server",
    "--port",
    str(ex_port := free_port()),
    "--model",
    f"digits_onnx=onnx:{(WORK / 'digits.onnx').resolve()}",
]
with BackgroundServer(
    onnx_cmd, ex_port, ready_path="/v1/models/digits_onnx", name="onnx_server", log_path=WORK / "exercise_server.log"
) as ex_server:
    with RestClient(ex_server.url, "digits_onnx") as ex_client:
        logits = np.concatenate([ex_client.predict(chunk.numpy()) for chunk in x_test.split(64)])
served_accuracy = (logits.argmax(1) == y_test.numpy()).mean()
print(f"served accuracy {served_accuracy:.3f} from {len(logits)} images")

# %% tags=["check"]
assert len(logits) == len(y_test) == 360, "every test image must go through the server"
assert served_accuracy == accuracy, f"served {served_accuracy} != in process {accuracy}"
print(f"served accuracy {served_accuracy:.3f} equals the in-process accuracy: correct")

# %% [markdown]
# **Exercise 3.** `check_pt2_archive` must refuse a `.pt2` whose loading would need full pickle. Build
# one: copy `digits.pt2` to `tampered.pt2`, replacing its sample inputs (the zip entry ending in
# `sample_inputs/model.pt`) with `torch.save` of an object `weights_only=True` refuses (an instance of
# a class of yours). Store the error `check_pt2_archive` raises in `refusal`.

# %% tags=["solution"] jupyter={"source_hidden": true}
import io
import zipfile


class NotATensor:
    pass


payload = io.BytesIO()
torch.save({"surprise": NotATensor()}, payload)
with zipfile.ZipFile(WORK / "digits.pt2") as src, zipfile.ZipFile(WORK / "tampered.pt2", "w") as dst:
    for item in src.infolist():
        data = payload.getvalue() if item.filename.endswith("sample_inputs/model.pt") else src.read(item)
        dst.writestr(item, data)
try:
    check_pt2_archive(WORK / "tampered.pt2")
    refusal = None
except UnsafeArtifactError as err:
    refusal = err
    print(f"{type(err).__name__}: {err}")

# %% tags=["check"]
assert isinstance(refusal, UnsafeArtifactError), "check_pt2_archive accepted the tampered archive"
assert "weights_only" in str(refusal) or "pickle" in str(refusal), refusal
print("the tampered archive was refused before torch.export.load could unpickle it: correct")

# %% [markdown]
# ## 7. Summary
#
# * Export first (`torch.export`, ONNX), then pick a maintained server: an ONNX file goes to any
#   framework-neutral runtime or server (ONNX Runtime, Triton); a `.pt2` goes to a model server that runs
#   Python, such as LitServe, with a short class instead of a web backend. Triton's PyTorch backend and
#   KServe's PyTorch runtime take TorchScript and TorchServe archives, not `torch.export` programs.
# * If you do write the Flask app, the model call is the small part: validate every request, answer
#   4xx with a message, load once, `torch.inference_mode()`, bind 127.0.0.1, offer a status endpoint, and
#   run it under a production WSGI server (waitress, gunicorn), never `app.run()`.
# * TorchServe works (Java 17, a handler, a `.mar`) but its repository has been archived since August
#   2025: no security fixes.
# * ExecuTorch (`.pte`) is PyTorch's on-device route, the counterpart of LiteRT.
# * Load with `torch.load(weights_only=True)`; treat `.pt2` files and `.mar` handlers from elsewhere as
#   code, not data (`check_pt2_archive` is a heuristic for torch 2.13-2.15's archive layout, not a proof).
#
# Next: the TensorFlow twin, [07_deployment_tensorflow.ipynb](07_deployment_tensorflow.ipynb), serves a
# SavedModel through the same client and puts both frameworks' servers in one latency table. Back to
# the course map: [00_start_here.ipynb](00_start_here.ipynb).
