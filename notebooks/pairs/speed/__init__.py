"""The speed pair's shared pieces (08_speed_pytorch, 08_speed_tensorflow, and ``benchmarks/speed.py``).

Timing in rounds (``interleaved``, ``one_at_a_time``, ``first_call``), the ladder of model sizes, the plot, the
CPU's features and peak (``cpu_flags``, ``bf16_units``, ``PEAKS``), the kernel logs of a library
(``kernel_log``), and the reading of C15 from a benchmark record holding both frameworks.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from utils import REPO_ROOT
from utils.timing import IQR_LIMIT, measure

__all__ = [
    "LADDERS",
    "MATMUL_N",
    "GPU_MATMUL_N",
    "RESULTS",
    "PEAKS",
    "forward_flops",
    "rows",
    "plot_ladder",
    "best",
    "c15_reading",
    "flagged",
    "latest_result",
    "cpu_records",
    "first_call",
    "interleaved",
    "one_at_a_time",
    "cpu_flags",
    "bf16_units",
    "peak_gflops",
    "kernel_log",
    "ladder_table",
]

RESULTS = REPO_ROOT / "benchmarks" / "results"
# (name, hidden width w, batch b) of the MLP 64 -> w -> w -> 10.
LADDERS = {
    "quick": [("tiny", 16, 8), ("small", 64, 32)],
    # the notebooks' ladder: sized so that each notebook stays within 60 s on 2 cores
    "notebook": [("tiny", 32, 16), ("course", 256, 360), ("large", 1024, 1024)],
    "full": [
        ("tiny", 32, 16),
        ("course", 256, 360),
        ("medium", 512, 512),
        ("large", 1024, 1024),
        ("xlarge", 2048, 2048),
    ],
}
MATMUL_N = {"quick": 128, "notebook": 1024, "full": 2048}
GPU_MATMUL_N = {"quick": 256, "notebook": 4096, "full": 8192}


def forward_flops(width: int, batch: int) -> float:
    """Floating-point operations of one forward pass of the MLP (2 per multiply-add)."""
    return 2.0 * batch * (64 * width + width * width + width * 10)


def rows(result: dict) -> list[dict]:
    """Flat ladder rows (framework added) of a whole result, for tables and plots."""
    out = []
    for fw, data in result["frameworks"].items():
        for row in data.get("ladder", []):
            if "median_ms" in row:
                out.append(dict(row, framework=fw))
    return out


def plot_ladder(ladder_rows: list[dict], path: Path | str | None = None, title: str = ""):
    """Milliseconds per call against the rung, one line per framework and mode, inference and training side by side."""
    import matplotlib

    if path is not None and "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rungs = list(dict.fromkeys(r["rung"] for r in ladder_rows))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for ax, task in zip(axes, ("inference", "train")):
        lines: dict[str, dict] = {}
        for r in ladder_rows:
            if r["task"] == task:
                lines.setdefault(f"{r.get('framework', '')} {r['mode']}".strip(), {})[r["rung"]] = r["median_ms"]
        for label, points in lines.items():
            xs = [i for i, rung in enumerate(rungs) if rung in points]
            ax.plot(
                xs, [points[rungs[i]] for i in xs], marker="o", label=label, linestyle="-" if "eager" in label else "--"
            )
        ax.set_xticks(range(len(rungs)), rungs)
        ax.set_yscale("log")
        ax.set_title(f"{task} ({'forward' if task == 'inference' else 'forward + backward + SGD'})", fontsize=9)
        ax.set_xlabel("model size (rung of the ladder)", fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("ms per call (median, log)", fontsize=8)
    axes[1].legend(fontsize=7, loc="upper left")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return fig


def flagged(row: dict) -> bool:
    """Whether a stored timing row is not to be read: its record lists reasons to distrust it (``unreliable``), or
    its IQR is over ``utils.timing.IQR_LIMIT`` of its median (older records stored no reasons)."""
    return bool(row.get("unreliable")) or row.get("iqr_ms", 0) > IQR_LIMIT * row["median_ms"]


def best(result_rows: list[dict], framework: str, rung: str, task: str, modes: tuple[str, ...] | None = None):
    """The fastest row of one framework at one rung and task (optionally among ``modes``) that is not
    ``flagged``; None when there is none, so that a flagged row is never read as a speed."""
    candidates = [
        r
        for r in result_rows
        if not flagged(r)
        and r["framework"] == framework
        and r["rung"] == rung
        and r["task"] == task
        and (modes is None or r["mode"] in modes)
    ]
    return min(candidates, key=lambda r: r["median_ms"]) if candidates else None


def c15_reading(result: dict, margin: float = 1.1) -> dict:
    """C15 read from one run holding both frameworks, in three parts, on the training step.

    * ``pytorch_faster_small``: on the smallest rung eager PyTorch is at least ``margin`` times faster than eager
      TensorFlow (eager is how small experiments run; the best-mode ratio is reported beside it);
    * ``tf_faster_large``: on the largest rung TensorFlow's best mode is at least ``margin`` times faster than
      PyTorch's best mode;
    * ``graph_is_why``: ... and that is thanks to its graph: TensorFlow's best mode is a graph that beats its own
      eager step by ``margin``, while eager TensorFlow alone is not faster than PyTorch's best (else the gain is
      in its kernels, not in the static graph).

    Verdict: the small part and a graph-made large part -> holds; the small part, or a faster TensorFlow on the
    largest rung -> holds partly; neither -> false. Ratios are TensorFlow ms / PyTorch ms (above 1: PyTorch is
    faster). Only rows the record does not flag are read (``best``): a part that rests on flagged rows is None, and
    so is the verdict when what is left cannot decide it.
    """
    all_rows = [r for r in rows(result) if not r["mode"].endswith("bf16")]  # float32 against float32
    rungs = list(dict.fromkeys(r["rung"] for r in all_rows if r["framework"] == "torch"))
    if not rungs or not any(r["framework"] == "tf" for r in all_rows):
        return {"verdict": None, "why": "this run does not hold both frameworks"}
    small, large = rungs[0], rungs[-1]
    ratios = {}
    for rung in (small, large):
        for kind, modes in (("eager", ("eager",)), ("best", None)):
            t, f = best(all_rows, "torch", rung, "train", modes), best(all_rows, "tf", rung, "train", modes)
            ratios[f"{rung} train {kind}"] = {
                "tf_over_torch": f["median_ms"] / t["median_ms"] if t and f else None,
                "torch_mode": t and t["mode"],
                "tf_mode": f and f["mode"],
            }
    small_ratio = ratios[f"{small} train eager"]["tf_over_torch"]
    large_ratio = ratios[f"{large} train best"]["tf_over_torch"]
    small_part = None if small_ratio is None else small_ratio >= margin
    large_part = None if large_ratio is None else large_ratio <= 1 / margin
    tf_eager = best(all_rows, "tf", large, "train", ("eager",))
    tf_best = best(all_rows, "tf", large, "train")
    torch_best = best(all_rows, "torch", large, "train")
    graph_gain = tf_eager["median_ms"] / tf_best["median_ms"] if tf_eager and tf_best else None
    if not large_part:
        graph_is_why = large_part  # False, or None where the large part could not be read
    elif graph_gain is None:
        graph_is_why = None
    else:
        eager_not_ahead = tf_eager["median_ms"] > torch_best["median_ms"] / margin
        graph_is_why = tf_best["mode"] != "eager" and graph_gain >= margin and eager_not_ahead
    if small_part and graph_is_why:
        verdict = "holds"
    elif small_part or large_part:
        verdict = "holds partly"
    elif small_part is False and large_part is False:
        verdict = "false"
    else:
        verdict = None  # a part it would rest on is flagged in the record
    return {
        "verdict": verdict,
        "small_rung": small,
        "large_rung": large,
        "ratios": ratios,
        "small_best_tf_over_torch": ratios[f"{small} train best"]["tf_over_torch"],
        "tf_graph_gain_large": graph_gain,
        "pytorch_faster_small": small_part,
        "tf_faster_large": large_part,
        "graph_is_why": graph_is_why,
    }


def latest_result(kind: str = "cpu") -> Path | None:
    """The newest committed result of this kind (``cpu`` or ``gpu``), by its ``created`` time."""
    found = []
    for path in RESULTS.glob(f"{kind}-*.json"):
        try:
            found.append((json.loads(path.read_text()).get("created", ""), path))
        except (OSError, ValueError):
            continue
    return max(found)[1] if found else None


def cpu_records() -> list[tuple[Path, dict]]:
    """Every committed CPU record (``benchmarks/results/cpu-*.json``), oldest first, with its JSON."""
    found = []
    for path in RESULTS.glob("cpu-*.json"):
        try:
            found.append((path, json.loads(path.read_text())))
        except (OSError, ValueError):
            continue
    return sorted(found, key=lambda item: item[1].get("created", ""))


# ---------------------------------------------------------------------------------------------------------------
# Timing in rounds
# ---------------------------------------------------------------------------------------------------------------


def first_call(fn: Callable[[], Any], sync: str | Callable[[Any], Any] | None = None) -> tuple[float, Any]:
    """Seconds of the first call (tracing, compiling, allocating), synchronised, and its result."""
    from utils.timing import _sync_function

    started = time.perf_counter()
    result = fn()
    _sync_function(sync)(result)
    return time.perf_counter() - started, result


def interleaved(candidates: dict, rounds: int = 5, sync=None, min_time_s: float = 0.01, echo: bool = True) -> dict:
    """A B A B: each round times every candidate once (``utils.timing.measure``, 3 batches); median and IQR over
    the rounds, in ms: ``{label: {"median_ms", "iqr_ms", "rounds", "unreliable"}}``.

    Alternating spreads a slow spell of a busy machine over all candidates. The spread judged is the IQR across
    rounds (quartiles as ``numpy.percentile`` computes them); ``unreliable`` lists the reasons to distrust a row: a
    busy machine during a round, or rounds that disagree by more than ``utils.timing.IQR_LIMIT``. ``echo`` prints
    them on utils.timing's UNRELIABLE line (the build tool refuses to store a notebook with one).
    """
    from utils.timing import load_reasons, warning_line

    per_round: dict[str, list[float]] = {label: [] for label in candidates}
    reasons: dict[str, list[str]] = {label: [] for label in candidates}
    for _ in range(rounds):
        for label, fn in candidates.items():
            timing = measure(fn, label=label, warmup=1, repeats=3, min_time_s=min_time_s, sync=sync)
            per_round[label].append(timing.median_s * 1e3)
            reasons[label] += load_reasons(timing.load_average, timing.cpu_count)
    out = {}
    for label, values in per_round.items():
        median = statistics.median(values)
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else (median,) * 3
        if q3 - q1 > IQR_LIMIT * median:
            reasons[label].append(f"the {len(values)} rounds disagree (IQR {(q3 - q1) / median:.2f}x the median)")
        out[label] = {
            "median_ms": median,
            "iqr_ms": q3 - q1,
            "rounds": len(values),
            "unreliable": list(dict.fromkeys(reasons[label])),
        }
        if echo and out[label]["unreliable"]:
            print(warning_line(label, out[label]["unreliable"]))
    return out


def one_at_a_time(candidates: dict, rounds: int = 5, sync=None, min_time_s: float = 0.01, echo: bool = True) -> dict:
    """Like :func:`interleaved`, but all rounds of one candidate before the next (A A A B B B).

    For libraries with their own thread pools (NumPy's OpenBLAS, PyTorch's OpenMP, TensorFlow's Eigen pool): right
    after a call, one library's idle threads still spin on the cores the next one needs, so alternating them on a
    2-core machine charges one library's spinning to the other.
    """
    out = {}
    for label, fn in candidates.items():
        out.update(interleaved({label: fn}, rounds, sync, min_time_s, echo))
    return out


def ladder_table(ladder_rows: list[dict], modes: list[str], rungs: list[str]) -> list[str]:
    """The ladder as text lines: per rung and task, each mode's median and IQR (ms) and its speed-up over eager.

    A speed-up whose difference from eager is smaller than the two rows' IQRs together is marked ``~``: no
    measured difference.
    """
    head = f"{'rung':<7} {'task':<10}" + "".join(f" {m + ' ms (IQR)':>26}" for m in modes)
    lines = [head + "   speed-up over eager"]
    for rung in rungs:
        for task in ("inference", "train"):
            got = {r["mode"]: r for r in ladder_rows if r["rung"] == rung and r["task"] == task}
            cells = "".join(f" {got[m]['median_ms']:>15.3f} ({got[m]['iqr_ms']:>7.3f})" for m in modes)
            eager = got[modes[0]]
            ups = []
            for m in modes[1:]:
                same = abs(eager["median_ms"] - got[m]["median_ms"]) <= eager["iqr_ms"] + got[m]["iqr_ms"]
                ups.append(f"{m}: {eager['median_ms'] / got[m]['median_ms']:.2f}x" + (" ~" if same else ""))
            lines.append(f"{rung:<7} {task:<10}{cells}   " + ", ".join(ups))
    return lines


# ---------------------------------------------------------------------------------------------------------------
# The CPU: features, peak, kernel logs
# ---------------------------------------------------------------------------------------------------------------


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The feature flags of the first CPU in ``/proc/cpuinfo`` (Linux; an empty set elsewhere)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def bf16_units(flags: set[str]) -> list[str]:
    """The bfloat16 matrix units the flags show: ``avx512_bf16`` (dot products in AVX-512 registers) and ``amx_bf16``
    (AMX tiles). Without either, bf16 arithmetic is emulated in float32 and is not faster."""
    return [unit for unit in ("avx512_bf16", "amx_bf16") if unit in flags]


def peak_gflops(cores: int, fma_units: int, lanes: int, ghz: float) -> float:
    """Floating-point peak: cores x FMA units per core x lanes per vector x 2 (a fused multiply-add) x clock."""
    return cores * fma_units * lanes * 2 * ghz


#: What the peak of each record's CPU is computed from, and why. float32 lanes: 16 in a 512-bit register. None of
#: these VMs reports its running clock, so ``clock_ghz`` takes the lowest clock at which the record's fastest float32
#: product fits under the peak (rounded up to 0.1 GHz, and never below ``ghz_floor``, the nominal clock where one is
#: known): the percentages are then upper bounds, and one row near 100 % says the clock was at least that.
PEAKS = {
    "cpu-2core-amd-epyc.json": {
        "cores": 2,
        "fma_units": 2,
        "lanes": 16,
        "ghz_floor": 0.0,
        "arch": "AMD Zen 5, inferred",
        "why": "The record stores only 'AMD EPYC'. Zen 4 runs AVX-512 on 256-bit units (32 float32 FLOP per cycle "
        "per core): 2 cores could not reach the 444 GFLOP/s TensorFlow measured below 6.9 GHz, so this is a "
        "Zen 5 EPYC (9005), whose two FMA pipes are 512 bits wide (64 FLOP per cycle). No clock is stored.",
        "source": "numberworld.org/blogs/2024_8_7_zen5_avx512_teardown (Zen 5: native 512-bit FMA datapath); "
        "AMD, 'Leadership HPC Performance with 5th Gen AMD EPYC' (EPYC 9005 is Zen 5)",
    },
    "cpu-2core-amd-epyc-zen4.json": {
        "cores": 2,
        "fma_units": 2,
        "lanes": 8,
        "ghz_floor": 2.6,
        "avx512_bf16": True,
        "arch": "AMD EPYC, family 25 model 17: Zen 4 (EPYC 9004)",
        "why": "A KVM guest: lscpu names 'AMD EPYC' and no SKU. Family 0x19 model 0x11 is Zen 4, which runs AVX-512 "
        "on its two 256-bit FMA pipes ('double-pumped'): 8 float32 lanes per FMA unit per cycle, half of Zen 5's "
        "or an Intel Xeon's. Its nominal clock is 2.6 GHz (BogoMIPS 5192 = 2 x 2596 MHz, tsc_known_freq; MKL's "
        "log says 'Lnx 2.60GHz'); turbo can run the cores faster. It has AVX512-BF16 (the avx512_bf16 flag): "
        "VDPBF16PS multiplies two bf16 pairs into each float32 lane, so the bf16 peak is twice the float32 one.",
        "source": "Linux arch/x86/kernel/cpu/amd.c, bsp_init_amd: family 0x19 models 0x10-0x1f set X86_FEATURE_ZEN4; "
        "numberworld.org/blogs/2024_8_7_zen5_avx512_teardown: Zen 4's AVX-512 'reused the existing 256-bit "
        "hardware from Zen3 by double-pumping' (checked 2026-12-07)",
    },
    "cpu-2core-intel-xeon-avx512.json": {
        "cores": 2,
        "fma_units": 2,
        "lanes": 16,
        "ghz_floor": 2.3,
        "arch": "Intel Xeon, family 6 model 207: Emerald Rapids (5th gen Xeon Scalable)",
        "why": "A KVM guest: lscpu names no SKU and no MHz. Model 207 (0xCF) is Emerald Rapids, a Sapphire Rapids "
        "refresh whose cores execute two 512-bit FMAs per cycle; its AMX and AVX512-BF16 units exist but this guest "
        "does not expose them (no amx_* or avx512_bf16 flag). The nominal clock is 2.3 GHz (BogoMIPS 4600 = 2 x "
        "2300 MHz, tsc_known_freq; MKL's log says 'Lnx 2.30GHz'); turbo can run the cores faster.",
        "source": "Linux arch/x86/include/asm/intel-family.h: INTEL_EMERALDRAPIDS_X = IFM(6, 0xCF), Raptor Cove; "
        "Chips and Cheese, 'Sapphire Rapids: Golden Cove Hits Servers' (2023): AVX-512 'with the 2x512-bit FMA "
        "throughput similar to Intel server CPUs' (checked 2026-12-07)",
    },
    "cpu-2core-intel-xeon-amx.json": {
        "cores": 2,
        "fma_units": 2,
        "lanes": 16,
        "ghz_floor": 2.3,
        "arch": "Intel Xeon with AMX, outside record",
        "amx_bf16_flop_per_cycle": 1024,
        "why": "The record stores only 'Intel(R) Xeon(R) Processor' and no clock; its VM family's nominal clock is "
        "2.3 GHz, and its 331 GFLOP/s float32 product shows the cores ran faster (turbo).",
        "source": "Chips and Cheese, 'Sapphire Rapids: Golden Cove Hits Servers' (2023): 2x512-bit FMA per core; "
        "Wikipedia, 'Advanced Matrix Extensions', citing Intel: a 4th gen Xeon Scalable core performs 1,024 BF16 "
        "operations per cycle (TDPBF16PS: 16 x 16 x 32 multiply-adds in 16 cycles) (checked 2026-12-07)",
    },
}


def clock_ghz(record_name: str) -> float | None:
    """The clock the peak of a record's CPU is computed at (see ``PEAKS``), or None without an entry."""
    import math

    spec = PEAKS.get(record_name)
    if spec is None:
        return None
    fastest = 0.0
    path = RESULTS / record_name
    if path.is_file():
        record = json.loads(path.read_text())
        fastest = max(
            (
                m["gflops"]
                for data in record["frameworks"].values()
                for m in data.get("matmul", [])
                if m.get("device", "cpu") == "cpu" and m["dtype"] == "float32"
            ),
            default=0.0,
        )
    fits = math.ceil(fastest / (spec["cores"] * spec["fma_units"] * spec["lanes"] * 2) * 10) / 10
    return max(spec["ghz_floor"], fits)


def kernel_log(
    code: str,
    env: dict[str, str],
    keep: str = r"MKL_VERBOSE|onednn_verbose,v1,(info,cpu,isa|primitive,exec)",
    timeout_s: float = 120,
) -> list[str]:
    """Run ``code`` in a fresh Python with ``env`` set (e.g. ``ONEDNN_VERBOSE=1``) and return the log lines that
    match ``keep``, with memory addresses and times cut (they change every run).

    A subprocess because the libraries read these variables once, when they load.
    """
    full_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **env)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"the logged run failed (exit {done.returncode}): {done.stderr[-500:]}")
    lines = []
    for line in (done.stdout + done.stderr).splitlines():
        if re.search(keep, line):
            line = re.sub(r"0x[0-9a-f]+", "..", line)
            line = re.sub(r"(,| )[0-9.]+(ms)?( CNR.*)?$", "", line)  # the time (oneDNN) or time and threads (MKL)
            lines.append(line.strip())
    return list(dict.fromkeys(lines))


