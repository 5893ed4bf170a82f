"""A small model server with TF Serving's REST API, for every model format the deployment pair makes.

Run it as a program (the notebooks start it through :class:`utils.servers.BackgroundServer`)::

    python -m pairs.deployment.model_server --port 8501 \\
        --model digits_eager=torch:models/digits_state_dict.pt --torch-class digits_net:DigitsNet --code-dir models \\
        --model digits_pt2=torch_export:models/digits.pt2 \\
        --model digits_onnx=onnx:models/digits.onnx \\
        --model digits_tf=savedmodel:models/digits_savedmodel

Each ``--model NAME=BACKEND:PATH`` is loaded **once**, at start-up. Backends:

``torch``         eager PyTorch: a ``state_dict`` read with ``torch.load(weights_only=True)`` into the class
                  named by ``--torch-class module:Class`` (the server needs the model's Python code).
``torch_export``  a ``torch.export`` program (``.pt2``), checked with :func:`pairs.deployment.serving.check_pt2_archive`
                  (nothing in it is unpickled) and then ``torch.export.load``; no model code needed.
``onnx``          an ONNX file run by ONNX Runtime (imports neither torch nor TensorFlow).
``savedmodel``    a TensorFlow SavedModel's ``serving_default`` signature, loaded with ``tf.saved_model.load``.
                  PATH may be a TF Serving base path with numbered versions (``digits/1``, ``digits/2``):
                  the highest version is served. This stands in for TF Serving's REST API; it is not TF Serving.

Endpoints (TF Serving's, see https://www.tensorflow.org/tfx/serving/api_rest):

``GET  /v1/models/NAME``            model status, ``{"model_version_status": [{"state": "AVAILABLE", ...}]}``
``GET  /v1/models/NAME/metadata``   backend, instance shape, dtype, batch limit
``POST /v1/models/NAME:predict``    ``{"instances": [...]}`` -> ``{"predictions": [...]}``

Every request is checked by :func:`pairs.deployment.serving.parse_predict_body` before the model sees it; a bad
one gets a 4xx and ``{"error": "..."}``, never a crash. The server binds 127.0.0.1 only.

The app runs under **waitress**, a production WSGI server (pure Python, one process, a pool of
threads), not under ``app.run()``: Flask's documentation says its development server "is not
designed to be particularly secure, stable, or efficient" and must not be used in production
(https://flask.palletsprojects.com/en/stable/deploying/). One process keeps one copy of each model
in memory; a pre-forking server (gunicorn) would load it once per worker.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pairs.deployment.serving import DEFAULT_MAX_BATCH, RequestError, parse_predict_body

__all__ = ["LoadedModel", "load_model", "create_app", "main", "BACKENDS", "MAX_BODY_BYTES", "metadata_of", "status_of"]

# h5py, imported by TensorFlow, calls platform.uname(), which runs `uname -p` in a subprocess: a fork
# of the whole process. Answering it now, while this process is small, keeps a 500 MB copy of a
# TensorFlow server out of every memory measurement (RSS counts a fork's shared pages twice).
platform.uname().processor

BACKENDS = ("torch", "torch_export", "onnx", "savedmodel")
HOST = "127.0.0.1"
MAX_BODY_BYTES = 1 << 20  # 1 MiB: a batch of 64 8x8 images in JSON is about 20 kB


@dataclass
class LoadedModel:
    """A model ready to answer: ``predict(float32 batch) -> float32 batch``."""

    name: str
    backend: str
    path: str
    version: str
    instance_shape: tuple[int, ...]
    predict: Callable[[np.ndarray], np.ndarray]
    load_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def _import_attr(spec: str):
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"--torch-class must look like module:Class, got {spec!r}")
    return getattr(importlib.import_module(module_name), attr)


def _load_torch_export(path: Path, threads: int):
    import torch

    from pairs.deployment.serving import load_checked_pt2

    torch.set_num_threads(threads)
    exported, checked = load_checked_pt2(path)  # refuse archives whose loading would unpickle something
    module = exported.module()

    def predict(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return module(torch.from_numpy(batch)).numpy()

    return predict, {"checked": checked}


def _load_onnx(path: Path, threads: int, instance_shape: tuple[int, ...]):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    (inp,) = session.get_inputs()
    declared = tuple(inp.shape[1:])
    if all(isinstance(d, int) for d in declared) and declared != instance_shape:
        raise ValueError(f"{path.name} takes instances of shape {declared}, the server was told {instance_shape}")

    def predict(batch: np.ndarray) -> np.ndarray:
        return session.run(None, {inp.name: batch})[0]

    return predict, {"input": inp.name, "output": session.get_outputs()[0].name}


def _savedmodel_version(path: Path) -> tuple[Path, str]:
    """TF Serving's layout: BASE/<version number>/saved_model.pb; serve the highest version."""
    if (path / "saved_model.pb").exists():
        return path, path.name if path.name.isdigit() else "1"
    versions = sorted((int(p.name), p) for p in path.iterdir() if p.name.isdigit() and (p / "saved_model.pb").exists())
    if not versions:
        raise FileNotFoundError(f"{path} holds no saved_model.pb and no numbered version folder with one")
    number, folder = versions[-1]
    return folder, str(number)


