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
# # 03 · Defining and training a network (PyTorch)
#
# Twin: [03_networks_tensorflow.ipynb](03_networks_tensorflow.ipynb) · Start: [00_start_here.ipynb](00_start_here.ipynb)
#
# One small CNN for the shipped 8×8 digits, defined as an `nn.Module` subclass and as an
# `nn.Sequential`, trained with an explicit loop and a progress bar, evaluated, saved and loaded
# safely; the defaults that differ from Keras, printed; and the *same Keras model* trained on the
# PyTorch backend in a subprocess. The **numerical parity proof** (these weights copied into Keras,
# same logits, same training curve) needs both frameworks in one process: it lives in the
# TensorFlow twin, §3.6. About 10 s on a quiet 2-core laptop (20 s on a busy one).
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/03_networks_pytorch.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/03_networks_pytorch.ipynb)

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

device = start_torch(seed=0, threads=1)  # 1 thread: this CNN is too small to gain from more (see pair 04)

# %% [markdown]
# ## 1. What the articles claim
#
# - **C5** (article 000): *"In PyTorch a network is a class: layers from `torch.nn` are defined in
#   `__init__`, `forward()` says how input flows, and `model = NeuralNet()` binds it."*
# - **C6** (article 000): *"In TensorFlow you declare `Sequential()` and call `model.add()` layer by
#   layer (Keras, or `tf.layers`)."*
# - **C10** (article 000): *"Everything in PyTorch can be replicated in TensorFlow, with more effort."*
# - **C11** (article 000): *"CNNs built with either framework reach excellent ImageNet results, but the
#   final results differ by framework because key training parameters depend on it."*

# %% [markdown]
# ## 2. The idea
#
# A network is two things: **parameters** (arrays of numbers) and a **forward function** that turns an
# input and the parameters into an output. Both frameworks let you write the forward function as a
# class (PyTorch `nn.Module`, Keras `keras.Model` subclass) or as a stack of layers (`nn.Sequential`,
# `keras.Sequential`); Keras adds a third, the Functional API (a graph of layer calls).
#
# Training is the same loop everywhere: take a batch, compute the loss, get gradients (notebook 02),
# let an optimizer update the parameters. PyTorch makes you write the loop; Keras writes it for you in
# `model.fit` and lets you write it yourself when you need to.
#
# Two networks that are *mathematically* the same can still give different results in the two
# frameworks, for reasons that are not "the framework": **memory layout** (PyTorch images are
# N, C, H, W; Keras images are N, H, W, C; weight matrices are stored transposed), **defaults**
# (initialisers, optimizer epsilon, BatchNorm momentum), and **data order**. Make those the same and
# the results are the same to float32 rounding: the TensorFlow twin proves it in §3.6.

# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 The data
#
# 1,797 grey 8×8 digit images shipped with the course, split once into 1,437 training and 360 test
# images. PyTorch convention: a batch of images is `(N, C, H, W)`, channels first.

# %%
# NBVAL_CHECK_OUTPUT
from utils.data import digits_torch

x_train, y_train = digits_torch("train")
x_test, y_test = digits_torch("test")
print("train:", tuple(x_train.shape), x_train.dtype, " labels:", tuple(y_train.shape), y_train.dtype)
print("test :", tuple(x_test.shape), " pixel range:", (x_train.min().item(), x_train.max().item()))

# %% [markdown]
# ### 3.2 The network: a class (the C5 way)
#
# Layers with parameters are created in `__init__` (so the module registers them), `forward` says how
# the input flows, and `DigitsCNN()` builds one. `padding=1` keeps 8×8 after a 3×3 convolution (Keras
# calls that `padding="same"`); two 2×2 poolings give 16 channels of 2×2, flattened to 64 numbers.

# %%
from torch import nn


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)  # (N, 1, 8, 8) -> (N, 8, 8, 8)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)  # pooled (N, 8, 4, 4) -> (N, 16, 4, 4)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 2 * 2, 32)  # pooled (N, 16, 2, 2) flattened: 64
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc2(torch.relu(self.fc1(x)))


# %%
# NBVAL_CHECK_OUTPUT
model = DigitsCNN().to(device)
for name, p in model.named_parameters():
    print(f"{name:12s} {str(tuple(p.shape)):16s} {p.numel():5d}")
