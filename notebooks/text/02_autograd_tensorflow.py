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
# # 02 · Autograd: tensors, "Variables" and gradients (TensorFlow)
#
# Twin: [02_autograd_pytorch.ipynb](02_autograd_pytorch.ipynb) · Start: [00_start_here.ipynb](00_start_here.ipynb)
#
# How TensorFlow records a computation and differentiates it: `tf.GradientTape` (watching, persistent
# tapes, nested tapes), `tf.Variable` (trainable state, `assign`), `tf.stop_gradient`,
# `tf.custom_gradient`, plus the mistakes everybody makes once. §3.9 also imports PyTorch, on purpose,
# to compare the two frameworks' gradients of one function. About 15 s on a 2-core laptop
# (TensorFlow's import is most of it).
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/02_autograd_tensorflow.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/02_autograd_tensorflow.ipynb)

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

start_tensorflow(seed=0, with_torch=True)  # with_torch: §3.9 imports PyTorch too (see utils/start.py)
import numpy as np
import tensorflow as tf

# %% [markdown]
# ## 1. What the articles claim
#
# - **C13** (article 004): *"PyTorch's core objects are Tensors and Variables; a Variable is a special
#   tensor that supports automatic differentiation."*
# - **C10** (article 000), where it touches gradients: *"Everything in PyTorch can be replicated in
#   TensorFlow, with more effort."* This notebook replicates, section by section, every autograd
#   feature of the PyTorch twin.

# %% [markdown]
# ## 2. The idea
#
# Both frameworks do **reverse-mode automatic differentiation**: while the forward computation runs,
# they record which operation produced which value; a backward pass then walks that record from the
# output to the inputs, applying the chain rule. What differs is *where the record lives*:
#
# | | PyTorch | TensorFlow |
# |---|---|---|
# | what is differentiable | any tensor with `requires_grad=True` | what a `tf.GradientTape` watches (trainable `tf.Variable`s automatically) |
# | where the record lives | on the tensors (`y.grad_fn`) | on the tape object, inside its `with` block |
# | how you get gradients | `loss.backward()` fills `.grad` (accumulating!), or `torch.autograd.grad` returns them | `tape.gradient(loss, sources)` returns them |
# | mutable model state | a tensor (usually an `nn.Parameter`) | a `tf.Variable` |
#
# TensorFlow tensors are immutable values and record nothing by themselves; a **tape** is opened
# explicitly around the computation to differentiate. A `tf.Variable` is *mutable state* (it has
# `assign`), which is why model weights are Variables. It is not the old PyTorch `Variable` of
# claim **C13**, which was a differentiable wrapper and no longer exists as a separate class.

# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 Recording: a variable and a tape
#
# Operations run inside `with tf.GradientTape() as tape:` are recorded when one of their inputs is
# *watched*. Trainable `tf.Variable`s are watched automatically; a plain tensor must be watched
# explicitly, or its gradient is silently `None`.

# %%
# NBVAL_CHECK_OUTPUT
x = tf.Variable([1.0, 2.0, 3.0])
with tf.GradientTape() as tape:
    y = tf.reduce_sum(x**2)  # dy/dx = 2x
grad = tape.gradient(y, x)
print("x:", type(x).__name__, "trainable", x.trainable, " y:", type(y).__name__)
print("dy/dx:", grad.numpy().tolist())

c = tf.constant([1.0, 2.0, 3.0])
with tf.GradientTape() as tape:
    y = tf.reduce_sum(c**2)
print("constant, not watched:", tape.gradient(y, c))
with tf.GradientTape() as tape:
    tape.watch(c)
    y = tf.reduce_sum(c**2)
print("constant, watched    :", tape.gradient(y, c).numpy().tolist())

# %% [markdown]
# ### 3.2 `Variable`: `tf.Variable` is state, not PyTorch's old `Variable`
#
# A `tf.Variable` holds a value that can be changed in place (`assign`, `assign_sub`) and keeps its
# identity, so optimizers and checkpoints can find it. A tensor cannot be changed in place at all.
# `trainable=False` makes a variable the tape does not watch automatically (BatchNorm statistics,
# step counters).

# %%
# NBVAL_CHECK_OUTPUT
from utils.show import expect_error  # like pytest.raises: prints the error, fails the cell if none is raised

