"""Build the course's static site: facing pages, PyTorch left and TensorFlow right, aligned section by section.

    python tools/build_site.py                 # -> site/ (git-ignored), from the executed notebooks/*.ipynb
    python tools/build_site.py --out /tmp/s    # anywhere else

Offline by construction: markdown goes through nbconvert's own mistune renderer, code through Pygments (its CSS is
inlined), plots are the notebooks' stored PNGs inlined as data: URIs (alt text from the figure's title or the cell's
comment), and nothing is fetched at build or view time (no CDN, no MathJax: $...$ and $$...$$ become MathML at build
time, with latex2mathml). No JavaScript: a page is a CSS grid whose rows start at the level-2 and level-3 headings,
so a heading and its twin sit at the same height. Setup code (before section 1) is folded in <details>; every page
has previous/next links in course order and a language switch.

Two languages: the English pages in the output folder, the Chinese ones in its zh/ (tools/zh.py's translations,
stale cells under their notice; a page without a translation shows the English under a notice). Every claim shows
the article's own words beside the English paraphrase.

Rows are paired by heading: the seven outline headings match exactly, subsections by a small alignment (same
number, similar words); a subsection only one notebook has gets an empty twin slot that says so. Each pair page
ends its verdict row with the course map's verdicts (utils/course.py) across both columns. The pages iterate over
whatever notebooks exist in the course map; a topic with neither notebook built is listed as planned.
"""

from __future__ import annotations

