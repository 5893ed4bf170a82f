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
# # 10 · Debugging eager code and compiled graphs (PyTorch)
#
# Twin: [10_debugging_tensorflow.ipynb](10_debugging_tensorflow.ipynb) · Start: [00_start_here.ipynb](00_start_here.ipynb)
#
# Three bugs every model meets (a shape error, a NaN, a wrong branch) hunted in PyTorch, first eagerly, then
# inside a graph captured by `torch.compile`: reading the error message, `print`, `pdb`/`breakpoint()`,
# `torch.autograd.detect_anomaly`, `torch._dynamo.explain` and graph-break reasons, and
# `torch.compiler.set_stance("force_eager")`. The same bugs, on the same model and data, are hunted in the
# TensorFlow twin, and both notebooks **count** what each traceback shows. About 25 s on a 2-core laptop (most of
# it is `torch.compile` compiling C++ once; a second run reuses its cache).
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/10_debugging_pytorch.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/10_debugging_pytorch.ipynb)

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

from utils.start import start_torch

device = start_torch(seed=0)  # debugging is the same on every device; these tiny tensors stay on the CPU

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
#   reach. This is PyTorch's default, and TensorFlow's since 2.0 (2019).
# - **Inside a compiled graph**, your Python runs once (or a few times) to *capture* the computation, then the
#   captured graph runs without it. An error may come from the capture step (on shapes, not values) or from the
#   graph (far from your line); `print` runs when Python runs, which may not be when the graph does; a debugger
#   may stop in the capturing machinery (for `torch.compile`, that depends on the Python version, §3.5). PyTorch gets here with `torch.compile`; TensorFlow with `tf.function` (and
#   Keras `fit`, which wraps the training step in one by default).
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
# the TensorFlow twin builds exactly the same model and prints the same loss.

# %%
# NBVAL_CHECK_OUTPUT
import numpy as np
import torch.nn.functional as F

from utils.data import load_digits

digits = load_digits()
images = torch.tensor(digits.x_train[:32], dtype=torch.float32) / digits.max_value  # (32, 8, 8)
x = images.reshape(32, 64)
y = torch.tensor(digits.y_train[:32])
rng = np.random.default_rng(0)
W1 = torch.tensor(rng.normal(0, 0.1, (64, 16)), dtype=torch.float32, requires_grad=True)
b1 = torch.zeros(16, requires_grad=True)
W2 = torch.tensor(rng.normal(0, 0.1, (16, 10)), dtype=torch.float32, requires_grad=True)
b2 = torch.zeros(10, requires_grad=True)


def forward(x):
    h = torch.relu(x @ W1 + b1)
    return h @ W2 + b2


def loss_fn(model, x, y):
    return F.cross_entropy(model(x), y)


print("images", tuple(images.shape), "-> x", tuple(x.shape))
print(f"loss on 32 digits: {loss_fn(forward, x, y).item():.6f}")  # TWIN_PARITY: the twin prints this same line

# %% [markdown]
# ### 3.2 Bug 1: a shape error
#
# Forget to flatten the images and call `forward(images)`. Eagerly, the error comes from the line that failed:

# %%
import traceback

from pairs.debugging.tracebacks import Tracebacks

reader = Tracebacks.here()  # counts each traceback's frames: in this notebook's cells ("user"), in torch, other
SHAPE_LINE = "h = torch.relu(x @ W1 + b1)"
results = {}
try:
    forward(images)
except RuntimeError as err:
    print(reader.first_line(err))
    results["shape, eager"] = reader.count(err, forward, SHAPE_LINE)
    frames = traceback.extract_tb(err.__traceback__)
else:
    raise AssertionError("forward(images) should fail: the images are not flattened")
for f in frames:
    print(f"  {reader.kind(f.filename):9} {f.name:12} {f.line}")
assert results["shape, eager"]["line in traceback"]

