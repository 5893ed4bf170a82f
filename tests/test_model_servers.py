"""Integration tests: every model server of the deployment pair, started for real on 127.0.0.1.

* ``pairs.deployment.model_server`` serving the four backends (eager PyTorch, ``torch.export``, ONNX Runtime,
  TensorFlow SavedModel) from one process, and TorchServe with ``notebooks/pairs/deployment/torchserve_handler.py``:
  each must give the in-process predictions, answer every malformed request of
  ``pairs.deployment.serving.malformed_requests`` (not JSON, wrong shape, wrong dtype, empty batch, oversized
  batch, NaN, ...) with a 4xx and a readable message, never a 5xx, and keep answering good requests.
* Every server listens on 127.0.0.1 only, and when it is stopped every process of it (TorchServe's
  JVM and Python worker included) is gone and its ports are closed.
* A notebook that starts servers and then fails in a later cell leaves nothing behind once its
  kernel shuts down (``BackgroundServer``'s atexit hook), checked by process id and port.

The models are untrained (random weights, fixed seed): these tests are about serving, not accuracy.
The SavedModel is written by a subprocess so that this test process never imports TensorFlow.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from pairs.deployment.serving import RestClient, listening_addresses, malformed_requests, process_tree, wait_until_gone
from utils.machine import INSTALL_HINTS, find_java
from utils.servers import BackgroundServer, free_port, port_is_open

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
MODELS = ("eager", "pt2", "onnx", "savedmodel")

SAVEDMODEL_SCRIPT = """
import sys
import numpy as np, keras, tensorflow as tf
weights = np.load(sys.argv[1])
inputs = keras.Input((8, 8), name="pixels")
hidden = keras.layers.Dense(64, activation="relu")
out = keras.layers.Dense(10)
model = keras.Model(inputs, out(hidden(keras.layers.Flatten()(inputs))))
hidden.set_weights([weights["hidden.weight"].T, weights["hidden.bias"]])
out.set_weights([weights["out.weight"].T, weights["out.bias"]])
archive = keras.export.ExportArchive()
archive.track(model)
archive.add_endpoint("serving_default", lambda pixels: {"logits": model(pixels, training=False)},
                     input_signature=[tf.TensorSpec([None, 8, 8], tf.float32, name="pixels")])
