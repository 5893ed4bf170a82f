"""Check the wheels carried to the GPU machine: is the set closed under its dependencies?

Two checks, one here and one there:

    python tools/gpu_wheels.py check .whl
        Here, after tools/fetch_gpu_wheels.sh. Reads every wheel's METADATA and evaluates each
        Requires-Dist for the GPU machine (CPython 3.12, Linux x86-64). A requirement passes when a carried
        wheel satisfies it (name and version), or when the machine has a package of that name
        (tools/gpu_machine_packages.txt; its version is checked there, by `verify`). Also fails on two
        versions of one package, a pinned name with no wheel, or a wheel not built for the target.

    python tools/gpu_wheels.py verify /tmp/site
        There, after the wheels are installed into /tmp/site (tools/gpu_suite.sh runs it). Checks every
        requirement of the installed distributions against the versions this Python actually imports
        (/tmp/site first, then the machine's own site-packages) and prints what does not match.

Exit status 0 when everything is satisfied, 1 otherwise. Only the standard library and `packaging` are used.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.tags import Tag, cpython_tags, compatible_tags
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

HERE = Path(__file__).resolve().parent
PINS = HERE / "gpu_wheels.txt"
MACHINE = HERE / "gpu_machine_packages.txt"

# The GPU machine: CPython 3.12 on Linux x86-64 (manylinux_2_28 or newer glibc).
TARGET_ENV = {
    **default_environment(),
    "implementation_name": "cpython",
    "implementation_version": "3.12.3",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_system": "Linux",
    "python_full_version": "3.12.3",
    "python_version": "3.12",
    "sys_platform": "linux",
    "os_name": "posix",
    "extra": "",
}


def target_tags(python: tuple[int, int] = (3, 12)) -> set[Tag]:
    platforms = [f"manylinux_2_{n}_x86_64" for n in range(28, 4, -1)]
    platforms += ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64", "linux_x86_64"]
    tags = set(cpython_tags(python, platforms=platforms))
    tags |= set(compatible_tags(python, f"cp{python[0]}{python[1]}", platforms=platforms))
    return tags


def read_lines(path: Path) -> list[str]:
    return [ln.split("#", 1)[0].strip() for ln in path.read_text().splitlines() if ln.split("#", 1)[0].strip()]


def wheel_metadata(path: Path):
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(archive.read(name).decode("utf-8"))


def requirements(metadata, env: dict) -> list[Requirement]:
    """The Requires-Dist entries that apply in ``env`` with no extras."""
    wanted = []
    for line in metadata.get_all("Requires-Dist") or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(env):
            wanted.append(req)
    return wanted


def check(folder: Path, pins: Path = PINS, machine: Path = MACHINE, python=(3, 12)) -> list[str]:
    """Problems with the wheels in ``folder`` (empty list: the set is closed). See the module docstring."""
    problems: list[str] = []
    wheels = sorted(folder.glob("*.whl"))
    if not wheels:
        return [f"no wheels in {folder}"]
    tags = target_tags(python)
    carried: dict[str, Version] = {}
    for wheel in wheels:
        name, version, _build, wheel_tags = parse_wheel_filename(wheel.name)
        if name in carried:
            problems.append(f"two versions of {name}: {carried[name]} and {version} (pip install stops)")
        carried[name] = version
        if not wheel_tags & tags:
            problems.append(f"{wheel.name} is not built for CPython {python[0]}.{python[1]} on Linux x86-64")
    on_machine = {canonicalize_name(n) for n in read_lines(machine)}
    for line in read_lines(pins):
        req = Requirement(line)
        name = canonicalize_name(req.name)
        if name not in carried:
            problems.append(f"{req} is pinned in {pins.name} but has no wheel in {folder}")
        elif not req.specifier.contains(carried[name], prereleases=True):
            problems.append(f"{req} is pinned but {folder} holds {name} {carried[name]}")
    for wheel in wheels:
        owner = parse_wheel_filename(wheel.name)[0]
        for req in requirements(wheel_metadata(wheel), TARGET_ENV):
            name = canonicalize_name(req.name)
            if name in carried:
                if not req.specifier.contains(carried[name], prereleases=True):
                    problems.append(f"{owner} needs {req}, but the carried {name} is {carried[name]}")
            elif name not in on_machine:
                problems.append(f"{owner} needs {req}: neither carried nor on the GPU machine")
    return problems


def verify(site: Path) -> list[str]:
    """Requirements of the distributions installed in ``site`` that this Python does not satisfy."""
    import importlib.metadata as md

    env = {**default_environment(), "extra": ""}
    problems: list[str] = []
    for dist in md.distributions(path=[str(site)]):
        owner = dist.metadata["Name"]
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            try:
                found = md.version(req.name)
            except md.PackageNotFoundError:
                problems.append(f"{owner} needs {req}: not installed")
                continue
            if not req.specifier.contains(Version(found), prereleases=True):
                problems.append(f"{owner} needs {req}: this Python imports {req.name} {found}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_check = sub.add_parser("check", help="here: are the wheels in FOLDER closed under their dependencies?")
    p_check.add_argument("folder", type=Path)
    p_check.add_argument("--python", default="3.12", help="target Python version (default 3.12)")
    p_verify = sub.add_parser("verify", help="there: do the installed wheels' requirements match this Python?")
    p_verify.add_argument("site", type=Path)
    args = parser.parse_args(argv)
    if args.command == "check":
        python = tuple(int(p) for p in args.python.split("."))
        problems = check(args.folder, python=python)
        wheels = sorted(args.folder.glob("*.whl"))
        size = sum(w.stat().st_size for w in wheels) / 1e6
        print(f"{len(wheels)} wheels, {size:.1f} MB in {args.folder}")
    else:
        problems = verify(args.site)
    for problem in problems:
        print("  PROBLEM:", problem)
    if not problems:
        print("  all requirements satisfied" + (" (machine packages by name)" if args.command == "check" else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
