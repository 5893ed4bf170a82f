"""The house style of CONTRIBUTING.md, checked on every notebook and on the course map.

Each test is parametrised by notebook, so a failure names the notebook and what is wrong with it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

import utils.timing
from tools import build_notebooks
from utils import NOTEBOOKS_DIR, REPO_ROOT
from utils.course import CLAIMS, OUTLINE, START_CLAIMS, TOPICS, VERDICT_WORDS, course_map_markdown, topic_for

START = "00_start_here.ipynb"
TEXT_DIR = NOTEBOOKS_DIR / "text"
PAIR_NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb") if p.name != START)
ALL_NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))
MACHINE_PATH = re.compile(r"(/tmp/|/root/|/home/|/work/|/Users/|[A-Z]:\\\\|site-packages)")
VERDICT_ROW = re.compile(r"^\|\s*(C\d+)(?:<br>[^|]*)?\s*\|\s*\*\*([a-z ]+)\*\*", re.MULTILINE)


def load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS_DIR / name, as_version=4)


def twin_of(name: str) -> str:
    if name.endswith("_pytorch.ipynb"):
        return name.replace("_pytorch.ipynb", "_tensorflow.ipynb")
    if name.endswith("_tensorflow.ipynb"):
        return name.replace("_tensorflow.ipynb", "_pytorch.ipynb")
    raise AssertionError(f"{name}: a pair notebook must end in _pytorch.ipynb or _tensorflow.ipynb")


def sections(nb) -> dict[str, list]:
    """Cells grouped under their level-2 heading."""
    groups: dict[str, list] = {"": []}
    current = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("## "):
                    current = line[3:].strip()
                    groups.setdefault(current, [])
        groups[current].append(cell)
    return groups


def test_there_is_a_start_notebook_and_at_least_one_pair():
    assert START in ALL_NOTEBOOKS
    assert PAIR_NOTEBOOKS, "no notebook pairs found"


@pytest.mark.parametrize("topic", [t for t in TOPICS if t.ready], ids=lambda t: t.slug)
def test_every_ready_topic_has_both_notebooks_and_their_sources(topic):
    for name in topic.notebooks:
        assert (NOTEBOOKS_DIR / name).is_file(), f"{name} is missing"
        assert (NOTEBOOKS_DIR / "text" / name.replace(".ipynb", ".py")).is_file(), f"text twin of {name} is missing"
        assert all(CLAIMS[c].verdict != "pending" for c in topic.claims), (
            f"{topic.slug} is ready but has pending verdicts"
        )


@pytest.mark.parametrize("name", PAIR_NOTEBOOKS)
def test_pair_notebook_is_in_the_course_map_and_has_its_twin(name):
    topic_for(name)
    assert (NOTEBOOKS_DIR / twin_of(name)).is_file(), f"{name}: its twin {twin_of(name)} is missing"


@pytest.mark.parametrize("name", PAIR_NOTEBOOKS)
def test_follows_the_outline(name):
    headings = [h for h in sections(load(name)) if h]
    assert headings == list(OUTLINE), f"{name}: level-2 headings {headings} differ from the outline {list(OUTLINE)}"


@pytest.mark.parametrize("name", PAIR_NOTEBOOKS)
def test_title_cell_links_the_twin_and_the_start_notebook(name):
    first = load(name).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), f"{name}: first cell must be the title"
    assert f"]({twin_of(name)})" in first.source, f"{name}: the title cell must link its twin {twin_of(name)}"
    assert f"]({START})" in first.source, f"{name}: the title cell must link {START}"


@pytest.mark.parametrize("name", PAIR_NOTEBOOKS)
def test_claims_section_and_verdict_cite_every_claim_of_the_topic(name):
    topic = topic_for(name)
    groups = sections(load(name))
    claimed = "\n".join(c.source for c in groups[OUTLINE[0]])
    verdict = "\n".join(c.source for c in groups[OUTLINE[4]] if c.cell_type == "markdown")
    rows = dict(VERDICT_ROW.findall(verdict))
    for cid in topic.claims:
        assert f"**{cid}**" in claimed or f"{cid}:" in claimed, f"{name}: §1 does not quote claim {cid}"
        assert cid in rows, f"{name}: the verdict table has no row '| {cid} | **verdict** | evidence |'"
        word = rows[cid].strip()
        assert word in VERDICT_WORDS[:-1], f"{name}: {cid} verdict '{word}' is not one of {VERDICT_WORDS[:-1]}"
        expected = CLAIMS[cid].verdict
        if expected != "pending":
            assert word == expected, (
                f"{name}: {cid} says '{word}' but the course map (utils/course.py) says '{expected}'"
            )


@pytest.mark.parametrize("name", PAIR_NOTEBOOKS)
def test_has_exercises_with_solution_and_check_cells_that_can_fail(name):
    cells = sections(load(name))[OUTLINE[5]]
    tags = [set(c.metadata.get("tags", [])) for c in cells]
    solutions = [c for c, t in zip(cells, tags) if "solution" in t]
    checks = [c for c, t in zip(cells, tags) if "check" in t]
    assert solutions and checks, f"{name}: §6 needs at least one 'solution' cell and one 'check' cell"
    for check in checks:
        assert "assert" in check.source, f"{name}: a check cell that asserts nothing cannot fail"


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_executed_in_order_without_errors(name):
    nb = load(name)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert None not in counts, f"{name}: some code cells were never executed (run make notebooks)"
    assert counts == list(range(1, len(counts) + 1)), f"{name}: execution counts {counts} are not 1..n in order"
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"{name}: cell {index} holds an error output ({output.get('ename')})"


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_outputs_hold_no_machine_paths_and_stay_small(name):
    nb = load(name)
    for index, cell in enumerate(nb.cells):
        for text in output_texts(cell):
            found = MACHINE_PATH.search(text)
            near = text[max(0, found.start() - 40) : found.end() + 40] if found else ""
            assert not found, f"{name}: cell {index} output shows a machine path near '{near}'"
    size = (NOTEBOOKS_DIR / name).stat().st_size
    assert size < 1_000_000, f"{name} is {size / 1e6:.1f} MB; keep notebooks small"


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_no_stored_timing_is_marked_unreliable(name):
    """utils.timing prints UNRELIABLE under a noisy measurement; such outputs are rebuilt, never committed."""
    noisy = build_notebooks.unreliable_outputs(load(name))
    assert not noisy, (
        f"{name}: "
        + "; ".join(f"cell {i}: {line}" for i, line in noisy)
        + (" -- rebuild this notebook on a quiet machine")
    )


def test_the_unreliable_check_finds_the_warning_line():
    from utils.timing import Timing, ratio_table

    noisy = Timing("eager", 0.011, 0.046, 7, 1)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(table)")])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=ratio_table([noisy]))]
    assert [i for i, _ in build_notebooks.unreliable_outputs(nb)] == [0]
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=ratio_table([Timing("q", 1, 0, 7, 1)]))]
    assert build_notebooks.unreliable_outputs(nb) == []


def test_the_build_tool_refuses_to_write_a_notebook_with_an_unreliable_timing(tmp_path, monkeypatch, capsys):
    from utils.timing import Timing

    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "99_fake.py").write_text("# %%\nprint('table')\n")
    noisy_line = Timing("eager", 0.011, 0.046, 7, 1).warning

    def fake_execute(nb, timeout_s):
        nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=noisy_line + "\n")]
        return 1.0, 10.0

    monkeypatch.setattr(build_notebooks, "TEXT", tmp_path / "text")
    monkeypatch.setattr(build_notebooks, "NOTEBOOKS", tmp_path)
    monkeypatch.setattr(build_notebooks, "execute", fake_execute)
    monkeypatch.setattr(sys, "argv", ["build_notebooks.py", "99_fake"])
    assert build_notebooks.main() == 1
    assert not (tmp_path / "99_fake.ipynb").exists()
    assert "cell 0: UNRELIABLE" in capsys.readouterr().err
    monkeypatch.setattr(sys, "argv", ["build_notebooks.py", "--allow-unreliable", "99_fake"])
    assert build_notebooks.main() == 0 and (tmp_path / "99_fake.ipynb").exists()


def test_wait_quiet_retries_a_refused_notebook_until_a_try_is_reliable(tmp_path, monkeypatch, capsys):
    from utils.timing import Timing

    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "99_fake.py").write_text("# %%\nprint('table')\n")
    outputs = iter([Timing("eager", 0.011, 0.046, 7, 1).warning, "eager: 11 ms (IQR 0.5 ms)"])
    probes = []

    def fake_execute(nb, timeout_s):
        nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=next(outputs) + "\n")]
        return 1.0, 10.0

    monkeypatch.setattr(build_notebooks, "TEXT", tmp_path / "text")
    monkeypatch.setattr(build_notebooks, "NOTEBOOKS", tmp_path)
    monkeypatch.setattr(build_notebooks, "execute", fake_execute)
    monkeypatch.setattr(utils.timing, "QUIET_REFERENCE", tmp_path / "quiet-host.json")
    monkeypatch.setattr(build_notebooks, "wait_until_quiet", lambda deadline, fastest: (probes.append(1) or True, 0.5))
    monkeypatch.setattr(build_notebooks, "still_quiet", lambda: True)
    monkeypatch.setattr(sys, "argv", ["build_notebooks.py", "--wait-quiet", "5", "99_fake"])
    assert build_notebooks.main() == 0
    assert len(probes) == 2  # a quiet host was awaited before each try
    assert "99_fake (try 2)" in capsys.readouterr().out
    assert "UNRELIABLE" not in (tmp_path / "99_fake.ipynb").read_text()
    assert build_notebooks.fastest_probe() == 0.5  # the machine's fastest probe is kept for the next build


def test_wait_quiet_does_not_write_a_run_after_which_the_host_was_busy(tmp_path, monkeypatch, capsys):
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "99_fake.py").write_text("# %%\nprint('table')\n")
    after = iter([False, True])

    def fake_execute(nb, timeout_s):
        nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="eager: 11 ms (IQR 0.5 ms)\n")]
        return 1.0, 10.0

    monkeypatch.setattr(build_notebooks, "TEXT", tmp_path / "text")
    monkeypatch.setattr(build_notebooks, "NOTEBOOKS", tmp_path)
    monkeypatch.setattr(utils.timing, "QUIET_REFERENCE", tmp_path / "quiet-host.json")
    monkeypatch.setattr(build_notebooks, "execute", fake_execute)
    monkeypatch.setattr(build_notebooks, "wait_until_quiet", lambda deadline, fastest: (True, 0.5))
    monkeypatch.setattr(build_notebooks, "still_quiet", lambda: next(after))
    monkeypatch.setattr(sys, "argv", ["build_notebooks.py", "--wait-quiet", "5", "99_fake"])
    assert build_notebooks.main() == 0
    out = capsys.readouterr()
    assert "busy again right after the run" in out.err and "99_fake (try 2)" in out.out


def test_wait_quiet_gives_up_without_writing_when_the_host_never_quietens(tmp_path, monkeypatch, capsys):
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "99_fake.py").write_text("# %%\nprint('table')\n")
    monkeypatch.setattr(build_notebooks, "TEXT", tmp_path / "text")
    monkeypatch.setattr(build_notebooks, "NOTEBOOKS", tmp_path)
    monkeypatch.setattr(build_notebooks, "execute", lambda nb, timeout_s: pytest.fail("ran on a busy host"))
    monkeypatch.setattr(utils.timing, "QUIET_REFERENCE", tmp_path / "quiet-host.json")
    monkeypatch.setattr(build_notebooks, "wait_until_quiet", lambda deadline, fastest: (False, 1.0))
    monkeypatch.setattr(sys, "argv", ["build_notebooks.py", "--wait-quiet", "1", "99_fake"])
    assert build_notebooks.main() == 1
    assert "no quiet try in 1 min" in capsys.readouterr().err
    assert not (tmp_path / "99_fake.ipynb").exists()


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_no_skipped_cells(name):
    for cell in load(name).cells:
        assert "NBVAL_SKIP" not in cell.source, f"{name}: NBVAL_SKIP hides a cell from the tests; make it run instead"
        assert "nbval-skip" not in cell.metadata.get("tags", []), f"{name}: nbval-skip tag"


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_notebook_matches_its_text_twin(name):
    source = NOTEBOOKS_DIR / "text" / name.replace(".ipynb", ".py")
    assert source.is_file(), f"{name} has no source in notebooks/text/"
    assert build_notebooks.in_sync(source), f"{name} differs from {source.name}: run make notebooks"


@pytest.mark.parametrize("cid", START_CLAIMS)
def test_claims_judged_in_the_start_notebook_have_a_matching_verdict_row(cid):
    """Claims no pair can run (utils.course.START_CLAIMS) are judged in the start notebook, under its own heading."""
    nb = load(START)
    quoted = [c for c in nb.cells if c.cell_type == "markdown" and f"**{cid}**" in c.source]
    assert quoted, f"{START}: no markdown cell quotes claim **{cid}**"
    rows = dict(VERDICT_ROW.findall("\n".join(c.source for c in nb.cells if c.cell_type == "markdown")))
    assert cid in rows, f"{START}: no verdict row '| {cid} | **verdict** | evidence |'"
    assert rows[cid].strip() == CLAIMS[cid].verdict, (
        f"{START}: {cid} says '{rows[cid].strip()}' but the course map (utils/course.py) says '{CLAIMS[cid].verdict}'"
    )
    assert CLAIMS[cid].verdict != "pending", f"{cid} is judged in {START} but still pending in utils/course.py"
    assert not any(cid in t.claims for t in TOPICS), f"{cid} is both in a pair and in START_CLAIMS"


def test_readme_course_map_is_current():
    readme = (REPO_ROOT / "README.md").read_text()
    assert course_map_markdown("notebooks/") in readme, "README's course map is stale: paste `make course-map`"


def test_every_topic_claim_is_in_the_claim_data():
    assert {c for t in TOPICS for c in t.claims} <= set(CLAIMS)


# -- What a learner meets first: no C++ log lines, a short setup, cells that fit on a screen ------------------------

# TensorFlow's C++ runtime logs through absl in glog's format ("I0000 00:00:1796609099.166927    8102 port.cc:153]
# ..."), and before absl is initialised it says so on its own line. utils.start.start_tensorflow keeps them off.
# torch's own logging uses the same format with the Python file ("W1207 17:45:26.147000 23478
# torch/utils/cpp_extension.py:183] ..."); utils.start.start_torch keeps its CUDA-build noise off.
CPP_LOG_LINE = re.compile(
    r"^(?:WARNING: All log messages before absl::InitializeLog\(\)"
    r"|[IWEF]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w./-]+\.(?:cc|py):\d+\])",
    re.MULTILINE,
)
FIRST_TWO_CELLS_MAX_LINES = 15  # the Colab cell and the setup cell, together
CELL_MAX_LINES = 30  # every code cell, solutions and checks included: a learner reads them all


def output_texts(cell) -> list[str]:
    texts = []
    for output in cell.get("outputs", []):
        for text in [output.get("text", "")] + [v for k, v in output.get("data", {}).items() if k.startswith("text/")]:
            texts.append("".join(text) if isinstance(text, list) else str(text))
    return texts


def test_the_cpp_log_pattern_matches_what_tensorflow_writes():
    lines = [
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "I0000 00:00:1796609099.172963    8102 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU",
        "E0000 00:00:1796609105.629058    8102 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error",
        "W1207 02:09:11.123456  123 cpu_feature_guard.cc:227] This TensorFlow binary is optimized",
        "W1207 17:45:26.147000 23478 torch/utils/cpp_extension.py:183] [1/0] No CUDA runtime is found, using CUDA_HOME",
    ]
    assert [bool(CPP_LOG_LINE.search(line)) for line in lines] == [True] * 5
    assert not CPP_LOG_LINE.search("loss 0.25 at step I0000\nprint('see port.cc:153')")


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_no_stored_output_carries_tensorflow_cpp_log_lines(name):
    found = [
        (index, match.group())
        for index, cell in enumerate(load(name).cells)
        for text in output_texts(cell)
        for match in CPP_LOG_LINE.finditer(text)
    ]
    assert not found, (
        f"{name}: log lines in stored outputs {found[:3]}: load TensorFlow with utils.start.start_tensorflow() "
        "before any import tensorflow, torch with utils.start.start_torch(), then rebuild"
    )


def code_cells(name: str) -> list:
    return [c for c in jupytext.read(TEXT_DIR / name.replace(".ipynb", ".py")).cells if c.cell_type == "code"]


@pytest.mark.parametrize("name", PAIR_NOTEBOOKS)
def test_the_first_two_code_cells_are_short(name):
    lines = [len(c.source.splitlines()) for c in code_cells(name)[:2]]
    assert sum(lines) <= FIRST_TWO_CELLS_MAX_LINES, (
        f"{name}: the first two code cells (Colab, setup) hold {lines} lines, more than {FIRST_TWO_CELLS_MAX_LINES} in "
        "all: keep the imports a learner needs and one line about the machine; move the rest to pairs.<slug> or utils"
    )


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_no_code_cell_is_longer_than_a_screen(name):
    long = [
        (index, len(c.source.splitlines()))
        for index, c in enumerate(code_cells(name))
        if len(c.source.splitlines()) > CELL_MAX_LINES
    ]
    assert not long, (
        f"{name}: code cells (index among code cells, lines) over {CELL_MAX_LINES} lines: {long}; "
        "split them where the lesson pauses, or move plumbing to pairs.<slug>"
    )


# -- The layout (CONTRIBUTING.md "Where code goes") ---------------------------------------------------------------

UTILS_DIR = REPO_ROOT / "utils"
SYS_PATH_EDIT = re.compile(r"sys\.path\.(insert|append|extend)|PYTHONPATH")
ALLOWED_SYS_PATH = "# not the course:"  # a notebook's own file (07 imports the model file it wrote), never utils/pairs
# utils modules only the test run and the build use: the time and memory budget, shared by conftest.py and
# tools/build_notebooks.py.
UTILS_FOR_TESTS_AND_TOOLS = {"budget"}


def _imported_modules(path: Path) -> set[str]:
    """Dotted names a file imports (``from utils import x`` counts as ``utils.x`` too); IPython magics skipped."""
    import ast

    source = "\n".join(
        "#" + line if line.lstrip().startswith(("%", "!")) else line for line in path.read_text().splitlines()
    )
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("source", sorted(p.name for p in TEXT_DIR.glob("*.py")))
def test_notebook_sources_do_not_edit_sys_path(source):
    """The course is installed (pip install -e .): a notebook imports utils and pairs by name, like d2l."""
    bad = [
        f"{n}: {line.strip()}"
        for n, line in enumerate((TEXT_DIR / source).read_text().splitlines(), 1)
        if SYS_PATH_EDIT.search(line) and ALLOWED_SYS_PATH not in line
    ]
    assert not bad, f"{source} edits sys.path / PYTHONPATH (the installed course makes it unnecessary): {bad}"


CODE_DIRS = ("tools", "tests", "notebooks/pairs", "benchmarks")


@pytest.mark.parametrize(
    "path",
    sorted(str(p.relative_to(REPO_ROOT)) for d in CODE_DIRS for p in (REPO_ROOT / d).rglob("*.py")),
)
def test_tools_tests_pairs_and_benchmarks_do_not_edit_sys_path(path):
    """utils, pairs and tools are installed packages: ``from tools import build_site``, never a path insert."""
    bad = [
        f"{n}: {line.strip()}"
        for n, line in enumerate((REPO_ROOT / path).read_text().splitlines(), 1)
        if re.search(r"sys\.path\.(insert|append|extend)\(", line) and ALLOWED_SYS_PATH not in line
    ]
    assert not bad, f"{path} edits sys.path (import the installed package instead): {bad}"


def test_every_utils_module_is_used_by_the_course_not_only_by_tests_or_tools():
    course_files = [*TEXT_DIR.glob("*.py"), *(NOTEBOOKS_DIR / "pairs").rglob("*.py"), *UTILS_DIR.glob("*.py")]
    used: set[str] = set()
    for path in course_files:
        mine = f"utils.{path.stem}" if path.parent == UTILS_DIR else None
        used |= {name for name in _imported_modules(path) if name != mine}
    unused = sorted(
        p.stem
        for p in UTILS_DIR.glob("*.py")
        if p.stem != "__init__" and f"utils.{p.stem}" not in used and p.stem not in UTILS_FOR_TESTS_AND_TOOLS
    )
    assert not unused, (
        f"utils modules no notebook or pair module imports: {unused}. Code only tests or tools use "
        "belongs in tests/ or tools/; code one pair uses belongs in notebooks/pairs/<slug>/."
    )


# Twin subsections. Rule (CONTRIBUTING.md): every `### N.M Title` subsection of one twin has a subsection with the
# same number and the same title in the other, unless its title ends with "(PyTorch only)" / "(TensorFlow only)"
# (in the twin of that framework). "Title" is the part before the first colon: after it each twin names its own
# API ("3.3 Batching: `DataLoader` ..." / "3.3 Batching: `tf.data` ..."). `####` sub-subsections are free.
SUBSECTION = re.compile(r"^# ### (\d+(?:\.\d+)+) (.+?)\s*$", re.MULTILINE)
ONLY = re.compile(r"\((PyTorch|TensorFlow) only\)$")


def subsections(source: Path) -> dict[str, str]:
    found = {}
    for number, title in SUBSECTION.findall(source.read_text()):
        assert number not in found, f"{source.name}: subsection {number} appears twice"
        found[number] = title
    return found


def topic(title: str) -> str:
    return title.split(":", 1)[0].strip()


TWIN_PAIRS = sorted(
    p.name.removesuffix("_pytorch.py")
    for p in TEXT_DIR.glob("*_pytorch.py")
    if (TEXT_DIR / p.name.replace("_pytorch.py", "_tensorflow.py")).is_file()
)


@pytest.mark.parametrize("pair", TWIN_PAIRS)
def test_twin_subsections_match_or_are_marked(pair):
    sides = {fw: subsections(TEXT_DIR / f"{pair}_{fw}.py") for fw in ("pytorch", "tensorflow")}
    problems = []
    for fw, other in (("pytorch", "tensorflow"), ("tensorflow", "pytorch")):
        for number, title in sides[fw].items():
            marked = ONLY.search(title)
            if marked:
                if marked.group(1).lower() != fw:
                    problems.append(f"{pair}_{fw} §{number} is marked for the other framework: {title!r}")
                continue
            twin_title = sides[other].get(number)
            if twin_title is None or ONLY.search(twin_title) or topic(twin_title) != topic(title):
                problems.append(f"{pair}_{fw} §{number} {title!r} vs {pair}_{other}: {twin_title!r}")
    assert not problems, (
        "twin subsections differ (same number and title before ':', or mark one "
        "'(PyTorch only)' / '(TensorFlow only)'):\n" + "\n".join(sorted(set(problems)))
    )


def test_pair_code_lives_in_its_pair_package():
    """notebooks/pairs/<slug>/ is importable as pairs.<slug>, and each package says which notebooks use it."""
    import importlib

    for package in sorted(p.parent for p in (NOTEBOOKS_DIR / "pairs").glob("*/__init__.py")):
        module = importlib.import_module(f"pairs.{package.name}")
        assert Path(module.__file__).resolve().parent == package.resolve(), f"pairs.{package.name} is not {package}"
        assert module.__doc__ and re.search(r"\d\d_[a-z]+", module.__doc__), (
            f"{package}/__init__.py: name the notebooks using it"
        )


def test_make_help_names_every_target():
    makefile = (REPO_ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*)\s*:(?![:=])", makefile, re.MULTILINE))
    help_recipe = makefile.split("\nhelp:\n", 1)[1].split("\n\n", 1)[0]
    listed = set(re.findall(r"make ([a-z][\w-]*)", help_recipe))
    assert targets and targets <= listed, f"make help does not list: {sorted(targets - listed)}"


def test_readme_speaks_to_learners_and_install_details_live_in_docs_install():
    words = len((REPO_ROOT / "README.md").read_text().split())
    assert words <= 1200, f"README.md has {words} words (at most 1,200): move maintainer detail to docs/install.md"
    assert (
        "](docs/install.md)" in (REPO_ROOT / "README.md").read_text() and (REPO_ROOT / "docs" / "install.md").is_file()
    )


def test_the_build_tool_runs_as_a_script_outside_the_repository_root(tmp_path):
    """`python tools/build_notebooks.py` puts tools/, not the repository root, first on sys.path: everything it
    imports, lazily too, must come from the installed course package (an import of `benchmarks` once broke it)."""
    import subprocess

    script = REPO_ROOT / "tools" / "build_notebooks.py"
    probe = (
        f"import sys; sys.path[0] = {str(script.parent)!r}; import build_notebooks, utils.timing as t; "
        "print(t.machine_key())"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("CPUs")


def test_a_rebuild_keeps_the_cell_ids_of_the_notebook_it_replaces(tmp_path):
    old = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Title"),
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell("y"),
        ]
    )
    for cell, cell_id in zip(old.cells, ("title", "first", "second")):
        cell.id = cell_id
    nbformat.write(old, tmp_path / "old.ipynb")
    new = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Title"),
            nbformat.v4.new_code_cell("x = 2"),  # edited in place: keeps the id of the cell it replaces
            nbformat.v4.new_code_cell("y"),
            nbformat.v4.new_code_cell("z"),  # new: a fresh id
        ]
    )
    fresh = new.cells[3].id
    build_notebooks.keep_cell_ids(new, tmp_path / "old.ipynb")
    assert [c.id for c in new.cells] == ["title", "first", "second", fresh]
    build_notebooks.keep_cell_ids(new, tmp_path / "missing.ipynb")  # a first build keeps its new ids
    nbformat.validate(new)
