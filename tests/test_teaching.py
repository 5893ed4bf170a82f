"""The instructor guide (docs/teaching.md) shows the committed budget table (docs/budget.json), and every notebook
fits Binder's 2 GB with a margin. Refresh both with `python tools/budget_table.py` after a quiet `make test`."""

from __future__ import annotations

import json

import pytest

from tools import budget_table
from utils import NOTEBOOKS_DIR
from utils.course import TOPICS

TABLE = json.loads(budget_table.TABLE.read_text())
GUIDE = budget_table.GUIDE.read_text()
NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))


def test_the_guide_shows_exactly_the_budget_table():
    shown = GUIDE.split(budget_table.START, 1)[1].split(budget_table.END, 1)[0].strip()
    assert shown == budget_table.rows(TABLE), (
        "docs/teaching.md's numbers differ from docs/budget.json: run tools/budget_table.py --render"
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_is_measured_and_fits_binder_with_a_margin(name):
    entry = TABLE["notebooks"].get(name)
    assert entry, (
        f"{name} has no row in docs/budget.json: run `make test` (or pytest notebooks/{name}) on a quiet "
        "machine, then python tools/budget_table.py"
    )
    assert entry["peak_mb"] < budget_table.MARGIN_MB, (
        f"{name} peaked at {entry['peak_mb']} MB: Binder gives {budget_table.BINDER_MB} MB to the whole session"
    )


def test_every_pair_that_exists_has_a_section_in_the_guide():
    for topic in TOPICS:
        if any((NOTEBOOKS_DIR / n).is_file() for n in topic.notebooks):
            assert f"### {topic.number} · " in GUIDE or f", {topic.number} · " in GUIDE, (
                f"docs/teaching.md: no section for {topic.number}"
            )


def test_merge_keeps_earlier_rows_and_skips_failed_runs():
    table = {"notebooks": {"a.ipynb": {"seconds": 1.0, "peak_mb": 10, "cpus": 2, "measured": "then"}}}
    measured = {
        "cpu_count": 2,
        "notebooks": {
            "b.ipynb": {"seconds": 2.04, "peak_mb": 20.4, "failed": 0},
            "c.ipynb": {"seconds": 3.0, "peak_mb": 30.0, "failed": 1},
        },
    }
    merged = budget_table.merge(table, measured, "now")["notebooks"]
    assert merged == {
        "a.ipynb": table["notebooks"]["a.ipynb"],
        "b.ipynb": {"seconds": 2.0, "peak_mb": 20, "cpus": 2, "measured": "now"},
    }
