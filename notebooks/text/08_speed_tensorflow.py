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
# Runs in about 20 s on a quiet 2-core CPU (tracing and XLA compiles included). Timings on a busy machine are
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
import json, math, os, statistics, sys, time, pathlib
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's C++ INFO/WARNING lines after start-up
THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
numpy_loaded_before = "numpy" in sys.modules
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))  # NumPy's BLAS reads this when NumPy is first imported

import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf

# Thread pools are created when the runtime starts (the first operation): set them before anything runs.
tf.config.threading.set_intra_op_parallelism_threads(THREADS)  # threads inside one op (a matrix product)
tf.config.threading.set_inter_op_parallelism_threads(THREADS)  # ops run side by side
import keras

from pairs.speed import LADDERS, c15_reading, latest_result, plot_ladder
from pairs.speed import rows as result_rows
from utils.course import CLAIMS
from utils.devices import describe_tf, tf_device
from utils.machine import tf_onednn_enabled
from utils.seeding import seed_everything
from utils.timing import IQR_LIMIT, LOAD_PER_CORE_LIMIT, UNRELIABLE_MARK, Timing, measure

print(describe_tf())
print("seeded:", seed_everything(0))
device = tf_device()
GPU = device.upper().startswith("/GPU")
print(f"threads: TensorFlow intra-op {tf.config.threading.get_intra_op_parallelism_threads()}, "
      f"inter-op {tf.config.threading.get_inter_op_parallelism_threads()}, "
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
# products' neighbours, but the large products still go to the same kind of BLAS, so the graph's gain **shrinks as
# the model grows**. A fair comparison therefore **matches the modes** (eager against eager, graph against graph)
# and names the size. C15 mixes them: it credits TensorFlow's *graph* on large models and PyTorch's *eager* on
# small ones.
#
# This notebook climbs a **ladder of sizes** (a tiny MLP, the course's 64 → 256 → 256 → 10 model on 360 digits, and
# a 1024-wide one on a batch of 1024) in three modes, for inference and for a full training step, and then measures
# how close one big matrix product gets to NumPy's BLAS on the same machine.

# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 Method: how to time a call
#
# Five rules, in code you can copy:
#
# 1. **Warm up**: the first calls trace and compile; time them separately (`first_call`).
# 2. **Repeat and take the median** (robust to a slow outlier) and the **IQR** (how much the repeats disagree).
#    `utils.timing.measure` does this, batching calls so that each timed batch lasts long enough for the clock.
# 3. **Synchronise** before stopping the clock: on a GPU an op returns before its kernel finishes; `sync="tf"`
#    fetches the result to the host with `.numpy()`, which waits for it.
# 4. **Interleave** the candidates (A B A B, not A A B B), so that a busy spell of the machine hits all of them.
# 5. **Fix the threads** (`tf.config.threading`, before the first op: see the setup cell) and compare ratios from
#    one run.

# %%
def to_host(result):
    for item in tf.nest.flatten(result):
        if hasattr(item, "numpy"):
            item.numpy()

def first_call(fn):
    """Seconds of the first call (tracing and compiling included), and its result."""
    started = time.perf_counter()
    result = fn()
    to_host(result)
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
            timing = measure(fn, label=label, warmup=1, repeats=3, min_time_s=0.01, sync="tf")
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

x = tf.random.normal((256, 256))
demo = interleaved({"A: x @ x": lambda: x @ x, "B: x + x": lambda: x + x})
for label, t in demo.items():
    print(f"{label:<9} {t['median_ms'] * 1e3:8.1f} us  (IQR {t['iqr_ms'] * 1e3:.1f} us over 5 interleaved rounds)")

# %% [markdown]
# ### 3.2 Dispatch overhead: microseconds per tiny operation
#
# A chain of 100 additions on 8 numbers does almost no arithmetic, so its time is the framework's overhead. We run
# it eagerly, as a `tf.function` graph (one Python call runs all 100 ops in TensorFlow's graph executor, after
# Grappler's graph optimisations), and compiled by XLA (`jit_compile=True`: one fused kernel).

# %%
CHAIN_OPS = 100

def chain(x):
    for _ in range(CHAIN_OPS):
        x = x + 1.0
    return x

with tf.device(device):
    x8 = tf.zeros(8)
    graph_chain, xla_chain = tf.function(chain), tf.function(chain, jit_compile=True)
    candidates = {"eager": lambda: chain(x8), "tf.function": lambda: graph_chain(x8),
                  "tf.function + XLA": lambda: xla_chain(x8)}
    dispatch_first = {}
    for label, fn in candidates.items():
        dispatch_first[label], out = first_call(fn)
        assert np.array_equal(out.numpy(), np.full(8, float(CHAIN_OPS), np.float32)), label
    dispatch = interleaved(candidates)
print(f"all three give {CHAIN_OPS}.0 everywhere; {device}, {CHAIN_OPS} additions per call\n")
print(f"{'mode':<20} {'us per op':>10} {'IQR':>6}   first call (s)")
for label, t in dispatch.items():
    print(f"{label:<20} {t['median_ms'] * 1e3 / CHAIN_OPS:>10.2f} {t['iqr_ms'] * 1e3 / CHAIN_OPS:>6.2f}"
          f"   {dispatch_first[label]:.2f}")
eager_us = dispatch["eager"]["median_ms"] * 1e3 / CHAIN_OPS
graph_us = dispatch["tf.function"]["median_ms"] * 1e3 / CHAIN_OPS
xla_us = dispatch["tf.function + XLA"]["median_ms"] * 1e3 / CHAIN_OPS
print(f"\ntf.function removed {100 * (1 - graph_us / eager_us):.0f}% of the eager time per operation "
      f"({eager_us / graph_us:.0f}x less), XLA {100 * (1 - xla_us / eager_us):.0f}% ({eager_us / xla_us:.0f}x less).")

# %% [markdown]
# ### 3.3 The ladder: eager vs `tf.function` vs XLA, inference and a training step
#
# The same MLP (64 → w → w → 10, Keras) at three sizes. *Inference* is one forward pass
# (`model(x, training=False)`). A *training step* is forward, cross-entropy loss, gradients with a `GradientTape`
# and an SGD-with-momentum update; under `tf.function` the whole step, update included, is one graph (as in
# `model.fit`). Each graph variant is checked against eager first (same logits, same first loss), and its first
# call, the trace and compile, is reported apart from the steady state.

# %%
LADDER = LADDERS["notebook"]  # (rung, width w, batch): tiny, the course's model on 360 digits, large
MODES = {"eager": None, "tf.function": False, "tf.function + XLA": True}  # mode: jit_compile
print("rungs:", ", ".join(f"{name} (w={w}, batch {b})" for name, w, b in LADDER))
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

def make_mlp(width):
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((64,)), keras.layers.Dense(width, activation="relu"),
                             keras.layers.Dense(width, activation="relu"), keras.layers.Dense(10)])

