"""pairs.deployment.serving: request checks, the REST client, bursts, artifact and process checks.

No model server is started here (tests/test_model_servers.py does that); the client is tested
against a tiny standard-library HTTP server, the Flask app through Flask's test client.
"""

from __future__ import annotations

import http.server
import io
import json
import subprocess
import sys
import threading
import time
import zipfile

import numpy as np
import pytest

from pairs.deployment.serving import (
    Latency,
    RequestError,
    RestClient,
    ServingError,
    UnsafeArtifactError,
    burst,
    check_pt2_archive,
    latency_table,
    listening_addresses,
    malformed_requests,
    parse_predict_body,
    process_tree,
    tree_rss_mb,
    wait_until_gone,
)
from utils.servers import free_port, port_is_open

SHAPE = (8, 8)


def body(obj) -> bytes:
    return json.dumps(obj).encode()


def good(n=2):
    return np.random.default_rng(0).random((n, *SHAPE)).tolist()


# -- parse_predict_body ------------------------------------------------------------------


def test_good_request_becomes_float32_batch():
    array = parse_predict_body(body({"instances": good(3)}), instance_shape=SHAPE)
    assert array.dtype == np.float32 and array.shape == (3, 8, 8)
    assert np.allclose(array, np.asarray(good(3), dtype=np.float32))


def test_accepts_str_and_already_decoded_json():
    assert parse_predict_body(json.dumps({"instances": good(1)}), instance_shape=SHAPE).shape == (1, 8, 8)
    assert parse_predict_body({"instances": good(1)}, instance_shape=SHAPE).shape == (
        1,
        8,
        8,
    )  # TorchServe decodes JSON
    ints = [[[1] * 8] * 8]  # JSON integers are numbers too
    assert parse_predict_body(body({"instances": ints}), instance_shape=SHAPE, value_range=None).dtype == np.float32


@pytest.mark.parametrize(
    "raw, status, words",
    [
        (b"", 400, "empty"),
        (b"   ", 400, "empty"),
        (b"\xff\xfe", 400, "UTF-8"),
        (b"{not json", 400, "not valid JSON"),
        (b"[" * 100_000, 400, "not valid JSON"),  # nesting bomb: RecursionError, not a crash
        (body([1, 2]), 400, "JSON object"),
        (body({"inputs": good(1)}), 400, "columnar"),
        (body({"data": good(1)}), 400, "missing key 'instances'"),
        (body({"instances": "abc"}), 400, "must be a list"),
        (body({"instances": []}), 400, "empty batch"),
        (body({"instances": good(65)}), 413, "at most 64"),
        (body({"instances": [np.zeros((9, 9)).tolist()]}), 400, "wrong shape"),
        (body({"instances": [np.zeros(64).tolist()]}), 400, "wrong shape"),
        (body({"instances": [good(1)[0], good(1)[0][:-1]]}), 400, "ragged"),
        (body({"instances": [[["0.5"] * 8] * 8]}), 400, "wrong dtype"),
        (body({"instances": [[[None] * 8] * 8]}), 400, "null"),
        (body({"instances": [[[True] * 8] * 8]}), 400, "booleans"),
        (body({"instances": [[[1e39] * 8] * 8]}), 400, "NaN or infinity"),  # overflows float32
        (b'{"instances": [[[NaN, 0, 0, 0, 0, 0, 0, 0]]]}', 400, None),  # NaN, and the wrong shape too
        (body({"instances": [[[2.0] * 8] * 8]}), 400, "out of range"),
        (body({"instances": [[[-0.1] * 8] * 8]}), 400, "out of range"),
    ],
)
def test_bad_requests_raise_4xx_with_a_message(raw, status, words):
    with pytest.raises(RequestError) as info:
        parse_predict_body(raw, instance_shape=SHAPE, max_batch=64, value_range=(0.0, 1.0))
    assert info.value.status == status
    if words:
        assert words in info.value.message
    assert len(info.value.message) > 15  # a sentence, not a code


def test_nan_alone_is_refused():
    nan = np.zeros(SHAPE).tolist()
    nan[3][4] = float("nan")
    with pytest.raises(RequestError, match="NaN"):
        parse_predict_body(json.dumps({"instances": [nan]}), instance_shape=SHAPE)
    inf = np.zeros(SHAPE).tolist()
    inf[0][0] = float("inf")
    with pytest.raises(RequestError, match="infinity"):
        parse_predict_body(json.dumps({"instances": [inf]}), instance_shape=SHAPE, value_range=None)


