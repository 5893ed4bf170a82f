"""ruff, configured in pyproject.toml, on the course's Python: the lint rules pass and every file is formatted.

To fix a failure: ``ruff format <file>`` and ``ruff check --fix <file>``, then the rest by hand.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from utils import REPO_ROOT


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=REPO_ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("command", [("check", "--output-format=concise"), ("format", "--check")], ids=" ".join)
def test_ruff_passes(command):
    result = ruff(*command)
    assert result.returncode == 0, f"ruff {' '.join(command)}:\n{result.stdout}{result.stderr}"


def test_ruff_lints_every_part_of_the_course():
    """pyproject.toml's include list covers notebook sources, pairs, utils, tools, tests and benchmarks."""
    listed = set(ruff("check", "--show-files").stdout.split())
    for part in ("notebooks/text", "notebooks/pairs", "utils", "tools", "tests", "benchmarks"):
        assert any(f"/{part}/" in path for path in listed), f"ruff does not check {part}/"
    assert any(path.endswith("/conftest.py") for path in listed)


def test_every_noqa_says_why():
    """``# noqa: CODE`` silences a rule; a reason after it ("-- ..." or "(...)") says why the rule is wrong here."""
    bare = []
    for path in ruff("check", "--show-files").stdout.split():
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            found = re.search(r"#\s*noqa(?::\s*[A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)?(.*)$", line)
            if found and not re.search(r"\w", found.group(1)):
                bare.append(f"{path.removeprefix(str(REPO_ROOT) + '/')}:{n}: {line.strip()}")
    assert not bare, "a # noqa without a reason (fix the code, or say why):\n" + "\n".join(bare)
