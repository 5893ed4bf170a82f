"""Code of pair 07 (deployment): the servers the notebooks start and the client they use.

* ``model_server``: the course's Flask app (TF Serving's REST routes) for eager PyTorch, ``torch.export``,
  ONNX Runtime and a TensorFlow SavedModel, run with ``python -m pairs.deployment.model_server``.
* ``serving``: request validation shared by the servers, the malformed-request catalogue, the HTTP client,
  latency bursts and the ``.pt2`` archive check.
* ``torchserve_handler``: the TorchServe handler (passed by path to ``torch-model-archiver --handler``).
* ``litserve_server``: the same contract on LitServe.

Used by ``07_deployment_pytorch`` and ``07_deployment_tensorflow`` (and the capstone's page).
"""
