"""The deployment pair's servers that are not the course's Flask code path: LitServe, waitress, ExecuTorch.

* LitServe (``notebooks/pairs/deployment/litserve_server.py``) serves a ``torch.export`` program and an ONNX file
  with the in-process predictions, refuses every malformed request with a JSON 4xx, listens on 127.0.0.1 only,
  and leaves no process or port behind.
* The course's Flask app (``notebooks/pairs/deployment/model_server.py``) runs under waitress, not Werkzeug's
  development server.
* ``load_checked_pt2`` refuses a tampered archive (the check and the load read the same bytes).
* ExecuTorch lowers an exported program to ``.pte`` and its runtime gives the eager predictions.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import urllib.request
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from pairs.deployment.serving import (
    RestClient,
    UnsafeArtifactError,
    listening_addresses,
    load_checked_pt2,
    malformed_requests,
    process_tree,
    wait_until_gone,
)
from utils.servers import BackgroundServer, free_port, port_is_open

ROOT = Path(__file__).resolve().parent.parent
ENV: dict[str, str] = {}  # the servers run with this Python, where the course is installed (pip install -e .)


class NotATensor:
    """An object ``torch.load(weights_only=True)`` refuses: loading it would need full pickle."""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A small digits-shaped model (random weights), its inputs, eager outputs, and its .pt2 and .onnx files."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).eval()
    x = torch.rand(64, 8, 8)
    with torch.inference_mode():
        reference = model(x).numpy()
    folder = tmp_path_factory.mktemp("deployment")
    batch = torch.export.Dim("batch", min=1, max=1024)
    program = torch.export.export(model, (x[:2],), dynamic_shapes={"input": {0: batch}})
    torch.export.save(program, folder / "digits.pt2")
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        onnx_program = torch.onnx.export(
            model, (x[:2],), dynamo=True, input_names=["pixels"], dynamic_shapes={"input": {0: "batch"}}, verbose=False
        )
    onnx_program.save(str(folder / "digits.onnx"), external_data=False)
    return {"model": model, "program": program, "x": x, "reference": reference, "folder": folder}


@pytest.mark.parametrize("artifact", ["digits.pt2", "digits.onnx"])
def test_litserve_serves_in_process_predictions_refuses_bad_input_and_leaves_nothing(exported, artifact, tmp_path):
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "pairs.deployment.litserve_server",
        "--port",
        str(port),
        "--model",
        str(exported["folder"] / artifact),
    ]
    with BackgroundServer(
        cmd, port, ready_path="/health", env=ENV, timeout_s=90, name="litserve", log_path=tmp_path / "litserve.log"
    ) as server:
        assert listening_addresses(server.process.pid) == [f"127.0.0.1:{port}"]
        with RestClient(server.url, "digits", status_path="/health") as client:
            served = client.predict(exported["x"].numpy())
            assert np.abs(served - exported["reference"]).max() < 1e-4
            for kind, body in malformed_requests().items():
                status, answer = client.post_raw(body)
                assert 400 <= status < 500, (kind, status, answer)
                assert isinstance(answer, dict) and answer.get("error"), (kind, answer)
            # still answering after every refusal
            assert np.abs(client.predict(exported["x"].numpy()[:3]) - exported["reference"][:3]).max() < 1e-4
        tree = process_tree(server.process.pid)
        assert len(tree) >= 2, "LitServe runs the model in a worker process of its own"
    assert wait_until_gone(tree, timeout_s=20) == []
    assert not port_is_open(port)


def test_flask_model_server_runs_under_waitress_not_the_development_server(exported, tmp_path):
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "pairs.deployment.model_server",
        "--port",
        str(port),
        "--model",
        f"digits=onnx:{exported['folder'] / 'digits.onnx'}",
    ]
    with BackgroundServer(
        cmd,
        port,
        ready_path="/v1/models/digits",
        env=ENV,
        timeout_s=60,
        name="model_server",
        log_path=tmp_path / "model_server.log",
    ) as server:
        with urllib.request.urlopen(f"{server.url}/v1/models/digits") as answer:
            assert answer.headers["Server"] == "waitress"
            assert json.loads(answer.read())["model_version_status"][0]["state"] == "AVAILABLE"
        assert listening_addresses(server.process.pid) == [f"127.0.0.1:{port}"]
    log = (tmp_path / "model_server.log").read_text()
    assert "with waitress" in log and "development server" not in log.lower(), log


def test_load_checked_pt2_refuses_a_tampered_archive_and_loads_a_clean_one(exported, tmp_path):
    program, checked = load_checked_pt2(exported["folder"] / "digits.pt2")
    with torch.inference_mode():
        assert np.abs(program.module()(exported["x"]).numpy() - exported["reference"]).max() < 1e-4
    assert any("none pickled" in line for line in checked)

    payload = io.BytesIO()
    torch.save({"surprise": NotATensor()}, payload)
    tampered = tmp_path / "tampered.pt2"
    with zipfile.ZipFile(exported["folder"] / "digits.pt2") as src, zipfile.ZipFile(tampered, "w") as dst:
        replaced = False
        for item in src.infolist():
            if item.filename.endswith("sample_inputs/model.pt"):
                dst.writestr(item, payload.getvalue())
                replaced = True
            else:
                dst.writestr(item, src.read(item))
    assert replaced, "the archive layout changed: no sample_inputs/model.pt to tamper with"
    with pytest.raises(UnsafeArtifactError, match="tampered.pt2.*pickle"):
        load_checked_pt2(tampered)


def test_executorch_pte_gives_the_eager_predictions(exported, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from executorch.exir import to_edge_transform_and_lower
        from executorch.runtime import Runtime

        program = torch.export.export(
            exported["model"],
            (exported["x"][:2],),
            dynamic_shapes={"input": {0: torch.export.Dim("batch", min=1, max=1024)}},
        )
        (tmp_path / "digits.pte").write_bytes(to_edge_transform_and_lower(program).to_executorch().buffer)
    forward = Runtime.get().load_program(str(tmp_path / "digits.pte")).load_method("forward")
    out = forward.execute([exported["x"]])[0].numpy()
    assert out.shape == exported["reference"].shape
    assert np.abs(out - exported["reference"]).max() < 1e-4
