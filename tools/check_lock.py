"""Check every pin of requirements-lock.txt against PyPI: not yanked, and installable on every supported Python.

    python tools/check_lock.py [requirements-lock.txt]      (`make lock` runs it after writing the lock)

A fresh resolve on the newest 3.11 can pick a release that a supported Python cannot install (soupsieve 4.x wants
Python >= 3.11.5; Debian 12's python3 is 3.11.2) or one that was yanked (soupsieve 3.0.1: broken below 3.11.5).
Neither shows on the machine that built the lock. Reads PyPI's JSON API (needs the network); exit 1 on a problem.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

SUPPORTED_PYTHONS = ("3.11.0", "3.11.2", "3.12.0", "3.13.0")  # 3.11.2: Debian 12's python3
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s#;]+)", re.MULTILINE)


def excluded_pythons(requires_python: str | None) -> list[str]:
    """The supported Pythons a ``Requires-Python`` specifier leaves out (none for an empty one)."""
    wanted = SpecifierSet(requires_python or "")
    return [py for py in SUPPORTED_PYTHONS if py not in wanted]


def pypi_project(name: str) -> dict:
    with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=60) as response:
        return json.load(response)


def problems(name: str, version: str, project: dict) -> list[str]:
    """What is wrong with ``name==version`` given PyPI's JSON for the project (``pypi_project``)."""

    def same(key: str) -> bool:
        try:
            return Version(key) == Version(version)
        except InvalidVersion:
            return False

    files = next((files for key, files in project["releases"].items() if files and same(key)), None)
    if files is None:
        return [f"{name}=={version}: no such release on PyPI"]
    found = []
    if all(f.get("yanked") for f in files):
        found.append(f"{name}=={version}: yanked ({files[0].get('yanked_reason') or 'no reason given'})")
    for wanted in sorted({f.get("requires_python") or "" for f in files} - {""}):
        excluded = excluded_pythons(wanted)
        if excluded:
            found.append(f"{name}=={version}: needs Python {wanted}, so not {', '.join(excluded)}")
    return found


def check(lock: Path, fetch=pypi_project) -> list[str]:
    pins = PIN.findall(lock.read_text())
    with ThreadPoolExecutor(16) as pool:
        projects = list(pool.map(fetch, [name for name, _ in pins]))
    return [line for (name, version), project in zip(pins, projects) for line in problems(name, version, project)]


if __name__ == "__main__":
    found = check(Path(sys.argv[1] if len(sys.argv) > 1 else "requirements-lock.txt"))
    print("\n".join(found) or "every pin is on PyPI, not yanked, and admits Python " + ", ".join(SUPPORTED_PYTHONS))
    sys.exit(1 if found else 0)
