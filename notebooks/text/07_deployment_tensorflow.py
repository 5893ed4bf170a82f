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
# # 07 · Deployment: model servers (TensorFlow)
#
# Twin: [07_deployment_pytorch.ipynb](07_deployment_pytorch.ipynb) · Start: [00_start_here.ipynb](00_start_here.ipynb)
#
# A trained Keras model becomes a SavedModel with an explicit serving signature, is inspected with
# `saved_model_cli`, called in process, and served over HTTP with TF Serving's REST API: by TF Serving
# itself when its binary is installed and you opt in, and otherwise by a small stand-in server speaking
# the same API (TF Serving was not installed where the course was built).
# Then the other exits from TensorFlow: LiteRT (the new name of TensorFlow Lite) and ONNX. The same
# client as in the PyTorch twin checks, breaks and times every server. Runs in about 30 s on a 2-core
# laptop.
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/07_deployment_tensorflow.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/07_deployment_tensorflow.ipynb)

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
from utils.start import start_tensorflow

device = start_tensorflow(seed=0)  # loads TensorFlow without its C++ start-up lines; one line about the machine

# %% [markdown]
# ## 1. What the articles claim

# %%
from utils.course import CLAIMS

print(f"C4: {CLAIMS['C4'].text}")

# %% [markdown]
# This twin tests the first half: what TF Serving's REST API is, what it gives, and what it takes to
# use it. The PyTorch twin tests the second half.

# %% [markdown]
# ## 2. The idea
#
# A **model server** loads a model once and answers prediction requests over the network; the work
# is in everything around the model call: checking each request, refusing bad ones with a clear
# error, reporting whether the model is loaded, and listening only where it should.
#
# **TensorFlow Serving** (open-sourced in 2016) is a C++ server that loads **SavedModels**, TensorFlow's self-contained format: graph, weights and named
# **signatures** (typed entry points) in a folder, no Python code needed. It watches a base folder of
# numbered versions (`digits/1`, `digits/2`, ...) and switches to a new version without a restart,
# serves REST and gRPC, can batch concurrent requests, and exports metrics. It is maintained, but it
# lags TensorFlow: on 13 March 2026 a user asked whether the project was still active, as there had been no
# release for a year and it still supported TensorFlow 2.19 while TensorFlow was at 2.21; a maintainer answered
# on 12 August 2026 that TF Serving 2.20.0 was out (tensorflow/serving#4132, "Is this project still actively
# maintained?"; the same answer closes the roadmap question #4130, and pull request #4135, "Update version for
# 2.20.0 release", is the release's version bump). So it trails TensorFlow by about a release. Its REST API:
#
# | request | answer |
# |---|---|
# | `GET /v1/models/digits` | `{"model_version_status": [{"version": "1", "state": "AVAILABLE", ...}]}` |
# | `POST /v1/models/digits:predict` with `{"instances": [...]}` | `{"predictions": [...]}`, or a 4xx with `{"error": "..."}` |
#
# The other exits from TensorFlow: **LiteRT** (TensorFlow Lite, renamed in September 2024; its Python
# runtime is the `ai-edge-litert` package) runs `.tflite` files on phones and small devices, and
# **ONNX** (`tf2onnx`) hands the model to framework-neutral runtimes such as ONNX Runtime.

# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 A small model, trained here
#
# The same network as the twin: 8x8 images in [0, 1], one hidden layer of 64, 10 logits.

# %%
import shutil
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from utils.data import digits_tf

WORK = Path("artifacts") / "07_deployment" / "tensorflow"  # relative to notebooks/; git ignores artifacts/
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)
tf.get_logger().setLevel("ERROR")  # "Assets written to ..." notices

# %%
x_train, y_train = digits_tf("train")
x_test, y_test = digits_tf("test")
x_train, x_test = tf.squeeze(x_train, -1), tf.squeeze(x_test, -1)  # (N, 8, 8): the shape clients send
x_test_np, y_test_np = x_test.numpy(), y_test.numpy()

