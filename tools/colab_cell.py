"""Give every notebook source (notebooks/text/*.py) the one jupytext header, the launch links and the Colab cell.

    python tools/colab_cell.py          # idempotent; then rebuild the notebooks from the sources

HEADER opens every source. The title cell gets an "Open in Colab" and a Binder link. CELL comes right after it:
on Colab it clones the course (utils.course.REPO) and hands over to utils.colab.bootstrap; anywhere else it does
nothing. tests/test_colab.py checks every source holds exactly these.
"""

from __future__ import annotations

import re
import sys

from utils import NOTEBOOKS_DIR
from utils.course import REPO_URL, binder_url, colab_url

HEADER = """# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---
"""

CELL = f"""import os
import sys

if "google.colab" in sys.modules:  # on Colab only: fetch the course, then install what Colab lacks
    if not os.path.isdir("/content/course"):
        os.system("git clone -q --depth=1 {REPO_URL} /content/course")
    os.chdir("/content/course")
    from utils.colab import bootstrap

    bootstrap("/content/course")"""

LEADING_HEADER = re.compile(r"\A# ---\n(?:#.*\n)*?# ---\n\n*")


def links(notebook: str) -> str:
    return f"[Open in Colab]({colab_url(notebook)}) · [Launch on Binder]({binder_url(notebook)})"


def with_colab(text: str, notebook: str) -> str:
    """The source with HEADER, the launch links in its title cell and CELL right after it (an older cell replaced)."""
    text = LEADING_HEADER.sub("", text)
    title_marker = "# %% [markdown]\n"
    assert text.startswith(title_marker), f"{notebook}: the source must open with its markdown title cell"
    title, _, body = text[len(title_marker) :].partition("\n# %%")
    lines = [line for line in title.rstrip("\n").split("\n") if "[Open in Colab](" not in line]
    while lines[-1] == "#":
        lines.pop()
    title = "\n".join([*lines, "#", "# " + links(notebook)]) + "\n"
    body = "# %%" + body
    first_cell, _, rest = body.partition("\n\n# %%")
    if '"google.colab" in sys.modules' in first_cell:  # an earlier Colab cell: replaced
        body = "# %%" + rest
    return f"{HEADER}\n{title_marker}{title}\n# %%\n{CELL}\n\n{body}"


def main() -> int:
    for source in sorted((NOTEBOOKS_DIR / "text").glob("*.py")):
        text = source.read_text()
        updated = with_colab(text, source.stem + ".ipynb")
        if updated != text:
            source.write_text(updated)
            print("updated", source.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