def test_value_range_is_optional_and_batch_limit_configurable():
    big = [[[5.0] * 8] * 8]
    assert parse_predict_body(body({"instances": big}), instance_shape=SHAPE, value_range=None).max() == 5.0
    with pytest.raises(RequestError) as info:
        parse_predict_body(body({"instances": good(3)}), instance_shape=SHAPE, max_batch=2)
    assert info.value.status == 413


def test_request_error_must_be_a_client_error():
    with pytest.raises(ValueError):
        RequestError(500, "a server error is not the client's fault")
    assert RequestError(404, "x").status == 404


def test_malformed_catalogue_covers_the_required_cases_and_all_fail():
    bad = malformed_requests(SHAPE, max_batch=64)
    for required in ("not JSON", "wrong shape", "wrong dtype", "empty batch", "oversized batch", "NaN"):
        assert required in bad
    for kind, raw in bad.items():
        with pytest.raises(RequestError) as info:
            parse_predict_body(raw, instance_shape=SHAPE, max_batch=64)
        assert 400 <= info.value.status < 500, kind
    assert b"NaN" in bad["NaN"]
    assert len(json.loads(bad["oversized batch"])["instances"]) == 65


# -- RestClient --------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real servers

    def log_message(self, *args):
        pass

    def _send(self, status, payload, content_type="application/json", close=False):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        if close:  # says so, as HTTP/1.1 asks: a silent close races the client's next request on the old socket
            self.send_header("Connection", "close")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/v1/models/m":
            self._send(200, {"model_version_status": [{"version": "1", "state": "AVAILABLE"}]})
        else:
            self._send(404, {"error": "no such model"})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/v1/models/m:predict":
            try:
                instances = np.asarray(json.loads(raw)["instances"], dtype=np.float32)
            except (ValueError, KeyError):
                self._send(400, {"error": "bad request body"})
                return
            self._send(200, {"predictions": instances.reshape(len(instances), -1).sum(1, keepdims=True).tolist()})
        elif self.path == "/v1/models/text:predict":
            self._send(200, b"plain text", "text/plain")
        elif self.path == "/v1/models/close:predict":
            self._send(200, {"predictions": [[1.0]]}, close=True)
        else:
            self._send(404, {"error": "no such model"})


@pytest.fixture(scope="module")
def http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_client_predict_status_and_errors(http_server):
    with RestClient(http_server, "m") as client:
        out = client.predict(np.ones((3, 2, 2)))
        assert out.dtype == np.float32 and out.tolist() == [[4.0], [4.0], [4.0]]
        assert client.status()["model_version_status"][0]["state"] == "AVAILABLE"
        status, answer = client.post_raw(b"junk")
        assert status == 400 and answer == {"error": "bad request body"}
        for _ in range(20):  # the same kept-alive connection serves many requests
            client.predict(np.zeros((1, 2, 2)))
    with RestClient(http_server, "nope") as missing:
        with pytest.raises(ServingError) as info:
            missing.predict(np.zeros((1, 2, 2)))
        assert info.value.status == 404 and "no such model" in info.value.message
        with pytest.raises(ServingError):
            missing.status()


def test_client_handles_text_answers_and_closed_connections(http_server):
    with RestClient(http_server, "text") as client:
        assert client.post_raw(b"{}") == (200, "plain text")
        with pytest.raises(ServingError, match="no 'predictions'"):
            client.predict(np.zeros((1, 1)))
    with RestClient(http_server, "close") as client:
        for _ in range(3):  # the server closes after each answer; the client reconnects
            assert client.predict(np.zeros((1, 1))).tolist() == [[1.0]]


def test_client_paths_are_configurable():
    client = RestClient("http://127.0.0.1:8080", "digits", predict_path="/predictions/{model}", status_path="/ping")
    assert client.predict_url == "/predictions/digits" and client.status_url == "/ping"
    assert "digits" in repr(client)
    with pytest.raises(ValueError):
        RestClient("127.0.0.1:8080", "digits")


# -- burst and the latency table -----------------------------------------------------------