with tf.device(device):
    inputs = keras.Input((8, 8), name="pixels")
    hidden = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, keras.layers.Dense(10, name="logits")(hidden), name="digits")
    model.compile(keras.optimizers.Adam(3e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    started = time.perf_counter()
    model.fit(x_train, y_train, epochs=20, batch_size=64, verbose=0)
with tf.device("/CPU:0"):  # serving below runs on the CPU: so does the reference
    reference = model.predict(x_test_np, verbose=0)  # what every server must reproduce
accuracy = (reference.argmax(1) == y_test_np).mean()
print(f"trained in {time.perf_counter() - started:.1f} s; test accuracy {accuracy:.3f}")
assert accuracy > 0.9

# %% [markdown]
# **Saving the Keras model** (`.keras`, for going on training) and loading it back with
# `safe_mode=True` (the default): a `.keras` file that would run Python code on loading (a `Lambda`
# layer holding a lambda) is refused.

# %%
from utils.show import expect_error  # like pytest.raises: the cell fails if the load is not refused

model.save(WORK / "digits.keras")
again = keras.saving.load_model(WORK / "digits.keras", safe_mode=True)
with tf.device("/CPU:0"):
    print(
        "reloaded .keras, same predictions:",
        bool(np.allclose(again.predict(x_test_np[:8], verbose=0), reference[:8], atol=1e-5)),
    )

risky = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda t: t * 2)])
risky.save(WORK / "risky.keras")
with expect_error(ValueError, match="Lambda", show=False) as refused:
    keras.saving.load_model(WORK / "risky.keras", safe_mode=True)
print(f"{type(refused.error).__name__}: {str(refused.error).split('. ')[0]}.")

# %% [markdown]
# ### 3.2 Artifacts: a SavedModel with an explicit serving signature
#
# The signature is the contract a server reads: input name, dtype and shape (`None` = any batch size),
# output names. Keras 3 writes it with `keras.export.ExportArchive` (what `model.export` uses), here
# with our own names, under a version folder: the layout TF Serving expects (`models/digits/1`).

# %%
SIGNATURE = [tf.TensorSpec([None, 8, 8], tf.float32, name="pixels")]
BASE = WORK / "models" / "digits"  # TF Serving's --model_base_path

archive = keras.export.ExportArchive()
archive.track(model)
archive.add_endpoint(
    "serving_default", lambda pixels: {"logits": model(pixels, training=False)}, input_signature=SIGNATURE
)
archive.write_out(str(BASE / "1"), verbose=False)
print(sorted(p.name for p in (BASE / "1").iterdir()))

# The one-liner writes the same kind of folder, with generated names ("serve", "output_0"):
model.export(WORK / "exported_by_keras", format="tf_saved_model", verbose=False)
print("model.export signatures:", sorted(tf.saved_model.load(str(WORK / "exported_by_keras")).signatures))

# %% [markdown]
# (A hand-written `tf.Module` holding the Keras model, saved with `tf.saved_model.save`, also gives a
# SavedModel that TensorFlow loads and serves correctly; but when we converted such a folder to LiteRT
# (§3.5) with TF 2.21, the `.tflite` came out without its weights: 3.4 kB and NaN outputs. The
# `ExportArchive` folder converts correctly.)

# %% [markdown]
# `saved_model_cli` (installed with TensorFlow) reads the signature without running Python code of
# yours; it is what you check before handing a model to a server.

# %%
# NBVAL_CHECK_OUTPUT
import os
import subprocess
import sys

args = ["show", "--dir", str(BASE / "1"), "--tag_set", "serve", "--signature_def", "serving_default"]
print("$ saved_model_cli", " ".join(args), "\n")
# The `saved_model_cli` program is tensorflow.python.tools.saved_model_cli:main; it runs here through
# this Python. The platform call first answers `uname -p` before TensorFlow's import asks for it from a
# 500 MB process (a fork that the course's memory meter would count twice).
SAVED_MODEL_CLI = [
    sys.executable,
    "-c",
    "import platform; platform.uname().processor; from tensorflow.python.tools.saved_model_cli import main; main()",
]
shown = subprocess.run(
    SAVED_MODEL_CLI + args, capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, check=True
)
print(shown.stdout.strip())

# %%
# NBVAL_CHECK_OUTPUT
loaded = tf.saved_model.load(str(BASE / "1"))
signature = loaded.signatures["serving_default"]
with tf.device("/CPU:0"):
    in_saved_model = signature(pixels=x_test)["logits"].numpy()