v = tf.Variable(2.0)
v.assign_sub(0.5)
print("after assign_sub(0.5):", v.numpy())
with expect_error(AttributeError, match="assign"):
    tf.constant(2.0).assign(1.0)

counter = tf.Variable(1.0, trainable=False)
with tf.GradientTape() as tape:
    y = counter * v
print(
    "gradients w.r.t. [non-trainable, trainable]:",
    [None if g is None else float(g) for g in tape.gradient(y, [counter, v])],
)

# %% [markdown]
# ### 3.3 Gradients returned: `tape.gradient`, never stored
#
# `tape.gradient(target, sources)` returns new tensors in the structure of `sources` (a list, a dict,
# a model's `trainable_variables`). Nothing is written into the variables: the counterpart of
# PyTorch's `torch.autograd.grad`, not of `backward()`.

# %%
# NBVAL_CHECK_OUTPUT
w = tf.Variable([0.5, -1.0])
b = tf.Variable(0.25)
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.tanh(w * 2.0 + b) ** 2)
dw, db = tape.gradient(loss, [w, b])
print("dw:", [round(v, 6) for v in dw.numpy().tolist()], " db:", round(float(db), 6))

# %% [markdown]
# ### 3.4 Mistake 1: gradients accumulate (PyTorch's). Not here.
#
# PyTorch's `backward()` adds into `.grad`, so a loop that forgets to reset it goes wrong (twin §3.4).
# A tape returns a fresh gradient every time, so that bug cannot happen in TensorFlow:

# %%
# NBVAL_CHECK_OUTPUT
w = tf.Variable([1.0, -2.0])
for step in range(3):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w**2)
    print(f"step {step}: gradient = {tape.gradient(loss, w).numpy().tolist()}")

# %% [markdown]
# The other side of the coin: when you *want* to accumulate (four micro-batches instead of one big
# batch), you add the gradients yourself. The result is the full-batch gradient, as in the twin.

# %%
rng = np.random.default_rng(0)
features = tf.constant(rng.normal(size=(64, 5)), dtype=tf.float32)
targets = tf.constant(rng.normal(size=64), dtype=tf.float32)
weights = tf.Variable(tf.zeros(5))


def mse(xb, yb):
    return tf.reduce_mean((tf.linalg.matvec(xb, weights) - yb) ** 2)


with tf.GradientTape() as tape:
    full_loss = mse(features, targets)
full = tape.gradient(full_loss, weights)
accumulated = tf.zeros(5)
for xb, yb in zip(tf.split(features, 4), tf.split(targets, 4)):
    with tf.GradientTape() as tape:
        part = mse(xb, yb) / 4
    accumulated += tape.gradient(part, weights)  # by hand
gap = float(tf.reduce_max(tf.abs(accumulated - full)))
print(f"max |accumulated - full-batch gradient| = {gap:.1e}")
assert gap < 1e-6

# %% [markdown]
# ### 3.5 Mistakes 2 and 3: a tape records once, and a Variable that stops being one
#
# A tape frees its record after the first `gradient()` call (PyTorch frees its graph after
# `backward()` the same way, twin §3.5). Asking twice raises:

# %%
x = tf.Variable(2.0, dtype=tf.float64)
with tf.GradientTape() as tape:
    y = tf.exp(x) * x  # dy/dx = (x + 1) e^x = 3 e^2 at x = 2
first = tape.gradient(y, x)
with expect_error(RuntimeError, match="non-persistent"):
    tape.gradient(y, x)

# %% [markdown]
# Fix, when you need several gradients of one computation: `persistent=True` (then drop the tape
# with `del` so its memory is released).

# %%
# NBVAL_CHECK_OUTPUT
import math

with tf.GradientTape(persistent=True) as tape:
    y = tf.exp(x) * x
    z = y * y
dy = tape.gradient(y, x)
dz = tape.gradient(z, x)
del tape
print(f"dy/dx = {float(dy):.6f} = 3 e^2 = {3 * math.exp(2):.6f};  dz/dx = 2 y dy/dx = {float(dz):.4f}")

# %% [markdown]
# A quieter relative: a tape records only what runs **inside** its `with` block. A loss reduced after
# the block is not on the tape, and its gradient is `None`, with no error.

