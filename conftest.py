"""Suite-wide test setup: environment for the notebook kernels, and a per-notebook budget report.

* The course is an installed package (``pip install --no-deps -e .``, done by ``make``): every kernel, server and
  DataLoader worker imports ``utils`` and ``pairs`` from it, with no ``PYTHONPATH`` or ``sys.path`` edit. If it is
  not installed, the run stops at once and says so. Every kernel nbval starts inherits this process's
  environment: ``TF_FORCE_GPU_ALLOW_GROWTH=true`` lets TensorFlow and PyTorch share a GPU.
* ``COURSE_TORCH_ONLY=1`` (for a GPU machine that has PyTorch but no TensorFlow, tools/GPU.md)
  skips the TensorFlow notebooks with that reason. Nowhere else is a notebook skipped. Such a run
  is partial, and says so: the summary prints "PARTIAL RUN: N TensorFlow notebooks left out", and when ``CI``
  is set the run fails (a stray export in CI must not halve the suite quietly).
* ``# NBVAL_CHECK_OUTPUT`` cells are compared after the regexes of ``nbval-sanitize.cfg`` (nbval's own
  ``--nbval-sanitize-with``) delete TensorFlow's and absl's C++ log lines; all other stderr is compared.
* Solution-removal probes: before every ``solution``-tagged cell of a notebook, an extra test item runs that
  exercise's ``check`` cell(s) with the solution replaced by a stub (every name the solution binds set to
  ``None``) and fails unless the check fails. nbval then runs the real solution and check, which must pass. So a
  check that cannot tell a missing solution from a right one fails the suite, at the cost of running each check
  one more time, not the notebook (item name: ``Cell N without its solution``).
* While each notebook runs, the summed memory (PSS) of the kernel and every process it starts is
  sampled. At the end a table gives each notebook's wall time and peak memory; a notebook over the
  memory budget fails the run. Wall times are reported, never asserted (they depend on the machine).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import time
from collections import defaultdict
from pathlib import Path

import pytest

from utils.budget import MEMORY_BUDGET_MB, TIME_BUDGET_S, ChildMemorySampler
from utils.coexist import load_triton_before_tensorflow

# Import order guard, before any test module loads: with the CUDA build of torch, importing TensorFlow 2.21 first
# and Triton afterwards (torch.optim, torch.export and torch._dynamo import it) crashes the process with a
# segmentation fault (utils/coexist.py says why). The unit tests import both frameworks in one process; this root
# conftest is loaded before any test module, and nothing imported above loads a framework.
load_triton_before_tensorflow()

ROOT = Path(__file__).resolve().parent

if importlib.util.find_spec("pairs") is None:  # notebooks/pairs, importable only through the install
    raise pytest.UsageError(
        "the course package is not installed in this Python: run `python -m pip install --no-deps -e .` in the "
        "repository root (make test and make test-here do it)"
    )
os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")


def _is_notebook(item) -> bool:
    return str(item.fspath).endswith(".ipynb")


def _notebook_key(item) -> str:
    """The budget table's name for a notebook: its file name, zh/NAME for the Chinese edition (notebooks/zh/)."""
    path = Path(str(item.fspath))
    return f"zh/{path.name}" if path.parent.name == "zh" else path.name


def solution_bound_names(source: str) -> list[str]:
    """Names a cell binds at its top level (assignments, for/with targets, :=, def, class; not imports)."""
    names: list[str] = []

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
            return  # its body is another scope
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    visit(ast.parse(code))
    return list(dict.fromkeys(names))


MISSING_MARK = "is not written yet"  # what a missing solution's name says when the check uses it


def solution_probe_source(solution: str, checks: list[str]) -> str:
    """A cell that stubs the solution out, runs the check cells, and fails unless they fail with a hint.

    Every name the solution binds holds a stand-in whose every use raises ``NotImplementedError("<name> is not
    written yet")``, as a student's empty cell would leave it (and never a value left from an earlier cell). The
    checks must then fail, and say why: the stand-in's error (anywhere in the exception chain), or an
    ``AssertionError`` with a message. Any other failure (a bare ``assert``, a ``TypeError`` from inside a library)
    fails the probe: give the check an ``assert ..., "hint"`` before the line that failed.
    """
    names = solution_bound_names(solution)
    stub = "\n".join(f"{name} = _Missing({name!r})" for name in names) or "pass"
    check = "\n".join(checks)
    return f"""# solution removed (conftest.py): the check must fail now, with a hint
class _Missing:
    def __init__(self, name): object.__setattr__(self, "_name", name)
    def _fail(self, *args, **kwargs): raise NotImplementedError(f"{{self._name}} {MISSING_MARK}")
    __call__ = __getitem__ = __setattr__ = __iter__ = __len__ = __bool__ = __index__ = __float__ = __int__ = _fail
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __add__ = __sub__ = __mul__ = __matmul__ = __truediv__ = _fail
    __hash__ = object.__hash__
    def __getattr__(self, attr):
        if attr.startswith("__"): raise AttributeError(attr)
        self._fail()
{stub}
try:
    exec(compile(get_ipython().transform_cell({check!r}), "<check cell>", "exec"), globals())
except Exception as _probe_error:
    _chain, _seen = [], _probe_error
    while _seen is not None and len(_chain) < 10:
        _chain.append(_seen)
        _seen = _seen.__cause__ or _seen.__context__
    _hints = [str(e) for e in _chain if isinstance(e, NotImplementedError) and {MISSING_MARK!r} in str(e)]
    if not _hints and isinstance(_probe_error, AssertionError) and str(_probe_error).strip():
        _hints = [str(_probe_error).strip().splitlines()[0]]
    if not _hints:
        raise AssertionError("without its solution the check fails with no hint for the student: "
                             f"{{type(_probe_error).__name__}}: {{_probe_error}}; add an assert with a message"
                             ) from None
    print("without its solution the check fails, as it must, saying:", _hints[0])
    del _probe_error, _chain, _seen, _hints
else:
    raise AssertionError("the check passed with its solution removed: it does not check the exercise")
"""


