"""The course map: the articles' claims, the notebook pairs, and the verdicts.

This is the course's ledger. The claims themselves are data, in ``utils/claims.json`` (article, English paraphrase,
verdict, the Chinese quote); the pairs are ``TOPICS`` below. The start notebook renders them, the README's course
map is generated from them (``python -m utils.course``), and the structure tests check that every notebook's
verdict table agrees.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ARTICLES",
    "Article",
    "Quote",
    "Claim",
    "Topic",
    "CLAIMS",
    "CLAIMS_FILE",
    "load_claims",
    "TOPICS",
    "START_CLAIMS",
    "VERDICT_WORDS",
    "OUTLINE",
    "topic_for",
    "course_map_markdown",
    "claims_table_markdown",
    "articles_markdown",
    "add_quotes",
    "without_quotes",
]

VERDICT_WORDS = ("holds", "holds partly", "outdated", "false", "pending")

# Every notebook has exactly these level-2 headings, in this order (see CONTRIBUTING.md).
OUTLINE = (
    "1. What the articles claim",
    "2. The idea",
    "3. Hands-on",
    "4. What you just saw",
    "5. Verdict",
    "6. Exercises",
    "7. Summary",
)

# The course's GitHub repository, "owner/name", in this one place: the README's Binder and Colab badges, the
# "Open in Colab" link of every notebook, the Colab setup cell and the site are built from it, and
# tests/test_colab.py checks that every such link uses it.
REPO = "pytorch-vs-tensorflow/course"
REPO_URL = f"https://github.com/{REPO}"
BRANCH = "main"


def colab_url(notebook: str) -> str:
    """The "Open in Colab" address of a notebook of notebooks/."""
    return f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/notebooks/{notebook}"


def binder_url(notebook: str = "00_start_here.ipynb") -> str:
    """The Binder launch address that opens a notebook of notebooks/ in JupyterLab."""
    return f"https://mybinder.org/v2/gh/{REPO}/HEAD?urlpath=lab/tree/notebooks/{notebook}"


CLAIMS_FILE = Path(__file__).with_name("claims.json")


ARTICLES_DIR = Path(__file__).resolve().parent.parent / "data" / "articles"


@dataclass(frozen=True)
class Article:
    id: str  # "000" or "004"
    title_zh: str
    site: str | None  # as the saved copy gives it; None where it gives none
    date: str | None
    file: str  # the article's body text, kept for the verbatim-quote check (data/articles/README.md)
    note: str = ""

    def cite(self) -> str:
        """《title》 (site, date), with only what the saved copy gives."""
        where = ", ".join(x for x in (self.site, self.date) if x)
        return f"《{self.title_zh}》" + (f" ({where})" if where else "")


def load_articles(path: Path = ARTICLES_DIR / "articles.json") -> dict[str, Article]:
    return {key: Article(id=key, **row) for key, row in json.loads(path.read_text(encoding="utf-8")).items()}


ARTICLES = load_articles()


@dataclass(frozen=True)
class Quote:
    article: str  # the article the words are from (one claim may quote both)
    zh: str  # verbatim, a substring of that article's text


@dataclass(frozen=True)
class Claim:
    id: str
    article: str  # the seed article it comes from: "000" or "004"
    text: str  # the claim, paraphrased in English
    verdict: str = "pending"  # one of VERDICT_WORDS; "pending" until a pair settles it
    quote_zh: tuple[Quote, ...] = ()  # the articles' own words, in Chinese

    @property
    def zh(self) -> str:
        """The Chinese quote(s) on one line, each in 「」 (a second article named in brackets)."""
        parts = []
        for q in self.quote_zh:
            words = " ".join(line.strip() for line in q.zh.splitlines() if line.strip())
            parts.append(f"「{words}」" + ("" if q.article == self.article else f"（文章 {q.article}）"))
        return " ".join(parts)


def load_claims(path: Path = CLAIMS_FILE) -> dict[str, Claim]:
    claims = {}
    for row in json.loads(path.read_text(encoding="utf-8")):
        row["quote_zh"] = tuple(Quote(**q) for q in row.get("quote_zh", ()))
        claim = Claim(**row)
        if claim.verdict not in VERDICT_WORDS:
            raise ValueError(f"{path.name}: {claim.id} has verdict {claim.verdict!r}, not one of {VERDICT_WORDS}")
        if claim.id in claims:
            raise ValueError(f"{path.name}: {claim.id} appears twice")
        claims[claim.id] = claim
    return claims


@dataclass(frozen=True)
class Topic:
    number: str
    slug: str
    title: str
    claims: tuple[str, ...]
    ready: bool = False  # True once both notebooks exist and pass
    notebooks: tuple[str, str] = field(init=False)

    def __post_init__(self):
        stem = f"{self.number}_{self.slug}"
        object.__setattr__(self, "notebooks", (f"{stem}_pytorch.ipynb", f"{stem}_tensorflow.ipynb"))


CLAIMS = load_claims()

TOPICS = (
    Topic("01", "graphs", "Static vs dynamic graphs", ("C1", "C10", "C12", "C14"), ready=True),
    Topic("02", "autograd", 'Autograd: tensors, "Variables" and gradients', ("C13", "C10"), ready=True),
    Topic("03", "networks", "Defining and training a network", ("C5", "C6", "C10", "C11"), ready=True),
    Topic("04", "devices", "Devices and GPUs", ("C7", "C18"), ready=True),
    Topic("05", "data", "Data loading", ("C17",), ready=True),
    Topic("06", "visualization", "Visualization: TensorBoard vs Visdom", ("C2", "C3"), ready=True),
    Topic("07", "deployment", "Deployment: model servers", ("C4",), ready=True),
    Topic("08", "speed", "Speed, measured in matched modes", ("C15", "C7", "C14"), ready=True),
    Topic("09", "distributed", "Distributed training", ("C8", "C9", "C16", "C12"), ready=True),
    Topic("10", "debugging", "Debugging eager code and compiled graphs", ("C19", "C14"), ready=True),
    Topic("11", "capstone", "Capstone: one CNN in both, ported and served", ("C11",), ready=True),
)


# Claims no pair can run (adoption, ecosystem): judged in the start notebook from dated, cited sources plus what
# can be checked in the course's environment. Its "## C20 ..." section carries the verdict table row.
START = "00_start_here.ipynb"
START_CLAIMS = ("C20",)


def topic_for(notebook_name: str) -> Topic:
    """The topic a notebook file belongs to."""
    for topic in TOPICS:
        if notebook_name in topic.notebooks:
            return topic
    raise KeyError(f"{notebook_name} is not in the course map (utils/course.py TOPICS)")


def _verdicts(topic: Topic) -> str:
    return "; ".join(f"{cid}: {CLAIMS[cid].verdict}" for cid in topic.claims)


def course_map_markdown(link_prefix: str = "") -> str:
    """The course map as a Markdown table (README and the start notebook show it)."""
    lines = ["| # | Topic | PyTorch | TensorFlow | Claims: verdict |", "|---|---|---|---|---|"]
    for t in TOPICS:
        if t.ready:
            torch_nb, tf_nb = (f"[{n}]({link_prefix}{n})" for n in t.notebooks)
        else:
            torch_nb = tf_nb = "planned"
        lines.append(f"| {t.number} | {t.title} | {torch_nb} | {tf_nb} | {_verdicts(t)} |")
    if START_CLAIMS:
        judged = "; ".join(f"{cid}: {CLAIMS[cid].verdict}" for cid in START_CLAIMS)
        lines.append(
            f"| 00 | Adoption and ecosystem: dated, cited sources | [{START}]({link_prefix}{START}) | | {judged} |"
        )
    covered = {c for t in TOPICS for c in t.claims} | set(START_CLAIMS)
    rest = [cid for cid in CLAIMS if cid not in covered]
    if rest:
        lines.append(f"| – | Not yet covered by a pair | | | {', '.join(rest)}: pending |")
    return "\n".join(lines)


def articles_markdown() -> str:
    """The two articles as the saved copies give them: ID, title, site and date."""
    lines = []
    for a in ARTICLES.values():
        where = ", ".join(x for x in (a.site, a.date) if x) or "the saved copy gives no site or date"
        lines.append(f"- **{a.id}**: 《{a.title_zh}》 ({where})")
    return "\n".join(lines)


def claims_table_markdown(ids=None) -> str:
    """The claims as a Markdown table: ID, article, English paraphrase, the article's own words, verdict."""
    rows = [
        "| Claim | Article | The claim (paraphrased) | 原文 (the article's words) | Verdict |",
        "|---|---|---|---|---|",
    ]
    for claim in (CLAIMS[i] for i in ids) if ids else CLAIMS.values():
        rows.append(f"| {claim.id} | {claim.article} | {claim.text} | {claim.zh} | {claim.verdict} |")
    return "\n".join(rows)


