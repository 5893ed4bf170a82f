"""Build the course notebooks from their text twins, execute them, and measure them.

Each notebook is written as a jupytext "percent" script in ``notebooks/text/``
(easy to review in a diff). This tool turns it into ``notebooks/NAME.ipynb``,
executes it top to bottom in a fresh kernel (cwd ``notebooks/``), and saves it
with its outputs, which nbval later compares against.

While a notebook runs, the tool samples the memory of the kernel and every
process it starts (servers, DataLoader workers) and prints, per notebook, the
wall time and the peak of their summed memory (PSS: a page shared by several processes counts once).

    python tools/build_notebooks.py                 # every notebook
    python tools/build_notebooks.py 01_graphs       # names starting with 01_graphs
    python tools/build_notebooks.py --check         # only check text and .ipynb are in sync
    python tools/build_notebooks.py --measure-only  # execute and measure, write nothing

A notebook whose outputs say a timing is UNRELIABLE (``utils.timing`` prints
that line when the IQR is large against the median or the load average was
above the core count) is not written: the tool names the cell and exits 1.
Rebuild it on a quiet machine. ``--allow-unreliable`` writes it anyway for an
interim build; ``tests/test_structure.py`` then fails until it is rebuilt.

On a shared cloud host, whose neighbours slow it in spells that its load average
does not show, ``--wait-quiet MINUTES`` starts each try only once two probes in a
row (``utils.timing.busy_share``) find the host quiet, and tries a refused
notebook again, for up to MINUTES per notebook. The probes compare with the
fastest this machine has ever probed (``artifacts/quiet-host.json``), so a host
slowed evenly for minutes does not pass for quiet, and one more probe after each
run must find it still quiet before the notebook is written. The IQR rule still
judges every try: waiting changes when a notebook is timed, not what is accepted.

    python tools/build_notebooks.py 08_speed --wait-quiet 60
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

from tools import zh
from utils.budget import MEMORY_BUDGET_MB, TIME_BUDGET_S, ChildMemorySampler
from utils.course import add_quotes
from utils.timing import UNRELIABLE_MARK, fastest_probe, still_quiet, wait_until_quiet

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOKS = ROOT / "notebooks"
TEXT = NOTEBOOKS / "text"

# Metadata that changes on every run and only makes diffs noisy.
_VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled")


def text_twins(prefixes: list[str]) -> list[Path]:
    files = sorted(TEXT.glob("*.py"))
    if prefixes:
        files = [f for f in files if any(f.stem.startswith(p) for p in prefixes)]
    return files


def to_notebook(text_file: Path) -> nbformat.NotebookNode:
    nb = jupytext.read(text_file)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata.pop("jupytext", None)
    # the claims' Chinese quotes beside the English in §1 and the verdict table, from utils/claims.json
    return add_quotes(nb, text_file.stem + ".ipynb")


def execute(nb: nbformat.NotebookNode, timeout_s: int) -> tuple[float, float]:
    client = NotebookClient(
        nb, timeout=timeout_s, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    started = time.perf_counter()
    with ChildMemorySampler() as memory:
        client.execute()
    return time.perf_counter() - started, memory.peak_mb


def scrub(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
    nb.metadata.pop("widgets", None)


def keep_cell_ids(nb: nbformat.NotebookNode, previous_file: Path) -> None:
    """Give each cell the id it had in the notebook it replaces, so that a rebuild's diff shows what changed rather
    than a new random id on every cell: first a cell of the same type and source, then one at the same place."""
    try:
        old_cells = nbformat.read(previous_file, as_version=4).cells
    except (OSError, ValueError):
        return
    taken = set()
    by_source = {}
    for cell in old_cells:
        by_source.setdefault((cell.cell_type, cell.source), []).append(cell.get("id"))
    unmatched = []
    for index, cell in enumerate(nb.cells):
        ids = [i for i in by_source.get((cell.cell_type, cell.source), []) if i and i not in taken]
        if ids:
            cell.id = ids[0]
            taken.add(ids[0])
        else:
            unmatched.append(index)
    for index in unmatched:  # an edited cell keeps the id of the cell that stood in its place
        old = old_cells[index] if index < len(old_cells) else None
        if old is not None and old.cell_type == nb.cells[index].cell_type and old.get("id") not in taken | {None}:
            nb.cells[index].id = old.id
            taken.add(old.id)


def unreliable_outputs(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(cell index, line) for every output line that carries utils.timing's UNRELIABLE warning."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            texts = [output.get("text", "")] + [v for k, v in output.get("data", {}).items() if k.startswith("text/")]
            for text in texts:
                text = "".join(text) if isinstance(text, list) else str(text)
                found += [(index, line.strip()) for line in text.splitlines() if UNRELIABLE_MARK in line]
    return found


def in_sync(text_file: Path) -> bool:
    """True when notebooks/NAME.ipynb has the same cells (sources and types) as its text twin."""
    ipynb = NOTEBOOKS / (text_file.stem + ".ipynb")
    if not ipynb.exists():
        return False
    built = nbformat.read(ipynb, as_version=4)
    wanted = to_notebook(text_file)

    def shape(nb):
        return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]

    return shape(built) == shape(wanted)


def build_one(
    text_file: Path,
    args: argparse.Namespace,
    rows: list[dict],
    try_number: int = 1,
    host_was_quiet: Callable[[], bool] | None = None,
) -> str:
    """Execute one notebook and write it unless a timing says UNRELIABLE: "written", "unreliable" or "failed"."""
    nb = to_notebook(text_file)
    print(f"running {text_file.stem}" + (f" (try {try_number})" if try_number > 1 else "") + " ...", flush=True)
    try:
        seconds, peak_mb = execute(nb, args.timeout)
    except Exception as err:  # report and go on, so one failure does not hide the others
        print(f"  FAILED: {err.__class__.__name__}: {str(err)[-2000:]}", file=sys.stderr)
        return "failed"
    flag = ""
    if seconds > TIME_BUDGET_S or peak_mb > MEMORY_BUDGET_MB:
        flag = "  OVER BUDGET"
    print(f"  {seconds:6.1f} s   peak {peak_mb:7.0f} MB{flag}", flush=True)
    rows.append({"notebook": text_file.stem, "seconds": round(seconds, 1), "peak_mb": round(peak_mb)})
    noisy = unreliable_outputs(nb)
    for index, line in noisy:
        print(f"  cell {index}: {line}", file=sys.stderr)
    if noisy and not args.allow_unreliable:
        print(
            f"  NOT WRITTEN: {text_file.stem} has {len(noisy)} UNRELIABLE timing line(s) "
            f"(cells {sorted({i for i, _ in noisy})}); rebuild on a quiet machine",
            file=sys.stderr,
        )
        return "unreliable"
    if host_was_quiet is not None and not host_was_quiet():
        print(f"  NOT WRITTEN: {text_file.stem}: the host was busy again right after the run", file=sys.stderr)
        return "unreliable"
    if not args.measure_only:
        scrub(nb)
        keep_cell_ids(nb, NOTEBOOKS / (text_file.stem + ".ipynb"))
        nbformat.write(nb, NOTEBOOKS / (text_file.stem + ".ipynb"))
        if text_file.stem in zh.translated():  # its Chinese edition shares these outputs: rewrite it too
            nbformat.write(zh.zh_notebook(text_file.stem), zh.OUT / (text_file.stem + ".ipynb"))
            stale, missing = zh.status(text_file.stem)
            if stale or missing:
                print(f"  zh/{text_file.stem}: {len(stale)} stale, {len(missing)} missing translations (make zh)")
    return "written"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefixes", nargs="*", help="build only notebooks whose name starts with one of these")
    parser.add_argument("--check", action="store_true", help="only check that every .ipynb matches its text twin")
    parser.add_argument("--measure-only", action="store_true", help="execute and measure, do not write notebooks")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument(
        "--allow-unreliable",
        action="store_true",
        help="write notebooks even when a timing says UNRELIABLE (interim builds only)",
    )
    parser.add_argument("--json", type=Path, help="also write the measurements to this JSON file")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        metavar="MINUTES",
        help="start each try when probes find the host quiet; retry a notebook refused for UNRELIABLE timings, "
        "for up to MINUTES per notebook",
    )
    args = parser.parse_args()

    files = text_twins(args.prefixes)
    if not files:
        print(f"no text twins match {args.prefixes} in {TEXT}", file=sys.stderr)
        return 2
    if args.check:
        stale = [f.stem for f in files if not in_sync(f)]
        for name in stale:
            print(f"out of sync: notebooks/{name}.ipynb differs from notebooks/text/{name}.py; run make notebooks")
        return 1 if stale else 0

    rows, failed = [], False
    for text_file in files:
        deadline = time.monotonic() + 60 * (args.wait_quiet or 0)
        tries = 0
        while True:
            if args.wait_quiet:
                print(f"waiting for a quiet host (utils.timing.busy_share) for {text_file.stem} ...", flush=True)
                quiet, fastest = wait_until_quiet(deadline, fastest=fastest_probe())
                fastest_probe(update=fastest)
                if not quiet:
                    print(f"  NOT WRITTEN: {text_file.stem}: no quiet try in {args.wait_quiet:g} min", file=sys.stderr)
                    failed = True
                    break
            tries += 1
            outcome = build_one(text_file, args, rows, tries, still_quiet if args.wait_quiet else None)
            if outcome == "unreliable" and args.wait_quiet and time.monotonic() < deadline:
                continue
            failed |= outcome != "written"
            break
    if rows:
        print("\n| notebook | seconds | peak MB |\n|---|---:|---:|")
        for r in rows:
            print(f"| {r['notebook']} | {r['seconds']} | {r['peak_mb']} |")
        print(f"| total | {sum(r['seconds'] for r in rows):.1f} | |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"cpu_count": os.cpu_count(), "notebooks": rows}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
