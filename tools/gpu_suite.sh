#!/usr/bin/env bash
# Run the PyTorch notebooks through nbval on a GPU machine and write a per-notebook table
# (seconds, device used, peak GPU memory). Documentation: tools/GPU.md.
#
#   tools/gpu_suite.sh                         # every notebook in notebooks/ (TensorFlow ones are skipped)
#   tools/gpu_suite.sh notebooks/04_devices_pytorch.ipynb -x     # pytest arguments replace the default
#
# Meant for a machine with Python 3.12 and a CUDA build of PyTorch but no TensorFlow, no Jupyter and no network.
# If .whl/ holds wheels (tools/fetch_gpu_wheels.sh, run where PyPI is reachable), they are installed into
# $GPU_SUITE_SITE (default /tmp/site) and put first on PYTHONPATH; without .whl/ the current Python must already
# have nbval and ipykernel. COURSE_TORCH_ONLY=1 makes conftest.py skip the *_tensorflow notebooks, with that
# reason. The table goes to $OUT (where the lab's device tool collects files), else to artifacts/.
# Environment: PYTHON (default python3), GPU_SUITE_WHEELS (default .whl), GPU_SUITE_SITE (default /tmp/site),
# COURSE_DEVICE (auto, cpu or gpu; passed through to the notebooks).
set -uo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
REPORT_DIR=${OUT:-artifacts}
SITE=${GPU_SUITE_SITE:-/tmp/site}
WHEELS=${GPU_SUITE_WHEELS:-.whl}
mkdir -p "$REPORT_DIR"
LOG="$REPORT_DIR/gpu_suite.log"
: >"$LOG"
say() { echo "$@" | tee -a "$LOG"; }

# 1. Carried wheels (no index, no dependency resolution: the set is checked beforehand by gpu_wheels.py check).
if compgen -G "$WHEELS/*.whl" >/dev/null; then
    say "installing $(ls "$WHEELS"/*.whl | wc -l) carried wheels from $WHEELS/ into $SITE"
    "$PYTHON" -m pip install -q --disable-pip-version-check --no-index --no-deps --no-compile --no-cache-dir \
        --upgrade --target "$SITE" "$WHEELS"/*.whl 2>&1 | tee -a "$LOG" || { say "pip install failed"; exit 2; }
    if [ -f "$WHEELS/visdom-static.tar.gz" ]; then
        tar xzf "$WHEELS/visdom-static.tar.gz" -C "$SITE" && say "unpacked visdom's offline assets"
    fi
    export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
    # A notebook may start a server with its own PYTHONPATH (07_deployment does), which drops $SITE. A .pth file
    # in this Python's site-packages keeps the carried packages importable there too (after the machine's own);
    # it is removed when the script ends.
    purelib=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    if [ -w "$purelib" ]; then
        PTH="$purelib/zz_gpu_suite_carried.pth"
        echo "$SITE" >"$PTH"
        trap 'rm -f "$PTH"' EXIT
        say "added $PTH (removed at exit)"
    fi
    "$PYTHON" tools/gpu_wheels.py verify "$SITE" 2>&1 | tee -a "$LOG" \
        || say "warning: some carried wheels' requirements do not match this machine's versions (above)"
else
    say "no wheels in $WHEELS/: using $PYTHON's own packages"
fi

# 2. Environment for the run. Jupyter and IPython write runtime files under $HOME by default; keep them in /tmp.
export COURSE_TORCH_ONLY=1
# A kernel that loaded CUDA holds more host memory than the Binder-sized budget allows; report, do not fail on it.
export COURSE_MEMORY_BUDGET_MB=${COURSE_MEMORY_BUDGET_MB:-4000}
export PYTHONUNBUFFERED=1
export JUPYTER_RUNTIME_DIR=${JUPYTER_RUNTIME_DIR:-/tmp/gpu_suite_jupyter_runtime}
export IPYTHONDIR=${IPYTHONDIR:-/tmp/gpu_suite_ipython}
export MPLCONFIGDIR=${MPLCONFIGDIR:-/tmp/gpu_suite_matplotlib}
# The machine's other pytest plugins (coverage, benchmark, xdist, ...) are not needed; load only nbval.
export PYTEST_DISABLE_PLUGIN_AUTOLOAD=1

say "== machine"
{
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1
    else
        echo "nvidia-smi: not installed"
    fi
    "$PYTHON" - <<'EOF'
import importlib.metadata as md, platform
import torch
print(f"Python {platform.python_version()}, torch {torch.__version__}, CUDA build {torch.version.cuda}, "
      f"cuda available {torch.cuda.is_available()}, cuDNN {torch.backends.cudnn.version()}")
if torch.cuda.is_available():
    print("GPU:", torch.cuda.get_device_name(0))
names = ["nbval", "pytest", "ipykernel", "jupyter_client", "numpy", "matplotlib", "pillow", "psutil",
         "packaging", "python-dateutil", "typing_extensions", "pygments", "attrs", "tensorboard", "visdom",
         "nvidia-ml-py"]
found = []
for name in names:
    try:
        found.append(f"{name} {md.version(name)}")
    except md.PackageNotFoundError:
        found.append(f"{name} -")
print("packages:", ", ".join(found))
try:
    import tensorflow  # noqa: F401
    print("tensorflow is importable here: the TensorFlow notebooks are still skipped (COURSE_TORCH_ONLY=1)")
except ImportError:
    print("tensorflow: not installed (the TensorFlow notebooks are skipped)")
EOF
} 2>&1 | tee -a "$LOG"

# 3. The run.
if [ "$#" -eq 0 ]; then
    set -- notebooks
fi
say "== pytest -p nbval.plugin -p tools.gpu_report $*"
"$PYTHON" -m pytest -p nbval.plugin -p tools.gpu_report --gpu-report "$REPORT_DIR" "$@" 2>&1 | tee -a "$LOG"
status=${PIPESTATUS[0]}
say "pytest exit status: $status; table: $REPORT_DIR/gpu_suite.md"
exit "$status"