diff = np.abs(in_saved_model - reference).max()
assert diff < 1e-4, diff
print(
    "SavedModel signature, in process: same predictions as Keras:",
    bool((in_saved_model.argmax(1) == reference.argmax(1)).all()),
    "| max |diff| < 1e-4:",
    diff < 1e-4,
)

# %% [markdown]
# ### 3.3 The server the article names: TF Serving
#
# `tensorflow_model_server` is a C++ binary. It is **not** on PyPI, Debian or npm (the `tensorflow-serving-api`
# package on PyPI is only the client's gRPC stubs); it comes as a Docker image or from TF Serving's own
# APT repository (TF Serving's installation guide, tensorflow.org/tfx/serving/setup). It was not
# installed where this notebook was built for the course, so **TF Serving was not run here**; what §4
# and §5 say about it is cited from its documentation, not measured.
# One caution, read in its source (`server.cc`): its gRPC port listens on `0.0.0.0` (all interfaces)
# and there is no flag to change that. So even with the binary on PATH, this notebook starts it only
# when you opt in with `COURSE_RUN_TF_SERVING=1` (the port is open to the network while §3.3 runs; the
# cell prints what it listens on). With Docker, publish ports on 127.0.0.1 only
# (`-p 127.0.0.1:8501:8501`), as below. The install text uses a `signed-by=` keyring: `apt-key`, which
# older guides pipe the key into, is deprecated and *"will last be available in Debian 12 and Ubuntu
# 24.04"* (apt-key(8) manual page).

# %%
HOW_TO_GET_TF_SERVING = """TF Serving is not on PyPI, Debian or npm. Two ways to get it:
  * Docker (any OS), from the notebooks/ folder:
      docker run --rm -p 127.0.0.1:8501:8501 \\
        -v "$PWD/artifacts/07_deployment/tensorflow/models/digits:/models/digits" \\
        -e MODEL_NAME=digits tensorflow/serving
    then: curl http://127.0.0.1:8501/v1/models/digits
  * Debian/Ubuntu x86-64, from TF Serving's APT repository, its key in a keyring of its own:
      sudo install -d -m 0755 /etc/apt/keyrings
      curl -fsSL https://storage.googleapis.com/tensorflow-serving-apt/tensorflow-serving.release.pub.gpg | sudo gpg --dearmor -o /etc/apt/keyrings/tensorflow-serving.gpg
      echo "deb [arch=amd64 signed-by=/etc/apt/keyrings/tensorflow-serving.gpg] http://storage.googleapis.com/tensorflow-serving-apt stable tensorflow-model-server tensorflow-model-server-universal" | sudo tee /etc/apt/sources.list.d/tensorflow-serving.list
      sudo apt-get update && sudo apt-get install tensorflow-model-server
    then run this notebook again with COURSE_RUN_TF_SERVING=1: it starts tensorflow_model_server itself
    (its gRPC port listens on 0.0.0.0, hence the opt-in)."""
tf_serving_binary = shutil.which("tensorflow_model_server")
if tf_serving_binary is None:
    print("tensorflow_model_server is not on PATH.", HOW_TO_GET_TF_SERVING)
elif os.environ.get("COURSE_RUN_TF_SERVING") != "1":
    print(
        f"found {tf_serving_binary}, not started: set COURSE_RUN_TF_SERVING=1 to run it (its gRPC port listens on 0.0.0.0)."
    )
    tf_serving_binary = None

# %%
from pairs.deployment.serving import (
    Latency,
    RestClient,
    burst,
    latency_table,
    listening_addresses,
    malformed_requests,
    process_tree,
    tree_rss_mb,
    wait_until_gone,
)
from utils.servers import BackgroundServer, free_port, port_is_open, running_servers

latencies, startup, checks, bad_answers = [], {}, {}, {}
latencies.append(burst(lambda: signature(pixels=x_test[:1]), label="SavedModel, in process (no HTTP)", requests=300))