n_params = sum(p.numel() for p in model.parameters())
print("total parameters:", n_params)
print("logits for a batch of 32:", tuple(model(x_train[:32].to(device)).shape))

# %% [markdown]
# #### 3.2.1 The same network as `nn.Sequential`, built layer by layer
#
# PyTorch has had `nn.Sequential` since its first release, and `append` is Keras's `model.add` under
# another name. For a plain stack of layers nothing forces you to write a class. Copying the class
# model's weights in (only the parameter names differ) gives identical outputs.

# %%
# NBVAL_CHECK_OUTPUT
seq = nn.Sequential()
seq.append(nn.Conv2d(1, 8, 3, padding=1))
seq.append(nn.ReLU())
seq.append(nn.MaxPool2d(2))
seq.append(nn.Conv2d(8, 16, 3, padding=1))
seq.append(nn.ReLU())
seq.append(nn.MaxPool2d(2))
seq.append(nn.Flatten())
seq.append(nn.Linear(64, 32))
seq.append(nn.ReLU())
seq.append(nn.Linear(32, 10))
seq = seq.to(device)
print("parameters:", sum(p.numel() for p in seq.parameters()))
renamed = dict(zip(seq.state_dict().keys(), model.state_dict().values()))  # same order, other names
seq.load_state_dict(renamed)
with torch.no_grad():
    same = torch.equal(seq(x_test.to(device)), model(x_test.to(device)))
print("class model and Sequential give identical logits:", same)

# %% [markdown]
# ### 3.3 Training: the explicit loop
#
# The five lines every PyTorch user writes: `zero_grad`, forward, loss, `backward`, `step`.
# `nn.CrossEntropyLoss` takes **logits** (it applies log-softmax itself). The `DataLoader` shuffles
# with its own seeded generator, so the batch order is reproducible. `tqdm` draws the progress bar.
# The split is the twin's: it trains on the first 90 % of the training images and holds out the last
# 10 % (what Keras's `validation_split=0.1` does), so both frameworks learn from the same 1,293 images.

# %%
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

torch.manual_seed(0)
model = DigitsCNN().to(device)
n_fit = int(len(x_train) * 0.9)  # floor, as Keras's validation_split computes it
x_val, y_val = x_train[n_fit:], y_train[n_fit:]
loader = DataLoader(
    TensorDataset(x_train[:n_fit], y_train[:n_fit]),
    batch_size=32,
    shuffle=True,
    generator=torch.Generator().manual_seed(0),
)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
loss_fn = nn.CrossEntropyLoss()

# %% [markdown]
# The loop itself, one epoch per turn, with a validation loss at the end of each:

# %%
epochs = 8
history, val_history = [], []
bar = tqdm(range(epochs), desc="training", mininterval=1.0)
for epoch in bar:
    model.train()
    total, seen = 0.0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
        seen += len(yb)
    history.append(total / seen)
    model.eval()
    with torch.no_grad():
        val_history.append(loss_fn(model(x_val.to(device)), y_val.to(device)).item())
    bar.set_postfix(loss=f"{history[-1]:.3f}", val_loss=f"{val_history[-1]:.3f}")
bar.close()
print(f"trained on {n_fit} images, validated on {len(y_val)}")
print("mean training loss per epoch:", [round(h, 3) for h in history])
print("validation loss per epoch:   ", [round(h, 3) for h in val_history])
assert history[-1] < history[0] / 5

# %% [markdown]
# ### 3.4 Evaluation
#
# `model.eval()` switches layers like dropout and BatchNorm to inference behaviour (this model has
# none, but the habit matters), and `torch.no_grad()` stops autograd from recording (notebook 02).

# %%
model.eval()
with torch.no_grad():
    logits = model(x_test.to(device))
test_accuracy = (logits.argmax(dim=1).cpu() == y_test).float().mean().item()
print(f"test accuracy: {test_accuracy:.3f} on {len(y_test)} images")
assert test_accuracy > 0.9

# %% [markdown]
# ### 3.5 Saving and loading safely
#
# Save the **state_dict** (a dict of tensors), not the model object, and load it with
# `torch.load(..., weights_only=True)`: only tensors and plain containers are unpickled, so a
# downloaded checkpoint cannot run code. (`weights_only=True` is the default since PyTorch 2.6, as
# torch's own error message for a refused file says: "In PyTorch 2.6, we changed the default value of the
# `weights_only` argument in `torch.load` from `False` to `True`"; we pass it anyway so the intent is
# visible.) The class itself comes from your code.

