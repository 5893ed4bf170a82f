"""utils.machine: each detector's present and absent branch, the absent one faked (PATH, env, fake programs)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import types
from pathlib import Path

import pytest

from tools import preflight_needs
from utils import machine


def fake_program(directory: Path, name: str, stderr: str = "", stdout: str = "", code: int = 0) -> Path:
    """An executable shell script ``directory/name`` that prints the given text and exits with ``code``."""
    path = directory / name
    path.write_text(f"#!/bin/sh\nprintf '%s' '{stdout}'\nprintf '%s' '{stderr}' >&2\nexit {code}\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def bare(tmp_path, monkeypatch):
    """PATH holds only an empty temporary directory, and the variables the detectors read are unset."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    for name in ("CXX", "JAVA_HOME", "COURSE_BROWSER"):
        monkeypatch.delenv(name, raising=False)
    return bin_dir


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the fake programs are shell scripts")


def test_import_does_not_import_frameworks():
    code = "import sys, utils.machine; print(any(m.split('.')[0] in ('torch', 'tensorflow') for m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(machine.__file__).resolve().parent.parent,
    )
    assert out.stdout.strip() == "False"


# --- C++ compiler ---------------------------------------------------------------------------------------------


def test_cxx_absent(bare):
    assert machine.find_cxx_compiler() is None


def test_cxx_present_gxx(bare):
    gxx = fake_program(bare, "g++", stdout="g++ (Debian 12.2.0) 12.2.0")
    assert machine.find_cxx_compiler() == str(gxx)


def test_cxx_clang_only_with_cxx_set(bare, monkeypatch):
    clang = fake_program(bare, "clang++", stdout="clang version 16")
    if sys.platform != "darwin":
        assert machine.find_cxx_compiler() is None  # Inductor on Linux tries g++ only
    monkeypatch.setenv("CXX", "clang++")
    assert machine.find_cxx_compiler() == str(clang)


def test_cxx_broken_gxx_is_absent(bare):
    fake_program(bare, "g++", code=1)
    assert machine.find_cxx_compiler() is None


def test_cxx_env_wins_and_has_no_fallback(bare, monkeypatch):
    fake_program(bare, "g++", stdout="g++ 12")
    mine = fake_program(bare, "my-cxx", stdout="my compiler")
    monkeypatch.setenv("CXX", str(mine))
    assert machine.find_cxx_compiler() == str(mine)
    monkeypatch.setenv("CXX", "/nonexistent/c++")  # Inductor would not fall back to g++ either
    assert machine.find_cxx_compiler() is None


# --- Python.h (Inductor's C++ includes it) ----------------------------------------------------------------------


@pytest.fixture
def headers(tmp_path, monkeypatch):
    """sysconfig's include directory points at an empty temporary one: this Python's headers are absent."""
    include = tmp_path / "include"
    include.mkdir()
    real = sysconfig.get_path
    monkeypatch.setattr(
        sysconfig, "get_path", lambda name, *a, **k: str(include) if name == "include" else real(name, *a, **k)
    )
    return include


def test_python_headers_absent_then_present(headers):
    assert machine.find_python_headers() is None
    (headers / "Python.h").write_text("/* fake */")
    assert machine.find_python_headers() == str(headers / "Python.h")


def test_real_python_headers_match_sysconfig():
    expected = Path(sysconfig.get_path("include"), "Python.h")
    assert machine.find_python_headers() == (str(expected) if expected.is_file() else None)


def test_inductor_missing_names_the_missing_piece_and_its_fix(bare, headers):
    assert machine.inductor_missing().startswith("no C++ compiler (apt-get install g++")
    fake_program(bare, "g++", stdout="g++ 14")
    why = machine.inductor_missing()
    assert (
        why.startswith(f"no Python.h for Python {machine.PYVER}")
        and f"apt-get install python{machine.PYVER}-dev" in why
    )
    (headers / "Python.h").write_text("/* fake */")
    assert machine.inductor_missing() is None


# --- Java -----------------------------------------------------------------------------------------------------


