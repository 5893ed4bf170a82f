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
# # 08 · Speed, measured in matched modes (TensorFlow)
#
# Twin: [08_speed_pytorch.ipynb](08_speed_pytorch.ipynb) · Course map: [00_start_here.ipynb](00_start_here.ipynb)
#
# Runs in about 30 s on a quiet 2-core CPU (tracing and XLA compiles included). Timings on a busy machine are
# flagged, not trusted. The twin measures the same things in PyTorch; `benchmarks/speed.py` runs both, bigger,
# outside Jupyter.
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/08_speed_tensorflow.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/08_speed_tensorflow.ipynb)

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
from pairs.speed import setup_tensorflow

device, THREADS = setup_tensorflow(seed=0)  # fixes TensorFlow's thread pools before its first op; prints the machine
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
# This notebook runs TensorFlow 2.21 with Keras 3. The claims compare the two frameworks, so read it with its twin.
# %% [markdown]
# ## 2. The idea
#
# A training step is a few Python lines that launch many tensor operations. Its time has two parts:
#
# - **Overhead per operation** (Python, then the eager runtime or the graph executor dispatching each op,
#   allocating its output, recording it on the gradient tape): microseconds per operation, whatever its size.
# - **The work itself**: for an MLP, matrix products that a BLAS library (oneDNN or Eigen on a CPU, cuBLAS on a
#   GPU) runs at close to the hardware's limit.
#
# A tiny model is almost all overhead; a large one almost all matrix products. A graph (`tf.function`) removes the
# Python and eager-dispatch overhead, and XLA (`jit_compile=True`) also fuses element-wise operations into the
# products' neighbours, but the large products still go to the same kind of BLAS. TensorFlow's eager overhead is
# large, so the graph's gain is large on small models and **shrinks as the model grows** (§3.3 prints it per
# rung). (PyTorch's eager overhead is much smaller, so there a compiled call can even lose on the tiniest model,
# where a per-call guard check is a visible share: see the twin.) A fair comparison therefore **matches the
# modes** (eager against eager, graph against graph) and names the size. C15 mixes them: it credits TensorFlow's
# *graph* on large models and PyTorch's *eager* on small ones.
#
# This notebook climbs a **ladder of sizes** (a tiny MLP, the course's 64 → 256 → 256 → 10 model on 360 digits, and
# a 1024-wide one on a batch of 1024) in three modes, for inference and for a full training step, measures one big
# matrix product against NumPy's BLAS and the CPU's peak, and reads the benchmark records of two CPU vendors.
# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 Method: how to time a call
#
# Six rules:
#
# 1. **Warm up**: the first calls trace and compile; time them separately (`first_call`).
# 2. **Repeat and take the median** (robust to a slow outlier) and the **IQR** (how much the repeats disagree).
#    `utils.timing.measure` does this, batching calls so that each timed batch lasts long enough for the clock.
# 3. **Synchronise** before stopping the clock: on a GPU an op returns before its kernel finishes; `sync="tf"`
#    fetches the result to the host with `.numpy()`, which waits for it.
# 4. **Interleave** candidates of one library (A B A B, not A A B B), so that a busy spell hits all of them.
# 5. **One library at a time** when each brings its own thread pool (§3.5): after a call, one library's idle
#    threads keep spinning on the cores the next library needs.
# 6. **Fix the threads** (`tf.config.threading`, before the first op: the setup cell did), compare ratios from one
#    run, and call a difference smaller than the IQRs **no difference**.
#
# `pairs.speed.interleaved` is rules 2 and 4 in code (printed below); `one_at_a_time` runs it per candidate.
# %%
import inspect

import keras
import tensorflow as tf

from pairs.speed import first_call, interleaved, one_at_a_time

print(inspect.getsource(interleaved).split('    """')[0] + "    ...")
x = tf.random.normal((256, 256))
demo = interleaved({"A: x @ x": lambda: x @ x, "B: x + x": lambda: x + x}, sync="tf")
for label, t in demo.items():
    print(f"{label:<9} {t['median_ms'] * 1e3:8.1f} us  (IQR {t['iqr_ms'] * 1e3:.1f} us over {t['rounds']} rounds)")