# %%
import pathlib
import tempfile

workdir = pathlib.Path(tempfile.mkdtemp(prefix="course03_"))
path = workdir / "digits_cnn.pt"
torch.save(model.state_dict(), path)
print(f"saved {path.name}: {path.stat().st_size / 1024:.1f} KiB")

restored = DigitsCNN().to(device)
restored.load_state_dict(torch.load(path, weights_only=True, map_location=device))
restored.eval()
with torch.no_grad():
    identical = torch.equal(restored(x_test.to(device)), logits)
print("restored model gives identical logits:", identical)
assert identical

# %% [markdown]
# Pickling the whole model object also works, but a safe load refuses it: the file names a class to
# import and call, which is exactly what an attacker's checkpoint would do.

# %%
import pickle
import re

from utils.show import expect_error  # like pytest.raises: prints the error, fails the cell if none is raised

whole = workdir / "whole_model.pt"
torch.save(model, whole)
unsupported = r"Unsupported global: GLOBAL \S+"  # the class the file asks to import: refused
with expect_error(pickle.UnpicklingError, match=unsupported) as refused:
    torch.load(whole, weights_only=True)
print("  because:", re.search(unsupported, str(refused.error)).group(0))

# %% [markdown]
# ### 3.6 Parity: where the proof is
#
# Copying these PyTorch weights into the Keras model (conv kernels permuted, `Linear` weights
# transposed, the flatten order fixed), getting the same logits to ~1e-8, then training both from the
# same start with the same optimizer, batches and loss and plotting the two loss curves: that needs
# both frameworks in one process, so it runs in the **TensorFlow twin, §3.6**, which imports PyTorch
# on purpose. This notebook stays PyTorch-only (apart from the Keras subprocess of §3.8).

# %% [markdown]
# ### 3.7 Defaults that differ between the frameworks
#
# The same *names* (Adam, BatchNorm, Linear/Dense) come with different default numbers. PyTorch's,
# read from the objects themselves:

# %%
# NBVAL_CHECK_OUTPUT
import numpy as np

lin = nn.Linear(64, 32)
print(
    "Linear(64, 32) init  : weight within +/-",
    round(1 / np.sqrt(64), 4),
    "(kaiming_uniform, a=sqrt(5)):",
    bool(lin.weight.abs().max() <= 1 / np.sqrt(64)),
    "| bias nonzero:",
    bool(lin.bias.abs().sum() > 0),
)
adam = torch.optim.Adam(lin.parameters())
print("Adam                 : lr", adam.defaults["lr"], " betas", adam.defaults["betas"], " eps", adam.defaults["eps"])
sgd = torch.optim.SGD(lin.parameters())
print("SGD                  : lr", sgd.defaults["lr"], " momentum", sgd.defaults["momentum"])

# %% [markdown]
# ...and of normalisation, the loss and the data loader:

# %%
# NBVAL_CHECK_OUTPUT
bn = nn.BatchNorm2d(8)
print("BatchNorm2d          : eps", bn.eps, " momentum", bn.momentum, "(weight of the NEW batch statistic)")
ce = nn.CrossEntropyLoss()
logits, target = torch.linspace(-2, 2, 20).reshape(2, 10), torch.tensor([3, 7])  # fixed numbers: no random draw
print(
    "CrossEntropyLoss     : reduction",
    ce.reduction,
    " label_smoothing",
    ce.label_smoothing,
    " on raw logits == NLL of log_softmax:",
    torch.allclose(ce(logits, target), nn.NLLLoss()(logits.log_softmax(1), target)),
)
dl = DataLoader(TensorDataset(x_train, y_train))
print(
    "DataLoader           : batch_size", dl.batch_size, " shuffles:", type(dl.sampler).__name__ != "SequentialSampler"
)