archive.write_out(sys.argv[2], verbose=False)
"""


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    """The same random DigitsNet as a state_dict, a .pt2, an ONNX file and a SavedModel (version 1)."""
    import torch

    folder = tmp_path_factory.mktemp("deploy_models")
    from pairs.deployment.digits_net import DigitsNet  # the class 07_deployment_pytorch writes (tools/export_cells.py)

    torch.manual_seed(0)
    model = DigitsNet().eval()
    x = torch.rand(6, 8, 8)
    torch.save(model.state_dict(), folder / "digits.pt")
    batch = torch.export.Dim("batch", min=1, max=1024)
    torch.export.save(torch.export.export(model, (x[:2],), dynamic_shapes={"x": {0: batch}}), folder / "digits.pt2")
    onnx_program = torch.onnx.export(
        model, (x[:2],), dynamo=True, input_names=["pixels"], dynamic_shapes={"x": {0: "batch"}}, verbose=False
    )
    onnx_program.save(str(folder / "digits.onnx"), external_data=False)
    np.savez(folder / "weights.npz", **{k: v.numpy() for k, v in model.state_dict().items()})
    subprocess.run(
        [sys.executable, "-c", SAVEDMODEL_SCRIPT, str(folder / "weights.npz"), str(folder / "savedmodel" / "1")],
        check=True,
        env={**os.environ, **ENV},
        capture_output=True,
    )
    with torch.inference_mode():
        expected = model(x).numpy()
    return SimpleNamespace(folder=folder, x=x.numpy(), expected=expected)


def _stop_and_check_gone(server: BackgroundServer, ports: list[int]) -> None:
    tree = process_tree(server.process.pid)
    server.stop()
    left = wait_until_gone(tree, timeout_s=20)
    for proc in left:  # never leave our own processes behind, even when the assertion fails
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert not left, f"processes still alive after stop: {[(p.pid, p.name()) for p in left]}"
    assert not [p for p in ports if port_is_open(p)], "a port is still open after stop"


@pytest.fixture(scope="module")
def model_server(artifacts):
    """pairs.deployment.model_server with the four backends in one process."""
    port = free_port()
    f = artifacts.folder
    cmd = [
        sys.executable,
        "-m",
        "pairs.deployment.model_server",
        "--port",
        str(port),
        "--model",
        f"eager=torch:{f / 'digits.pt'}",
        "--torch-class",
        "pairs.deployment.digits_net:DigitsNet",
        "--model",
        f"pt2=torch_export:{f / 'digits.pt2'}",
        "--model",
        f"onnx=onnx:{f / 'digits.onnx'}",
        "--model",
        f"savedmodel=savedmodel:{f / 'savedmodel'}",
    ]
    server = BackgroundServer(
        cmd, port, ready_path="/v1/models/eager", env=ENV, timeout_s=180, name="model_server", log_path=f / "server.log"
    )
    server.start()
    try:
        yield server
    finally:
        _stop_and_check_gone(server, [port])


@pytest.mark.parametrize("name", MODELS)
def test_each_backend_serves_the_in_process_predictions(model_server, artifacts, name):
    with RestClient(model_server.url, name) as client:
        status = client.status()["model_version_status"][0]
        assert status["state"] == "AVAILABLE" and status["version"] == "1"
        served = client.predict(artifacts.x)
    assert served.shape == (6, 10)
    assert np.abs(served - artifacts.expected).max() < 1e-4


@pytest.mark.parametrize("name", MODELS)
def test_malformed_requests_get_4xx_and_the_server_keeps_answering(model_server, artifacts, name):
    with RestClient(model_server.url, name) as client:
        for kind, body in malformed_requests().items():
            status, answer = client.post_raw(body)
            assert 400 <= status < 500, (name, kind, status, answer)
            assert isinstance(answer, dict) and isinstance(answer.get("error"), str), (name, kind, answer)
            assert len(answer["error"]) > 15, (name, kind, answer)  # a readable sentence
        # the same garbage with a form content type, as `curl -d` sends it
        status, answer = client.post_raw(b"this is not JSON", "application/x-www-form-urlencoded")
        assert status == 400 and "JSON" in answer["error"]
        assert np.abs(client.predict(artifacts.x[:2]) - artifacts.expected[:2]).max() < 1e-4


def test_http_level_errors_are_json_4xx(model_server):
    with RestClient(model_server.url, "eager") as client:
        status, answer = client.request("GET", "/v1/models/nope")
        assert status == 404 and "not served here" in answer["error"]
        status, answer = client.request("POST", "/v1/models/nope:predict", b"{}")
        assert status == 404 and "not served here" in answer["error"]
        status, answer = client.request("GET", "/no/such/path")
        assert status == 404 and "error" in answer
        status, answer = client.request("DELETE", "/v1/models/eager")
        assert status == 405 and "DELETE" in answer["error"]
        status, answer = client.request("POST", "/v1/models/eager:predict", b"[" * (2 << 20))
        assert status == 413 and "larger than" in answer["error"]
    with RestClient(model_server.url, "eager") as client:  # a fresh connection after the 413
        meta = client.request("GET", "/v1/models/eager/metadata")[1]["metadata"]
        assert meta["backend"] == "torch" and meta["instance_shape"] == [8, 8] and meta["max_batch"] == 64


def test_concurrent_good_and_bad_requests_never_5xx(model_server, artifacts):
    statuses, bad = [], list(malformed_requests().values())

    def worker(name):
        with RestClient(model_server.url, name) as client:
            for i in range(20):
                body = bad[i % len(bad)] if i % 2 else json.dumps({"instances": artifacts.x[:1].tolist()}).encode()
                statuses.append(client.post_raw(body)[0])

    threads = [threading.Thread(target=worker, args=(name,)) for name in MODELS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(statuses) == 20 * len(MODELS)
    assert all(s < 500 for s in statuses) and statuses.count(200) == 10 * len(MODELS)


def test_model_server_listens_on_localhost_only(model_server):
    addresses = listening_addresses(model_server.process.pid)
    assert addresses == [f"127.0.0.1:{model_server.port}"]


def test_model_server_refuses_bad_configuration(artifacts, tmp_path):
    """A server that cannot load its model must fail at start-up, loudly, not serve errors later."""
    from pairs.deployment.model_server import load_model

    with pytest.raises(ValueError, match="--torch-class"):
        load_model("m", "torch", artifacts.folder / "digits.pt")
    with pytest.raises(ValueError, match="unknown backend"):
        load_model("m", "pickle", artifacts.folder / "digits.pt")
    with pytest.raises(FileNotFoundError):
        load_model("m", "onnx", tmp_path / "missing.onnx")
    with pytest.raises(ValueError, match="shape"):
        load_model("m", "onnx", artifacts.folder / "digits.onnx", instance_shape=(4, 4))
    whole = tmp_path / "whole.pt"
    import torch

    torch.save(torch.nn.Linear(2, 2), whole)  # a pickled module, not a state_dict
    with pytest.raises(Exception, match="Weights only load failed"):
        load_model("m", "torch", whole, torch_class="torch.nn:Identity")


# -- TorchServe ---------------------------------------------------------------------------------


def _torchserve_missing() -> str | None:
    """What TorchServe lacks on this machine, with the fix; None when it can run.

    Missing pieces fail the TorchServe tests instead of skipping them (as in tests/test_browser.py): a test
    that skips is a test that never runs. `make test` installs Java as root and says what to run otherwise.
    """
    if not ((BIN / "torchserve").exists() and (BIN / "torch-model-archiver").exists()):
        return (
            "the torchserve / torch-model-archiver packages are not installed in this Python: "
            "pip install -c requirements-lock.txt torchserve==0.12.0 torch-model-archiver==0.12.0 (make venv does)"
        )
    if find_java(17) is None:  # the Java TorchServe would start: $JAVA_HOME/bin/java, else java on PATH
        return f"its front end needs Java 17 or newer: {INSTALL_HINTS['java']} (make test does this when run as root)"
    return None


def _require_torchserve() -> None:
    missing = _torchserve_missing()
    if missing:
        pytest.fail(f"TorchServe cannot run here: {missing}")


def _torchserve_setup(work: Path, pt2: Path):
    """Archive ``pt2`` with the course's handler; write a config binding every port to 127.0.0.1."""
    store = work / "model_store"
    store.mkdir(parents=True)
    (work / "tmp").mkdir()
    subprocess.run(
        [
            BIN / "torch-model-archiver",
            "--model-name",
            "digits",
            "--version",
            "1.0",
            "--serialized-file",
            pt2,
            "--handler",
            ROOT / "notebooks" / "pairs" / "deployment" / "torchserve_handler.py",
            "--export-path",
            store,
        ],
        check=True,
    )
    ports = {k: free_port() for k in ("inference", "management", "metrics", "grpc_inference", "grpc_management")}
    (work / "config.properties").write_text(
        textwrap.dedent(
            f"""\
            inference_address=http://127.0.0.1:{ports["inference"]}
            management_address=http://127.0.0.1:{ports["management"]}
            metrics_address=http://127.0.0.1:{ports["metrics"]}
            grpc_inference_address=127.0.0.1
            grpc_inference_port={ports["grpc_inference"]}
            grpc_management_address=127.0.0.1
            grpc_management_port={ports["grpc_management"]}
            model_store={store}
            load_models=digits.mar
            default_workers_per_model=1
            disable_system_metrics=true
            install_py_dep_per_model=false
            vmargs=-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
            """
        )
    )
    cmd = [
        str(BIN / "torchserve"),
        "--start",
        "--foreground",
        "--ncs",
        "--disable-token-auth",
        "--model-store",
        str(store),
        "--ts-config",
        str(work / "config.properties"),
    ]
    env = {**ENV, "TMPDIR": str(work / "tmp"), "TEMP": str(work / "tmp")}
    return cmd, env, ports