# %% [markdown]
# ### 3.2 Dispatch overhead: microseconds per tiny operation
#
# A chain of 100 additions on 8 numbers does almost no arithmetic, so its time is the framework's overhead. We run
# it eagerly, as a `tf.function` graph (one Python call runs all 100 ops in TensorFlow's graph executor, after
# Grappler's graph optimisations), and compiled by XLA (`jit_compile=True`: one fused kernel).

# %%
import numpy as np

CHAIN_OPS = 100


def chain(x):
    for _ in range(CHAIN_OPS):
        x = x + 1.0
    return x


with tf.device(device):
    x8 = tf.zeros(8)
    graph_chain, xla_chain = tf.function(chain), tf.function(chain, jit_compile=True)
    candidates = {
        "eager": lambda: chain(x8),
        "tf.function": lambda: graph_chain(x8),
        "tf.function + XLA": lambda: xla_chain(x8),
    }
    dispatch_first = {}
    for label, fn in candidates.items():
        dispatch_first[label], out = first_call(fn, "tf")
        assert np.array_equal(out.numpy(), np.full(8, float(CHAIN_OPS), np.float32)), label
    dispatch = interleaved(candidates, sync="tf")

# %%
print(f"all three give {CHAIN_OPS}.0 everywhere; {device}, {CHAIN_OPS} additions per call\n")
print(f"{'mode':<20} {'us per op':>10} {'IQR':>6}   first call (s)")
for label, t in dispatch.items():
    print(
        f"{label:<20} {t['median_ms'] * 1e3 / CHAIN_OPS:>10.2f} {t['iqr_ms'] * 1e3 / CHAIN_OPS:>6.2f}"
        f"   {dispatch_first[label]:.2f}"
    )
eager_us, graph_us, xla_us = (dispatch[m]["median_ms"] * 1e3 / CHAIN_OPS for m in candidates)
print(
    f"\ntf.function removed {100 * (1 - graph_us / eager_us):.0f}% of the eager time per operation "
    f"({eager_us / graph_us:.0f}x less), XLA {100 * (1 - xla_us / eager_us):.0f}% ({eager_us / xla_us:.0f}x less)."
)

# %% [markdown]
# ### 3.3 The ladder: eager vs `tf.function` vs XLA, inference and a training step
#
# The same MLP (64 → w → w → 10, Keras) at three sizes. *Inference* is one forward pass
# (`model(x, training=False)`). A *training step* is forward, cross-entropy loss, gradients with a `GradientTape`
# and an SGD-with-momentum update; under `tf.function` the whole step, update included, is one graph (as in
# `model.fit`). Each graph variant is checked against eager first (same logits, same first loss), and its first
# call, the trace and compile, is reported apart from the steady state.

# %%
from pairs.speed import LADDERS, ladder_table

LADDER = LADDERS["notebook"]  # (rung, width w, batch): tiny, the course's model on 360 digits, large
MODES = {"eager": None, "tf.function": False, "tf.function + XLA": True}  # mode: jit_compile
print("rungs:", ", ".join(f"{name} (w={w}, batch {b})" for name, w, b in LADDER))
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def make_mlp(width):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(width, activation="relu"),
            keras.layers.Dense(width, activation="relu"),
            keras.layers.Dense(10),
        ]
    )


def as_mode(fn, jit):
    return fn if jit is None else tf.function(fn, jit_compile=jit)


# %%
def make_train_step(model, x, y):
    optimizer = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
    optimizer.build(model.trainable_variables)  # create its variables now, outside any graph

    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(y, tf.cast(model(x, training=True), tf.float32))  # the cast matters only in bf16 (§3.6)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    return step


def make_inference(model, x):
    def run():
        return model(x, training=False)

    return run