# %% [markdown]
# Side by side with Keras 3 (the twin's §3.7 prints the right-hand column from Keras itself):
#
# | what | PyTorch | Keras 3 | effect |
# |---|---|---|---|
# | Dense/Linear and Conv weight init | `kaiming_uniform_(a=√5)`: uniform ±1/√fan_in | `glorot_uniform`: uniform ±√(6/(fan_in+fan_out)) | different starting point, so a different run |
# | bias init | uniform ±1/√fan_in | zeros | same |
# | Adam `eps` | 1e-8, added to √v̂ (bias-corrected) | 1e-7, added to √v (not corrected) | different steps where gradients are tiny |
# | SGD learning rate | 1e-3 | 0.01 | 10× different step |
# | BatchNorm `eps` | 1e-5 | 1e-3 | different normalisation |
# | BatchNorm `momentum` | 0.1 = weight of the *new* batch | 0.99 = weight of the *old* average | same idea, opposite convention |
# | BatchNorm running variance | unbiased (n−1) | biased (n) | inference outputs differ slightly |
# | classification loss | `CrossEntropyLoss` takes logits | `SparseCategoricalCrossentropy(from_logits=False)` expects probabilities | wrong loss if you forget `from_logits=True` |
# | batch size / shuffling | `DataLoader`: 1, no shuffle | `fit`: 32, shuffles every epoch | different data order |
# | image layout | N, C, H, W | N, H, W, C | weights must be permuted to port |

# %% [markdown]
# ### 3.8 Keras on the PyTorch backend: Keras 3 runs on PyTorch too
#
# Since Keras 3.0 (November 2023; PyPI, "support for TensorFlow, JAX, and PyTorch") Keras is
# multi-backend: the same Keras code runs on TensorFlow, JAX or
# PyTorch, chosen by the environment variable `KERAS_BACKEND` before `keras` is imported. We run the
# twin's `keras.Sequential` CNN, built with `model.add`, on the PyTorch backend in a separate process
# (a process has one backend, and this kernel stays free of Keras). On that backend a Keras model *is*
# a `torch.nn.Module`.
#
# One trap, visible below: `keras.utils.set_random_seed` also seeds TensorFlow *whenever TensorFlow is
# installed* (its documentation says so), which imports all of TensorFlow into a PyTorch-backend
# process, with all of TensorFlow's memory and start-up time. The script seeds Python, NumPy and torch itself
# instead, and prints whether TensorFlow got imported.

# %%
import textwrap

model_code = textwrap.dedent("""
    model = keras.Sequential()
    model.add(keras.Input(shape=(8, 8, 1)))
    model.add(keras.layers.Conv2D(8, 3, padding="same", activation="relu"))
    model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Conv2D(16, 3, padding="same", activation="relu"))
    model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(32, activation="relu"))
    model.add(keras.layers.Dense(10))
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    print("keras", keras.__version__, "backend:", keras.backend.backend())
    print("model is a torch.nn.Module:", isinstance(model, torch.nn.Module))
    print("its weights are:", type(model.weights[0].value).__name__,
          "| parameters:", sum(p.numel() for p in model.parameters()))
""")

# %% [markdown]
# The script around it seeds Python, NumPy and torch, loads the digits in Keras's layout (N, H, W, C), trains, and
# reports whether TensorFlow got imported:

# %%
before = textwrap.dedent("""
    import random, sys
    import numpy as np, torch
    random.seed(0); np.random.seed(0); torch.manual_seed(0)
    torch.set_num_threads(1)  # tiny model, as in the notebook
    import keras
    from utils.data import load_digits
    digits = load_digits()
    x_train = digits.x_train[..., None].astype("float32") / digits.max_value   # N, H, W, C
    x_test = digits.x_test[..., None].astype("float32") / digits.max_value
""")
after = textwrap.dedent("""
    model.fit(x_train, digits.y_train, epochs=6, batch_size=32, verbose=2)
    loss, accuracy = model.evaluate(x_test, digits.y_test, verbose=0)
    print(f"test accuracy: {accuracy:.3f}")
    print("tensorflow imported:", "tensorflow" in sys.modules)
""")
script_path = workdir / "keras_on_torch.py"
script_path.write_text(before + model_code + after)
print(f"wrote {script_path.name}: the model cell above, between a preamble and a training tail")

# %% [markdown]
# Run it in a process of its own, with `KERAS_BACKEND=torch`:

# %%
import os
import subprocess
import sys

env = {**os.environ, "KERAS_BACKEND": "torch"}  # the script imports utils from the installed course
command = [sys.executable, script_path.name]
run = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=240)
print(run.stdout)
assert run.returncode == 0, run.stderr[-2000:]
keras_accuracy = float(re.search(r"test accuracy: ([0-9.]+)", run.stdout).group(1))
assert "backend: torch" in run.stdout and "torch.nn.Module: True" in run.stdout
assert "tensorflow imported: False" in run.stdout and keras_accuracy > 0.8