def test_burst_is_bounded_by_count_and_time():
    calls = []
    result = burst(lambda: calls.append(1), requests=50, max_seconds=10, warmup=5)
    assert result.requests == 50 and len(calls) == 55
    slow = burst(lambda: time.sleep(0.01), requests=10_000, max_seconds=0.3, warmup=1, label="slow")
    assert 5 <= slow.requests < 100 and slow.seconds < 2
    assert slow.label == "slow" and 0 < slow.p50_ms <= slow.p95_ms
    assert slow.p50_ms >= 9  # each call sleeps 10 ms
    assert slow.req_per_s == pytest.approx(slow.requests / slow.seconds)
    with pytest.raises(ValueError):
        burst(lambda: None, requests=5)
    with pytest.raises(ValueError):
        burst(lambda: None, max_seconds=0)


def test_latency_table():
    rows = [Latency("fast", 100, 0.1, 1.0, 2.0), Latency("slower", 100, 0.4, 4.0, 8.0)]
    table = latency_table(rows)
    lines = table.splitlines()
    assert len(lines) == 3 and "p50 ms" in lines[0] and "fast" in lines[1]
    assert "4.00x" in lines[2] and "1000" in lines[1] and "1.000" in lines[1]  # 100 requests in 0.1 s
    with pytest.raises(ValueError):
        latency_table([])


# -- check_pt2_archive ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pt2_file(tmp_path_factory):
    import torch

    path = tmp_path_factory.mktemp("pt2") / "linear.pt2"
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 3)).eval()
    program = torch.export.export(model, (torch.zeros(2, 8, 8),))
    torch.export.save(program, path)
    return path


def _rewrite(src, dst, replace):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            for suffix, new in replace.items():
                if item.filename.endswith(suffix):
                    data = new(data)
            zout.writestr(item, data)


class _NotATensor:
    pass


def test_pt2_check_accepts_a_plain_export(pt2_file):
    checked = check_pt2_archive(pt2_file)
    assert any("none pickled" in line for line in checked)
    assert any("weights_only=True" in line for line in checked)


def test_pt2_check_refuses_pickled_sample_inputs(pt2_file, tmp_path):
    import torch

    payload = io.BytesIO()
    torch.save({"x": _NotATensor()}, payload)
    bad = tmp_path / "bad_samples.pt2"
    _rewrite(pt2_file, bad, {"sample_inputs/model.pt": lambda _: payload.getvalue()})
    with pytest.raises(UnsafeArtifactError, match="sample inputs"):
        check_pt2_archive(bad)


def test_pt2_check_refuses_pickled_weights_and_custom_objects(pt2_file, tmp_path):
    def pickled(data):
        config = json.loads(data)
        first = next(iter(config["config"]))
        config["config"][first]["use_pickle"] = True
        return json.dumps(config).encode()

    bad = tmp_path / "bad_weights.pt2"
    _rewrite(pt2_file, bad, {"_weights_config.json": pickled})
    with pytest.raises(UnsafeArtifactError, match="pickled"):
        check_pt2_archive(bad)

    def custom(data):
        return json.dumps({"config": {"obj": {"path_name": "custom_obj_0", "use_pickle": False}}}).encode()

    bad2 = tmp_path / "bad_constants.pt2"
    _rewrite(pt2_file, bad2, {"_constants_config.json": custom})
    with pytest.raises(UnsafeArtifactError, match="custom object"):
        check_pt2_archive(bad2)


def test_pt2_check_refuses_non_archives(tmp_path):
    junk = tmp_path / "junk.pt2"
    junk.write_bytes(b"not a zip")
    with pytest.raises(UnsafeArtifactError, match="not a .pt2 archive"):
        check_pt2_archive(junk)
    empty = tmp_path / "empty.pt2"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("archive/readme.txt", "nothing")
    with pytest.raises(UnsafeArtifactError, match="no exported program"):
        check_pt2_archive(empty)


# -- processes -------------------------------------------------------------------------------


def test_listening_addresses_tree_memory_and_wait_until_gone():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not port_is_open(port) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listening_addresses(proc.pid) == [f"127.0.0.1:{port}"]
        tree = process_tree(proc.pid)
        assert [p.pid for p in tree] == [proc.pid]
        assert tree_rss_mb(proc.pid) > 5
    finally:
        proc.terminate()
    assert wait_until_gone(tree, timeout_s=10) == []
    proc.wait()
    assert process_tree(proc.pid) == [] and listening_addresses(proc.pid) == [] and tree_rss_mb(proc.pid) == 0


def test_wait_until_gone_reports_survivors():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        left = wait_until_gone(process_tree(proc.pid), timeout_s=0.3)
        assert [p.pid for p in left] == [proc.pid]
    finally:
        proc.kill()
        proc.wait()
