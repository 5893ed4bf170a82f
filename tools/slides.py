"""Slides for a walkthrough: every notebook with RISE's slide metadata (jupyterlab-rise), outputs kept.

    python tools/slides.py                   # -> slides/ (git-ignored; make slides)
    python tools/slides.py --out /tmp/s 02_autograd_pytorch

Each section of a pair (a markdown cell opening with ``#`` or ``##``: the title, 1. What the articles claim,
2. The idea, 3. Hands-on, ..., 7. Summary) starts a slide; each numbered subsection (``###``, e.g. 3.2) a
sub-slide below it; every other cell stays on the slide above it. The sources (notebooks/text/*.py) are not
touched: the metadata is written into copies, as the student edition is. Open a copy in JupyterLab and press
Alt+R (or the toolbar's slideshow button) for the slideshow; ``<server>/rise/<path>`` opens it on its own page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def slide_type(cell) -> str:
    first = cell.source.lstrip().split("\n", 1)[0] if cell.cell_type == "markdown" else ""
    if first.startswith(("# ", "## ")):
        return "slide"
    if first.startswith("### "):
        return "subslide"
    return "-"


def slideshow(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nb)  # a deep copy
    for cell in nb.cells:
        cell.metadata["slideshow"] = {"slide_type": slide_type(cell)}
    # long sections scroll instead of being cut off; the slide number shows where in the pair the class is
    nb.metadata["rise"] = {"scroll": True, "slideNumber": True, "enable_chalkboard": False}
    return nb


def build(out: Path, names: list[str] | None = None, notebooks_dir: Path = ROOT / "notebooks") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(notebooks_dir.glob("*.ipynb")):
        if names and path.stem not in names:
            continue
        nbformat.write(slideshow(nbformat.read(path, as_version=4)), out / path.name)
        written.append(out / path.name)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "slides")
    parser.add_argument("notebooks", nargs="*", help="notebook names without .ipynb (default: all)")
    args = parser.parse_args()
    written = build(args.out, args.notebooks)
    print(f"slides: {len(written)} notebooks in {args.out}; open one in JupyterLab and press Alt+R")
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