def _insert_solution_probes(items):
    """Before each nbval item of a solution cell, a probe item running its checks without it (see the docstring)."""
    from nbformat.v4 import new_code_cell
    from nbval.plugin import IPyNbCell

    def tags(item):
        return item.cell.metadata.get("tags", []) if isinstance(item, IPyNbCell) else []

    for position in reversed(range(len(items))):
        solution = items[position]
        if "solution" not in tags(solution):
            continue
        checks = []
        for later in items[position + 1 :]:
            if later.parent is not solution.parent or "solution" in tags(later):
                break
            if "check" in tags(later):
                checks.append(later.cell.source)
        if not checks:
            continue
        probe = IPyNbCell.from_parent(
            solution.parent,
            name=f"{solution.name} without its solution",
            cell_num=solution.cell_num,
            cell=new_code_cell(solution_probe_source(solution.cell.source, checks)),
            options=defaultdict(bool),
        )
        items.insert(position, probe)


_left_out: set[str] = set()  # notebooks this run leaves out (COURSE_TORCH_ONLY=1)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _partial_run_line() -> str:
    line = f"PARTIAL RUN: {len(_left_out)} TensorFlow notebooks left out (COURSE_TORCH_ONLY=1): " + ", ".join(
        sorted(_left_out)
    )
    return line + (". This fails the run because CI is set." if _in_ci() else ".")


def pytest_collection_modifyitems(config, items):
    _insert_solution_probes(items)
    if os.environ.get("COURSE_TORCH_ONLY") != "1":
        return
    skip_tf = pytest.mark.skip(
        reason="COURSE_TORCH_ONLY=1: this machine has PyTorch but no TensorFlow (tools/GPU.md); PARTIAL RUN"
    )
    for item in items:
        if _is_notebook(item) and str(item.fspath).endswith("_tensorflow.ipynb"):
            item.add_marker(skip_tf)
            _left_out.add(Path(str(item.fspath)).name)


class _Meter:
    """Wall time and peak memory per notebook, from one sampler reset at each notebook's first cell."""

    def __init__(self):
        self.current: str | None = None
        self.stats: dict[str, dict] = {}
        self.sampler = ChildMemorySampler()

    def enter(self, name: str) -> dict:
        if name != self.current:
            self._record_peak()
            self.sampler.reset()
            self.current = name
        return self.stats.setdefault(name, {"seconds": 0.0, "peak_mb": 0.0, "cells": 0, "failed": 0})

    def leave(self):
        """A non-notebook test is running: charge what it starts to no notebook."""
        self._record_peak()
        self.current = None

    def _record_peak(self):
        if self.current is not None:
            entry = self.stats[self.current]
            entry["peak_mb"] = max(entry["peak_mb"], self.sampler.peak_mb)

    def start(self):
        self.sampler.start()

    def stop(self):
        self._record_peak()
        self.sampler.stop()


_meter = _Meter()


