"""utils.coexist: Triton loaded before TensorFlow. Each branch runs in a fresh Python, with a fake ``triton``
package where one is needed, because the test process itself has both frameworks loaded already."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run(code: str, *paths: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, (*paths, REPO)))}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, cwd=REPO)


@pytest.fixture
def fake_triton(tmp_path):
    """A directory holding a package named triton that records its import."""
    (tmp_path / "triton").mkdir()
    (tmp_path / "triton" / "__init__.py").write_text("LOADED_BY_TEST = True\n")
    return tmp_path


# The CPU build's case, faked: the finder knows no triton, whatever is installed.
HIDE_TRITON = (
    "import importlib.util; find = importlib.util.find_spec\n"
    "importlib.util.find_spec = lambda name, *a: None if name == 'triton' else find(name, *a)\n"
)


def test_the_module_imports_neither_framework():
    done = run(
        "import sys, utils.coexist; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'tensorflow', 'triton'}))"
    )
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr


def test_present_triton_is_loaded_and_reported(fake_triton):
    done = run(
        "import sys; from utils.coexist import load_triton_before_tensorflow as f; "
        "print(f(), sys.modules['triton'].LOADED_BY_TEST, f())",
        fake_triton,
    )
    assert done.returncode == 0 and done.stdout.strip() == "True True True", done.stderr


def test_absent_triton_is_a_no_op():
    done = run(
        HIDE_TRITON + "import sys; from utils.coexist import load_triton_before_tensorflow as f; "
        "print(f(), 'triton' in sys.modules)"
    )
    assert done.returncode == 0 and done.stdout.strip() == "False False", done.stderr


def test_tensorflow_already_loaded_is_a_clear_error_not_a_crash(fake_triton):
    done = run(
        "import sys, types; sys.modules['tensorflow'] = types.ModuleType('tensorflow')\n"
        "from utils.coexist import load_triton_before_tensorflow as f\n"
        "try:\n    f()\nexcept RuntimeError as err:\n    print('triton' in sys.modules, err)",
        fake_triton,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("False ") and "restart the kernel" in done.stdout and "#124205" in done.stdout


def test_with_the_real_frameworks_tensorflow_then_torch_optim_works():
    """The crash it prevents, for real where this torch has Triton (the CUDA build); on the CPU build it checks
    that the order is harmless."""
    code = (
        "from utils.coexist import load_triton_before_tensorflow as f; had = f()\n"
        "import tensorflow as tf, torch\n"
        "torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)  # imports torch._dynamo, and Triton\n"
        "print(had, float(tf.reduce_sum(tf.ones(3))))"
    )
    done = run(code)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert done.stdout.split()[-2:] == [str(importlib.util.find_spec("triton") is not None), "3.0"], done.stdout