def make_train_step(model, x, y):
    optimizer = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
    optimizer.build(model.trainable_variables)  # create its variables now, outside any graph
    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss
    return step

def make_inference(model, x):
    def run():
        return model(x, training=False)
    return run

def as_mode(fn, jit):
    return fn if jit is None else tf.function(fn, jit_compile=jit)

rng = np.random.default_rng(0)
ladder_rows = []
with tf.device(device):
    for rung, width, batch in LADDER:
        x = tf.constant(rng.standard_normal((batch, 64), dtype=np.float32))
        y = tf.constant(rng.integers(0, 10, batch))
        model = make_mlp(width)
        tasks = {"inference": {mode: as_mode(make_inference(model, x), jit) for mode, jit in MODES.items()},
                 "train": {mode: as_mode(make_train_step(make_mlp(width), x, y), jit)  # same initial weights
                           for mode, jit in MODES.items()}}
        for task, fns in tasks.items():
            firsts, outputs = {}, {}
            for label, fn in fns.items():
                firsts[label], outputs[label] = first_call(fn)
            for label in fns:
                diff = float(tf.reduce_max(tf.abs(tf.cast(outputs[label], tf.float32) - outputs["eager"])))
                assert diff < 1e-3, f"{rung} {task} {label}: differs from eager by {diff}"
            for label, t in interleaved(fns).items():
                ladder_rows.append({"rung": rung, "task": task, "mode": label, "first_call_s": firsts[label], **t})

print(f"\n{'rung':<7} {'task':<10} {'eager ms':>9} {'graph ms':>9} {'XLA ms':>8} {'graph':>7} {'XLA':>7}"
      f" {'trace s':>8} {'XLA s':>6}")
speedup = {}
for rung, _, _ in LADDER:
    for task in ("inference", "train"):
        e, g, xl = (next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, task, m))
                    for m in MODES)
        speedup[rung, task, "tf.function"] = e["median_ms"] / g["median_ms"]
        speedup[rung, task, "tf.function + XLA"] = e["median_ms"] / xl["median_ms"]
        print(f"{rung:<7} {task:<10} {e['median_ms']:>9.3f} {g['median_ms']:>9.3f} {xl['median_ms']:>8.3f}"
              f" {speedup[rung, task, 'tf.function']:>6.2f}x {speedup[rung, task, 'tf.function + XLA']:>6.2f}x"
              f" {g['first_call_s']:>8.2f} {xl['first_call_s']:>6.2f}")