def pytest_sessionstart(session):
    _meter.start()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if not _is_notebook(item):
        _meter.leave()
        yield
        return
    entry = _meter.enter(_notebook_key(item))
    started = time.perf_counter()
    yield
    entry["seconds"] += time.perf_counter() - started
    entry["cells"] += 1


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if _is_notebook(item) and report.failed:
        _meter.stats[_notebook_key(item)]["failed"] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    _meter.stop()
    stats = _meter.stats
    tr = terminalreporter
    if _left_out:
        tr.write_line(_partial_run_line(), red=True, bold=True)
    if not stats:
        return
    tr.section("notebook budget (wall time and peak memory of kernel + its processes)")
    tr.write_line(
        f"memory budget {MEMORY_BUDGET_MB} MB (utils/budget.py: 1500 with torch's CPU build, 2000 with "
        "its CUDA build, COURSE_MEMORY_BUDGET_MB overrides)"
    )
    tr.write_line(f"{'notebook':<40} {'cells':>5} {'seconds':>8} {'peak MB':>8}")
    over = []
    for name, s in sorted(stats.items()):
        flags = []
        if s["seconds"] > TIME_BUDGET_S:
            flags.append(f"slower than {TIME_BUDGET_S} s here")
        if s["peak_mb"] > MEMORY_BUDGET_MB:
            flags.append(f"OVER {MEMORY_BUDGET_MB} MB")
            over.append(name)
        tr.write_line(f"{name:<40} {s['cells']:>5} {s['seconds']:>8.1f} {s['peak_mb']:>8.0f}  {'; '.join(flags)}")
    tr.write_line(f"{'total':<40} {'':>5} {sum(s['seconds'] for s in stats.values()):>8.1f}")
    artifacts = ROOT / "artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "notebook_budget.json").write_text(
        json.dumps({"cpu_count": os.cpu_count(), "notebooks": stats}, indent=1)
    )
    if over:
        tr.write_line(f"FAILED budget: {', '.join(over)} peaked over {MEMORY_BUDGET_MB} MB", red=True)


def pytest_sessionfinish(session, exitstatus):
    _meter.stop()
    over = [n for n, s in _meter.stats.items() if s["peak_mb"] > MEMORY_BUDGET_MB]
    if over and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if _left_out and _in_ci() and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


SANITIZE_FILE = ROOT / "nbval-sanitize.cfg"


def pytest_configure(config):
    """Compare checked cells through nbval-sanitize.cfg (an absolute path, so pytest may run from any folder)."""
    _private_tmpdir(config)
    if not hasattr(config.option, "nbval_sanitize_with"):  # nbval not loaded (-p no:nbval)
        return
    if config.option.nbval_sanitize_with is None:
        config.option.nbval_sanitize_with = str(SANITIZE_FILE)
    _drop_stderr_streams_that_hold_only_log_lines(Path(config.option.nbval_sanitize_with))


def sanitize_patterns(path: Path = SANITIZE_FILE) -> list[tuple[str, str]]:
    """The (regex, replacement) pairs of a sanitize file, read the way nbval reads them."""
    from nbval.plugin import get_sanitize_patterns

    text = path.read_text()
    patterns = get_sanitize_patterns(text)
    # a "replace:" line that lost its trailing space would drop its regex without a word: count them
    assert len(patterns) == len(re.findall(r"^regex: ", text, re.MULTILINE)), (
        f"{path}: a regex without its replace line"
    )
    return patterns


def _drop_stderr_streams_that_hold_only_log_lines(path: Path) -> None:
    """The one thing nbval 0.11's sanitizing cannot do: a stderr stream that is *only* log lines.

    nbval sanitizes the text of each output, but it first compares which output fields a cell has
    (``compare_outputs``: "Missing output fields" / "Unexpected output fields"). TensorFlow writes a log line
    on one run and not on the next (once per process, CPU-dependent), so a checked cell would gain or lose a
    whole ``stderr`` field. Such a stream, when the sanitize regexes leave nothing of it, is dropped before
    that comparison; any other stderr (a Python warning, a logging error) stays and is compared.
    """
    import nbval.plugin as nbval_plugin

    patterns = sanitize_patterns(path)
    original = getattr(
        nbval_plugin.transform_streams_for_comparison, "__wrapped__", nbval_plugin.transform_streams_for_comparison
    )

    def only_log_lines(output) -> bool:
        if output.get("output_type") != "stream" or output.get("name") != "stderr":
            return False
        text = output.get("text", "")
        for regex, replace in patterns:
            text = re.sub(regex, replace, text)
        return not text.strip()

    def transform(outputs):
        return original([o for o in outputs if not only_log_lines(o)])

    transform.__wrapped__ = original
    nbval_plugin.transform_streams_for_comparison = transform


def _private_tmpdir(config) -> None:
    """Give every kernel and process the run starts one temporary folder, removed when the run ends.

    nbval stops each kernel with ``shutdown_kernel(now=True)``, a kill: the kernel's ``atexit`` handlers never run,
    so what it would remove at exit (TensorFlow AutoGraph's generated files, a notebook's temporary folders) stayed in
    /tmp after every test run. A learner's kernel, shut down or restarted from JupyterLab, exits normally and cleans
    up after itself.
    """
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="course-tests-")
    os.chmod(folder, 0o1777)  # like /tmp itself: a server a test starts as another user writes here too
    previous, previous_cached = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = folder
    # this process too: tempfile caches its folder on first use, so without this the tests' own process and the
    # processes they start would disagree (TensorBoard writes its pid-N.info record under the child's temporary
    # folder and tensorboard.manager.start, in the test's process, waited for it in /tmp until it timed out)
    tempfile.tempdir = folder

    def remove() -> None:
        shutil.rmtree(folder, ignore_errors=True)
        tempfile.tempdir = previous_cached
        if previous is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = previous

    config.add_cleanup(remove)
