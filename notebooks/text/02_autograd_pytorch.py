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
# # 02 · Autograd: tensors, "Variables" and gradients (PyTorch)
#
# Twin: [02_autograd_tensorflow.ipynb](02_autograd_tensorflow.ipynb) · Start: [00_start_here.ipynb](00_start_here.ipynb)
#
# How PyTorch records a computation and differentiates it: `requires_grad`, `.backward()`,
# `torch.autograd.grad`, switching recording off, higher-order gradients and a custom
# `torch.autograd.Function`, plus the three mistakes everybody makes once. The old
# `torch.autograd.Variable` appears once, as history. About 5 s on a 2-core laptop.
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/02_autograd_pytorch.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/02_autograd_pytorch.ipynb)

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

device = start_torch(seed=0)  # autograd is the same on every device: these small tensors stay on the CPU

# %% [markdown]
# ## 1. What the articles claim
#
# - **C13** (article 004): *"PyTorch's core objects are Tensors and Variables; a Variable is a special
#   tensor that supports automatic differentiation."*
# - **C10** (article 000), where it touches gradients: *"Everything in PyTorch can be replicated in
#   TensorFlow, with more effort."* This pair checks it for autograd: every PyTorch feature below has
#   a TensorFlow counterpart in the twin, section by section.

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
# In PyTorch before version 0.4 (April 2018) you had to wrap a tensor in `torch.autograd.Variable` to
# get the record (PyTorch 0.4.0 release notes: "Tensors and Variables have merged"). Since 0.4 the
# two classes are one: that is the heart of **C13**.

# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 Recording: a tensor that requires gradients
#
# `requires_grad=True` makes a *leaf* tensor that autograd tracks. Every result computed from it gets a
# `grad_fn`: the node of the recorded graph that knows how to differentiate that operation.
# `backward()` on a scalar fills `.grad` of the leaves.

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x**2).sum()  # y = x1^2 + x2^2 + x3^2, dy/dx = 2x
print("x:", type(x).__name__, "requires_grad", x.requires_grad, "is_leaf", x.is_leaf)
print("y:", type(y).__name__, "grad_fn", type(y.grad_fn).__name__, "is_leaf", y.is_leaf)
y.backward()
print("x.grad:", x.grad.tolist())
assert torch.equal(x.grad, 2 * x.detach())

# %% [markdown]
# ### 3.2 `Variable`: what `torch.autograd.Variable` is today (history)
#
# Old tutorials (and article 004) wrap tensors in `Variable(...)`. The class still exists so that old
# code runs, but since PyTorch 0.4 it is a thin shim: calling it returns a plain `torch.Tensor`
# ([0.4.0 migration guide](https://pytorch.org/blog/pytorch-0_4_0-migration-guide/), "Tensors and
# Variables have merged"; the [autograd docs](https://pytorch.org/docs/stable/autograd.html#variable-deprecated)
# list it as deprecated). Even `isinstance(tensor, Variable)` answers `True` for every tensor.

# %%
# NBVAL_CHECK_OUTPUT
from torch.autograd import Variable  # History: imported only to show what it is today

plain = torch.ones(3)
old_style = Variable(plain, requires_grad=True)  # History: 2017-era code
print("type(Variable(t))        :", type(old_style))
print("is exactly torch.Tensor  :", type(old_style) is torch.Tensor)
print("isinstance(plain, Variable):", isinstance(plain, Variable))
print("old_style.requires_grad  :", old_style.requires_grad)
# the modern spelling of the same thing:
modern = torch.ones(3, requires_grad=True)
print("same kind of object      :", type(modern) is type(old_style))

# %% [markdown]
# The name survives in one place a learner will meet: some error messages still say "leaf Variable"
# (§3.5). It means "leaf tensor that requires grad".
#
# ### 3.3 Gradients returned: `torch.autograd.grad`, not accumulated
#
# `backward()` writes into `.grad`. `torch.autograd.grad(outputs, inputs)` returns the gradients as
# new tensors and leaves `.grad` alone: the functional style, and the closer analogue of
# TensorFlow's `tape.gradient`.

# %%
# NBVAL_CHECK_OUTPUT
w = torch.tensor([0.5, -1.0], requires_grad=True)
b = torch.tensor(0.25, requires_grad=True)
loss = (torch.tanh(w * 2.0 + b) ** 2).sum()
dw, db = torch.autograd.grad(loss, (w, b))
print("dw:", [round(v, 6) for v in dw.tolist()], " db:", round(db.item(), 6))
print("w.grad is still", w.grad)

