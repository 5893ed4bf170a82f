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
# # 01 · Static vs dynamic graphs (PyTorch)
#
# Twin: [01_graphs_tensorflow.ipynb](01_graphs_tensorflow.ipynb) · Course map: [00_start_here.ipynb](00_start_here.ipynb)
#
# Runs in about 30 s on a 2-core laptop CPU (most of it is `torch.compile` compiling C++ kernels once; a second
# run reuses its cache). Read it beside its twin: the sections match.
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/01_graphs_pytorch.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/01_graphs_pytorch.ipynb)

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

device = start_torch(seed=0)  # seeds random, NumPy and torch; the GPU if there is one; prints one line about it

# %% [markdown]
# ## 1. What the articles claim
#
# - **C1**: the core difference between PyTorch and TensorFlow is how code executes: static vs dynamic graphs.
# - **C12**: TensorFlow is a static-graph framework: you define the graph, then run it; this suits large-scale
#   distributed computing.
# - **C14**: PyTorch is more flexible (Python control flow builds the graph, easier to debug and experiment);
#   TensorFlow's static graph can be optimised at compile time for production. (This pair judges the control-flow
#   and compile-time halves; debugging gets its own pair, [10 · debugging](10_debugging_pytorch.ipynb).)
# - **C10**: everything in PyTorch can be replicated in TensorFlow, with more effort.
#
# This notebook runs PyTorch 2.15 and checks each claim against what it does today.

# %% [markdown]
# ## 2. The idea
#
# A deep-learning program is a chain of tensor operations. A framework can run it in two ways:
#
# - **Eagerly** (define-by-run): each operation runs the moment Python reaches it. You can print, debug and use
#   `if`/`for` on real values. Every operation pays Python's overhead, and nothing sees the whole program.
# - **As a graph** (define-then-run): the operations are first recorded into a data structure, then that graph is
#   optimised (fused, pruned, compiled) and executed, possibly without Python at all (on a server, a phone).
#
# PyTorch has always been eager: the "dynamic graph" the articles praise is the record autograd keeps while your
# code runs. It has also captured graphs on request since **PyTorch 1.0 (December 2018)**: TorchScript
# (`torch.jit.script` / `torch.jit.trace`, "a way to create serializable and optimizable models from PyTorch code",
# PyTorch 1.0 docs, pytorch.org/docs/1.0.1/jit.html), now deprecated (§3.7). Its successors: `torch.compile`
# since **PyTorch 2.0 (March 2023)** (TorchDynamo reads the Python bytecode, Inductor generates fused kernels) for
# speed, and `torch.export` since **PyTorch 2.1 (October 2023)**, first as a prototype ("This feature is a
# prototype", pytorch.org/docs/2.1/export.html; pytorch/pytorch#108962 added its docs to the 2.1 release), for a
# whole-program graph to deploy. The twin notebook shows TensorFlow's mirror image: graphs first in TF 1, eager by default since TF 2.

# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 Define-by-run: the graph is recorded as the code runs (PyTorch only)
#
# There was never a `Session` in PyTorch. The "dynamic graph" is the chain of `grad_fn` nodes autograd records
# while the operations execute, rebuilt on every run.

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor([[1.0, 1.0, 1.0]])
w = torch.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
y = (x @ w).relu()
print("y has a value at once:", y.tolist())
node, chain = y.grad_fn, []
while node is not None:  # walk the recorded graph backwards
    chain.append(type(node).__name__)
    node = node.next_functions[0][0] if node.next_functions else None
print("recorded while running:", " <- ".join(chain))

# %% [markdown]
# ### 3.2 Eager by default
#
# The same product as the twin's §3.2: just Python, with a value as soon as the line runs.

# %%
# NBVAL_CHECK_OUTPUT
y = x @ w.detach()
print("y =", y.tolist(), "| a", type(y).__name__, "with a value; grad mode on:", torch.is_grad_enabled())

# %% [markdown]
# ### 3.3 Python control flow, eagerly and in a graph
#
# The same data-dependent function as in the twin. Eagerly, Python decides. To capture a graph, PyTorch offers two
# tools that treat the `if` differently:
#
# - **`torch.fx.symbolic_trace`** runs the function on placeholder values, so it cannot decide the branch: it refuses.
# - **`torch.export`** also refuses a branch on data: an exported program must be one graph for every input.


# %%
# NBVAL_CHECK_OUTPUT
from torch import nn


def scale_or_shift(x):
    if x.sum() > 0:  # a data-dependent branch
        return x * 2.0
    return x - 1.0


class ScaleOrShift(nn.Module):
    def forward(self, x):
        return scale_or_shift(x)


for value in (1.0, -1.0):
    print(f"eager, input {value:+.0f}:", scale_or_shift(torch.full((3,), value)).tolist())

