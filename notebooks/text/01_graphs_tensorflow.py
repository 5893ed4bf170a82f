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
# # 01 · Static vs dynamic graphs (TensorFlow)
#
# Twin: [01_graphs_pytorch.ipynb](01_graphs_pytorch.ipynb) · Course map: [00_start_here.ipynb](00_start_here.ipynb)
#
# Runs in about 20 s on a 2-core laptop CPU. Read it beside its twin: the sections match.
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/01_graphs_tensorflow.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/01_graphs_tensorflow.ipynb)

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

device = start_tensorflow(seed=0)  # loads TensorFlow without its C++ start-up lines, seeds it, prints the machine
import numpy as np
import tensorflow as tf

# %% [markdown]
# ## 1. What the articles claim
#
# - **C1**: the core difference between PyTorch and TensorFlow is how code executes: static vs dynamic graphs.
# - **C12**: TensorFlow is a static-graph framework: you define the graph, then run it; this suits large-scale
#   distributed computing.
# - **C14**: PyTorch is more flexible (Python control flow builds the graph, easier to debug and experiment);
#   TensorFlow's static graph can be optimised at compile time for production. (This pair judges the control-flow
#   and compile-time halves; debugging gets its own pair, [10 · debugging](10_debugging_tensorflow.ipynb).)
# - **C10**: everything in PyTorch can be replicated in TensorFlow, with more effort.
#
# This notebook runs TensorFlow 2.21 and checks each claim against what it does today.

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
# TensorFlow 1.x (2015–2019) made you build the graph first, by default: eager execution arrived as an opt-in
# preview in TF 1.5 (January 2018) and left `tf.contrib` in TF 1.7 (March 2018, "Eager mode is moving out of
# contrib, try `tf.enable_eager_execution()`"; both in the TensorFlow release notes on GitHub). **TensorFlow 2.0 (September 2019) made eager
# execution the default** and kept graphs as an opt-in: `tf.function` traces a Python function into a graph, and
# AutoGraph rewrites its `if`/`for`/`while` into graph control flow. XLA (`jit_compile=True`) compiles the graph
# further. The twin notebook shows PyTorch's mirror image: eager by default, graphs via `torch.compile` and
# `torch.export`.

# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 History: the TensorFlow 1 static graph (TensorFlow only)
#
# **History, not how to write TensorFlow today.** This is what the articles describe: declare placeholders, build
# the graph, then feed values through a `Session`. `tf.compat.v1` still runs it.

# %%
# NBVAL_CHECK_OUTPUT
graph = tf.Graph()
with graph.as_default():  # TF1 style: nothing is computed here, only recorded
    x = tf.compat.v1.placeholder(tf.float32, shape=[None, 3], name="x")
    w = tf.constant([[1.0], [2.0], [3.0]], name="w")
    y = tf.matmul(x, w, name="y")
print("y is a symbolic tensor with no value yet:", y)
print("ops in the graph:", [op.type for op in graph.get_operations()])

with tf.compat.v1.Session(graph=graph) as session:  # ...then run it, feeding values
    print("session.run:", session.run(y, feed_dict={x: [[1.0, 1.0, 1.0]]}).tolist())

# %% [markdown]
# ### 3.2 Eager by default
#
# The same computation in TensorFlow 2 is just Python: the result exists as soon as the line runs.

# %%
# NBVAL_CHECK_OUTPUT
print("executing eagerly:", tf.executing_eagerly())
x = tf.constant([[1.0, 1.0, 1.0]])
w = tf.constant([[1.0], [2.0], [3.0]])
y = x @ w
print("y =", y.numpy().tolist(), "| an EagerTensor with a value:", type(y).__name__)

# %% [markdown]
# ### 3.3 Python control flow, eagerly and in a graph
#
# A function whose branch depends on the *data*. Eagerly, Python decides. Inside `tf.function`, AutoGraph turns the
# `if` on a tensor into a graph conditional (`StatelessIf`), so the one traced graph handles both cases.