@pytest.fixture(scope="module")
def torchserve(artifacts, tmp_path_factory):
    _require_torchserve()
    work = tmp_path_factory.mktemp("torchserve")
    cmd, env, ports = _torchserve_setup(work, artifacts.folder / "digits.pt2")
    server = BackgroundServer(
        cmd,
        ports["inference"],
        ready_path="/ping",
        env=env,
        cwd=work,
        timeout_s=120,
        name="torchserve",
        log_path=work / "torchserve.log",
    )
    server.start()
    try:
        client = RestClient(server.url, "digits", predict_path="/predictions/{model}", status_path="/ping")
        deadline = time.monotonic() + 120
        while True:
            try:
                if client.post_raw(json.dumps({"instances": artifacts.x[:1].tolist()}).encode())[0] == 200:
                    break
            except OSError:  # the first request may outlast the client's timeout while the worker starts
                pass
            assert time.monotonic() < deadline, f"TorchServe did not load the model:\n{server.log_tail(40)}"
            time.sleep(0.3)
        client.close()
        yield SimpleNamespace(server=server, ports=ports)
    finally:
        _stop_and_check_gone(server, list(ports.values()))


def test_torchserve_serves_in_process_predictions_and_refuses_bad_input(torchserve, artifacts):
    with RestClient(
        torchserve.server.url, "digits", predict_path="/predictions/{model}", status_path="/ping"
    ) as client:
        assert client.status() == {"status": "Healthy"}
        assert np.abs(client.predict(artifacts.x) - artifacts.expected).max() < 1e-4
        for kind, body in malformed_requests().items():
            status, answer = client.post_raw(body)
            assert 400 <= status < 500, (kind, status, answer)
            assert isinstance(answer, dict) and len(answer.get("error", "")) > 15, (kind, answer)
        for content_type in ("application/x-www-form-urlencoded", "text/plain"):
            status, answer = client.post_raw(b"this is not JSON", content_type)
            assert 400 <= status < 500, (content_type, status, answer)
        assert np.abs(client.predict(artifacts.x[:2]) - artifacts.expected[:2]).max() < 1e-4