def test_java_absent(bare):
    assert machine.find_java() is None


def test_java_present(bare):
    java = fake_program(bare, "java", stderr='openjdk version "17.0.15" 2025-04-15')
    assert machine.find_java() == (str(java), 17)
    assert machine.find_java(min_major=21) is None


def test_java_too_old(bare):
    fake_program(bare, "java", stderr='openjdk version "11.0.22" 2024-01-16')
    assert machine.find_java() is None
    assert machine.find_java(min_major=11)[1] == 11


def test_java_home_is_used(bare, tmp_path, monkeypatch):
    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    java = fake_program(home / "bin", "java", stderr='openjdk version "21.0.5" 2024-10-15')
    monkeypatch.setenv("JAVA_HOME", str(home))
    assert machine.find_java() == (str(java), 21)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-such-jdk"))
    assert machine.find_java() is None


@pytest.mark.parametrize(
    "text, major",
    [
        ('java version "1.8.0_292"', 8),
        ('openjdk version "17.0.9" 2023-10-17', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ("no version here", None),
    ],
)
def test_java_major(text, major):
    assert machine.java_major(text) == major


# --- npm and browser ------------------------------------------------------------------------------------------


def test_npm(bare):
    assert machine.find_npm() is None
    npm = fake_program(bare, "npm")
    assert machine.find_npm() == str(npm)


def test_browser_absent(bare):
    assert machine.find_browser() is None


@pytest.mark.parametrize("name", machine.BROWSERS)
def test_browser_each_name(bare, name):
    browser = fake_program(bare, name)
    assert machine.find_browser() == str(browser)


def test_browser_that_does_not_run_is_absent_and_the_next_one_is_taken(bare, monkeypatch):
    # Ubuntu's chromium-browser deb: a shell stub that exits 1 unless the chromium snap is installed
    fake_program(bare, "chromium-browser", stderr="Command requires the chromium snap to be installed.", code=1)
    assert machine.find_browser() is None
    chrome = fake_program(bare, "google-chrome", stdout="Google Chrome 156")
    assert machine.find_browser() == str(chrome)
    monkeypatch.setenv("COURSE_BROWSER", "chromium-browser")
    assert machine.find_browser() is None


def test_browser_env(bare, tmp_path, monkeypatch):
    fake_program(bare, "chromium")
    mine = fake_program(tmp_path, "my-chrome")
    monkeypatch.setenv("COURSE_BROWSER", str(mine))
    assert machine.find_browser() == str(mine)
    monkeypatch.setenv("COURSE_BROWSER", str(tmp_path / "missing-chrome"))
    assert machine.find_browser() is None


# --- frameworks (faked modules: the real ones are slow to import and machine-dependent) -------------------------


def fake_tensorflow(monkeypatch, get_memory_info):
    experimental = types.SimpleNamespace(get_memory_info=get_memory_info)
    tf = types.SimpleNamespace(config=types.SimpleNamespace(experimental=experimental))
    monkeypatch.setitem(sys.modules, "tensorflow", tf)


def test_tf_allocator_stats_present(monkeypatch):
    fake_tensorflow(monkeypatch, lambda device: {"current": 0, "peak": 0})
    assert machine.tf_allocator_stats_available("CPU:0") is True


def test_tf_allocator_stats_absent(monkeypatch):
    def refuse(device):
        raise ValueError(f"Allocator stats not available for device '{device}'")

    fake_tensorflow(monkeypatch, refuse)
    assert machine.tf_allocator_stats_available("CPU:0") is False


def test_tf_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # import raises ImportError
    assert machine.tf_allocator_stats_available() is False


def fake_torch(monkeypatch, cuda: bool, mps: bool | None):
    backends = types.SimpleNamespace()
    if mps is not None:
        backends.mps = types.SimpleNamespace(is_available=lambda: mps)
    torch = types.SimpleNamespace(cuda=types.SimpleNamespace(is_available=lambda: cuda), backends=backends)
    monkeypatch.setitem(sys.modules, "torch", torch)


@pytest.mark.parametrize(
    "cuda, mps, expected",
    [
        (True, False, "cuda"),
        (False, True, "mps"),
        (False, False, "none"),
        (False, None, "none"),
    ],
)
def test_torch_accelerator(monkeypatch, cuda, mps, expected):
    fake_torch(monkeypatch, cuda, mps)
    assert machine.torch_accelerator() == expected


def test_report_says_how_to_install(bare, headers):
    lines = machine.report(frameworks=False)
    assert len(lines) == 5
    assert all("missing ->" in line for line in lines)
    assert any("apt-get install g++" in line for line in lines)
    fake_program(bare, "npm")
    assert any(line.startswith("npm") and line.endswith(str(bare / "npm")) for line in machine.report(frameworks=False))


def test_real_machine_report_runs():
    out = subprocess.run(
        [sys.executable, "-m", "utils.machine", "--no-frameworks"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(machine.__file__).resolve().parent.parent,
        env=dict(os.environ),
    )
    assert len(out.stdout.strip().splitlines()) == 5


# --- what `make lab` / `make test` need (tools/preflight.sh) ---------------------------------------------------


def test_missing_for_lists_apt_packages_and_the_script_exits_1(bare, headers):
    assert [item for item, _, _ in preflight_needs.missing_for("test")] == [
        "c++ compiler",
        "python headers",
        "java",
        "npm",
        "browser",
        "cjk font",
    ]
    assert [item for item, _, _ in preflight_needs.missing_for("lab")] == [
        "c++ compiler",
        "python headers",
        "java",
        "npm",
    ]  # no browser
    packages = {i: p for i, p, _ in preflight_needs.missing_for("test")}
    assert packages["java"][0] == "default-jre-headless" and packages["python headers"] == (
        f"python{machine.PYVER}-dev",
    )
    for name in ("g++", "npm", "chromium"):
        fake_program(bare, name, stdout="1")
    fake_program(bare, "fc-list", stdout="Noto Sans CJK SC,Noto Sans CJK SC Regular")
    (headers / "Python.h").write_text("/* fake */")
    fake_program(bare, "java", stderr='openjdk version "11.0.2"')  # too old for TorchServe
    assert [item for item, _, _ in preflight_needs.missing_for("test")] == ["java"]
    script = [sys.executable, "-m", "tools.preflight_needs", "test"]  # as tools/preflight.sh runs it
    root = Path(machine.__file__).resolve().parent.parent

    def run_script():  # a child: it sees this Python's real headers, present or not (only that line may differ)
        done = subprocess.run(script, capture_output=True, text=True, env={**os.environ}, cwd=root)
        lines = {line.split("\t")[0]: line.split("\t")[1] for line in done.stdout.splitlines()}
        assert done.returncode == (1 if lines else 0)
        lines.pop("python headers", None)
        return lines

    assert run_script() == {"java": "default-jre-headless openjdk-17-jre-headless"}
    fake_program(bare, "java", stderr='openjdk version "21.0.5" 2024-10-15')
    assert run_script() == {}
    assert subprocess.run([*script[:3], "nonsense"], capture_output=True, cwd=root).returncode == 1


# --- CPUs -----------------------------------------------------------------------------------------------------


def test_usable_cpus_follows_affinity(monkeypatch):
    monkeypatch.delattr(os, "process_cpu_count", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert machine.usable_cpus() == 1  # pinned to one CPU of 16 (taskset -c 0)


def test_usable_cpus_without_affinity(monkeypatch):
    monkeypatch.delattr(os, "process_cpu_count", raising=False)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # "cannot tell"
    assert machine.usable_cpus() == 1


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or shutil.which("taskset") is None, reason="needs Linux taskset"
)
def test_usable_cpus_under_taskset():
    code = "import utils.machine as m; print(m.usable_cpus())"
    out = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(machine.__file__).resolve().parent.parent,
    )
    assert out.stdout.strip() == "1"


# --- oneDNN (TensorFlow's private IsMklEnabled, faked) -----------------------------------------------------------


def fake_tf_port(monkeypatch, enabled):
    port = types.SimpleNamespace(IsMklEnabled=lambda: enabled)
    util = types.ModuleType("tensorflow.python.util")
    util._pywrap_util_port = port
    for name, module in (
        ("tensorflow", types.ModuleType("tensorflow")),
        ("tensorflow.python", types.ModuleType("tensorflow.python")),
        ("tensorflow.python.util", util),
        ("tensorflow.python.util._pywrap_util_port", port),
    ):
        monkeypatch.setitem(sys.modules, name, module)


@pytest.mark.parametrize("enabled", [True, False])
def test_tf_onednn_enabled(monkeypatch, enabled):
    fake_tf_port(monkeypatch, enabled)
    assert machine.tf_onednn_enabled() is enabled


def test_tf_onednn_unknown_without_tensorflow(monkeypatch):
    # every tensorflow module, not only the top one: an earlier test may have imported TensorFlow already
    for name in [m for m in sys.modules if m == "tensorflow" or m.startswith("tensorflow.")] + ["tensorflow"]:
        monkeypatch.setitem(sys.modules, name, None)
    assert machine.tf_onednn_enabled() is None


@pytest.mark.skipif(sys.platform != "linux" or os.uname().machine != "x86_64", reason="oneDNN switch: Linux x86_64")
@pytest.mark.parametrize("onednn, expected", [("0", "False False"), ("1", "True True")])
def test_tf_allocator_stats_follow_onednn_for_real(onednn, expected):
    """The real TensorFlow: with oneDNN off the CPU allocator keeps no statistics."""
    code = "import utils.machine as m; print(m.tf_onednn_enabled(), m.tf_allocator_stats_available('CPU:0'))"
    env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=onednn, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=Path(machine.__file__).resolve().parent.parent,
    )
    assert out.stdout.strip().splitlines()[-1] == expected


