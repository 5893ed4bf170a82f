"""Make a Python that has only the GPU machine's packages, to rehearse tools/gpu_suite.sh on a CPU machine.

    .venv/bin/python tools/gpu_rehearsal.py /tmp/simvenv

creates ``/tmp/simvenv`` (a venv without pip) whose only third-party packages are links to those packages of
the running Python that ``tools/gpu_machine_packages.txt`` names (torch, numpy, matplotlib, pytest, pip, ...).
It lacks exactly what the GPU machine lacks (Jupyter, nbval, TensorFlow), so running

    PYTHON=/tmp/simvenv/bin/python GPU_SUITE_WHEELS=/tmp/whl311 GPU_SUITE_SITE=/tmp/site311 tools/gpu_suite.sh

with a wheel set made by ``PY_TARGET=3.11 tools/fetch_gpu_wheels.sh /tmp/whl311`` shows whether the carried
wheels are enough. See tools/GPU.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from packaging.utils import canonicalize_name

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", type=Path, help="folder for the new venv (replaced if it exists)")
    args = parser.parse_args()
    wanted = {canonicalize_name(line.split("#", 1)[0].strip())
              for line in (HERE / "gpu_machine_packages.txt").read_text().splitlines()
              if line.split("#", 1)[0].strip()}
    site = Path(sysconfig.get_paths()["purelib"])
    target = args.target.resolve()
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    links = target / "machine-packages"
    links.mkdir()
    taken, linked = [], set()
    for dist in md.distributions(path=[str(site)]):
        if canonicalize_name(dist.metadata["Name"]) not in wanted:
            continue
        taken.append(dist.metadata["Name"])
        for file in dist.files or []:
            top = file.parts[0]
            if top in ("..", "bin") or top.endswith(".pth") or top in linked:
                continue
            if (site / top).exists():
                (links / top).symlink_to(site / top)
                linked.add(top)
    target_site = Path(subprocess.run(
        [str(target / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    (target_site / "machine_packages.pth").write_text(str(links) + "\n")
    missing = sorted(wanted - {canonicalize_name(n) for n in taken})
    print(f"{target}: {len(taken)} of the GPU machine's {len(wanted)} packages linked from {site}")
    print(f"not in this Python, so absent from the rehearsal too ({len(missing)}): {', '.join(missing[:12])} ...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
