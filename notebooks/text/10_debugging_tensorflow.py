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
# # 10 · Debugging eager code and compiled graphs (TensorFlow)
#
# Twin: [10_debugging_pytorch.ipynb](10_debugging_pytorch.ipynb) · Start: [00_start_here.ipynb](00_start_here.ipynb)
#
# Three bugs every model meets (a shape error, a NaN, a wrong branch) hunted in TensorFlow, first eagerly, then
# inside a graph traced by `tf.function`: reading the error message, `print` vs `tf.print`, `pdb`/`breakpoint()`,
# `tf.debugging.enable_check_numerics`, and `tf.config.run_functions_eagerly(True)`. The same bugs, on the same
# model and data, are hunted in the PyTorch twin, and both notebooks **count** what each traceback shows. About
# 15 s on a 2-core laptop.
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/10_debugging_tensorflow.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/10_debugging_tensorflow.ipynb)

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
import collections, inspect, io, os, pdb, re, shutil, sys, tempfile, traceback, pathlib
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's C++ INFO/WARNING lines after start-up

import numpy as np
import tensorflow as tf

from utils.data import load_digits
from utils.devices import describe_tf
from utils.seeding import seed_everything

print(describe_tf())
print("seeded:", seed_everything(0))
# Debugging is the same on every device: TensorFlow places these tiny ops itself.

CELL_DIR = os.path.dirname(inspect.currentframe().f_code.co_filename)  # where this notebook's cells are compiled


def frame_kind(filename):
    """Who wrote the code a traceback frame points into."""
    if os.path.dirname(filename) == CELL_DIR:
        return "user"
    if re.search(r"[/\\](torch|tensorflow|keras)[/\\]", filename):
        return "framework"
    return "other"  # the Python standard library, generated code


def line_of(fn, text):
    """The line number of the line of fn whose code is exactly text."""
    lines, start = inspect.getsourcelines(fn)
    return start + [l.strip() for l in lines].index(text)


def anatomy(err, fn, culprit, notes=""):
    """Count what an error shows: traceback frames by kind, and whether the culprit line of fn is named."""
    frames = traceback.extract_tb(err.__traceback__)
    kinds = collections.Counter(frame_kind(f.filename) for f in frames)
    lineno = line_of(fn, culprit)
    in_tb = any(f.filename == fn.__code__.co_filename and f.lineno == lineno for f in frames)
    message = str(err) + notes
    in_msg = culprit in message or f'{fn.__code__.co_filename}", line {lineno},' in message
    return {"error": type(err).__name__, "frames": len(frames), "user": kinds["user"],
            "framework": kinds["framework"], "other": kinds["other"],
            "line in traceback": in_tb, "line in message": in_msg}


