#!/usr/bin/env bash
# The Makefile's first step: check, before anything large is downloaded, what `make lab` / `make test` need.
#
#   tools/preflight.sh lab|test      (the Makefile passes PYTHON, VENV, TORCH_VARIANT, TORCH_VERSION, TORCH_CPU_INDEX)
#
# * Python 3.11 to 3.13, able to create a virtual environment (Debian/Ubuntu: the python3.X-venv package).
# * The programs some lessons use (utils/machine.py decides what is present): a C++ compiler and Python.h (torch.compile),
#   Java 17+ (TorchServe), npm (Visdom's assets, offline) and, for `make test` only, a Chromium (browser test)
#   and a CJK font (fonts-noto-cjk: the Chinese pages' browser test).
#   As root with apt-get, missing ones are installed; otherwise one line per missing program says what to run.
#   `make test` stops on them; `make lab` only warns (the notebooks say in their own cells what is missing).
# * When the venv is still to be built: which torch build it would get, and that it can be had. No NVIDIA GPU
#   (no nvidia-smi, no /proc/driver/nvidia): the CPU build, from PyTorch's CPU index; never the ~4 GB CUDA
#   build from PyPI. TORCH_VARIANT=cpu|cuda overrides the choice.
# Exit 1 when anything needed is missing, after printing every missing thing (one line each).
set -u
MODE=${1:?usage: tools/preflight.sh lab|test}
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
TORCH_VARIANT=${TORCH_VARIANT:-auto}
TORCH_VERSION=${TORCH_VERSION:?}
TORCH_CPU_INDEX=${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
failed=0
say() { echo "make $MODE: $*" >&2; }

# 1. Python 3.11-3.13 (the range the pins are checked on; torch 2.15 / TensorFlow 2.21 wheels exist for these)
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  say "no Python at '$PYTHON'. Install Python 3.11-3.13 (Debian/Ubuntu: sudo apt-get install python3 python3-venv) or pass PYTHON=/path/to/python3.12"
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null; then
  say "Python 3.11, 3.12 or 3.13 is needed; $PYTHON is $("$PYTHON" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null). Pass another one: make $MODE PYTHON=python3.12"
  exit 1
fi
PYVER=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
is_root=0; [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && is_root=1
updated=0
# Wait (up to 5 min) for a dpkg/apt lock another apt holds, rather than fail: a fresh Ubuntu machine runs
# unattended-upgrades at boot, and two make runs as root (3.12 and 3.13 side by side) raced here.
APT="apt-get -o DPkg::Lock::Timeout=300"
apt_install() {  # apt_install PACKAGE: 0 when installed; a log in $TMP_LOG
  if [ $updated = 0 ]; then  # apt-get update does not wait for the lists lock itself (apt 3.0): retry while held
    for _ in $(seq 60); do
      $APT update -qq >"$TMP_LOG" 2>&1
      grep -q "Could not get lock" "$TMP_LOG" || break
      sleep "${APT_LOCK_RETRY_S:-5}"
    done
    updated=1
  fi
  echo "make $MODE: installing $1 (apt-get, as root)" >&2
  DEBIAN_FRONTEND=noninteractive $APT install -y -qq --no-install-recommends "$1" >>"$TMP_LOG" 2>&1
}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/course-preflight.XXXXXX")
TMP_LOG="$WORK/apt.log"
trap 'rm -rf "$WORK"' EXIT

# 2. A throwaway venv proves that `python -m venv` works here (Debian strips ensurepip into python3.X-venv)
need_venv=0; [ -f "$VENV/.installed" ] || need_venv=1
PROBE="$WORK/probe"
if [ $need_venv = 1 ]; then
  if ! "$PYTHON" -m venv "$PROBE" >/dev/null 2>&1; then
    if [ $is_root = 1 ] && apt_install "python$PYVER-venv" && "$PYTHON" -m venv "$PROBE" >/dev/null 2>&1; then
      :
    else
      say "$PYTHON cannot create a virtual environment (no ensurepip): sudo apt-get install python$PYVER-venv"
      failed=1
    fi
  fi
fi

# 3. System programs: tools/preflight_needs.py (stdlib only) lists what is missing as  item<TAB>packages<TAB>hint.
# Run as a module from the repository root, so it imports utils/ before the venv (and its editable install) exists.
needs() { (cd "$ROOT" && "$PYTHON" -m tools.preflight_needs "$1"); }
need=$MODE
missing=$(needs "$need")
if [ -n "$missing" ] && [ $is_root = 1 ]; then
  while IFS=$'\t' read -r item packages hint; do
    for package in $packages; do  # e.g. Java: default-jre-headless, then openjdk-17-jre-headless
      apt_install "$package" || say "apt-get install $package failed (for $item; log: $(tail -n 1 "$TMP_LOG" 2>/dev/null))"
      (needs "$need" | cut -f1 | grep -qxF "$item") || break
    done
  done <<<"$missing"
  missing=$(needs "$need")
fi
if [ -n "$missing" ]; then
  while IFS=$'\t' read -r item packages hint; do
    [ "$(id -u)" = 0 ] || hint=${hint//apt-get install/sudo apt-get install}
    case "$item" in
      java) what="Java 17 or newer (TorchServe, 07_deployment_pytorch)" ;;
      npm) what="npm (Visdom's browser assets offline, 06_visualization_pytorch)" ;;
      "c++ compiler") what="a C++ compiler (torch.compile: 01, 08, 10)" ;;
      "python headers") what="Python.h for Python $PYVER (torch.compile builds C++ against it: 01, 08, 10)" ;;
      browser) what="a Chromium (tests/test_browser.py)" ;;
      "cjk font") what="a font with Chinese glyphs (the Chinese pages in tests/test_site.py)" ;;
      *) what=$item ;;
    esac
    if [ "$MODE" = test ]; then
      say "missing $what. Install: $hint"
      failed=1
    else
      say "warning: missing $what; the lessons that use it will say so. Install: $hint"
    fi
  done <<<"$missing"