# %% [markdown]
# Now the two graph capturers. Each must refuse (`expect_error` fails the cell if one stops refusing); the error
# types and the facts their messages state are printed, not the wording, which changes between releases.

# %%
# NBVAL_CHECK_OUTPUT
import contextlib
import io
import logging

from utils.show import expect_error  # like pytest.raises: fails the cell if nothing is raised

with expect_error(Exception, show=False) as fx_failed:
    torch.fx.symbolic_trace(scale_or_shift)
fx_says = "control flow" in str(fx_failed.error)
print(f"torch.fx: {type(fx_failed.error).__name__}, message names control flow: {fx_says}")
# Before failing, torch.export logs the partial graph it traced to stderr; keep only the error here.
logging.getLogger("torch.fx.experimental.symbolic_shapes").setLevel(logging.ERROR)
with contextlib.redirect_stderr(io.StringIO()), expect_error(Exception, show=False) as export_failed:
    torch.export.export(ScaleOrShift(), (torch.ones(3),))
print(
    f"torch.export: {type(export_failed.error).__name__}, message says data-dependent: "
    f"{'data-dependent' in str(export_failed.error)}"
)

# %% [markdown]
# ### 3.4 The captured graph: `torch.cond`, and printing it
#
# The graph-friendly way to write a data-dependent branch is `torch.cond`, PyTorch's counterpart of TensorFlow's
# `tf.cond` (which AutoGraph writes for you in the twin). Now `torch.export` captures one graph that holds both
# branches, and we can print it.


# %%
# NBVAL_CHECK_OUTPUT
class ScaleOrShiftCond(nn.Module):
    def forward(self, x):
        return torch.cond(x.sum() > 0, lambda x: x * 2.0, lambda x: x - 1.0, (x,))


exported = torch.export.export(ScaleOrShiftCond(), (torch.ones(3),))
print(exported.graph_module.code.strip())
for value in (1.0, -1.0):
    v = torch.full((3,), value)
    assert torch.equal(exported.module()(v), scale_or_shift(v))
print("\nthe exported graph gives the eager results for both branches")

# %% [markdown]
# ### 3.5 `torch.compile`: graphs without rewriting the code, and graph breaks (PyTorch only)
#
# `torch.compile` takes the *original* function, `if` and all. Where it meets something it cannot put in a graph
# (here: a Python `if` on a tensor value), it **breaks the graph**: it compiles the pieces and lets Python run the
# branch between them. A custom backend (a documented extension point) lets us count and print the graphs
# Dynamo hands to the compiler, and count recompilations when input shapes change.

# %%
# NBVAL_CHECK_OUTPUT
captured = []


def show_graphs(graph_module, example_inputs):
    captured.append(graph_module)
    return graph_module.forward  # run the captured graph as is (no code generation)


compiled = torch.compile(scale_or_shift, backend=show_graphs)
for value in (1.0, -1.0):
    assert torch.equal(compiled(torch.full((3,), value)), scale_or_shift(torch.full((3,), value)))
print(f"{len(captured)} graphs captured; their operations:")
for gm in captured:
    print(
        "  ",
        [
            node.target if isinstance(node.target, str) else node.target.__name__
            for node in gm.graph.nodes
            if node.op == "call_method" or node.op == "call_function"
        ],
    )

# %% [markdown]
# A new input shape means a new compilation, the counterpart of TensorFlow's retracing:

# %%
# NBVAL_CHECK_OUTPUT
captured.clear()
doubled = torch.compile(lambda x: x * 2.0, backend=show_graphs)
for n in (8, 16, 32):
    doubled(torch.zeros(n))
print(f"3 input shapes -> {len(captured)} compilations (the second one marks the size dynamic)")

# %% [markdown]
# ### 3.6 The same model, timed: eager vs graph
#
# A small classifier (64 → 256 → 256 → 10, the same shape as in the twin notebook) on the 360 shipped test digits.
# We time one forward pass eagerly, as an exported graph run from Python, and compiled by `torch.compile` (the
# default Inductor backend, which generates C++ on a CPU and Triton kernels on a GPU), with warm-up, repeats and
# medians (`utils.timing.measure`), and check they give the same logits.

# %%
from utils.data import digits_torch

images, labels = digits_torch("test", device=device)
inputs = images.reshape(-1, 64)

model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)).to(device)
model.eval()

with torch.inference_mode():
    eager_logits = model(inputs)
exported_model = torch.export.export(model, (inputs,)).module()
compiled_model = torch.compile(model)  # first call compiles: the slow part of this notebook

# %% [markdown]
# On a CPU, Inductor writes C++ and builds it with a compiler (`g++`, or `$CXX`) against this Python's `Python.h`.
# Where one of them is missing, the next cell shows the error `torch.compile` gives and falls back to
# `backend="eager"` (graph capture without code generation), so the rest of the notebook still runs; here, with
# both present, it prints nothing.