QUOTE_MARK = "原文："
_BULLET = re.compile(r"^- \*\*(C\d+)\*\*")
_ROW = re.compile(r"^\|\s*(C\d+)\s*\|")


def short_zh(claim: Claim, limit: int = 36) -> str:
    """The start of the claim's first quote, verbatim, cut at `limit` characters with an ellipsis."""
    words = " ".join(line.strip() for line in claim.quote_zh[0].zh.splitlines() if line.strip())
    return f"「{words[:limit]}{'……' if len(words) > limit else ''}」"


def with_quotes(source: str, section: str, topic_claims=()) -> str:
    """A notebook cell's Markdown with the Chinese quotes added beside the claims (the build does this, so the
    sources carry the English only and the quotes come from utils/claims.json, never retyped).

    section "1": each bullet ``- **Cn** ...`` gets an indented ``> 原文：「...」`` line after it; claims of
    `topic_claims` with no bullet are listed at the end. section "5": each verdict-table row's claim cell gets
    the start of its quote. Idempotent: a cell that already carries quotes is returned unchanged.
    """
    if (section == "1" and QUOTE_MARK in source) or (section == "5" and "<small>「" in source):
        return source
    lines, out, quoted = source.splitlines(), [], set()
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        if section == "1" and (m := _BULLET.match(line)) and m[1] in CLAIMS:
            while i < len(lines) and lines[i].startswith("  ") and lines[i].strip():
                out.append(lines[i])
                i += 1
            out.append(f"  > {QUOTE_MARK}{CLAIMS[m[1]].zh}")
            quoted.add(m[1])
        elif section == "5" and (m := _ROW.match(line)) and m[1] in CLAIMS:
            out[-1] = line.replace(m[1], f"{m[1]}<br><small>{short_zh(CLAIMS[m[1]])}</small>", 1)
    if section == "1":
        rest = [cid for cid in topic_claims if cid not in quoted and cid in CLAIMS]
        if rest:
            out += [""] + [f"> **{cid}** {QUOTE_MARK}{CLAIMS[cid].zh}  " for cid in rest]
    return "\n".join(out)