# ---------------------------------------------------------------------------------------------------------------
# The setup cells of the two notebooks, and the records read side by side
# ---------------------------------------------------------------------------------------------------------------


def _blas_threads(threads: int) -> str:
    """Give NumPy's BLAS ``threads`` threads (threadpoolctl, at run time); name the library and the kernels it
    picked for this CPU."""
    import numpy  # noqa: F401  (loads OpenBLAS, so that threadpoolctl can see it)
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(threads, user_api="blas")
    pools = [p for p in threadpool_info() if p["internal_api"] == "openblas"]
    return ", ".join(f"OpenBLAS {p['version']} ({p['architecture']} kernels) {p['num_threads']}" for p in pools)


def setup_torch(seed: int = 0):
    """08_speed_pytorch's setup: the machine line, the same threads for torch and NumPy's BLAS, and whether
    Inductor can build here. Returns ``(device, threads, compile_options)``."""
    import torch

    from utils.machine import inductor_missing, usable_cpus
    from utils.start import start_torch

    threads = usable_cpus()
    torch.set_num_threads(threads)  # one thread per usable core: the default, set so that it is on record
    device = start_torch(seed)
    gap = inductor_missing()  # Inductor builds C++ with g++ against Python.h
    if gap is not None:
        print(
            f"Inductor cannot build here ({gap}): the rows labelled torch.compile use backend='eager', Dynamo's "
            "graph capture without Inductor, so they show its overhead, not Inductor's speed."
        )
    print(f"threads: torch intra-op {torch.get_num_threads()}; NumPy's BLAS: {_blas_threads(threads)}")
    return device, threads, ({} if gap is None else {"backend": "eager"})