# %%
rng = np.random.default_rng(0)
ladder_rows = []
with tf.device(device):
    for rung, width, batch in LADDER:
        x = tf.constant(rng.standard_normal((batch, 64), dtype=np.float32))
        y = tf.constant(rng.integers(0, 10, batch))
        model = make_mlp(width)
        tasks = {"inference": {mode: as_mode(make_inference(model, x), jit) for mode, jit in MODES.items()}}
        # one model per mode, each with the same initial weights
        tasks["train"] = {mode: as_mode(make_train_step(make_mlp(width), x, y), jit) for mode, jit in MODES.items()}
        for task, fns in tasks.items():
            firsts, outputs = {}, {}
            for label, fn in fns.items():
                firsts[label], outputs[label] = first_call(fn, "tf")
            for label in fns:
                diff = float(tf.reduce_max(tf.abs(tf.cast(outputs[label], tf.float32) - outputs["eager"])))
                assert diff < 1e-3, f"{rung} {task} {label}: differs from eager by {diff}"
            for label, t in interleaved(fns, sync="tf").items():
                ladder_rows.append({"rung": rung, "task": task, "mode": label, "first_call_s": firsts[label], **t})

print("\n".join(ladder_table(ladder_rows, list(MODES), [rung for rung, _, _ in LADDER])))
graphs = [r for r in ladder_rows if r["mode"] != "eager"]
first = ", ".join(f"{r['rung']} {r['task']} {r['mode'][12:] or 'graph'} {r['first_call_s']:.1f}" for r in graphs)
print(f"(ms: median of 5 rounds, IQR in brackets; ~: within the two IQRs)\nfirst calls (trace, compile), s: {first}")

# %% [markdown]
# ### 3.4 The ladder as a plot
#
# The same rows, drawn by `pairs.speed.plot_ladder`, the function `benchmarks/speed.py` draws its plot with.
# Log scale: equal gaps are equal ratios.

# %%
import matplotlib.pyplot as plt

from pairs.speed import plot_ladder

fig = plot_ladder(
    [dict(r, framework="tf") for r in ladder_rows], title=f"TensorFlow {tf.__version__} on {device}, {THREADS} threads"
)
plt.show()

# %% [markdown]
# ### 3.5 Against the limit: one large matrix product vs NumPy's BLAS and the CPU's peak
#
# At the top of the ladder the time goes into matrix products, so the ceiling is the BLAS. Each library ships its
# own: NumPy's wheels OpenBLAS, TensorFlow's x86 build oneDNN (Eigen where oneDNN is off), PyTorch's CPU wheels
# Intel's MKL (twin §3.5), and each picks kernels for the CPU it finds, so they need not agree. We time a
# 1024 × 1024 float32 product **one library at a time** (all of TensorFlow's rounds, then NumPy's: alternating
# them on 2 cores let one library's spinning threads slow the other). TensorFlow's thread pools cannot be resized
# once the runtime has started, so there is no one-thread row here (the twin has one). The last column is the share
# of the CPU's float32 peak, *cores × FMA units per core × float32 lanes per unit (16 if 512 bits wide) × 2 ×
# clock*, where `pairs.speed.PEAKS` holds the numbers for this CPU, with their sources and why that clock.

# %%
from pairs.speed import clock_ghz, peak_of, this_cpu_record

n = 1024
a_np, b_np = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
with tf.device("/CPU:0"):
    a, b = tf.constant(a_np), tf.constant(b_np)
    diff = float(np.abs(a_np @ b_np - tf.linalg.matmul(a, b).numpy()).max())
    assert diff < 1e-2, diff
    matmul = one_at_a_time(
        {f"tf, {THREADS} threads": lambda: tf.linalg.matmul(a, b), f"NumPy, {THREADS} threads": lambda: a_np @ b_np},
        sync="tf",
    )
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
tf_fraction = numpy_ms / matmul[f"tf, {THREADS} threads"]["median_ms"]
if peak and 2 * n**3 / min(t["median_ms"] for t in matmul.values()) / 1e6 > peak:  # the clock is a lower bound
    print(f"Over 100 %: the cores ran faster than the {clock_ghz(record_here)} GHz this peak assumes (turbo).")

