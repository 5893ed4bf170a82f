"""Build the course's static site: facing pages, PyTorch left and TensorFlow right, aligned section by section.

    python tools/build_site.py                 # -> site/ (git-ignored), from the executed notebooks/*.ipynb
    python tools/build_site.py --out /tmp/s    # anywhere else

Offline by construction: markdown goes through nbconvert's own mistune renderer, code through Pygments (its CSS is
inlined), plots are the notebooks' stored PNGs inlined as data: URIs, and nothing is fetched at build or view time
(no CDN, no MathJax: formulas stay as their TeX text). No JavaScript: a page is a CSS grid whose rows start at the
level-2 and level-3 headings, so a heading and its twin sit at the same height.

Rows are paired by heading: the seven outline headings match exactly, subsections by a small alignment (same
number, similar words); a subsection only one notebook has gets an empty twin slot that says so. Each pair page
ends its verdict row with the course map's verdicts (utils/course.py) across both columns. The pages iterate over
whatever notebooks exist in the course map; a topic with neither notebook built is listed as planned.
"""

from __future__ import annotations

import argparse
import base64
import html
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.filters import strip_ansi
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from utils.course import CLAIMS, REPO_URL, START, START_CLAIMS, TOPICS, binder_url, colab_url

ROOT = Path(__file__).resolve().parent.parent