# %%
if tf_serving_binary:
    rest_port, grpc_port = free_port(), free_port()
    tfs_cmd = [tf_serving_binary, f"--port={grpc_port}", f"--rest_api_port={rest_port}", "--model_name=digits"]
    tfs_cmd += [f"--model_base_path={BASE.resolve()}", "--tensorflow_intra_op_parallelism=1"]
    tfs_cmd += ["--tensorflow_inter_op_parallelism=1"]
    tfs_options = dict(ready_path="/v1/models/digits", timeout_s=60, log_path=WORK / "tf_serving.log")
    started = time.perf_counter()
    with BackgroundServer(tfs_cmd, rest_port, name="tf_serving", **tfs_options) as tfs:
        client = RestClient(tfs.url, "digits")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the REST port opens before the model is loaded
            status, answer = client.request("GET", "/v1/models/digits")
            if status == 200 and answer["model_version_status"][0]["state"] == "AVAILABLE":
                break
            time.sleep(0.2)
        startup["TF Serving"] = time.perf_counter() - started
        print(f"TF Serving reported the model AVAILABLE {startup['TF Serving']:.1f} s after start:", client.status())
        print("listening on:", listening_addresses(tfs.process.pid), f"(REST {rest_port}, gRPC {grpc_port})")
        checks["TF Serving"] = np.abs(client.predict(x_test_np[:64]) - reference[:64]).max()
        bad_answers["TF Serving"] = {kind: client.post_raw(body) for kind, body in malformed_requests().items()}
        one = x_test_np[:1]
        latencies.append(burst(lambda: client.predict(one), label="TF Serving", requests=300, max_seconds=2))
        client.close()
    for kind, (status, answer) in bad_answers["TF Serving"].items():  # TF Serving's own checks, printed as they come
        print(f"TF Serving: {status} {kind:20} {str(answer)[:80]}")
else:
    print("TF Serving not installed: its rows are missing below; the stand-in in §3.4 serves the same SavedModel.")

# %% [markdown]
# ### 3.4 A stand-in for TF Serving's REST API (TensorFlow only)
#
# So that the SavedModel is served for real here, `notebooks/pairs/deployment/model_server.py` (the same Flask server as in
# the PyTorch twin) has a `savedmodel` backend: it picks the highest version under the base path, loads
# it with `tf.saved_model.load` and calls the `serving_default` signature, behind the same URLs and
# JSON, under the same production WSGI server (waitress). **This stands in for TF Serving's REST API; it
# is not TF Serving**: no gRPC, no hot reload of new versions, no request batching, no monitoring, no
# columnar `{"inputs": ...}` format.
#
# The loader below is the SavedModel part of that server, written here: its first line, `# @save ...`, makes
# `tools/export_cells.py` copy the cell into `model_server.py`, and a test fails when the two differ. It serves the
# highest version under the base path (`_savedmodel_version`), reads the signature's one input and one output, and
# answers on the CPU, where this notebook computes its reference.
#
# **A SavedModel is a program, not data.** `tf.saved_model.load` runs the graph inside the folder, and
# TensorFlow's security policy says so plainly: *"TensorFlow models are programs, and need to be treated
# as such from a security perspective"*; when it runs a graph, TensorFlow *"may read and write files,
# send and receive data over the network, and even spawn additional processes"* (`SECURITY.md` in the
# tensorflow repository). `saved_model_cli` reads the signature without running the graph; a SavedModel
# from someone else belongs in a sandbox, exactly like the `.pt2` and `.mar` files of the PyTorch twin.

# %%
from pairs.deployment.model_server import _savedmodel_version


# %%
# @save pairs/deployment/model_server.py
def _load_savedmodel(path: Path, threads: int, instance_shape: tuple[int, ...]):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already initialised (load_model called in a notebook): keep its settings
        pass
    folder, version = _savedmodel_version(path)
    loaded = tf.saved_model.load(str(folder))
    if "serving_default" not in loaded.signatures:
        raise ValueError(f"{folder} has no 'serving_default' signature (it has {list(loaded.signatures)})")
    signature = loaded.signatures["serving_default"]
    ((input_name, spec),) = signature.structured_input_signature[1].items()
    declared = tuple(spec.shape[1:])
    if None not in declared and declared != instance_shape:
        raise ValueError(f"the signature takes instances of shape {declared}, the server was told {instance_shape}")
    output_names = list(signature.structured_outputs)
    if len(output_names) != 1:
        raise ValueError(f"this server returns one output per instance; the signature has {output_names}")
    (output_name,) = output_names

    def predict(batch: np.ndarray) -> np.ndarray:
        with tf.device("/CPU:0"):  # served on the CPU, where the notebooks compute their references
            return signature(**{input_name: tf.constant(batch)})[output_name].numpy()

    return predict, {"input": input_name, "output": output_name, "_keep": loaded}, version


