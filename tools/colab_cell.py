"""Put the Colab cell and the launch links into every notebook source (notebooks/text/*.py); idempotent.

    python tools/colab_cell.py          # then make notebooks (the .ipynb are built from the sources)

After the title cell comes CELL (below): on Colab it clones the course (utils.course.REPO) and hands over to
utils.colab.bootstrap; anywhere else it does nothing. The title cell gets an "Open in Colab" and a Binder link.
tests/test_colab.py checks every source holds exactly these, built from utils.course.REPO.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from utils.course import REPO_URL, binder_url, colab_url  # noqa: E402

MARK = "# Colab only"
CELL = f"""{MARK} (a no-op elsewhere): fetch the course's utils/ and data/, install only what Colab lacks
import os, sys
if "google.colab" in sys.modules:
    os.path.isdir("/content/course") or os.system("git clone -q --depth=1 {REPO_URL} /content/course")
    os.chdir("/content/course"); from utils.colab import bootstrap; bootstrap("/content/course")"""


def links(notebook: str) -> str:
    return f"[Open in Colab]({colab_url(notebook)}) · [Launch on Binder]({binder_url(notebook)})"


def with_colab(text: str, notebook: str) -> str:
    """The source text with the launch links in its title cell and CELL right after it (replacing an older one)."""
    head, sep, rest = text.partition("# %% [markdown]\n")
    title, nxt, body = rest.partition("\n# %%")
    lines = [line for line in title.rstrip("\n").split("\n") if "[Open in Colab](" not in line]
    while lines[-1] == "#":
        lines.pop()
    title = "\n".join(lines + ["#", "# " + links(notebook)]) + "\n"
    body = "# %%" + body
    if body.startswith("# %%\n" + MARK):
        body = "# %%" + body.split("\n\n# %%", 1)[1]  # an older version of the cell: replaced
    return f"{head}{sep}{title}\n# %%\n{CELL}\n\n{body}"


def main() -> int:
    for source in sorted((ROOT / "notebooks" / "text").glob("*.py")):
        text = source.read_text()
        updated = with_colab(text, source.stem + ".ipynb")
        if updated != text:
            source.write_text(updated)
            print("updated", source.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
