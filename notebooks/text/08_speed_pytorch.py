# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · Speed, measured in matched modes (PyTorch)
#
# Twin: [08_speed_tensorflow.ipynb](08_speed_tensorflow.ipynb) · Course map: [00_start_here.ipynb](00_start_here.ipynb)
#
# Runs in about 15 s on a quiet 2-core CPU once `torch.compile` has its C++ kernels cached, and up to about 30 s
# the first time. Timings on a busy machine are flagged, not trusted. The twin measures the same things in
# TensorFlow; `benchmarks/speed.py` runs both, bigger, outside Jupyter.
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/08_speed_pytorch.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/08_speed_pytorch.ipynb)

# %%
import os
import sys

if "google.colab" in sys.modules:  # on Colab only: fetch the course, then install what Colab lacks
    if not os.path.isdir("/content/course"):
        os.system("git clone -q --depth=1 https://github.com/pytorch-vs-tensorflow/course /content/course")
    os.chdir("/content/course")
    from utils.colab import bootstrap

    bootstrap("/content/course")

# %%
import json, math, os, statistics, sys, time, pathlib
THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
numpy_loaded_before = "numpy" in sys.modules
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))  # NumPy's BLAS reads this when NumPy is first imported

import numpy as np
import matplotlib.pyplot as plt
import torch
import torch._inductor
from torch import nn

from pairs.speed import LADDERS, c15_reading, latest_result, plot_ladder
from pairs.speed import rows as result_rows
from utils.course import CLAIMS
from utils.devices import describe_torch, torch_device
from utils.machine import inductor_missing
from utils.seeding import seed_everything
from utils.timing import IQR_LIMIT, LOAD_PER_CORE_LIMIT, UNRELIABLE_MARK, Timing, measure

torch.set_num_threads(THREADS)  # one thread per usable core: the default, set explicitly so it is on record
print(describe_torch())
print("seeded:", seed_everything(0))
device = torch_device()
CUDA = device.type == "cuda"
# Inductor builds C++ with g++ ($CXX) against Python.h: without them the rows labelled torch.compile run backend="eager"
inductor_gap = inductor_missing()
COMPILE = {} if inductor_gap is None else {"backend": "eager"}
if COMPILE:
    print(f"Inductor cannot build here ({inductor_gap}): the rows labelled torch.compile use backend='eager', "
          "Dynamo's graph capture without Inductor, so they show its overhead, not Inductor's speed.")
print(f"threads: torch intra-op {torch.get_num_threads()}, inter-op {torch.get_num_interop_threads()}, "
      f"NumPy's OpenBLAS {os.environ['OPENBLAS_NUM_THREADS']}"
      + (" (NumPy was imported before this cell: the setting may not apply)" if numpy_loaded_before else ""))

# %% [markdown]
# ## 1. What the articles claim
#
# - **C15**: TensorFlow is usually faster on large workloads thanks to static-graph optimisation (hence its wider
#   use in industry); PyTorch can be faster for small experiments.
# - **C7**: GPU acceleration: PyTorch uses CUDA, so it trains faster; TensorFlow uses its own internal GPU
#   acceleration, so the framework choice does not change training time.
# - **C14** (its second half): TensorFlow's static graph can be optimised at compile time for production. Pair 01
#   judged the claim as a whole; here we measure what compiling buys.
#
# This notebook runs PyTorch 2.13. The claims compare the two frameworks, so read it with its twin.

# %% [markdown]
# ## 2. The idea
#
# A training step is a few Python lines that launch many tensor operations. Its time has two parts:
#
# - **Overhead per operation** (Python, then the framework's dispatcher picking a kernel, allocating the output,
#   recording autograd): a few microseconds per operation, whatever its size.
# - **The work itself**: for an MLP, matrix products that a BLAS library (on a CPU) or cuBLAS (on a GPU) runs at
#   close to the hardware's limit.
#
# A tiny model is almost all overhead; a large one almost all matrix products. A graph compiler (`torch.compile`,
# `tf.function`, XLA) removes overhead and fuses small element-wise operations, but it calls the same kind of BLAS
# for the large products, so its gain **shrinks as the model grows**. That is why "which is faster" has no answer
# without a size, a mode (eager or compiled) and a device, and why a fair comparison **matches the modes**: eager
# against eager, graph against graph. C15 mixes them: it credits TensorFlow's *graph* on large models and
# PyTorch's *eager* on small ones.
#
# So this notebook climbs a **ladder of sizes** (a tiny MLP, the course's 64 → 256 → 256 → 10 model on 360 digits,
# and a 1024-wide one on a batch of 1024) in both modes, for inference and for a full training step, and then
# measures how close one big matrix product gets to NumPy's BLAS on the same machine.

# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 Method: how to time a call
#
# Five rules, in code you can copy:
#
# 1. **Warm up**: the first calls compile, allocate and fill caches; time them separately (`first_call`).
# 2. **Repeat and take the median** (robust to a slow outlier) and the **IQR** (how much the repeats disagree).
#    `utils.timing.measure` does this, batching calls so that each timed batch lasts long enough for the clock.
# 3. **Synchronise** before stopping the clock: on a GPU a call returns before its kernels finish
#    (`sync="torch"` calls `torch.cuda.synchronize()`).
# 4. **Interleave** the candidates (A B A B, not A A B B), so that a busy spell of the machine hits all of them.
# 5. **Fix the threads** (`torch.set_num_threads`, printed in the setup cell) and compare ratios from one run.

# %%
def sync(_result=None):
    if CUDA:
        torch.cuda.synchronize()

def first_call(fn):
    """Seconds of the first call (tracing and compiling included), and its result."""
    started = time.perf_counter()
    result = fn()
    sync()
    return time.perf_counter() - started, result

def interleaved(candidates, rounds=5):
    """A B A B: each round times every candidate once (3 batches each); median and IQR over the rounds, in ms.

    The spread judged is the IQR across rounds (one round's scatter is absorbed by the median). Prints
    utils.timing's UNRELIABLE warning when the machine was busy during a round, and one when the rounds
    disagree by more than utils.timing's IQR limit.
    """
    per_round = {label: [] for label in candidates}
    warnings = []
    for _ in range(rounds):
        for label, fn in candidates.items():
            timing = measure(fn, label=label, warmup=1, repeats=3, min_time_s=0.01, sync="torch")
            per_round[label].append(timing.median_s * 1e3)
            busy = timing.load_average is not None and timing.load_average > LOAD_PER_CORE_LIMIT * timing.cpu_count
            warnings += [timing.warning] if busy else []
    result = {}
    for label, values in per_round.items():
        # quartiles as numpy.percentile computes them; the default "exclusive" method reaches for the extremes
        (q1, _, q3), median = statistics.quantiles(values, n=4, method="inclusive"), statistics.median(values)
        result[label] = {"median_ms": median, "iqr_ms": q3 - q1}
        if q3 - q1 > IQR_LIMIT * median:
            warnings.append(f"{UNRELIABLE_MARK} ({label}): the {rounds} rounds disagree (IQR {(q3 - q1) / median:.2f}x the "
                            f"median). Re-run on a quiet machine.")
    for line in warnings[:3]:
        print(line)
    if len(warnings) > 3:
        print(f"... and {len(warnings) - 3} more such warnings")
    return result

x = torch.randn(256, 256)
demo = interleaved({"A: x @ x": lambda: x @ x, "B: x + x": lambda: x + x})
for label, t in demo.items():
    print(f"{label:<9} {t['median_ms'] * 1e3:8.1f} us  (IQR {t['iqr_ms'] * 1e3:.1f} us over 5 interleaved rounds)")

# %% [markdown]
# ### 3.2 Dispatch overhead: microseconds per tiny operation
#
# A chain of 100 additions on 8 numbers does almost no arithmetic, so its time is the framework's overhead. We run
# it eagerly, compiled by `torch.compile` (Inductor fuses the 100 additions into one generated C++ loop), and as
# the module `torch.export` produces (a graph for deployment, run op by op from Python).

# %%
CHAIN_OPS = 100

def chain(x):
    for _ in range(CHAIN_OPS):
        x = x + 1.0
    return x

class Chain(nn.Module):
    def forward(self, x):
        return chain(x)

x8 = torch.zeros(8, device=device)
compiled_chain = torch.compile(chain, **COMPILE)
exported_chain = torch.export.export(Chain(), (x8,)).module()
candidates = {"eager": lambda: chain(x8), "torch.compile": lambda: compiled_chain(x8),
              "torch.export module": lambda: exported_chain(x8)}
