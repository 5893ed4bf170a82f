"""One REST contract for every model server in the deployment pair, and the checks a server runs.

The contract is TensorFlow Serving's REST "row" format, so the same client code talks to TF
Serving, TorchServe (with the course's handler) and the course's own Flask server::

    POST <predict url>   {"instances": [instance, instance, ...]}
      200                {"predictions": [prediction, prediction, ...]}
      4xx                {"error": "a message a person can read"}

What is here:

* :class:`RestClient`: one model over a ``requests.Session`` (keep-alive); ``predict`` sends NumPy
  arrays and returns a NumPy array, ``post_raw`` sends any bytes (to show a server's errors).
* :func:`parse_predict_body`: what a server does with a request body before the model sees it:
  JSON only, the ``instances`` key, a non-empty batch no larger than a limit, numbers only, the
  right per-instance shape, no NaN or infinity, values in range. Every failure is a
  :class:`RequestError` carrying a 4xx status and a readable message.
* :func:`malformed_requests`: the bad requests every server in the course must answer with a 4xx.
* :func:`burst` and :func:`latency_table`: latency percentiles (p50/p95) and throughput from a
  bounded burst of sequential requests (a fixed count, cut short by a time limit).
* :func:`check_pt2_archive`: refuses a ``torch.export`` ``.pt2`` file whose loading would
  unpickle anything (``torch.export.load`` falls back to full pickle for some entries).
* :func:`listening_addresses`, :func:`process_tree`, :func:`tree_rss_mb`, :func:`wait_until_gone`: re-exported
  from :mod:`utils.processes` (the course's one implementation), so the notebooks import them from one place.
"""

from __future__ import annotations

import io
import json
import math
import os
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import requests

from utils.processes import listening_addresses, process_tree, tree_rss_mb, wait_until_gone  # re-exported
from utils.timing import load_average, load_reasons, warning_line

__all__ = [
    "RequestError",
    "ServingError",
    "UnsafeArtifactError",
    "parse_predict_body",
    "malformed_requests",
    "RestClient",
    "Latency",
    "burst",
    "latency_table",
    "check_pt2_archive",
    "load_checked_pt2",
    "listening_addresses",
    "process_tree",
    "tree_rss_mb",
    "wait_until_gone",
    "TF_SERVING_PREDICT_PATH",
    "TF_SERVING_STATUS_PATH",
    "DEFAULT_MAX_BATCH",
]

TF_SERVING_PREDICT_PATH = "/v1/models/{model}:predict"
TF_SERVING_STATUS_PATH = "/v1/models/{model}"
DEFAULT_MAX_BATCH = 64


# -- the server side: checking a request -----------------------------------------------


class RequestError(ValueError):
    """A request the server refuses: ``status`` is the HTTP status (4xx), ``message`` says why."""

    def __init__(self, status: int, message: str):
        if not 400 <= status < 500:
            raise ValueError(f"a RequestError is a client error (4xx), got {status}")
        super().__init__(message)
        self.status = status
        self.message = message


