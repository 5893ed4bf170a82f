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
# Runs in about 25 s on a quiet 2-core CPU once `torch.compile` has its C++ kernels cached, and up to about 40 s
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
import torch

from pairs.speed import setup_torch

device, THREADS, COMPILE = setup_torch(seed=0)  # torch and NumPy's BLAS on the same threads; prints the machine

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
# This notebook runs PyTorch 2.15. The claims compare the two frameworks, so read it with its twin.

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
# for the large products. What it gains therefore depends on what else the step holds, and in PyTorch, whose
# eager overhead is small, the gain does **not** simply shrink as the model grows. On the tiniest model a compiled
# call can be *slower* than eager: every call first runs Dynamo's guards (checks that the inputs still match what
# was compiled) and a generated wrapper, a fixed cost per call that pair 01 (§3.6) met on its small model. On
# larger models, fusing the element-wise work around the products (ReLU, its gradient, the bias) can save a
# little. (TensorFlow's eager overhead is much larger, so there the graph's gain does shrink with size: see the
# twin.) That is why "which is faster" has no answer without a size, a mode (eager or compiled) and a device, and
# why a fair comparison **matches the modes**: eager against eager, graph against graph. C15 mixes them: it credits
# TensorFlow's *graph* on large models and PyTorch's *eager* on small ones.
#
# So this notebook climbs a **ladder of sizes** (a tiny MLP, the course's 64 → 256 → 256 → 10 model on 360 digits,
# and a 1024-wide one on a batch of 1024) in both modes, for inference and for a full training step, measures one
# big matrix product against NumPy's BLAS and the CPU's peak, and reads the benchmark records of two CPU vendors.

# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 Method: how to time a call
#
# Six rules:
#
# 1. **Warm up**: the first calls compile, allocate and fill caches; time them separately (`first_call`).
# 2. **Repeat and take the median** (robust to a slow outlier) and the **IQR** (how much the repeats disagree).
#    `utils.timing.measure` does this, batching calls so that each timed batch lasts long enough for the clock.
# 3. **Synchronise** before stopping the clock: on a GPU a call returns before its kernels finish
#    (`sync="torch"` calls `torch.cuda.synchronize()`).
# 4. **Interleave** candidates of one library (A B A B, not A A B B), so that a busy spell hits all of them.
# 5. **One library at a time** when each brings its own thread pool (§3.5): after a call, one library's idle
#    threads keep spinning on the cores the next library needs.
# 6. **Fix the threads** (printed in the setup cell), compare ratios from one run, and call a difference smaller
#    than the IQRs **no difference**.
#
# `pairs.speed.interleaved` is rules 2 and 4 in code (printed below); `one_at_a_time` runs it per candidate.

# %%
import inspect

from pairs.speed import first_call, interleaved, one_at_a_time

print(inspect.getsource(interleaved).split('    """')[0] + "    ...")
x = torch.randn(256, 256)
demo = interleaved({"A: x @ x": lambda: x @ x, "B: x + x": lambda: x + x}, sync="torch")
for label, t in demo.items():
    print(f"{label:<9} {t['median_ms'] * 1e3:8.1f} us  (IQR {t['iqr_ms'] * 1e3:.1f} us over {t['rounds']} rounds)")

# %% [markdown]
# ### 3.2 Dispatch overhead: microseconds per tiny operation
#
# A chain of 100 additions on 8 numbers does almost no arithmetic, so its time is the framework's overhead. We run
# it eagerly, compiled by `torch.compile` (Inductor fuses the 100 additions into one generated C++ loop), and as
# the module `torch.export` produces (a graph for deployment, run op by op from Python).

# %%
from torch import nn

CHAIN_OPS = 100


def chain(x):
    for _ in range(CHAIN_OPS):
        x = x + 1.0
    return x


class Chain(nn.Module):
    def forward(self, x):
        return chain(x)


# %%
x8 = torch.zeros(8, device=device)
compiled_chain = torch.compile(chain, **COMPILE)
exported_chain = torch.export.export(Chain(), (x8,)).module()
candidates = {
    "eager": lambda: chain(x8),
    "torch.compile": lambda: compiled_chain(x8),
    "torch.export module": lambda: exported_chain(x8),
}
dispatch_first = {}
for label, fn in candidates.items():
    dispatch_first[label], out = first_call(fn, "torch")
    assert torch.equal(out, torch.full((8,), float(CHAIN_OPS), device=device)), label
dispatch = interleaved(candidates, sync="torch")
print(f"all three give {CHAIN_OPS}.0 everywhere; {device.type}, {CHAIN_OPS} additions per call\n")
print(f"{'mode':<20} {'us per op':>10} {'IQR':>6}   first call (s)")
for label, t in dispatch.items():
    print(
        f"{label:<20} {t['median_ms'] * 1e3 / CHAIN_OPS:>10.2f} {t['iqr_ms'] * 1e3 / CHAIN_OPS:>6.2f}"
        f"   {dispatch_first[label]:.2f}"
    )
