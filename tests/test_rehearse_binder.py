"""tools/rehearse_binder.py's pure parts: the recorded torch substitution and the tables (the build and the runs
themselves need root, a user and a memory cgroup: `make binder-rehearsal`)."""

from pathlib import Path

from tools import rehearse_binder as rb
from utils import REPO_ROOT


def test_torch_from_pypi_changes_only_the_torch_line(tmp_path, monkeypatch):
    monkeypatch.setattr(rb, "REPO_DIR", REPO_ROOT)
    monkeypatch.setattr(rb, "REHEARSAL_REQUIREMENTS", tmp_path / "requirements.txt")
    monkeypatch.setattr(rb.os, "chown", lambda *a: None)
    change = rb.substituted_requirements()
    original = (REPO_ROOT / "binder" / "requirements.txt").read_text().splitlines()
    written = (tmp_path / "requirements.txt").read_text().splitlines()
    assert change["from"].endswith("+cpu") and change["to"] == change["from"].removesuffix("+cpu")
    differ = [(a, b) for a, b in zip(original, written) if a != b]
    # the torch pin, and the constraints file's relative path made absolute (pip reads it relative to the file)
    assert [b for a, b in differ if a.startswith("torch==")] == [change["to"]]
    for a, b in differ:
        if a.startswith("-c"):
            assert Path(b.split(maxsplit=1)[1]) == (REPO_ROOT / "binder" / a.split(maxsplit=1)[1]).resolve()
    assert len(differ) == 2 and len(original) == len(written)


def test_tables_show_both_runs_and_failures():
    runs = [
        {"notebook": "notebooks/a.ipynb", "run": 1, "ok": True, "seconds": 3.2, "peak_mb": 1200, "oom_kills": 0,
         "resident_peak_mb": 1100},
        {"notebook": "notebooks/a.ipynb", "run": 2, "ok": False, "seconds": 2.0, "peak_mb": 2048, "oom_kills": 1,
         "resident_peak_mb": 2000},
    ]  # fmt: skip
    table = rb.markdown_table(runs)
    assert "| a | 3 s | 1,200 | 1,100 | 2 s **OOM-killed** | 2,048 | 2,000 |" in table
    steps = rb.steps_table({"steps_s": {"pip": 1.5}, "build_s": 1.5})
    assert steps.splitlines()[-1] == "| **total** | **1.5** |"