dispatch_first = {}
for label, fn in candidates.items():
    dispatch_first[label], out = first_call(fn)
    assert torch.equal(out, torch.full((8,), float(CHAIN_OPS), device=device)), label
dispatch = interleaved(candidates)
print(f"all three give {CHAIN_OPS}.0 everywhere; {device.type}, {CHAIN_OPS} additions per call\n")
print(f"{'mode':<20} {'us per op':>10} {'IQR':>6}   first call (s)")
for label, t in dispatch.items():
    print(f"{label:<20} {t['median_ms'] * 1e3 / CHAIN_OPS:>10.2f} {t['iqr_ms'] * 1e3 / CHAIN_OPS:>6.2f}"
          f"   {dispatch_first[label]:.2f}")
eager_us = dispatch["eager"]["median_ms"] * 1e3 / CHAIN_OPS
compiled_us = dispatch["torch.compile"]["median_ms"] * 1e3 / CHAIN_OPS
print(f"\ntorch.compile removed {100 * (1 - compiled_us / eager_us):.0f}% of the eager time per operation "
      f"({eager_us / compiled_us:.0f}x less), after a first call of {dispatch_first['torch.compile']:.1f} s.")

# %% [markdown]
# ### 3.3 The ladder: eager vs `torch.compile`, inference and a training step
#
# The same MLP (64 → w → w → 10) at three sizes. *Inference* is one forward pass under `torch.inference_mode()`.
# A *training step* is forward, cross-entropy loss, backward and an SGD-with-momentum update. The compiled step
# uses `torch.compile(model)`, the usual way: Inductor compiles the forward and (through AOTAutograd) the backward;
# the optimiser's update runs eagerly. Each compiled variant is checked against eager first (same logits, same
# first loss), and its first call, the compile, is reported apart from the steady state.

# %%
LADDER = LADDERS["notebook"]  # (rung, width w, batch): tiny, the course's model on 360 digits, large
print("rungs:", ", ".join(f"{name} (w={w}, batch {b})" for name, w, b in LADDER))

def make_mlp(width):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                         nn.Linear(width, 10)).to(device)

def make_inference(forward, x):
    def run():
        with torch.inference_mode():
            return forward(x)
    return run

def make_train_step(model, forward, x, y):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(forward(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step

rng = np.random.default_rng(0)
ladder_rows = []
for rung, width, batch in LADDER:
    x = torch.from_numpy(rng.standard_normal((batch, 64), dtype=np.float32)).to(device)
    y = torch.from_numpy(rng.integers(0, 10, batch)).to(device)
    model = make_mlp(width).eval()
    tasks = {
        "inference": {"eager": make_inference(model, x), "torch.compile": make_inference(torch.compile(model, **COMPILE), x)},
    }
    eager_model, compiled_model = make_mlp(width), make_mlp(width)  # same initial weights
    tasks["train"] = {"eager": make_train_step(eager_model, eager_model, x, y),
                      "torch.compile": make_train_step(compiled_model, torch.compile(compiled_model, **COMPILE), x, y)}
    for task, fns in tasks.items():
        firsts, outputs = {}, {}
        for label, fn in fns.items():
            firsts[label], outputs[label] = first_call(fn)
        diff = (outputs["torch.compile"].float() - outputs["eager"].float()).abs().max().item()
        assert diff < 1e-3, f"{rung} {task}: compiled differs from eager by {diff}"
        for label, t in interleaved(fns).items():
            ladder_rows.append({"rung": rung, "task": task, "mode": label, "first_call_s": firsts[label], **t})

print(f"\n{'rung':<7} {'task':<10} {'eager ms':>9} {'compiled ms':>12} {'speed-up':>9} {'compile s':>10}")
speedup = {}
for rung, _, _ in LADDER:
    for task in ("inference", "train"):
        e, c = (next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, task, m))
                for m in ("eager", "torch.compile"))
        speedup[rung, task] = e["median_ms"] / c["median_ms"]
        print(f"{rung:<7} {task:<10} {e['median_ms']:>9.3f} {c['median_ms']:>12.3f} {speedup[rung, task]:>8.2f}x"
              f" {c['first_call_s']:>10.2f}")

# %% [markdown]
# ### 3.4 The ladder as a plot
#
# The same rows, drawn by `pairs.speed.plot_ladder`, the function `benchmarks/speed.py` draws its plot with.
# Log scale: equal gaps are equal ratios.

