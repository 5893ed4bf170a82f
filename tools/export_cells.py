"""Copy the lesson code that a module must import out of the notebook that teaches it (d2l's ``#@save``).

A code cell of a notebook source (``notebooks/text/*.py``) whose first line is

    # @save pairs/capstone/model.py

holds code a process outside the notebook imports too (a model server, a worker, a test). Its path is relative to
``notebooks/``. The notebook is the source: this tool writes every such cell, in notebook order, into one
generated block of that module, between two marker lines (the block's first line names the notebook)::

    # @generated from notebooks/text/11_capstone_pytorch.py by tools/export_cells.py: edit the notebook, not this
    class TorchCNN(nn.Module):
        ...


    # @end generated

The rest of the module (its docstring, imports, helpers no lesson shows) is written by hand. A module may hold
one block per notebook. Write the cells as the module's formatter would (``ruff format``), since the block is
copied verbatim.

    python tools/export_cells.py          # rewrite every block from its notebook
    python tools/export_cells.py --check  # exit 1 and name every block that differs from its notebook

``tests/test_export_cells.py`` runs the check, so a notebook and the module it feeds cannot drift apart.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parent.parent
MARK = "# @save "
BEGIN = "# @generated from {source} by tools/export_cells.py: edit the notebook, not this"
END = "# @end generated"
_BLOCK = re.compile(r"^# @generated from (\S+) by tools/export_cells\.py.*?\n(.*?)^# @end generated$", re.S | re.M)


class ExportError(ValueError):
    """A marked cell names a module that does not exist, or a module has no block for a notebook that feeds it."""


def saved_cells(source: Path, root: Path = ROOT) -> dict[Path, list[str]]:
    """{module path: [cell code without its marker line]} for the marked cells of one notebook source."""
    found: dict[Path, list[str]] = {}
    for cell in jupytext.read(source).cells:
        first, _, rest = cell.source.partition("\n")
        if cell.cell_type == "code" and first.startswith(MARK):
            module = root / "notebooks" / first[len(MARK) :].strip()
            found.setdefault(module, []).append(rest.strip("\n"))
    return found


def render(module_text: str, source_name: str, cells: list[str]) -> str:
    """The module's text with its block for ``source_name`` holding ``cells``."""
    body = "\n\n\n".join(cells) + "\n\n\n"  # two blank lines before the end marker, as ruff format wants
    for match in _BLOCK.finditer(module_text):
        if match.group(1) == source_name:
            return module_text[: match.start(2)] + body + module_text[match.end(2) :]
    raise ExportError(
        f"no block for {source_name} in this module: add the lines\n{BEGIN.format(source=source_name)}\n{END}\n"
        "where its code belongs, then run tools/export_cells.py"
    )


def export(root: Path = ROOT, write: bool = True) -> list[str]:
    """Bring every generated block up to date (or only compare, ``write=False``); return the stale ones."""
    wanted: dict[Path, dict[str, list[str]]] = {}
    for source in sorted((root / "notebooks" / "text").glob("*.py")):
        name = source.relative_to(root).as_posix()
        for module, cells in saved_cells(source, root).items():
            if not module.is_file():
                raise ExportError(f"{name} saves cells to {module.relative_to(root)}, which does not exist")
            wanted.setdefault(module, {})[name] = cells
    stale = []
    for module in sorted((root / "notebooks" / "pairs").rglob("*.py")):
        text = module.read_text()
        for match in _BLOCK.finditer(text):  # a block whose notebook no longer marks any cell for it
            if match.group(1) not in wanted.get(module, {}):
                raise ExportError(
                    f"{module.relative_to(root)} has a block from {match.group(1)}, which saves no cell to it"
                )
    for module, by_source in wanted.items():
        old = new = module.read_text()
        for source_name, cells in by_source.items():
            new = render(new, source_name, cells)
        if new != old:
            stale.append(f"{module.relative_to(root)} (from {', '.join(by_source)})")
            if write:
                module.write_text(new)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if a block is out of date")
    args = parser.parse_args(argv)
    try:
        stale = export(write=not args.check)
    except ExportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    verb = "out of date (run python tools/export_cells.py)" if args.check else "rewritten"
    for line in stale:
        print(f"{verb}: {line}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