def _describe(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, (bytes, bytearray)) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_predict_body(
    body: bytes | bytearray | str | dict | list,
    *,
    instance_shape: Sequence[int],
    max_batch: int = DEFAULT_MAX_BATCH,
    value_range: tuple[float, float] | None = None,
) -> np.ndarray:
    """Check a predict request and return its instances as a ``float32`` array.

    ``body`` is the raw request body (bytes or str), or a JSON value some server already decoded
    (TorchServe decodes bodies sent as ``application/json``). The result has shape
    ``(batch, *instance_shape)``. Anything else raises :class:`RequestError`:

    * 400 body is empty, not UTF-8, not JSON, not an object, or has no ``instances`` list;
    * 400 ``instances`` is empty, ragged, has the wrong per-instance shape, holds something other
      than numbers (strings, booleans, null), holds NaN or infinity, or is out of ``value_range``;
    * 413 the batch has more than ``max_batch`` instances.
    """
    instance_shape = tuple(int(d) for d in instance_shape)
    example = f'{{"instances": [<{"x".join(map(str, instance_shape))} numbers>, ...]}}'
    payload = body
    if isinstance(body, (bytes, bytearray, str)):
        if isinstance(body, (bytes, bytearray)):
            try:
                body = bytes(body).decode("utf-8")
            except UnicodeDecodeError:
                raise RequestError(400, "the body is not UTF-8 text; send JSON like " + example) from None
        if not body.strip():
            raise RequestError(400, "the body is empty; send JSON like " + example)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as err:
            raise RequestError(400, f"the body is not valid JSON ({err}); send JSON like {example}") from None
    if not isinstance(payload, dict):
        raise RequestError(400, f"expected a JSON object like {example}, got {_describe(payload)}")
    if "instances" not in payload:
        if "inputs" in payload:
            raise RequestError(
                400,
                'this server takes the row format {"instances": [...]}; '
                'the columnar {"inputs": ...} format is not supported',
            )
        raise RequestError(400, f"missing key 'instances'; send JSON like {example}")
    instances = payload["instances"]
    if not isinstance(instances, list):
        raise RequestError(400, f"'instances' must be a list of instances, got {_describe(instances)}")
    if len(instances) == 0:
        raise RequestError(400, "empty batch: 'instances' has no instance")
    if len(instances) > max_batch:
        raise RequestError(413, f"batch too large: {len(instances)} instances, this server takes at most {max_batch}")
    try:
        array = np.asarray(instances)
    except (ValueError, TypeError, OverflowError, RecursionError):
        raise RequestError(
            400,
            f"wrong shape: the instances are ragged (nested lists of different lengths); each must be {instance_shape}",
        ) from None
    if array.dtype.kind == "b":
        raise RequestError(400, "wrong dtype: expected numbers, got booleans")
    if array.dtype.kind not in "iuf":
        kinds = sorted({type(v).__name__ if v is not None else "null" for v in _leaves(instances)} - {"int", "float"})
        got = ", ".join(kinds) or str(array.dtype)
        raise RequestError(400, f"wrong dtype: expected numbers, got {got}")
    if array.shape[1:] != instance_shape:
        raise RequestError(
            400, f"wrong shape: each instance must have shape {instance_shape}, got {tuple(array.shape[1:])}"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        array = array.astype(np.float32)
    if not np.isfinite(array).all():
        raise RequestError(400, "the instances contain NaN or infinity (or numbers too large for float32)")
    if value_range is not None:
        low, high = value_range
        if array.min() < low or array.max() > high:
            raise RequestError(
                400, f"values out of range: expected [{low:g}, {high:g}], got [{array.min():g}, {array.max():g}]"
            )
    return array


def _leaves(value: Any, limit: int = 10_000) -> Iterable[Any]:
    stack, seen = [value], 0
    while stack and seen < limit:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        else:
            seen += 1
            yield item


def malformed_requests(instance_shape: Sequence[int] = (8, 8), max_batch: int = DEFAULT_MAX_BATCH) -> dict[str, bytes]:
    """Bad request bodies, by name, that every server must answer with a 4xx and a message.

    The six the course requires (not JSON, wrong shape, wrong dtype, empty batch, oversized
    batch, NaN) and a few more a client really sends.
    """
    good = np.zeros(tuple(instance_shape), dtype=np.float32).tolist()
    wrong = np.zeros(tuple(d + 1 for d in instance_shape), dtype=np.float32).tolist()
    strings = np.full(tuple(instance_shape), "a", dtype=object).tolist()
    nan = np.zeros(tuple(instance_shape), dtype=np.float32).tolist()
    _set_first(nan, float("nan"))

    def dump(obj) -> bytes:
        return json.dumps(obj).encode()  # json writes NaN as the non-standard literal NaN

    return {
        "not JSON": b"this is not JSON",
        "wrong shape": dump({"instances": [wrong]}),
        "wrong dtype": dump({"instances": [strings]}),
        "empty batch": dump({"instances": []}),
        "oversized batch": dump({"instances": [good] * (max_batch + 1)}),
        "NaN": dump({"instances": [nan]}),
        "no 'instances' key": dump({"data": [good]}),
        "ragged": dump({"instances": [good, good[:-1]]}),
        "booleans": dump({"instances": [[[True] * instance_shape[-1]] * instance_shape[0]]}),
        "empty body": b"",
    }


def _set_first(nested: list, value: float) -> None:
    while isinstance(nested[0], list):
        nested = nested[0]
    nested[0] = value


# -- the client side ---------------------------------------------------------------------


class ServingError(RuntimeError):
    """A server answered with an error status; ``status`` and the server's ``message``."""

    def __init__(self, status: int, message: str):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class RestClient:
    """A client for one model behind the ``instances``/``predictions`` REST contract.

    ``predict_path`` and ``status_path`` default to TF Serving's URLs; TorchServe's are
    ``/predictions/{model}`` and ``/models/{model}`` (management port) or ``/ping``. The client
    sends its requests through one ``requests.Session`` (keep-alive, and a fresh connection when the server
    closed the old one, are the library's job).
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        predict_path: str = TF_SERVING_PREDICT_PATH,
        status_path: str | None = TF_SERVING_STATUS_PATH,
        timeout_s: float = 10.0,
    ):
        if not base_url.startswith("http://"):
            raise ValueError(f"base_url must look like http://host:port, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.predict_url = predict_path.format(model=model)
        self.status_url = status_path.format(model=model) if status_path else None
        self.timeout_s = timeout_s
        self._session: requests.Session | None = None

    def __repr__(self) -> str:
        return f"<RestClient {self.model} at {self.base_url}{self.predict_url}>"

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self) -> RestClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json"):
        """Send one request; return ``(status, decoded JSON or text)``. Connection errors and timeouts propagate
        (``requests.ConnectionError`` / ``requests.Timeout``, both ``OSError``)."""
        if self._session is None:
            self._session = requests.Session()
        headers = {"Content-Type": content_type} if body is not None else {}
        response = self._session.request(
            method, self.base_url + path, data=body, headers=headers, timeout=self.timeout_s
        )
        text = response.content.decode("utf-8", errors="replace")
        try:
            return response.status_code, json.loads(text)
        except ValueError:
            return response.status_code, text

    def post_raw(self, body: bytes, content_type: str = "application/json"):
        """POST any bytes to the predict URL; return ``(status, decoded answer)``."""
        return self.request("POST", self.predict_url, body, content_type)

    def predict(self, instances) -> np.ndarray:
        """Send ``instances`` (array-like, first axis = batch); return the predictions as ``float32``."""
        body = json.dumps({"instances": np.asarray(instances).tolist()}).encode()
        status, answer = self.post_raw(body)
        if status != 200:
            message = answer.get("error", answer) if isinstance(answer, dict) else answer
            raise ServingError(status, str(message))
        if not isinstance(answer, dict) or "predictions" not in answer:
            raise ServingError(status, f"the answer has no 'predictions': {str(answer)[:200]}")
        return np.asarray(answer["predictions"], dtype=np.float32)

    def status(self):
        """GET the model-status URL; return the decoded answer (raises :class:`ServingError` if not 200)."""
        if self.status_url is None:
            raise ValueError("this client has no status_path")
        status, answer = self.request("GET", self.status_url)
        if status != 200:
            raise ServingError(status, str(answer))
        return answer


# -- latency -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    """Latency percentiles and throughput of a burst of sequential requests."""

    label: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    #: the highest 1-minute load average seen during the burst, and the cores (utils.timing's rule)
    load_average: float | None = None
    cpu_count: int | None = None

    @property
    def req_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else math.inf

    @property
    def warning(self) -> str:
        """utils.timing's UNRELIABLE line when the machine was too busy, else ""."""
        return warning_line(self.label, load_reasons(self.load_average, self.cpu_count))


def burst(
    call: Callable[[], Any],
    *,
    label: str = "",
    requests: int = 300,
    max_seconds: float = 3.0,
    warmup: int = 10,
) -> Latency:
    """Call ``call()`` back to back, at most ``requests`` times and ``max_seconds`` long.

    ``warmup`` untimed calls come first (connections, lazy initialisation). Each call is timed
    alone; the result holds the 50th and 95th percentiles and the requests per second. Requests
    are sequential (one client): this measures latency, not a server's peak throughput under
    concurrency.
    """
    if requests < 20:
        raise ValueError("requests must be at least 20 for a 95th percentile to mean anything")
    if max_seconds <= 0:
        raise ValueError("max_seconds must be positive")
    loads = [load_average()]
    for _ in range(warmup):
        call()
    times = []
    started = time.perf_counter()
    deadline = started + max_seconds
    while len(times) < requests:
        t0 = time.perf_counter()
        call()
        t1 = time.perf_counter()
        times.append(t1 - t0)
        if t1 >= deadline:
            break
    total = time.perf_counter() - started
    loads = [x for x in (*loads, load_average()) if x is not None]
    p50, p95 = np.percentile(np.asarray(times) * 1e3, [50, 95])
    return Latency(
        label or getattr(call, "__name__", "call"),
        len(times),
        total,
        float(p50),
        float(p95),
        load_average=max(loads) if loads else None,
        cpu_count=os.cpu_count(),
    )


def latency_table(rows: Sequence[Latency], baseline: Latency | None = None) -> str:
    """A plain-text table of bursts: p50, p95, requests per second, and p50 relative to ``baseline``."""
    if not rows:
        raise ValueError("no latencies to tabulate")
    base = baseline or rows[0]
    width = max(len(r.label) for r in rows)
    lines = [f"{'server':<{width}}  {'requests':>8}  {'p50 ms':>7}  {'p95 ms':>7}  {'req/s':>7}  p50 vs {base.label}"]
    for r in rows:
        lines.append(
            f"{r.label:<{width}}  {r.requests:>8}  {r.p50_ms:>7.3f}  {r.p95_ms:>7.3f}  {r.req_per_s:>7.0f}  "
            f"{r.p50_ms / base.p50_ms:>6.2f}x"
        )
    return "\n".join(lines + [r.warning for r in rows if r.warning])


# -- artifacts and processes --------------------------------------------------------------


class UnsafeArtifactError(RuntimeError):
    """A saved model whose loading would run pickle (arbitrary code) on its content."""


def check_pt2_archive(path, *, label: str | None = None) -> list[str]:
    """Check that loading a ``torch.export`` ``.pt2`` file unpickles nothing; return what was checked.

    ``path`` is a file name or an open binary file; ``label`` names it in messages. This is a
    **heuristic for the archive layout of torch 2.13** (a list of the entries known to be unpickled),
    not a proof: a later torch that adds another pickled entry would get past it. For files from
    others prefer ONNX, or load the ``.pt2`` in a throwaway process.

    ``torch.export.load`` documents that it "uses pickle under the hood": weights and constants
    saved as tensor subclasses, custom objects and opaque objects are unpickled, and the sample
    inputs fall back to ``torch.load(weights_only=False)`` when the safe loader refuses them.
    This function reads the archive's JSON configs and refuses any such entry, and loads the
    sample inputs with ``weights_only=True`` itself. Raises :class:`UnsafeArtifactError`.
    """
    checked = []
    raw, path = path, (label if label is not None else path)  # read the zip from ``raw``, name ``path`` in messages
    try:
        archive = zipfile.ZipFile(raw)
    except (OSError, zipfile.BadZipFile) as err:
        raise UnsafeArtifactError(f"{path} is not a .pt2 archive: {err}") from None
    with archive:
        names = archive.namelist()
        configs = [n for n in names if n.endswith(("_weights_config.json", "_constants_config.json"))]
        if not any("/models/" in n and n.endswith(".json") for n in names):
            raise UnsafeArtifactError(f"{path} has no exported program (models/*.json)")
        for name in configs:
            config = json.loads(archive.read(name)).get("config", {})
            for fqn, meta in config.items():
                if meta.get("use_pickle"):
                    raise UnsafeArtifactError(f"{path}: entry {fqn!r} in {name.split('/')[-1]} is pickled")
                file = str(meta.get("path_name", ""))
                if not file.startswith(("weight_", "tensor_")) and file:
                    raise UnsafeArtifactError(
                        f"{path}: constant {fqn!r} is a custom object ({file}), loaded with pickle"
                    )
            checked.append(f"{name.split('/')[-1]}: {len(config)} entries, none pickled")
        samples = [n for n in names if "/sample_inputs/" in n]
        if samples:
            import torch

            for name in samples:
                try:
                    torch.load(io.BytesIO(archive.read(name)), weights_only=True)
                except Exception as err:  # the safe unpickler refused something
                    raise UnsafeArtifactError(
                        f"{path}: sample inputs {name.split('/')[-1]} need full pickle to load ({type(err).__name__})"
                    ) from None
                checked.append(f"{name.split('/')[-1]}: loads with weights_only=True")
    return checked


def load_checked_pt2(path):
    """Read a ``.pt2`` once, check that copy with :func:`check_pt2_archive`, and load that same copy.

    Returns ``(exported_program, checked)``. Checking and loading the bytes already read leaves no
    window in which the file could be swapped between the check and ``torch.export.load``.
    """
    import torch

    with open(path, "rb") as file:
        data = file.read()
    checked = check_pt2_archive(io.BytesIO(data), label=str(path))
    return torch.export.load(io.BytesIO(data)), checked