print("(graph, XLA: speed-up over eager; trace s, XLA s: the first call, tracing and compiling)")

# %% [markdown]
# ### 3.4 The ladder as a plot
#
# The same rows, drawn by `pairs.speed.plot_ladder`, the function `benchmarks/speed.py` draws its plot with.
# Log scale: equal gaps are equal ratios.

# %%
fig = plot_ladder([dict(r, framework="tf") for r in ladder_rows],
                  title=f"TensorFlow {tf.__version__} on {device}, {THREADS} threads")
plt.show()

# %% [markdown]
# ### 3.5 Against the limit: one large matrix product vs NumPy's BLAS
#
# At the top of the ladder the time goes into matrix products, so the ceiling is the BLAS. Each library ships its
# own: NumPy's wheels OpenBLAS, TensorFlow's x86 build oneDNN (Eigen where oneDNN is off), PyTorch's CPU wheels
# Intel's MKL (twin §3.5), and each picks kernels for the instruction sets it detects on the CPU, so they need not
# agree. We time a 1024 × 1024 float32 product in NumPy and TensorFlow, interleaved, with the same thread count. TensorFlow's thread pools cannot be resized once the runtime has started, so there is no
# one-thread row here (the twin has one; `benchmarks/speed.py --threads 1` gives it for both).

# %%
n = 1024
a_np = rng.standard_normal((n, n), dtype=np.float32)
b_np = rng.standard_normal((n, n), dtype=np.float32)
with tf.device("/CPU:0"):
    a, b = tf.constant(a_np), tf.constant(b_np)
    diff = float(np.abs(a_np @ b_np - tf.linalg.matmul(a, b).numpy()).max())
    assert diff < 1e-2, diff
    matmul = interleaved({f"NumPy, {THREADS} threads": lambda: a_np @ b_np,
                          f"tf, {THREADS} threads": lambda: tf.linalg.matmul(a, b)})
numpy_ms = matmul[f"NumPy, {THREADS} threads"]["median_ms"]
blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
print(f"NumPy: {blas['name']} {blas['version']}; TensorFlow: oneDNN CPU kernels on: {tf_onednn_enabled()}")
print(f"{n} x {n} float32 product (results agree to {diff:.0e})\n")
for label, t in matmul.items():
    gflops = 2 * n**3 / (t["median_ms"] * 1e-3) / 1e9
    print(f"{label:<20} {t['median_ms']:8.2f} ms  {gflops:7.1f} GFLOP/s  {numpy_ms / t['median_ms']:5.2f}x NumPy's speed")
tf_fraction = numpy_ms / matmul[f"tf, {THREADS} threads"]["median_ms"]

# %% [markdown]
# ### 3.6 The GPU: TensorFloat-32 and mixed precision
#
# On an NVIDIA GPU the same code runs there (the device is picked automatically), with two settings that change
# the numbers: TensorFlow runs float32 matrix products in **TensorFloat-32** by default on Ampere and newer GPUs
# (documented on `tf.config.experimental.enable_tensor_float_32_execution`, TF 2.21 API docs), while PyTorch does
# not by default (`torch.backends.cuda.matmul.allow_tf32`, printed by the twin's §3.6); and mixed precision is a
# Keras dtype policy (`"mixed_bfloat16"`).

# %%
if GPU:
    rung, width, batch = LADDER[-1]
    with tf.device(device):
        x = tf.random.normal((batch, 64))
        y = tf.random.uniform((batch,), 0, 10, dtype=tf.int64)
        gpu_fns = {}
        for label, jit, policy in (("eager", None, "float32"), ("tf.function", False, "float32"),
                                   ("tf.function + XLA", True, "float32"),
                                   ("tf.function + XLA bf16", True, "mixed_bfloat16")):
            keras.config.set_dtype_policy(policy)
            try:
                gpu_fns[label] = as_mode(make_train_step(make_mlp(width), x, y), jit)
            finally:
                keras.config.set_dtype_policy("float32")
            print(f"{label:<24} first call {first_call(gpu_fns[label])[0]:.2f} s")
        for label, t in interleaved(gpu_fns).items():
            print(f"{rung} train step on {device}, {label:<24} {t['median_ms']:.3f} ms")
        for dtype in (tf.float32, tf.bfloat16):
            ag, bg = (tf.random.normal((8192, 8192), dtype=dtype) for _ in range(2))
            t = interleaved({"mm": lambda: tf.linalg.matmul(ag, bg)})["mm"]
            print(f"8192 x 8192 {dtype.name:9} {2 * 8192**3 / (t['median_ms'] * 1e-3) / 1e12:6.1f} TFLOP/s "
                  f"(TF32 enabled: {tf.config.experimental.tensor_float_32_execution_enabled()})")