# %%
# NBVAL_CHECK_OUTPUT
w = tf.Variable([1.0, -2.0])
with tf.GradientTape(persistent=True) as tape:
    squares = w**2
loss_outside = tf.reduce_sum(squares)  # computed after the block: not recorded
print("loss reduced outside the block:", tape.gradient(loss_outside, w))
print("the recorded part, inside     :", tape.gradient(squares, w).numpy().tolist())
del tape

# %% [markdown]
# The TensorFlow twin of PyTorch's "in-place update of a leaf" trap: writing the update as
# `w = w - lr * grad` silently **replaces** the Variable by a plain tensor. Nothing fails; the next
# tape simply does not watch it, and the gradient is `None`. Update variables with `assign_sub`
# (what every Keras optimizer does).

# %%
# NBVAL_CHECK_OUTPUT
w = tf.Variable([1.0, -2.0])
for step in range(2):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w**2)
    grad = tape.gradient(loss, w)
    print(f"step {step}: type(w) = {type(w).__name__}, gradient {None if grad is None else grad.numpy().tolist()}")
    if grad is not None:
        w = w - 0.1 * grad  # the bug: w is now an EagerTensor

w = tf.Variable([1.0, -2.0])
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(w**2)
w.assign_sub(0.1 * tape.gradient(loss, w))  # the fix
print("after assign_sub:", [round(v, 4) for v in w.numpy().tolist()], "still a", type(w).__name__)

# %% [markdown]
# ### 3.6 Switching recording off: `tf.stop_gradient`, `stop_recording`, not watching
#
# - `tf.stop_gradient(t)`: gradients stop there (PyTorch: `t.detach()`).
# - `with tape.stop_recording():` nothing inside is recorded (PyTorch: `torch.no_grad()`).
# - Outside a tape nothing is recorded at all: inference needs no switch (PyTorch needs
#   `no_grad` / `inference_mode` there, because its tensors record by default).
# - `tf.GradientTape(watch_accessed_variables=False)`: watch only what you `watch()` explicitly.

# %%
# NBVAL_CHECK_OUTPUT
w = tf.Variable([1.0, 2.0])
with tf.GradientTape(persistent=True) as tape:
    z = tf.reduce_sum(w * tf.stop_gradient(w))
    with tape.stop_recording():
        unrecorded = tf.reduce_sum(w * 3)
print("d/dw sum(w * stop_gradient(w)) =", tape.gradient(z, w).numpy().tolist(), "(not 2w)")
print("gradient of a value computed in stop_recording:", tape.gradient(unrecorded, w))
del tape
with tf.GradientTape(watch_accessed_variables=False) as tape:
    y = tf.reduce_sum(w**2)
print("watch_accessed_variables=False, nothing watched:", tape.gradient(y, w))

# %% [markdown]
# ### 3.7 Higher-order gradients: nested tapes
#
# The outer tape records what the inner tape's `gradient()` computes, so the result can be
# differentiated again. For $f(x) = x^3$: $f'(x) = 3x^2$, $f''(x) = 6x$, $f'''(x) = 6$.

# %%
# NBVAL_CHECK_OUTPUT
x = tf.Variable(2.0)
with tf.GradientTape() as t3:
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            f = x**3
        d1 = t1.gradient(f, x)
    d2 = t2.gradient(d1, x)
d3 = t3.gradient(d2, x)
print(f"f'(2) = {float(d1)}, f''(2) = {float(d2)}, f'''(2) = {float(d3)}")
assert (float(d1), float(d2), float(d3)) == (12.0, 12.0, 6.0)

# %% [markdown]
# A Hessian-vector product with two tapes, checked against the full Hessian from `tape.jacobian`:


# %%
def g(v):
    return tf.reduce_sum(tf.sin(v) * tf.roll(v, 1, axis=0))


v = tf.Variable([0.1, 0.2, 0.3, 0.4], dtype=tf.float64)
u = tf.constant([1.0, 0.0, -1.0, 2.0], dtype=tf.float64)
with tf.GradientTape(persistent=True) as outer:
    with tf.GradientTape() as inner:
        value = g(v)
    grad_g = inner.gradient(value, v)
    directional = tf.reduce_sum(grad_g * u)
