"""A TorchServe custom handler that serves a ``torch.export`` program with the course's REST contract.

Packed into a model archive with::

    torch-model-archiver --model-name digits --version 1.0 --serialized-file digits.pt2 \\
        --handler notebooks/pairs/deployment/torchserve_handler.py --export-path model_store

TorchServe then answers ``POST /predictions/digits`` with the same JSON as TF Serving:
``{"instances": [...]}`` -> ``{"predictions": [...]}``, and a 4xx with ``{"error": "..."}`` for
a bad request (the checks of :func:`pairs.deployment.serving.parse_predict_body`). The worker process must
be able to import ``utils`` (the notebook puts the repository on ``PYTHONPATH``).

A handler is Python code that the server runs: a ``.mar`` file from someone else is a program,
not data. This one loads the ``.pt2`` only after :func:`pairs.deployment.serving.check_pt2_archive` found
nothing in it that would be unpickled.
"""

from __future__ import annotations

import json
import os

from pairs.deployment.serving import DEFAULT_MAX_BATCH, RequestError, load_checked_pt2, parse_predict_body

INSTANCE_SHAPE = (8, 8)
VALUE_RANGE = (0.0, 1.0)


class ExportedProgramHandler:
    """Loads ``serializedFile`` (a ``.pt2``) once per worker; answers each request of a batch separately."""

    def __init__(self):
        self.module = None
        self.torch = None

    def initialize(self, context) -> None:
        import torch

        torch.set_num_threads(1)
        model_dir = context.system_properties["model_dir"]
        path = os.path.realpath(os.path.join(model_dir, context.manifest["model"]["serializedFile"]))
        if not path.startswith(os.path.realpath(model_dir) + os.sep):  # no "../" out of the unpacked archive
            raise ValueError(f"serializedFile points outside the model directory: {path}")
        exported, _ = load_checked_pt2(path)  # checked, then loaded from the same bytes
        self.module = exported.module()
        self.torch = torch

    def _one(self, row) -> tuple[int, dict]:
        if not isinstance(row, dict):
            return 400, {"error": "empty request"}
        # TorchServe hands over the body as "body" or "data": bytes, or already-decoded JSON
        # when the client sent Content-Type: application/json (and bytes if that JSON was invalid).
        body = row.get("body", row.get("data"))
        if body is None:
            return 400, {"error": 'no request body: POST JSON like {"instances": [...]}'}
        try:
            batch = parse_predict_body(
                body, instance_shape=INSTANCE_SHAPE, max_batch=DEFAULT_MAX_BATCH, value_range=VALUE_RANGE
            )
        except RequestError as err:
            return err.status, {"error": err.message}
        with self.torch.inference_mode():
            output = self.module(self.torch.from_numpy(batch)).numpy()
        return 200, {"predictions": output.tolist()}

    def handle(self, data, context) -> list[str]:
        answers = []
        for idx, row in enumerate(data or []):
            status, payload = self._one(row)
            if status != 200:
                context.set_response_status(status, "Bad Request" if status == 400 else "Client Error", idx=idx)
            answers.append(json.dumps(payload))
        return answers


_service = ExportedProgramHandler()


def handle(data, context):
    """TorchServe's entry point (module-level function handler)."""
    if _service.module is None:
        _service.initialize(context)
    if data is None:
        return None
    return _service.handle(data, context)