# %%
stand_in_cmd = [sys.executable, "-m", "pairs.deployment.model_server", "--port", str(port := free_port())]
stand_in_cmd += ["--model", f"digits=savedmodel:{BASE.resolve()}"]
stand_in_options = dict(ready_path="/v1/models/digits", timeout_s=60, log_path=WORK / "stand_in.log")
with BackgroundServer(stand_in_cmd, port, name="model_server", **stand_in_options) as server:
    startup["stand-in: Flask + SavedModel"] = server.startup_s
    print(f"started in {server.startup_s:.1f} s; resident memory {tree_rss_mb(server.process.pid):.0f} MB")
    print("listening on:", listening_addresses(server.process.pid))
    client = RestClient(server.url, "digits")
    print("status:", client.status())
    checks["stand-in (SavedModel)"] = np.abs(client.predict(x_test_np[:64]) - reference[:64]).max()
    bad_answers["stand-in (SavedModel)"] = {kind: client.post_raw(body) for kind, body in malformed_requests().items()}
    assert np.abs(client.predict(x_test_np[:5]) - reference[:5]).max() < 1e-4  # still answering after them
    one = x_test_np[:1]
    latencies.append(
        burst(lambda: client.predict(one), label="stand-in: Flask + SavedModel", requests=300, max_seconds=2)
    )
    client.close()
    stand_in_tree = process_tree(server.process.pid)
stand_in_left = wait_until_gone(stand_in_tree)
print("processes of the stand-in still alive after the with block:", len(stand_in_left))
assert not stand_in_left, stand_in_left

# %%
# NBVAL_CHECK_OUTPUT
print("served predictions equal in-process ones (max |diff| < 1e-4):", bool(checks["stand-in (SavedModel)"] < 1e-4))
for kind, (status, answer) in bad_answers["stand-in (SavedModel)"].items():
    assert 400 <= status < 500 and "error" in answer, (kind, status, answer)
    print(f"{kind:20} -> HTTP {status}")

# %%
for kind, (status, answer) in bad_answers["stand-in (SavedModel)"].items():
    print(f"{status} {kind:20} {answer['error'][:95]}")

# %% [markdown]
# ### 3.5 LiteRT: the on-device route (TensorFlow only)
#
# `tf.lite.TFLiteConverter` is still in TensorFlow 2.21 and converts the SavedModel to a `.tflite`
# flatbuffer. Running it is LiteRT's job now: `tf.lite.Interpreter` still exists but warns that it is
# deprecated; the `ai-edge-litert` package's `Interpreter` is the replacement. LiteRT is a runtime you
# embed in an app (Android, iOS, microcontrollers), not a network server, so it gets no HTTP row.

# %%
import warnings

from ai_edge_litert.interpreter import Interpreter

converter = tf.lite.TFLiteConverter.from_saved_model(str(BASE / "1"))
tflite_bytes = converter.convert()
(WORK / "digits.tflite").write_bytes(tflite_bytes)
print(f"digits.tflite: {len(tflite_bytes) / 1024:.1f} kB")

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    tf.lite.Interpreter(model_content=tflite_bytes)
print("tf.lite.Interpreter says:", " ".join(str(caught[0].message).split()[:15]) if caught else "(no warning)")

interpreter = Interpreter(model_content=tflite_bytes)
print("LiteRT signatures:", interpreter.get_signature_list())
runner = interpreter.get_signature_runner("serving_default")
from_litert = runner(pixels=x_test_np)["logits"].copy()  # the runner reuses its output buffer on the next call
latencies.append(
    burst(lambda: runner(pixels=x_test_np[:1]), label="LiteRT interpreter, in process (no HTTP)", requests=300)
)