def test_torchserve_binds_every_port_to_localhost(torchserve):
    addresses = listening_addresses(torchserve.server.process.pid)
    assert sorted(addresses) == sorted(f"127.0.0.1:{p}" for p in torchserve.ports.values())


# -- nothing left behind after a failing notebook ---------------------------------------------------


def test_servers_are_gone_after_a_notebook_cell_fails(artifacts, tmp_path):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    record = tmp_path / "started.json"
    start_servers = f"""
import sys, json, pathlib
from utils.servers import BackgroundServer, free_port
from pairs.deployment.serving import process_tree
port = free_port()
# started without a with block, as a learner might: only the kernel's exit can stop it
server = BackgroundServer([sys.executable, "-m", "pairs.deployment.model_server", "--port", str(port),
                           "--model", "onnx=onnx:{artifacts.folder / "digits.onnx"}"],
                          port, ready_path="/v1/models/onnx",
                          log_path={str(tmp_path / "server.log")!r}).start()
started = {{"ports": [port], "pids": [p.pid for p in process_tree(server.process.pid)]}}
pathlib.Path({str(record)!r}).write_text(json.dumps(started))
"""
    cells = [start_servers]
    torchserve_missing = _torchserve_missing()  # the Flask half runs anyway; the test fails at its end
    if torchserve_missing is None:
        cmd, env, ports = _torchserve_setup(tmp_path / "ts", artifacts.folder / "digits.pt2")
        cells.append(f"""
ts = BackgroundServer({cmd!r}, {ports["inference"]}, ready_path="/ping", env={env!r},
                      cwd={str(tmp_path / "ts")!r}, timeout_s=120,
                      log_path={str(tmp_path / "ts" / "torchserve.log")!r}).start()
import time, urllib.request
deadline = time.monotonic() + 120
while time.monotonic() < deadline:  # wait for the Python worker, so that its pid is recorded too
    try:
        request = urllib.request.Request(ts.url + "/predictions/digits",
                                         data={json.dumps({"instances": [[[0.0] * 8] * 8]})!r}.encode(),
                                         headers={{"Content-Type": "application/json"}})
        urllib.request.urlopen(request, timeout=5).read()
        break
    except OSError:
        time.sleep(0.3)
started["ports"] += {list(ports.values())!r}
started["pids"] += [p.pid for p in process_tree(ts.process.pid)]
pathlib.Path({str(record)!r}).write_text(json.dumps(started))
""")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells] + [
        nbformat.v4.new_code_cell("raise RuntimeError('a later cell fails')"),
        nbformat.v4.new_code_cell("print('never runs')"),
    ]
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError, match="a later cell fails"):
        client.execute()  # the kernel is shut down when execute() returns, failed or not
    started = json.loads(record.read_text())
    import psutil

    procs = []
    for pid in started["pids"]:
        try:
            procs.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    left = wait_until_gone(procs, timeout_s=20)
    for proc in left:
        os.kill(proc.pid, signal.SIGKILL)
    assert not left, "a server outlived the kernel that started it"
    assert not [p for p in started["ports"] if port_is_open(p)]
    if torchserve_missing:
        pytest.fail(f"the TorchServe half of this test did not run: {torchserve_missing}")