hvp = outer.gradient(directional, v)
H = outer.jacobian(grad_g, v)
del outer
print(f"H @ u, two ways, max diff: {float(tf.reduce_max(tf.abs(tf.linalg.matvec(H, u) - hvp))):.1e}")
assert np.allclose(tf.linalg.matvec(H, u).numpy(), hvp.numpy(), atol=1e-12)

# %% [markdown]
# ### 3.8 A custom gradient: `@tf.custom_gradient`
#
# Same example as the twin's `torch.autograd.Function`: softplus $s(x) = \log(1 + e^x)$. Naively,
# $e^{100}$ overflows in float32: value `inf`, gradient `nan`. A function decorated with
# `@tf.custom_gradient` returns its value *and* a function computing the backward pass.
# `tf.test.compute_gradient` (the counterpart of `torch.autograd.gradcheck`) returns the analytic
# and the numerical Jacobian for comparison.


# %%
@tf.custom_gradient
def stable_softplus(x):
    value = tf.maximum(x, 0.0) + tf.math.log1p(tf.exp(-tf.abs(x)))

    def grad(upstream):
        return upstream * tf.sigmoid(x)

    return value, grad


# %%
# NBVAL_CHECK_OUTPUT
points = tf.Variable([-100.0, 0.0, 3.0, 100.0])
with tf.GradientTape(persistent=True) as tape:
    naive = tf.math.log(1 + tf.exp(points))
    stable = stable_softplus(points)
    naive_sum, stable_sum = tf.reduce_sum(naive), tf.reduce_sum(stable)  # inside the block (§3.5)
naive_grad, stable_grad = tape.gradient(naive_sum, points), tape.gradient(stable_sum, points)
del tape
print(
    "naive  value:",
    [round(v, 4) for v in naive.numpy().tolist()],
    " grad:",
    [round(v, 4) for v in naive_grad.numpy().tolist()],
)
print(
    "custom value:",
    [round(v, 4) for v in stable.numpy().tolist()],
    " grad:",
    [round(v, 4) for v in stable_grad.numpy().tolist()],
)
analytic, numeric = tf.test.compute_gradient(stable_softplus, [tf.linspace(tf.constant(-5.0, tf.float64), 5.0, 11)])
print("compute_gradient agrees:", bool(np.allclose(analytic[0], numeric[0], atol=1e-6)))

# %% [markdown]
# ### 3.9 One function, three gradients: two frameworks
#
# The twin's function (§3.9): a logistic-regression loss on 64 shipped digit images ("is it a
# zero?"), in float64,
#
# $$L(w) = \frac{1}{n}\sum_i \log\left(1 + e^{-y_i\, x_i \cdot w}\right) + 0.01\,\lVert w\rVert^2,\qquad
# \nabla L = \frac{1}{n} X^\top\left(-y \odot \sigma(-y \odot Xw)\right) + 0.02\,w$$
#
# Its gradient by the tape, by the formula, and by central finite differences in NumPy.

# %%
from utils.data import load_digits

digits = load_digits()
X_np = digits.x_train[:64].reshape(64, -1).astype(np.float64) / digits.max_value
y_np = np.where(digits.y_train[:64] == 0, 1.0, -1.0)
w0_np = np.random.default_rng(0).normal(0.0, 0.1, size=64)


def loss_np(w):
    return np.mean(np.logaddexp(0.0, -y_np * (X_np @ w))) + 0.01 * w @ w


def finite_differences(f, w, h=1e-6):
    grad = np.zeros_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        grad[i] = (f(w + e) - f(w - e)) / (2 * h)
    return grad


# %% [markdown]
# The tape's gradient, checked against the formula and the finite differences:

# %%
X_tf, y_tf = tf.constant(X_np), tf.constant(y_np)
w_tf = tf.Variable(w0_np)
with tf.GradientTape() as tape:
    loss_tf = tf.reduce_mean(tf.math.softplus(-y_tf * tf.linalg.matvec(X_tf, w_tf))) + 0.01 * tf.reduce_sum(w_tf * w_tf)