# %% [markdown]
# ### 3.4 Mistake 1: gradients accumulate
#
# `backward()` **adds** into `.grad`. That is deliberate (it lets you sum gradients over
# micro-batches), and it is the first bug of every hand-written training loop: forget to reset
# `.grad` and each step uses the sum of all previous gradients.

# %%
# NBVAL_CHECK_OUTPUT
w = torch.tensor([1.0, -2.0], requires_grad=True)
for step in range(3):
    loss = (w**2).sum()  # gradient is 2w = [2, -4] every time
    loss.backward()
    print(f"step {step}: w.grad = {w.grad.tolist()}  (true gradient {(2 * w).tolist()})")

# %% [markdown]
# The fix: clear the gradient before each backward pass (`optimizer.zero_grad()` does this for every
# parameter; by default it sets `.grad` to `None`).

# %%
# NBVAL_CHECK_OUTPUT
w.grad = None
for step in range(3):
    w.grad = None  # what optimizer.zero_grad() does
    loss = (w**2).sum()
    loss.backward()
    print(f"step {step}: w.grad = {w.grad.tolist()}")
assert torch.equal(w.grad, 2 * w.detach())

# %% [markdown]
# Accumulation used on purpose: four micro-batches of 16 samples, each loss divided by 4, give exactly
# the gradient of the 64-sample batch (up to float rounding). This is how you train with a batch that
# does not fit in memory.

# %%
import numpy as np

rng = np.random.default_rng(0)
features = torch.tensor(rng.normal(size=(64, 5)), dtype=torch.float32)
targets = torch.tensor(rng.normal(size=64), dtype=torch.float32)
weights = torch.zeros(5, requires_grad=True)


def mse(xb, yb):
    return ((xb @ weights - yb) ** 2).mean()


full = torch.autograd.grad(mse(features, targets), weights)[0]
weights.grad = None
for xb, yb in zip(features.split(16), targets.split(16)):
    (mse(xb, yb) / 4).backward()  # accumulates into weights.grad
gap = (weights.grad - full).abs().max().item()
print(f"max |accumulated - full-batch gradient| = {gap:.1e}")
assert gap < 1e-6

# %% [markdown]
# ### 3.5 Mistakes 2 and 3: backward twice, and updating a leaf in place
#
# After `backward()` PyTorch frees the intermediate values the graph saved, so a second `backward()`
# through the same graph fails. (TensorFlow's non-persistent tape has the same rule: the twin's §3.5.)

# %%
from utils.show import expect_error  # like pytest.raises: prints the error, fails the cell if none is raised

x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
y = torch.exp(x) * x  # dy/dx = (x + 1) e^x = 3 e^2 at x = 2
y.backward()
with expect_error(RuntimeError, match="second time"):
    y.backward()

# %% [markdown]
# Fix, when you really need two passes: `retain_graph=True` on the first one.

# %%
# NBVAL_CHECK_OUTPUT
import math

x.grad = None
y = torch.exp(x) * x
y.backward(retain_graph=True)
y.backward()
print(f"two passes: x.grad = {x.grad.item():.6f} = 2 * 3 e^2 = {2 * 3 * math.exp(2):.6f}")

# %% [markdown]
# A gradient-descent step written as `w -= lr * w.grad` is an in-place change of a leaf that autograd
# is tracking; PyTorch refuses it (note the historical word "Variable" in the message). Do the update
# inside `torch.no_grad()`: that is what every `torch.optim` optimizer does.

# %%
w = torch.tensor([1.0, -2.0], requires_grad=True)
(w**2).sum().backward()
with expect_error(RuntimeError, match="leaf Variable"):
    w -= 0.1 * w.grad

with torch.no_grad():
    w -= 0.1 * w.grad
print("after the step:", [round(v, 4) for v in w.tolist()], "requires_grad still", w.requires_grad)
assert torch.allclose(w, torch.tensor([0.8, -1.6]))

# %% [markdown]
# ### 3.6 Switching recording off: `no_grad`, `inference_mode`, `detach`
#
# - `torch.no_grad()`: nothing inside is recorded (evaluation, weight updates).
# - `torch.inference_mode()`: the same, and faster; its results may never enter autograd later.
# - `t.detach()`: a tensor sharing `t`'s data with no history: gradients stop there
#   (TensorFlow: `tf.stop_gradient`).