_ADDED_QUOTE = re.compile(r"^(?:  > |> \*\*C\d+\*\* )原文：.*\n?", re.M)
_ADDED_SHORT = re.compile(r"<br><small>「[^|]*?」</small>")


def without_quotes(source: str) -> str:
    """A cell's Markdown without what `with_quotes` added (the translations are keyed to the English alone)."""
    return _ADDED_SHORT.sub("", _ADDED_QUOTE.sub("", source)).rstrip()


def add_quotes(nb, name: str):
    """Add the Chinese quotes to a notebook's §1 and verdict table (tools/build_notebooks.py, tools/build_site.py)."""
    try:
        claims = topic_for(name).claims
    except KeyError:
        claims = START_CLAIMS if name == START else ()
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        head = cell.source.lstrip()
        if head.startswith("## 1. "):
            cell.source = with_quotes(cell.source, "1", claims)
        elif head.startswith("## 5. "):
            cell.source = with_quotes(cell.source, "5")
        elif name == START and any(f"- **{cid}**" in cell.source for cid in START_CLAIMS):
            cell.source = with_quotes(with_quotes(cell.source, "1", claims), "5")
    return nb


# The Chinese edition's words for the map (README.zh-CN.md, the zh site); the glossary's terms.
TITLES_ZH = {
    "graphs": "静态图与动态图",
    "autograd": "自动求导：张量、“变量”与梯度",
    "networks": "定义并训练一个网络",
    "devices": "设备与 GPU",
    "data": "数据加载",
    "visualization": "可视化：TensorBoard 与 Visdom",
    "deployment": "部署：模型服务器",
    "speed": "速度：在对等模式下实测",
    "distributed": "分布式训练",
    "debugging": "调试即时执行代码与编译后的计算图",
    "capstone": "综合项目：同一个 CNN，移植并提供服务",
}
VERDICTS_ZH = {"holds": "成立", "holds partly": "部分成立", "outdated": "已过时", "false": "不成立", "pending": "待定"}


def course_map_markdown_zh(link_prefix: str = "") -> str:
    """The course map in Chinese, each claim with its verdict and the article's words (README.zh-CN.md)."""
    lines = ["| # | 主题 | PyTorch | TensorFlow | 论断：结论 |", "|---|---|---|---|---|"]

    def judged(ids):
        return "；".join(f"{cid}：{VERDICTS_ZH[CLAIMS[cid].verdict]}" for cid in ids)

    for t in TOPICS:
        torch_nb, tf_nb = (f"[{n}]({link_prefix}{n})" for n in t.notebooks)
        lines.append(f"| {t.number} | {TITLES_ZH[t.slug]} | {torch_nb} | {tf_nb} | {judged(t.claims)} |")
    if START_CLAIMS:
        lines.append(
            f"| 00 | 采用情况与生态：有日期、有出处的资料 | [{START}]({link_prefix}{START}) | "
            f"| {judged(START_CLAIMS)} |"
        )
    lines += ["", "| 论断 | 文章 | 原文 | 结论 |", "|---|---|---|---|"]
    lines += [f"| {c.id} | {c.article} | {c.zh} | {VERDICTS_ZH[c.verdict]} |" for c in CLAIMS.values()]
    return "\n".join(lines)


README_START, README_END = "<!-- course-map:start -->", "<!-- course-map:end -->"


def write_readme_map(readme_path=None, table=None) -> bool:
    """Replace the course map between the README's markers; return True if it changed."""
    from . import REPO_ROOT

    path = readme_path or REPO_ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    table = table if table is not None else course_map_markdown("notebooks/")
    updated = f"{head}{README_START}\n{table}\n{README_END}{tail}"
    path.write_text(updated, encoding="utf-8")
    return updated != text


def write_readme_maps() -> dict[str, bool]:
    """Both READMEs' course maps (README.md, README.zh-CN.md); name -> changed."""
    from . import REPO_ROOT

    zh = REPO_ROOT / "README.zh-CN.md"
    changed = {"README.md": write_readme_map()}
    if zh.exists():
        changed[zh.name] = write_readme_map(zh, course_map_markdown_zh("notebooks/"))
    return changed


if __name__ == "__main__":
    for name, changed in write_readme_maps().items():
        print(f"{name} course map " + ("updated" if changed else "already current"))
