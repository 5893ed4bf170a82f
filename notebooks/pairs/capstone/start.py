"""The setup of 11_capstone_tensorflow, which runs both frameworks in one process.

PyTorch is loaded first (CUDA torch's Triton must load before TensorFlow, ``utils.coexist``), then TensorFlow,
quietly (``utils.start``). Both get one thread (this tiny CNN runs faster that way on a shared 2-core machine,
and every run is deterministic) and full float32 (TF32 on an Ampere-or-newer GPU would break the 1e-5
comparisons of the porting cells; it changes nothing on a CPU). TensorFlow's threads must be set before its first
op, which is why this happens before ``start_tensorflow`` picks the device.
"""

from __future__ import annotations

from utils.coexist import load_triton_before_tensorflow
from utils.start import quiet_stderr, start_tensorflow


def start_both_frameworks(seed: int = 0) -> str:
    """Load torch, then TensorFlow; one thread each, no TF32; seed; print the machine line. Returns TF's device."""
    import torch

    load_triton_before_tensorflow()
    with quiet_stderr():
        import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.experimental.enable_tensor_float_32_execution(False)
    torch.set_num_threads(1)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = start_tensorflow(seed)
    print(f"PyTorch {torch.__version__} beside it, {torch.get_num_threads()} thread (for §3.4 and §3.5)")
    return device


def start_torch_one_thread(seed: int = 0):
    """11_capstone_pytorch's setup: PyTorch on one thread (faster for this tiny CNN on a shared 2-core machine, and
    deterministic), seeded, with the machine line printed. Returns the device ``start_torch`` picked."""
    import torch

    from utils.start import start_torch

    torch.set_num_threads(1)
    return start_torch(seed)