eager_us = dispatch["eager"]["median_ms"] * 1e3 / CHAIN_OPS
compiled_us = dispatch["torch.compile"]["median_ms"] * 1e3 / CHAIN_OPS

# %% [markdown]
# ### 3.3 The ladder: eager vs `torch.compile`, inference and a training step
#
# The same MLP (64 → w → w → 10) at three sizes. *Inference* is one forward pass under `torch.inference_mode()`.
# A *training step* is forward, cross-entropy loss, backward and an SGD-with-momentum update. The compiled step
# uses `torch.compile(model)`, the usual way: Inductor compiles the forward and (through AOTAutograd) the backward;
# the optimiser's update runs eagerly. Each compiled variant is checked against eager first (same logits, same
# first loss), and its first call, the compile, is reported apart from the steady state.

# %%
import numpy as np

from pairs.speed import LADDERS, ladder_table

LADDER = LADDERS["notebook"]  # (rung, width w, batch): tiny, the course's model on 360 digits, large
print("rungs:", ", ".join(f"{name} (w={w}, batch {b})" for name, w, b in LADDER))


def make_mlp(width):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10)).to(
        device
    )


# %%
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


# %%
rng = np.random.default_rng(0)
ladder_rows = []
for rung, width, batch in LADDER:
    x = torch.from_numpy(rng.standard_normal((batch, 64), dtype=np.float32)).to(device)
    y = torch.from_numpy(rng.integers(0, 10, batch)).to(device)
    model, eager_model, compiled_model = make_mlp(width).eval(), make_mlp(width), make_mlp(width)  # same weights
    tasks = {
        "inference": {
            "eager": make_inference(model, x),
            "torch.compile": make_inference(torch.compile(model, **COMPILE), x),
        },
        "train": {
            "eager": make_train_step(eager_model, eager_model, x, y),
            "torch.compile": make_train_step(compiled_model, torch.compile(compiled_model, **COMPILE), x, y),
        },
    }
    for task, fns in tasks.items():
        firsts, outputs = {}, {}
        for label, fn in fns.items():
            firsts[label], outputs[label] = first_call(fn, "torch")
        diff = (outputs["torch.compile"].float() - outputs["eager"].float()).abs().max().item()
        assert diff < 1e-3, f"{rung} {task}: compiled differs from eager by {diff}"
        for label, t in interleaved(fns, sync="torch").items():
            ladder_rows.append({"rung": rung, "task": task, "mode": label, "first_call_s": firsts[label], **t})

print("\n".join(ladder_table(ladder_rows, ["eager", "torch.compile"], [rung for rung, _, _ in LADDER])))
first = ", ".join(f"{r['rung']} {r['task']} {r['first_call_s']:.1f}" for r in ladder_rows if r["mode"] != "eager")
print(f"(ms: median of 5 rounds, IQR in brackets; ~: within the two IQRs)\ntorch.compile's first call, s: {first}")

# %% [markdown]
# ### 3.4 The ladder as a plot
#
# The same rows, drawn by `pairs.speed.plot_ladder`, the function `benchmarks/speed.py` draws its plot with.
# Log scale: equal gaps are equal ratios.

# %%
import matplotlib.pyplot as plt

from pairs.speed import plot_ladder

fig = plot_ladder(
    [dict(r, framework="torch") for r in ladder_rows],
    title=f"PyTorch {torch.__version__.split('+')[0]} on {device.type}, {THREADS} threads",
)
plt.show()

# %% [markdown]
# ### 3.5 Against the limit: one large matrix product vs NumPy's BLAS and the CPU's peak
#
# At the top of the ladder the time goes into matrix products, so the ceiling is the BLAS. Each library ships its
# own: NumPy's wheels OpenBLAS, PyTorch's CPU wheels Intel's MKL (and oneDNN for some layers), TensorFlow's
# oneDNN (twin §3.5), and each picks kernels for the CPU it finds, so they need not agree. We time a
# 1024 × 1024 float32 product **one library at a time** (all of PyTorch's rounds, then NumPy's: alternating them
# on 2 cores let one library's spinning threads slow the other), then PyTorch on one thread. The last column is
# the share of the CPU's float32 peak, *cores × FMA units per core × float32 lanes per unit (16 if 512 bits wide)
# × 2 × clock*, where `pairs.speed.PEAKS` holds the numbers for this CPU, with their sources and why that clock.

# %%
from pairs.speed import clock_ghz, peak_of, this_cpu_record

