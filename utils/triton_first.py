"""Import order guard for the test process: a pytest plugin (pytest.ini: -p utils.triton_first), loaded first.

The CUDA build of torch (PyPI's default on Linux) ships Triton. In one process, importing TensorFlow 2.21 first and
Triton (torch.export / torch._dynamo import it) afterwards crashes with a segmentation fault; the other order works.
Reproduced on 2026-12-01 in a Python 3.12 venv with torch 2.13.0+cu130 and no GPU:
``python -c "import tensorflow, torch, triton"`` -> SIGSEGV (exit 139); ``python -c "import torch, triton,
tensorflow"`` -> fine. The unit tests import both frameworks in one process, so Triton, when installed, is imported
here first. The CPU build of torch has no Triton, and notebooks run one framework per kernel.
"""

import importlib.util

if importlib.util.find_spec("triton") is not None:
    import triton  # noqa: F401
