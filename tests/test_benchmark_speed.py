"""Smoke test of benchmarks/speed.py: tiny sizes, eager modes only, a few repeats. Checks the JSON and the plot.

The full ladder is never run here (it takes minutes); no timing is asserted, only that each was measured.
"""

from __future__ import annotations

import json
import subprocess
import sys

from utils import REPO_ROOT

SCRIPT = REPO_ROOT / "benchmarks" / "speed.py"


def test_quick_run_writes_json_with_machine_description_and_a_plot(tmp_path):
    out = tmp_path / "quick.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--eager-only", "--rounds", "3", "--threads", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["schema"] == 1
    for key in ("cpu_model", "logical_cores", "usable_cores", "python", "numpy", "gpus", "load_average_start"):
        assert key in result["machine"], f"machine description lacks {key}"
    assert result["settings"]["ladder"] == "quick" and result["settings"]["threads"] == 1
    assert set(result["frameworks"]) == {"torch", "tf"}
    for fw, data in result["frameworks"].items():
        if "skipped" in data:  # a machine without this framework (the GPU box has no TensorFlow)
            continue
        assert "error" not in data, f"{fw}: {data.get('error')}"
        assert data["version"] and data["device"]
        assert data["threads"]["intra_op"] == 1, f"{fw} did not take the thread setting: {data['threads']}"
        rungs = {(r["rung"], r["task"]) for r in data["ladder"] if "median_ms" in r}
        assert rungs == {(rung, task) for rung in ("tiny", "small") for task in ("inference", "train")}, rungs
        for row in data["ladder"] + data["dispatch"]:
            assert row.get("median_ms", row.get("us_per_op", 0)) > 0, row
            assert row["first_call_s"] > 0
        assert {m["library"] for m in data["matmul"]} >= {"numpy"}
        assert all(m["gflops"] > 0 for m in data["matmul"])
    assert "verdict" in result["c15"]
    assert result["measurements"] > 0 and 0 <= result["unreliable_measurements"] <= result["measurements"]
    png = out.with_suffix(".png")
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "the plot was not written"
    assert png.stat().st_size > 5_000
