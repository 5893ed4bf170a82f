"""The speed pair's shared pieces (08_speed_pytorch, 08_speed_tensorflow, and ``benchmarks/speed.py``).

The ladder of model sizes, the plot both notebooks and the benchmark script draw, and the reading of C15 from a
benchmark record holding both frameworks. The timing itself is in the notebooks (to be read) and in the script.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from utils import REPO_ROOT

__all__ = ["LADDERS", "MATMUL_N", "GPU_MATMUL_N", "RESULTS", "forward_flops", "rows", "plot_ladder", "best",
           "c15_reading", "latest_result"]

RESULTS = REPO_ROOT / "benchmarks" / "results"
# (name, hidden width w, batch b) of the MLP 64 -> w -> w -> 10.
LADDERS = {
    "quick": [("tiny", 16, 8), ("small", 64, 32)],
    # the notebooks' ladder: sized so that each notebook stays within 60 s on 2 cores
    "notebook": [("tiny", 32, 16), ("course", 256, 360), ("large", 1024, 1024)],
    "full": [("tiny", 32, 16), ("course", 256, 360), ("medium", 512, 512), ("large", 1024, 1024),
             ("xlarge", 2048, 2048)],
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
            ax.plot(xs, [points[rungs[i]] for i in xs], marker="o", label=label,
                    linestyle="-" if "eager" in label else "--")
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


def best(result_rows: list[dict], framework: str, rung: str, task: str, modes: tuple[str, ...] | None = None):
    """The fastest row of one framework at one rung and task (optionally among ``modes``)."""
    candidates = [r for r in result_rows if r["framework"] == framework and r["rung"] == rung and r["task"] == task
                  and (modes is None or r["mode"] in modes)]
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
    faster).
    """
    all_rows = rows(result)
    rungs = list(dict.fromkeys(r["rung"] for r in all_rows if r["framework"] == "torch"))
    if not rungs or not any(r["framework"] == "tf" for r in all_rows):
        return {"verdict": None, "why": "this run does not hold both frameworks"}
    small, large = rungs[0], rungs[-1]
    ratios = {}
    for rung in (small, large):
        for kind, modes in (("eager", ("eager",)), ("best", None)):
            t, f = best(all_rows, "torch", rung, "train", modes), best(all_rows, "tf", rung, "train", modes)
            ratios[f"{rung} train {kind}"] = {"tf_over_torch": f["median_ms"] / t["median_ms"],
                                              "torch_mode": t["mode"], "tf_mode": f["mode"]}
    small_part = ratios[f"{small} train eager"]["tf_over_torch"] >= margin
    large_part = ratios[f"{large} train best"]["tf_over_torch"] <= 1 / margin
    tf_eager = best(all_rows, "tf", large, "train", ("eager",))["median_ms"]
    tf_best = best(all_rows, "tf", large, "train")
    torch_best = best(all_rows, "torch", large, "train")["median_ms"]
    graph_gain = tf_eager / tf_best["median_ms"]
    graph_is_why = large_part and tf_best["mode"] != "eager" and graph_gain >= margin and tf_eager > torch_best / margin
    verdict = ("holds" if small_part and graph_is_why else
               "holds partly" if small_part or large_part else "false")
    return {"verdict": verdict, "small_rung": small, "large_rung": large, "ratios": ratios,
            "small_best_tf_over_torch": ratios[f"{small} train best"]["tf_over_torch"],
            "tf_graph_gain_large": graph_gain, "pytorch_faster_small": small_part, "tf_faster_large": large_part,
            "graph_is_why": graph_is_why}


def latest_result(kind: str = "cpu") -> Path | None:
    """The newest committed result of this kind (``cpu`` or ``gpu``), by its ``created`` time."""
    found = []
    for path in RESULTS.glob(f"{kind}-*.json"):
        try:
            found.append((json.loads(path.read_text()).get("created", ""), path))
        except (OSError, ValueError):
            continue
    return max(found)[1] if found else None