# %% [markdown]
# ### 3.6 ONNX: out of TensorFlow altogether (TensorFlow only)
#
# `tf2onnx` (1.17, installed here beside TensorFlow 2.21, NumPy 2 and protobuf 7 without changing any
# of them) converts the Keras model to ONNX. The ONNX file is then served by the same server's `onnx`
# backend, in a process that never imports TensorFlow: compare its memory with the stand-in's.

# %%
import logging

import onnxruntime as ort
import tf2onnx

logging.getLogger("tf2onnx").setLevel(logging.ERROR)
print({"tf2onnx": tf2onnx.__version__, "onnxruntime": ort.__version__})
spec = (tf.TensorSpec((None, 8, 8), tf.float32, name="pixels"),)
tf2onnx.convert.from_keras(model, input_signature=spec, opset=17, output_path=str(WORK / "digits_tf.onnx"))
session = ort.InferenceSession(str(WORK / "digits_tf.onnx"), providers=["CPUExecutionProvider"])
print(
    "ONNX input:",
    session.get_inputs()[0].name,
    session.get_inputs()[0].shape,
    "-> output:",
    session.get_outputs()[0].name,
)
from_onnx = session.run(None, {"pixels": x_test_np})[0]

# %%
onnx_cmd = [sys.executable, "-m", "pairs.deployment.model_server", "--port", str(onnx_port := free_port())]
onnx_cmd += ["--model", f"digits_tf_onnx=onnx:{(WORK / 'digits_tf.onnx').resolve()}"]
onnx_options = dict(ready_path="/v1/models/digits_tf_onnx", log_path=WORK / "onnx_server.log")
with BackgroundServer(onnx_cmd, onnx_port, name="onnx_server", **onnx_options) as onnx_server:
    startup["Flask + ONNX Runtime (no TF)"] = onnx_server.startup_s
    rss = tree_rss_mb(onnx_server.process.pid)
    print(f"ONNX-only server started in {onnx_server.startup_s:.1f} s; resident memory {rss:.0f} MB")
    client = RestClient(onnx_server.url, "digits_tf_onnx")
    checks["ONNX server"] = np.abs(client.predict(x_test_np[:64]) - reference[:64]).max()
    bad_answers["ONNX server"] = {kind: client.post_raw(body) for kind, body in malformed_requests().items()}
    one = x_test_np[:1]
    latencies.append(
        burst(lambda: client.predict(one), label="Flask + ONNX Runtime (tf2onnx)", requests=300, max_seconds=2)
    )
    client.close()

# %%
# NBVAL_CHECK_OUTPUT
for name, out in [("LiteRT", from_litert), ("ONNX Runtime", from_onnx)]:
    diff = np.abs(out - reference).max()
    assert diff < 1e-4, (name, diff)
    print(
        f"{name:13} in process: same predictions as Keras: {bool((out.argmax(1) == reference.argmax(1)).all())}, max |diff| < 1e-4: {diff < 1e-4}"
    )
print(
    "ONNX server: same predictions (max |diff| < 1e-4):",
    bool(checks["ONNX server"] < 1e-4),
    "| every malformed request got a 4xx:",
    all(400 <= s < 500 for s, _ in bad_answers["ONNX server"].values()),
)

# %% [markdown]
# ### 3.7 Latency: one client, every server, both twins
#
# Each row is a burst of sequential requests, one 8x8 image each, from the same client (at most 300
# requests or 2 s per server, after 10 warm-up requests): percentiles of single requests and what one
# client gets per second, not a server's peak under concurrent load.

# %%
import json

print(latency_table(latencies))
print()
for what, seconds in startup.items():
    print(f"start-up: {what:30} {seconds:5.1f} s")