n = 1024
a_np, b_np = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
a, b = torch.from_numpy(a_np), torch.from_numpy(b_np)
diff = float(np.abs(a_np @ b_np - (a @ b).numpy()).max())
assert diff < 1e-2, diff
matmul = one_at_a_time({f"torch, {THREADS} threads": lambda: a @ b, f"NumPy, {THREADS} threads": lambda: a_np @ b_np})
torch.set_num_threads(1)
try:
    matmul.update(interleaved({"torch, 1 thread": lambda: a @ b}))
finally:
    torch.set_num_threads(THREADS)
record_here = this_cpu_record()
peak = peak_of(record_here) if record_here else None
print(
    f"{n} x {n} float32 product (results agree to {diff:.0e}); float32 peak of this CPU: "
    + (f"{peak:,.0f} GFLOP/s (PEAKS['{record_here}'])" if peak else "not on file in pairs.speed.PEAKS")
)
numpy_ms = matmul[f"NumPy, {THREADS} threads"]["median_ms"]
print(f"\n{'':<18} {'ms':>7} {'IQR':>6} {'GFLOP/s':>8} {'vs NumPy':>9} {'of peak':>8}")
for label, t in matmul.items():
    gflops = 2 * n**3 / t["median_ms"] / 1e6
    share = f"{100 * gflops / peak:7.0f}%" if peak else "     n/a"
    print(
        f"{label:<18} {t['median_ms']:7.2f} {t['iqr_ms']:6.2f} {gflops:8.1f} {numpy_ms / t['median_ms']:8.2f}x {share}"
    )
torch_fraction = numpy_ms / matmul[f"torch, {THREADS} threads"]["median_ms"]
if peak and 2 * n**3 / min(t["median_ms"] for t in matmul.values()) / 1e6 > peak:  # the clock is a lower bound
    print(f"Over 100 %: the cores ran faster than the {clock_ghz(record_here)} GHz this peak assumes (turbo).")

# %% [markdown]
# Which kernels ran? Not a guess: each library says so itself. `torch.__config__.show()` names the BLAS PyTorch
# was built with; MKL logs each call and the instruction set it chose when `MKL_VERBOSE=1` is set before it loads
# (so in a fresh process, `pairs.speed.kernel_log`); threadpoolctl names the OpenBLAS NumPy loaded and the kernel
# family it picked for this CPU.

# %%
import re

from threadpoolctl import threadpool_info

from pairs.speed import kernel_log

build = torch.__config__.show()
print(
    "torch:",
    re.findall(r"BLAS_INFO=\w+", build)[0],
    "·",
    *[line.strip(" -") for line in build.splitlines() if "Math Kernel Library" in line],
)
print("torch's a @ b in MKL's own log (MKL_VERBOSE=1):")
for line in kernel_log("import torch; a = torch.ones(1024, 1024); a @ a", {"MKL_VERBOSE": "1"}):
    print("  " + line[:190])
print(
    "NumPy:",
    *[
        f"{p['internal_api']} {p['version']}, {p['architecture']} kernels"
        for p in threadpool_info()
        if p["internal_api"] == "openblas"
    ],
)

# %% [markdown]
# ### 3.6 bfloat16 on the CPU: autocast
#
# bfloat16 keeps float32's range with 8 bits of mantissa. Two kinds of CPU unit compute it natively:
# **AVX512-BF16** (a dot product of bf16 pairs in each float32 lane: twice float32's FLOP per instruction; Intel
# from Cooper Lake, AMD from Zen 4) and **AMX** (tile matrix units on Intel Xeon from the 4th generation: 1,024 bf16
# FLOP per cycle per core, 16 times the float32 FMAs). Without them bfloat16 is converted to float32 and back,
# and is no faster. PyTorch's way in is `torch.autocast("cpu", dtype=torch.bfloat16)`: matrix products run in
# bf16 while the weights and the loss stay float32. The cell checks the CPU's flags (`pairs.speed.bf16_units`) and
# measures where the units exist; elsewhere it says so and shows the outside AMX record's numbers.

# %%
from pairs.speed import bf16_units, cpu_flags, cpu_records


def make_bf16_train_step(model, x, y):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16):  # the products in bf16; weights and loss stay float32
            loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


units = bf16_units(cpu_flags())
print("bf16 units of this CPU:", ", ".join(units) or "none (neither AVX512-BF16 nor AMX in /proc/cpuinfo's flags)")

