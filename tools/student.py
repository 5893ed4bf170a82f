"""Make the student edition: every notebook with its solution cells emptied and its outputs cleared.

    python tools/student.py                  # -> student/ (git-ignored; make student)
    python tools/student.py --out /tmp/s     # anywhere else

Each ``solution`` cell becomes a stub that says what to write (the exercise's number and the names its check cell
uses) and stops with ``raise NotImplementedError(...)``, the idiom nbgrader's student versions use; ``check`` cells
are kept as they are. Every output and execution count is cleared. The cells carry nbgrader's metadata (solution
cells: ``solution``; check cells: ``grade``, locked, one point each; a ``grade_id`` per cell), so a teacher can
put the edition through nbgrader's autograder as it is. The notebooks iterate over whatever ``notebooks/*.ipynb``
exist; ``notebooks/pairs/`` is copied beside them, since some notebooks open its files by relative path.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
# the repository's conftest.py (by path: tests/conftest.py is also "conftest"): the names a solution binds and the
# probe that runs its checks without it
_spec = importlib.util.spec_from_file_location("course_conftest", ROOT / "conftest.py")
CONFTEST = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(CONFTEST)
solution_bound_names = CONFTEST.solution_bound_names

EXERCISE = re.compile(r"\*\*Exercise (\d+)")
STUB_MARK = "# STUDENT STUB"


def stub_source(solution: str, exercise: str) -> str:
    """What a student sees instead of the solution."""
    names = solution_bound_names(solution)
    wanted = ", ".join(f"`{n}`" for n in names) if names else "what the prompt asks for"
    return (
        f"{STUB_MARK}: exercise {exercise}. Write your solution here: define {wanted}.\n"
        f"# The check cell below runs it and says what it expected when it fails.\n"
        f'raise NotImplementedError("exercise {exercise}: write {", ".join(names) or "the solution"} in this cell")\n'
    )


def student_notebook(nb: nbformat.NotebookNode, stem: str) -> nbformat.NotebookNode:
    """A copy of nb with solutions replaced by stubs, outputs cleared, and nbgrader metadata."""
    nb = nbformat.from_dict(nb)  # a deep copy
    exercise, count = "?", {"solution": 0, "check": 0}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = EXERCISE.findall(cell.source)
            exercise = found[-1] if found else exercise
            continue
        cell.outputs, cell.execution_count = [], None
        tags = cell.metadata.get("tags", [])
        kind = "solution" if "solution" in tags else "check" if "check" in tags else None
        if kind is None:
            continue
        count[kind] += 1
        grade_id = f"{stem}-ex{exercise}-{kind}{count[kind]}"
        if kind == "solution":
            cell.source = stub_source(cell.source, exercise)
            cell.metadata.pop("jupyter", None)  # the solution was hidden; the stub is for the student to see
            cell.metadata["nbgrader"] = {
                "solution": True,
                "grade": False,
                "locked": False,
                "grade_id": grade_id,
                "schema_version": 3,
            }
        else:
            cell.metadata["nbgrader"] = {
                "solution": False,
                "grade": True,
                "locked": True,
                "points": 1,
                "grade_id": grade_id,
                "schema_version": 3,
            }
    return nb


def build(out: Path, notebooks_dir: Path = ROOT / "notebooks") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    # the files the notebooks open by relative path (06's screenshots, 07's model and server modules) come along
    shutil.copytree(
        notebooks_dir / "pairs", out / "pairs", dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    written = []
    for path in sorted(notebooks_dir.glob("*.ipynb")):
        nb = student_notebook(nbformat.read(path, as_version=4), path.stem)
        nbformat.write(nb, out / path.name)
        written.append(out / path.name)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "student")
    args = parser.parse_args()
    started = time.perf_counter()
    written = build(args.out)
    print(f"student edition: {len(written)} notebooks in {args.out} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