# %%
# NBVAL_CHECK_OUTPUT
for line in run.stdout.splitlines():
    if line.startswith(("model is", "its weights", "tensorflow imported")):
        print(line)

# %%
import shutil

shutil.rmtree(workdir)  # the checkpoints and the script were only needed above
print("temporary files removed:", not workdir.exists())

# %% [markdown]
# ## 4. What you just saw
#
# - **C5 is an accurate description**: §3.2 is exactly the class-based definition it describes, and it
#   is how most PyTorch code is written. It is not the only way: §3.2.1 built the same network with
#   `nn.Sequential().append(...)`, Keras's `model.add` under another name, and got identical logits.
#   Both have 3,658 parameters, like every Keras version of the model in the twin.
# - **Training is an explicit loop** (§3.3): about ten lines, a progress bar from `tqdm`, loss falling
#   from the first to the last epoch as printed; test accuracy above 0.9 (§3.4, printed).
# - **Saving**: a state_dict round-trips bit for bit; `weights_only=True` refuses to unpickle a whole
#   model object (§3.5).
# - **Defaults differ** (§3.7): initialiser bounds, Adam's epsilon (and *where* it is added), SGD's
#   learning rate, BatchNorm's epsilon and momentum convention, loss input, batch size and shuffling.
#   Each of these changes the numbers a run produces without changing the network.
# - **Keras is not a TensorFlow-only API any more** (§3.8): the `model.add` code of claim C6 trained on
#   the PyTorch backend, the model was a `torch.nn.Module`, and TensorFlow was never imported.
# - Not shown here: that the two frameworks compute the *same* numbers given the same weights and
#   settings. That is the twin's §3.6.

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C5 | **holds** | §3.2 defines `DigitsCNN(nn.Module)` with layers in `__init__` and the flow in `forward`, 3,658 parameters printed. Not the only way: §3.2.1's `nn.Sequential` with `append` gave identical logits (`True`). |
# | C6 | **holds partly** | `Sequential()` + `model.add()` still works in Keras 3 (the twin's §3.2, and §3.8 here), but it is one of three ways (Sequential, Functional, subclassing) and `tf.layers` is gone (twin §3.2 prints the error). Keras is no longer TensorFlow-only: §3.8 trained the `model.add` model on the PyTorch backend with `tensorflow imported: False`. |
# | C10 | **holds partly** | Everything this notebook does, the twin does with Keras (class, Sequential, training loop, evaluation, safe saving), and the twin's §3.6 reproduces this network's logits and SGD training curve. The article's "你需要付出更多的努力" (you need more effort) did not show for these tasks: `model.fit` is less code than §3.3's loop. It does show elsewhere in the course: sharding a model's parameters takes DTensor's lower-level meshes and layouts in TensorFlow, because Keras's `keras.distribution` is marked "DO NOT USE" on the TensorFlow backend ([09](09_distributed_tensorflow.ipynb) §3.4). |
# | C11 | **holds partly** | The article: the final results "会因框架的不同而有所差异" (differ by framework), "因为训练过程中的一些关键参数依赖于所使用的框架" (because some key training parameters depend on the framework). Its cause is the one measured here: the same network and data with each framework's own default parameters give different runs (§3.7 printed PyTorch's defaults, the twin Keras's; the twin's §3.6.3 and §3.9.1 print the loss gaps that the default initialisers and Adam's epsilon cause). The "partly": the results differ only while those parameters differ. Set equal (same weights, optimizer, batches and loss), the twin's §3.6.1 matches the logits and its §3.6.2 the SGD loss curves, to the small gaps it prints. The ImageNet half is not run here; pair 11 cites published ResNet-50 numbers for both. |

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** Write `conv2d_params(c_in, c_out, k)`: the number of parameters of
# `nn.Conv2d(c_in, c_out, k)` (with bias), from the formula, not from PyTorch.


# %% tags=["solution"] jupyter={"source_hidden": true}
def conv2d_params(c_in, c_out, k):
    return c_out * c_in * k * k + c_out


# %% tags=["check"]
cases = [(1, 8, 3), (8, 16, 3), (3, 5, 1), (4, 2, 5)]
for c_in, c_out, k in cases:
    actual = sum(p.numel() for p in nn.Conv2d(c_in, c_out, k).parameters())
    assert conv2d_params(c_in, c_out, k) == actual, (c_in, c_out, k, actual)