# %% [markdown]
# The same call through `torch.compile`. Dynamo traces `forward` with *fake* tensors (shapes, no values) before
# running anything, so the shape error surfaces during tracing, as a `TorchRuntimeError`, and the traceback walks
# through the compiler. The message quotes "from user code" with the line.

# %%
import logging

# Dynamo logs the failed shape check to stderr, with full file paths, before raising; the error says it all.
logging.getLogger("torch._subclasses.fake_tensor").setLevel(logging.CRITICAL)
compiled_forward = torch.compile(forward)
try:
    compiled_forward(images)
except RuntimeError as err:
    print(reader.first_line(err))
    results["shape, torch.compile"] = reader.count(err, forward, SHAPE_LINE)
    message = str(err)
else:
    raise AssertionError("the compiled forward should fail on unflattened images")
print(reader.clean(message[message.index("from user code") :]).strip().splitlines()[:3])
print(
    "frames of the traceback by kind:",
    {k: v for k, v in results["shape, torch.compile"].items() if k in ("user", "framework", "other")},
)
assert results["shape, torch.compile"]["framework"] > results["shape, eager"]["framework"]

# %% [markdown]
# The error message itself suggests the fix for debugging: `torch.compiler.set_stance("force_eager")` makes every
# `torch.compile`d function run eagerly without touching the code (PyTorch's counterpart of TensorFlow's
# `tf.config.run_functions_eagerly(True)`, twin §3.2). Switch it back afterwards.

# %%
torch.compiler.set_stance("force_eager")
try:
    compiled_forward(images)
except RuntimeError as err:
    print(reader.first_line(err))
    results["shape, compiled, force_eager"] = reader.count(err, forward, SHAPE_LINE)
else:
    raise AssertionError("force_eager should still fail, eagerly")
finally:
    torch.compiler.set_stance("default")
assert results["shape, compiled, force_eager"]["line in traceback"]

# %% [markdown]
# ### 3.3 Bug 2: a NaN
#
# Standardise each pixel before the network: subtract the mean, divide by the standard deviation. Some pixels of
# the digits are 0 in every image (the corners), so their standard deviation is 0 and `0 / 0` is NaN. Nothing
# fails: the loss is simply NaN.

# %%
NAN_LINE = "x = (x - x.mean(0)) / x.std(0, correction=0)"


def forward_standardized(x):
    x = (x - x.mean(0)) / x.std(0, correction=0)
    return forward(x)


loss = loss_fn(forward_standardized, x, y)
print("loss:", loss.item(), "| pixels with standard deviation 0:", int((x.std(0) == 0).sum()))
assert torch.isnan(loss)

# %% [markdown]
# PyTorch's NaN hunter is **anomaly mode**: `torch.autograd.detect_anomaly()` checks every backward function's
# output and, when one returns NaN, raises and warns with the *forward* traceback of the operation concerned. It
# watches the **backward** pass only. The warning would print machine paths, so we catch it and count what it
# names.

# %%
import warnings


def standardized_loss(x, y):
    return loss_fn(forward_standardized, x, y)


def backward_with_anomaly(loss_of):
    """Run backward under anomaly mode; return the error and the warnings' text (the forward traceback)."""
    with warnings.catch_warnings(record=True) as caught, torch.autograd.detect_anomaly():
        warnings.simplefilter("always")
        try:
            loss_of(x, y).backward()
        except RuntimeError as err:
            return err, "\n".join(str(w.message) for w in caught)
        else:
            raise AssertionError("anomaly mode should raise on the NaN gradient")


err, notes = backward_with_anomaly(standardized_loss)
print(reader.first_line(err))
print("your lines the forward traceback quotes:", reader.quoted_user_lines(notes))
results["NaN, eager, detect_anomaly"] = reader.count(err, forward_standardized, NAN_LINE, notes)
assert "LogSoftmaxBackward0" in str(err) and not results["NaN, eager, detect_anomaly"]["line in message"]