# %% [markdown]
# Which kernels ran? Not a guess: each library says so itself. oneDNN logs every primitive it runs, and the
# instruction set it chose, when `ONEDNN_VERBOSE=1` is set before it loads (so in a fresh process,
# `pairs.speed.kernel_log`); threadpoolctl names the OpenBLAS NumPy loaded and the kernel family it picked.

# %%
from threadpoolctl import threadpool_info

from pairs.speed import kernel_log
from utils.machine import tf_onednn_enabled

print("TensorFlow's oneDNN CPU kernels on:", tf_onednn_enabled())
print("tf.linalg.matmul in oneDNN's own log (ONEDNN_VERBOSE=1):")
code = "import tensorflow as tf; a = tf.ones((1024, 1024)); tf.linalg.matmul(a, a).numpy()"
for line in kernel_log(code, {"ONEDNN_VERBOSE": "1"}):
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
# ### 3.6 bfloat16 on the CPU: a `mixed_bfloat16` policy
#
# bfloat16 keeps float32's range with 8 bits of mantissa. Two kinds of CPU unit compute it natively:
# **AVX512-BF16** (a dot product of bf16 pairs in each float32 lane: twice float32's FLOP per instruction; Intel
# from Cooper Lake, AMD from Zen 4) and **AMX** (tile matrix units on Intel Xeon from the 4th generation: 1,024 bf16
# FLOP per cycle per core, 16 times the float32 FMAs). Without them bfloat16 is converted to float32 and back,
# and is no faster. Keras's way in is a dtype policy: under `"mixed_bfloat16"` each layer computes in bf16 and
# keeps float32 weights. The cell checks the CPU's flags (`pairs.speed.bf16_units`) and measures where the units
# exist; elsewhere it says so and shows the outside AMX record's numbers.

# %%
from pairs.speed import bf16_units, cpu_flags, cpu_records


def make_bf16_mlp(width):
    keras.config.set_dtype_policy("mixed_bfloat16")  # layers built now compute in bf16, keep float32 weights
    try:
        return make_mlp(width)
    finally:
        keras.config.set_dtype_policy("float32")


units = bf16_units(cpu_flags())
print("bf16 units of this CPU:", ", ".join(units) or "none (neither AVX512-BF16 nor AMX in /proc/cpuinfo's flags)")

# %%
if units:
    rung, width, batch = LADDER[-1]
    x, y = tf.random.normal((batch, 64)), tf.random.uniform((batch,), 0, 10, dtype=tf.int64)
    a16, b16 = tf.cast(a, tf.bfloat16), tf.cast(b, tf.bfloat16)
    fns = {
        "matmul float32": lambda: tf.linalg.matmul(a, b),
        "matmul bfloat16": lambda: tf.linalg.matmul(a16, b16),
        f"{rung} train float32": tf.function(make_train_step(make_mlp(width), x, y)),
        f"{rung} train bf16": tf.function(make_train_step(make_bf16_mlp(width), x, y)),
    }
    for fn in fns.values():
        first_call(fn, "tf")
    peak16 = peak_of(record_here, "bfloat16") if record_here else None
    print(f"bf16 peak on file for this CPU: {f'{peak16:,.0f} GFLOP/s' if peak16 else 'none'}")
    over = False
    for label, t in one_at_a_time(fns, sync="tf").items():
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
# ### 3.7 The GPU: TensorFloat-32 and mixed precision
#
# On an NVIDIA GPU the same code runs there (the device is picked automatically), with two settings that change
# the numbers: TensorFlow runs float32 matrix products in **TensorFloat-32** by default on Ampere and newer GPUs
# (documented on `tf.config.experimental.enable_tensor_float_32_execution`, TF 2.21 API docs), while PyTorch does
# not by default (`torch.backends.cuda.matmul.allow_tf32`, printed by the twin's §3.7); and mixed precision is the
# Keras dtype policy of §3.6.

