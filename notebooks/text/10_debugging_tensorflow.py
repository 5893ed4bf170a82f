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
from utils.start import start_tensorflow

device = start_tensorflow(seed=0)  # debugging is the same on every device; TensorFlow places the ops
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
import numpy as np
import tensorflow as tf

from utils.data import load_digits

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
# TensorFlow **filters** its tracebacks by default (the cell prints `tf.debugging.is_traceback_filtering_enabled()`
# first): it removes most of its own frames before you see them.

# %%
import traceback

from pairs.debugging.tracebacks import Tracebacks

reader = Tracebacks.here()  # counts each traceback's frames: in this notebook's cells ("user"), in TensorFlow, other
print("traceback filtering on by default:", tf.debugging.is_traceback_filtering_enabled())
SHAPE_LINE = "h = tf.nn.relu(x @ W1 + b1)"
results = {}
try:
    forward(images)
except tf.errors.InvalidArgumentError as err:
    print(reader.first_line(err))
    results["shape, eager"] = reader.count(err, forward, SHAPE_LINE)
    frames = traceback.extract_tb(err.__traceback__)
else:
    raise AssertionError("forward(images) should fail: the images are not flattened")
for f in frames:
    print(f"  {reader.kind(f.filename):9} {f.name:24} {f.line}")
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
    print(reader.first_line(err))
    results["shape, tf.function"] = reader.count(err, forward, SHAPE_LINE)
    message = str(err)
else:
    raise AssertionError("the tf.function forward should fail on unflattened images")
print(reader.clean(message).strip().splitlines()[:4])
print(
    "frames of the traceback by kind:",
    {k: v for k, v in results["shape, tf.function"].items() if k in ("user", "framework", "other")},
)
assert results["shape, tf.function"]["line in message"]

# %% [markdown]
# How much the filter hides: the same two errors with filtering switched off, then on again. (The counts are this
# release's; a new TensorFlow may add or drop a helper frame. The cell asserts only that the filter hid some.)

# %%
tf.debugging.disable_traceback_filtering()
try:
    unfiltered = {}
    for mode, fn in (("eager", forward), ("tf.function", tf.function(forward))):
        try:
            fn(images)
        except (tf.errors.InvalidArgumentError, ValueError) as err:
            unfiltered[mode] = reader.count(err, forward, SHAPE_LINE)
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
    print(reader.first_line(err))
    results["shape, tf.function, run_functions_eagerly"] = reader.count(err, forward, SHAPE_LINE)
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
print(
    "loss:",
    float(loss),
    "| pixels with standard deviation 0:",
    int(tf.reduce_sum(tf.cast(tf.math.reduce_std(x, 0) == 0, tf.int32))),
)
assert np.isnan(float(loss))

# %% [markdown]
# TensorFlow's NaN hunter is `tf.debugging.enable_check_numerics()`: from then on, every op's output (eager, and
# in every graph traced afterwards) is checked for NaN and infinity, and the first op that makes one raises,
# naming the op and the line that created it. It checks the **forward** pass (and any gradient ops). It stays on
# until `tf.debugging.disable_check_numerics()`, which we call in `finally`.

# %%
import re

tf.debugging.enable_check_numerics()
try:
    for mode, fn in (("eager", standardized_loss), ("tf.function", tf.function(standardized_loss))):
        try:
            fn(x, y)
        except tf.errors.InvalidArgumentError as err:
            results[f"NaN, {mode}, check_numerics"] = reader.count(err, forward_standardized, NAN_LINE)
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


def count(t):
    return int(tf.reduce_sum(tf.cast(t, tf.int32)))


for name, value in (("x - mean", z), ("std", std), ("(x - mean) / std", z / std)):
    print(f"{name:18} NaN count: {count(tf.math.is_nan(value)):4}   zeros: {count(value == 0):4}")

# %% [markdown]
# ### 3.4 Bug 3: a wrong branch, and what `print` shows
#
# A global switch chooses the activation; an experiment flips it. The branches say which one ran, twice: with
# Python's `print`, and with `tf.print`, an op that prints when the graph runs (here into a log file we read
# back, so its lines land in this notebook in order).

# %%
import os
import tempfile

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


# %% [markdown]
# `tf.print` writes to a file here, and this reads back what it wrote since the last call, so its lines appear
# in order with Python's:


# %%
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
print(
    "forward_rescale's graph holds:",
    op_types(graph_rescale, x),
    "| traces:",
    graph_rescale.experimental_get_tracing_count(),
)
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
import io
import pdb
import shutil
import sys

transcripts = []


def scripted_pdb(*args, **kwargs):
    out = io.StringIO()
    debugger = pdb.Pdb(stdin=io.StringIO("p x.shape\np float(tf.reduce_sum(x))\nc\n"), stdout=out)
    debugger.use_rawinput = False
    transcripts.append(out)
    debugger.set_trace(sys._getframe(1))  # stop in the caller of breakpoint(), as pdb.set_trace() does


def stops(fn, calls=2):
    """Call fn on two batches under the scripted debugger; return where each stop landed."""
    transcripts.clear()
    previous, sys.breakpointhook = sys.breakpointhook, scripted_pdb
    try:
        for i in range(calls):
            fn(x[8 * i : 8 * i + 8])
    finally:
        sys.breakpointhook = previous
    return [reader.clean(t.getvalue()) for t in transcripts]