# %%
# NBVAL_CHECK_OUTPUT
w = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.no_grad():
    a = w * 3
with torch.inference_mode():
    c = w * 3
print("no_grad result requires_grad:", a.requires_grad)
print("inference_mode result       :", c.requires_grad, "is_inference", c.is_inference())
with expect_error(RuntimeError):
    (c * w).sum().backward()

# detach: d/dw of (w * detach(w)) treats the second factor as a constant
z = (w * w.detach()).sum()
(gz,) = torch.autograd.grad(z, w)
print("d/dw sum(w * w.detach()) =", gz.tolist(), "(not 2w)")

# %% [markdown]
# ### 3.7 Higher-order gradients
#
# `create_graph=True` records the backward pass itself, so its result can be differentiated again.
# For $f(x) = x^3$: $f'(x) = 3x^2$, $f''(x) = 6x$, $f'''(x) = 6$.

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor(2.0, requires_grad=True)
f = x**3
(d1,) = torch.autograd.grad(f, x, create_graph=True)
(d2,) = torch.autograd.grad(d1, x, create_graph=True)
(d3,) = torch.autograd.grad(d2, x)
print(f"f'(2) = {d1.item()}, f''(2) = {d2.item()}, f'''(2) = {d3.item()}")
assert (d1.item(), d2.item(), d3.item()) == (12.0, 12.0, 6.0)

# %% [markdown]
# A Hessian-vector product the same way (two backward passes, no Hessian stored), checked against
# `torch.autograd.functional.hessian`, which builds the whole matrix:


# %%
def g(v):
    return (torch.sin(v) * v.roll(1)).sum()


v = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64, requires_grad=True)
u = torch.tensor([1.0, 0.0, -1.0, 2.0], dtype=torch.float64)
(grad_g,) = torch.autograd.grad(g(v), v, create_graph=True)
(hvp,) = torch.autograd.grad(grad_g @ u, v)
H = torch.autograd.functional.hessian(g, v.detach())
print(f"H @ u, two ways, max diff: {(H @ u - hvp).abs().max().item():.1e}")
assert torch.allclose(H @ u, hvp, atol=1e-12)

# %% [markdown]
# ### 3.8 A custom gradient: `torch.autograd.Function`
#
# When the automatic gradient is numerically poor you can write the backward pass yourself. Example:
# softplus $s(x) = \log(1 + e^x)$. Written naively, $e^{100}$ overflows in float32, the value is `inf`
# and the gradient $e^x / (1 + e^x)$ is `inf / inf = nan`. A `Function` with a stable forward and the
# exact derivative $\sigma(x)$ fixes both. (TensorFlow: `@tf.custom_gradient`, twin §3.8.)


# %%
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)


# %%
# NBVAL_CHECK_OUTPUT
points = torch.tensor([-100.0, 0.0, 3.0, 100.0], requires_grad=True)
naive = torch.log(1 + torch.exp(points))
(naive_grad,) = torch.autograd.grad(naive.sum(), points)
stable = StableSoftplus.apply(points)
(stable_grad,) = torch.autograd.grad(stable.sum(), points)
print("naive  value:", [round(v, 4) for v in naive.tolist()], " grad:", [round(v, 4) for v in naive_grad.tolist()])
print("custom value:", [round(v, 4) for v in stable.tolist()], " grad:", [round(v, 4) for v in stable_grad.tolist()])
# gradcheck compares the hand-written backward with finite differences, in float64
print(
    "gradcheck:",
    torch.autograd.gradcheck(
        StableSoftplus.apply, (torch.linspace(-5, 5, 11, dtype=torch.float64, requires_grad=True),)
    ),
)

# %% [markdown]
# ### 3.9 One function, three gradients: the twin prints the same numbers
#
# A logistic-regression loss on 64 shipped digit images ("is it a zero?"), in float64:
#
# $$L(w) = \frac{1}{n}\sum_i \log\left(1 + e^{-y_i\, x_i \cdot w}\right) + 0.01\,\lVert w\rVert^2,\qquad
# \nabla L = \frac{1}{n} X^\top\left(-y \odot \sigma(-y \odot Xw)\right) + 0.02\,w$$
#
# Its gradient three ways: autograd, the formula above, and central finite differences in NumPy
# (independent of both frameworks). The TensorFlow twin (§3.9) computes the same function with
# `tf.GradientTape`, prints the same checked line, and also imports PyTorch to compare the two
# frameworks' gradients directly.

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
# Autograd's gradient, checked against the formula and the finite differences:

# %%
X_t, y_t = torch.from_numpy(X_np), torch.from_numpy(y_np)
w_t = torch.tensor(w0_np, requires_grad=True)
loss_t = torch.nn.functional.softplus(-y_t * (X_t @ w_t)).mean() + 0.01 * (w_t @ w_t)
loss_t.backward()
grad_autograd = w_t.grad.numpy()
grad_formula = X_np.T @ (-y_np / (1 + np.exp(y_np * (X_np @ w0_np)))) / len(y_np) + 0.02 * w0_np
grad_fd = finite_differences(loss_np, w0_np)
gap_formula = np.abs(grad_autograd - grad_formula).max()
gap_fd = np.abs(grad_autograd - grad_fd).max()
print(f"max |autograd - formula|            = {gap_formula:.1e}")
print(f"max |autograd - finite differences| = {gap_fd:.1e}")
assert gap_formula < 1e-12 and gap_fd < 1e-8

# %%
# NBVAL_CHECK_OUTPUT
# The same line is printed by the TensorFlow twin (§3.9): same loss, same gradient, to 10 digits.
norm = np.linalg.norm(grad_autograd)
print(f"L(w0) = {loss_t.item():.10f}   |grad L(w0)| = {norm:.10f}")  # TWIN_PARITY: the twin prints this line

# %% [markdown]
# ## 4. What you just saw
#
# - **There is one kind of object.** §3.2 printed that `Variable(t, requires_grad=True)` returns
#   `<class 'torch.Tensor'>`, and that `isinstance(torch.ones(3), Variable)` is `True`: the old class is
#   an alias kept for old code. A tensor becomes differentiable through a flag, `requires_grad`, and
#   records its history in `grad_fn` (§3.1).
# - **Gradients accumulate** in `.grad` (§3.4 printed `[2, -4]`, `[4, -8]`, `[6, -12]` for a
#   constant true gradient of `[2, -4]`); resetting fixes it, and accumulating on purpose reproduced the
#   full-batch gradient to float rounding.
# - **A graph is consumed by its backward pass** unless `retain_graph=True` (§3.5), and a leaf that
#   requires grad is updated only under `no_grad` (the error still says "leaf Variable").
# - **Recording can be switched off** three ways (§3.6), **differentiated again** with
#   `create_graph=True` (§3.7: 12, 12, 6 for $x^3$ at 2), and **replaced** by a hand-written backward
#   (§3.8: value 100 and gradient 1 at $x=100$ where the naive version gave `inf` and `nan`).
# - **Autograd is exact, not approximate**: §3.9 agreed with the closed-form gradient to about
#   1e-16 and with finite differences to the finite-difference error (about 1e-10). The checked line
#   `L(w0) = ... |grad L(w0)| = ...` is identical in the TensorFlow twin, which also compares the two
#   frameworks' gradients directly.
# - What this does **not** show: speed. Recording costs time and memory in both frameworks; no
#   notebook isolates that cost (the speed pair, 08, times whole training steps, recording included,
#   in both frameworks; pair 01's §3.6 times only forward passes, without recording).

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C13 | **outdated** (since PyTorch 0.4, April 2018) | §3.2 printed `type(Variable(t)) = <class 'torch.Tensor'>` and `isinstance(plain, Variable): True`: `Variable` is a deprecated alias that returns a Tensor; differentiability is the `requires_grad` flag on an ordinary tensor (§3.1). Tensors and Variables were merged in 0.4.0 (PyTorch 0.4.0 migration guide). TensorFlow's `tf.Variable` is a different thing: mutable state (twin §3.2). |
# | C10 | **holds partly** | For autograd, every feature here has a TensorFlow counterpart that the twin runs section by section (`backward`/`grad` ↔ `tape.gradient`, `detach` ↔ `tf.stop_gradient`, `create_graph` ↔ nested tapes, `autograd.Function` ↔ `tf.custom_gradient`), and §3.9's checked line is identical in both. The article's "你需要付出更多的努力" (you need more effort) did not show for autograd: each TensorFlow cell of the twin is about as long as its PyTorch counterpart. It does show elsewhere in the course: sharding a model's parameters takes DTensor's lower-level meshes and layouts in TensorFlow, because Keras's `keras.distribution` is marked "DO NOT USE" on the TensorFlow backend ([09](09_distributed_tensorflow.ipynb) §3.4). |

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** Fit $y \approx Xw$ by plain gradient descent on a leaf tensor `w` (no `torch.optim`):
# 200 steps, learning rate 0.1, mean-squared error. Write `fit(X, y)` returning `w`. The two traps
# from §3.4 and §3.5 are waiting.