# --- tools/preflight.sh itself, with fake apt-get / id on a PATH of its own ------------------------------------

PREFLIGHT = Path(machine.__file__).resolve().parent.parent / "tools" / "preflight.sh"
SYSTEM_PATH = os.defpath + ":/usr/bin:/bin"  # where the real shell tools are, whatever PATH the fixtures set
BASH = shutil.which("bash", path=SYSTEM_PATH)
FAKE_APT = r"""#!/bin/sh
# fake apt-get: the first update finds the lists lock held (unattended-upgrades at boot); install makes the program
echo "$*" >> "$BIN/apt.calls"
mk() { printf '#!/bin/sh\n%s\n' "$2" > "$BIN/$1"; chmod +x "$BIN/$1"; }
case "$*" in
  *" update"*) if [ ! -e "$BIN/lock-was-held" ]; then touch "$BIN/lock-was-held"
                 echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 1 (apt-get)"
                 exit 100; fi ;;
  *" install "*) for p; do :; done
    case "$p" in
      g++) mk g++ 'echo 12' ;;
      default-jre-headless) mk java 'echo "openjdk version \"21.0.5\" 2024-10-15" >&2' ;;
      npm) mk npm 'echo 9.2.0' ;;
      chromium) mk chromium 'echo Chromium 156' ;;
      fonts-noto-cjk) mk fc-list 'echo "Noto Sans CJK SC,Noto Sans CJK SC Regular"' ;;
      python3.*-dev) touch "$FAKE_INCLUDE/Python.h" ;;
    esac ;;
esac
"""


