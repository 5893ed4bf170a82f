"""The releases every verdict was measured on, and what the newest drift report says about today's releases.

The start notebook and the site show both (issue 24 part 3): ``releases_markdown()``. The pins come from
requirements.txt (the notebooks' stored outputs are executed on them), the drift reports from docs/drift/*.json, which
``make drift`` (tools/drift.py) writes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from . import REPO_ROOT

__all__ = ["FRAMEWORKS", "pinned", "last_drift", "releases_markdown"]

FRAMEWORKS = {"torch": "PyTorch", "tensorflow": "TensorFlow", "keras": "Keras"}


def pinned(requirements: Path | None = None) -> dict[str, str]:
    """{package: version} of requirements.txt's exact pins for the three frameworks."""
    text = (requirements or REPO_ROOT / "requirements.txt").read_text()
    found = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s#;]+)", text, re.M))
    return {name: found[name] for name in FRAMEWORKS if name in found}


def last_drift(reports: Path | None = None, stack: str = "latest") -> dict | None:
    """The newest drift report of that stack (docs/drift/DATE-STACK.json), or None when there is none."""
    files = sorted((reports or REPO_ROOT / "docs" / "drift").glob(f"????-??-??-{stack}.json"))
    return json.loads(files[-1].read_text()) if files else None


def releases_markdown(requirements: Path | None = None, reports: Path | None = None) -> str:
    versions = pinned(requirements)
    line = "Every verdict was measured on " + ", ".join(f"{FRAMEWORKS[k]} {v}" for k, v in versions.items())
    line += " (`requirements.txt`)."
    report = last_drift(reports)
    if report is None:
        return line + " No drift report yet (`make drift` writes one)."
    newest = ", ".join(f"{FRAMEWORKS[k]} {report['versions'][k]}" for k in FRAMEWORKS if report["versions"].get(k))
    look = ", ".join(report["needs_a_look"]) or "none"
    return (
        f"{line} Last drift report: **{report['date']}**, on the then newest releases ({newest}): "
        f"{report['passed']} of {report['passed'] + report['failed']} notebooks passed; claims that need a look: "
        f"{look} (`docs/drift/{report['date']}-{report['stack']}.md`)."
    )