# %% [markdown]
# It names `F.cross_entropy(...)`, the first place where a *gradient* turned NaN, not the division that made the
# NaN in the forward pass: the culprit line appears nowhere. Eagerly the hunt is easy anyway, because every
# intermediate value is a real tensor you can test, line by line:

# %%
# NBVAL_CHECK_OUTPUT
z = x - x.mean(0)
for name, value in (("x - mean", z), ("std", x.std(0, correction=0)), ("(x - mean) / std", z / x.std(0, correction=0))):
    print(f"{name:18} NaN count: {int(torch.isnan(value).sum()):4}   zeros: {int((value == 0).sum()):4}")

# %% [markdown]
# Through `torch.compile` the forward and backward passes each become one compiled function, so anomaly mode can
# only say that the compiled backward returned NaN. (Inductor, the default backend, compiles C++ here; without a
# C++ compiler the cell uses the `aot_eager` backend, which captures the same graphs and skips the code
# generation, and says so; Debian's and Ubuntu's python3 also need python3.X-dev for `Python.h`.)

# %%
from utils.machine import inductor_missing

inductor_gap = inductor_missing()  # Inductor builds C++ with $CXX (else g++) against this Python's Python.h
inductor_ready = inductor_gap is None
backend = "inductor" if inductor_ready else "aot_eager"
if not inductor_ready:
    print(
        f"Inductor cannot build here ({inductor_gap}): using backend='aot_eager' (same capture, no code "
        "generation); with it, Inductor would compile the same graphs and anomaly mode would report the same "
        "'CompiledFunctionBackward'."
    )
err, notes = backward_with_anomaly(torch.compile(standardized_loss, backend=backend))
print(reader.first_line(err))
print("your lines the forward traceback quotes:", reader.quoted_user_lines(notes))
results["NaN, torch.compile, detect_anomaly"] = reader.count(err, forward_standardized, NAN_LINE, notes)
assert "CompiledFunctionBackward" in str(err)

# %% [markdown]
# ### 3.4 Bug 3: a wrong branch, and what `print` shows
#
# A global switch chooses the activation; an experiment flips it. The branches `print` which one ran.

# %%
ACTIVATION = "relu"


def forward_switch(x):
    z = x @ W1 + b1
    if ACTIVATION == "relu":
        print("  print: relu branch")
        h = torch.relu(z)
    else:
        print("  print: tanh branch")
        h = torch.tanh(z)
    return h @ W2 + b2


def branch_that_ran(out):
    """Which activation produced out, judged by recomputing both."""
    with torch.no_grad():
        z = x @ W1 + b1
        for name, h in (("relu", torch.relu(z)), ("tanh", torch.tanh(z))):
            if torch.allclose(out, h @ W2 + b2):
                return name


# %%
# NBVAL_CHECK_OUTPUT
branches = {}
compiled_switch = torch.compile(forward_switch, backend=backend)
for mode, fn in (("eager", forward_switch), ("torch.compile", compiled_switch)):
    for ACTIVATION in ("relu", "tanh"):
        print(f"{mode}, ACTIVATION = {ACTIVATION!r}:")
        with torch.no_grad():
            ran = branch_that_ran(fn(x))
        print(f"  the output came from: {ran}")
        branches[(mode, ACTIVATION)] = ran
assert all(asked == ran for (mode, asked), ran in branches.items())

# %% [markdown]
# Both modes follow the switch. `torch.compile` **guards** every Python value its graph depends on: the global
# `ACTIVATION` is checked before each call, and a changed value recompiles. The `print`s ran at every call too:
# Dynamo cannot put `print` in a graph, so it **breaks the graph** there and runs the `print` in Python. Correct,
# but the function now runs as several pieces. `torch._dynamo.explain` lists the pieces and why; here with a
# second kind of branch, one on a tensor's *value*:


# %%
# NBVAL_CHECK_OUTPUT
def forward_rescale(x):
    if x.max() > 1:  # "the caller forgot to scale the pixels": a branch on data
        x = x / 16
    return forward(x)


ACTIVATION = "relu"
for fn in (forward_switch, forward_rescale):
    report = torch._dynamo.explain(fn)(x)
    print(f"{fn.__name__}: {report.graph_count} graphs, {report.graph_break_count} graph breaks")
    for reason in report.break_reasons:
        where = reason.user_stack[-1]
        print(
            f"  line {where.lineno - fn.__code__.co_firstlineno} of {fn.__name__}, "
            f"{where.line.strip()!r}: {reason.reason.strip().splitlines()[0][:60]}"
        )
assert torch._dynamo.explain(forward_rescale)(x).graph_break_count >= 1

# %% [markdown]
# Each break names the line and the reason: for the `print`, Dynamo cannot trace the builtin; for `if x.max() >
# 1`, the branch depends on a value it does not know while tracing (a `generic_jump` on a tensor). Dynamo splits the
# function there and lets Python take the branch, so the result is always the eager one; the cost is speed
# (pair 01, §3.5), not correctness. `TORCH_LOGS="graph_breaks"` prints the same reasons while a program runs.
#
# ### 3.5 A debugger: `pdb` and `breakpoint()`
#
# `breakpoint()` calls `sys.breakpointhook`, by default `pdb.set_trace`. A notebook cannot type into `pdb`, so
# this hook starts a real `pdb.Pdb` that reads its commands from a string and writes to a buffer we print:
# `p x.shape`, `p float(x.sum())`, then `c` (continue). (In Jupyter, `pdb.Pdb` is IPython's `ipdb`, hence the
# `ipdb>` prompt, and ipykernel installs its own `sys.breakpointhook`, debugpy's, for JupyterLab's visual debugger;
# the cell below puts it back when done.)

# %%
import io
import pdb
import sys

transcripts = []
pdb_commands = "p x.shape\np float(x.sum())\nc\n"  # what you would type at the prompt


def scripted_pdb(*args, **kwargs):
    out = io.StringIO()
    debugger = pdb.Pdb(stdin=io.StringIO(pdb_commands), stdout=out)
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
    h = torch.relu(x @ W1 + b1)
    return h @ W2 + b2


eager_stops = stops(forward_debug)
print(f"eager: {len(eager_stops)} stops; the first one:\n{eager_stops[0]}")
assert len(eager_stops) == 2 and "<cell>" in eager_stops[0] and "torch.Size([8, 64])" in eager_stops[0]

# %% [markdown]
# Eagerly `pdb` stops in `forward_debug`, with the real batch in reach, at every call: on the line after
# `breakpoint()` up to Python 3.12, on the `breakpoint()` line itself from 3.13, which made `breakpoint()` and
# `pdb.set_trace()` stop at once instead of at the next line Python runs (python/cpython#118579). Under
# `torch.compile` that change decides where the debugger lands:

# %%
compiled_stops = stops(torch.compile(forward_debug, backend=backend))
for i, transcript in enumerate(compiled_stops):
    print(f"compiled, stop {i + 1}:\n{transcript}")
compiled_in_your_code = sum("<cell>" in t for t in compiled_stops)
print(
    f"Python {sys.version_info.major}.{sys.version_info.minor}: {compiled_in_your_code} of {len(compiled_stops)} "
    "compiled stops in your function"
)
if sys.version_info >= (3, 13):  # the stop is at once, in the frame that called breakpoint(): forward_debug's
    assert compiled_in_your_code == len(compiled_stops) == 2
    assert all("torch.Size([8, 64])" in t for t in compiled_stops), "x should be in reach at the stop"
else:  # the stop is at the next line Python runs, and that line is Dynamo's, not yours
    assert compiled_stops and compiled_in_your_code == 0