# %%
if device.upper().startswith("/GPU"):
    rung, width, batch = LADDER[-1]
    with tf.device(device):
        x, y = tf.random.normal((batch, 64)), tf.random.uniform((batch,), 0, 10, dtype=tf.int64)
        gpu_fns = {
            label: as_mode(make_train_step(make_mlp(width), x, y), jit)
            for label, jit in (("eager", None), ("tf.function", False), ("tf.function + XLA", True))
        }
        gpu_fns["tf.function + XLA bf16"] = as_mode(make_train_step(make_bf16_mlp(width), x, y), True)
        for label, fn in gpu_fns.items():
            print(f"{label:<24} first call {first_call(fn, 'tf')[0]:.2f} s")
        for label, t in interleaved(gpu_fns, sync="tf").items():
            print(f"{rung} train step on {device}, {label:<24} {t['median_ms']:.3f} ms")
        for dtype in (tf.float32, tf.bfloat16):
            ag, bg = (tf.random.normal((8192, 8192), dtype=dtype) for _ in range(2))
            t = interleaved({"mm": lambda: tf.linalg.matmul(ag, bg)}, sync="tf")["mm"]
            tf32 = tf.config.experimental.tensor_float_32_execution_enabled()
            print(f"8192 x 8192 {dtype.name}: {2 * 8192**3 / t['median_ms'] / 1e9:6.1f} TFLOP/s (TF32 enabled: {tf32})")
else:
    print(
        "No GPU visible to TensorFlow here. On one, this cell times the large training step (eager, graph, XLA, XLA\n"
        "in bf16) and an 8192 x 8192 product; `python benchmarks/speed.py` there records both frameworks."
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
    f"- Dispatch (§3.2): eager TensorFlow spent {eager_us:.1f} us per tiny operation; a tf.function graph cut "
    f"that {eager_us / graph_us:.0f}x and XLA {eager_us / xla_us:.0f}x."
)
for task in ("inference", "train"):
    for mode in ("tf.function", "tf.function + XLA"):
        print(
            f"- {task}, {mode}: {ratio_text(pick[tiny, task, 'eager'], pick[tiny, task, mode])} eager's speed on "
            f"the {tiny} rung, {ratio_text(pick[large, task, 'eager'], pick[large, task, mode])} on the {large} "
            "rung (~: within the IQRs)."
        )
print(
    f"- The {n} x {n} product in TensorFlow ran at {tf_fraction:.2f}x NumPy's BLAS speed on {THREADS} threads, "
    "each library timed on its own."
)
for name, c15 in readings.items():
    print(
        f"- {name}: best training step on the {c15['large_rung']} rung, tf/torch "
        f"{c15['ratios'][c15['large_rung'] + ' train best']['tf_over_torch']:.2f}x; TensorFlow's graph over its own "
        f"eager step there {c15['tf_graph_gain_large']:.2f}x."
    )

