"""The drift report catches planted drift: a verdict number moved, a checked output changed, a new warning, a failure.

A pinned notebook and its "new run" are written as fixtures; tools/drift.py compares them as it compares the
committed notebooks with a run on today's releases. Noise is respected: a timing ratio that moved less than a quarter
is not reported, and versions and section numbers are never taken for numbers a verdict rests on.
"""

from __future__ import annotations

import json

from tools import drift


def notebook(speed: str, shape: str, accuracy: str, warning: str = "", version: str = "2.13.0") -> dict:
    def code(src, text, name="stdout", count=1):
        return {
            "cell_type": "code",
            "source": src,
            "metadata": {},
            "execution_count": count,
            "outputs": [{"output_type": "stream", "name": name, "text": text}] if text else [],
        }

    def md(src):
        return {"cell_type": "markdown", "source": src, "metadata": {}}

    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            md("# Title\n## 3. Hands-on"),
            code("# NBVAL_CHECK_OUTPUT\nprint(x.shape)", f"shape {shape}\n", count=1),
            code("import warnings", warning, name="stderr", count=2),
            md("## 5. Verdict\n| C14 | holds partly | ... |"),
            code(
                "# The numbers C14's verdict cites",
                f"C14, §3.6 on cpu (torch {version}): speed {speed}x eager "
                f"(median of 7 batches)\nC11: accuracy {accuracy} ± 0.02\n",
                count=3,
            ),
            md("## 6. Exercises"),
            code("print(1)", "1\n", count=4),
        ],
    }


def write(folder, name, nb):
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.ipynb").write_text(json.dumps(nb))


def run(tmp_path, new: dict, ok=True, error=None):
    pinned, ran = tmp_path / "pinned", tmp_path / "run"
    write(pinned, "01_graphs_pytorch", notebook("0.96", "(2, 3)", "0.91"))
    write(pinned, "05_data_pytorch", notebook("1.00", "(4,)", "0.50"))
    write(ran, "01_graphs_pytorch", new)
    write(ran, "05_data_pytorch", notebook("1.10", "(4,)", "0.51", version="2.15.0"))  # within noise only
    results = [
        {"name": "01_graphs_pytorch", "ok": ok, "error": error, "seconds": 3.0},
        {"name": "05_data_pytorch", "ok": True, "error": None, "seconds": 2.0},
    ]
    notebooks = drift.compare_run(ran, results, pinned)
    by_claim = {"C14": ["01_graphs_pytorch"], "C11": ["01_graphs_pytorch"], "C17": ["05_data_pytorch"]}
    return drift.report("latest", "3.12.1", {"torch": "2.15.0"}, notebooks, "2026-12-07", by_claim)


def test_the_report_catches_a_moved_verdict_number_and_a_changed_check(tmp_path):
    data = run(
        tmp_path,
        notebook("2.10", "(3, 2)", "0.91", warning="/x/keras/src/a.py:12: FutureWarning: `foo` is deprecated\n"),
    )
    graphs = data["notebooks"]["01_graphs_pytorch"]
    (moved,) = graphs["numbers_moved"]
    assert moved["claims"] == ["C14"] and moved["why"].startswith("0.96x -> 2.10x") and "25%" in moved["why"]
    (check,) = graphs["checks_changed"]
    assert "-shape (2, 3)" in check["diff"] and "+shape (3, 2)" in check["diff"]
    assert graphs["new_warnings"] == ["FutureWarning: `foo` is deprecated"]
    assert data["claims"]["C14"]["status"] == "needs a look"
    assert any("0.96x -> 2.10x" in why for why in data["claims"]["C14"]["why"])
    # C11 is judged by the same notebook, whose checked output changed, but its own number held: still a look
    assert data["claims"]["C11"]["status"] == "needs a look"
    assert not any("0.96x" in why for why in data["claims"]["C11"]["why"])
    # 1.00x -> 1.10x and 0.50 -> 0.51 (± 0.02) are within their noise; 2.13.0 -> 2.15.0 is a version, not a number
    assert data["notebooks"]["05_data_pytorch"]["numbers_moved"] == []
    assert data["claims"]["C17"]["status"] == "verdict still holds" and data["needs_a_look"] == ["C11", "C14"]
    text = drift.markdown(data)
    assert "+shape (3, 2)" in text and "0.96x -> 2.10x" in text and "| C17 | verdict still holds |" in text


def test_a_number_beyond_its_stated_noise_and_a_failure_are_reported(tmp_path):
    data = run(tmp_path, notebook("0.96", "(2, 3)", "0.95"), ok=False, error="cell 4: ValueError: boom")
    graphs = data["notebooks"]["01_graphs_pytorch"]
    assert [m["why"] for m in graphs["numbers_moved"]] == ["0.91 -> 0.95 (noise ±0.02)"]
    assert graphs["numbers_moved"][0]["claims"] == ["C11"] and graphs["checks_changed"] == []
    assert data["failed"] == 1 and any("failed (cell 4: ValueError: boom)" in w for w in data["claims"]["C14"]["why"])
    assert "**failed**: cell 4: ValueError: boom" in drift.markdown(data)


def test_an_unchanged_run_holds_every_claim(tmp_path):
    data = run(tmp_path, notebook("0.96", "(2, 3)", "0.91"))
    assert data["needs_a_look"] == [] and data["passed"] == 2


def test_numbers_skip_claim_ids_versions_and_sections_and_read_units():
    found = drift.numbers("C7, §3.1: torch 2.13.0+cpu, 12 wheels, 26.5x faster, 3.2 ms, 0.5 ± 0.1")
    assert [(n["text"], n["tolerance"], n["relative"]) for n in found] == [
        ("12", 0.0, False),
        ("26.5x", 0.25, True),
        ("3.2ms", 0.25, True),
        ("0.5", 0.1, False),
    ]
