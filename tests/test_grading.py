"""nbgrader, end to end, on a real course directory (tools/grading.py; the commands are those of docs/teaching.md).

Every pair with exercises is laid out and put through ``generate_assignment`` (no kernel: about 10 s), and each
released notebook is compared with its source. Then one pair is played through every command a class uses, with
three learners: generate, release, fetch, submit, collect, autograde (each notebook runs in a kernel), export.
The solved copy must get every point, the untouched copy none, and the copy whose locked check cells were edited to
pass must get none either, with its check cells put back by autograde. 10_debugging is the pair graded here: its
two notebooks run in about 11 s together; autograde of the three learners took 61.5 s on 2 cores at load 2.4.
tools/grading.py --rehearse grades every pair the same way (docs/classroom/grading.json holds every pair's result).
"""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

from tools import grading
from utils import REPO_ROOT

GRADED_PAIR = "10_debugging"
PAIRS = grading.pairs_with_exercises()


def meta(cell) -> dict:
    return grading.nbgrader_meta(cell)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    out = tmp_path_factory.mktemp("grading") / "course"
    grading.build(out)
    log: list[str] = []
    grading.nbgrader(["generate_assignment", "*", "--force"], out, log)
    return out


def test_every_pair_with_exercises_is_an_assignment(course):
    assert len(PAIRS) >= 10 and GRADED_PAIR in PAIRS
    for pair, notebooks in PAIRS.items():
        assert sorted(p.name for p in (course / "source" / pair).glob("*.ipynb")) == sorted(p.name for p in notebooks)
        assert sorted(p.name for p in (course / "release" / pair).glob("*.ipynb")) == sorted(p.name for p in notebooks)


@pytest.mark.parametrize("pair", sorted(PAIRS))
def test_released_notebooks_hold_no_solution_and_lock_every_check(course, pair):
    for path in sorted((course / "release" / pair).glob("*.ipynb")):
        source = nbformat.read(course / "source" / pair / path.name, as_version=4).cells
        released = nbformat.read(path, as_version=4).cells
        assert [c.cell_type for c in released] == [c.cell_type for c in source], path.name
        solutions = [(s, r) for s, r in zip(source, released) if meta(s).get("solution")]
        checks = [(s, r) for s, r in zip(source, released) if meta(s).get("grade")]
        assert solutions and checks, f"{path.name}: no graded exercise"
        for before, after in solutions:
            answer = before.source.split(grading.BEGIN)[1].split(grading.END)[0]
            code = [line.strip() for line in answer.splitlines() if len(line.strip()) > 12]
            assert not [line for line in code if line in after.source], f"{path.name}: a solution line was released"
            assert grading.CODE_STUB in after.source and "Write your solution here" in after.source
        for before, after in checks:
            assert after.source == before.source and meta(after)["locked"] and meta(after)["points"] == 1


@pytest.fixture(scope="module")
def rehearsal(course):
    log: list[str] = []
    found = grading.rehearse(course, [GRADED_PAIR], log)
    print("\n".join(log))
    return found, log


def test_the_class_goes_through_every_command(rehearsal):
    _, log = rehearsal
    commands = [line.split("nbgrader ", 1)[1].split()[0] for line in log]
    for command in (
        "generate_assignment",
        "release_assignment",
        "fetch_assignment",
        "submit",
        "collect",
        "autograde",
        "generate_feedback",
        "export",
    ):
        assert command in commands, f"nbgrader {command} did not run"
    assert commands.count("submit") == len(grading.LEARNERS)


@pytest.mark.parametrize("notebook", [p.stem for p in PAIRS[GRADED_PAIR]])
def test_solved_gets_every_point_untouched_and_tampered_get_none(rehearsal, notebook):
    found, _ = rehearsal
    scores = found["scores"][notebook]
    assert scores["solved"]["max_score"] >= 2
    assert scores["solved"]["score"] == scores["solved"]["max_score"], scores
    assert scores["untouched"]["score"] == 0, scores
    # had autograde run the edited check cells, they would have printed 'all checks passed' for every point
    assert scores["tampered"]["score"] == 0, scores
    assert found["checks_restored"][notebook], "autograde kept the learner's edited check cells"


def test_export_writes_one_row_per_learner(rehearsal):
    found, _ = rehearsal
    rows = {row["student_id"]: row for row in found["grades_csv"] if row["assignment"] == GRADED_PAIR}
    assert set(rows) == set(grading.LEARNERS)
    assert float(rows["solved"]["score"]) == float(rows["solved"]["max_score"]) > 0
    assert float(rows["untouched"]["score"]) == float(rows["tampered"]["score"]) == 0


def test_feedback_is_one_page_per_learner_and_notebook(rehearsal):
    found, _ = rehearsal
    pages = found["feedback_pages"][GRADED_PAIR]
    assert len(pages) == len(grading.LEARNERS) * len(PAIRS[GRADED_PAIR]), pages


def test_the_record_merges_pair_by_pair(tmp_path):
    record = tmp_path / "grading.json"

    def found(pair, solved):
        notebook = f"{pair}_pytorch"
        scores = {"solved": solved, "untouched": 0.0, "tampered": 0.0}
        return {
            "scores": {notebook: {k: {"score": v, "max_score": 2.0} for k, v in scores.items()}},
            "checks_restored": {notebook: True},
            "autograde_seconds_per_pair": {pair: 1.0},
            "feedback_pages": {pair: []},
            "grades_csv": [{"assignment": pair, "student_id": "solved"}],
        }

    grading.write_json(record, found("01_graphs", 2.0), {"pairs": ["01_graphs"]})
    grading.write_json(record, found("02_autograd", 1.0), {"pairs": ["02_autograd"]})
    merged = json.loads(record.read_text())
    assert sorted(merged["scores"]) == ["01_graphs_pytorch", "02_autograd_pytorch"]
    assert [r["pairs"] for r in merged["runs"]] == [["01_graphs"], ["02_autograd"]]
    assert merged["notebooks_wrong"] == ["02_autograd_pytorch"]  # 1/2 for the solved copy is a failure
    grading.write_json(record, found("02_autograd", 2.0), {"pairs": ["02_autograd"]})  # graded again: replaced
    merged = json.loads(record.read_text())
    assert merged["notebooks_wrong"] == [] and len(merged["runs"]) == 2 and len(merged["grades_csv"]) == 2
    rows = grading.table(merged).splitlines()[2:]
    assert [row.split(" | ")[:4] for row in rows] == [
        ["| 01_graphs_pytorch", "2/2", "0/2", "0/2"],
        ["| 02_autograd_pytorch", "2/2", "0/2", "0/2"],
    ]


def test_make_grading_course_lays_out_the_course(tmp_path):
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "grading.py"), "--out", str(tmp_path / "g"), "--pairs", GRADED_PAIR],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "1 assignments, 2 notebooks" in done.stdout
    assert (tmp_path / "g" / "nbgrader_config.py").exists() and (tmp_path / "g" / "exchange").is_dir()
    bad = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "tools" / "grading.py"),
            "--out",
            str(tmp_path / "h"),
            "--pairs",
            "99_nothing",
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "no pair with exercises named 99_nothing" in bad.stderr