FAKE_INCLUDE_PYTHON = """
import os, runpy, sys, sysconfig
real = sysconfig.get_path
sysconfig.get_path = lambda name, *a, **k: os.environ["FAKE_INCLUDE"] if name == "include" else real(name, *a, **k)
args = sys.argv[1:]
if args[0] == "-c":
    sys.argv = ["-c"] + args[2:]
    exec(compile(args[1], "<string>", "exec"), {"__name__": "__main__"})
elif args[0] == "-m":
    sys.argv = args[1:]
    runpy.run_module(args[1], run_name="__main__", alter_sys=True)
else:
    sys.argv = args
    runpy.run_path(args[0], run_name="__main__")
"""  # no single quotes: the wrapper passes it inside them


def preflight_env(bare, tmp_path, uid):
    """A PATH with the shell tools preflight.sh uses, a fake ``id`` (uid) and a fake apt-get; a venv marked built."""
    for tool in (
        "bash",
        "sh",
        "mktemp",
        "dirname",
        "seq",
        "grep",
        "sleep",
        "cut",
        "tail",
        "uname",
        "rm",
        "cat",
        "chmod",
        "touch",
        "printf",
    ):
        if shutil.which(tool, path=SYSTEM_PATH) and not (bare / tool).exists():
            (bare / tool).symlink_to(shutil.which(tool, path=SYSTEM_PATH))
    fake_program(bare, "id", stdout=str(uid))
    (bare / "apt-get").write_text(FAKE_APT)
    (bare / "apt-get").chmod(0o755)
    venv = tmp_path / "venv"
    venv.mkdir(parents=True)
    (venv / ".installed").touch()  # skip the venv and torch checks: this test is about the system programs
    include = tmp_path / "include"  # this Python's headers, as preflight's Python sees them: absent until installed
    include.mkdir()
    python = (
        bare / "python-with-fake-include"
    )  # runs `python -c CODE` / `-m MODULE` / `SCRIPT` with sysconfig's include moved
    python.write_text(f"#!/bin/sh\nexec {sys.executable} -c '{FAKE_INCLUDE_PYTHON}' \"$@\"\n")
    python.chmod(0o755)
    return dict(
        os.environ,
        PATH=str(bare),
        BIN=str(bare),
        PYTHON=str(python),
        VENV=str(venv),
        FAKE_INCLUDE=str(include),
        TORCH_VERSION="2.13.0",
        APT_LOCK_RETRY_S="0.1",
    )


