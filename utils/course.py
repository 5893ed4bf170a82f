"""The course map: the articles' claims, the notebook pairs, and the verdicts.

This is the course's ledger. The claims themselves are data, in ``utils/claims.json`` (article, English paraphrase,
verdict, the Chinese quote); the pairs are ``TOPICS`` below. The start notebook renders them, the README's course
map is generated from them (``python -m utils.course``), and the structure tests check that every notebook's
verdict table agrees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
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


@dataclass(frozen=True)
class Claim:
    id: str
    article: str  # the seed article it comes from: "000" or "004"
    text: str  # the claim, paraphrased in English
    verdict: str = "pending"  # one of VERDICT_WORDS; "pending" until a pair settles it
    quote_zh: str = ""  # the article's own words, in Chinese


def load_claims(path: Path = CLAIMS_FILE) -> dict[str, Claim]:
    claims = {}
    for row in json.loads(path.read_text(encoding="utf-8")):
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


README_START, README_END = "<!-- course-map:start -->", "<!-- course-map:end -->"


def write_readme_map(readme_path=None) -> bool:
    """Replace the course map between the README's markers; return True if it changed."""
    from . import REPO_ROOT

    path = readme_path or REPO_ROOT / "README.md"
    text = path.read_text()
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    updated = f"{head}{README_START}\n{course_map_markdown('notebooks/')}\n{README_END}{tail}"
    path.write_text(updated)
    return updated != text


if __name__ == "__main__":
    print("README course map " + ("updated" if write_readme_map() else "already current"))
