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
  place with that mark; the translator removes it), is **missing**: the zh notebook shows the English under a
  notice, and ``check`` fails.

Code cells are shared: the zh notebook takes the English cell's code and its stored outputs. A code entry (``code``
instead of ``md``) holds the same code with its comments translated, and the string literals it prints as prose
(verdict lines, explanations): ``build`` refuses it unless it is the English code but for comments and the text of
string literals (compared on the AST, so the same on Python 3.11-3.13; an f-string keeps the same replacement
fields, conversions and format specs in the same order, only the text between them may differ, and may not gain text
where the English has none; a literal inside a field with a width or a conversion, ``{'label':<40}``, stays English,
since it would print at another width), so a translation can never change what runs. Outputs stay shared: ``build``
rewrites the cell's stream and text/plain outputs, replacing what each translated English literal printed (its text
around the same field values, so numbers are never copied by hand) by its Chinese text; a translated literal found
nowhere in the outputs is refused, unless it sits in a branch that may not have run (``if``/``else``, ``x if c else
y``, ``and``/``or``, ``except``), and so is a translated literal whose English an untranslated literal of the cell
also holds (their prints cannot be told apart), so a translation can never silently disagree with what the code
prints, and nbval checks a checked cell's Chinese prints. Translate only sentences a learner reads; strings that are
data stay English: dict keys, paths, labels and table headers, anything compared or parsed later, checked by a test
or matched by nbval-sanitize.cfg, plot titles and labels (drawn into images), and any comment or string on a line a
tool prints back (a traceback, ``torch._dynamo.explain``, ``inspect.getsource``). A code cell without comments gets
an entry only if its prints are translated: its key counts on from the counted cell above it (``3.2/1+1``: the first
such code cell after ``3.2/1``), so it shifts no other key (``skeleton --prints``).

The zh notebook lives in ``notebooks/zh/``, one folder below the English one, and runs the English code, which
reads paths relative to ``notebooks/`` (``artifacts/``, ``pairs/...``): ``build`` inserts one small code cell after
the Colab cell that moves the kernel up to ``notebooks/`` (a no-op there and on Colab, whose first cell already
goes there), and rewrites the relative links of markdown cells (images, repository files, other notebooks) so they
resolve from ``notebooks/zh/``; a link to a notebook that has a translation stays in ``zh/``. The Chinese quotes
of the claims (``utils.course.add_quotes``) are added as in the English build.

The glossary (``glossary.tsv``: English, 中文, note; ``#`` starts a comment) keeps terms consistent: where a
current entry's English uses a glossary term, the translation must use its Chinese term (or keep the English word,
as for API names). An entry may waive a term it renders otherwise with ``<!-- glossary-skip: term, term -->``.

    python -m tools.zh skeleton NAME   # write/extend notebooks/text/zh/NAME.md with entries for missing cells
    python -m tools.zh skeleton --prints NAME   # ... and for code cells without comments that print
    python -m tools.zh check           # list stale and missing entries and glossary misses; exit 1 if any
    python -m tools.zh build           # write notebooks/zh/NAME.ipynb for every translated notebook (make zh)
