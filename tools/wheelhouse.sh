#!/usr/bin/env bash
# Build a wheelhouse for a machine without network (a cluster node, an air-gapped GPU box): run it here, where
# PyPI is reachable, copy the folder there, and install from it with pip's standard offline options.
#
#   tools/wheelhouse.sh                         # -> wheelhouse/: tools/offline-harness.txt for CPython 3.12, with dependencies
#   PY_TARGET=3.11 tools/wheelhouse.sh /tmp/wh  # another folder, another Python
#   NO_DEPS=1 tools/wheelhouse.sh               # only the listed wheels (about 20 MB), for a machine that has the rest
#   REQS=requirements.txt tools/wheelhouse.sh   # the whole course (torch and TensorFlow included: several GB)
#
# There:  python3 -m pip install --no-index --find-links wheelhouse -r tools/offline-harness.txt
# (in a venv made with --system-site-packages to keep the machine's own torch), then `make test-here`; see
# tools/GPU.md. visdom, which PyPI has only as a source archive, is built into a wheel here, and its offline
# browser assets are packed as visdom-static.tar.gz if this Python has them (tools/setup_visdom_offline.py).
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=${1:-wheelhouse}
PY_TARGET=${PY_TARGET:-3.12}
REQS=${REQS:-tools/offline-harness.txt}
VISDOM=${VISDOM:-visdom==0.2.4}
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

mkdir -p "$DEST"
platforms=()
for tag in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux1_x86_64; do
    platforms+=(--platform "$tag")
done
deps=()
[ "${NO_DEPS:-0}" = 1 ] && deps=(--no-deps)

echo "downloading the wheels of $REQS for CPython $PY_TARGET into $DEST/"
"$PYTHON" -m pip download --disable-pip-version-check -q "${deps[@]}" --only-binary=:all: \
    --python-version "$PY_TARGET" --implementation cp "${platforms[@]}" \
    -d "$DEST" -r "$REQS"

if [ "$VISDOM" != "none" ]; then
    echo "building a wheel for $VISDOM (source only on PyPI; its setup.py needs setuptools < 81, as in make venv)"
    "$PYTHON" -m pip wheel --disable-pip-version-check -q --no-deps --no-build-isolation -w "$DEST" "$VISDOM"
    "$PYTHON" - "$DEST" <<'PY'
import importlib.util, pathlib, sys, tarfile, zipfile
dest = pathlib.Path(sys.argv[1])
spec = importlib.util.find_spec("visdom")
wheel = next(dest.glob("visdom-*.whl"))
if spec is None or not (pathlib.Path(spec.origin).parent / "static" / "version.built").exists():
    sys.exit("this Python's visdom has no offline assets: run tools/setup_visdom_offline.py first "
             "(06_visualization_pytorch needs them on a machine without network)")
package = pathlib.Path(spec.origin).parent
in_wheel = set(zipfile.ZipFile(wheel).namelist())
extra = sorted(p for p in (package / "static").rglob("*")
               if p.is_file() and f"visdom/{p.relative_to(package).as_posix()}" not in in_wheel)
with tarfile.open(dest / "visdom-static.tar.gz", "w:gz") as tar:
    for path in extra:
        tar.add(path, arcname=f"visdom/{path.relative_to(package).as_posix()}")
print(f"visdom-static.tar.gz: {len(extra)} browser asset files; unpack it into the folder that holds the installed visdom")
PY
fi
du -sh "$DEST"
