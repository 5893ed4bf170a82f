"""Checks on what the notebooks assert, read from their sources (notebooks/text/*.py) and stored outputs.

* A demonstrated error must be asserted: a ``try`` whose handler shows the error (binds it with ``as`` or prints)
  needs an ``else:`` branch, or a handler that raises or asserts, so the cell fails when the error stops
  happening. ``with utils.show.expect_error(...)`` does this for the common case. Exempt: cells whose output nbval
  compares (``# NBVAL_CHECK_OUTPUT``), ``solution`` cells (their ``check`` cell asserts, and conftest.py proves it
  fails without them), handlers that show nothing (a fallback or a retry is error handling, not a demonstration),
  and handlers of ``MissingComponentError`` (the probe for an optional program such as TorchServe).
* Lines marked ``# TWIN_PARITY`` print the same text in both twins; their stored outputs must agree.
* The solution-removal probe of conftest.py fails on a check that passes without its solution.
"""

from __future__ import annotations

import ast

import jupytext
import nbformat
import pytest

import conftest
from utils import NOTEBOOKS_DIR

SOURCES = sorted((NOTEBOOKS_DIR / "text").glob("*.py"))
SHOWING_CALLS = {"print", "display", "show_error"}
PARITY_MARK = "# TWIN_PARITY"


def _parse(source: str) -> ast.Module:
    lines = source.splitlines()
    return ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines))


def _shows_the_error(handler: ast.ExceptHandler) -> bool:
    calls = {n.func.id for n in ast.walk(handler) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return handler.name is not None or bool(calls & SHOWING_CALLS)


def _is_asserted(node: ast.Try) -> bool:
    """An ``else:`` counts only when it fails (raise/assert): an else that prints "no error" lets the cell pass."""
    checks = (ast.Raise, ast.Assert)
    if any(isinstance(x, checks) for s in node.orelse for x in ast.walk(s)):
        return True
    return any(isinstance(x, checks) for h in node.handlers for x in ast.walk(h))


def _is_probe(handler: ast.ExceptHandler) -> bool:
    return handler.type is not None and "MissingComponentError" in ast.unparse(handler.type)


def unasserted_demonstrations(source: str) -> list[int]:
    """Line numbers of ``try`` statements that show an error without asserting that it happened."""
    lines = []
    for node in ast.walk(_parse(source)):
        if isinstance(node, ast.Try) and node.handlers and not _is_asserted(node):
            shown = [h for h in node.handlers if _shows_the_error(h) and not _is_probe(h)]
            if shown:
                lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("text_file", SOURCES, ids=lambda p: p.stem)
def test_every_demonstrated_error_is_asserted(text_file):
    problems = []
    for index, cell in enumerate(jupytext.read(text_file).cells):
        if cell.cell_type != "code" or cell.source.startswith("# NBVAL_CHECK_OUTPUT"):
            continue
        if "solution" in cell.metadata.get("tags", []):
            continue
        for line in unasserted_demonstrations(cell.source):
            problems.append(f"cell {index}, line {line}")
    assert not problems, (
        f"{text_file.name}: a try/except shows an error but nothing fails if the error stops "
        f"happening ({', '.join(problems)}); add `else: raise AssertionError(...)` or use "
        f"utils.show.expect_error"
    )


@pytest.mark.parametrize(
    "source, flagged",
    [
        ("try:\n    f()\nexcept ValueError as err:\n    print(err)\n", [1]),
        ("try:\n    f()\nexcept ValueError as err:\n    print(err)\nelse:\n    raise AssertionError('no error')\n", []),
        ("try:\n    f()\nexcept ValueError as err:\n    print(err)\nelse:\n    print('no error here')\n", [1]),
        ("try:\n    f()\nexcept ValueError as err:\n    assert 'x' in str(err)\n", []),
        ("try:\n    f()\nexcept OSError:\n    pass\n", []),  # a retry or a fallback: not a demonstration
        ("try:\n    f()\nexcept MissingComponentError as err:\n    print(err)\n", []),
        ("def g():\n    try:\n        f()\n    except KeyError:\n        print('missing')\n", [2]),
    ],
)
def test_the_rule_flags_only_unasserted_demonstrations(source, flagged):
    assert unasserted_demonstrations(source) == flagged


def _parity_lines(name: str) -> dict[str, list[str]]:
    """For each ``# TWIN_PARITY`` print in the source: its literal prefix -> matching lines of the stored output."""
    text = jupytext.read(NOTEBOOKS_DIR / "text" / f"{name}.py")
    found = {}
    if not any(PARITY_MARK in cell.source for cell in text.cells):
        return found
    stored = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    for cell, built in zip(text.cells, stored.cells):
        marked = {i + 1 for i, line in enumerate(cell.source.splitlines()) if PARITY_MARK in line}
        if cell.cell_type != "code" or not marked:
            continue
        for node in ast.walk(_parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print" and node.lineno in marked:
                first = node.args[0]
                if isinstance(first, ast.JoinedStr):
                    first = first.values[0]
                assert isinstance(first, ast.Constant), f"{name}: a {PARITY_MARK} print must start with literal text"
                prefix = first.value
                output = "".join(o.get("text", "") for o in built.get("outputs", []) if o.get("name") == "stdout")
                found[prefix] = [line for line in output.splitlines() if line.startswith(prefix)]
    return found


STEMS = {p.stem for p in SOURCES}
PAIRS = sorted(s[: -len("_pytorch")] for s in STEMS if s.endswith("_pytorch") and f"{s[:-8]}_tensorflow" in STEMS)


@pytest.mark.parametrize("pair", PAIRS)
def test_lines_marked_twin_parity_print_the_same_in_both_twins(pair):
    torch_lines, tf_lines = _parity_lines(f"{pair}_pytorch"), _parity_lines(f"{pair}_tensorflow")
    assert set(torch_lines) == set(tf_lines), f"{pair}: {PARITY_MARK} lines differ between the twins"
    for prefix, lines in torch_lines.items():
        assert lines, f"{pair}_pytorch: no stored output line starts with {prefix!r}"
        assert lines == tf_lines[prefix], f"{pair}: the twins printed {lines} and {tf_lines[prefix]}"


def test_some_lines_are_marked_twin_parity():
    marked = [p.stem for p in SOURCES if PARITY_MARK in p.read_text()]
    assert {"02_autograd_pytorch", "02_autograd_tensorflow", "05_data_pytorch", "05_data_tensorflow"} <= set(marked)


def _run_probe(solution: str, check: str, namespace: dict) -> None:
    class Shell:  # the probe calls get_ipython().transform_cell, as in a kernel
        transform_cell = staticmethod(lambda source: source)

    namespace["get_ipython"] = lambda: Shell
    exec(solution, namespace)  # the earlier cells: the names exist, as they would in the kernel
    exec(conftest.solution_probe_source(solution, [check]), namespace)


def test_probe_passes_when_the_check_needs_the_solution():
    _run_probe("answer = 42\ndef f():\n    return 1\n", "assert answer == 42 and f() == 1", {})


def test_probe_fails_on_a_weakened_check_that_passes_without_the_solution():
    with pytest.raises(AssertionError, match="passed with its solution removed"):
        _run_probe("answer = 42\n", "assert 42 == 42  # weakened: never looks at answer", {})


def test_probe_stubs_every_name_the_solution_binds():
    solution = (
        "import io\nclass A:\n    x = 1\nfor i in range(2):\n    y = i\nwith open(__file__) as fh:\n    (z := 3)\n"
    )
    assert conftest.solution_bound_names(solution) == ["A", "i", "y", "fh", "z"]
