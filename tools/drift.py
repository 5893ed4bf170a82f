"""The drift job: run every notebook on today's releases and report what moved against the pinned run.

    make drift                                   # the newest release of every requirement (the lock ignored)
    make drift STACK=colab                       # Colab's stack (tools/stacks/colab.txt), through the Colab cell
    make drift STACK=tf-nightly                  # the newest releases with PyPI's tf-nightly
    python -m tools.drift --stack latest --python 3.12 [NAMES...]
    python -m tools.drift --compare RUN_DIR      # (re)write the report from an earlier run's executed notebooks

tools/stacks.py builds the environment and executes the notebooks (one lock hold each); this file compares each
executed notebook with the committed one (the pinned run: notebooks/*.ipynb, executed on requirements-lock.txt) and
writes ``docs/drift/DATE-STACK.md`` and ``.json`` with:

- each notebook: passed or failed, with the first error;
- each ``# NBVAL_CHECK_OUTPUT`` cell whose output changed, as a diff (both sides through nbval-sanitize.cfg, as nbval
  compares them);
- each number a verdict cites that moved beyond its noise. The numbers a verdict cites are the ones printed by the
  code cells of a notebook's "## 5. Verdict" section (the course prints them there, under the verdict table, so that
  the prose can quote them). A ratio or timing (a number followed by ``x``, ``s`` or ``ms``) may move by
  ``utils.timing.IQR_LIMIT`` (a quarter) of its pinned value: the spread the course already treats as timing noise.
  A number followed by ``± n`` may move by n. Any other number (a count, an accuracy, an error bound) is compared
  as printed. Versions (``2.13.0``) and section numbers (``§3.6``) are not numbers a verdict rests on and are skipped;
- each deprecation or future warning the new run printed and the pinned one did not;
- for each claim, "verdict still holds" when every notebook that judges it passed with unchanged checked outputs and
  no cited number moved, else "needs a look", with the reasons.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tools import stacks

ROOT = Path(__file__).resolve().parent.parent

REPORTS = ROOT / "docs" / "drift"
SANITIZE = ROOT / "nbval-sanitize.cfg"
TIMING_TOLERANCE = 0.25  # utils.timing.IQR_LIMIT (read without importing utils.timing, which imports numpy)
CHECK_MARK = "NBVAL_CHECK_OUTPUT"
NUMBER = re.compile(r"(§)?(?<![\w.])([-+]?\d+(?:\.\d+)*(?:e[-+]?\d+)?)(\s*(?:x|ms|s)\b)?(\s*±\s*(\d+(?:\.\d+)?))?")
WARNING = re.compile(r"\b(\w*(?:DeprecationWarning|FutureWarning))\b:?\s*(.*)")
KEY_PACKAGES = ("torch", "tensorflow", "keras", "numpy", "onnx", "onnxruntime", "jupyterlab", "ipykernel")


# ---- reading notebooks ---------------------------------------------------------------------------------------------


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def source(cell: dict) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def output_text(cell: dict, streams=("stdout", "stderr")) -> str:
    """What a code cell printed: its streams and the text/plain of its results (nbval's comparison, as text)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") in streams:
            parts.append(out.get("text", ""))
        elif out.get("output_type") in ("execute_result", "display_data"):
            parts.append(out.get("data", {}).get("text/plain", ""))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}\n")
    return "".join("".join(p) if isinstance(p, list) else p for p in parts)


def sanitizers() -> list[tuple[re.Pattern, str]]:
    lines = SANITIZE.read_text().splitlines() if SANITIZE.exists() else []
    regexes = [line[len("regex: ") :] for line in lines if line.startswith("regex: ")]
    replaces = [line[len("replace: ") :] for line in lines if line.startswith("replace: ")]
    return [(re.compile(r), s) for r, s in zip(regexes, replaces)]