# %%
fig = plot_ladder([dict(r, framework="torch") for r in ladder_rows],
                  title=f"PyTorch {torch.__version__.split('+')[0]} on {device.type}, {THREADS} threads")
plt.show()

# %% [markdown]
# ### 3.5 Against the limit: one large matrix product vs NumPy's BLAS
#
# At the top of the ladder the time goes into matrix products, so the ceiling is the BLAS. Each library ships its
# own: NumPy's wheels OpenBLAS, PyTorch's CPU wheels Intel's MKL (and oneDNN for some layers), TensorFlow's
# oneDNN (twin §3.5), and each picks kernels for the instruction sets it detects on the CPU, so they need not agree.
# We time a 1024 × 1024 float32 product in NumPy and PyTorch, interleaved, with the same thread count, then PyTorch
# on one thread to show what the threads buy.

# %%
n = 1024
a_np = rng.standard_normal((n, n), dtype=np.float32)
b_np = rng.standard_normal((n, n), dtype=np.float32)
a, b = torch.from_numpy(a_np), torch.from_numpy(b_np)
diff = float(np.abs(a_np @ b_np - (a @ b).numpy()).max())
assert diff < 1e-2, diff
matmul = interleaved({f"NumPy, {THREADS} threads": lambda: a_np @ b_np, f"torch, {THREADS} threads": lambda: a @ b})
torch.set_num_threads(1)
try:
    matmul.update(interleaved({"torch, 1 thread": lambda: a @ b}))
finally:
    torch.set_num_threads(THREADS)
numpy_ms = matmul[f"NumPy, {THREADS} threads"]["median_ms"]
blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
print(f"NumPy: {blas['name']} {blas['version']}; PyTorch: MKL {torch.backends.mkl.is_available()}, "
      f"CPU kernels for {torch.backends.cpu.get_cpu_capability()}")
print(f"{n} x {n} float32 product (results agree to {diff:.0e})\n")
for label, t in matmul.items():
    gflops = 2 * n**3 / (t["median_ms"] * 1e-3) / 1e9
    print(f"{label:<20} {t['median_ms']:8.2f} ms  {gflops:7.1f} GFLOP/s  {numpy_ms / t['median_ms']:5.2f}x NumPy's speed")
torch_fraction = numpy_ms / matmul[f"torch, {THREADS} threads"]["median_ms"]

# %% [markdown]
# ### 3.6 The GPU: `torch.compile`'s other modes, and what a GPU run adds
#
# `torch.compile(mode=...)` is a bundle of Inductor settings, and `torch._inductor.list_mode_options()` prints
# them. `reduce-overhead` adds CUDA graphs (the GPU replays a recorded sequence of kernel launches), so on a CPU it
# changes nothing; `max-autotune` benchmarks alternative kernels at compile time (on a CPU, C++ GEMM templates),
# which costs minutes per shape. Both are documented on the `torch.compile` page of the PyTorch 2.13 docs.

# %%
# NBVAL_CHECK_OUTPUT
for mode, options in torch._inductor.list_mode_options().items():
    if mode in ("default", "reduce-overhead", "max-autotune"):
        print(f"{mode:<16} {options}")