# %%
if units:
    rung, width, batch = LADDER[-1]
    x, y = torch.randn(batch, 64), torch.randint(0, 10, (batch,))
    model_32, model_16, (a16, b16) = make_mlp(width), make_mlp(width), (a.bfloat16(), b.bfloat16())
    fns = {
        "matmul float32": lambda: a @ b,
        "matmul bfloat16": lambda: a16 @ b16,
        f"{rung} train float32": make_train_step(model_32, model_32, x, y),
        f"{rung} train bf16": make_bf16_train_step(model_16, x, y),
    }
    peak16 = peak_of(record_here, "bfloat16") if record_here else None
    print(f"bf16 peak on file for this CPU: {f'{peak16:,.0f} GFLOP/s' if peak16 else 'none'}")
    over = False
    for label, t in one_at_a_time(fns).items():
        gflops, ref = 2 * n**3 / t["median_ms"] / 1e6, peak16 if "bfloat16" in label else peak
        rate = f"{gflops:8.1f} GFLOP/s" + (f" {100 * gflops / ref:4.0f}% of peak" if ref else "")
        print(f"{label:<22} {t['median_ms']:8.2f} ms (IQR {t['iqr_ms']:.2f}) {rate if 'matmul' in label else ''}")
        over |= bool(ref) and "matmul" in label and gflops > ref
    if over:
        print(f"Over 100 %: the cores ran faster than the {clock_ghz(record_here)} GHz these peaks assume (turbo).")
else:
    print("bfloat16 would be emulated in float32 here, no faster, so nothing is timed. With AMX, as recorded outside:")
    for path, record in cpu_records():
        for check in record.get("cited_checks", []):
            print(f"  {path.name}: {check['what']}\n  GFLOP/s: {check['gflops']}")

# %% [markdown]
# ### 3.7 The GPU: `torch.compile`'s other modes, and what a GPU run adds
#
# `torch.compile(mode=...)` is a bundle of Inductor settings, and `torch._inductor.list_mode_options()` prints
# them. `reduce-overhead` adds CUDA graphs (the GPU replays a recorded sequence of kernel launches), so on a CPU it
# changes nothing; `max-autotune` benchmarks alternative kernels at compile time (on a CPU, C++ GEMM templates),
# which costs minutes per shape. Both are documented on the `torch.compile` page of the PyTorch 2.13 docs.

# %%
# NBVAL_CHECK_OUTPUT
import torch._inductor

for mode, options in torch._inductor.list_mode_options().items():
    if mode in ("default", "reduce-overhead", "max-autotune"):
        print(f"{mode:<16} {options}")

# %%
if device.type == "cuda":
    rung, width, batch = LADDER[-1]
    x, y = torch.randn(batch, 64, device=device), torch.randint(0, 10, (batch,), device=device)
    modes = {"eager": (None, False), "eager bf16": (None, True), "torch.compile": ({}, False)}
    modes["reduce-overhead bf16"] = ({"mode": "reduce-overhead"}, True)  # CUDA graphs
    gpu_fns = {}
    for label, (options, amp) in modes.items():
        model = make_mlp(width)
        step = make_train_step(model, model if options is None else torch.compile(model, **options), x, y)

        def run(step=step, amp=amp):
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
                return step()

        gpu_fns[label] = run
        print(f"{label:<22} first call {first_call(run, 'torch')[0]:.2f} s")
    for label, t in interleaved(gpu_fns, sync="torch").items():
        print(f"{rung} train step on {torch.cuda.get_device_name()}, {label:<22} {t['median_ms']:.3f} ms")
    for dtype in (torch.float32, torch.bfloat16):
        ag, bg = (torch.randn(8192, 8192, device=device, dtype=dtype) for _ in range(2))
        t = interleaved({"mm": lambda: ag @ bg}, sync="torch")["mm"]
        tf32 = torch.backends.cuda.matmul.allow_tf32
        print(f"8192 x 8192 {dtype}: {2 * 8192**3 / t['median_ms'] / 1e9:6.1f} TFLOP/s (TF32 allowed: {tf32})")
else:
    print(
        "No CUDA GPU here. On one, this cell times the large training step (eager, compiled, bf16 autocast, CUDA\n"
        "graphs) and an 8192 x 8192 product; `python benchmarks/speed.py` there records both frameworks."
    )

# %% [markdown]
# ### 3.8 Across the frameworks and across CPUs: the benchmark records
#
# This notebook measures one framework; C15 and C7 compare two. Running both in one kernel would hold both
# runtimes in memory and let their thread pools compete, so the comparison comes from `benchmarks/speed.py`, which
# runs the same ladder (plus a medium and an extra-large rung) for each framework in its own process, with the same
# threads, and saves a JSON record per machine under `benchmarks/results/`. There are four, from two CPU vendors:
# two **AMD EPYC**s (the older record stores only that name, and its speed says Zen 5; the **Zen 4** was recorded
# for this course on 2026-12-07, with its flags and kernel logs), an **Intel Xeon without AMX** (recorded the same
# day) and an **Intel Xeon with AMX**, measured outside the course's own runs with the same script and cited as
# such (its `provenance` says how). Per record: the training step, TensorFlow's time over PyTorch's (above 1:
# PyTorch is faster), eager against eager and best mode against best mode; then the matrix products against that
# CPU's peak. A row its own record flags (its rounds disagreed by more than a quarter of the median,
# `utils.timing.IQR_LIMIT`) prints as *flagged* and is not read.