# %% [markdown]
# `breakpoint()` still fires at every call: Dynamo cannot put it in a graph, so it breaks the graph there and
# runs the call in Python, at run time, in `forward_debug`'s own frame. Where `pdb` then stops depends on Python:
#
# - **Python 3.11 and 3.12**: `pdb` stops at the *next line* Python runs, and after the graph break that line is
#   in **PyTorch's and Python's machinery** (guards, saving the random state: the file names above), where `x` is
#   not defined; the compiled rest of `forward_debug` has no Python lines to stop on.
# - **Python 3.13 and later**: `pdb` stops at once, on the `breakpoint()` line of `forward_debug`, with `x` in
#   reach, as eagerly.
#
# The outputs stored in this notebook come from **Python 3.11** (the line above prints the version it ran on), so
# they show the first case: 0 of 2 stops in your function. On 3.13 the same cell prints 2 of 2, and each stop
# shows `torch.Size([8, 64])` for `p x.shape`: the cell asserts exactly that when it runs there (the
# `sys.version_info >= (3, 13)` branch), but no stored output of this course shows it.
#
# Either way, can you step on into the rest of your function? Type `n` (next line) twice, then ask for `h`, which
# the line after `breakpoint()` computes:

# %%
pdb_commands = "n\nn\np h.shape\nc\n"
try:
    eager_steps = stops(forward_debug, calls=1)[0]
    compiled_steps = stops(torch.compile(forward_debug, backend=backend), calls=1)[0]
finally:
    pdb_commands = "p x.shape\np float(x.sum())\nc\n"
print(f"eager, n, n, p h.shape:\n{eager_steps}\ncompiled, n, n, p h.shape:\n{compiled_steps}")
assert "torch.Size([8, 16])" in eager_steps
assert "name 'h' is not defined" in compiled_steps, "compiled, the lines after breakpoint() should be out of reach"

# %% [markdown]
# Eagerly the two steps walk through your lines and `h` is there. Compiled they do not: after the graph break the
# rest of `forward_debug` runs as one compiled call, so the steps leave your function (3.13) or wander in Dynamo
# (3.12 and older), and `h` never exists in a frame the debugger sees. For a debugger that steps through your
# lines, run eagerly: `torch.compiler.set_stance("force_eager")` (§3.2) does it for every compiled function at
# once.

# %%
torch.compiler.set_stance("force_eager")
try:
    forced_stops = stops(torch.compile(forward_debug, backend=backend))
finally:
    torch.compiler.set_stance("default")
print(f"force_eager: {len(forced_stops)} stops, in your code: {sum('<cell>' in t for t in forced_stops)}")
assert len(forced_stops) == 2 and all("<cell>" in t for t in forced_stops)

# %% [markdown]
# ### 3.6 The measurements in one table
#
# Every error above, counted the same way (the twin counts the TensorFlow errors with the same function):
# frames of the traceback in this notebook's cells (**user**), in `torch` (**framework**), elsewhere (**other**:
# Python's standard library); and whether the culprit line is named in the traceback or in the message (for
# anomaly mode, the message plus its warning).

# %%
from pairs.debugging.tracebacks import share  # "none", "some" or "most" (more than half) of the frames

columns = ["error", "frames", "user", "framework", "other", "line in traceback", "line in message"]
print(f"| bug, mode | {' | '.join(columns)} | framework's share |\n|---|{'---|' * (len(columns) + 1)}")
for case, row in results.items():
    print(f"| {case} | " + " | ".join(str(row[c]) for c in columns) + f" | {share(row)} |")
assert results["shape, eager"]["framework"] == 0 and share(results["shape, torch.compile"]) == "most"

# %% [markdown]
# The exact frame counts are this release's: a new PyTorch adds or removes a helper frame now and then (torch
# 2.15 has one more in the compiled shape error than 2.13). What the lesson rests on does not move with them: how
# many frames are **yours**, whether the framework's are none, some or most of the traceback, and whether the
# culprit line is named. That is what this checked summary prints:

# %%
# NBVAL_CHECK_OUTPUT
for case, row in results.items():
    print(
        f"{case:35} {row['error']:17} your frames: {row['user']}, torch's: {share(row):4}, culprit line named "
        f"in traceback: {row['line in traceback']!s:5}, in message: {row['line in message']}"
    )
print(
    "\nwrong branch (ACTIVATION flipped to 'tanh'): eager ran",
    branches[("eager", "tanh")],
    "| torch.compile ran",
    branches[("torch.compile", "tanh")],
)
print(
    f"breakpoint(): eager {len(eager_stops)}/2 stops in your code | force_eager "
    f"{sum('<cell>' in t for t in forced_stops)}/{len(forced_stops)} | torch.compile: see §3.5 (Python-dependent)"
)

# %% [markdown]
# ## 4. What you just saw
#
# - **Eager PyTorch is as direct as debugging gets, and so is eager TensorFlow** (the twin). The shape error's
#   traceback (§3.2) had only frames in your code (the table's first row: 2 user frames, none of torch's) and
#   named the failing line; the message gave both shapes. `print` and `breakpoint()` behaved like in any Python program (§3.4, §3.5: 2 stops of 2
#   in your code, with the real batch).
# - **Compiled, the traceback belongs to the compiler.** The same shape error under `torch.compile` came back
#   as a `TorchRuntimeError` whose traceback is almost all `torch/_dynamo` frames (the table: one user frame, the
#   call; torch's share "most"); the culprit line is named only in the message's "from user code" part. Where
#   the debugger stopped depends on Python (§3.5): on 3.11, the stored run, in PyTorch's machinery, 0 of 2 times
#   in your function (3.12 alike); from 3.13 on the `breakpoint()` line, but the lines after it still run
#   compiled, out of the debugger's reach. The twin's `tf.function` stopped once, while tracing, with `x`'s shape
#   but no values: in compiled code neither debugger is easy.
# - **The NaN is where PyTorch's tools are weakest.** Anomaly mode watches the backward pass, so it named
#   `F.cross_entropy`, downstream of the division that made the NaN; compiled, it named only
#   `CompiledFunctionBackward` and the `def` line of the function. Neither named the culprit ("line in message":
#   False in both rows). Eagerly a few `torch.isnan` prints found it at once. The twin shows TensorFlow's
#   `enable_check_numerics` naming the culprit op and line, eagerly and in a graph.
# - **No wrong branch in PyTorch, compiled or not.** Guards recompiled when the global flipped, and graph breaks
#   kept `print` and value-dependent `if`s in Python (§3.4); `torch._dynamo.explain` named each break's line and
#   reason. The twin shows the stale branch a `tf.function` runs silently in the same experiment.
# - What this does **not** show: how hard bugs in large programs are (this is one model, three bugs), errors
#   raised by Inductor's generated code itself (rare, and reported with `TORCH_LOGS`), or GPU-only failures
#   (asynchronous CUDA errors surface later than the line that caused them; `CUDA_LAUNCH_BLOCKING=1`).

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C19 | **holds partly** | Eagerly it does not hold: both frameworks are direct. §3.6 counted the eager shape error with 2 user frames and none of torch's, the culprit line named, and `pdb` stopped in your code 2 of 2 times (§3.5); the twin's eager TensorFlow named the line too and stopped 2 of 2. In compiled code it holds for branches and `print`: `torch.compile` followed the flipped flag and printed at every call (§3.4), where the twin's `tf.function` ran the stale relu branch silently. It does not hold for NaNs: anomaly mode named no culprit line (§3.6, "in message: False" twice), the twin's `enable_check_numerics` named it, eagerly and in a graph. A debugger in compiled code is hard in both, and which is worse depends on Python: on 3.11 (the stored outputs) `torch.compile`'s stops landed in your code 0 of 2 times, while the twin's `tf.function` stopped once, at trace time, with `x`'s shape and no values; from 3.13 PyTorch stops on the `breakpoint()` line with the real `x` (asserted there, not stored here), and in neither can you step into the compiled lines after it (§3.5). What makes debugging easy today is running eagerly, TensorFlow's default too since 2.0 (2019). |
# | C14 | **holds partly** | The graph half is pair 01's (its §3.3–3.6): Python control flow also needs care in PyTorch to compile, and compile-time optimisation is no longer TensorFlow's alone. The "easier to debug and experiment" half, measured here and in the twin the same way: it holds for branches and `print` in compiled code (§3.4), not for eager code (both frameworks direct, §3.2, §3.5), not for NaNs (§3.3); a debugger in compiled code is hard in both, PyTorch's stop depending on the Python version (§3.5). See C19. |

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** Write `safe_standardize(x)`: per column, subtract the mean and divide by the standard
# deviation (`correction=0`), but leave constant columns at 0 instead of NaN. It must stay one expression of
# tensor operations (no Python loop over columns), so that it also compiles.