FRAMEWORKS = ("pytorch", "tensorflow")
LABELS = {"pytorch": "PyTorch", "tensorflow": "TensorFlow"}
HEADING = re.compile(r"^(#{2,3}) +(.+?)\s*$")
NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+")
# words that say which framework, not what the section does
STOPWORDS = {"the", "and", "a", "of", "in", "torch", "tf", "pytorch", "tensorflow", "keras", "nn"}
FORMATTER = HtmlFormatter(cssclass="highlight")
CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1b1b;background:#fff}
header.top{padding:12px 20px;border-bottom:1px solid #ddd;background:#f7f7f9}
header.top a{margin-right:14px}
main{padding:0 20px 40px}
.colheads,.row{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);column-gap:28px}
.colheads{position:sticky;top:0;background:#fff;border-bottom:2px solid #333;z-index:1;font-weight:600;padding:6px 0}
.row{border-top:1px solid #eee;padding-top:6px}
.col{min-width:0}
.col>:first-child{margin-top:6px}
.full{grid-column:1/3}
.missing{color:#777;font-style:italic;border:1px dashed #bbb;padding:10px;margin-top:6px}
pre{white-space:pre;overflow-x:auto;font-size:12.5px;line-height:1.35;margin:4px 0;padding:6px}
.input .highlight{background:#f6f8fa;border-left:3px solid #8aa}
.stream{background:#fff;border-left:3px solid #ddd}
.stderr{background:#fff4f4}
.error{background:#fdd}
img{max-width:100%}
table{border-collapse:collapse;margin:8px 0;font-size:13.5px}
th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top}
.verdict{font-weight:600}
h1{font-size:1.6em;margin:.4em 0}h2{font-size:1.35em}h3{font-size:1.12em}
.anchor-link{display:none}
.solution-note{font-size:12px;color:#666}
"""


@dataclass
class Segment:
    """One row candidate: a heading (or none, for what precedes the first one) and the HTML under it."""

    level: int
    title: str
    parts: list[str] = field(default_factory=list)

    @property
    def number(self) -> str:
        found = NUMBER.match(self.title)
        return found.group(1) if found else ""

    @property
    def words(self) -> set[str]:
        return set(re.findall(r"[a-z][a-z0-9_]+", NUMBER.sub("", self.title).lower())) - STOPWORDS


def page_name(notebook: str) -> str:
    """Where a notebook is shown: a pair page NN_slug.html (both twins on it), or its own page."""
    stem = notebook.removesuffix(".ipynb")
    for fw in FRAMEWORKS:
        stem = stem.removesuffix(f"_{fw}")
    return f"{stem}.html"


def _link(match: re.Match) -> str:
    target = html.unescape(match.group(1))
    if target.endswith(".ipynb") or ".ipynb#" in target:
        name, _, anchor = target.partition("#")
        return f'href="{page_name(Path(name).name)}"'
    if re.match(r"^(https?:|mailto:|#|data:)", target):
        return match.group(0)
    return f'href="{REPO_URL}/blob/main/notebooks/{target}"'  # a repository file: on GitHub, not in the site


def _image(match: re.Match) -> str:
    """A notebook's own PNG (``![..](images/x.png)``) inlined, so the site stays one offline folder."""
    target = html.unescape(match.group(1))
    path = ROOT / "notebooks" / target
    if target.endswith(".png") and not re.match(r"^[a-z]+:", target) and path.is_file():
        return f'src="data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}"'
    return match.group(0)


def markdown(source: str) -> str:
    body = re.sub(r'href="([^"]*)"', _link, markdown2html_mistune(source))
    return re.sub(r'src="([^"]*)"', _image, body)


def render_output(output) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return f'<pre class="stream {output.get("name", "")}">{html.escape(strip_ansi(output.get("text", "")))}</pre>'
    if kind == "error":
        text = strip_ansi("\n".join(output.get("traceback", [])) or f"{output.ename}: {output.evalue}")
        return f'<pre class="error">{html.escape(text)}</pre>'
    data = output.get("data", {})
    if "image/png" in data:
        png = "".join(data["image/png"]) if isinstance(data["image/png"], list) else data["image/png"]
        base64.b64decode(png, validate=False)
        return f'<img alt="plot" src="data:image/png;base64,{png.strip()}">'
    if "text/markdown" in data:
        return markdown(data["text/markdown"])
    if "text/html" in data:
        return re.sub(r"(?is)<script.*?</script>", "", data["text/html"])  # readable without scripts, never fetching
    if "text/plain" in data:
        return f'<pre class="stream">{html.escape(strip_ansi(data["text/plain"]))}</pre>'
    return ""


def split_markdown(source: str) -> list[tuple[int, str, str]]:
    """A markdown cell cut at its ##/### headings (outside code fences): (level, title, chunk) pieces."""
    pieces: list[tuple[int, str, list[str]]] = [(0, "", [])]
    fenced = False
    for line in source.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        found = None if fenced else HEADING.match(line)
        if found:
            pieces.append((len(found.group(1)), found.group(2), []))
        pieces[-1][2].append(line)
    return [(level, title, "\n".join(lines)) for level, title, lines in pieces if level or "".join(lines).strip()]


def segments(nb) -> list[Segment]:
    rows = [Segment(0, "")]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for level, title, chunk in split_markdown(cell.source):
                if level:
                    rows.append(Segment(level, title))
                rows[-1].parts.append(markdown(chunk))
        elif cell.cell_type == "code":
            tags = cell.metadata.get("tags", [])
            note = f'<div class="solution-note">{" / ".join(tags)} cell</div>' if tags else ""
            code = highlight(cell.source, PythonLexer(), FORMATTER) if cell.source.strip() else ""
            outputs = "".join(render_output(o) for o in cell.get("outputs", []))
            rows[-1].parts.append(f'<div class="cell">{note}<div class="input">{code}</div>{outputs}</div>')
    return rows


def similarity(a: Segment, b: Segment) -> float:
    """How well two headings pair up; below 0.3 they are not twins."""
    if a.level != b.level:
        return -1.0
    if a.level in (0, 2):  # the part above the first heading, and the outline headings: equal or nothing
        return 10.0 if a.title == b.title else -1.0
    sizes = len(a.words) + len(b.words)
    score = 2 * len(a.words & b.words) / sizes if sizes else 0.0  # Dice: shared words over all words
    return score + (0.3 if a.number and a.number == b.number else 0.0)


def align(left: list[Segment], right: list[Segment]) -> list[tuple[Segment | None, Segment | None]]:
    """Pairs in order, maximising the summed similarity (a weighted longest common subsequence)."""
    n, m = len(left), len(right)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            s = similarity(left[i], right[j])
            best[i][j] = max(best[i + 1][j], best[i][j + 1], best[i + 1][j + 1] + s if s >= 0.3 else -1.0)
    pairs, i, j = [], 0, 0
    while i < n or j < m:
        if i < n and j < m:
            s = similarity(left[i], right[j])
            if s >= 0.3 and best[i][j] == best[i + 1][j + 1] + s:
                pairs.append((left[i], right[j]))
                i += 1
                j += 1
                continue
        if i < n and (j == m or best[i][j] == best[i + 1][j]):
            pairs.append((left[i], None))
            i += 1
        else:
            pairs.append((None, right[j]))
            j += 1
    return pairs


def row_id(a: Segment | None, b: Segment | None) -> str:
    seg = a or b
    return "s-" + (re.sub(r"[^a-z0-9]+", "-", (seg.number or seg.title).lower()).strip("-") or "top")


def verdict_table(claim_ids) -> str:
    rows = "".join(
        f'<tr><td>{cid}</td><td>{html.escape(CLAIMS[cid].text)}</td><td class="verdict">{CLAIMS[cid].verdict}</td></tr>'
        for cid in claim_ids
    )
    return f"<table><tr><th>Claim</th><th>What the article says</th><th>Verdict</th></tr>{rows}</table>"


def page(title: str, body: str) -> str:
    style = CSS + FORMATTER.get_style_defs(".highlight")
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{style}</style></head>'
        f'<body><header class="top"><a href="index.html">Course map</a><a href="{REPO_URL}">Repository</a>'
        f'<a href="{page_name(START)}">Start here</a></header><main>{body}</main></body></html>\n'
    )


def launch_links(notebook: str) -> str:
    return (
        f'<a href="{colab_url(notebook)}">Open in Colab</a> · <a href="{binder_url(notebook)}">Binder</a> · '
        f'<a href="{REPO_URL}/blob/main/notebooks/{notebook}">on GitHub</a>'
    )


def pair_page(topic, notebooks_dir: Path) -> str:
    columns = {}
    for fw, name in zip(FRAMEWORKS, topic.notebooks):
        path = notebooks_dir / name
        columns[fw] = segments(nbformat.read(path, as_version=4)) if path.is_file() else []
    rows = []
    for a, b in align(columns["pytorch"], columns["tensorflow"]):
        cells = []
        for fw, seg, twin in (("pytorch", a, b), ("tensorflow", b, a)):
            if seg is None:
                other = "TensorFlow" if fw == "pytorch" else "PyTorch"
                cells.append(
                    f'<div class="col {fw}"><div class="missing">No {LABELS[fw]} twin of this section: '
                    f"&ldquo;{html.escape(twin.title)}&rdquo; is only in the {other} notebook.</div></div>"
                )
            else:
                cells.append(f'<div class="col {fw}">{"".join(seg.parts)}</div>')
        extra = ""
        if (a or b).level == 2 and (a or b).title.startswith("5."):
            verdicts = verdict_table(topic.claims)
            extra = f'<div class="full"><h3>Verdicts in the course map (both notebooks)</h3>{verdicts}</div>'
        rows.append(f'<section class="row" id="{row_id(a, b)}">{"".join(cells)}{extra}</section>')
    heads = "".join(f"<div>{LABELS[fw]}: {launch_links(n)}</div>" for fw, n in zip(FRAMEWORKS, topic.notebooks))
    return page(f"{topic.number} · {topic.title}", f'<div class="colheads">{heads}</div>{"".join(rows)}')


def single_page(notebook: Path) -> str:
    parts = "".join("".join(seg.parts) for seg in segments(nbformat.read(notebook, as_version=4)))
    return page(notebook.stem, f'<p>{launch_links(notebook.name)}</p><div class="single">{parts}</div>')


def index_page(built: dict[str, str]) -> str:
    lines = []
    for t in TOPICS:
        where = (
            f'<a href="{built[t.number]}">{html.escape(t.title)}</a>'
            if t.number in built
            else f"{html.escape(t.title)} (planned)"
        )
        verdicts = "; ".join(f"{cid}: <b>{CLAIMS[cid].verdict}</b>" for cid in t.claims)
        lines.append(f"<tr><td>{t.number}</td><td>{where}</td><td>{verdicts}</td></tr>")
    judged = {}
    for t in TOPICS:
        for cid in t.claims:
            judged.setdefault(cid, []).append(t.number)
    for cid in START_CLAIMS:
        judged.setdefault(cid, []).append("00")
    claims = "".join(
        f'<tr><td>{c.id}</td><td>{c.article}</td><td>{html.escape(c.text)}</td><td class="verdict">{c.verdict}</td>'
        f"<td>{', '.join(judged.get(c.id, ['-']))}</td></tr>"
        for c in CLAIMS.values()
    )
    body = (
        f"<h1>PyTorch vs TensorFlow, really</h1><p>Each topic is a pair of notebooks, shown on facing pages: "
        f"PyTorch on the left, TensorFlow on the right, section by section. "
        f'<a href="{page_name(START)}">Start here</a>.</p>'
        f"<h2>The course map</h2><table><tr><th>#</th><th>Topic</th><th>Claims: verdict</th></tr>"
        f"{''.join(lines)}</table>"
        f"<h2>Every claim and its verdict</h2><table><tr><th>Claim</th><th>Article</th><th>Text</th><th>Verdict</th>"
        f"<th>Judged in</th></tr>{claims}</table>"
    )
    return page("PyTorch vs TensorFlow, really", body)


def build(out: Path, notebooks_dir: Path = ROOT / "notebooks") -> dict[str, str]:
    """Write the site into out/; return {topic number or '00': page file name} of the pages written."""
    out.mkdir(parents=True, exist_ok=True)
    built = {}
    for topic in TOPICS:
        if any((notebooks_dir / n).is_file() for n in topic.notebooks):
            name = page_name(topic.notebooks[0])
            (out / name).write_text(pair_page(topic, notebooks_dir))
            built[topic.number] = name
    if (notebooks_dir / START).is_file():
        (out / page_name(START)).write_text(single_page(notebooks_dir / START))
        built["00"] = page_name(START)
    (out / "index.html").write_text(index_page(built))
    return built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site")
    args = parser.parse_args()
    started = time.perf_counter()
    built = build(args.out)
    print(f"site: {len(built)} pages + index.html in {args.out} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