# %%
from pairs.speed import best, c15_reading, matmul_lines, ratio_text, rows

readings, train_ratio = {}, {}
for path, record in cpu_records():
    m, flags = record["machine"], set(record["machine"].get("flags", []))
    print(
        f"{path.name}: {m['cpu_model']}, {record['settings']['threads']} threads, {record['created'][:10]}, "
        + (f"bf16 units: {m['bf16_units'] or 'none'}" if flags else "flags not recorded")
        + (" · measured outside this course's runs (see 'provenance')" if "provenance" in record else "")
    )
    fp32 = [r for r in rows(record) if not r["mode"].endswith("bf16")]
    print(f"  {'rung':<7} {'eager tf/torch':>15} {'best tf/torch':>14}   best modes (torch | tf)")
    for rung in dict.fromkeys(r["rung"] for r in fp32):
        te, fe, tb, fb = (
            best(fp32, fw, rung, "train", modes) for modes in (("eager",), None) for fw in ("torch", "tf")
        )
        if tb and fb:  # rows the record flags are not read: best skips them
            train_ratio[path.name, rung] = fb["median_ms"] / tb["median_ms"], ratio_text(fb, tb).endswith("~")
        modes = " | ".join(r["mode"] if r else "flagged" for r in (tb, fb))
        print(f"  {rung:<7} {ratio_text(fe, te):>15} {ratio_text(fb, tb):>14}   {modes}")
    print("\n".join(matmul_lines(path.name, record)))
    readings[path.name] = c15_reading(record)
    flagged = record.get("unreliable_measurements")
    print(f"  {flagged} of {record['measurements']} measurements flagged\n" if flagged else "")

# %% [markdown]
# Why do the vendors differ on the large rungs? Each record made since the script logs kernels holds each
# library's own account of one float32 product (the same logs as §3.5, for both frameworks: MKL for PyTorch's
# `a @ b`, oneDNN for its `linear` and for TensorFlow's `MatMul`); older records hold what the script stored then.

# %%
for path, record in cpu_records():
    torch_kernels = record["frameworks"]["torch"].get("cpu_kernels", {})
    print(
        f"{path.name}: torch BLAS {torch_kernels.get('blas_info', 'mkl (build not recorded)')}, CPU capability "
        f"{torch_kernels.get('cpu_capability')}; tf oneDNN on: {record['frameworks']['tf']['cpu_kernels']['onednn']}; "
        f"NumPy {record['machine'].get('numpy_blas')}"
    )
    for label, lines in record["machine"].get("kernels", {"kernel logs": ["not recorded in this record"]}).items():
        print(f"  {label}:\n" + "\n".join("    " + line[:150] for line in lines))

# %% [markdown]
# ## 4. What you just saw
#
# The cell below reads this run's numbers back in words; the paragraphs after it say what they mean.

# %%
tiny, large = LADDER[0][0], LADDER[-1][0]
pick = {(r["rung"], r["task"], r["mode"]): r for r in ladder_rows}
print(
    f"- Dispatch (§3.2): eager PyTorch spent {eager_us:.1f} us per tiny operation; torch.compile cut that "
    f"{eager_us / compiled_us:.0f}x; the exported module ran at "
    f"{dispatch['torch.export module']['median_ms'] * 1e3 / CHAIN_OPS:.1f} us per op (no compiler behind it)."
)
for task in ("inference", "train"):
    e, c = ((pick[tiny, task, m], pick[large, task, m]) for m in ("eager", "torch.compile"))
    print(
        f"- {task}: torch.compile ran at {ratio_text(e[0], c[0])} eager's speed on the {tiny} rung and "
        f"{ratio_text(e[1], c[1])} on the {large} rung (~: within the IQRs)."
    )
print(
    f"- The {n} x {n} product in PyTorch ran at {torch_fraction:.2f}x NumPy's BLAS speed on {THREADS} threads, "
    "each library timed on its own."
)
for name, c15 in readings.items():
    print(
        f"- {name}: best training step on the {c15['large_rung']} rung, tf/torch "
        f"{c15['ratios'][c15['large_rung'] + ' train best']['tf_over_torch']:.2f}x; TensorFlow's graph over its own "
        f"eager step there {c15['tf_graph_gain_large']:.2f}x."
    )

