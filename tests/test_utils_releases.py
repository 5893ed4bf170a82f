"""utils.releases: the pinned framework releases and the newest drift report, as the start notebook shows them."""

from __future__ import annotations

import json

from utils.releases import last_drift, pinned, releases_markdown


def test_pins_and_no_report(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# comment\ntorch==2.15.0\ntensorflow==2.21.0  # why\nkeras==3.15.1\nnumpy==2.4.6\n")
    assert pinned(req) == {"torch": "2.15.0", "tensorflow": "2.21.0", "keras": "3.15.1"}
    text = releases_markdown(req, tmp_path)
    assert text.startswith("Every verdict was measured on PyTorch 2.15.0, TensorFlow 2.21.0, Keras 3.15.1")
    assert "No drift report yet" in text


def test_the_newest_report_of_the_stack_is_shown(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("torch==2.13.0\ntensorflow==2.21.0\nkeras==3.15.1\n")
    for date, torch in (("2026-11-01", "2.14.0"), ("2026-12-07", "2.15.0")):
        report = {
            "date": date,
            "stack": "latest",
            "passed": 22,
            "failed": 1,
            "needs_a_look": ["C14"],
            "versions": {"torch": torch, "tensorflow": "2.21.0", "keras": "3.16.0"},
        }
        (tmp_path / f"{date}-latest.json").write_text(json.dumps(report))
    (tmp_path / "2026-12-08-colab.json").write_text(json.dumps({**report, "date": "2026-12-08", "stack": "colab"}))
    assert last_drift(tmp_path)["date"] == "2026-12-07" and last_drift(tmp_path, "colab")["stack"] == "colab"
    text = releases_markdown(req, tmp_path)
    assert "Last drift report: **2026-12-07**" in text and "PyTorch 2.15.0" in text
    assert "22 of 23 notebooks passed; claims that need a look: C14" in text