"""

from __future__ import annotations

import argparse
import ast
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
GLOSSARY = TRANSLATIONS / "glossary.tsv"
MARKERS = re.compile(r"#\s*(NBVAL_\w+|noqa\b|type: ignore|fmt: (on|off)|%%)")  # tool marks, nothing to translate
SKIP = re.compile(r"<!--\s*glossary-skip:\s*(?P<terms>[^>]*?)\s*-->")
CWD_CELL = (
    "# 中文版在 notebooks/zh/ 中：代码与英文版共用，工作目录也与英文版相同（notebooks/）\n"
    "import os\n\n"
    'if os.path.basename(os.getcwd()) == "zh":\n'
    '    os.chdir("..")'
)
MD_LINK = re.compile(r"(?P<pre>!?\[[^\]]*\]\(|\bsrc=\"|\bhref=\")(?P<target>[^)\"\s]+)")


def en_hash(source: str) -> str:
    """The English cell's hash, without the claims' Chinese quotes the build adds (utils.course.add_quotes)."""
    from utils.course import without_quotes

    return hashlib.sha256(without_quotes(source).strip().encode()).hexdigest()[:10]


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


def cell_keys(nb: nbformat.NotebookNode, optional: bool = False) -> list[tuple[int, str, str]]:
    """(cell index, key, kind) for every markdown cell and every code cell with a comment line.

    With ``optional``, also every other code cell, keyed after the counted cell above it (``3.2/1+1`` is the first
    such code cell after ``3.2/1``): an entry for one translates its printed prose. These keys do not shift the
    counted ones, and a cell without an entry is not missing (its prose may stay English)."""
    section, place, extra, keys = "top", 0, 0, []
    for i, cell in enumerate(nb.cells):
        source = cell.source
        if cell.cell_type == "markdown":
            key = heading_key(source)
            if key is not None:
                section, place = key, 0
            keys.append((i, f"{section}/{place}", "md"))
            place, extra = place + 1, 0
        elif cell.cell_type == "code" and [c for c in comments(source) if not MARKERS.match(c)]:
            keys.append((i, f"{section}/{place}", "code"))
            place, extra = place + 1, 0
        elif cell.cell_type == "code" and optional:
            extra += 1
            keys.append((i, f"{section}/{place - 1 if place else ''}+{extra}", "code"))
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


class CodeChanged(ValueError):
    """A code entry changes more than comments and printed string literals."""


@dataclass
class Literal:
    """One string literal of a cell: its text between replacement fields (a plain string is one part), and whether
    it sits in a branch that may not have run (``if``/``else``, ``x if c else y``, ``and``/``or``, ``except``)."""

    parts: tuple[str, ...]
    conditional: bool
    line: int
    padded: bool = False  # formatted by an enclosing field's spec or conversion: its printed width would change


BRANCHES = {ast.If: ("body", "orelse"), ast.IfExp: ("body", "orelse"), ast.BoolOp: ("values",)}
BRANCHES |= {ast.ExceptHandler: ("body",), ast.Try: ("orelse",), ast.match_case: ("body",)}


def shape(node: object, literals: list[Literal], conditional: bool = False, padded: bool = False) -> object:
    """The code of an AST node with every string literal's text taken out (into ``literals``, in source order): two
    pieces of code with the same shape differ in the text of their string literals only. An f-string keeps its
    replacement fields (expression, conversion, format spec) in the shape; only the text between them is taken.
    ``padded``: inside a field with a format spec or conversion (``{'label':<40}``, ``{x!r}``), which changes how
    the text prints."""
    if isinstance(node, list):
        return tuple(shape(n, literals, conditional, padded) for n in node)
    if not isinstance(node, ast.AST):
        return node
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        literals.append(Literal((node.value,), conditional, node.lineno, padded))
        return ("str",)
    if isinstance(node, ast.JoinedStr):
        parts, fields = [""], []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts[-1] += value.value
            else:  # a FormattedValue: its expression is code; its format spec (":<9") stays as written
                spec = ast.dump(value.format_spec) if value.format_spec else None
                inner = padded or spec is not None or value.conversion != -1
                fields.append((shape(value.value, literals, conditional, inner), value.conversion, spec))
                parts.append("")
        literals.append(Literal(tuple(parts), conditional, node.lineno, padded))
        return ("f-string", tuple(fields))
    branches = BRANCHES.get(type(node), ())
    return (type(node).__name__,) + tuple(
        (name, shape(getattr(node, name), literals, conditional or name in branches, padded))
        for name in node._fields
        if name not in ("ctx", "type_comment", "kind")
    )


def string_changes(en_code: str, zh_code: str) -> list[tuple[Literal, Literal]]:
    """(English, Chinese) for every string literal a code entry changes; raises CodeChanged if it changes anything
    but comments and string literals (f-strings: the text between the same replacement fields), so a translation
    can never change what runs. Compared on the AST (Python 3.11 tokenizes an f-string as one STRING, 3.12+ as
    FSTRING_START/MIDDLE/END) and on the tokens without comments and string text (the layout a traceback or
    torch._dynamo.explain echoes)."""

    def strip(tokens: list[tuple[int, str]]) -> list[tuple[int, str]]:
        text = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)}
        return [t for t in tokens if t[0] not in text]

    if strip(code_tokens(en_code)) != strip(code_tokens(zh_code)):
        raise CodeChanged("the code differs beyond comments and string literals")
    parsed = []
    for code in (en_code, zh_code):
        lines = [ln if not ln.lstrip().startswith(("%", "!")) else "" for ln in code.splitlines()]
        try:
            tree = compile("\n".join(lines), "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        except SyntaxError as e:
            raise CodeChanged(f"the code does not parse ({e.msg}, line {e.lineno})") from None
        literals: list[Literal] = []
        parsed.append((shape(tree.body, literals), literals))
    (en_shape, en_lits), (zh_shape, zh_lits) = parsed
    if en_shape != zh_shape:
        raise CodeChanged("the code differs beyond comments and string literals (an f-string's fields included)")
    changes = []
    for en, zh in zip(en_lits, zh_lits):
        if en.parts == zh.parts:
            continue
        if en.padded:
            raise CodeChanged(
                f"line {en.line}: {'{…}'.join(en.parts)!r} is formatted by a replacement field (a width, a repr): "
                "translated, it would print otherwise than the rewritten output says; keep it English"
            )
        placed = [i for i, (e, z) in enumerate(zip(en.parts, zh.parts)) if z and not e]
        if placed:
            raise CodeChanged(
                f"line {en.line}: the Chinese adds text where the English literal has none (part {placed[0]} of "
                f"{en.parts!r}): its place in the printed output is unknown; translate the English words only"
            )
        changes.append((en, zh))
    kept = ["".join(en.parts) for en, zh in zip(en_lits, zh_lits) if en.parts == zh.parts]
    for en, _ in changes:
        clash = next((k for k in kept if printed(en.parts).search(k)), None)
        if clash is not None:
            raise CodeChanged(
                f"line {en.line}: {'{…}'.join(en.parts)!r} is translated, but the untranslated {clash!r} holds the "
                "same English: the outputs cannot tell their prints apart; translate both alike or neither"
            )
    return changes


def printed(parts: tuple[str, ...], greedy: bool = False) -> re.Pattern:
    """What a literal prints: its text from the first to the last non-empty part, a field's value between two parts.
    A value stays on one line unless a part next to it starts or ends one; ``greedy`` takes the longest value, for
    the ambiguity check. A text that starts or ends with a word matches whole words only ("traces" is not the end of
    "retraces")."""
    first = next(i for i, p in enumerate(parts) if p)
    last = max(i for i, p in enumerate(parts) if p)
    pattern = re.escape(parts[first])
    for before, after in zip(parts[first:last], parts[first + 1 : last + 1]):
        multiline = before.endswith("\n") or after.startswith("\n")
        value = "(.*?)" if multiline else "([^\n]*)" if greedy else "([^\n]*?)"
        pattern += value + re.escape(after)
    start = r"(?<!\w)" if re.match(r"\w", parts[first]) else ""
    end = r"(?!\w)" if re.search(r"\w$", parts[last]) else ""
    return re.compile(start + pattern + end, re.S)


def rewrite_outputs(outputs: list, changes: list[tuple[Literal, Literal]], where: str) -> None:
    """Replace, in a cell's stream and text/plain outputs, what each changed English literal printed by what its
    Chinese prints: the literal text around the same field values. A changed literal found nowhere in the outputs is
    refused unless it sits in a branch that did not run: a string that is not printed stays English."""
    texts = [(o, "text") for o in outputs if o.get("output_type") == "stream"]
    texts += [(o["data"], "text/plain") for o in outputs if "text/plain" in o.get("data", {})]
    by_english: dict[tuple[str, ...], tuple[Literal, Literal]] = {}
    for en, zh in changes:  # the same English literal twice in a cell: its prints are rewritten once
        seen = by_english.setdefault(en.parts, (en, zh))
        if seen[1].parts != zh.parts:
            raise ValueError(f"{where}: {'{…}'.join(en.parts)!r} is translated in two ways; its prints cannot tell")
        if not en.conditional:
            by_english[en.parts] = (en, seen[1])  # found or refused as the unconditional one
    for en, zh in sorted(by_english.values(), key=lambda c: -len("".join(c[0].parts))):
        first = next(i for i, p in enumerate(en.parts) if p)
        last = max(i for i, p in enumerate(en.parts) if p)

        def chinese(m: re.Match, first: int = first, last: int = last, zh: Literal = zh) -> str:
            return zh.parts[first] + "".join(v + p for v, p in zip(m.groups(), zh.parts[first + 1 : last + 1]))

        found = 0
        for holder, field in texts:
            new, n = printed(en.parts).subn(chinese, holder[field])
            if new != printed(en.parts, greedy=True).sub(chinese, holder[field]):
                raise ValueError(
                    f"{where}: {'{…}'.join(en.parts)!r} (line {en.line}): a field's printed value holds the text "
                    "that follows it, so where the value ends is ambiguous; keep this string English"
                )
            holder[field], found = new, found + n
        if not found and not en.conditional:
            raise ValueError(
                f"{where}: the English string {'{…}'.join(en.parts)!r} (line {en.line}), translated, is not in the "
                "cell's outputs: translate only strings the cell prints (and keep them where they are printed)"
            )


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
        translation = body.rstrip() + "\n" if body.strip() else ""
        entries[m["key"]] = Entry(m["key"], m["kind"], m["hash"], translation, bool(m["todo"]))
    return entries


def english(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def status(name: str) -> tuple[list[str], list[str]]:
    """(stale, missing) descriptions for one translated notebook. An entry whose key no cell has any more (its cell
    was removed, or gained its first comment and so a counted key) is stale too: its translation is not shown."""
    nb = english(name)
    entries = read_entries(TRANSLATIONS / f"{name}.md")
    stale, missing = [], []
    keys = cell_keys(nb, optional=True)
    for i, key, kind in keys:
        entry = entries.get(key)
        if entry is None and "+" in key:
            continue  # a code cell without comments: an entry for its printed prose is optional
        if entry is None or entry.todo or not entry.text.strip():
            missing.append(f"{name} cell {i} ({key} {kind})")
        elif entry.hash != en_hash(nb.cells[i].source) or entry.kind != kind:
            stale.append(
                f"{name} cell {i} ({key} {kind}): translated from en={entry.hash}, English is now "
                f"en={en_hash(nb.cells[i].source)}"
            )
    known = {key for _, key, _ in keys}
    stale += [f"{name} entry {key}: no such cell in the English any more" for key in entries if key not in known]
    return stale, missing


def translated() -> list[str]:
    return sorted(p.stem for p in TRANSLATIONS.glob("*.md") if (NOTEBOOKS / f"{p.stem}.ipynb").is_file())


def skeleton(name: str, prints: bool = False) -> int:
    """Append an entry, with the English text to translate in place, for every cell that has none yet; with
    ``prints``, also for every code cell without comments that calls print (to translate its printed prose; delete
    the entries of cells whose prints are labels or data)."""
    from utils.course import without_quotes

    nb = english(name)
    path = TRANSLATIONS / f"{name}.md"
    entries = read_entries(path) if path.exists() else {}
    added = []
    for i, key, kind in cell_keys(nb, optional=prints):
        if "+" in key and "print(" not in nb.cells[i].source:
            continue
        if key not in entries:
            source = without_quotes(nb.cells[i].source).strip() if kind == "md" else nb.cells[i].source.strip()
            added.append(f"<!-- cell {key} {kind} en={en_hash(source)} todo -->\n{source}\n")
    if added:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(("\n" if path.exists() and path.stat().st_size else "") + "\n".join(added))
    print(f"{path}: {len(added)} entries added (English text in place: translate it)")
    return 0


def relink(markdown: str) -> str:
    """Relative links and images of an English markdown cell, made to resolve from notebooks/zh/."""

    def fix(m: re.Match) -> str:
        target = m["target"]
        if re.match(r"^([a-z][a-z0-9+.-]*:|#|/|\.\./)", target):
            return m[0]
        path, _, anchor = target.partition("#")
        if path.endswith(".ipynb") and "/" not in path and (TRANSLATIONS / f"{path[:-6]}.md").is_file():
            return m[0]  # its Chinese twin sits beside this notebook
        return m["pre"] + "../" + target

    return MD_LINK.sub(fix, markdown)


def zh_notebook(name: str) -> nbformat.NotebookNode:
    from utils.course import add_quotes

    nb = english(name)
    entries = read_entries(TRANSLATIONS / f"{name}.md")
    notices = {}
    for i, key, kind in cell_keys(nb, optional=True):
        cell, entry = nb.cells[i], entries.get(key)
        if entry is None or entry.todo or not entry.text.strip():
            if kind == "md":
                notices[i] = MISSING_NOTICE
            continue
        current = entry.hash == en_hash(cell.source) and entry.kind == kind
        if kind == "code":
            if not current:
                continue  # a stale code entry: the English cell runs as it is, and check lists the entry
            where = f"{name} cell {i} ({key})"
            try:
                changes = string_changes(cell.source, entry.text)
            except CodeChanged as e:
                raise CodeChanged(
                    f"{where}: {e}; a code entry may change comments and printed string literals only"
                ) from None
            rewrite_outputs(cell.get("outputs", []), changes, where)
            cell.source = entry.text.rstrip("\n")
            continue
        cell.source = SKIP.sub("", entry.text).strip("\n")
        if not current:
            notices[i] = STALE_NOTICE
    add_quotes(nb, f"{name}.ipynb")  # as the English build does (tools/build_notebooks.py)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            cell.source = notices.get(i, "") + relink(cell.source)
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), -1)
    cwd = nbformat.v4.new_code_cell(CWD_CELL, metadata={"tags": ["zh-cwd"]})
    cwd.id = "zh-cwd"  # a fixed id: every build writes the same notebook, so a rebuild shows no diff
    nb.cells.insert(first_code + 1, cwd)
    nb.metadata["language"] = "zh-CN"
    return nb


def glossary() -> list[tuple[str, str]]:
    """(English term, Chinese term) rows of glossary.tsv; a term with several rows may be rendered by any."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            english_term, chinese = line.split("\t")[:2]
            rows.append((re.sub(r"\s*\(.*\)$", "", english_term).strip(), chinese.strip()))
    return rows