# %% [markdown]
# - **Overhead is what compiling removes.** The chain of §3.2 is pure overhead, and the compiled version is many
#   times faster per operation; the exported module is not, because `torch.export` is for deployment: its
#   `.module()` replays the graph op by op. In the ladder (§3.3), a speed-up marked `~` is within the rows' IQRs:
#   no measured difference. On the tiny rung compiling can lose (the guard check each call pays, §2); where the
#   ratio is near 1x, eager PyTorch was already handing the matrix products straight to the BLAS.
# - **Compiling costs seconds up front**, paid again for every new shape. A training run of thousands of steps
#   earns it back if the speed-up is real; a notebook experiment of a few calls may not (Exercise 1).
# - **The ceiling is the BLAS** (§3.5). The libraries are different BLAS builds, each choosing kernels for the CPU
#   it finds, and their logs say which. At the top of the ladder a framework is as fast as the BLAS it calls.
# - **Across CPUs** (§3.8): the records disagree on the large rungs, and the libraries' own logs say why. PyTorch's
#   `a @ b` goes to MKL's SGEMM, TensorFlow's `MatMul` to oneDNN's own GEMM. oneDNN picks its code from the
#   instruction-set flags, whoever made the CPU: its log names AVX-512 on every logged CPU, AMD's Zen 4 included. MKL
#   chooses among its instruction-set paths only on Intel processors (Intel's oneMKL guide, *Instruction Set Specific
#   Dispatching on Intel Architectures*: "not available on non-Intel processors"): its log names its AVX-512 path on
#   the Intel Xeon, and only "Intel(R) Architecture processors" on the Zen 4, where asking it for AVX-512 outright
#   (`MKL_ENABLE_INSTRUCTIONS=AVX512`: 180 GFLOP/s) or capping it at AVX2 (166) stayed within the spread of its
#   default runs (148-185; `python -m benchmarks.isa_paths`, record `isa-paths-amd-25-17.json`, logs included).
#   What a 256-bit path costs depends on the width of the cores' FMA units. On the Intel Xeon (512-bit units) each
#   library capped at AVX2 by its own switch ran at about half (MKL 151 GFLOP/s against 281-299, oneDNN 141 against
#   242-261: `isa-paths-intel-6-207.json`). Zen 4 runs AVX-512 on 256-bit units, so there the wide path gains little
#   (oneDNN capped at AVX2: 194 against 195-207), yet PyTorch's product still trailed TensorFlow's (142 against 194
#   in the speed record, 72 % and 98 % of the peak). On the Zen 5 record, whose units are 512 bits wide, PyTorch's
#   product ran at half of TensorFlow's, close to OpenBLAS's: what a 256-bit path against a 512-bit one gives,
#   though that record predates the logs. On the Intel Xeons no library is ahead on both records: within 10 % of
#   each other on the AMX record, and on the other torch's MKL was behind TensorFlow's oneDNN in the speed record
#   and ahead in the isa-paths record. The best large training steps: within 6 % of each other on both Intel
#   records; TensorFlow's took 0.78x PyTorch's time on the Zen 4 and 0.45x on the Zen 5.
# - What this does **not** show: convolutions, transformers, data loading, multi-GPU, and any GPU at all until a
#   GPU record exists (§3.7).

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C15 | **holds partly** | The article (004) says TensorFlow is *usually* (通常) faster on large workloads *thanks to static-graph optimisation*, and PyTorch *can be* faster for small experiments; the records of §3.8 come from two CPU vendors. **Holds on both vendors:** eager against eager, the way small experiments usually run, PyTorch is many times faster on the smallest rung (§3.2's per-operation overhead here and in the twin; the *eager* column of §3.8, where the Intel Xeon without AMX flags its smallest PyTorch step, so that record leaves this part unread); a `tf.function` step closes most of that gap (*best* column). **Also on both: not "thanks to the static graph".** On the largest rung TensorFlow's graph gains little over its own eager step (the last lines printed in §4), because the time is in matrix products. The closest case is the Zen 4: TensorFlow's eager step alone was already faster than PyTorch's best (0.86x; 0.95x and 0.90x in two repeat runs, `benchmarks/results/repeats/`), and its graph added 1.10x, just under the 1.1x margin `c15_reading` asks (1.23x in the first repeat, over it; 1.08x in the second, recorded with `--wait-quiet`: 3 of 113 rows flagged, against 18 in the record): there the graph earns part of the lead, the BLAS the rest. **Depends on the CPU:** whether TensorFlow is faster on large workloads at all. On both AMD EPYCs its best xlarge training step took less time than PyTorch's (0.45x on the Zen 5 record, 0.78x on the Zen 4); on the two Intel Xeons it was not faster by 10 % or more (0.94x, and 0.97x on the one with AMX; the lines under this table print each record's ratio). The large rungs are matrix products, and each framework calls a different BLAS (§3.5, §3.8): on AMD, PyTorch's MKL logs no AVX-512 path while TensorFlow's oneDNN takes one. "Usually faster" held on one of the two vendors measured (on both of its CPUs), and for a reason other than the one the article gives. |
# | C7 | **false** | Its premise is false: both frameworks drive NVIDIA GPUs through CUDA (pair 04, §3.1 of both notebooks). Its conclusion, "the framework choice does not change training time", is **unmeasured on a GPU**: no GPU record exists yet (§3.7 and `benchmarks/speed.py` make one on a GPU machine). On the CPU, best mode against best mode (not TensorFlow's eager overhead), the same training step differed between the frameworks by the factor printed on the last line under this table, so there the framework can change training time. |
# | C14 | **holds partly** | As pair 01 reads it: both halves hold, and neither is one framework's alone any more. The compile-time half, measured here: a compiler removes per-operation overhead (§3.2: the chain ran many times faster compiled), after seconds of compiling; on whole models the gain depends on the size and the task, and on the tiny rung `torch.compile` can lose to eager (§3.3's table; pair 01 §3.6 found the same on its small model). Compile-time optimisation is real and no longer TensorFlow-only (`torch.compile` here, `tf.function` and XLA in the twin). The flexibility and debugging half is judged in [01_graphs_pytorch.ipynb](01_graphs_pytorch.ipynb) and [10_debugging_pytorch.ipynb](10_debugging_pytorch.ipynb). |
#
# The two cells below check the records against the C15 and the C7 row, so that a new record that reads differently is
# flagged rather than silently contradicted.

