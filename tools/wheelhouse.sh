#!/usr/bin/env bash
# Download the wheels tools/gpu_suite.sh installs on a GPU machine that has PyTorch but no Jupyter and no network.
#
#   tools/fetch_gpu_wheels.sh            # into .whl/ (about 17 MB), for CPython 3.12 on Linux x86-64
#   PY_TARGET=3.11 tools/fetch_gpu_wheels.sh /tmp/whl311    # the same set for another Python (dry runs)
#
# Needs: network access to PyPI, and a Python with pip (PYTHON, default .venv/bin/python, else python3).
# The list is tools/gpu_wheels.txt (exact pins); visdom, which PyPI has only as a source archive, is built into
# a wheel here. The folder is kept out of git (.gitignore and .git/info/exclude): never commit it.
# Ends with `python tools/gpu_wheels.py check`, which fails if a dependency is neither carried nor on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=${1:-.whl}
PY_TARGET=${PY_TARGET:-3.12}
VISDOM=${VISDOM:-visdom==0.2.4}
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

# Keep the folder out of git, also in a checkout whose .gitignore is older (the device tool copies untracked,
# non-ignored files). `git rev-parse --git-path` only reads; it finds info/exclude in worktrees too.
if [[ "$DEST" != /* ]] && exclude=$(git rev-parse --git-path info/exclude 2>/dev/null); then
    mkdir -p "$(dirname "$exclude")"
    grep -qxF "/$DEST/" "$exclude" 2>/dev/null || echo "/$DEST/" >>"$exclude"
fi

rm -rf "$DEST"
mkdir -p "$DEST"
platforms=()
for tag in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_26_x86_64 manylinux_2_24_x86_64 \
           manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux_2_12_x86_64 manylinux2010_x86_64 \
           manylinux_2_5_x86_64 manylinux1_x86_64; do
    platforms+=(--platform "$tag")
done

echo "downloading $(grep -cv '^\s*\(#\|$\)' tools/gpu_wheels.txt) wheels for CPython $PY_TARGET into $DEST/"
"$PYTHON" -m pip download --disable-pip-version-check -q --no-deps --only-binary=:all: \
    --python-version "$PY_TARGET" --implementation cp "${platforms[@]}" \
    -d "$DEST" -r tools/gpu_wheels.txt

if [ "$VISDOM" != "none" ]; then
    # visdom is pure Python but source-only, and its setup.py needs pkg_resources (setuptools < 81): build it
    # with this Python's own setuptools, as `make venv` does.
    echo "building a wheel for $VISDOM (source only on PyPI)"
    "$PYTHON" -m pip wheel --disable-pip-version-check -q --no-deps --no-build-isolation -w "$DEST" "$VISDOM"
    # Its server downloads ~20 browser assets from CDNs at every start unless they are in visdom/static/ (see
    # tools/setup_visdom_offline.py); the GPU machine has no network. Carry the ones this Python's visdom has
    # (those not in the wheel) as a tarball that gpu_suite.sh unpacks next to the installed package.
    "$PYTHON" - "$DEST" <<'EOF'
import importlib.util, pathlib, sys, tarfile, zipfile
dest = pathlib.Path(sys.argv[1])
spec = importlib.util.find_spec("visdom")
wheel = next(dest.glob("visdom-*.whl"))
if spec is None or not (pathlib.Path(spec.origin).parent / "static" / "version.built").exists():
    print("  note: this Python's visdom has no offline assets (run tools/setup_visdom_offline.py first);"
          " 06_visualization_pytorch will need network on the GPU machine")
    sys.exit(0)
package = pathlib.Path(spec.origin).parent
in_wheel = set(zipfile.ZipFile(wheel).namelist())
extra = sorted(p for p in (package / "static").rglob("*")
               if p.is_file() and f"visdom/{p.relative_to(package).as_posix()}" not in in_wheel)
with tarfile.open(dest / "visdom-static.tar.gz", "w:gz") as tar:
    for path in extra:
        tar.add(path, arcname=f"visdom/{path.relative_to(package).as_posix()}")
print(f"  visdom-static.tar.gz: {len(extra)} asset files for an offline visdom server")
EOF
fi

"$PYTHON" tools/gpu_wheels.py check "$DEST" --python "$PY_TARGET"
du -sh "$DEST"