saved = (WORK.parent / "latency_tensorflow.json").write_text(
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

# %% [markdown]
# The PyTorch twin saves its rows to `artifacts/07_deployment/latency_pytorch.json`. When it has run on
# this machine (the test suite runs it just before this notebook), both frameworks' servers are in one
# table, measured minutes apart with the same client code:

# %%
twin_file = WORK.parent / "latency_pytorch.json"
if twin_file.exists():
    twin = json.loads(twin_file.read_text())
    twin_rows = [
        Latency(
            label=f"PyTorch twin: {r['label']}",
            requests=r["requests"],
            seconds=r["seconds"],
            p50_ms=r["p50_ms"],
            p95_ms=r["p95_ms"],
        )
        for r in twin["rows"]
    ]
    http_rows = [r for r in latencies + twin_rows if "no HTTP" not in r.label]
    print(f"(PyTorch rows measured {(time.time() - twin['measured_at']) / 60:.0f} min ago)")
    print(latency_table(sorted(http_rows, key=lambda r: r.p50_ms)))
    for what, seconds in {**startup, **{f"PyTorch twin: {k}": v for k, v in twin["startup_s"].items()}}.items():
        print(f"start-up: {what:50} {seconds:5.1f} s")
else:
    print("Run 07_deployment_pytorch.ipynb first to add the PyTorch servers to this table.")

# %%
# NBVAL_CHECK_OUTPUT
ports = [port, onnx_port] + ([rest_port, grpc_port] if tf_serving_binary else [])
print("servers still running:", running_servers(), "| their ports still open:", [p for p in ports if port_is_open(p)])

# %% [markdown]
# ## 4. What you just saw
#
# * **A SavedModel is self-describing.** `saved_model_cli` printed its signature (input `pixels`,
#   float32, shape (-1, 8, 8); output `logits`) without any of our Python code, and the signature
#   called in process gave Keras's predictions (§3.2). That is what lets a C++ server load it.
# * **TF Serving was not run.** It is not on PyPI, Debian or npm, and was not installed where this
#   notebook was built for the course, so §3.3 printed how to get it; with `tensorflow_model_server` on
#   PATH and `COURSE_RUN_TF_SERVING=1`, §3.3 runs it and adds its rows. What this notebook says about TF
#   Serving's features (REST and gRPC, numbered versions, batching) comes from its documentation. The
#   stand-in (the course's Flask app under waitress) served the same SavedModel through the same REST
#   API, gave the same predictions, and refused all ten malformed requests with a 4xx and a message
#   (§3.4); it stands in for the API, it is not a measurement of TF Serving.
# * **Two more exits**: LiteRT ran the converted `.tflite` with the same predictions, and the old
#   `tf.lite.Interpreter` announced its own deprecation (§3.5); `tf2onnx` produced an ONNX file that
#   ONNX Runtime served without TensorFlow in the process, at a fraction of the stand-in's memory
#   (§3.6).
# * **Latency** (§3.7): for a model this small the HTTP round trip dominates. The ONNX Runtime server
#   answered in a few milliseconds at p50, like the PyTorch twin's Flask servers; the SavedModel
#   stand-in was slower (the combined table's last column prints by how much on this run), because
#   calling a TensorFlow function costs far more than this model's arithmetic: a fraction of a
#   millisecond even in process, against microseconds for LiteRT. The combined table puts the PyTorch twin's servers (Flask with eager, `.pt2` and ONNX;
#   TorchServe; LitServe) beside these.
# * **What this does not show**: TF Serving's own latency and its request batching, gRPC, version
#   hot-swapping, or behaviour under concurrent clients.

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C4 | **holds partly** | *Run and printed here:* `saved_model_cli` printed the self-describing signature (`pixels`, (-1, 8, 8) -> `logits`) that lets a C++ server load a SavedModel without Python code (§3.2); the stand-in, the course's Flask app under waitress and **not TF Serving**, served that SavedModel with predictions equal to Keras's (`True`) and a 4xx for every malformed request (§3.4); ONNX Runtime served the `tf2onnx` export just as well (`True`, §3.6), so serving no longer has to follow the training framework. *Cited, not run (TF Serving is not on PyPI, Debian or npm, §3.3):* TF Serving is TensorFlow's first-party server with a REST API (tensorflow.org/tfx/serving), maintained but a release behind TensorFlow (2.20.0 in August 2026 while TensorFlow is at 2.21: tensorflow/serving#4132 and #4130, maintainer answers of 12 August 2026, and the release's version bump, #4135). So "TensorFlow ships a REST model server" holds, from its documentation. The PyTorch half is judged in the twin: no maintained first-party server (TorchServe archived), but a maintained third-party one (LitServe) served the exported program there. |

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** TF Serving serves the highest version under its base path, and so does the stand-in.
# Save a second version (`models/digits/2`) whose signature returns `logits * 2`, then load the base
# path the way the stand-in server does, `model_server.load_model("digits", "savedmodel", BASE)` (in
# this process, to save starting another TensorFlow process). Store its `.version` in `served_version`
# and its predictions for the first test image in `served_logits`; remove version 2 afterwards.

# %% tags=["solution"] jupyter={"source_hidden": true}
from pairs.deployment import model_server

archive_2 = keras.export.ExportArchive()
archive_2.track(model)
archive_2.add_endpoint(
    "serving_default", lambda pixels: {"logits": 2.0 * model(pixels, training=False)}, input_signature=SIGNATURE
)
archive_2.write_out(str(BASE / "2"), verbose=False)
as_served = model_server.load_model("digits", "savedmodel", BASE)
served_version = as_served.version
with tf.device("/CPU:0"):  # like the reference
    served_logits = as_served.predict(x_test_np[:1])[0]
shutil.rmtree(BASE / "2")  # back to version 1 only
print("served version", served_version)

# %% tags=["check"]
assert served_version == "2", f"the highest version must be served, got {served_version}"
assert np.allclose(served_logits, 2 * reference[0], atol=1e-4), "version 2 must return doubled logits"
assert not (BASE / "2").exists(), "remove version 2 so the base path holds version 1 only again"
print("version 2 served, logits doubled, version 2 removed again: correct")

# %% [markdown]
# **Exercise 2.** Convert the SavedModel to LiteRT with dynamic-range quantization
# (`converter.optimizations = [tf.lite.Optimize.DEFAULT]`), store the bytes in `quantized`, and the
# LiteRT test accuracy in `quantized_accuracy`. How much smaller is it, and what did it cost?

# %% tags=["solution"] jupyter={"source_hidden": true}
converter = tf.lite.TFLiteConverter.from_saved_model(str(BASE / "1"))
converter.optimizations = [tf.lite.Optimize.DEFAULT]
quantized = converter.convert()
q_runner = Interpreter(model_content=quantized).get_signature_runner("serving_default")
quantized_accuracy = (q_runner(pixels=x_test_np)["logits"].argmax(1) == y_test_np).mean()
print(
    f"{len(tflite_bytes) / 1024:.1f} kB -> {len(quantized) / 1024:.1f} kB; accuracy {accuracy:.3f} -> {quantized_accuracy:.3f}"
)

# %% tags=["check"]
assert len(quantized) < 0.6 * len(tflite_bytes), (
    "dynamic-range quantization stores weights in 8 bits: expect well under 60 % of the size"
)
assert quantized_accuracy > accuracy - 0.05, (
    f"quantization should cost little accuracy here, got {quantized_accuracy:.3f}"
)
print(
    f"quantized model is {len(quantized) / len(tflite_bytes):.0%} of the float one and keeps accuracy within 5 points: correct"
)

# %% [markdown]
# ## 7. Summary
#
# * A SavedModel carries its own serving signature: inspect it with `saved_model_cli show` before
#   deploying; `model.export`, or `keras.export.ExportArchive` with an explicit `input_signature`, writes it.
# * TF Serving is the reference server for SavedModels (REST + gRPC, versions, batching, per its
#   documentation), maintained but a release behind TensorFlow; it is a Docker image or an APT package
#   (add its key with `signed-by=`, not `apt-key`), not a pip install, and its gRPC port listens on every
#   interface.
# * A SavedModel is a program: load one from someone else only in a sandbox.
# * LiteRT (`ai-edge-litert`) is where TensorFlow Lite lives now; `tf.lite.TFLiteConverter` still
#   converts, `tf.lite.Interpreter` is deprecated.
# * ONNX (`tf2onnx`) takes a TensorFlow model to framework-neutral runtimes: the serving choice no
#   longer has to follow the training framework.
#
# Back to the twin: [07_deployment_pytorch.ipynb](07_deployment_pytorch.ipynb) · the course map:
# [00_start_here.ipynb](00_start_here.ipynb).