grad_tape = tape.gradient(loss_tf, w_tf).numpy()
grad_formula = X_np.T @ (-y_np / (1 + np.exp(y_np * (X_np @ w0_np)))) / len(y_np) + 0.02 * w0_np
grad_fd = finite_differences(loss_np, w0_np)
gap_formula = np.abs(grad_tape - grad_formula).max()
gap_fd = np.abs(grad_tape - grad_fd).max()
print(f"max |tape - formula|            = {gap_formula:.1e}")
print(f"max |tape - finite differences| = {gap_fd:.1e}")
assert gap_formula < 1e-12 and gap_fd < 1e-8

# %%
# NBVAL_CHECK_OUTPUT
# The same line is printed by the PyTorch twin (§3.9): same loss, same gradient, to 10 digits.
norm = np.linalg.norm(grad_tape)
print(f"L(w0) = {float(loss_tf):.10f}   |grad L(w0)| = {norm:.10f}")  # TWIN_PARITY: the twin prints this line

# %% [markdown]
# And directly against PyTorch, imported here on purpose (the setup cell's `with_torch=True` made that safe): the
# same function written with `torch`, differentiated with `backward()`, compared number by number.

# %%
import torch

X_t, y_t = torch.from_numpy(X_np), torch.from_numpy(y_np)
w_t = torch.tensor(w0_np, requires_grad=True)
loss_t = torch.nn.functional.softplus(-y_t * (X_t @ w_t)).mean() + 0.01 * (w_t @ w_t)
loss_t.backward()
gap_frameworks = np.abs(grad_tape - w_t.grad.numpy()).max()
print(f"|loss_tf - loss_torch| = {abs(float(loss_tf) - loss_t.item()):.1e}")
print(f"max |grad_tf - grad_torch| = {gap_frameworks:.1e}   (float64 machine epsilon: {np.finfo(np.float64).eps:.1e})")
assert gap_frameworks < 1e-14