# %%
def scale_or_shift(x):
    if tf.reduce_sum(x) > 0:  # a data-dependent branch
        return x * 2.0
    return x - 1.0


graph_fn = tf.function(scale_or_shift)
for value in (1.0, -1.0):
    v = tf.fill([3], value)
    eager, traced = scale_or_shift(v), graph_fn(v)
    print(f"input {value:+.0f}: eager {eager.numpy()} graph {traced.numpy()}")
    np.testing.assert_array_equal(eager.numpy(), traced.numpy())

# %% [markdown]
# ### 3.4 The captured graph: looking at what was traced
#
# `get_concrete_function` traces once for an input signature and hands back the graph. AutoGraph's rewrite of the
# Python source can be printed too (first lines shown).

# %%
concrete = graph_fn.get_concrete_function(tf.TensorSpec([None], tf.float32))
ops = [op.type for op in concrete.graph.get_operations()]
print("graph ops:", ops)
generated = tf.autograph.to_code(scale_or_shift)
print("\n".join(generated.splitlines()[:3]), "\n    ...")
# Checked: the facts, not AutoGraph's exact text (it changes between releases).
assert {"If", "StatelessIf"} & set(ops), f"the Python if is not a graph op: {ops}"
assert "ag__.if_stmt" in generated, "AutoGraph did not rewrite the if"

# %% [markdown]
# ### 3.5 Retracing: the price of tracing (TensorFlow only)
#
# A `tf.function` traces a new graph for every new input *signature*: new shapes, new dtypes, and every new
# **Python value** passed as an argument. Retracing silently costs time; `input_signature` or
# `reduce_retracing=True` prevent it.


# %%
# NBVAL_CHECK_OUTPUT
@tf.function
def double(x):
    return x * 2.0


for n in (8, 16, 32):
    double(tf.zeros([n]))
print("default, 3 shapes ->", double.experimental_get_tracing_count(), "traces")


@tf.function(reduce_retracing=True)
def double_relaxed(x):
    return x * 2.0


for n in (8, 16, 32):
    double_relaxed(tf.zeros([n]))
print("reduce_retracing=True ->", double_relaxed.experimental_get_tracing_count(), "traces")


@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def double_signed(x):
    return x * 2.0


for n in (8, 16, 32):
    double_signed(tf.zeros([n]))
print("input_signature ->", double_signed.experimental_get_tracing_count(), "trace")

# %% [markdown]
# A Python value passed as an argument is part of the signature too: each new one is a new graph.


# %%
# NBVAL_CHECK_OUTPUT
@tf.function
def scale(x, factor):
    return x * factor


for factor in (1, 2, 3):  # Python ints are baked into the graph as constants
    scale(tf.constant(1.0), factor)
print("3 Python ints as an argument ->", scale.experimental_get_tracing_count(), "traces (pass tf.constant instead)")

# %% [markdown]
# A signature also catches mistakes early: calling a signed function with the wrong shape is refused.

# %%
# NBVAL_CHECK_OUTPUT
from utils.show import expect_error  # like pytest.raises: fails the cell if nothing is raised

with expect_error((TypeError, ValueError), show=False) as refused:
    double_signed(tf.zeros([2, 2]))
print(f"{type(refused.error).__name__}, message names the signature's shape (None,): {'(None,)' in str(refused.error)}")

# %% [markdown]
# ### 3.6 The same model, timed: eager vs graph vs XLA
#
# A small classifier (64 → 256 → 256 → 10, the same shape as in the twin notebook) on the 360 shipped test digits.
# We time one forward pass three ways, with warm-up, repeats and medians (`utils.timing.measure`), and check that
# all three give the same logits.

# %%
from utils.data import digits_tf

images, labels = digits_tf("test")
inputs = tf.reshape(images, [-1, 64])

dense1 = tf.keras.layers.Dense(256, activation="relu")
dense2 = tf.keras.layers.Dense(256, activation="relu")
dense3 = tf.keras.layers.Dense(10)


def forward(x):
    return dense3(dense2(dense1(x)))


forward_graph = tf.function(forward)
forward_xla = tf.function(forward, jit_compile=True)