# %%
from utils.course import CLAIMS


def shown(part):  # None: the part rests on a row its record flags
    return "flagged, not read" if part is None else part


for name, c15 in readings.items():
    large_best = c15["ratios"][f"{c15['large_rung']} train best"]["tf_over_torch"]
    print(
        f"C15 on {name}: eager PyTorch faster on the {c15['small_rung']} rung: {shown(c15['pytorch_faster_small'])}; "
        f"TensorFlow's best faster on the {c15['large_rung']} rung: {shown(c15['tf_faster_large'])} ({large_best:.2f}x), "
        f"thanks to its graph: {shown(c15['graph_is_why'])} -> {shown(c15['verdict'])}"
    )
small_read = {name: c["pytorch_faster_small"] for name, c in readings.items() if c["pytorch_faster_small"] is not None}
small_vendors = {"amd" if "amd" in name else "intel" for name in small_read}
as_written = all(small_read.values()) and small_vendors == {"amd", "intel"}
as_written &= not any(c["graph_is_why"] for c in readings.values())
vendors_split = all(c["tf_faster_large"] == ("amd" in name) for name, c in readings.items())  # AMD yes, Intel no
print(
    f"The table says '{CLAIMS['C15'].verdict}', small part on every record that reads it ({len(small_read)} of "
    f"{len(readings)}, both vendors; flagged rows are not read), graph never the reason, TensorFlow faster on the "
    "largest rung on the AMD records only: "
    + ("they agree." if as_written and vendors_split else "THEY DIFFER: revisit C15.")
)

# %%
beyond = {key: spread for key, (spread, within_iqr) in train_ratio.items() if not within_iqr}
(name, rung), spread = max(beyond.items(), key=lambda kv: max(kv[1], 1 / kv[1]), default=(("-", "-"), 1.0))
print(
    f"C7 ({CLAIMS['C7'].verdict}): best against best, the same training step differed by up to "
    f"{max(spread, 1 / spread):.1f}x beyond the IQRs between the frameworks on the CPU ({rung} rung, {name})"
    + (": so the framework can change training time." if beyond else ": NO GAP BEYOND THE IQRs: revisit C7.")
)

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** Compiling costs time once and saves time per call. From §3.3's rows, compute `break_even`: for
# each rung, the number of **training steps** after which `torch.compile` has paid back its first call, that is
# `first_call_s / (eager seconds per step - compiled seconds per step)`, rounded up. Use `float("inf")` where the
# compiled step is not faster **by more than the two rows' IQRs together** (a smaller gap is no measured
# difference). Store it as a dict `{rung: steps}`.

# %% tags=["solution"] jupyter={"source_hidden": true}
import math

break_even = {}
for rung, _, _ in LADDER:
    eager = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "eager"))
    comp = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "torch.compile"))
    saved_ms = eager["median_ms"] - comp["median_ms"]
    real = saved_ms > eager["iqr_ms"] + comp["iqr_ms"]
    break_even[rung] = math.ceil(comp["first_call_s"] / (saved_ms / 1e3)) if real else float("inf")

# %% tags=["check"]
import math

