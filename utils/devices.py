"""Choosing and describing the compute device, for each framework.

Every notebook asks these functions for its device instead of hard-coding ``"cuda"`` or ``"/GPU:0"``: the same
notebook then runs on a laptop CPU, on Binder and on a GPU box.

``torch_device()`` and ``tf_device()`` take an optional name. With none (or ``"auto"``), they return the first GPU
the framework sees, else the CPU. The environment variable ``COURSE_DEVICE`` (``cpu`` or ``gpu``) overrides the
automatic choice for a whole run, e.g. ``COURSE_DEVICE=cpu make test`` on a GPU machine.
"""

from __future__ import annotations

import os
import platform
import re

__all__ = [
    "DeviceError",
    "torch_device",
    "tf_device",
    "describe_torch",
    "describe_tf",
]

_TORCH_PATTERN = re.compile(r"^(cpu|cuda|mps|xpu)(:\d+)?$")
_TF_PATTERN = re.compile(r"^/?(device:)?(cpu|gpu)(:\d+)?$", re.IGNORECASE)


class DeviceError(ValueError):
    """An unknown device name, or a device this machine does not have."""


def _requested(name: str | None) -> str:
    """The device the caller asked for, falling back to ``$COURSE_DEVICE``."""
    if name is None or name == "auto":
        name = os.environ.get("COURSE_DEVICE", "auto").strip().lower() or "auto"
    return name.strip()


def torch_device(name: str | None = None):
    """Return a ``torch.device``: the GPU when there is one, else the CPU.

    ``name`` may be ``None``/``"auto"``, ``"gpu"`` (any accelerator, error if
    none), or a PyTorch device string such as ``"cpu"``, ``"cuda"``,
    ``"cuda:1"`` or ``"mps"``.
    """
    import torch

    name = _requested(name)
    lowered = name.lower()
    if lowered in ("auto", "gpu"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        if lowered == "gpu":
            raise DeviceError(
                "A GPU was requested but PyTorch sees none "
                f"(torch {torch.__version__}, CUDA build: {torch.version.cuda}). "
                "Install a CUDA build of torch on a machine with an NVIDIA driver, "
                "or ask for 'cpu' / 'auto'."
            )
        return torch.device("cpu")
    if not _TORCH_PATTERN.match(lowered):
        raise DeviceError(f"Unknown PyTorch device {name!r}. Use 'auto', 'cpu', 'gpu', 'cuda', 'cuda:N' or 'mps'.")
    kind = lowered.split(":")[0]
    if kind == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(lowered.split(":")[1]) if ":" in lowered else 0
        if index >= count:
            raise DeviceError(
                f"{name!r} was requested but PyTorch sees {count} CUDA device(s) "
                f"(CUDA build: {torch.version.cuda}). Use 'auto' to fall back to the CPU."
            )
    if kind == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise DeviceError("'mps' was requested but this is not an Apple-silicon build with MPS.")
    if kind == "xpu" and not (hasattr(torch, "xpu") and torch.xpu.is_available()):
        raise DeviceError("'xpu' was requested but PyTorch sees no Intel GPU.")
    return torch.device(lowered)


def tf_device(name: str | None = None) -> str:
    """Return a TensorFlow device string: ``'/GPU:0'`` when there is a GPU, else ``'/CPU:0'``.

    ``name`` may be ``None``/``"auto"``, ``"gpu"``, ``"cpu"``, or a TensorFlow
    device string such as ``"/GPU:1"``. Use it as ``with tf.device(tf_device()):``.
    """
    import tensorflow as tf

    name = _requested(name)
    lowered = name.lower()
    gpus = tf.config.list_logical_devices("GPU")
    if lowered == "auto":
        return "/GPU:0" if gpus else "/CPU:0"
    if lowered in ("gpu", "cuda"):
        lowered = "gpu:0"
    match = _TF_PATTERN.match(lowered)
    if not match:
        raise DeviceError(f"Unknown TensorFlow device {name!r}. Use 'auto', 'cpu', 'gpu' or a string like '/GPU:0'.")
    kind = match.group(2).upper()
    index = int(match.group(3)[1:]) if match.group(3) else 0
    if kind == "GPU" and index >= len(gpus):
        build = tf.sysconfig.get_build_info()
        raise DeviceError(
            f"{name!r} was requested but TensorFlow sees {len(gpus)} GPU(s) "
            f"(built with CUDA: {build.get('is_cuda_build', False)}). On Linux install "
            "'tensorflow[and-cuda]' on a machine with an NVIDIA driver, or ask for 'cpu' / 'auto'."
        )
    return f"/{kind}:{index}"


def describe_torch() -> dict:
    """What PyTorch sees: version, CUDA build, devices, threads. For printing, not branching."""
    import torch

    info = {
        "torch": torch.__version__,
        "cuda_build": torch.version.cuda,
        "cuda_available": torch.cuda.is_available(),
        "device": str(torch_device()),
        "cpu_threads": torch.get_num_threads(),
        "machine": platform.machine(),
    }
    if torch.cuda.is_available():
        info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        info["cudnn"] = torch.backends.cudnn.version()
    return info


def describe_tf() -> dict:
    """What TensorFlow sees: version, Keras, CUDA build, devices. For printing, not branching."""
    import keras
    import tensorflow as tf

    build = tf.sysconfig.get_build_info()
    info = {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "cuda_build": build.get("cuda_version") if build.get("is_cuda_build") else None,
        "gpus": [d.name for d in tf.config.list_physical_devices("GPU")],
        "device": tf_device(),
        "machine": platform.machine(),
    }
    return info