def setup_tensorflow(seed: int = 0):
    """08_speed_tensorflow's setup: TensorFlow loaded quietly, its thread pools fixed before its first operation
    (they cannot change afterwards), NumPy's BLAS on the same threads, the machine line. Returns
    ``(device, threads)``."""
    from utils.machine import usable_cpus
    from utils.start import quiet_stderr, start_tensorflow

    threads = usable_cpus()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet_stderr():
        import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)  # threads inside one op (a matrix product)
    tf.config.threading.set_inter_op_parallelism_threads(threads)  # ops run side by side
    device = start_tensorflow(seed)
    print(
        f"threads: TensorFlow intra-op {tf.config.threading.get_intra_op_parallelism_threads()}, inter-op "
        f"{tf.config.threading.get_inter_op_parallelism_threads()}; NumPy's BLAS: {_blas_threads(threads)}"
    )
    return device, threads


def peak_of(record_name: str, dtype: str = "float32") -> float | None:
    """The computed peak in GFLOP/s of a record's CPU (``PEAKS``): float32 from the vector FMA units; bfloat16 from
    AMX where the CPU has it (None where nothing is on file)."""
    spec = PEAKS.get(record_name)
    if spec is None:
        return None
    ghz = clock_ghz(record_name)
    if dtype == "float32":
        return peak_gflops(spec["cores"], spec["fma_units"], spec["lanes"], ghz)
    amx = spec.get("amx_bf16_flop_per_cycle")
    if amx:
        return spec["cores"] * amx * ghz
    # AVX512-BF16's dot product does two bf16 multiply-adds per float32 lane: twice the float32 peak
    return 2 * peak_gflops(spec["cores"], spec["fma_units"], spec["lanes"], ghz) if spec.get("avx512_bf16") else None