# %%
from utils.machine import inductor_missing

inductor_gap = inductor_missing()  # None when g++ ($CXX) and Python.h are both here
compile_backend = "inductor" if inductor_gap is None else "eager"  # what the rows labelled torch.compile ran
if compile_backend == "eager":  # InductorError, wrapping InvalidCxxCompiler or CppCompileError
    with torch.inference_mode(), expect_error(Exception, match="InvalidCxxCompiler|Python.h", show=False) as failed:
        compiled_model(inputs)
    reason = next(line for line in str(failed.error).splitlines() if "InvalidCxxCompiler" in line or "Python.h" in line)
    print(f"Inductor cannot build here ({inductor_gap}); torch.compile fails with:\n  {reason.strip()}")
    print("So the rows labelled torch.compile use backend='eager': Dynamo captures the graph and runs it without")
    print("compiling; they show Dynamo's overhead, not Inductor's speed.\n")
    torch.compiler.reset()
    compiled_model = torch.compile(model, backend="eager")

# %%
logit_gaps = {}
with torch.inference_mode():
    for name, fn in (("torch.export(...).module()", exported_model), ("torch.compile", compiled_model)):
        diff = (fn(inputs) - eager_logits).abs().max().item()
        print(f"{name:<28} max |logits - eager| = {diff:.1e}")
        assert diff < 1e-4, diff
        logit_gaps[name] = diff

# %%
from utils.timing import measure, ratio_table, read_ratio

with torch.inference_mode():
    timings = [
        measure(lambda: model(inputs), label="eager", sync="torch"),
        measure(lambda: exported_model(inputs), label="torch.export module", sync="torch"),
        measure(lambda: compiled_model(inputs), label="torch.compile", sync="torch"),
    ]
print(f"device {device}, batch {inputs.shape[0]}\n")
print(ratio_table(timings))
export_speedup = timings[0].median_s / timings[1].median_s
compile_speedup = timings[0].median_s / timings[2].median_s
print()
print(read_ratio(compile_speedup, "torch.compile", "eager"))
print(read_ratio(export_speedup, "The torch.export module", "eager"))

# %% [markdown]
# ### 3.7 History: TorchScript (PyTorch only)
#
# **History.** Before PyTorch 2, the way to get a graph was TorchScript (`torch.jit.script` / `torch.jit.trace`).
# Its documentation now opens with *"TorchScript is deprecated, please use torch.export instead."* Do not start new
# code with it; you will still meet `.pt` TorchScript files in older deployments.

# %% [markdown]
# ## 4. What you just saw
#
# - §3.1–3.2: PyTorch computes at once; its "graph" is the autograd record made while running
#   (`ReluBackward0 <- MmBackward0 <- ...`). That is the dynamic graph the articles describe, and it is still true.
# - §3.3: a plain Python `if` on data runs eagerly, but the graph capturers refuse it, as TensorFlow's tracing had
#   to rewrite it. §3.4: `torch.cond` makes it exportable; the printed graph holds both branches, like the twin's
#   `StatelessIf`.
# - §3.5: `torch.compile` kept the `if` by splitting the function into several graphs (a **graph break**) and
#   recompiled once when the input shape changed, the counterpart of the twin's retracing (§3.5 there).
# - §3.6: all versions gave the same logits. Read the ratios, not the milliseconds: the two sentences under the
#   table say, for this run, whether each graph was faster, slower or about as fast as eager (within 10%). Why a
#   compiled graph has little room here: this model is three matrix multiplications, which eager PyTorch already
#   hands straight to an optimised BLAS, and each call of a compiled or exported module adds its own small fixed
#   cost (guards, a generated `forward`) to a call that is short to begin with; so on a CPU a ratio near or below
#   1x is what this model allows, not a fault of the compiler. Compare the twin, where TensorFlow's eager mode has
#   more per-op overhead for its graph to remove. Compilation pays off where many small operations can be fused
#   (activations, normalisations, element-wise maths) and on GPUs, where launching each kernel costs time; the
#   compile itself took seconds, which only code run many times earns back. (If a row of the table was measured
#   on a busy machine, a line starting `UNRELIABLE` says so under it; then run the cell again.)

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C1 | **outdated** (since TensorFlow 2.0, 2019, made eager the default; PyTorch captures graphs on request since 1.0, 2018, with TorchScript, now with `torch.compile`, 2.0, and `torch.export`, 2.1) | Both frameworks run eagerly by default and both capture graphs on request: §3.4 printed an exported graph and §3.6 timed a compiled one; the twin does the same with `tf.function`. Execution style is a default, no longer the core difference. |
# | C12 | **outdated** (since TensorFlow 2.0) | See the twin: TF 2 runs eagerly and its `Session` graph is history. PyTorch, for its part, now has the "define then run" path too (`torch.export`, §3.4). |
# | C14 | **holds partly** | The article: PyTorch "更加灵活" (more flexible) because Python control flow builds the graph, and TensorFlow's static graph "可以在编译时进行优化" (can be optimised at compile time). Both halves hold, but neither is one framework's alone any more. *Flexibility:* a Python `if` on data runs freely in eager PyTorch (§3.3), as it does in eager TensorFlow 2 (twin §3.3); to *compile or export* it, PyTorch has constraints like TensorFlow's: graph breaks (§3.5) or an explicit `torch.cond` (§3.4). *Compile-time optimisation:* `torch.compile` built a compiled graph whose logits matched eager (§3.6, `max \|logits - eager\|` printed there), as `tf.function` and XLA do in the twin; compiled is not automatically faster (the ratio §3.6 measured for this small model is printed under this table; a gain needs fusable operations or a GPU, §4). The "easier to debug" half is judged in the debugging pair (10). |
# | C10 | **holds partly** | The article: "PyTorch 中的所有内容都可以在 TensorFlow 中复制;你需要付出更多的努力" (everything in PyTorch can be replicated in TensorFlow, with more effort). For graphs, the first half holds and the second did not show: every step here has a TensorFlow counterpart in the twin with comparable effort, each side needing care in a different place (TF: retracing; PyTorch: graph breaks and `torch.cond` for export). "More effort" does show elsewhere: sharding a model's parameters, which PyTorch does with FSDP2, needs DTensor's lower-level meshes and layouts in TensorFlow, because Keras's `keras.distribution` is marked "DO NOT USE" on the TensorFlow backend ([09](09_distributed_tensorflow.ipynb) §3.4). |