# The SavedModel loader is written in 07_deployment_tensorflow (§3.4), the page that teaches it.
# @generated from notebooks/text/07_deployment_tensorflow.py by tools/export_cells.py: edit the notebook, not this
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


# @end generated


def load_model(
    name: str,
    backend: str,
    path: str | os.PathLike,
    *,
    instance_shape: tuple[int, ...] = (8, 8),
    torch_class: str | None = None,
    threads: int = 1,
) -> LoadedModel:
    """Load one model for serving (also usable in process, e.g. in tests)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model {name!r}: {path} does not exist")
    started = time.perf_counter()
    version = "1"
    if backend == "torch":
        predict, extra = _load_torch(path, torch_class, threads)
    elif backend == "torch_export":
        predict, extra = _load_torch_export(path, threads)
    elif backend == "onnx":
        predict, extra = _load_onnx(path, threads, instance_shape)
    else:
        predict, extra, version = _load_savedmodel(path, threads, instance_shape)
    model = LoadedModel(name, backend, str(path), version, tuple(instance_shape), predict, extra=extra)
    # One warm-up call: the first call of every runtime allocates, traces or specialises.
    model.predict(np.zeros((1, *instance_shape), dtype=np.float32))
    model.load_s = time.perf_counter() - started
    return model


# The Flask app and its eager-PyTorch loader are written in 07_deployment_pytorch (§3.3), the page that teaches them.
# @generated from notebooks/text/07_deployment_pytorch.py by tools/export_cells.py: edit the notebook, not this
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


# @end generated


def status_of(model: LoadedModel) -> dict:
    """TF Serving's status answer for one loaded model."""
    state = {"version": model.version, "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}
    return {"model_version_status": [state]}


def metadata_of(model: LoadedModel, max_batch: int, value_range) -> dict:
    """What a client may ask before sending: backend, instance shape, dtype, batch limit, value range."""
    return {
        "model_spec": {"name": model.name, "version": model.version},
        "metadata": {
            "backend": model.backend,
            "instance_shape": list(model.instance_shape),
            "dtype": "float32",
            "max_batch": max_batch,
            "value_range": list(value_range) if value_range else None,
            "load_seconds": round(model.load_s, 3),
        },
    }


def _parse_model(spec: str) -> tuple[str, str, str]:
    name, eq, rest = spec.partition("=")
    backend, colon, path = rest.partition(":")
    if not eq or not colon or not name or not path:
        raise argparse.ArgumentTypeError(f"--model must look like NAME=BACKEND:PATH, got {spec!r}")
    if backend not in BACKENDS:
        raise argparse.ArgumentTypeError(f"unknown backend {backend!r} in {spec!r}; use one of {', '.join(BACKENDS)}")
    return name, backend, path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    parser.add_argument(
        "--model", type=_parse_model, action="append", required=True, help="NAME=BACKEND:PATH (repeatable)"
    )
    parser.add_argument("--torch-class", help="module:Class of the eager PyTorch model (backend 'torch')")
    parser.add_argument("--code-dir", help="a folder to put on sys.path first (where --torch-class's module is)")
    parser.add_argument("--instance-shape", type=int, nargs="+", default=[8, 8], help="shape of one instance")
    parser.add_argument("--max-batch", type=int, default=DEFAULT_MAX_BATCH, help="largest batch accepted (413 above)")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads of each runtime")
    parser.add_argument("--no-value-range", action="store_true", help="accept any finite value, not just [0, 1]")
    args = parser.parse_args(argv)

    if args.code_dir:
        sys.path.insert(0, str(Path(args.code_dir).resolve()))  # not the course: a model module of your own
    started = time.perf_counter()
    models = {}
    for name, backend, path in args.model:
        models[name] = load_model(
            name,
            backend,
            path,
            instance_shape=tuple(args.instance_shape),
            torch_class=args.torch_class,
            threads=args.threads,
        )
        print(f"loaded {name} ({backend}) from {path} in {models[name].load_s:.2f} s", flush=True)
    value_range = None if args.no_value_range else (0.0, 1.0)
    app = create_app(models, max_batch=args.max_batch, value_range=value_range)
    import waitress

    print(
        f"serving {', '.join(models)} on http://{HOST}:{args.port} with waitress {_version('waitress')} "
        f"(ready after {time.perf_counter() - started:.2f} s)",
        flush=True,
    )
    # A production WSGI server, bound to 127.0.0.1 only; four threads answer requests.
    waitress.serve(app, host=HOST, port=args.port, threads=4)
    return 0


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


if __name__ == "__main__":
    sys.exit(main())
