"""The Chinese edition: translations beside the English sources, built into notebooks/zh/.

Each English notebook ``notebooks/NAME.ipynb`` may have a translation file ``notebooks/text/zh/NAME.md``: one
entry per markdown cell (and per code cell whose comments a learner must read), each keyed to its cell and to a
hash of the English text it translates::

    <!-- cell 3.5/1 md en=1a2b3c4d5e -->
    这里是该单元格的中文译文……

The key is the number (or slug) of the nearest heading above the cell and the cell's place below that heading
(``3.5/0`` is the heading cell ``### 3.5 ...`` itself), so inserting a cell in one section leaves the keys of every
other section alone. ``en=`` is the first ten hex digits of the SHA-256 of the English cell's source.

- An entry whose hash matches its English cell is **current**.
- An entry whose key matches but whose hash does not is **stale**: the English changed after it was translated.
  The zh notebook shows the old translation under a visible notice, and ``check`` fails.
- An English cell with no entry, or whose entry is still marked ``todo`` (``skeleton`` writes the English text in
  place with that mark; the translator removes it), is **missing**: the zh notebook shows the English under a notice, and ``check``
  fails.

Code cells are shared: the zh notebook takes the English cell's code and its stored outputs as they are. A code
entry (``code`` instead of ``md``) holds the same code with its comments translated; ``build`` refuses it unless
its code, with comments dropped, is token for token the English code (so a translation can never change what runs).

    python -m tools.zh skeleton NAME   # write/extend notebooks/text/zh/NAME.md with entries for missing cells
    python -m tools.zh check           # list stale and missing entries; exit 1 if any
    python -m tools.zh build           # write notebooks/zh/NAME.ipynb for every translated notebook
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TRANSLATIONS = NOTEBOOKS / "text" / "zh"
OUT = NOTEBOOKS / "zh"

ENTRY = re.compile(r"^<!-- cell (?P<key>\S+) (?P<kind>md|code) en=(?P<hash>[0-9a-f]{10})(?P<todo> todo)? -->$", re.M)
HEADING = re.compile(r"^#{1,4}\s+(?P<title>.+)$", re.M)
STALE_NOTICE = "> ⚠️ **译文待更新**：英文原文在翻译之后改动过，以下译文可能与英文不一致（英文见英文版同一单元格）。\n\n"
MISSING_NOTICE = "> ⚠️ **尚未翻译**：此单元格暂时显示英文原文。\n\n"


def en_hash(source: str) -> str:
    return hashlib.sha256(source.strip().encode()).hexdigest()[:10]


def heading_key(source: str) -> str | None:
    """'### 3.5 Threads' -> '3.5'; '## 5. Verdict' -> '5'; '# 08 · Speed' -> 'title'; None if no heading."""
    m = HEADING.search(source)
    if not m:
        return None
    title = m.group("title").strip()
    if source.lstrip().startswith("# ") and not source.lstrip().startswith("##"):
        return "title"
    num = re.match(r"(\d+(?:\.\d+)*)\.?\s", title)
    if num:
        return num.group(1)
    return re.sub(r"[^0-9a-z]+", "-", title.lower()).strip("-")[:40] or "h"


def cell_keys(nb: nbformat.NotebookNode) -> list[tuple[int, str, str]]:
    """(cell index, key, kind) for every markdown cell and every code cell with a comment line."""
    section, place, keys = "top", 0, []
    for i, cell in enumerate(nb.cells):
        source = cell.source
        if cell.cell_type == "markdown":
            key = heading_key(source)
            if key is not None:
                section, place = key, 0
            keys.append((i, f"{section}/{place}", "md"))
            place += 1
        elif cell.cell_type == "code" and comments(source):
            keys.append((i, f"{section}/{place}", "code"))
            place += 1
    return keys


def comments(code: str) -> list[str]:
    try:
        return [t.string for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type == tokenize.COMMENT]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []


def code_tokens(code: str) -> list[tuple[int, str]]:
    """The code without its comments, as tokens; magics (%, !) compared line by line."""
    lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    magics = [ln.strip() for ln in code.splitlines() if ln.lstrip().startswith(("%", "!"))]
    toks = tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline)
    skip = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    return [(0, m) for m in magics] + [(t.type, t.string) for t in toks if t.type not in skip]


@dataclass
class Entry:
    key: str
    kind: str
    hash: str
    text: str
    todo: bool = False


def read_entries(path: Path) -> dict[str, Entry]:
    text = path.read_text(encoding="utf-8")
    marks = list(ENTRY.finditer(text))
    entries = {}
    for m, nxt in zip(marks, marks[1:] + [None]):
        body = text[m.end() : nxt.start() if nxt else len(text)].strip("\n")
        if m["key"] in entries:
            raise ValueError(f"{path.name}: key {m['key']} appears twice")
        entries[m["key"]] = Entry(m["key"], m["kind"], m["hash"], body.rstrip() + "\n" if body.strip() else "", bool(m["todo"]))
    return entries


def english(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def status(name: str) -> tuple[list[str], list[str]]:
    """(stale, missing) descriptions for one translated notebook."""
    nb = english(name)
    entries = read_entries(TRANSLATIONS / f"{name}.md")
    stale, missing = [], []
    for i, key, kind in cell_keys(nb):
        entry = entries.get(key)
        if entry is None or entry.todo or not entry.text.strip():
            missing.append(f"{name} cell {i} ({key} {kind})")
        elif entry.hash != en_hash(nb.cells[i].source) or entry.kind != kind:
            stale.append(f"{name} cell {i} ({key} {kind}): translated from en={entry.hash}, English is now "
                         f"en={en_hash(nb.cells[i].source)}")
    return stale, missing


def translated() -> list[str]:
    return sorted(p.stem for p in TRANSLATIONS.glob("*.md"))


def skeleton(name: str) -> int:
    """Append an entry, with the English text to translate in place, for every cell that has none yet."""
    nb = english(name)
    path = TRANSLATIONS / f"{name}.md"
    entries = read_entries(path) if path.exists() else {}
    added = []
    for i, key, kind in cell_keys(nb):
        if key not in entries:
            added.append(f"<!-- cell {key} {kind} en={en_hash(nb.cells[i].source)} todo -->\n{nb.cells[i].source.strip()}\n")
    if added:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(("\n" if path.exists() and path.stat().st_size else "") + "\n".join(added))
    print(f"{path.relative_to(ROOT)}: {len(added)} entries added (English text in place: translate it)")
    return 0


def zh_notebook(name: str) -> nbformat.NotebookNode:
    nb = english(name)
    entries = read_entries(TRANSLATIONS / f"{name}.md")
    for i, key, kind in cell_keys(nb):
        cell, entry = nb.cells[i], entries.get(key)
        if entry is None or entry.todo or not entry.text.strip():
            if kind == "md":
                cell.source = MISSING_NOTICE + cell.source
            continue
        current = entry.hash == en_hash(cell.source) and entry.kind == kind
        if kind == "code":
            if code_tokens(entry.text) != code_tokens(cell.source):
                raise ValueError(f"{name} cell {i} ({key}): the translated code differs from the English code; "
                                 "a code entry may change comments only")
            if current:
                cell.source = entry.text.rstrip("\n")
            continue
        cell.source = entry.text.rstrip("\n") if current else STALE_NOTICE + entry.text.rstrip("\n")
    nb.metadata["language"] = "zh-CN"
    return nb


def build() -> int:
    OUT.mkdir(exist_ok=True)
    for name in translated():
        nbformat.write(zh_notebook(name), OUT / f"{name}.ipynb")
        print(f"wrote notebooks/zh/{name}.ipynb")
    return 0


def check() -> int:
    problems = []
    for name in translated():
        stale, missing = status(name)
        problems += [f"stale:   {s}" for s in stale] + [f"missing: {m}" for m in missing]
    print("\n".join(problems) if problems else f"{len(translated())} translated notebooks, all current")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("skeleton").add_argument("names", nargs="+")
    sub.add_parser("check")
    sub.add_parser("build")
    args = parser.parse_args(argv)
    if args.command == "skeleton":
        return max(skeleton(n) for n in args.names)
    return check() if args.command == "check" else build()


if __name__ == "__main__":
    sys.exit(main())