# %% [markdown]
# - **Overhead is what a graph removes.** The chain of §3.2 is pure overhead: compare TensorFlow's eager
#   microseconds per operation with PyTorch's (twin §3.2) and with the graph rows. That is why every TensorFlow
#   training loop (`model.fit`, or your own step) runs as a `tf.function`: eager TensorFlow is for debugging.
# - **The graph's gain shrinks with the rung** (§3.3): large on the tiny rung, smaller on the large one, where the
#   graph and XLA call the same BLAS eager code does. A speed-up marked `~` is within the rows' IQRs: no measured
#   difference.
# - **Tracing and compiling cost seconds**, paid again for every new input shape (pair 01, §3.5, on retracing).
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
# - What this does **not** show: convolutions, transformers, data pipelines, multi-GPU, and any GPU at all until a
#   GPU record exists (§3.7).

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C15 | **holds partly** | The article (004) says TensorFlow is *usually* (通常) faster on large workloads *thanks to static-graph optimisation*, and PyTorch *can be* faster for small experiments; the records of §3.8 come from two CPU vendors. **Holds on both vendors:** eager against eager, the way small experiments usually run, PyTorch is many times faster on the smallest rung (§3.2's per-operation overhead here and in the twin; the *eager* column of §3.8, where the Intel Xeon without AMX flags its smallest PyTorch step, so that record leaves this part unread); a `tf.function` step closes most of that gap (*best* column). **Also on both: not "thanks to the static graph".** On the largest rung TensorFlow's graph gains little over its own eager step (the last lines printed in §4), because the time is in matrix products. The closest case is the Zen 4: TensorFlow's eager step alone was already faster than PyTorch's best (0.86x; 0.95x and 0.90x in two repeat runs, `benchmarks/results/repeats/`), and its graph added 1.10x, just under the 1.1x margin `c15_reading` asks (1.23x in the first repeat, over it; 1.08x in the second, recorded with `--wait-quiet`: 3 of 113 rows flagged, against 18 in the record): there the graph earns part of the lead, the BLAS the rest. **Depends on the CPU:** whether TensorFlow is faster on large workloads at all. On both AMD EPYCs its best xlarge training step took less time than PyTorch's (0.45x on the Zen 5 record, 0.78x on the Zen 4); on the two Intel Xeons it was not faster by 10 % or more (0.94x, and 0.97x on the one with AMX; the lines under this table print each record's ratio). The large rungs are matrix products, and each framework calls a different BLAS (§3.5, §3.8): on AMD, PyTorch's MKL logs no AVX-512 path while TensorFlow's oneDNN takes one. "Usually faster" held on one of the two vendors measured (on both of its CPUs), and for a reason other than the one the article gives. |
# | C7 | **false** | Its premise is false: both frameworks drive NVIDIA GPUs through CUDA (pair 04, §3.1 of both notebooks). Its conclusion, "the framework choice does not change training time", is **unmeasured on a GPU**: no GPU record exists yet (§3.7 and `benchmarks/speed.py` make one on a GPU machine). On the CPU, best mode against best mode (not TensorFlow's eager overhead), the same training step differed between the frameworks by the factor printed on the last line under this table, so there the framework can change training time. |
# | C14 | **holds partly** | As pair 01 reads it: both halves hold, and neither is one framework's alone any more. The compile-time half, measured here: a graph removes per-operation overhead (§3.2), which in TensorFlow is large, so the graph and XLA columns of §3.3 show big gains on the small rungs and less on the large one, after tracing and compiling that cost seconds. Compile-time optimisation is real and no longer TensorFlow-only (`torch.compile` in the twin, where compiling can even lose on the tiniest model). The flexibility and debugging half is judged in [01_graphs_tensorflow.ipynb](01_graphs_tensorflow.ipynb) and [10_debugging_tensorflow.ipynb](10_debugging_tensorflow.ipynb). |
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
# **Exercise 1.** Tracing costs time once and saves time per call. From §3.3's rows, compute `break_even`: for each
# rung, the number of **training steps** after which the `tf.function` step has paid back its first call, that is
# `first_call_s / (eager seconds per step - graph seconds per step)`, rounded up. Use `float("inf")` where the graph
# step is not faster **by more than the two rows' IQRs together** (a smaller gap is no measured difference). Store
# it as a dict `{rung: steps}`.

# %% tags=["solution"] jupyter={"source_hidden": true}
import math

break_even = {}
for rung, _, _ in LADDER:
    eager = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "eager"))
    graph = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "tf.function"))
    saved_ms = eager["median_ms"] - graph["median_ms"]
    real = saved_ms > eager["iqr_ms"] + graph["iqr_ms"]
    break_even[rung] = math.ceil(graph["first_call_s"] / (saved_ms / 1e3)) if real else float("inf")

# %% tags=["check"]
import math

