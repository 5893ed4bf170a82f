"""PyTorch and TensorFlow in one process: load PyTorch's Triton first (imports neither framework).

torch's CUDA build ships Triton and imports it lazily (first ``torch.optim`` optimizer, ``torch.compile``,
``torch.export``). TensorFlow 2.20-2.21 wheels load with RTLD_GLOBAL, so a Triton 3.7+ loaded after them binds to
TensorFlow's LLVM and the process segfaults (tensorflow/tensorflow#124205, fixed by #124230 after 2.21.0). Seen
here 2026-12-05 (Python 3.12, torch 2.13.0+cu130, TF 2.21.0, no GPU): 03_networks_tensorflow died at its first
``torch.optim.SGD``. Loaded first, Triton keeps its own LLVM. No Triton (CPU build, macOS): a no-op.
"""

from __future__ import annotations

import importlib.util
import sys


def load_triton_before_tensorflow() -> bool:
    """Import Triton if installed: True when loaded, False when absent; RuntimeError if TensorFlow came first."""
    if "triton" in sys.modules:
        return True
    if importlib.util.find_spec("triton") is None:
        return False
    if "tensorflow" in sys.modules:
        raise RuntimeError(
            "TensorFlow is already imported and importing Triton after it crashes the process "
            "(tensorflow/tensorflow#124205): restart the kernel and run the cells from the top"
        )
    importlib.import_module("triton")
    return True