print(f"conv2d_params matches PyTorch on {len(cases)} layer shapes")

# %% [markdown]
# **Exercise 2.** Keras stores a Dense layer as `kernel` of shape `(in, out)` and computes
# `x @ kernel + bias`; PyTorch stores `Linear.weight` as `(out, in)` and computes `x @ weight.T + bias`.
# Keras's Conv2D kernel is `(kh, kw, in, out)`; PyTorch's Conv2d weight is `(out, in, kh, kw)`.
# Write `linear_to_keras(linear)` and `conv_to_keras(conv)`, each returning NumPy `(kernel, bias)` in
# Keras layout.


# %% tags=["solution"] jupyter={"source_hidden": true}
def linear_to_keras(linear):
    return linear.weight.detach().cpu().numpy().T, linear.bias.detach().cpu().numpy()


def conv_to_keras(conv):
    return conv.weight.detach().cpu().permute(2, 3, 1, 0).numpy(), conv.bias.detach().cpu().numpy()


# %% tags=["check"]
lin = nn.Linear(5, 3)
kernel, bias = linear_to_keras(lin)
xs = torch.randn(4, 5)
assert kernel.shape == (5, 3) and np.allclose(xs.numpy() @ kernel + bias, lin(xs).detach().numpy(), atol=1e-6), (
    "a Dense kernel is (in, out): transpose PyTorch's (out, in) weight"
)
conv = nn.Conv2d(2, 4, 3)
kernel, bias = conv_to_keras(conv)
assert kernel.shape == (3, 3, 2, 4), f"Conv2D kernels are (kh, kw, in, out), got {kernel.shape}"
# a Keras-layout kernel, used the PyTorch way, must reproduce the PyTorch convolution
img = torch.randn(1, 2, 5, 5)
again = nn.functional.conv2d(img, torch.from_numpy(kernel).permute(3, 2, 0, 1), torch.from_numpy(bias))
assert torch.allclose(again, conv(img), atol=1e-6), "the kernel's axes are in the wrong order: permute, do not reshape"
print(
    "Linear -> Dense kernel",
    tuple(linear_to_keras(lin)[0].shape),
    "and Conv2d -> Conv2D kernel",
    kernel.shape,
    "reproduce PyTorch's outputs",
)

# %% [markdown]
# **Exercise 3.** Configure an `nn.BatchNorm2d(8)` so that it behaves like Keras's default
# `BatchNormalization()` (epsilon 0.001, momentum 0.99 in Keras's convention). Name it `bn_like_keras`.

# %% tags=["solution"] jupyter={"source_hidden": true}
bn_like_keras = nn.BatchNorm2d(8, eps=1e-3, momentum=0.01)  # PyTorch's momentum = 1 - Keras's momentum

# %% tags=["check"]
batch = torch.randn(16, 8, 4, 4) + 3.0
bn_like_keras.train()
bn_like_keras(batch)
expected_mean = 0.01 * batch.mean(dim=(0, 2, 3))  # Keras: 0.99 * old (zeros) + 0.01 * batch mean
assert bn_like_keras.eps == 1e-3, bn_like_keras.eps
assert torch.allclose(bn_like_keras.running_mean, expected_mean, atol=1e-6), "momentum convention"
print("eps", bn_like_keras.eps, "and the running mean moved 1% of the way to the batch mean, as in Keras")

# %% [markdown]
# ## 7. Summary
#
# 1. In PyTorch a network is usually an `nn.Module` subclass (C5 holds), but `nn.Sequential` with
#    `append` exists too; Keras offers the same three styles, so the styles do not divide the frameworks.
# 2. The training loop is yours to write: `zero_grad`, forward, loss, `backward`, `step`.
# 3. Save `state_dict()`s and load them with `torch.load(..., weights_only=True)`.
# 4. Same name, different defaults: initialisers, Adam's epsilon, SGD's learning rate, BatchNorm's
#    epsilon and momentum, loss input, batch order. They, not the framework, make results differ.
# 5. Keras 3 runs on PyTorch: a Keras model on that backend is an `nn.Module`.
#
# Next: the TensorFlow twin's §3.6 for the parity proof, then the devices pair, `04_devices_pytorch.ipynb`.