def sanitize(text: str, rules) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def verdict_cells(nb: dict) -> list[int]:
    """Indices of the code cells of the "## 5. Verdict" section."""
    found, inside = [], False
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            headings = re.findall(r"^## (\d+)\.", source(cell), re.M)
            if headings:
                inside = headings[-1] == "5"
        elif inside:
            found.append(index)
    return found


def numbers(line: str) -> list[dict]:
    """The numbers of one printed line, each with its noise: {"value", "text", "tolerance", "relative"}."""
    found = []
    for match in NUMBER.finditer(line):
        section, text, unit, _, plus_minus = match.groups()
        if section or text.count(".") > 1:
            continue  # §3.6 is a section, 2.13.0 a version
        value = float(text)
        if plus_minus:
            found.append({"value": value, "text": text, "tolerance": float(plus_minus), "relative": False})
        elif unit:
            found.append({"value": value, "text": text + unit.strip(), "tolerance": TIMING_TOLERANCE, "relative": True})
        else:
            found.append({"value": value, "text": text, "tolerance": 0.0, "relative": False})
    return found


def claims_of_line(line: str) -> list[str]:
    return re.findall(r"\bC\d{1,2}\b", line.split(":")[0])


# ---- comparing one notebook ------------------------------------------------------------------------------------------


def compare_notebook(pinned: dict, new: dict, rules) -> dict:
    """Check-output diffs, moved verdict numbers and new warnings of one executed notebook against its pinned run."""
    checks, moved = [], []
    pcells, ncells = pinned["cells"], new["cells"]
    for index, (p, n) in enumerate(zip(pcells, ncells)):
        if p["cell_type"] != "code" or not n.get("outputs") and n.get("execution_count") is None:
            continue
        if CHECK_MARK in source(p):
            old, now = sanitize(output_text(p), rules), sanitize(output_text(n), rules)
            if old != now:
                diff = "".join(difflib.unified_diff(old.splitlines(True), now.splitlines(True), "pinned", "new", n=1))
                checks.append({"cell": index, "diff": diff})
    for index in verdict_cells(pinned):
        if index >= len(ncells) or ncells[index].get("execution_count") is None:
            continue
        old_lines = [line for line in output_text(pcells[index], ("stdout",)).splitlines() if line.strip()]
        new_lines = [line for line in output_text(ncells[index], ("stdout",)).splitlines() if line.strip()]
        for old, now in zip(old_lines, new_lines):
            a, b = numbers(old), numbers(now)
            why = None
            if len(a) != len(b):
                why = f"the line has {len(b)} numbers, not {len(a)}"
            else:
                for x, y in zip(a, b):
                    limit = x["tolerance"] * abs(x["value"]) if x["relative"] else x["tolerance"]
                    if abs(y["value"] - x["value"]) > limit + 1e-12:
                        noise = f"±{limit:.3g}" + (f" ({x['tolerance']:.0%} of it)" if x["relative"] else "")
                        why = f"{x['text']} -> {y['text']} (noise {noise})"
                        break
            if why:
                moved.append({"cell": index, "claims": claims_of_line(old), "pinned": old, "new": now, "why": why})
    return {
        "checks_changed": checks,
        "numbers_moved": moved,
        "new_warnings": sorted(warnings_of(new) - warnings_of(pinned)),
    }


def warnings_of(nb: dict) -> set[str]:
    """Each deprecation/future warning a notebook printed, as 'Category: message' (file and line dropped)."""
    found = set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        for line in output_text(cell).splitlines():
            match = WARNING.search(line)
            if match and (match.group(2) or ":" in line):
                found.add(f"{match.group(1)}: {match.group(2).strip()}"[:300])
    return found


# ---- the report -------------------------------------------------------------------------------------------------


def claim_notebooks() -> dict[str, list[str]]:
    """{claim id: notebook names that judge it} from the course map."""
    from utils import course

    found = {cid: [] for cid in course.CLAIMS}
    for topic in course.TOPICS:
        for cid in topic.claims:
            found[cid] += [n.removesuffix(".ipynb") for n in topic.notebooks]
    for cid in course.START_CLAIMS:
        found[cid].append(course.START.removesuffix(".ipynb"))
    return found


