"""Lay out an nbgrader course directory from the student edition, one assignment per pair.

    python tools/grading.py --out grading           # make grading-course: every pair with exercises
    python tools/grading.py --out /tmp/g --pairs 01_graphs 02_autograd
    python tools/grading.py --out /tmp/g --rehearse 10_debugging --json docs/classroom/grading.json   # grade 3 learners
    python tools/grading.py --table docs/classroom/grading.json    # its table in docs/teaching.md

What it writes (nbgrader's own layout; docs/teaching.md lists the commands that follow):

    grading/nbgrader_config.py             course id, the exchange folder, the stub students see
    grading/source/<pair>/<notebook>.ipynb the instructor's version: tools/student.py's edition (nbgrader metadata,
                                           locked check cells worth one point each) with each solution between
                                           ``### BEGIN SOLUTION`` / ``### END SOLUTION`` under the stub's hint
    grading/exchange/                      a local exchange (release / fetch / submit / collect go through it)

``generate_assignment`` replaces each solution region with ``raise NotImplementedError(...)``; the hint above it
(which exercise, which names to define) stays.

``--rehearse`` then plays a class through nbgrader's own commands, as docs/teaching.md lists them: generate and
release each pair; three learners (their own folders and nbgrader cache) fetch it, and submit one solved copy (the
course's solutions pasted into the solution cells), one untouched copy and one whose locked check cells were edited
to pass; the teacher collects, autogrades (every notebook runs in a kernel) and exports grades.csv. It prints and
returns each notebook's score per learner; ``--json`` writes them. tests/test_grading.py runs it on one pair.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import nbformat

from tools import student

ROOT = Path(__file__).resolve().parent.parent

COURSE_ID = "pytorch-vs-tensorflow"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = 'raise NotImplementedError("write your solution in this cell")'
CONFIG = f'''\
# nbgrader's configuration for this course directory (written by tools/grading.py)
from pathlib import Path

c = get_config()  # noqa: F821 (nbgrader defines it)
HERE = Path(__file__).resolve().parent
c.CourseDirectory.course_id = "{COURSE_ID}"
c.CourseDirectory.root = str(HERE)
# a local exchange: every learner of this machine must be able to write to it (chmod 1777 when you share it)
c.Exchange.root = str(HERE / "exchange")
c.ClearSolutions.code_stub = {{"python": {CODE_STUB!r}}}
# a notebook of this course runs in under a minute on 2 cores; a cell in under 5
c.Execute.timeout = 300
'''


def is_exercise(cell) -> bool:
    return cell.cell_type == "code" and bool({"solution", "check"} & set(cell.metadata.get("tags", [])))


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def instructor_notebook(original: nbformat.NotebookNode, stem: str) -> nbformat.NotebookNode:
    """The student edition's cells and metadata, each solution between nbgrader's markers under the stub's hint."""
    nb = student.student_notebook(original, stem)
    for before, after in zip(original.cells, nb.cells):
        if nbgrader_meta(after).get("solution"):
            hint = [line for line in after.source.splitlines() if line.startswith("#")]
            after.source = "\n".join([*hint, BEGIN, before.source.rstrip("\n"), END])
    return nb