def prose(markdown: str) -> str:
    """A cell's words, without code spans, fences, links' targets and HTML comments."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    return re.sub(r"\]\([^)]*\)", "] ", text)


def glossary_misses(name: str) -> list[str]:
    """Current translations that render a glossary term otherwise: '<name> cell <key>: term -> 中文'."""
    nb, entries = english(name), read_entries(TRANSLATIONS / f"{name}.md")
    terms: dict[str, set[str]] = {}
    rows = glossary()
    for en, zh in rows:
        terms.setdefault(en, set()).add(zh)
    for en in terms:  # "graph" is also rendered by the term of "static graph": 静态图
        terms[en] |= {zh for longer, zh in rows if longer != en and re.search(rf"\b{re.escape(en)}\b", longer)}
    misses = []
    for i, key, kind in cell_keys(nb):
        entry = entries.get(key)
        if kind != "md" or entry is None or entry.todo or entry.hash != en_hash(nb.cells[i].source):
            continue
        skipped = {t.strip().lower() for m in SKIP.finditer(entry.text) for t in m["terms"].split(",")}
        en_words, zh_words = prose(nb.cells[i].source), prose(entry.text)
        for en, zhs in terms.items():
            if en.lower() in skipped or not re.search(rf"(?<![\w-]){re.escape(en)}s?(?![\w-])", en_words, re.I):
                continue
            if not any(z in zh_words for z in zhs) and not re.search(re.escape(en), zh_words, re.I):
                misses.append(f"{name} cell {key}: '{en}' -> {' / '.join(sorted(zhs))}")
    return misses


def build() -> int:
    OUT.mkdir(exist_ok=True)
    for name in translated():
        nbformat.write(zh_notebook(name), OUT / f"{name}.ipynb")
        stale, missing = status(name)
        print(f"wrote notebooks/zh/{name}.ipynb ({len(stale)} stale, {len(missing)} missing cells)")
    for old in OUT.glob("*.ipynb"):
        if old.stem not in translated():
            old.unlink()
            print(f"removed notebooks/zh/{old.name} (no translation file)")
    return 0


def check() -> int:
    problems = []
    for name in translated():
        stale, missing = status(name)
        problems += [f"stale:   {s}" for s in stale] + [f"missing: {m}" for m in missing]
        problems += [f"glossary: {g}" for g in glossary_misses(name)]
    print("\n".join(problems) if problems else f"{len(translated())} translated notebooks, all current")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    skel = sub.add_parser("skeleton")
    skel.add_argument("names", nargs="+")
    skel.add_argument("--prints", action="store_true", help="also code cells without comments that print")
    sub.add_parser("check")
    sub.add_parser("build")
    args = parser.parse_args(argv)
    if args.command == "skeleton":
        return max(skeleton(n, args.prints) for n in args.names)
    return check() if args.command == "check" else build()


if __name__ == "__main__":
    sys.exit(main())