# %% [markdown]
# The function under the debugger: the two-layer forward with a `breakpoint()` on its first line.


# %%
def forward_debug(x):
    breakpoint()
    h = tf.nn.relu(x @ W1 + b1)
    return h @ W2 + b2


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
# fails). The second call ran the graph, and Python never saw it. This does not depend on the Python version. The
# twin's `torch.compile` does: on Python 3.11 (its stored run) its two stops landed in PyTorch's machinery, 0 of 2
# in your function; from 3.13 on, both land on the `breakpoint()` line with the real batch. In neither framework
# can the debugger step into the compiled lines after the breakpoint. For a debugger, run eagerly:

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
from pairs.debugging.tracebacks import share  # "none", "some" or "most" (more than half) of the frames

columns = ["error", "frames", "user", "framework", "other", "line in traceback", "line in message"]
print(f"| bug, mode | {' | '.join(columns)} | framework's share |\n|---|{'---|' * (len(columns) + 1)}")
for case, row in results.items():
    print(f"| {case} | " + " | ".join(str(row[c]) for c in columns) + f" | {share(row)} |")
assert results["shape, eager"]["line in traceback"] and share(results["shape, eager"]) != "most"

# %% [markdown]
# The exact frame counts are this release's: a new TensorFlow adds or removes a helper frame now and then. What the
# lesson rests on does not move with them: how many frames are **yours**, whether the framework's are none, some or
# most of the traceback, and whether the culprit line is named. That is what this checked summary prints:

# %%
# NBVAL_CHECK_OUTPUT
for case, row in results.items():
    print(
        f"{case:42} {row['error']:20} your frames: {row['user']}, TensorFlow's: {share(row):4}, culprit line "
        f"named in traceback: {row['line in traceback']!s:5}, in message: {row['line in message']}"
    )
print(
    "\nwrong branch (ACTIVATION flipped to 'tanh'): eager ran",
    branches[("eager", "tanh")],
    "| tf.function ran",
    branches[("tf.function", "tanh")],
)
print(
    f"breakpoint(): eager {len(eager_stops)}/2 stops in your code | tf.function "
    f"{sum('<cell>' in t for t in graph_stops)}/{len(graph_stops)} | run_functions_eagerly "
    f"{sum('<cell>' in t for t in forced_stops)}/{len(forced_stops)}"
)

# %% [markdown]
# ## 4. What you just saw
#
# - **Eager TensorFlow is as direct as eager PyTorch.** The shape error's traceback (§3.2) named the failing line,
#   with 2 frames in your code and 2 in TensorFlow (share "some"; the twin's eager PyTorch traceback had none of
#   torch's); without TensorFlow's
#   traceback filter it would have been several times longer (the unfiltered counts). `pdb` stopped in your code at
#   every call with the real batch (§3.5).
# - **In a graph, the traceback stays short but the debugger is lost.** The traced shape error came back as a
#   `ValueError` with few frames (the filter again), the culprit line quoted "in user code". `breakpoint()` stopped
#   once, while tracing, on symbolic tensors: `x`'s shape, no values (§3.5). The twin's `torch.compile` fared no
#   better on Python 3.11, 0 of 2 stops in your function; from 3.13 it stops on the `breakpoint()` line with the
#   real batch. `run_functions_eagerly(True)` brought back eager behaviour for both.
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
# | C19 | **holds partly** | Eagerly it does not hold: both frameworks are direct. §3.6 counted the eager shape error with the culprit line named and 2 user frames (plus 2 of TensorFlow's, share "some"), and `pdb` stopped in your code 2 of 2 times (§3.5); the twin's eager PyTorch named the line too and stopped 2 of 2. In compiled code it holds for branches and `print`: the `tf.function` ran the stale relu branch silently after the flip and printed only while tracing (§3.4), where the twin's `torch.compile` followed the flag. It does not hold for NaNs: `enable_check_numerics` named the culprit line eagerly and in the graph (§3.6), the twin's anomaly mode did not. A debugger in compiled code is hard in both, and which is worse depends on Python: here `breakpoint()` stopped once, at trace time, with `x`'s shape and no values (§3.5); on 3.11 (the twin's stored outputs) `torch.compile`'s stops landed in your code 0 of 2 times; from 3.13 PyTorch stops on the `breakpoint()` line with the real `x` (asserted there, not stored); in neither can you step into the compiled lines after it. What makes debugging easy today is running eagerly, TensorFlow's default too since 2.0 (2019); the difference left is how often TensorFlow code runs as a graph (every `tf.function`, and Keras `fit` by default). |
# | C14 | **holds partly** | The graph half is pair 01's (its §3.3–3.6): AutoGraph converts Python control flow, with retracing pitfalls, and compile-time optimisation is no longer TensorFlow's alone. The "easier to debug and experiment" half, measured here and in the twin the same way: it holds for branches and `print` in compiled code (§3.4), not for eager code (both frameworks direct, §3.2, §3.5), not for NaNs (§3.3); a debugger in compiled code is hard in both, PyTorch's stop depending on the Python version (§3.5). See C19. |

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
    "each activation must run its own branch, traced once per activation"
)

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