else:
    print("No GPU visible to TensorFlow here. On one, this cell times the large training step eagerly, as a graph,\n"
          "with XLA, and with XLA in bfloat16 mixed precision, and a 8192 x 8192 product in float32 (TensorFloat-32\n"
          f"by default: {tf.config.experimental.tensor_float_32_execution_enabled()}) and bfloat16, in TFLOP/s. "
          "Every rung of §3.3 also runs on the GPU,\nwhere launch overhead, not the matrix product, dominates the "
          "small rungs. `python benchmarks/speed.py` on a GPU\nmachine records the same for both frameworks.")

# %% [markdown]
# ### 3.7 Across the frameworks: the benchmark script's record
#
# This notebook measures one framework; C15 and C7 compare two. Running both in one kernel would hold both
# runtimes in memory and let their thread pools compete, so the comparison comes from `benchmarks/speed.py`, which
# runs the same ladder (plus a medium and an extra-large rung) for each framework in its own process, on the same
# machine, with the same threads, and saves JSON under `benchmarks/results/`. This cell reads the newest CPU record
# and prints, per rung, how TensorFlow's time compares with PyTorch's, eager against eager and best mode against
# best mode (above 1: PyTorch is faster). The twin prints the same table.

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
print(f"- Dispatch (§3.2): eager TensorFlow spent {eager_us:.1f} us per tiny operation; a tf.function graph cut "
      f"that {eager_us / graph_us:.0f}x and XLA {eager_us / xla_us:.0f}x.")
for task in ("inference", "train"):
    for mode in ("tf.function", "tf.function + XLA"):
        print(f"- {task}, {mode}: {speedup[tiny, task, mode]:.2f}x eager's speed on the {tiny} rung, "
              f"{speedup[large, task, mode]:.2f}x on the {large} rung.")
print(f"- Tracing and compiling cost {sum(r['first_call_s'] for r in ladder_rows if r['mode'] != 'eager'):.1f} s "
      f"over the ladder's graph variants.")
print(f"- The {n} x {n} product in TensorFlow ran at {tf_fraction:.2f}x NumPy's BLAS speed on {THREADS} threads.")

# %% [markdown]
# - **Overhead is what a graph removes.** The chain of §3.2 is pure overhead: compare TensorFlow's eager microseconds
#   per operation with PyTorch's (twin §3.2) and with the graph rows above them. That is why every TensorFlow training loop
#   (`model.fit`, or your own step) runs as a `tf.function`: eager TensorFlow is for debugging.
# - **The graph's gain depends on the rung** (§3.3): compare the speed-up columns on the tiny rung and on the large
#   one. Where the time is in large matrix products, the graph and XLA call the same BLAS eager code does, and have
#   little left to remove.
# - **Tracing and compiling cost seconds** (the *trace s* and *XLA s* columns), paid again for every new input
#   shape (pair 01, §3.5, on retracing).
# - **The ceiling is the BLAS** (§3.5): read the GFLOP/s and the ratio to NumPy. The libraries are different BLAS
#   builds, choosing their kernels for this CPU, so on one machine they can differ by a factor of two in either
#   direction (the twin prints PyTorch's). At the top of the ladder a framework is as fast as the BLAS it calls:
#   that, not eager or graph, decides the large rungs of §3.7.
# - **Across frameworks** (§3.7, from the script's record on one machine): the ratios show where each framework is
#   faster, eager against eager and best against best. They come from a separate run (see its `created` date and
#   machine), not from this kernel.
# - What this does **not** show: convolutions, transformers, data pipelines, multi-GPU. On a GPU, launch overhead
#   matters more and mixed precision changes the ceiling; run §3.6 and the script there.

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C15 | **holds partly** | Matched modes tell the claim's parts apart; the line under §3.7's table prints each part, read from the benchmark script's record (both frameworks, one machine, same threads). *PyTorch faster for small experiments*: eager against eager, the way experiments usually run, yes: TensorFlow's eager dispatch costs many times PyTorch's per operation (§3.2 here and in the twin) and the smallest rung follows; best mode against best mode, a `tf.function` step removes most of that overhead (§3.7's *best* column). *TensorFlow faster on large workloads thanks to static-graph optimisation*: the graph is not what decides the largest rungs. There both frameworks spend their time in matrix-product kernels, each its own (§3.5 here and in the twin), which differ by CPU; where TensorFlow is faster there, the *graph vs its own eager step* line under §3.7 shows its graph adding little. The first line under this table checks the record against this reading. |
# | C7 | **false** | Both frameworks drive NVIDIA GPUs through CUDA (pair 04, §3.1 of both notebooks), and the framework does change the time of the same training step: the train rows of §3.7 are ratios away from 1x (the second line under this table prints the largest and its rung). This machine has no GPU: §3.6 and `benchmarks/speed.py` add GPU rows where there is one (TensorFlow runs float32 products in TensorFloat-32 by default there, PyTorch does not). |
# | C14 | **holds partly** | The compile-time half, measured: a graph removes per-operation overhead (§3.2), which in TensorFlow is large, so the graph and XLA columns of §3.3 show big gains on the small rungs, after tracing and compiling that cost seconds; the gain is read per rung in the same table. Compile-time optimisation is real and no longer TensorFlow-only (`torch.compile` in the twin). The flexibility half is judged in [01_graphs_tensorflow.ipynb](01_graphs_tensorflow.ipynb). |
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
# **Exercise 1.** Tracing costs time once and saves time per call. From §3.3's rows, compute `break_even`: for each
# rung, the number of **training steps** after which the `tf.function` step has paid back its first call, that is
# `first_call_s / (eager seconds per step - graph seconds per step)`, rounded up; use `float("inf")` where the graph
# step is not faster. Store it as a dict `{rung: steps}`.