@pytest.mark.skipif(BASH is None, reason="preflight.sh is a bash script")
def test_preflight_as_root_waits_for_the_apt_lock_then_installs_what_is_missing(bare, tmp_path):
    run = subprocess.run(
        [BASH, str(PREFLIGHT), "test"],
        capture_output=True,
        text=True,
        env=preflight_env(bare, tmp_path, uid=0),
        timeout=60,
    )
    calls = (bare / "apt.calls").read_text().splitlines()
    assert run.returncode == 0, run.stderr
    assert sum(" update" in c for c in calls) == 2  # the first found the lock held, the second ran
    assert [c.split()[-1] for c in calls if " install " in c] == [
        "g++",
        f"python{machine.PYVER}-dev",
        "default-jre-headless",
        "npm",
        "chromium",
        "fonts-noto-cjk",
    ]
    assert all("DPkg::Lock::Timeout" in c for c in calls)  # install waits for the dpkg lock itself


@pytest.mark.skipif(BASH is None, reason="preflight.sh is a bash script")
def test_preflight_as_a_user_installs_nothing_and_says_one_line_per_missing_program(bare, tmp_path):
    run = subprocess.run(
        [BASH, str(PREFLIGHT), "test"],
        capture_output=True,
        text=True,
        env=preflight_env(bare, tmp_path, uid=1000),
        timeout=60,
    )
    assert run.returncode == 1 and not (bare / "apt.calls").exists()
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 6 and all(line.startswith("make test: missing ") for line in lines), run.stderr
    assert "sudo apt-get install fonts-noto-cjk" in lines[5]
    assert "sudo apt-get install g++" in lines[0] and f"sudo apt-get install python{machine.PYVER}-dev" in lines[1]
    lab = subprocess.run(
        [BASH, str(PREFLIGHT), "lab"],
        capture_output=True,
        text=True,
        env=preflight_env(bare, tmp_path / "lab", uid=1000),
        timeout=60,
    )
    assert lab.returncode == 0 and lab.stderr.count("warning: missing") == 4  # make lab only warns, no browser needed