def verdicts(notebooks: dict[str, dict], by_claim: dict[str, list[str]]) -> dict[str, dict]:
    result = {}
    for cid, names in by_claim.items():
        reasons = []
        for name in names:
            nb = notebooks.get(name)
            if nb is None:
                reasons.append(f"{name} was not run")
                continue
            if nb["ok"] is None:
                reasons.append(f"{name} was not run ({nb['error']})")
                continue
            if not nb["ok"]:
                reasons.append(f"{name} failed ({(nb['error'] or '')[:160]})")
            if nb["checks_changed"]:
                reasons.append(
                    f"{name}: {len(nb['checks_changed'])} checked output(s) changed "
                    f"(cells {', '.join(str(c['cell']) for c in nb['checks_changed'])})"
                )
            for m in nb["numbers_moved"]:
                if not m["claims"] or cid in m["claims"]:
                    reasons.append(f"{name} cell {m['cell']}: {m['why']}")
        status = "needs a look" if reasons else "verdict still holds"
        why = reasons or [f"{', '.join(names)} passed; checked outputs and the numbers the verdict cites unchanged"]
        result[cid] = {"status": status, "why": why, "notebooks": names}
    return result


def compare_run(run_dir: Path, results: list[dict], pinned_dir: Path = stacks.NOTEBOOKS) -> dict[str, dict]:
    rules, notebooks = sanitizers(), {}
    for result in results:
        name = result["name"]
        executed = run_dir / f"{name}.ipynb"
        entry = {
            "ok": result["ok"],
            "error": result["error"],
            "seconds": result.get("seconds"),
            "load": result.get("load_before"),
            "checks_changed": [],
            "numbers_moved": [],
            "new_warnings": [],
        }
        pinned = pinned_for(name, load(executed), pinned_dir) if executed.exists() else None
        if pinned is not None:
            entry.update(compare_notebook(pinned, load(executed), rules))
        elif executed.exists():
            entry["error"] = (entry["error"] or "") + " (no committed version with the same cells to compare with)"
        notebooks[name] = entry
    return notebooks


def code_sources(nb: dict) -> list[str]:
    return [source(c) for c in nb["cells"] if c["cell_type"] == "code"]


def pinned_for(name: str, executed: dict, pinned_dir: Path) -> dict | None:
    """The pinned run of the notebook that was executed: the file in pinned_dir, or, when its cells differ (the
    notebook was rebuilt meanwhile), the newest committed version with the same code cells."""
    path = pinned_dir / f"{name}.ipynb"
    if path.exists() and code_sources(load(path)) == code_sources(executed):
        return load(path)
    relative = f"notebooks/{name}.ipynb"
    git = ["git", "-C", str(ROOT)]
    revisions = stacks.subprocess.run(
        git + ["log", "--format=%H", "-n", "30", "--", relative], capture_output=True, text=True
    ).stdout.split()
    for revision in revisions:
        shown = stacks.subprocess.run(git + ["show", f"{revision}:{relative}"], capture_output=True, text=True)
        if shown.returncode == 0 and code_sources(json.loads(shown.stdout)) == code_sources(executed):
            return json.loads(shown.stdout)
    return None


def pinned_versions(revision: str | None = None) -> dict[str, str]:
    """The key packages of requirements-lock.txt at that commit (default: the working tree's)."""
    if revision:
        shown = ["git", "-C", str(ROOT), "show", f"{revision}:requirements-lock.txt"]
        lock = stacks.subprocess.run(shown, capture_output=True, text=True, check=True).stdout.splitlines()
    else:
        lock = (ROOT / "requirements-lock.txt").read_text().splitlines()
    pins = dict(line.split("==", 1) for line in lock if "==" in line and not line.startswith("#"))
    return {k: pins.get(k) for k in KEY_PACKAGES}