# %% tags=["solution"] jupyter={"source_hidden": true}
def safe_standardize(x):
    std = x.std(0, correction=0)
    return (x - x.mean(0)) / torch.where(std > 0, std, torch.ones_like(std))


# %% tags=["check"]
xs = safe_standardize(x)
constant = x.std(0) == 0
print("NaN count:", int(torch.isnan(xs).sum()), "| constant columns all zero:", bool((xs[:, constant] == 0).all()))
assert not torch.isnan(xs).any() and (xs[:, constant] == 0).all(), "NaNs left: a constant column must become 0"
assert torch.allclose(xs[:, ~constant].std(0, correction=0), torch.ones(int((~constant).sum())), atol=1e-5), (
    "the other columns must have standard deviation 1"
)
assert not torch.isnan(torch.compile(safe_standardize, backend=backend)(x)).any(), "compiled, it gives NaNs"

# %% [markdown]
# **Exercise 2.** `forward_rescale` (§3.4) broke its graph on `if x.max() > 1`. Write `forward_rescale_one_graph(x)`
# with the same results but **no graph break**: choose between `x` and `x / 16` with a tensor operation instead
# of a Python `if`.


# %% tags=["solution"] jupyter={"source_hidden": true}
def forward_rescale_one_graph(x):
    x = torch.where(x.max() > 1, x / 16, x)
    return forward(x)


# %% tags=["check"]
report = torch._dynamo.explain(forward_rescale_one_graph)(x)
print(f"{report.graph_count} graph, {report.graph_break_count} graph breaks")
assert report.graph_break_count == 0 and report.graph_count == 1, "still a graph break: no Python branch on data"
for batch in (x, images.reshape(32, 64) * 16):
    assert torch.allclose(forward_rescale_one_graph(batch), forward_rescale(batch)), (
        "results differ from forward_rescale"
    )
print("same results as forward_rescale on scaled and unscaled pixels")

# %% [markdown]
# ## 7. Summary
#
# 1. Eager PyTorch tracebacks point at your line; `print`, `torch.isnan` checks and `breakpoint()` work as in
#    any Python program.
# 2. Under `torch.compile`, errors come through the compiler: read the "from user code" part of the message,
#    or switch to eager for the hunt with `torch.compiler.set_stance("force_eager")`.
# 3. `torch._dynamo.explain` (or `TORCH_LOGS="graph_breaks"`) lists graph breaks with their line and reason;
#    guards recompile when a Python value the graph used changes, so compiled code follows your flags.
# 4. `torch.autograd.detect_anomaly()` checks the **backward** pass: it names the first gradient that turned
#    NaN, which may be far downstream of the line that made it. For forward NaNs, check values eagerly.
#
# Back to the course map: [00_start_here.ipynb](00_start_here.ipynb).
