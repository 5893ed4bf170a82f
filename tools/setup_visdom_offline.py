"""Put Visdom's browser assets in place from the npm registry, so its server starts offline.

Why: every time ``python -m visdom.server`` starts, visdom 0.2.4 runs
``visdom.server.build.download_scripts()``. That function fetches about twenty
JavaScript, CSS and font files from public CDNs (unpkg, cdn.plot.ly, d3js.org,
cdnjs) into Visdom's ``static/`` folder, unless they are there already and
``static/version.built`` holds Visdom's version. With no internet the MathJax
part raises and the server exits before it listens.

What this does: every one of those files is also in an npm package, at the same
version. ``npm pack`` downloads the packages (checked against the registry's
integrity hashes, and again against the hashes pinned below), and each file is
copied to exactly the path ``download_scripts()`` would have written, then
``version.built`` is written the way upstream writes it. Upstream code is not
patched: its own check then finds everything in place and downloads nothing.
The course's ``pairs.visualization.dashboards.visdom_server`` refuses to start Visdom until
these files are in place (it never lets Visdom download at run time), so
``make venv`` runs this with ``--strict``.

    python tools/setup_visdom_offline.py            # set up (a no-op when already done)
    python tools/setup_visdom_offline.py --check    # exit 1 and list what is missing
    python tools/setup_visdom_offline.py --force    # fetch again and overwrite

When npm is not installed the tool says so and exits 0 (``--strict``: exit 1,
which keeps ``make venv`` from marking the venv done, so the next ``make`` tries
again). The Visdom lessons then say the assets are missing and how to fix it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# npm package@version -> its integrity (sha512, as the npm registry publishes it)
PACKAGES = {
    "jquery@3.1.1": "sha512-zuiWRmx65Kd1oFGdWLvAjbsumdOBFvs3r1vuqCyKFF79R7exBHNbiNEJ8LR+xkzgfxqBznMD/4Cv6PHXS6mvEw==",
    "bootstrap@3.3.7": (
        "sha512-qcFaisBrcBhTFkz1IUnGDYnX6ZWfFzH8zOixUDtHW9Ip+r+7MfMFav2rzy7cIHc7rgIg7xjhWBoo1mS/U26j4g=="
    ),
    "react@16.2.0": "sha512-ZmIomM7EE1DvPEnSFAHZn9Vs9zJl5A9H7el0EGTE6ZbW9FKe/14IYAlPbC8iH25YarEQxZL+E8VW7Mi7kfQrDQ==",
    "react-dom@16.2.0": (
        "sha512-zpGAdwHVn9K0091d+hr+R0qrjoJ84cIBFL2uU60KvWBPfZ7LPSrfqviTxGHWN0sjPZb2hxWzMexwrvJdKePvjg=="
    ),
    "react-modal@3.1.10": (
        "sha512-7b77AGWCkdg0YOf/qcYIGCpuwbxRwOA8P3UrUovk4grUNv+idOmHovJAx/Dcd3fuwHtgixxVjpcjVG60985MSA=="
    ),
    "plotly.js-dist-min@2.11.1": (
        "sha512-F9WWNht0D3yBLZGHbLoJNfvplXvy+GUPSsA/lCbMuYd/UwzSu6Vmyprxlps9Einw1LDS1hYBrJeioK0lE3ieXA=="
    ),
    "sjcl@1.0.7": "sha512-xQbiwKfiAj6vyk44ANJ5RRymALRdRZOuRoKNYkWUU404p/RFXmMaay1Z5vRn30GJjkD+psox4Jd38jZojSuNYA==",
    "layout-bin-packer@1.4.0": (
        "sha512-dQOZnajbOBGIcS9YlzKrkRtMCGa2oEpyf1zGRn93suphSvPclJe54Sbgtb053GJ21DUk84IBzaeQvjn+Gb10fA=="
    ),
    "d3@3.5.17": "sha512-yFk/2idb8OHPKkbAL8QaOaqENNoMhIaSHZerk3oQsECwkObkCpJyjYwCe+OHiq6UEdhe1m8ZGARRRO3ljFjlKg==",
    "d3-selection-multi@1.0.1": (
        "sha512-mEnRkJ6A+Otd1LuRPV3az+s/RLDmIEhuz/MnT21O2nPcWNH7wZotdIlRjMA4Wpr+n7AESQ5fD8v1J3nL2Mnw9g=="
    ),
    "save-svg-as-png@1.4.17": (
        "sha512-7QDaqJsVhdFPwviCxkgHiGm9omeaMBe1VKbHySWU6oFB2LtnGCcYS13eVoslUgq6VZC6Tjq/HddBd1K6p2PGpA=="
    ),
    "react-resizable@1.4.6": (
        "sha512-4zLORO51u0/mlDsrVCAA4p266d+3mb2ZMNdiWOotAh/PdnfrRzZhgePmKE08PSQatXVIfMjmyD+Sapay8tmxdQ=="
    ),
    "react-grid-layout@0.16.3": (
        "sha512-ytP92EqUjqcFhGzvdeKrK610dQ04GdFwRCWtD6PoeL5wR3liETcFISO7k8RBqnosV86JtXf/DwIfrL0COLs0gg=="
    ),
    "classnames@2.2.5": (
        "sha512-DTt3GhOUDKhh4ONwIJW4lmhyotQmV2LjNlGK/J2hkwUcqcbKkCLAdJPtxQnxnlc7SR3f1CEXCyMmc7WLUsWbNA=="
    ),
    "mathjax@2.7.5": "sha512-OzsJNitEHAJB3y4IIlPCAvS0yoXwYjlo2Y4kmm9KQzyIBZt2d8yKRalby3uTRNN4fZQiGL2iMXjpdP1u2Rq2DQ==",
}

_BS = "fonts/glyphicons-halflings-regular"
_MJ = "js/mathjax/2.7.5/"
# Path under visdom's static/ (as download_scripts() names it)  <-  (npm package, file in the package)
# Each line cites the URL visdom 0.2.4 (visdom/server/build.py) downloads it from.
ASSETS = {
    "js/jquery.min.js": ("jquery@3.1.1", "dist/jquery.min.js"),  # unpkg jquery@3.1.1/dist/jquery.min.js
    "js/bootstrap.min.js": ("bootstrap@3.3.7", "dist/js/bootstrap.min.js"),
    "js/react-react.min.js": ("react@16.2.0", "umd/react.production.min.js"),
    "js/react-dom.min.js": ("react-dom@16.2.0", "umd/react-dom.production.min.js"),
    "js/react-modal.min.js": ("react-modal@3.1.10", "dist/react-modal.min.js"),
    "js/plotly-plotly.min.js": ("plotly.js-dist-min@2.11.1", "plotly.min.js"),  # cdn.plot.ly/plotly-2.11.1.min.js
    "js/sjcl.js": ("sjcl@1.0.7", "sjcl.js"),
    "js/layout-bin-packer.js.map": ("layout-bin-packer@1.4.0", "dist/layout-bin-packer.js.map"),
    "js/layout_bin_packer.js": ("layout-bin-packer@1.4.0", "dist/layout-bin-packer.js"),
    "js/d3.v3.min.js": ("d3@3.5.17", "d3.min.js"),  # d3js.org/d3.v3.min.js (3.5.17 is the last v3)
    "js/d3-selection-multi.v1.js": ("d3-selection-multi@1.0.1", "build/d3-selection-multi.js"),  # d3js.org
    "js/saveSvgAsPng.js": ("save-svg-as-png@1.4.17", "lib/saveSvgAsPng.js"),
    "css/react-resizable-styles.css": ("react-resizable@1.4.6", "css/styles.css"),
    "css/react-grid-layout-styles.css": ("react-grid-layout@0.16.3", "css/styles.css"),
    "css/bootstrap.min.css": ("bootstrap@3.3.7", "dist/css/bootstrap.min.css"),
    "fonts/classnames": ("classnames@2.2.5", "index.js"),  # unpkg classnames@2.2.5 serves its main file
    f"{_BS}.eot": ("bootstrap@3.3.7", f"dist/{_BS}.eot"),
    f"{_BS}.woff2": ("bootstrap@3.3.7", f"dist/{_BS}.woff2"),
    f"{_BS}.woff": ("bootstrap@3.3.7", f"dist/{_BS}.woff"),
    f"{_BS}.ttf": ("bootstrap@3.3.7", f"dist/{_BS}.ttf"),
    # upstream keeps the URL fragment in the file name
    f"{_BS}.svg#glyphicons_halflingsregular": ("bootstrap@3.3.7", f"dist/{_BS}.svg"),
    # cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.5/...
    _MJ + "config/Safe.js": ("mathjax@2.7.5", "config/Safe.js"),
    _MJ + "config/TeX-AMS-MML_HTMLorMML.js": ("mathjax@2.7.5", "config/TeX-AMS-MML_HTMLorMML.js"),
    _MJ + "extensions/Safe.js": ("mathjax@2.7.5", "extensions/Safe.js"),
    _MJ + "jax/output/SVG/fonts/TeX/fontdata.js": ("mathjax@2.7.5", "jax/output/SVG/fonts/TeX/fontdata.js"),
    _MJ + "jax/output/SVG/jax.js": ("mathjax@2.7.5", "jax/output/SVG/jax.js"),
    _MJ + "jax/output/SVG/fonts/TeX/Size1/Regular/Main.js": (
        "mathjax@2.7.5",
        "jax/output/SVG/fonts/TeX/Size1/Regular/Main.js",
    ),
    _MJ + "jax/output/SVG/config.js": ("mathjax@2.7.5", "jax/output/SVG/config.js"),
    _MJ + "MathJax.js": ("mathjax@2.7.5", "MathJax.js"),
}

VISDOM_VERSION = "0.2.4"  # the version whose download list is mirrored above
HOW_TO_FIX = "Run: python tools/setup_visdom_offline.py (needs npm and the npm registry, once)."


class SetupError(RuntimeError):
    """npm failed, or a package did not hold what was expected."""


def visdom_dir() -> Path:
    """Where visdom is installed: the folder download_scripts() writes under (get_visdom_path()).

    Found without importing visdom (its import pulls in numpy, PIL, requests...), so a
    run that finds everything in place takes a fraction of a second.
    """
    spec = importlib.util.find_spec("visdom")
    if spec is None or spec.origin is None:
        raise ImportError("visdom is not installed")
    return Path(spec.origin).parent


def installed_visdom_version(install_dir: Path | None = None) -> str:
    """visdom.__version__, read the way visdom reads it (its VERSION file)."""
    try:
        return ((install_dir or visdom_dir()) / "VERSION").read_text().strip()
    except OSError:
        return "no_version_file"


def missing(install_dir: Path | None = None) -> list[str]:
    """What visdom's server would try to download at start: static/ paths, plus version.built if stale."""
    static = (install_dir or visdom_dir()) / "static"
    gone = [rel for rel in ASSETS if not (static / rel).is_file()]
    built = static / "version.built"
    if not built.is_file() or built.read_text().strip() != installed_visdom_version(install_dir):
        gone.append("version.built")
    return gone