fi

# 4. Which torch the venv would get, and whether it can be had (only when the venv is still to be built)
if [ $need_venv = 1 ] && [ -x "$PROBE/bin/python" ]; then
  variant=$TORCH_VARIANT
  if [ "$variant" = auto ]; then
    if command -v nvidia-smi >/dev/null 2>&1 || [ -e /proc/driver/nvidia ]; then variant=cuda
    elif [ "$(uname -s)" = Darwin ]; then variant=macos  # PyPI's macOS wheel is the CPU + MPS build
    else variant=cpu; fi
  fi
  case "$variant" in
    cpu)
      # A metadata-only dry run: nothing is installed (pip caches what it downloads for the real install).
      if ! "$PROBE/bin/python" -m pip install --disable-pip-version-check --dry-run --no-deps --ignore-installed -q \
           --retries 1 --timeout 20 --extra-index-url "$TORCH_CPU_INDEX" "torch==$TORCH_VERSION+cpu" >"$WORK/torch.log" 2>&1; then
        why="pip finds no torch==$TORCH_VERSION+cpu wheel for Python $PYVER"
        grep -q 'NewConnectionError\|Failed to establish\|Name or service not known\|timed out' "$WORK/torch.log" &&
          why="$why; $TORCH_CPU_INDEX is unreachable from here"
        say "no CPU build of torch $TORCH_VERSION reachable: $why. This machine has no NVIDIA GPU, so the CUDA build is not taken by itself: TORCH_VARIANT=cuda takes the ~4 GB CUDA build"
        failed=1
      fi ;;
    cuda|macos) : ;;
    *) say "TORCH_VARIANT must be auto, cpu or cuda, not '$variant'"; failed=1 ;;
  esac
fi
exit $failed