def clean(text):
    """Text without colours and machine paths: this notebook's cells become <cell>, other paths lose their folders."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    text = re.sub(re.escape(CELL_DIR) + r"[/\\][^\s\"'(]+", "<cell>", text)
    return re.sub(r"(?:[A-Za-z]:)?(?:[/\\][\w.+-]+)+[/\\]", "", text)


def first_line(err):
    return f"{type(err).__name__}: {clean(str(err).strip().splitlines()[0])}"


print("traceback filtering on by default:", tf.debugging.is_traceback_filtering_enabled())

# %% [markdown]
# ## 1. What the articles claim
#
# - **C19** (article 004, section 1): *"PyTorch's dynamic graph makes it easier to debug and experiment with"*;
#   article 000 also asks, in a heading, why PyTorch is easier to use than TensorFlow.
# - **C14** (article 004), its debugging half: *"PyTorch is more flexible (Python control flow builds the graph,
#   easier to debug and experiment); TensorFlow's static graph can be optimized at compile time for
#   production."* Pair 01 tested the graph half; this pair tests "easier to debug and experiment".

# %% [markdown]
# ## 2. The idea
#
# Debugging is finding the line that is wrong. How easy that is depends on **when your Python code runs**:
#
# - **Eagerly**, each line runs when Python reaches it, on real numbers. An error is raised *at the line that
#   failed*, the traceback points at it, `print` prints values and a debugger stops there with everything in
#   reach. This is TensorFlow's default since 2.0 (2019), and PyTorch's from the start.
# - **Inside a graph**, your Python runs once per input signature to *trace* the computation, then the graph runs
#   without it. An error may come from tracing (on shapes, not values) or from the graph (far from your line);
#   Python's `print` runs only while tracing, `tf.print` is an op that runs with the graph; a debugger stops in
#   the tracing machinery. TensorFlow gets here with `tf.function`, and Keras `fit` wraps the training step in one
#   by default (`run_eagerly=False`). PyTorch gets here with `torch.compile`.
#
# So the articles' claim has two parts worth separating: is eager PyTorch easier to debug than *eager*
# TensorFlow, and is compiled PyTorch easier to debug than a TensorFlow graph? We measure both on the same three
# bugs, and count for every error how many traceback frames point into **your code** versus **framework code**,
# and whether the **culprit line** (the line that is wrong) is named in the traceback or in the message.

# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 The model, the data, and the numbers the twin prints too
#
# A two-layer network on 32 of the shipped 8x8 digit images. The weights come from NumPy with a fixed seed, so
# the PyTorch twin builds exactly the same model and prints the same loss.

# %%
# NBVAL_CHECK_OUTPUT
digits = load_digits()
images = tf.constant(digits.x_train[:32], dtype=tf.float32) / digits.max_value  # (32, 8, 8)
x = tf.reshape(images, (32, 64))
y = tf.constant(digits.y_train[:32])
rng = np.random.default_rng(0)
W1 = tf.Variable(rng.normal(0, 0.1, (64, 16)), dtype=tf.float32)
b1 = tf.Variable(tf.zeros(16))
W2 = tf.Variable(rng.normal(0, 0.1, (16, 10)), dtype=tf.float32)
b2 = tf.Variable(tf.zeros(10))


def forward(x):
    h = tf.nn.relu(x @ W1 + b1)
    return h @ W2 + b2


def loss_fn(model, x, y):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, model(x)))


print("images", tuple(images.shape), "-> x", tuple(x.shape))
print(f"loss on 32 digits: {float(loss_fn(forward, x, y)):.6f}")  # TWIN_PARITY: the twin prints this same line

# %% [markdown]
# ### 3.2 Bug 1: a shape error
#
# Forget to flatten the images and call `forward(images)`. Eagerly, the error comes from the line that failed.
# TensorFlow **filters** its tracebacks by default (`tf.debugging.is_traceback_filtering_enabled()` printed
# `True`): it removes most of its own frames before you see them.

# %%
SHAPE_LINE = "h = tf.nn.relu(x @ W1 + b1)"
results = {}
try:
    forward(images)
except tf.errors.InvalidArgumentError as err:
    print(first_line(err))
    results["shape, eager"] = anatomy(err, forward, SHAPE_LINE)
    frames = traceback.extract_tb(err.__traceback__)
else:
    raise AssertionError("forward(images) should fail: the images are not flattened")
for f in frames:
    print(f"  {frame_kind(f.filename):9} {f.name:24} {f.line}")
assert results["shape, eager"]["line in traceback"]

# %% [markdown]
# The same call through `tf.function`. Tracing runs `forward` on symbolic tensors (shapes, no values), so the
# shape error surfaces while tracing, as a `ValueError`; the traceback goes through AutoGraph's generated copy of
# `forward` (counted as "other"), and the message quotes the line "in user code".

# %%
graph_forward = tf.function(forward)
try:
    graph_forward(images)
except ValueError as err:
    print(first_line(err))
    results["shape, tf.function"] = anatomy(err, forward, SHAPE_LINE)
    message = str(err)
else:
    raise AssertionError("the tf.function forward should fail on unflattened images")
print(clean(message).strip().splitlines()[:4])
print("frames of the traceback by kind:", {k: v for k, v in results["shape, tf.function"].items()
                                            if k in ("user", "framework", "other")})
assert results["shape, tf.function"]["line in message"]

# %% [markdown]
# How much the filter hides: the same two errors with filtering switched off, then on again.

# %%
# NBVAL_CHECK_OUTPUT
tf.debugging.disable_traceback_filtering()
try:
    unfiltered = {}
    for mode, fn in (("eager", forward), ("tf.function", tf.function(forward))):
        try:
            fn(images)
        except (tf.errors.InvalidArgumentError, ValueError) as err:
            unfiltered[mode] = anatomy(err, forward, SHAPE_LINE)
        else:
            raise AssertionError("the shape error should happen")
finally:
    tf.debugging.enable_traceback_filtering()
for mode, row in unfiltered.items():
    print(f"{mode:12} unfiltered: {row['frames']} frames, {row['framework']} in tensorflow")
assert unfiltered["eager"]["framework"] > results["shape, eager"]["framework"]

# %% [markdown]
# To debug a `tf.function` as plain Python, `tf.config.run_functions_eagerly(True)` makes every `tf.function`
# run its Python eagerly, without touching the code (PyTorch's counterpart: `torch.compiler.set_stance
# ("force_eager")`, twin §3.2). Switch it back afterwards.

# %%
tf.config.run_functions_eagerly(True)
try:
    graph_forward(images)
except tf.errors.InvalidArgumentError as err:
    print(first_line(err))
    results["shape, tf.function, run_functions_eagerly"] = anatomy(err, forward, SHAPE_LINE)
else:
    raise AssertionError("run_functions_eagerly should still fail, eagerly")
finally:
    tf.config.run_functions_eagerly(False)
assert results["shape, tf.function, run_functions_eagerly"]["line in traceback"]

# %% [markdown]
# ### 3.3 Bug 2: a NaN
#
# Standardise each pixel before the network: subtract the mean, divide by the standard deviation. Some pixels of
# the digits are 0 in every image (the corners), so their standard deviation is 0 and `0 / 0` is NaN. Nothing
# fails: the loss is simply NaN.

# %%
NAN_LINE = "x = (x - tf.reduce_mean(x, 0)) / tf.math.reduce_std(x, 0)"


def forward_standardized(x):
    x = (x - tf.reduce_mean(x, 0)) / tf.math.reduce_std(x, 0)
    return forward(x)


def standardized_loss(x, y):
    return loss_fn(forward_standardized, x, y)


loss = standardized_loss(x, y)
print("loss:", float(loss), "| pixels with standard deviation 0:", int(tf.reduce_sum(tf.cast(tf.math.reduce_std(x, 0) == 0, tf.int32))))
assert np.isnan(float(loss))

# %% [markdown]
# TensorFlow's NaN hunter is `tf.debugging.enable_check_numerics()`: from then on, every op's output (eager, and
# in every graph traced afterwards) is checked for NaN and infinity, and the first op that makes one raises,
# naming the op and the line that created it. It checks the **forward** pass (and any gradient ops). It stays on
# until `tf.debugging.disable_check_numerics()`, which we call in `finally`.

# %%
tf.debugging.enable_check_numerics()
try:
    for mode, fn in (("eager", standardized_loss), ("tf.function", tf.function(standardized_loss))):
        try:
            fn(x, y)
        except tf.errors.InvalidArgumentError as err:
            results[f"NaN, {mode}, check_numerics"] = anatomy(err, forward_standardized, NAN_LINE)
            op = re.search(r'output 0 of [\w-]+ op "(\w+)"', str(err))
            print(f"{mode:12} {type(err).__name__}: NaN detected in op {op.group(1) if op else '?'}")
        else:
            raise AssertionError("check_numerics should raise on the NaN")
finally:
    tf.debugging.disable_check_numerics()
print("after disable_check_numerics, the same loss is quietly", float(standardized_loss(x, y)))
assert results["NaN, eager, check_numerics"]["line in traceback"]
assert results["NaN, tf.function, check_numerics"]["line in message"]

# %% [markdown]
# Both times it named `RealDiv`, the division, and the culprit line: eagerly in the traceback, in the graph in
# the message's "defined at" stack. Eagerly you can also bisect by hand, because every intermediate value is a real
# tensor:

# %%
# NBVAL_CHECK_OUTPUT
z = x - tf.reduce_mean(x, 0)
std = tf.math.reduce_std(x, 0)
count = lambda t: int(tf.reduce_sum(tf.cast(t, tf.int32)))
for name, value in (("x - mean", z), ("std", std), ("(x - mean) / std", z / std)):
    print(f"{name:18} NaN count: {count(tf.math.is_nan(value)):4}   zeros: {count(value == 0):4}")

# %% [markdown]
# ### 3.4 Bug 3: a wrong branch, and what `print` shows
#
# A global switch chooses the activation; an experiment flips it. The branches say which one ran, twice: with
# Python's `print`, and with `tf.print`, an op that prints when the graph runs (here into a log file we read
# back, so its lines land in this notebook in order).

# %%
log_dir = tempfile.mkdtemp()
LOG = os.path.join(log_dir, "tf_print.log")
ACTIVATION = "relu"


def forward_switch(x):
    z = x @ W1 + b1
    if ACTIVATION == "relu":
        print("  print: relu branch")
        tf.print("  tf.print: relu branch", output_stream="file://" + LOG)
        h = tf.nn.relu(z)
    else:
        print("  print: tanh branch")
        tf.print("  tf.print: tanh branch", output_stream="file://" + LOG)
        h = tf.tanh(z)
    return h @ W2 + b2


def branch_that_ran(out):
    """Which activation produced out, judged by recomputing both."""
    z = x @ W1 + b1
    for name, h in (("relu", tf.nn.relu(z)), ("tanh", tf.tanh(z))):
        if np.allclose(out.numpy(), (h @ W2 + b2).numpy(), atol=1e-6):
            return name


def tf_printed():
    """The tf.print lines written since the last call."""
    with open(LOG, "a+") as f:
        f.seek(0)
        lines = f.read().splitlines()
        f.truncate(0)
    return lines


# %%
# NBVAL_CHECK_OUTPUT
branches = {}
graph_switch = tf.function(forward_switch)
for mode, fn in (("eager", forward_switch), ("tf.function", graph_switch)):
    for ACTIVATION in ("relu", "tanh"):
        print(f"{mode}, ACTIVATION = {ACTIVATION!r}:")
        ran = branch_that_ran(fn(x))
        print("\n".join(tf_printed()))
        print(f"  the output came from: {ran}")
        branches[(mode, ACTIVATION)] = ran
print("traces of the tf.function:", graph_switch.experimental_get_tracing_count())
assert branches[("eager", "tanh")] == "tanh" and branches[("tf.function", "tanh")] == "relu"

# %% [markdown]
# Eagerly the switch works. The `tf.function` **kept running the relu branch** after the flip, silently: it traced
# `forward_switch` once, read `ACTIVATION` as a constant then, and does not re-trace when a Python global changes
# (the [`tf.function` API documentation](https://www.tensorflow.org/api_docs/python/tf/function): "only TensorFlow
# operations are guaranteed to run and create fresh results whenever the PolymorphicFunction is called"). Python's `print`
# ran once, while tracing; `tf.print` ran at every call and, after the flip, still said "relu": it is the one that
# tells you what the graph does. The traced graph shows which branch it holds:

# %%
# NBVAL_CHECK_OUTPUT
def op_types(fn, *args):
    graph = fn.get_concrete_function(*args).graph
    return sorted({op.type for op in graph.get_operations()} & {"Relu", "Tanh", "If", "StatelessIf", "PrintV2"})


print("forward_switch's graph holds:", op_types(graph_switch, x))


def forward_rescale(x):
    if tf.reduce_max(x) > 1:  # "the caller forgot to scale the pixels": a branch on data
        x = x / 16
    return forward(x)


graph_rescale = tf.function(forward_rescale)
print("forward_rescale's graph holds:", op_types(graph_rescale, x), "| traces:", graph_rescale.experimental_get_tracing_count())
assert "If" in op_types(graph_rescale, x) or "StatelessIf" in op_types(graph_rescale, x)

# %% [markdown]
# A branch on a Python value is frozen into the graph (only `Relu` above). A branch on a *tensor* value (`if
# tf.reduce_max(x) > 1`) is rewritten by AutoGraph into a graph conditional (`If`) that holds both branches, so it
# follows the data; there is no graph break in TensorFlow, either AutoGraph converts your Python or tracing fails.
# `tf.autograph.to_code(forward_rescale)` shows the rewritten code.
#
# ### 3.5 A debugger: `pdb` and `breakpoint()`
#
# `breakpoint()` calls `sys.breakpointhook`, by default `pdb.set_trace`. A notebook cannot type into `pdb`, so
# this hook starts a real `pdb.Pdb` that reads its commands from a string and writes to a buffer we print:
# `p x.shape`, `p float(tf.reduce_sum(x))`, then `c` (continue). (In Jupyter, `pdb.Pdb` is IPython's `ipdb`,
# hence the `ipdb>` prompt, and ipykernel installs its own `sys.breakpointhook`, debugpy's, for JupyterLab's
# visual debugger; the cell below puts it back when done.)

# %%
transcripts = []


def scripted_pdb(*args, **kwargs):
    out = io.StringIO()
    debugger = pdb.Pdb(stdin=io.StringIO("p x.shape\np float(tf.reduce_sum(x))\nc\n"), stdout=out)
    debugger.use_rawinput = False
    transcripts.append(out)
    debugger.set_trace(sys._getframe(1))  # stop in the caller of breakpoint(), as pdb.set_trace() does


def forward_debug(x):
    breakpoint()
    h = tf.nn.relu(x @ W1 + b1)
    return h @ W2 + b2


def stops(fn, calls=2):
    """Call fn on two batches under the scripted debugger; return where each stop landed."""
    transcripts.clear()
    previous, sys.breakpointhook = sys.breakpointhook, scripted_pdb
    try:
        for i in range(calls):
            fn(x[8 * i: 8 * i + 8])
    finally:
        sys.breakpointhook = previous
    return [clean(t.getvalue()) for t in transcripts]


eager_stops = stops(forward_debug)
print(f"eager: {len(eager_stops)} stops; the first one:\n{eager_stops[0]}")
assert len(eager_stops) == 2 and "<cell>" in eager_stops[0] and "TensorShape([8, 64])" in eager_stops[0]

# %% [markdown]
# Eagerly `pdb` stops on the next line of `forward_debug`, with the real batch in reach, at every call. Inside a
# `tf.function` (TensorFlow also logs a warning that AutoGraph's code is not made for step-by-step debugging):

# %%
graph_stops = stops(tf.function(forward_debug))
for i, transcript in enumerate(graph_stops):
    print(f"tf.function, stop {i + 1}:\n{transcript}")
assert len(graph_stops) == 1 and "<cell>" not in graph_stops[0]

# %% [markdown]
# One stop for two calls: `breakpoint()` ran while tracing, in AutoGraph's generated copy of the function
# (`__autograph_generated_file...`), where `x` is a symbolic tensor with a shape and no values (`float(...)` of it
# fails). The second call ran the graph, and Python never saw it. For a debugger, run eagerly:

# %%
tf.config.run_functions_eagerly(True)
try:
    forced_stops = stops(tf.function(forward_debug))
finally:
    tf.config.run_functions_eagerly(False)
print(f"run_functions_eagerly: {len(forced_stops)} stops, in your code: {sum('<cell>' in t for t in forced_stops)}")
assert len(forced_stops) == 2 and all("<cell>" in t for t in forced_stops)
shutil.rmtree(log_dir)

# %% [markdown]
# ### 3.6 The measurements in one table
#
# Every error above, counted the same way (the twin counts the PyTorch errors with the same function): frames of
# the traceback in this notebook's cells (**user**), in `tensorflow` (**framework**), elsewhere (**other**:
# Python's standard library, AutoGraph's generated code); and whether the culprit line is named in the traceback
# or in the message.

# %%
# NBVAL_CHECK_OUTPUT
columns = ["error", "frames", "user", "framework", "other", "line in traceback", "line in message"]
print(f"| bug, mode | {' | '.join(columns)} |\n|---|{'---|' * len(columns)}")
for case, row in results.items():
    print(f"| {case} | " + " | ".join(str(row[c]) for c in columns) + " |")
print("\nwrong branch (ACTIVATION flipped to 'tanh'): eager ran", branches[("eager", "tanh")],
      "| tf.function ran", branches[("tf.function", "tanh")])
print(f"breakpoint(): eager {len(eager_stops)}/2 stops in your code | tf.function "
      f"{sum('<cell>' in t for t in graph_stops)}/{len(graph_stops)} | run_functions_eagerly "
      f"{sum('<cell>' in t for t in forced_stops)}/{len(forced_stops)}")

# %% [markdown]
# ## 4. What you just saw
#
# - **Eager TensorFlow is as direct as eager PyTorch.** The shape error's traceback (§3.2) named the failing line,
#   with 2 frames in your code and 2 in TensorFlow (the twin's eager PyTorch traceback had 0); without TensorFlow's
#   traceback filter it would have been several times longer (the unfiltered counts). `pdb` stopped in your code at
#   every call with the real batch (§3.5).
# - **In a graph, the traceback stays short but the debugger is lost.** The traced shape error came back as a
#   `ValueError` with few frames (the filter again), the culprit line quoted "in user code". `breakpoint()` stopped
#   once, while tracing, on symbolic tensors (§3.5). `run_functions_eagerly(True)` brought back eager behaviour
#   for both.
# - **The NaN is where TensorFlow's tools are best.** `enable_check_numerics` named the `RealDiv` op and the
#   culprit line, eagerly and in a graph (§3.3, the table's `line in traceback` / `line in message`). The twin's
#   anomaly mode, which watches PyTorch's backward pass, named neither.
# - **The wrong branch is where graphs bite.** After the flip, the `tf.function` ran the stale relu branch with no
#   error, and Python's `print` stayed silent (§3.4); only `tf.print` showed it. The twin's `torch.compile`
#   recompiled on the changed global and ran tanh.
# - What this does **not** show: how hard bugs in large programs are (this is one model, three bugs), Keras-level
#   errors (`model.fit` runs a `tf.function` unless `run_eagerly=True`), XLA-compiled code (`jit_compile=True`),
#   or GPU-only failures.

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C19 | **holds partly** | Eagerly, TensorFlow is no harder to debug: §3.6's table printed the eager shape error with the culprit line named and 2 user frames (plus 2 TensorFlow frames; the twin's §3.6 table has the eager PyTorch counts), and `pdb` stopped in user code 2 of 2 times (§3.5). In graphs, the claim holds for branches and debuggers: the `tf.function` ran the stale relu branch silently after the flip (§3.4) and `breakpoint()` stopped only once, at trace time (§3.5), where the twin's `torch.compile` ran tanh. It does not hold for NaNs: `enable_check_numerics` named the culprit line eagerly and in the graph (§3.6), the twin's anomaly mode did not. Since TF 2.0 (2019) TensorFlow runs eagerly by default too; the difference left is how often TensorFlow code runs as a graph (every `tf.function`, and Keras `fit` by default). |
# | C14 | **holds partly** | The graph half is pair 01's (its §3.3–3.6): AutoGraph converts Python control flow, with retracing pitfalls, and compile-time optimisation is no longer TensorFlow's alone. The "easier to debug and experiment" half, measured here, holds for branches and debuggers in graphs (§3.4, §3.5), not for NaNs (§3.3), and not for eager code (§3.2); see C19. |

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** Write `safe_standardize(x)`: per column, subtract the mean and divide by the standard
# deviation, but leave constant columns at 0 instead of NaN. It must stay tensor operations (no Python loop over
# columns), so that it also runs in a `tf.function`.

# %% tags=["solution"] jupyter={"source_hidden": true}
def safe_standardize(x):
    std = tf.math.reduce_std(x, 0)
    return (x - tf.reduce_mean(x, 0)) / tf.where(std > 0, std, tf.ones_like(std))

# %% tags=["check"]
xs = safe_standardize(x).numpy()
constant = (tf.math.reduce_std(x, 0) == 0).numpy()
print("NaN count:", int(np.isnan(xs).sum()), "| constant columns all zero:", bool((xs[:, constant] == 0).all()))
assert not np.isnan(xs).any() and (xs[:, constant] == 0).all(), "NaNs left: a constant column must become 0"
assert np.allclose(xs[:, ~constant].std(0), 1.0, atol=1e-5), "the other columns must have standard deviation 1"
assert not np.isnan(tf.function(safe_standardize)(x).numpy()).any(), "as a tf.function, it gives NaNs"

# %% [markdown]
# **Exercise 2.** Make the switch of §3.4 work in a graph: write `forward_with(x, activation)` that takes the
# activation (`"relu"` or `"tanh"`) as an argument instead of reading a global. A Python argument is part of a
# `tf.function`'s signature: a new value triggers a new trace.

# %% tags=["solution"] jupyter={"source_hidden": true}
def forward_with(x, activation):
    z = x @ W1 + b1
    h = tf.nn.relu(z) if activation == "relu" else tf.tanh(z)
    return h @ W2 + b2

# %% tags=["check"]
graph_with = tf.function(forward_with)
ran = {activation: branch_that_ran(graph_with(x, activation)) for activation in ("relu", "tanh", "relu")}
print("asked -> ran:", ran, "| traces:", graph_with.experimental_get_tracing_count())
assert ran == {"relu": "relu", "tanh": "tanh"} and graph_with.experimental_get_tracing_count() == 2, (
    "each activation must run its own branch, traced once per activation")

# %% [markdown]
# ## 7. Summary
#
# 1. Eager TensorFlow tracebacks point at your line (TensorFlow filters its own frames out);
#    `print`, value checks and `breakpoint()` work as in any Python program.
# 2. Inside a `tf.function`, Python runs only while tracing: `print` and `breakpoint()` fire then, on symbolic
#    tensors; `tf.print` runs with the graph. `tf.config.run_functions_eagerly(True)` debugs it as plain Python.
# 3. A Python value (a global, a flag) read inside a `tf.function` is frozen at trace time: pass it as an
#    argument, or make it a tensor or `tf.Variable`.
# 4. `tf.debugging.enable_check_numerics()` names the first op, and the line, that made a NaN or an infinity;
#    turn it off with `disable_check_numerics()` when done.
#
# Back to the course map: [00_start_here.ipynb](00_start_here.ipynb).