def _sri(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def npm_pack(specs: list[str], dest: Path) -> dict[str, Path]:
    """``npm pack`` each package@version into ``dest``; return {spec: tarball}, integrity-checked."""
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm")
    result = subprocess.run(
        [npm, "pack", "--json", "--silent", "--pack-destination", str(dest), *specs],
        capture_output=True,
        text=True,
        cwd=dest,
    )
    if result.returncode != 0:
        raise SetupError(f"npm pack failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
    tarballs = {}
    for entry in json.loads(result.stdout):
        spec = entry["id"]
        path = dest / entry["filename"]
        if spec not in PACKAGES:
            raise SetupError(f"npm pack returned {spec}, which was not asked for")
        if _sri(path) != PACKAGES[spec]:
            raise SetupError(f"{spec}: the tarball's sha512 differs from the pinned one; not installing it")
        tarballs[spec] = path
    absent = set(specs) - set(tarballs)
    if absent:
        raise SetupError(f"npm pack did not return {sorted(absent)}")
    return tarballs


def install(install_dir: Path | None = None, *, force: bool = False, quiet: bool = False) -> list[str]:
    """Put every asset in place; return the static/ paths written (empty when already done)."""
    install_dir = install_dir or visdom_dir()
    version = installed_visdom_version(install_dir)
    if version != VISDOM_VERSION:
        raise SetupError(
            f"visdom {version} is installed; this tool mirrors the download list of visdom {VISDOM_VERSION}. "
            "Update ASSETS from the new visdom/server/build.py."
        )
    todo = list(ASSETS) if force else [rel for rel in missing(install_dir) if rel != "version.built"]
    static = install_dir / "static"
    written = []
    if todo:
        specs = sorted({ASSETS[rel][0] for rel in todo})
        if not quiet:
            print(f"fetching {len(specs)} npm package(s) for {len(todo)} visdom asset(s) ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="visdom-assets-") as tmp:
            tarballs = npm_pack(specs, Path(tmp))
            opened = {spec: tarfile.open(path) for spec, path in tarballs.items()}
            try:
                for rel in todo:
                    spec, member = ASSETS[rel]
                    try:
                        source = opened[spec].extractfile("package/" + member)
                    except KeyError:
                        source = None
                    if source is None:
                        raise SetupError(f"{spec} has no file {member}")
                    target = static / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    partial = target.with_name(target.name + ".part")
                    with source, open(partial, "wb") as out:
                        shutil.copyfileobj(source, out)
                    os.replace(partial, target)  # never leave a half-written file behind
                    written.append(rel)
            finally:
                for handle in opened.values():
                    handle.close()
    built = static / "version.built"
    if not built.is_file() or built.read_text().strip() != version:
        built.write_text(version)  # what download_scripts() writes once its files are in place
        written.append("version.built")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report; exit 1 when something is missing")
    parser.add_argument("--force", action="store_true", help="fetch every asset again")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 (not 0) when npm is not installed or an asset is still missing"
    )
    args = parser.parse_args(argv)

    try:
        where = visdom_dir()
    except (ImportError, AttributeError):
        print("visdom is not installed in this Python; nothing to set up.", file=sys.stderr)
        return 1 if args.strict or args.check else 0
    if args.check:
        gone = missing(where)
        for rel in gone:
            print(f"missing: visdom/static/{rel}")
        print("visdom assets: " + ("complete" if not gone else f"{len(gone)} missing. {HOW_TO_FIX}"))
        return 1 if gone else 0
    try:
        written = install(where, force=args.force)
    except FileNotFoundError:
        print(
            "npm is not installed, so Visdom's browser assets were not set up; the course's Visdom server "
            "(pairs.visualization.dashboards.visdom_server) will not start until they are. Install npm (Debian/Ubuntu: "
            "sudo apt-get install npm) and run: python tools/setup_visdom_offline.py",
            file=sys.stderr,
        )
        return 1 if args.strict else 0
    except SetupError as err:
        print(f"visdom offline setup failed: {err}", file=sys.stderr)
        return 1
    gone = missing(where)
    if gone:  # never report success over an incomplete static/ folder
        print(f"visdom offline setup incomplete: {len(gone)} file(s) missing, e.g. static/{gone[0]}", file=sys.stderr)
        return 1
    if written:
        print(f"visdom {installed_visdom_version(where)}: wrote {len(written)} file(s) under {where / 'static'}")
    else:
        print(f"visdom {installed_visdom_version(where)}: offline assets already in place")
    return 0


if __name__ == "__main__":
    sys.exit(main())