def pairs_with_exercises(notebooks_dir: Path = ROOT / "notebooks") -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in sorted(notebooks_dir.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if any(is_exercise(cell) for cell in nb.cells):
            pair = path.stem.rsplit("_", 1)[0]  # 01_graphs_pytorch -> 01_graphs
            found.setdefault(pair, []).append(path)
    return found


def build(out: Path, pairs: list[str] | None = None, notebooks_dir: Path = ROOT / "notebooks") -> dict[str, list[Path]]:
    available = pairs_with_exercises(notebooks_dir)
    unknown = sorted(set(pairs or []) - set(available))
    if unknown:
        raise SystemExit(f"no pair with exercises named {', '.join(unknown)}; pairs: {', '.join(available)}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(CONFIG)
    (out / "exchange").mkdir(exist_ok=True)
    written: dict[str, list[Path]] = {}
    for pair in pairs or available:
        folder = out / "source" / pair
        folder.mkdir(parents=True, exist_ok=True)
        for path in available[pair]:
            nb = instructor_notebook(nbformat.read(path, as_version=4), path.stem)
            nbformat.write(nb, folder / path.name)
            written.setdefault(pair, []).append(folder / path.name)
    return written


# ---- a class played through nbgrader's commands -------------------------------------------------------------------

LEARNERS = ("solved", "untouched", "tampered")
TAMPERED_CHECK = 'print("all checks passed")  # a learner edited the locked check cell\n'


def nbgrader(args: list[str], cwd: Path, log: list[str]) -> str:
    """One nbgrader command, as a teacher or learner types it (the venv's nbgrader)."""
    command = [str(Path(sys.executable).parent / "nbgrader"), *args]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }  # nbgrader runs alembic
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    log.append(f"$ (cd {cwd.name}) nbgrader {' '.join(args)} -> {done.returncode}")
    if done.returncode:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {cwd}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout + done.stderr


def edit_submission(folder: Path, learner: str, source: Path) -> None:
    """What each learner does to the fetched copy before submitting it."""
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        answers = {
            nbgrader_meta(c)["grade_id"]: c.source
            for c in nbformat.read(source / path.name, 4).cells
            if nbgrader_meta(c).get("solution")
        }
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if learner == "solved" and meta.get("solution"):
                lines = answers[meta["grade_id"]].splitlines()
                cell.source = "\n".join(lines[lines.index(BEGIN) + 1 : lines.index(END)])
            if learner == "tampered" and meta.get("grade"):
                cell.source = TAMPERED_CHECK
        nbformat.write(nb, path)


def scores(course: Path) -> dict[str, dict[str, dict[str, float]]]:
    """{notebook: {learner: {score, max_score}}} from the gradebook that autograde filled."""
    from nbgrader.api import Gradebook

    result: dict[str, dict[str, dict[str, float]]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for assignment in gradebook.assignments:
            for notebook in assignment.notebooks:
                for sub in gradebook.notebook_submissions(notebook.name, assignment.name):
                    result.setdefault(notebook.name, {})[sub.student.id] = {
                        "score": sub.score,
                        "max_score": sub.max_score,
                    }
    return result


def rehearse(course: Path, pairs: list[str], log: list[str]) -> dict:
    """generate, release; three learners fetch, edit, submit; collect, autograde, export. Returns what it found."""
    course = course.resolve()
    exchange = ["--course", COURSE_ID, f"--Exchange.root={course / 'exchange'}"]
    timings: dict[str, float] = {}
    for pair in pairs:
        nbgrader(["generate_assignment", pair, "--force"], course, log)
        nbgrader(["release_assignment", pair, "--force"], course, log)
    for learner in LEARNERS:
        home = course.parent / f"home-{learner}"
        home.mkdir(exist_ok=True)
        for pair in pairs:
            learner_args = [*exchange, f"--Exchange.cache={home / '.nbgrader-cache'}"]
            nbgrader(["fetch_assignment", pair, *learner_args], home, log)
            edit_submission(home / pair, learner, course / "source" / pair)
            nbgrader(["submit", pair, *learner_args, f"--student={learner}"], home, log)
    for pair in pairs:
        nbgrader(["collect", pair], course, log)
        started = time.perf_counter()
        nbgrader(["autograde", pair, "--force"], course, log)
        timings[pair] = round(time.perf_counter() - started, 1)
        nbgrader(["generate_feedback", pair, "--force"], course, log)
    nbgrader(["export", "--to", str(course / "grades.csv")], course, log)
    with open(course / "grades.csv", newline="") as handle:
        exported = list(csv.DictReader(handle))
    restored = {}  # did autograde put the locked check cells back in the tampered copies?
    for pair in pairs:
        for path in sorted((course / "autograded" / "tampered" / pair).glob("*.ipynb")):
            cells = nbformat.read(path, as_version=4).cells
            released = nbformat.read(course / "release" / pair / path.name, as_version=4).cells
            checks = [c.source for c in cells if nbgrader_meta(c).get("grade")]
            restored[path.stem] = checks == [c.source for c in released if nbgrader_meta(c).get("grade")]
    feedback = {  # one HTML page per learner and notebook
        pair: sorted(str(p.relative_to(course / "feedback")) for p in (course / "feedback").glob(f"*/{pair}/*.html"))
        for pair in pairs
    }
    return {
        "scores": scores(course),
        "grades_csv": exported,
        "feedback_pages": feedback,
        "checks_restored": restored,
        "autograde_seconds_per_pair": timings,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "grading")
    parser.add_argument("--pairs", nargs="*", help="assignments to lay out (default: every pair with exercises)")
    parser.add_argument("--rehearse", nargs="*", metavar="PAIR", help="grade three learners for these pairs")
    parser.add_argument("--json", type=Path, help="merge the rehearsal's findings into this record")
    parser.add_argument("--table", type=Path, metavar="JSON", help="only rewrite docs/teaching.md's grading table")
    args = parser.parse_args()
    if args.table:
        write_table(json.loads(args.table.read_text()))
        return 0
    written = build(args.out, args.pairs)
    count = sum(len(v) for v in written.values())
    print(
        f"nbgrader course in {args.out}: {len(written)} assignments, {count} notebooks in source/; "
        f"next: cd {args.out} && nbgrader generate_assignment <pair>"
    )
    if args.rehearse is None:
        return 0
    log: list[str] = []
    pairs = args.rehearse or list(written)
    before = loadavg()
    found = rehearse(args.out, pairs, log)
    print("\n".join(log))
    wrong = []
    for notebook, by_learner in sorted(found["scores"].items()):
        row = {k: f"{v['score']:g}/{v['max_score']:g}" for k, v in by_learner.items()}
        print(f"{notebook:32} " + "  ".join(f"{k} {v}" for k, v in row.items()))
        if not graded_as_expected(by_learner, found["checks_restored"].get(notebook, False)):
            wrong.append(notebook)
    run = {
        "pairs": pairs,
        "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "python": sys.version.split()[0],
        "nbgrader": version("nbgrader"),
        "loadavg_before": before,
        "loadavg_after": loadavg(),
    }
    if args.json:
        write_json(args.json, found, run)
    print("every notebook graded as expected" if not wrong else f"graded wrongly: {wrong}")
    return 1 if wrong else 0


TEACHING = ROOT / "docs" / "teaching.md"


def table(record: dict) -> str:
    """The grading rehearsal as docs/teaching.md shows it: one row per notebook."""
    rows = [
        "| notebook | solved | untouched | tampered (checks edited) | checks put back | autograde of the pair, "
        "3 learners | graded on (load before) |",
        "|---|---|---|---|---|---|---|",
    ]
    runs = {pair: run for run in record.get("runs", []) for pair in run["pairs"]}
    for notebook, by in sorted(record["scores"].items()):
        pair = notebook.rsplit("_", 1)[0]
        run = runs.get(pair, {})
        load = run.get("loadavg_before", [None])[0]
        cells = [f"{by[k]['score']:g}/{by[k]['max_score']:g}" for k in LEARNERS]
        rows.append(
            f"| {notebook} | {cells[0]} | {cells[1]} | {cells[2]} "
            f"| {'yes' if record['checks_restored'].get(notebook) else '**no**'} "
            f"| {record['autograde_seconds_per_pair'].get(pair, '?')} s "
            f"| {run.get('finished', '?')[:16]}{f' ({load:g})' if load is not None else ''} |"
        )
    return "\n".join(rows)


def write_table(record: dict, doc: Path = TEACHING) -> None:
    text = doc.read_text()
    start, end = "<!-- grading:start -->", "<!-- grading:end -->"
    before, rest = text.split(start)
    _, after = rest.split(end)
    doc.write_text(f"{before}{start}\n{table(record)}\n{end}{after}")


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def graded_as_expected(by_learner: dict, restored: bool) -> bool:
    """Solved: every point (and some points to get); untouched and tampered: none; tampered checks put back."""
    full = by_learner["solved"]["score"] == by_learner["solved"]["max_score"] > 0
    zero = by_learner["untouched"]["score"] == by_learner["tampered"]["score"] == 0
    return full and zero and restored


def write_json(path: Path, found: dict, run: dict) -> None:
    """Merge one rehearsal into the record (pairs graded by separate runs, each under the CPU lock, add up)."""
    record = json.loads(path.read_text()) if path.exists() else {}
    pairs = set(run["pairs"])
    if "loadavg" in record:  # the first record (one run, 10_debugging) had its run's fields at the top
        legacy = {
            "pairs": sorted(record.get("autograde_seconds_per_pair", {})),
            "finished": max((row["timestamp"][:16] for row in record.get("grades_csv", [])), default="") + " UTC",
            "python": record.pop("python", None),
            "loadavg_after": [float(x) for x in record.pop("loadavg")],
        }
        if not pairs & set(legacy["pairs"]):
            record["runs"] = [legacy]
    for key in ("scores", "checks_restored"):
        record[key] = {**record.get(key, {}), **found[key]}
    for key in ("autograde_seconds_per_pair", "feedback_pages"):
        record[key] = {**record.get(key, {}), **found[key]}
    record["grades_csv"] = [row for row in record.get("grades_csv", []) if row["assignment"] not in pairs] + found[
        "grades_csv"
    ]
    record["runs"] = [r for r in record.get("runs", []) if not pairs & set(r["pairs"])] + [run]
    record["notebooks_wrong"] = sorted(
        nb
        for nb, by in record["scores"].items()
        if not graded_as_expected(by, record["checks_restored"].get(nb, False))
    )
    record = {k: record[k] for k in sorted(record)}
    path.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