# %% tags=["solution"] jupyter={"source_hidden": true}
def fit(X, y, steps=200, lr=0.1):
    w = torch.zeros(X.shape[1], requires_grad=True)
    for _ in range(steps):
        w.grad = None  # trap 1: reset, or gradients pile up
        loss = ((X @ w - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():  # trap 2: update the leaf outside autograd
            w -= lr * w.grad
    return w


# %% tags=["check"]
rng = np.random.default_rng(1)
X_ex = torch.tensor(rng.normal(size=(100, 3)), dtype=torch.float32)
y_ex = X_ex @ torch.tensor([1.5, -2.0, 0.5]) + 0.01 * torch.tensor(rng.normal(size=100), dtype=torch.float32)
w_fit = fit(X_ex, y_ex)
w_best = torch.linalg.lstsq(X_ex, y_ex.unsqueeze(1)).solution.squeeze(1)
err = (w_fit.detach() - w_best).abs().max().item()
print(f"max |w_fit - least-squares w| = {err:.1e}")
assert err < 1e-3, "not the least-squares solution: are gradients accumulating?"

# %% [markdown]
# **Exercise 2.** Write `second_derivative(fn, x)` that returns $fn''$ at every point of the 1-D
# tensor `x` (element-wise functions only), using `torch.autograd.grad` twice.


# %% tags=["solution"] jupyter={"source_hidden": true}
def second_derivative(fn, x):
    x = x.detach().requires_grad_(True)
    (d1,) = torch.autograd.grad(fn(x).sum(), x, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), x)
    return d2


# %% tags=["check"]
xs = torch.linspace(-2, 2, 9, dtype=torch.float64)
got = second_derivative(torch.tanh, xs)
t = torch.tanh(xs)
expected = -2 * t * (1 - t**2)
print("tanh'' matches -2 tanh (1 - tanh^2) at 9 points:", torch.allclose(got, expected, atol=1e-12))
assert torch.allclose(got, expected, atol=1e-12), (
    "not tanh''(x): differentiate twice, create_graph=True on the first grad"
)

# %% [markdown]
# **Exercise 3.** A *straight-through* rounding: forward rounds to the nearest integer, backward
# pretends it was the identity (used to train quantised networks). Write it as a
# `torch.autograd.Function` named `RoundSTE`.


# %% tags=["solution"] jupyter={"source_hidden": true}
class RoundSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return torch.round(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


# %% tags=["check"]
xq = torch.tensor([0.2, 1.7, -2.6], requires_grad=True)
out = RoundSTE.apply(xq)
(gq,) = torch.autograd.grad((out * torch.tensor([1.0, 2.0, 3.0])).sum(), xq)
print("forward:", out.tolist(), " gradient:", gq.tolist())
assert out.tolist() == [0.0, 2.0, -3.0] and gq.tolist() == [1.0, 2.0, 3.0], (
    "forward must round, backward pass the gradient through unchanged"
)

# %% [markdown]
# ## 7. Summary
#
# 1. There are no Variables in today's PyTorch: `requires_grad=True` on a tensor is all autograd needs;
#    `torch.autograd.Variable(t)` survives only as an alias that returns a tensor.
# 2. `backward()` **accumulates** into `.grad`: reset it every step (`optimizer.zero_grad()`), or use
#    `torch.autograd.grad`, which returns gradients instead.
# 3. A backward pass frees the graph (`retain_graph=True` keeps it); update leaves under `no_grad`.
# 4. `no_grad` / `inference_mode` / `detach` stop recording; `create_graph=True` gives higher-order
#    gradients; `torch.autograd.Function` lets you write a backward pass, checked by `gradcheck`.
# 5. Autograd is exact: it matches the closed form to ~1e-16 and the TensorFlow twin to the last digit.
#
# Next: [03_networks_pytorch.ipynb](03_networks_pytorch.ipynb), defining and training a network.
