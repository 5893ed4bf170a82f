"""Keep the committed budget table (docs/budget.json) and the instructor guide's numbers (docs/teaching.md) in step.

    python tools/budget_table.py            # artifacts/notebook_budget.json into docs/budget.json, render the guide
    python tools/budget_table.py --render   # only re-render docs/teaching.md from docs/budget.json

artifacts/notebook_budget.json is what the last test run measured (conftest.py writes it: per notebook the wall time
of its cells, solution probes included, and the peak of the summed PSS of the kernel plus every process it started:
a shared page counts once).
Run this after a test run on a quiet 2-core machine; a notebook that run did not measure keeps its earlier entry.
tests/test_teaching.py checks the guide shows exactly docs/budget.json's numbers and every peak stays under Binder's
2 GB with a margin.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEASURED = ROOT / "artifacts" / "notebook_budget.json"
TABLE = ROOT / "docs" / "budget.json"
GUIDE = ROOT / "docs" / "teaching.md"
START, END = "<!-- budget:start -->", "<!-- budget:end -->"
BINDER_MB = 2048
MARGIN_MB = 1700  # what a notebook may peak at so that Binder's 2 GB (shared with Jupyter itself) is not at risk


def merge(table: dict, measured: dict, when: str) -> dict:
    notebooks = dict(table.get("notebooks", {}))
    for name, entry in measured["notebooks"].items():
        if entry.get("failed"):
            continue  # a failed run's numbers describe a notebook that did not finish
        if name.startswith("zh/"):
            continue  # the Chinese edition runs the English code: its row would repeat the English one
        notebooks[name] = {
            "seconds": round(entry["seconds"], 1),
            "peak_mb": round(entry["peak_mb"]),
            "cpus": measured.get("cpu_count"),
            "measured": when,
        }
    return {"notebooks": dict(sorted(notebooks.items()))}


def rows(table: dict) -> str:
    lines = [
        "| notebook | seconds (2-core laptop) | peak MB | of Binder's 2 GB | measured on |",
        "|---|---|---|---|---|",
    ]
    for name, e in table["notebooks"].items():
        lines.append(
            f"| {name} | {e['seconds']:.1f} | {e['peak_mb']} | {100 * e['peak_mb'] / BINDER_MB:.0f} % | "
            f"{e['measured']}, {e['cpus']} CPUs |"
        )
    return "\n".join(lines)


def render(table: dict, guide: Path = GUIDE) -> bool:
    text = guide.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    updated = f"{head}{START}\n{rows(table)}\n{END}{tail}"
    guide.write_text(updated)
    return updated != text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--render", action="store_true", help="only re-render the guide from docs/budget.json")
    args = parser.parse_args()
    table = json.loads(TABLE.read_text()) if TABLE.is_file() else {"notebooks": {}}
    if not args.render:
        measured = json.loads(MEASURED.read_text())
        table = merge(table, measured, datetime.date.today().isoformat())
        TABLE.write_text(json.dumps(table, indent=1) + "\n")
        print(f"{TABLE.relative_to(ROOT)}: {len(measured['notebooks'])} notebooks from {MEASURED.relative_to(ROOT)}")
    print(f"{GUIDE.relative_to(ROOT)}: " + ("updated" if render(table) else "already current"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