assert set(break_even) == {rung for rung, _, _ in LADDER}, f"one entry per rung, got {sorted(break_even)}"
for rung, steps in break_even.items():
    e = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "eager"))
    g = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "tf.function"))
    saved_s = (e["median_ms"] - g["median_ms"]) / 1e3
    if e["median_ms"] - g["median_ms"] <= e["iqr_ms"] + g["iqr_ms"]:
        assert steps == float("inf"), f"{rung}: the graph step is not faster beyond the IQRs, so it never pays back"
    else:
        assert steps * saved_s >= g["first_call_s"], f"{rung}: {steps} is too few"
        assert (steps - 1) * saved_s < g["first_call_s"], f"{rung}: round up, not more"
print("Exercise 1 passed:", break_even)

# %% [markdown]
# **Exercise 2.** Is a 512 × 512 float32 product as efficient per FLOP as §3.5's 1024 × 1024 one? With
# `m = tf.random.normal((512, 512))`, store the function you time in `product_512` (no arguments, returns the
# product `m @ m`), the `Timing` that `measure` returns for it (at least 3 repeats, `sync="tf"`) in `t512`, its
# GFLOP/s (`2 n³` FLOP per product) in `gflops_512`, and in `verdict_512` one of `"slower"`, `"faster"` or
# `"no difference"`: compare the time per GFLOP of the two sizes (`t512` against the row
# `f"tf, {THREADS} threads"` of `matmul`), and call a gap smaller than the two IQRs (each divided by its GFLOP
# count) no difference.

# %% tags=["solution"] jupyter={"source_hidden": true}
from utils.timing import measure

m = tf.random.normal((512, 512))


def product_512():
    return tf.linalg.matmul(m, m)


t512 = measure(product_512, label="512 matmul", sync="tf")
gflops_512 = 2 * 512**3 / t512.median_s / 1e9
per_gflop_512 = (t512.median_ms / (2 * 512**3 / 1e9), t512.iqr_s * 1e3 / (2 * 512**3 / 1e9))
row_1024 = matmul[f"tf, {THREADS} threads"]
per_gflop_1024 = (row_1024["median_ms"] / (2 * 1024**3 / 1e9), row_1024["iqr_ms"] / (2 * 1024**3 / 1e9))
gap = per_gflop_512[0] - per_gflop_1024[0]
verdict_512 = "no difference" if abs(gap) <= per_gflop_512[1] + per_gflop_1024[1] else "slower" if gap > 0 else "faster"

# %% tags=["check"]
from utils.timing import Timing

out = product_512()
assert tuple(out.shape) == (512, 512) and out.dtype == tf.float32, "product_512() must return the 512 x 512 product"
assert np.allclose(out.numpy(), (m @ m).numpy(), rtol=1e-4, atol=1e-3), "product_512() must compute m @ m"
assert isinstance(t512, Timing) and t512.median_s > 0, "t512 must be what measure returned"
assert t512.repeats >= 3, "take at least three repeats"
assert math.isclose(gflops_512, 2 * 512**3 / t512.median_s / 1e9, rel_tol=1e-6), "GFLOP/s = 2 n^3 / seconds / 1e9"
gflop = {512: 2 * 512**3 / 1e9, 1024: 2 * 1024**3 / 1e9}
ref = matmul[f"tf, {THREADS} threads"]
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
# - Time = **overhead per operation** + **work**. Tiny models are overhead, large ones are BLAS; a graph removes
#   overhead, not work.
# - In TensorFlow the overhead of eager mode is large: train with a `tf.function` step (as `model.fit` does), and
#   try XLA (`jit_compile=True`), measuring both.
# - Compare **matched modes** (eager vs eager, graph vs graph) on a **ladder of sizes**; a single "X is faster"
#   hides both. A difference smaller than the IQRs is no difference.
# - Time honestly: warm up, repeat, median and IQR, interleave within a library and time libraries one at a time,
#   fix the threads, fetch results to the host, and report tracing and compiling apart from the steady state.
# - On large models the framework is as fast as the BLAS it calls, and that depends on the CPU: read a verdict on
#   speed together with the machine it was measured on, and run `python benchmarks/speed.py` on yours.
# - Next: [09 · Distributed training](09_distributed_tensorflow.ipynb), or the twin:
#   [08 · PyTorch](08_speed_pytorch.ipynb).