def this_cpu_record() -> str | None:
    """The name of the committed record made on a CPU like this one (same model name, family, model number and
    bf16 units), or None."""
    flags = cpu_flags()
    here = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            here.setdefault(key.strip(), value.strip())
    except OSError:
        return None
    for path, record in cpu_records():
        m = record.get("machine", {})
        if (
            m.get("cpu_model") == here.get("model name")
            and m.get("model") == here.get("model")
            and m.get("bf16_units") == bf16_units(flags)
        ):
            return path.name
    return None


def matmul_lines(record_name: str, record: dict) -> list[str]:
    """A record's matrix-product rows: library, dtype, threads, GFLOP/s, IQR and the share of the computed peak; a
    row its record flags (``flagged``) says so instead of showing a speed."""
    spec = PEAKS.get(record_name)
    lines = [
        f"  float32 peak {peak_of(record_name):,.0f} GFLOP/s = {spec['cores']} cores x {spec['fma_units']} FMA units x "
        f"{spec['lanes']} lanes x 2 x {clock_ghz(record_name)} GHz ({spec['arch']}; the lowest clock that fits: see "
        "pairs.speed.PEAKS)"
        if spec
        else "  no peak on file for this CPU (pairs.speed.PEAKS)"
    ]
    for fw, data in record["frameworks"].items():
        for m in data.get("matmul", []):
            if m.get("device", "cpu") != "cpu" or (fw == "tf" and m["library"] == "numpy" and m["dtype"] != "float32"):
                continue
            peak = peak_of(record_name, m["dtype"])
            iqr = f"{100 * m['iqr_ms'] / m['median_ms']:4.1f}%" if "iqr_ms" in m else "  n/a"
            share = f"{100 * m['gflops'] / peak:5.0f}% of {peak:,.0f}" if peak else "  (no peak on file)"
            library = m["library"] + (f" ({fw} run)" if m["library"] == "numpy" else "")
            what = f"  {library:<16} {m['dtype']:<9} {m.get('threads', ''):>2} threads"
            if flagged(m):
                lines.append(f"{what} flagged in the record (IQR {iqr.strip()}): not read")
                continue
            lines.append(f"{what} {m['gflops']:8.1f} GFLOP/s  IQR {iqr}  {share}")
    return lines


def ratio_text(slow: dict | None, fast: dict | None) -> str:
    """``slow`` over ``fast`` (median ms) as ``"1.23x"``, or ``"1.02x ~"`` when the gap is within the two rows' IQRs
    together: no measured difference; ``"flagged"`` when either row is missing because its record flags it."""
    if slow is None or fast is None:
        return "flagged"
    same = abs(slow["median_ms"] - fast["median_ms"]) <= slow.get("iqr_ms", 0) + fast.get("iqr_ms", 0)
    return f"{slow['median_ms'] / fast['median_ms']:.2f}x" + (" ~" if same else "  ")