# %% [markdown]
# ## 4. What you just saw
#
# - **TensorFlow has no "differentiable tensor" class at all.** Differentiation is a context, the
#   tape (§3.1): a constant that is not watched has gradient `None`, with no error. `tf.Variable` is
#   mutable state (§3.2, `assign_sub` gave 1.5; a tensor has no `assign`), watched automatically when
#   trainable. So neither framework today has what C13 describes: a separate "Variable" type whose
#   job is autodiff.
# - **Gradients are returned, never accumulated** (§3.3, §3.4): the loop printed `[2, -4]` three times,
#   where PyTorch's forgotten `zero_grad` printed `[2, -4]`, `[4, -8]`, `[6, -12]`. Accumulating on
#   purpose is done by hand and reproduced the full-batch gradient.
# - **A tape records once** unless `persistent=True` (§3.5), and `w = w - lr * g` turns a Variable
#   into a tensor, after which the gradient is silently `None`: TensorFlow's quiet counterpart of
#   PyTorch's loud "leaf Variable ... in-place" error.
# - **Stopping, nesting and customising** map one to one onto PyTorch (§3.6 to §3.8): the custom
#   softplus gave value 100 and gradient 1 at $x = 100$, like the twin.
# - **Same function, same numbers.** §3.9: the tape matched the closed form to ~1e-16 and finite
#   differences to ~1e-10; the checked line is identical to the PyTorch twin's; and the two
#   frameworks' gradients, computed side by side, differed by at most the printed amount, a few float64
#   machine epsilons.

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C13 | **outdated** (since PyTorch 0.4, April 2018) | The PyTorch twin's §3.2 printed `type(Variable(t)) = <class 'torch.Tensor'>`: Tensor and Variable merged in 0.4.0 (PyTorch 0.4.0 migration guide). Here, §3.2: `tf.Variable` is mutable state (`assign_sub` printed 1.5) and differentiation comes from the tape, not from a special tensor type (§3.1: an unwatched constant's gradient is `None`). |
# | C10 | **holds partly** | Every PyTorch autograd feature of the twin was replicated here (§3.3 to §3.8), and §3.9 matched PyTorch's gradient to the float64 rounding level it printed. The article's "你需要付出更多的努力" (you need more effort) did not show for autograd: the code is about as long, with different traps (§3.5). It does show elsewhere in the course: sharding a model's parameters takes DTensor's lower-level meshes and layouts in TensorFlow, because Keras's `keras.distribution` is marked "DO NOT USE" on the TensorFlow backend ([09](09_distributed_tensorflow.ipynb) §3.4). |

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** Fit $y \approx Xw$ by plain gradient descent on a `tf.Variable` `w` (no Keras
# optimizer): 200 steps, learning rate 0.1, mean-squared error. Write `fit(X, y)` returning `w`.
# The trap of §3.5 is waiting.


# %% tags=["solution"] jupyter={"source_hidden": true}
def fit(X, y, steps=200, lr=0.1):
    w = tf.Variable(tf.zeros(X.shape[1]))
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((tf.linalg.matvec(X, w) - y) ** 2)
        w.assign_sub(lr * tape.gradient(loss, w))  # not w = w - ...: w must stay a Variable
    return w


# %% tags=["check"]
rng = np.random.default_rng(1)
X_ex = tf.constant(rng.normal(size=(100, 3)), dtype=tf.float32)
y_ex = tf.linalg.matvec(X_ex, tf.constant([1.5, -2.0, 0.5])) + 0.01 * tf.constant(
    rng.normal(size=100), dtype=tf.float32
)
w_fit = fit(X_ex, y_ex)
w_best = np.linalg.lstsq(X_ex.numpy(), y_ex.numpy(), rcond=None)[0]
err = float(np.abs(np.asarray(w_fit) - w_best).max())
print(f"max |w_fit - least-squares w| = {err:.1e}")
assert err < 1e-3, "not the least-squares solution: did w stop being a Variable?"

# %% [markdown]
# **Exercise 2.** Write `second_derivative(fn, x)` that returns $fn''$ at every point of the 1-D
# tensor `x` (element-wise functions only), with two nested tapes.


# %% tags=["solution"] jupyter={"source_hidden": true}
def second_derivative(fn, x):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = fn(x)
        d1 = inner.gradient(y, x)
    return outer.gradient(d1, x)


# %% tags=["check"]
xs = tf.linspace(tf.constant(-2.0, tf.float64), 2.0, 9)
got = second_derivative(tf.tanh, xs).numpy()
t = np.tanh(xs.numpy())
expected = -2 * t * (1 - t**2)
print("tanh'' matches -2 tanh (1 - tanh^2) at 9 points:", bool(np.allclose(got, expected, atol=1e-12)))
assert np.allclose(got, expected, atol=1e-12), "not tanh''(x): nest two tapes, the outer one watching x"

# %% [markdown]
# **Exercise 3.** A *straight-through* rounding: forward rounds to the nearest integer, backward
# pretends it was the identity (used to train quantised networks). Write it with
# `@tf.custom_gradient`, named `round_ste`.


# %% tags=["solution"] jupyter={"source_hidden": true}
@tf.custom_gradient
def round_ste(x):
    def grad(upstream):
        return upstream

    return tf.round(x), grad


# %% tags=["check"]
xq = tf.Variable([0.2, 1.7, -2.6])
with tf.GradientTape() as tape:
    out = round_ste(xq)
    total = tf.reduce_sum(out * tf.constant([1.0, 2.0, 3.0]))
gq = tape.gradient(total, xq)
print("forward:", out.numpy().tolist(), " gradient:", None if gq is None else gq.numpy().tolist())
assert out.numpy().tolist() == [0.0, 2.0, -3.0] and gq is not None and gq.numpy().tolist() == [1.0, 2.0, 3.0], (
    "forward must round, the custom gradient pass the upstream gradient through unchanged"
)

# %% [markdown]
# ## 7. Summary
#
# 1. TensorFlow differentiates what a `tf.GradientTape` records: trainable Variables automatically,
#    tensors only after `tape.watch`; anything else gets a silent `None`.
# 2. `tf.Variable` means *mutable state*, not "differentiable tensor"; keep it a Variable by updating
#    with `assign` / `assign_sub`.
# 3. `tape.gradient` returns gradients (no accumulation to reset); a tape answers once unless
#    `persistent=True`.
# 4. `tf.stop_gradient`, `stop_recording`, nested tapes, `tape.jacobian` and `@tf.custom_gradient`
#    cover what PyTorch's `detach`, `no_grad`, `create_graph`, `autograd.functional` and
#    `autograd.Function` do.
# 5. Same function, same gradient: TensorFlow and PyTorch agree to float64 rounding.
#
# Next: [03_networks_tensorflow.ipynb](03_networks_tensorflow.ipynb), defining and training a network.
