"""utils.devices: automatic choice, explicit names, and clear errors for bad or missing devices."""

import pytest
import torch

from utils.devices import DeviceError, describe_torch, torch_device


def test_auto_picks_gpu_when_present_else_cpu(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    if expected == "cpu" and getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        expected = "mps"
    assert torch_device().type == expected
    assert torch_device("auto").type == expected


def test_cpu_is_always_available():
    assert torch_device("cpu") == torch.device("cpu")
    assert torch_device(" CPU ") == torch.device("cpu")


def test_course_device_env_overrides_auto(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert torch_device() == torch.device("cpu")


@pytest.mark.parametrize("name", ["gpu0", "cuda:x", "tpu", "/GPU:0", ""])
def test_unknown_device_names_raise_with_the_accepted_forms(name):
    with pytest.raises(DeviceError, match="Unknown PyTorch device"):
        torch_device(name or "nonsense")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU: the missing-GPU error cannot happen")
def test_asking_for_a_missing_gpu_says_what_to_do():
    with pytest.raises(DeviceError, match="sees none|CUDA device"):
        torch_device("gpu")
    with pytest.raises(DeviceError, match="'auto' to fall back"):
        torch_device("cuda:0")


def test_describe_torch_reports_what_it_sees():
    info = describe_torch()
    assert info["torch"] == torch.__version__
    assert info["cuda_available"] == torch.cuda.is_available()
    assert info["device"] == str(torch_device())


def test_tf_device_names():
    import tensorflow as tf

    from utils.devices import describe_tf, tf_device

    gpus = tf.config.list_logical_devices("GPU")
    assert tf_device() == ("/GPU:0" if gpus else "/CPU:0")
    assert tf_device("cpu") == "/CPU:0"
    assert tf_device("/device:CPU:0") == "/CPU:0"
    with pytest.raises(DeviceError, match="Unknown TensorFlow device"):
        tf_device("cuda:zero")
    if not gpus:
        with pytest.raises(DeviceError, match="tensorflow\\[and-cuda\\]"):
            tf_device("gpu")
    assert describe_tf()["tensorflow"] == tf.__version__