with tf.device(device):
    eager_logits = forward(inputs)
    for name, fn in (("tf.function", forward_graph), ("tf.function(jit_compile=True)", forward_xla)):
        diff = float(tf.reduce_max(tf.abs(fn(inputs) - eager_logits)))
        print(f"{name:<30} max |logits - eager| = {diff:.1e}")
        assert diff < 1e-4, diff

# %%
from utils.timing import measure, ratio_table, read_ratio

with tf.device(device):
    timings = [
        measure(lambda: forward(inputs), label="eager", sync="tf"),
        measure(lambda: forward_graph(inputs), label="tf.function", sync="tf"),
        measure(lambda: forward_xla(inputs), label="tf.function + XLA", sync="tf"),
    ]
print(f"device {device}, batch {inputs.shape[0]}\n")
print(ratio_table(timings))
graph_speedup = timings[0].median_s / timings[1].median_s
xla_speedup = timings[0].median_s / timings[2].median_s
print()
print(read_ratio(graph_speedup, "tf.function", "eager"))
print(read_ratio(xla_speedup / graph_speedup, "tf.function + XLA", "the plain tf.function"))

# %% [markdown]
# ## 4. What you just saw
#
# - §3.1 needed a graph, placeholders and a `Session`; §3.2 computed the same product in one eager line. That is
#   the change TensorFlow 2.0 made in 2019, and it is why most of the articles' graph claims date from TF 1.
# - §3.3–3.4: Python `if` on a tensor works eagerly *and* inside `tf.function`, where AutoGraph compiles it into a
#   `StatelessIf` op. Data-dependent control flow is no longer a PyTorch-only feature.
# - §3.5: graphs are not free. A `tf.function` retraced once per shape and once per Python value; signatures fix it.
# - §3.6: the three versions gave the same logits. Read the ratios, not the milliseconds. For a model this small,
#   much of TensorFlow's eager time is per-operation overhead (Python, then the eager runtime dispatching each op),
#   which a `tf.function` graph removes; the first sentence under the table says how much that was worth in this
#   run. XLA compiles and fuses the graph further; on a CPU and a model of three matrix multiplications it has
#   little left to fuse, and the second sentence says whether it beat the plain graph here. The gains shrink for
#   large models whose time is spent inside big matrix multiplications. Compare the twin, where PyTorch's eager mode
#   has less overhead to remove. (A line starting `UNRELIABLE` under the table would mean the machine was busy
#   while measuring; then run the cell again.)

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C1 | **outdated** (since TensorFlow 2.0, September 2019) | Both frameworks now run eagerly by default (§3.2 printed `executing eagerly: True`) and both compile graphs on request (§3.4–3.6 here, `torch.compile` / `torch.export` in the twin). How code executes is no longer *the* core difference. |
# | C12 | **outdated** (since TensorFlow 2.0) | The define-then-run `Session` of §3.1 is history under `tf.compat.v1`; TF 2 code runs eagerly and graphs are opt-in via `tf.function`. Large-scale training today uses `tf.distribute` on eager code plus `tf.function`, not hand-built graphs (documented here; the distributed pair, 09, runs it: two `MultiWorkerMirroredStrategy` workers, no hand-built graph). |
# | C14 | **holds partly** | The article: PyTorch "更加灵活" (more flexible) because Python control flow builds the graph, and TensorFlow's static graph "可以在编译时进行优化" (can be optimised at compile time). Both halves hold, but neither is one framework's alone any more. *Flexibility:* a Python `if` on data runs freely in eager TensorFlow 2 (§3.3), as in eager PyTorch (twin §3.3), and works in a TF graph too (§3.3: one traced graph handled both branches via `StatelessIf`), through AutoGraph's rewrite and with retracing pitfalls (§3.5); PyTorch has its own constraints to compile or export it (twin §3.4–3.5). *Compile-time optimisation:* real and measured: §3.6 timed `tf.function` and XLA against eager with matching logits (the ratios of this run are printed under this table), and PyTorch compiles graphs too (twin §3.5–3.6). The "easier to debug" half is judged in the debugging pair (10). |
# | C10 | **holds partly** | The article: "PyTorch 中的所有内容都可以在 TensorFlow 中复制;你需要付出更多的努力" (everything in PyTorch can be replicated in TensorFlow, with more effort). For graphs, the first half holds and the second did not show: everything in the twin had a TensorFlow counterpart here (eager code, data-dependent branches, a printable graph, a compiler) with comparable effort; the extra effort is in understanding tracing (§3.5), and the reverse is also true (PyTorch needs `torch.cond` to export a data-dependent branch, twin §3.4). "More effort" does show elsewhere: sharding a model's parameters, FSDP2 in PyTorch, needs DTensor's lower-level meshes and layouts here, because Keras's `keras.distribution` is marked "DO NOT USE" on the TensorFlow backend ([09](09_distributed_tensorflow.ipynb) §3.4). |