# %%
if CUDA:
    rung, width, batch = LADDER[-1]
    x = torch.randn(batch, 64, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    gpu_fns = {}
    for label, options, amp in (("eager", None, False), ("eager bf16", None, True),
                                ("torch.compile", {}, False), ("reduce-overhead bf16", {"mode": "reduce-overhead"}, True)):
        model = make_mlp(width)
        forward = model if options is None else torch.compile(model, **options)
        step = make_train_step(model, forward, x, y)
        def run(step=step, amp=amp):
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
                return step()
        first_s, _ = first_call(run)
        gpu_fns[label] = run
        print(f"{label:<22} first call {first_s:.2f} s")
    for label, t in interleaved(gpu_fns).items():
        print(f"{rung} train step on {torch.cuda.get_device_name()}, {label:<22} {t['median_ms']:.3f} ms")
    for dtype in (torch.float32, torch.bfloat16):
        ag, bg = (torch.randn(8192, 8192, device=device, dtype=dtype) for _ in range(2))
        t = interleaved({"mm": lambda: ag @ bg})["mm"]
        print(f"8192 x 8192 {str(dtype):15} {2 * 8192**3 / (t['median_ms'] * 1e-3) / 1e12:6.1f} TFLOP/s "
              f"(TF32 allowed: {torch.backends.cuda.matmul.allow_tf32})")
else:
    print("No CUDA GPU here. On one, this cell times the large training step eagerly and compiled, in float32 and in\n"
          "bfloat16 autocast, with mode='reduce-overhead' (CUDA graphs), and a 8192 x 8192 product in float32 and\n"
          "bfloat16 (TFLOP/s). Every rung of §3.3 also runs on the GPU (the device is picked automatically), where\n"
          "launch overhead, not the matrix product, dominates the small rungs. `python benchmarks/speed.py` on a GPU\n"
          "machine records the same for both frameworks.")

# %% [markdown]
# ### 3.7 Across the frameworks: the benchmark script's record
#
# This notebook measures one framework; C15 and C7 compare two. Running both in one kernel would hold both
# runtimes in memory and let their thread pools compete, so the comparison comes from `benchmarks/speed.py`, which
# runs the same ladder (plus a medium and an extra-large rung) for each framework in its own process, on the same
# machine, with the same threads, and saves JSON under `benchmarks/results/`. This cell reads the newest CPU record
# and prints, per rung, how TensorFlow's time compares with PyTorch's, eager against eager and best mode against
# best mode (above 1: PyTorch is faster).

# %%
record_path = latest_result("cpu")
assert record_path is not None, "no benchmarks/results/cpu-*.json: run python benchmarks/speed.py"
record = json.loads(record_path.read_text())
machine = record["machine"]
print(f"{record_path.name}: {machine['cpu_model']}, {record['settings']['threads']} threads, "
      f"{record['settings']['ladder']} ladder, created {record['created'][:10]}; "
      f"torch {record['frameworks']['torch']['version']}, tf {record['frameworks']['tf']['version']}\n")
rows_all = result_rows(record)
train_ratio = {}  # rung: (eager, best) TensorFlow ms / PyTorch ms of the training step
print(f"{'rung':<7} {'task':<10} {'eager: tf/torch':>16} {'best: tf/torch':>15}   best modes (torch | tf)")
for rung in dict.fromkeys(r["rung"] for r in rows_all):
    for task in ("inference", "train"):
        pick = lambda fw, eager: min((r for r in rows_all if r["framework"] == fw and r["rung"] == rung and
                                      r["task"] == task and (not eager or r["mode"] == "eager")),
                                     key=lambda r: r["median_ms"])
        te, fe, tb, fb = pick("torch", True), pick("tf", True), pick("torch", False), pick("tf", False)
        if task == "train":
            train_ratio[rung] = (fe["median_ms"] / te["median_ms"], fb["median_ms"] / tb["median_ms"])
        print(f"{rung:<7} {task:<10} {fe['median_ms'] / te['median_ms']:>15.2f}x {fb['median_ms'] / tb['median_ms']:>14.2f}x"
              f"   {tb['mode']} | {fb['mode']}")
if record.get("unreliable_measurements"):
    print(f"{UNRELIABLE_MARK}: {record['unreliable_measurements']} of {record['measurements']} measurements in this "
          "record were flagged (busy machine). Re-run python benchmarks/speed.py on a quiet machine.\n")
c15 = c15_reading(record)
print(f"\nTensorFlow's graph vs its own eager step on the {c15['large_rung']} rung (training): "
      f"{c15['tf_graph_gain_large']:.2f}x")
print(f"C15 read from this record: eager PyTorch faster on the {c15['small_rung']} rung: {c15['pytorch_faster_small']} "
      f"(best modes: tf/torch {c15['small_best_tf_over_torch']:.2f}x); TensorFlow's best faster on the "
      f"{c15['large_rung']} rung: {c15['tf_faster_large']}, thanks to its graph: {c15['graph_is_why']} -> {c15['verdict']}")

# %% [markdown]
# ## 4. What you just saw
#
# The cell below reads this run's numbers back in words; the paragraphs after it say what they mean.

# %%
tiny, large = LADDER[0][0], LADDER[-1][0]
print(f"- Dispatch (§3.2): eager PyTorch spent {eager_us:.1f} us per tiny operation; torch.compile cut that "
      f"{eager_us / compiled_us:.0f}x; the exported module ran at "
      f"{dispatch['torch.export module']['median_ms'] * 1e3 / CHAIN_OPS:.1f} us per op (no compiler behind it).")
for task in ("inference", "train"):
    print(f"- {task}: torch.compile ran at {speedup[tiny, task]:.2f}x eager's speed on the {tiny} rung and "
          f"{speedup[large, task]:.2f}x on the {large} rung; compiling cost "
          f"{sum(r['first_call_s'] for r in ladder_rows if r['task'] == task and r['mode'] != 'eager'):.1f} s "
          f"over the three rungs.")
print(f"- The {n} x {n} product in PyTorch ran at {torch_fraction:.2f}x NumPy's BLAS speed on {THREADS} threads.")

# %% [markdown]
# - **Overhead is what compiling removes.** The chain of §3.2 is pure overhead, and the compiled version is many
#   times faster per operation; the exported module is not, because `torch.export` is for deployment: its
#   `.module()` replays the graph op by op. In the ladder (§3.3), the compile's gain over eager depends on the rung
#   and the task: where the ratio is near 1x, eager PyTorch was already handing the matrix products straight to the
#   BLAS, with little overhead left to remove.
# - **Compiling costs seconds up front** (the *compile s* column), paid again for every new shape. A training run
#   of thousands of steps earns it back if the speed-up is above 1x; a notebook experiment of a few calls may not
#   (Exercise 1 computes the break-even point).
# - **The ceiling is the BLAS** (§3.5): read the GFLOP/s and the ratio to NumPy. The libraries are different
#   BLAS builds, choosing their kernels for this CPU, so on one machine they can differ by a factor of two in
#   either direction (the twin prints TensorFlow's); the one-thread row shows what the threads buy. At the top of
#   the ladder a framework is as fast as the BLAS it calls: that, not eager or graph, decides the large rungs of
#   §3.7.
# - **Across frameworks** (§3.7, from the script's record on one machine): the ratios show where each framework is
#   faster, eager against eager and best against best. They are from a separate run (see its `created` date and
#   machine), not from this kernel, and the twin prints the same table.
# - What this does **not** show: convolutions, transformers, data loading, multi-GPU. On a GPU, launch overhead
#   matters more and mixed precision changes the ceiling; run §3.6 and the script there.

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C15 | **holds partly** | Matched modes tell the claim's parts apart; the line under §3.7's table prints each part, read from the benchmark script's record (both frameworks, one machine, same threads). *PyTorch faster for small experiments*: eager against eager, the way experiments usually run, yes: TensorFlow's eager dispatch costs many times PyTorch's per operation (§3.2 here and in the twin) and the smallest rung follows; best mode against best mode, a `tf.function` step removes most of that overhead (§3.7's *best* column). *TensorFlow faster on large workloads thanks to static-graph optimisation*: the graph is not what decides the largest rungs. There both frameworks spend their time in matrix-product kernels, each its own (§3.5 here and in the twin), which differ by CPU; where TensorFlow is faster there, the *graph vs its own eager step* line under §3.7 shows its graph adding little. The first line under this table checks the record against this reading. |
# | C7 | **false** | Both frameworks drive NVIDIA GPUs through CUDA (pair 04, §3.1 of both notebooks), and the framework does change the time of the same training step: the train rows of §3.7 are ratios away from 1x (the second line under this table prints the largest and its rung). This machine has no GPU: §3.6 and `benchmarks/speed.py` add GPU rows where there is one (TensorFlow runs float32 products in TensorFloat-32 by default there, PyTorch does not). |
# | C14 | **holds partly** | The compile-time half, measured: a compiler removes per-operation overhead (§3.2: the chain of tiny operations ran many times faster compiled), after seconds of compiling; on whole models the gain depends on the size and the task (§3.3's speed-up column; Exercise 1 computes when it pays back). Compile-time optimisation is real and no longer TensorFlow-only (`torch.compile` here, `tf.function` and XLA in the twin). The flexibility half is judged in [01_graphs_pytorch.ipynb](01_graphs_pytorch.ipynb). |
#
# The cell below checks the record against the C15 and C7 rows, so a re-run on another machine that reads
# differently is flagged rather than silently contradicted.

