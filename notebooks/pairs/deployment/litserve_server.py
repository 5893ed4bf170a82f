"""The digits model behind LitServe, a maintained model server that is not the course's code.

LitServe (Lightning AI; FastAPI + uvicorn underneath) owns the HTTP side: routing, a request queue,
an inference worker process, ``/health``, and checking each body against the pydantic model below
(422 when it does not fit). What a user writes is a ``LitAPI``: load the model once, turn a request
into a batch, run it, turn the output into JSON. Run it as a program::

    python -m pairs.deployment.litserve_server --port 8000 --model digits.pt2    # a torch.export program
    python -m pairs.deployment.litserve_server --port 8000 --model digits.onnx   # or an ONNX file (no torch)
"""

# (no "from __future__ import annotations": LitServe reads the request type from the annotation object)

import argparse
from typing import Annotated

import litserve as ls
import numpy as np
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

# The request, declared once: numbers only (strict: no strings, no booleans), finite, in [0, 1],
# 8x8 per image, 1 to 64 images.
Pixel = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]
Row = Annotated[list[Pixel], Field(min_length=8, max_length=8)]
Image = Annotated[list[Row], Field(min_length=8, max_length=8)]


class PredictRequest(BaseModel):
    instances: Annotated[list[Image], Field(min_length=1, max_length=64)]


class DigitsAPI(ls.LitAPI):
    def __init__(self, model_path: str):
        super().__init__(api_path="/v1/models/digits:predict")  # TF Serving's URL, like every server here
        self.model_path = model_path

    def setup(self, device):  # once, in the inference worker process
        if self.model_path.endswith(".onnx"):
            import onnxruntime as ort

            session = ort.InferenceSession(self.model_path, providers=["CPUExecutionProvider"])
            self.run = lambda batch: session.run(None, {session.get_inputs()[0].name: batch})[0]
        else:
            import torch

            torch.set_num_threads(1)
            from pairs.deployment.serving import load_checked_pt2

            exported, _ = load_checked_pt2(self.model_path)  # the course's check, before anything is unpickled
            module = exported.module()

            def run(batch):
                with torch.inference_mode():
                    return module(torch.from_numpy(batch)).numpy()

            self.run = run

    def decode_request(self, request: PredictRequest):  # already validated against PredictRequest
        return np.asarray(request.instances, dtype=np.float32)

    def predict(self, batch):
        return self.run(batch)

    def encode_response(self, output):
        return {"predictions": output.tolist()}


async def validation_error(request, exc: RequestValidationError):
    # FastAPI's default 422 body echoes the rejected input; a NaN in it cannot be written as JSON and
    # turned the answer into a 500 (fastapi 0.165). Answer with the messages only, as {"error": ...}.
    def where(e):
        return ".".join(map(str, e["loc"][1:])) if e["type"] != "json_invalid" else "body"

    messages = [f"{where(e) or 'body'}: {e['msg']}" for e in exc.errors()[:3]]
    return JSONResponse({"error": "; ".join(messages)}, status_code=422)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", required=True, help="a .pt2 (torch.export) or .onnx file")
    args = parser.parse_args(argv)
    server = ls.LitServer(DigitsAPI(args.model), accelerator="cpu", devices=1, workers_per_device=1)
    server.app.add_exception_handler(RequestValidationError, validation_error)
    # 127.0.0.1 only; the HTTP server runs as a thread of this process, the model in one worker process.
    server.run(host="127.0.0.1", port=args.port, generate_client_file=False, api_server_worker_type="thread")


if __name__ == "__main__":
    main()
