"""What `make lab` / `make test` need from the system, and the Debian/Ubuntu packages that provide it.

    python -m tools.preflight_needs lab|test        # from the repository root

prints one tab-separated line per missing item (item, apt packages tried in order, install hint) and exits 1 when
any is missing. tools/preflight.sh runs it with the Python the venv will be built from, before the venv exists:
standard library and ``utils.machine`` only.
"""

from __future__ import annotations

import sys

from utils import machine

# Tried in order: Ubuntu 22.04's default-jre-headless is Java 11; Debian 13 has no openjdk-17, its default is 21.
APT_PACKAGES = {
    "c++ compiler": ("g++",),
    "python headers": (f"python{machine.PYVER}-dev",),
    "java": ("default-jre-headless", "openjdk-17-jre-headless"),
    "npm": ("npm",),
    "browser": ("chromium",),
    "cjk font": ("fonts-noto-cjk",),
}
NEEDED_FOR = {
    "lab": ("c++ compiler", "python headers", "java", "npm"),  # torch.compile (01/08/10), TorchServe (07), Visdom (06)
    # + the browser tests, and a CJK font for the Chinese pages (tests/test_site.py)
    "test": ("c++ compiler", "python headers", "java", "npm", "browser", "cjk font"),
}
PRESENT = {
    "c++ compiler": machine.find_cxx_compiler,
    "python headers": machine.find_python_headers,
    "java": machine.find_java,
    "npm": machine.find_npm,
    "browser": machine.find_browser,
    "cjk font": machine.find_cjk_font,
}


def missing_for(purpose: str) -> list[tuple[str, tuple[str, ...], str]]:
    """``(item, apt packages, hint)`` for each item ``purpose`` (``"lab"`` or ``"test"``) needs and lacks."""
    return [
        (item, APT_PACKAGES[item], machine.INSTALL_HINTS[item]) for item in NEEDED_FOR[purpose] if not PRESENT[item]()
    ]


if __name__ == "__main__":
    if sys.argv[1:] not in (["lab"], ["test"]):
        sys.exit("usage: python tools/preflight_needs.py lab|test")
    gone = missing_for(sys.argv[1])
    for item, packages, hint in gone:
        print(f"{item}\t{' '.join(packages)}\t{hint}")
    sys.exit(1 if gone else 0)
