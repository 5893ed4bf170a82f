"""The student edition (tools/student.py, `make student`): solutions emptied, checks kept, each failing with a hint.

What runs where, so that no notebook executes twice:
* here, without a kernel (about a second): the edition is built into a temp dir from every notebooks/*.ipynb and
  compared with the original cell by cell; every check cell's ``assert`` carries a message (the hint a student
  reads when the answer is wrong); every solution cell has a check after it, so none escapes the probe.
* in the nbval run of each notebook: conftest.py's probe runs each exercise's checks with the solution replaced by
  a stand-in that says "<name> is not written yet", exactly what a student's empty cell leaves, and fails unless
  the checks fail with a hint (that message, or an assertion message). nbval then runs the real solution and its
  checks, which must pass: the full notebook passes. The probe's own behaviour is tested below.
"""

from __future__ import annotations

import ast
import time

import jupytext
import nbformat
import pytest

from tools import student
from utils import NOTEBOOKS_DIR

conftest = student.CONFTEST  # the repository's conftest.py (tests/conftest.py shadows the name)

NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))
SOURCES = sorted((NOTEBOOKS_DIR / "text").glob("*.py"))


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    started = time.perf_counter()
    written = student.build(out)
    print(f"student edition: {len(written)} notebooks in {time.perf_counter() - started:.2f} s")
    return out


def test_the_edition_holds_the_files_notebooks_open_by_relative_path(edition):
    assert (edition / "pairs" / "visualization" / "screens" / "tensorboard.png").is_file()
    assert not list((edition / "pairs").rglob("__pycache__"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_student_copy_keeps_checks_and_replaces_solutions_with_stubs(edition, name):
    original = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    copy = nbformat.read(edition / name, as_version=4)
    nbformat.validate(copy)
    assert [c.cell_type for c in copy.cells] == [c.cell_type for c in original.cells]
    grade_ids = []
    for before, after in zip(original.cells, copy.cells):
        if after.cell_type != "code":
            assert after.source == before.source
            continue
        assert after.outputs == [] and after.execution_count is None, f"{name}: outputs left in the student copy"
        if "solution" in tags(before):
            assert after.source.startswith(student.STUB_MARK) and "raise NotImplementedError" in after.source
            lines = [line.strip() for line in before.source.splitlines()]
            code = [line for line in lines if line and not line.startswith("#")]
            leaked = [line for line in code if len(line) > 12 and line in after.source]
            assert not leaked, f"{name}: the stub still holds solution code: {leaked}"
            for bound in conftest.solution_bound_names(before.source):
                assert f"`{bound}`" in after.source, f"{name}: the stub does not say to define {bound}"
            assert after.metadata["nbgrader"]["solution"] is True
            grade_ids.append(after.metadata["nbgrader"]["grade_id"])
        else:
            assert after.source == before.source, f"{name}: a non-solution cell changed"
        if "check" in tags(before):
            meta = after.metadata["nbgrader"]
            assert meta["grade"] is True and meta["locked"] is True and meta["points"] > 0
            grade_ids.append(meta["grade_id"])
    assert len(grade_ids) == len(set(grade_ids)), f"{name}: nbgrader grade_ids repeat"


def test_a_stub_stops_with_what_to_write():
    stub = student.stub_source("def fit(X, y):\n    return X\n", "1")
    with pytest.raises(NotImplementedError, match="exercise 1: write fit"):
        exec(stub, {})


@pytest.mark.parametrize("text_file", SOURCES, ids=lambda p: p.stem)
def test_every_solution_is_checked_and_every_check_assert_has_a_hint(text_file):
    cells = jupytext.read(text_file).cells
    for index, cell in enumerate(cells):
        if "solution" in tags(cell):
            after = [c for c in cells[index + 1 :] if c.cell_type == "code"][:1]
            assert after and "check" in tags(after[0]), (
                f"{text_file.name}: cell {index}, a solution with no check after it"
            )
        if "check" in tags(cell):
            lines = cell.source.splitlines()
            code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)
            bare = [n.lineno for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Assert) and n.msg is None]
            assert not bare, (
                f"{text_file.name}: check cell {index} has asserts without a message (lines {bare}); "
                "add the hint a student needs when the answer is wrong"
            )


def _run_probe(solution: str, check: str) -> None:
    class Shell:  # the probe calls get_ipython().transform_cell, as in a kernel
        transform_cell = staticmethod(lambda source: source)

    namespace = {"get_ipython": lambda: Shell}
    exec(solution, namespace)  # the earlier cells ran: the names exist, as they would in the kernel
    exec(conftest.solution_probe_source(solution, [check]), namespace)


@pytest.mark.parametrize(
    "check",
    [
        "assert fit(2) == 4",  # the stand-in's own message: "fit is not written yet"
        "import math\nassert math.isclose(fit(2), 4)",
        "assert isinstance(fit, type(len)), 'fit must be a function'",  # an assertion message
    ],
)
def test_probe_accepts_a_check_that_fails_with_a_hint(check, capsys):
    _run_probe("def fit(x):\n    return x * 2\n", check)
    assert "fails, as it must, saying:" in capsys.readouterr().out


def test_probe_refuses_a_check_that_fails_without_a_hint():
    with pytest.raises(AssertionError, match="no hint for the student"):
        _run_probe("answer = 3\n", "assert isinstance(answer, int)")  # a bare assert: a student learns nothing
    with pytest.raises(AssertionError, match="no hint for the student"):
        _run_probe("table = {'a': 1}\n", "assert sorted(dict(a=1)) == ['a']\nraise TypeError('unrelated')")