# %%
expected = CLAIMS["C15"].verdict
as_written = c15["verdict"] == expected and c15["pytorch_faster_small"] and not c15["graph_is_why"]
print(f"C15: the record reads '{c15['verdict']}' (eager PyTorch faster on the smallest rung: "
      f"{c15['pytorch_faster_small']}; TensorFlow faster on the largest thanks to its graph: {c15['graph_is_why']}). "
      f"The table says '{expected}': eager PyTorch faster on small models, and not the static graph on large ones: "
      + ("they agree." if as_written else "THEY DIFFER: update the verdict and utils/course.py."))
rung, (eager_ratio, best_ratio) = max(train_ratio.items(), key=lambda kv: max(max(v, 1 / v) for v in kv[1]))
spread = max(max(v, 1 / v) for v in (eager_ratio, best_ratio))
print(f"C7: the same training step differed by up to {spread:.1f}x between the frameworks ({rung} rung): "
      + ("the framework changes training time, as the table says." if spread >= 1.25 else
         "THE FRAMEWORKS AGREE WITHIN 25%: revisit C7."))

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** Compiling costs time once and saves time per call. From §3.3's rows, compute `break_even`: for
# each rung, the number of **training steps** after which `torch.compile` has paid back its first call, that is
# `first_call_s / (eager seconds per step - compiled seconds per step)`, rounded up; use `float("inf")` where the
# compiled step is not faster. Store it as a dict `{rung: steps}`.