import argparse
import base64
import html
import posixpath
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert.filters import strip_ansi
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from tools import zh
from utils.course import (
    ARTICLES,
    CLAIMS,
    REPO_URL,
    START,
    START_CLAIMS,
    TITLES_ZH,
    TOPICS,
    VERDICTS_ZH,
    add_quotes,
    binder_url,
    colab_url,
)
from utils.releases import releases_markdown

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
html[lang=zh-CN] body{font-family:system-ui,"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC",
"Microsoft YaHei",sans-serif}
header.top .lang{float:right;margin-right:0}
nav.pager{display:flex;justify-content:space-between;padding:10px 0;margin:8px 0;border-top:1px solid #ddd}
details.setup{margin:6px 0;border-left:3px solid #ccd;padding-left:6px}
details.setup>summary{cursor:pointer;color:#555;font-size:13px}
.zh-notice{background:#fff8e1;border:1px solid #e0c36a;padding:6px 10px;margin:8px 0}
math[display=block]{margin:8px 0}
"""

# Page order for the previous/next links: the start page, then the pairs by number.
ORDER = [START] + [t.notebooks[0] for t in TOPICS]
WORDS = {
    "en": {
        "map": "Course map",
        "repo": "Repository",
        "start": "Start here",
        "prev": "Previous",
        "next": "Next",
        "setup": "Setup code",
        "lines": "lines",
        "switch": "中文",
        "claim": "Claim",
        "says": "What the article says",
        "zh": "原文 (the article's words)",
        "verdict": "Verdict",
        "verdicts": "Verdicts in the course map (both notebooks)",
        "no_twin": "No {fw} twin of this section: &ldquo;{title}&rdquo; is only in the {other} notebook.",
    },
    "zh": {
        "map": "课程地图",
        "repo": "代码仓库",
        "start": "从这里开始",
        "prev": "上一篇",
        "next": "下一篇",
        "setup": "环境设置代码",
        "lines": "行",
        "switch": "EN",
        "claim": "论断",
        "says": "文章的论断（英文转述）",
        "zh": "原文",
        "verdict": "结论",
        "verdicts": "课程地图中的结论（两本笔记本）",
        "no_twin": "本节没有 {fw} 的对照小节：&ldquo;{title}&rdquo; 只在 {other} 笔记本中。",
    },
}
UNTRANSLATED = (
    '<div class="zh-notice">本页尚未翻译：以下为英文原文（代码、输出与结论与英文版相同）。'
    "译文见 notebooks/text/zh/，由 <code>make zh</code> 生成。</div>"
)
MATH_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
MATH_INLINE = re.compile(r"(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])")
CODE_BLOCK = re.compile(r"(?is)(<pre\b.*?</pre>|<code\b.*?</code>)")
TITLE_CALL = re.compile(r"""(?:\b(?:set_title|suptitle|title)\(\s*|\btitle\s*=\s*)[rf]?(["'])(.+?)\1""")


@dataclass
class Segment:
    """One row candidate: a heading (or none, for what precedes the first one) and the HTML under it."""

    level: int
    title: str
    parts: list[str] = field(default_factory=list)
    key: str = ""  # the English heading, on a translated page: twins are aligned by it, as on the English page

    @property
    def number(self) -> str:
        found = NUMBER.match(self.key or self.title)
        return found.group(1) if found else ""

    @property
    def words(self) -> set[str]:
        return set(re.findall(r"[a-z][a-z0-9_]+", NUMBER.sub("", self.key or self.title).lower())) - STOPWORDS


def page_name(notebook: str) -> str:
    """Where a notebook is shown: a pair page NN_slug.html (both twins on it), or its own page."""
    stem = notebook.removesuffix(".ipynb")
    for fw in FRAMEWORKS:
        stem = stem.removesuffix(f"_{fw}")
    return f"{stem}.html"


def _link(match: re.Match) -> str:
    target = html.unescape(match.group(1))
    if re.match(r"^(https?:|mailto:|#|data:)", target):  # before .ipynb: Colab and Binder links end with one
        return match.group(0)
    if target.endswith(".ipynb") or ".ipynb#" in target:
        name, _, anchor = target.partition("#")
        return f'href="{page_name(Path(name).name)}"'
    # a repository file: on GitHub, not in the site (a zh notebook's links start with ../, from notebooks/zh/)
    return f'href="{REPO_URL}/blob/main/{posixpath.normpath("notebooks/" + target.removeprefix("../"))}"'


def _image(match: re.Match) -> str:
    """A notebook's own PNG (``![..](images/x.png)``) inlined, so the site stays one offline folder."""
    target = html.unescape(match.group(1))
    path = ROOT / "notebooks" / target.removeprefix("../")  # ../images/x.png: a zh notebook's link
    if target.endswith(".png") and not re.match(r"^[a-z]+:", target) and path.is_file():
        return f'src="data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}"'
    return match.group(0)


def _mathml(latex: str, display: str) -> str | None:
    try:
        return latex_to_mathml(html.unescape(latex).strip(), display=display)
    except Exception:  # latex2mathml raises many types: an unknown command keeps its TeX visible
        return None


def math_to_mathml(body: str) -> str:
    """$...$ and $$...$$ in rendered HTML (outside code) as MathML: formulas render offline, without JavaScript."""

    def convert(text: str) -> str:
        text = MATH_DISPLAY.sub(lambda m: _mathml(m[1], "block") or m[0], text)
        return MATH_INLINE.sub(lambda m: _mathml(m[1], "inline") or m[0], text)

    return "".join(part if CODE_BLOCK.fullmatch(part) else convert(part) for part in CODE_BLOCK.split(body))


def markdown(source: str) -> str:
    body = re.sub(r'href="([^"]*)"', _link, math_to_mathml(markdown2html_mistune(source)))
    return re.sub(r'src="([^"]*)"', _image, body)


def alt_text(code: str, heading: str) -> str:
    """A figure's alt text: its title(s) in the code (f-string fields as …), else the cell's first comment, with
    the section it illustrates; a displayed screenshot file says so."""
    section = NUMBER.sub("", heading).replace("`", "").strip()
    titles = [re.sub(r"\{[^{}]*\}", "…", m[2]) for m in TITLE_CALL.finditer(code)]
    comments = [line.strip().lstrip("#").strip() for line in code.splitlines() if line.strip().startswith("#")]
    comments = [c for c in comments if c and not c.startswith(("NBVAL", "noqa"))]
    shots = re.findall(r"""Image\(\s*(?:filename\s*=\s*)?["']([^"']+\.png)""", code)
    if shots:
        what = f"Screenshot {', '.join(Path(s).name for s in shots)}"
    elif titles:
        what = "Plot: " + "; ".join(dict.fromkeys(titles))
    elif comments:
        what = "Plot: " + comments[0]
    else:
        what = "Plot"
    return f"{what} (section: {section})" if section else what


def render_output(output, alt: str = "") -> str:
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
        return f'<img alt="{html.escape(alt or "Plot")}" src="data:image/png;base64,{png.strip()}">'
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


def segments(nb, lang: str = "en") -> list[Segment]:
    """The notebook cut into heading segments; setup code (before the first ## heading) folded in <details>."""
    rows = [Segment(0, "")]
    outline_started = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for level, title, chunk in split_markdown(cell.source):
                if level:
                    rows.append(Segment(level, title))
                    outline_started = outline_started or level == 2
                rows[-1].parts.append(markdown(chunk))
        elif cell.cell_type == "code":
            tags = cell.metadata.get("tags", [])
            if "zh-cwd" in tags:
                continue  # the zh notebook's working-directory line: plumbing of notebooks/zh/, not a lesson
            note = f'<div class="solution-note">{" / ".join(tags)} cell</div>' if tags else ""
            code = highlight(cell.source, PythonLexer(), FORMATTER) if cell.source.strip() else ""
            alt = alt_text(cell.source, rows[-1].title)
            outputs = "".join(render_output(o, alt) for o in cell.get("outputs", []))
            html_cell = f'<div class="cell">{note}<div class="input">{code}</div>{outputs}</div>'
            if not outline_started and cell.source.strip():
                words = WORDS[lang]
                lines = len(cell.source.strip().splitlines())
                html_cell = (
                    f'<details class="setup"><summary>{words["setup"]} ({lines} {words["lines"]})</summary>'
                    f"{html_cell}</details>"
                )
            rows[-1].parts.append(html_cell)
    return rows


def similarity(a: Segment, b: Segment) -> float:
    """How well two headings pair up; below 0.3 they are not twins."""
    if a.level != b.level:
        return -1.0
    if a.level in (0, 2):  # the part above the first heading, and the outline headings: equal or nothing
        return 10.0 if (a.key or a.title) == (b.key or b.title) else -1.0
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
    return "s-" + (re.sub(r"[^a-z0-9]+", "-", (seg.number or seg.key or seg.title).lower()).strip("-") or "top")


def verdict_word(verdict: str, lang: str) -> str:
    return VERDICTS_ZH[verdict] if lang == "zh" else verdict


def verdict_table(claim_ids, lang: str = "en") -> str:
    w = WORDS[lang]
    rows = "".join(
        f'<tr><td>{cid}</td><td>{html.escape(CLAIMS[cid].text)}</td><td lang="zh-CN">{html.escape(CLAIMS[cid].zh)}</td>'
        f'<td class="verdict">{verdict_word(CLAIMS[cid].verdict, lang)}</td></tr>'
        for cid in claim_ids
    )
    return (
        f"<table><tr><th>{w['claim']}</th><th>{w['says']}</th><th>{w['zh']}</th><th>{w['verdict']}</th></tr>"
        f"{rows}</table>"
    )


def pager(notebook: str | None, lang: str) -> str:
    """Previous/next links in course order (start page, then the pairs), or '' for the index."""
    if notebook is None:
        return ""
    names = [page_name(n) for n in ORDER]
    i = names.index(page_name(notebook))
    w = WORDS[lang]

    def title(n):
        return page_title(ORDER[n], lang)

    prev = (
        f'<a rel="prev" href="{names[i - 1]}">← {w["prev"]}: {html.escape(title(i - 1))}</a>' if i else "<span></span>"
    )
    nxt = (
        f'<a rel="next" href="{names[i + 1]}">{w["next"]}: {html.escape(title(i + 1))} →</a>'
        if i + 1 < len(names)
        else "<span></span>"
    )
    return f'<nav class="pager">{prev}{nxt}</nav>'


def page_title(notebook: str, lang: str = "en") -> str:
    if notebook == START:
        return "从这里开始" if lang == "zh" else "Start here"
    topic = next(t for t in TOPICS if notebook in t.notebooks)
    return f"{topic.number} · {TITLES_ZH[topic.slug] if lang == 'zh' else topic.title}"


def page(title: str, body: str, lang: str = "en", file: str = "index.html", notebook: str | None = None) -> str:
    """One HTML page; `file` is its name in its language's folder (the language switch goes to the same page)."""
    style = CSS + FORMATTER.get_style_defs(".highlight")
    w = WORDS[lang]
    switch = f"zh/{file}" if lang == "en" else f"../{file}"
    nav = pager(notebook, lang)
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{style}</style></head>'
        f'<body><header class="top"><a href="index.html">{w["map"]}</a><a href="{REPO_URL}">{w["repo"]}</a>'
        f'<a href="{page_name(START)}">{w["start"]}</a>'
        f'<a class="lang" hreflang="{"zh-CN" if lang == "en" else "en"}" href="{switch}">{w["switch"]}</a></header>'
        f"<main>{nav}{body}{nav}</main></body></html>\n"
    )


def launch_links(notebook: str, lang: str = "en") -> str:
    """Colab, Binder and GitHub links of a notebook; on a zh page, of its Chinese edition where there is one."""
    if lang == "zh":
        stem = notebook.removesuffix(".ipynb")
        path = f"zh/{notebook}" if stem in zh.translated() else notebook
        return (
            f'<a href="{colab_url(path)}">在 Colab 中打开</a> · <a href="{binder_url(path)}">在 Binder 上启动</a> · '
            f'<a href="{REPO_URL}/blob/main/notebooks/{path}">GitHub 上查看</a>'
        )
    return (
        f'<a href="{colab_url(notebook)}">Open in Colab</a> · <a href="{binder_url(notebook)}">Binder</a> · '
        f'<a href="{REPO_URL}/blob/main/notebooks/{notebook}">on GitHub</a>'
    )


def load(name: str, notebooks_dir: Path, lang: str) -> tuple[list[Segment], bool]:
    """A notebook's segments in a language, and whether it is translated. The English notebook gets the claims'
    Chinese quotes (utils.course.add_quotes, as its build does); a zh page uses the translation when there is one
    (tools/zh.py: stale cells carry their notice), else the English with a notice; twins align on English headings."""
    english = add_quotes(nbformat.read(notebooks_dir / name, as_version=4), name)
    if lang == "en":
        return segments(english, lang), True
    stem = name.removesuffix(".ipynb")
    translated = notebooks_dir == zh.NOTEBOOKS and stem in zh.translated()
    segs = segments(zh.zh_notebook(stem) if translated else english, lang)
    keys = segments(english, "en")
    if [s.level for s in segs] == [k.level for k in keys]:
        for seg, key in zip(segs, keys):
            seg.key = key.title
    return segs, translated


def pair_page(topic, notebooks_dir: Path, lang: str = "en") -> str:
    w = WORDS[lang]
    columns, all_translated = {}, True
    for fw, name in zip(FRAMEWORKS, topic.notebooks):
        path = notebooks_dir / name
        columns[fw], done = load(name, notebooks_dir, lang) if path.is_file() else ([], True)
        all_translated = all_translated and done
    rows = []
    for a, b in align(columns["pytorch"], columns["tensorflow"]):
        cells = []
        for fw, seg, twin in (("pytorch", a, b), ("tensorflow", b, a)):
            if seg is None:
                other = "TensorFlow" if fw == "pytorch" else "PyTorch"
                missing = w["no_twin"].format(fw=LABELS[fw], title=html.escape(twin.title), other=other)
                cells.append(f'<div class="col {fw}"><div class="missing">{missing}</div></div>')
            else:
                cells.append(f'<div class="col {fw}">{"".join(seg.parts)}</div>')
        extra = ""
        if (a or b).level == 2 and (a or b).number == "5":
            extra = f'<div class="full"><h3>{w["verdicts"]}</h3>{verdict_table(topic.claims, lang)}</div>'
        rows.append(f'<section class="row" id="{row_id(a, b)}">{"".join(cells)}{extra}</section>')
    heads = "".join(f"<div>{LABELS[fw]}: {launch_links(n, lang)}</div>" for fw, n in zip(FRAMEWORKS, topic.notebooks))
    notice = "" if all_translated else UNTRANSLATED
    body = f'{notice}<div class="colheads">{heads}</div>{"".join(rows)}'
    return page(page_title(topic.notebooks[0], lang), body, lang, page_name(topic.notebooks[0]), topic.notebooks[0])


def single_page(notebook: Path, lang: str = "en") -> str:
    segs, translated = load(notebook.name, notebook.parent, lang)
    parts = "".join("".join(seg.parts) for seg in segs)
    notice = "" if translated else UNTRANSLATED
    body = f'{notice}<p>{launch_links(notebook.name, lang)}</p><div class="single">{parts}</div>'
    return page(page_title(notebook.name, lang), body, lang, page_name(notebook.name), notebook.name)


def releases_html(lang: str = "en") -> str:
    """The releases every verdict was measured on and the newest drift report (utils.releases), as one paragraph."""
    text = html.escape(releases_markdown())
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text))
    prefix = "测得结论所用的版本与最近一次漂移报告（英文）：" if lang == "zh" else ""
    return f'<p class="releases">{prefix}{text}</p>'


def index_page(built: dict[str, str], lang: str = "en") -> str:
    w = WORDS[lang]
    lines = []
    for t in TOPICS:
        title = TITLES_ZH[t.slug] if lang == "zh" else t.title
        where = f'<a href="{built[t.number]}">{html.escape(title)}</a>' if t.number in built else html.escape(title)
        verdicts = "; ".join(f"{cid}: <b>{verdict_word(CLAIMS[cid].verdict, lang)}</b>" for cid in t.claims)
        lines.append(f"<tr><td>{t.number}</td><td>{where}</td><td>{verdicts}</td></tr>")
    judged = {}
    for t in TOPICS:
        for cid in t.claims:
            judged.setdefault(cid, []).append(t.number)
    for cid in START_CLAIMS:
        judged.setdefault(cid, []).append("00")
    claims = "".join(
        f"<tr><td>{c.id}</td><td>{c.article}</td><td>{html.escape(c.text)}</td>"
        f'<td lang="zh-CN">{html.escape(c.zh)}</td><td class="verdict">{verdict_word(c.verdict, lang)}</td>'
        f"<td>{', '.join(judged.get(c.id, ['-']))}</td></tr>"
        for c in CLAIMS.values()
    )
    articles = "".join(f'<li lang="zh-CN">{a.id}: {html.escape(a.cite())}</li>' for a in ARTICLES.values())
    if lang == "zh":
        intro = (
            "<h1>PyTorch 与 TensorFlow：真正的区别</h1><p>每个主题是一组对照笔记本，以对照页面呈现：左边 PyTorch，"
            f'右边 TensorFlow，逐节并排。<a href="{page_name(START)}">从这里开始</a>。</p>'
            f"<p>课程回应的两篇文章：</p><ul>{articles}</ul>"
            "<h2>课程地图</h2><table><tr><th>#</th><th>主题</th><th>论断：结论</th></tr>"
        )
        claims_head = "<h2>每条论断及其结论</h2><table><tr><th>论断</th><th>文章</th><th>英文转述</th><th>原文</th>"
        claims_head += "<th>结论</th><th>所在笔记本</th></tr>"
    else:
        intro = (
            "<h1>PyTorch vs TensorFlow, really</h1><p>Each topic is a pair of notebooks, shown on facing pages: "
            "PyTorch on the left, TensorFlow on the right, section by section. "
            f'<a href="{page_name(START)}">Start here</a>.</p>'
            f"<p>The two Chinese articles the course answers:</p><ul>{articles}</ul>"
            "<h2>The course map</h2><table><tr><th>#</th><th>Topic</th><th>Claims: verdict</th></tr>"
        )
        claims_head = "<h2>Every claim and its verdict</h2><table><tr><th>Claim</th><th>Article</th><th>Text</th>"
        claims_head += f"<th>{w['zh']}</th><th>Verdict</th><th>Judged in</th></tr>"
    body = f"{intro}{''.join(lines)}</table>{releases_html(lang)}{claims_head}{claims}</table>"
    return page("PyTorch vs TensorFlow" + ("：真正的区别" if lang == "zh" else ", really"), body, lang)


def build(out: Path, notebooks_dir: Path = ROOT / "notebooks") -> dict[str, str]:
    """Write the site into out/ (English) and out/zh/ (Chinese); return {topic number or '00': page file name}."""
    built = {}
    for lang, folder in (("en", out), ("zh", out / "zh")):
        folder.mkdir(parents=True, exist_ok=True)
        for topic in TOPICS:
            if any((notebooks_dir / n).is_file() for n in topic.notebooks):
                name = page_name(topic.notebooks[0])
                (folder / name).write_text(pair_page(topic, notebooks_dir, lang), encoding="utf-8")
                built[topic.number] = name
        if (notebooks_dir / START).is_file():
            (folder / page_name(START)).write_text(single_page(notebooks_dir / START, lang), encoding="utf-8")
            built["00"] = page_name(START)
        (folder / "index.html").write_text(index_page(built, lang), encoding="utf-8")
    return built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site")
    args = parser.parse_args()
    started = time.perf_counter()
    built = build(args.out)
    seconds = time.perf_counter() - started
    print(f"site: {len(built)} pages + index.html in {args.out}, the same in {args.out}/zh ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