# %%
# The numbers C14's verdict cites, as §3.6 measured them in this run
print(
    f"C14, §3.6 on {device}: torch.compile logits within {logit_gaps['torch.compile']:.1e} of eager; "
    f"speed {compile_speedup:.2f}x eager (median of {timings[2].repeats} batches)"
)

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** `clip_or_negate` below uses a Python `if` on data, so `torch.export` refuses it. Write
# `ClipOrNegate`, an `nn.Module` whose `forward` computes the same thing with `torch.cond`, so that it exports. The
# check exports it and compares it with the Python version on inputs that take each branch.


# %%
def clip_or_negate(x):
    if x.max() > 1.0:
        return x.clamp(max=1.0)
    return -x


# %% tags=["solution"] jupyter={"source_hidden": true}
class ClipOrNegate(nn.Module):
    def forward(self, x):
        return torch.cond(x.max() > 1.0, lambda x: x.clamp(max=1.0), lambda x: -x, (x,))


# %% tags=["check"]
program = torch.export.export(ClipOrNegate(), (torch.ones(4),)).module()
for sample in (torch.tensor([0.5, 3.0, -2.0, 1.5]), torch.tensor([0.5, -0.25, 0.0, 1.0])):
    assert torch.equal(program(sample), clip_or_negate(sample)), f"wrong result for {sample.tolist()}"
print("Exercise 1 passed: exported once, right answer on both branches")

# %% [markdown]
# **Exercise 2.** How many graphs does `torch.compile` capture for `clip_or_negate` when it is called on both
# inputs above? Compile it with the `show_graphs` backend of §3.5, call it on both samples, and store the count in
# `n_graphs`. (Hint: one graph before the `if`, one per branch taken.)

# %% tags=["solution"] jupyter={"source_hidden": true}
captured.clear()
compiled_clip = torch.compile(clip_or_negate, backend=show_graphs)
for sample in (torch.tensor([0.5, 3.0, -2.0, 1.5]), torch.tensor([0.5, -0.25, 0.0, 1.0])):
    compiled_clip(sample)
n_graphs = len(captured)

# %% tags=["check"]
assert n_graphs == len(captured), (
    f"n_graphs ({n_graphs}) is not the number of graphs show_graphs captured ({len(captured)})"
)
assert n_graphs == 3, f"expected 3 graphs (condition, then each branch), got {n_graphs}"
print("Exercise 2 passed: 1 graph for the condition + 1 per branch = 3 graphs")

# %% [markdown]
# ## 7. Summary
#
# - PyTorch runs **eagerly**; the dynamic graph is autograd's record of what ran.
# - `torch.export` captures a **whole-program graph** (use `torch.cond` for data-dependent branches); TorchScript is
#   deprecated history.
# - `torch.compile` speeds up unchanged code, splitting it at **graph breaks** and recompiling for new shapes.
# - Both frameworks are now eager-first with opt-in graphs; measure what the graph buys on your own model.
# - Next: [02 · Autograd](02_autograd_pytorch.ipynb), or the twin: [01 · TensorFlow](01_graphs_tensorflow.ipynb).