# %% tags=["solution"] jupyter={"source_hidden": true}
break_even = {}
for rung, _, _ in LADDER:
    eager = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "eager"))
    comp = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "torch.compile"))
    saved_s = (eager["median_ms"] - comp["median_ms"]) / 1e3
    break_even[rung] = math.ceil(comp["first_call_s"] / saved_s) if saved_s > 0 else float("inf")

# %% tags=["check"]
assert set(break_even) == {rung for rung, _, _ in LADDER}, f"one entry per rung, got {sorted(break_even)}"
for rung, steps in break_even.items():
    e = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "eager"))
    c = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "torch.compile"))
    if c["median_ms"] >= e["median_ms"]:
        assert steps == float("inf"), f"{rung}: the compiled step is not faster, so it never pays back"
    else:
        assert steps * (e["median_ms"] - c["median_ms"]) / 1e3 >= c["first_call_s"], f"{rung}: {steps} is too few"
        assert (steps - 1) * (e["median_ms"] - c["median_ms"]) / 1e3 < c["first_call_s"], f"{rung}: round up, not more"
print("Exercise 1 passed:", {k: v for k, v in break_even.items()})

# %% [markdown]
# **Exercise 2.** Measure the throughput of a 512 × 512 float32 matrix product with `measure` (warm-up, repeats,
# median). Store the `Timing` it returns in `t512` and the speed in GFLOP/s (a product of two n × n matrices is
# `2 n³` floating-point operations) in `gflops_512`.

# %% tags=["solution"] jupyter={"source_hidden": true}
m = torch.randn(512, 512)
t512 = measure(lambda: m @ m, label="512 matmul", sync="torch")
gflops_512 = 2 * 512**3 / t512.median_s / 1e9

# %% tags=["check"]
assert isinstance(t512, Timing) and t512.median_s > 0, "t512 must be what measure returned"
assert t512.repeats >= 3, "take at least three repeats"
assert math.isclose(gflops_512, 2 * 512**3 / t512.median_s / 1e9, rel_tol=1e-6), "GFLOP/s = 2 n^3 / seconds / 1e9"
print(f"Exercise 2 passed: {gflops_512:.1f} GFLOP/s")

# %% [markdown]
# ## 7. Summary
#
# - Time = **overhead per operation** + **work**. Tiny models are overhead, large ones are BLAS; a compiler removes
#   overhead, not work.
# - Compare **matched modes** (eager vs eager, graph vs graph) on a **ladder of sizes**; a single "X is faster"
#   hides both.
# - Time honestly: warm up, repeat, median and IQR, interleave, fix the threads, synchronise, and report the compile
#   apart from the steady state.
# - For numbers across frameworks and bigger sizes, run `python benchmarks/speed.py` (also on a GPU machine).
# - Next: [09 · Distributed training](09_distributed_pytorch.ipynb), or the twin:
#   [08 · TensorFlow](08_speed_tensorflow.ipynb).