assert set(break_even) == {rung for rung, _, _ in LADDER}, f"one entry per rung, got {sorted(break_even)}"
for rung, steps in break_even.items():
    e = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "eager"))
    c = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "torch.compile"))
    saved_s = (e["median_ms"] - c["median_ms"]) / 1e3
    if e["median_ms"] - c["median_ms"] <= e["iqr_ms"] + c["iqr_ms"]:
        assert steps == float("inf"), f"{rung}: the compiled step is not faster beyond the IQRs, so it never pays back"
    else:
        assert steps * saved_s >= c["first_call_s"], f"{rung}: {steps} is too few"
        assert (steps - 1) * saved_s < c["first_call_s"], f"{rung}: round up, not more"
print("Exercise 1 passed:", break_even)

# %% [markdown]
# **Exercise 2.** Is a 512 × 512 float32 product as efficient per FLOP as §3.5's 1024 × 1024 one? With
# `m = torch.randn(512, 512)`, store the function you time in `product_512` (no arguments, returns `m @ m`), the
# `Timing` that `measure` returns for it (at least 3 repeats) in `t512`, its GFLOP/s (`2 n³` FLOP per product)
# in `gflops_512`, and in `verdict_512` one of `"slower"`, `"faster"` or `"no difference"`: compare the time per
# GFLOP of the two sizes (`t512` against the row `f"torch, {THREADS} threads"` of `matmul`), and call a gap
# smaller than the two IQRs (each divided by its GFLOP count) no difference.

# %% tags=["solution"] jupyter={"source_hidden": true}
from utils.timing import measure

m = torch.randn(512, 512)


def product_512():
    return m @ m


t512 = measure(product_512, label="512 matmul", sync="torch")
gflops_512 = 2 * 512**3 / t512.median_s / 1e9
per_gflop_512 = (t512.median_ms / (2 * 512**3 / 1e9), t512.iqr_s * 1e3 / (2 * 512**3 / 1e9))
row_1024 = matmul[f"torch, {THREADS} threads"]
per_gflop_1024 = (row_1024["median_ms"] / (2 * 1024**3 / 1e9), row_1024["iqr_ms"] / (2 * 1024**3 / 1e9))
gap = per_gflop_512[0] - per_gflop_1024[0]
verdict_512 = "no difference" if abs(gap) <= per_gflop_512[1] + per_gflop_1024[1] else "slower" if gap > 0 else "faster"

# %% tags=["check"]
from utils.timing import Timing

out = product_512()
assert tuple(out.shape) == (512, 512) and out.dtype == torch.float32, "product_512() must return the 512 x 512 product"
assert torch.allclose(out, m @ m, rtol=1e-4, atol=1e-3), "product_512() must compute m @ m"
assert isinstance(t512, Timing) and t512.median_s > 0, "t512 must be what measure returned"
assert t512.repeats >= 3, "take at least three repeats"
assert math.isclose(gflops_512, 2 * 512**3 / t512.median_s / 1e9, rel_tol=1e-6), "GFLOP/s = 2 n^3 / seconds / 1e9"
gflop = {512: 2 * 512**3 / 1e9, 1024: 2 * 1024**3 / 1e9}
ref = matmul[f"torch, {THREADS} threads"]
gap = t512.median_ms / gflop[512] - ref["median_ms"] / gflop[1024]
noise = t512.iqr_s * 1e3 / gflop[512] + ref["iqr_ms"] / gflop[1024]
expected = "no difference" if abs(gap) <= noise else "slower" if gap > 0 else "faster"
assert verdict_512 == expected, (
    f"verdict_512 is {verdict_512!r}: per GFLOP the gap is {gap:.4f} ms, the IQRs {noise:.4f}"
)
print(
    f"Exercise 2 passed: {gflops_512:.1f} GFLOP/s at 512, against {gflop[1024] / ref['median_ms'] * 1e3:.1f} at "
    f"1024: {verdict_512}"
)

# %% [markdown]
# ## 7. Summary
#
# - Time = **overhead per operation** + **work**. Tiny models are overhead, large ones are BLAS; a compiler removes
#   overhead, not work, and adds a small cost of its own to every call.
# - Compare **matched modes** (eager vs eager, graph vs graph) on a **ladder of sizes**; a single "X is faster"
#   hides both. A difference smaller than the IQRs is no difference.
# - Time honestly: warm up, repeat, median and IQR, interleave within a library and time libraries one at a time,
#   fix the threads, synchronise, and report the compile apart from the steady state.
# - On large models the framework is as fast as the BLAS it calls, and that depends on the CPU: read a verdict on
#   speed together with the machine it was measured on, and run `python benchmarks/speed.py` on yours.
# - Next: [09 · Distributed training](09_distributed_pytorch.ipynb), or the twin:
#   [08 · TensorFlow](08_speed_tensorflow.ipynb).