def report(
    stack: str,
    python: str,
    versions: dict[str, str],
    notebooks: dict[str, dict],
    date: str,
    by_claim: dict[str, list[str]] | None = None,
    revision: str | None = None,
) -> dict:
    claims = verdicts(notebooks, by_claim if by_claim is not None else claim_notebooks())
    return {
        "date": date,
        "stack": stack,
        "python": python,
        "versions": {k: versions.get(k) for k in KEY_PACKAGES},
        "machine": machine(),
        "pinned": pinned_versions(revision),
        "pinned_commit": revision,
        "passed": sum(nb["ok"] is True for nb in notebooks.values()),
        "failed": sum(nb["ok"] is False for nb in notebooks.values()),
        "not_run": sum(nb["ok"] is None for nb in notebooks.values()),
        "notebooks": notebooks,
        "claims": claims,
        "needs_a_look": sorted(
            (c for c, v in claims.items() if v["status"] == "needs a look"), key=lambda c: int(c[1:])
        ),
    }


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    names = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.M) if cpuinfo.exists() else []
    return f"{names[0] if names else 'unknown CPU'}, {stacks.os.cpu_count()} cores"


def markdown(data: dict) -> str:
    out = [f"# Drift report {data['date']}: stack `{data['stack']}`, Python {data['python']}", ""]
    out.append(
        "Against the pinned run (the committed notebooks, executed on `requirements-lock.txt`). Written by "
        "`tools/drift.py` (`make drift`); the JSON beside this file has the same content."
    )
    out += ["", "| package | pinned | this run |", "|---|---|---|"]
    out += [f"| {k} | {data['pinned'].get(k) or '-'} | {data['versions'].get(k) or '-'} |" for k in KEY_PACKAGES]
    out += [
        "",
        f"**{data['passed']} passed, {data['failed']} failed, {data['not_run']} not run** of {len(data['notebooks'])} "
        "notebooks. "
        f"Claims that need a look: {', '.join(data['needs_a_look']) or 'none'}.",
        "",
        "## Notebooks",
        "",
        f"On {data.get('machine', 'an unrecorded machine')}, one run each; *load* is the 1-minute load average as the "
        "notebook started (each held the course's CPU lock; jobs outside it may still have run: above 2, on 2 cores, "
        "a timing is suspect).",
        "",
        "| notebook | result | s | load | checked outputs changed | verdict numbers moved | new warnings |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, nb in data["notebooks"].items():
        result = {True: "passed", None: f"not run: {nb['error']}"}.get(
            nb["ok"]
        ) or f"**failed**: {md_cell(nb['error'] or '')[:300]}"
        out.append(
            f"| {name} | {result} | {nb['seconds']} | {nb.get('load')} | {len(nb['checks_changed'])} | "
            f"{len(nb['numbers_moved'])} | {len(nb['new_warnings'])} |"
        )
    out += ["", "## Claims", "", "| claim | status | why |", "|---|---|---|"]
    for cid, claim in data["claims"].items():
        out.append(f"| {cid} | {claim['status']} | {md_cell('; '.join(claim['why']))[:600]} |")
    moved = [(n, m) for n, nb in data["notebooks"].items() for m in nb["numbers_moved"]]
    out += ["", "## Numbers the verdicts cite that moved beyond their noise", ""]
    out += [
        f"- {n} cell {m['cell']}: {m['why']}\n  - pinned: `{m['pinned']}`\n  - new: `{m['new']}`" for n, m in moved
    ] or ["None."]
    out += ["", "## Checked outputs that changed", ""]
    changed = [(n, c) for n, nb in data["notebooks"].items() for c in nb["checks_changed"]]
    for name, check in changed:
        out += [f"### {name}, cell {check['cell']}", "", "```diff", check["diff"].rstrip("\n")[:4000], "```", ""]
    out += ["None.", ""] if not changed else []
    out += ["## New deprecation and future warnings", ""]
    warned = [(n, w) for n, nb in data["notebooks"].items() for w in nb["new_warnings"]]
    out += [f"- {n}: `{w}`" for n, w in warned] or ["None."]
    return "\n".join(out) + "\n"


def md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def write(data: dict, reports: Path = REPORTS) -> Path:
    reports.mkdir(parents=True, exist_ok=True)
    stem = reports / f"{data['date']}-{data['stack']}"
    stem.with_suffix(".json").write_text(json.dumps(data, indent=1) + "\n")
    stem.with_suffix(".md").write_text(markdown(data))
    return stem.with_suffix(".md")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="notebook name prefixes (default: every notebook)")
    parser.add_argument("--stack", default="latest", choices=stacks.STACKS_ALL)
    parser.add_argument("--python", help="X.Y (default: 3.12; colab: Colab's, tools/stacks/colab.txt)")
    parser.add_argument("--venv", type=Path, help="default /tmp/course-drift-STACK")
    parser.add_argument("--reuse", action="store_true", help="reuse the environment at --venv instead of rebuilding it")
    parser.add_argument("--out", type=Path, help="executed notebooks go here (default /tmp/course-drift-STACK-run)")
    parser.add_argument("--compare", type=Path, metavar="RUN_DIR", help="only write the report from RUN_DIR")
    parser.add_argument("--reports", type=Path, default=REPORTS)
    parser.add_argument(
        "--pinned-rev", help="the commit whose lock the pinned run used (default: HEAD as the run began)"
    )
    parser.add_argument(
        "--lock", default=stacks.os.environ.get("COURSE_CPU_LOCK"), help="flock this file around each step"
    )
    parser.add_argument(
        "--hold-seconds", type=float, default=0.0, help="hold the lock on to the next notebook until then"
    )
    args = parser.parse_args()

    venv = args.venv or Path(f"/tmp/course-drift-{args.stack}")
    out = args.compare or args.out or Path(f"/tmp/course-drift-{args.stack}-run")
    if args.compare and (out / "run.json").exists():
        meta = json.loads((out / "run.json").read_text())
    elif args.compare:  # a run cut short: the notebooks it executed, the rest reported as not run
        done = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
        results = [
            done.get(n) or {"name": n, "ok": None, "error": "the run was stopped before it", "seconds": None}
            for n in stacks.notebook_names(args.names)
        ]
        py = stacks.subprocess.run([str(venv / "bin" / "python"), "-V"], capture_output=True, text=True).stdout.split()[
            -1
        ]
        date = datetime.fromtimestamp(max(p.stat().st_mtime for p in out.glob("*.json")), UTC).strftime("%Y-%m-%d")
        meta = {"stack": args.stack, "python": py, "versions": stacks.freeze_of(venv), "results": results, "date": date}
    else:
        python = stacks.find_python(args.python or stacks.DEFAULT_PYTHON.get(args.stack) or stacks.colab_python())
        versions = stacks.freeze_of(venv) if args.reuse else stacks.build(args.stack, venv, python, args.lock)
        names = stacks.notebook_names(args.names)
        results = stacks.execute_all(
            venv, names, out, colab=args.stack == "colab", lock=args.lock, hold_s=args.hold_seconds
        )
        py = stacks.subprocess.run([str(venv / "bin" / "python"), "-V"], capture_output=True, text=True).stdout.split()[
            -1
        ]
        meta = {
            "stack": args.stack,
            "python": py,
            "versions": versions,
            "results": results,
            "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            "head": stacks.subprocess.run(
                ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
            ).stdout.strip(),
            "finished": time.time(),
        }
        (out / "run.json").write_text(json.dumps(meta, indent=1))
    notebooks = compare_run(out, meta["results"])
    revision = args.pinned_rev or meta.get("head") or None
    data = report(meta["stack"], meta["python"], meta["versions"], notebooks, meta["date"], revision=revision)
    path = write(data, args.reports)
    print(
        f"drift: {data['passed']} passed, {data['failed']} failed, {data['not_run']} not run; "
        f"needs a look: {', '.join(data['needs_a_look']) or 'none'}"
    )
    print(f"drift: report {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