# %% tags=["solution"] jupyter={"source_hidden": true}
break_even = {}
for rung, _, _ in LADDER:
    eager = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "eager"))
    graph = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "tf.function"))
    saved_s = (eager["median_ms"] - graph["median_ms"]) / 1e3
    break_even[rung] = math.ceil(graph["first_call_s"] / saved_s) if saved_s > 0 else float("inf")

# %% tags=["check"]
assert set(break_even) == {rung for rung, _, _ in LADDER}, f"one entry per rung, got {sorted(break_even)}"
for rung, steps in break_even.items():
    e = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "eager"))
    g = next(r for r in ladder_rows if (r["rung"], r["task"], r["mode"]) == (rung, "train", "tf.function"))
    if g["median_ms"] >= e["median_ms"]:
        assert steps == float("inf"), f"{rung}: the graph step is not faster, so it never pays back"
    else:
        assert steps * (e["median_ms"] - g["median_ms"]) / 1e3 >= g["first_call_s"], f"{rung}: {steps} is too few"
        assert (steps - 1) * (e["median_ms"] - g["median_ms"]) / 1e3 < g["first_call_s"], f"{rung}: round up, not more"
print("Exercise 1 passed:", break_even)

# %% [markdown]
# **Exercise 2.** Measure the throughput of a 512 × 512 float32 matrix product with `measure` (warm-up, repeats,
# median, and `sync="tf"` so that a GPU finishes before the clock stops). Store the `Timing` it returns in `t512`
# and the speed in GFLOP/s (a product of two n × n matrices is `2 n³` floating-point operations) in `gflops_512`.

# %% tags=["solution"] jupyter={"source_hidden": true}
m = tf.random.normal((512, 512))
t512 = measure(lambda: tf.linalg.matmul(m, m), label="512 matmul", sync="tf")
gflops_512 = 2 * 512**3 / t512.median_s / 1e9

# %% tags=["check"]
assert isinstance(t512, Timing) and t512.median_s > 0, "t512 must be what measure returned"
assert t512.repeats >= 3, "take at least three repeats"
assert math.isclose(gflops_512, 2 * 512**3 / t512.median_s / 1e9, rel_tol=1e-6), "GFLOP/s = 2 n^3 / seconds / 1e9"
print(f"Exercise 2 passed: {gflops_512:.1f} GFLOP/s")

# %% [markdown]
# ## 7. Summary
#
# - Time = **overhead per operation** + **work**. Tiny models are overhead, large ones are BLAS; a graph removes
#   overhead, not work.
# - In TensorFlow the overhead of eager mode is large: train with a `tf.function` step (as `model.fit` does), and
#   try XLA (`jit_compile=True`), measuring both.
# - Compare **matched modes** (eager vs eager, graph vs graph) on a **ladder of sizes**; a single "X is faster"
#   hides both.
# - Time honestly: warm up, repeat, median and IQR, interleave, fix the threads, fetch results to the host, and
#   report tracing and compiling apart from the steady state. For numbers across frameworks and bigger sizes, run
#   `python benchmarks/speed.py`.
# - Next: [09 · Distributed training](09_distributed_tensorflow.ipynb), or the twin:
#   [08 · PyTorch](08_speed_pytorch.ipynb).