# %%
# The numbers C14's verdict cites, as §3.6 measured them in this run
print(
    f"C14, §3.6 on {device}: tf.function {graph_speedup:.2f}x eager, tf.function + XLA {xla_speedup:.2f}x eager "
    f"(medians of {timings[1].repeats} batches)"
)

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** Write `positive_sum`, a `tf.function` that loops over a 1-D tensor with a plain Python `for`
# loop and adds up only the positive elements (use an `if` inside the loop). Give it an `input_signature` so that
# it traces **once** for inputs of any length. The check calls it on two lengths.


# %% tags=["solution"] jupyter={"source_hidden": true}
@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def positive_sum(x):
    total = tf.constant(0.0)
    for value in x:  # AutoGraph turns this loop over a tensor into a tf.while_loop
        if value > 0:
            total += value
    return total


# %% tags=["check"]
a = tf.constant([1.0, -2.0, 3.0])
b = tf.constant([-1.0, 4.0, 0.5, 2.0, -8.0])
assert abs(float(positive_sum(a)) - 4.0) < 1e-6, "positive_sum([1, -2, 3]) should be 4"
assert abs(float(positive_sum(b)) - 6.5) < 1e-6, "positive_sum([-1, 4, .5, 2, -8]) should be 6.5"
assert positive_sum.experimental_get_tracing_count() == 1, "it traced more than once: add an input_signature"
print("Exercise 1 passed: correct sums, one trace for two input lengths")

# %% [markdown]
# **Exercise 2.** Which op types does AutoGraph put in the graph for your loop? Collect the set of op types of
# `positive_sum`'s graph into `loop_ops`. The check looks for the loop and the branch. (Hint: the `if` runs
# inside the loop, so its op sits in the loop body's own function, in `graph.as_graph_def().library`.)

# %% tags=["solution"] jupyter={"source_hidden": true}
graph_def = positive_sum.get_concrete_function().graph.as_graph_def()
loop_ops = {node.op for node in graph_def.node} | {node.op for f in graph_def.library.function for node in f.node_def}

# %% tags=["check"]
assert "While" in loop_ops or "StatelessWhile" in loop_ops, f"no while loop among {sorted(loop_ops)}"
assert "If" in loop_ops or "StatelessIf" in loop_ops, f"no branch among {sorted(loop_ops)}: look in the loop body too"
print(
    "Exercise 2 passed: the Python for-loop and if became graph ops:",
    sorted(o for o in loop_ops if "While" in o or o.endswith("If")),
)

# %% [markdown]
# ## 7. Summary
#
# - TensorFlow 2 runs **eagerly by default**; the TF 1 graph-and-`Session` style is history (`tf.compat.v1`).
# - `tf.function` traces Python into a graph; **AutoGraph** turns `if`/`for` on tensors into graph ops.
# - A graph is re-traced for each new shape, dtype or Python value: use `input_signature` or `reduce_retracing`.
# - Graphs (and XLA with `jit_compile=True`) cut per-op overhead; measure the gain on your own model.
# - Next: [02 · Autograd](02_autograd_tensorflow.ipynb), or the twin: [01 · PyTorch](01_graphs_pytorch.ipynb).
