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
# # 03 · Defining and training a network (TensorFlow)
#
# Twin: [03_networks_pytorch.ipynb](03_networks_pytorch.ipynb) · Start: [00_start_here.ipynb](00_start_here.ipynb)
#
# The twin's small CNN for the shipped 8×8 digits, defined the three Keras ways (`Sequential` with
# `model.add`, Functional, subclassed `keras.Model`), trained with `model.fit` and with a custom
# `GradientTape` loop, evaluated, saved and loaded safely. Then the **parity proof**, for which this
# notebook imports PyTorch on purpose (§3.6): the PyTorch model's weights ported into Keras give the
# same logits, and both frameworks trained from the same start follow the same loss curve. Where they
# differ, the numbers say why. About 25 s on a quiet 2-core laptop (up to 60 s on a busy one).
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/03_networks_tensorflow.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/03_networks_tensorflow.ipynb)

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

device = start_tensorflow(seed=0, threads=1, with_torch=True)  # 1 thread: a tiny CNN; §3.6 imports PyTorch too
import keras
import tensorflow as tf

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
# A network is **parameters** plus a **forward function**. Keras gives three ways to write the
# function: a `Sequential` stack (the article's `model.add`), the **Functional** API (call layers on
# symbolic inputs, then `keras.Model(inputs, outputs)`), and a **subclass** of `keras.Model` with
# layers in `__init__` and the flow in `call`, which is PyTorch's C5 pattern with `forward` renamed.
#
# Training: `model.compile(...)` + `model.fit(...)` runs the loop for you (batching, shuffling,
# metrics, callbacks, progress bar); a custom loop with `tf.GradientTape` (notebook 02) is the
# PyTorch-style alternative.
#
# To compare frameworks *numerically* you must make everything that is not the framework identical:
#
# - **layout**: PyTorch images are `(N, C, H, W)`, Keras images `(N, H, W, C)`; a `Linear` weight is
#   `(out, in)`, a `Dense` kernel `(in, out)`; a Conv2d weight is `(out, in, kh, kw)`, a Conv2D kernel
#   `(kh, kw, in, out)`; and `Flatten` reads the feature map in a different order;
# - **initial weights** (default initialisers differ), **optimizer details** (Adam's epsilon),
#   **batch order**, **loss**.
# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 The data
#
# The same 1,437 training and 360 test images as the twin. Keras convention: channels last,
# `(N, H, W, C)`.
# %%
# NBVAL_CHECK_OUTPUT
from utils.data import digits_tf

x_train, y_train = digits_tf("train")
x_test, y_test = digits_tf("test")
print("train:", tuple(x_train.shape), x_train.dtype.name, " labels:", tuple(y_train.shape), y_train.dtype.name)
print("test :", tuple(x_test.shape), " pixel range:", (float(tf.reduce_min(x_train)), float(tf.reduce_max(x_train))))

# %% [markdown]
# ### 3.2 The network: one network, three Keras styles
#
# **(a) `Sequential` + `model.add`**, exactly the article's C6 recipe. `padding="same"` keeps 8×8 after
# a 3×3 convolution (PyTorch: `padding=1`).

# %%
from keras import layers


def make_sequential():
    model = keras.Sequential(name="sequential_cnn")
    model.add(keras.Input(shape=(8, 8, 1)))
    model.add(layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1"))
    model.add(layers.MaxPooling2D(2, name="pool1"))
    model.add(layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2"))
    model.add(layers.MaxPooling2D(2, name="pool2"))
    model.add(layers.Flatten(name="flatten"))
    model.add(layers.Dense(32, activation="relu", name="fc1"))
    model.add(layers.Dense(10, name="fc2"))  # logits
    return model


# %% [markdown]
# **(b) Functional**: layers are called on a symbolic input; the model is the graph from inputs to
# outputs (this style also handles branches and several inputs or outputs).


# %%
def make_functional():
    inputs = keras.Input(shape=(8, 8, 1))
    x = layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(32, activation="relu", name="fc1")(x)
    return keras.Model(inputs, layers.Dense(10, name="fc2")(x), name="functional_cnn")


# %% [markdown]
# **(c) Subclassing `keras.Model`**: the C5 pattern of PyTorch, in Keras.


# %%
class DigitsCNN(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = layers.Conv2D(8, 3, padding="same", activation="relu")
        self.conv2 = layers.Conv2D(16, 3, padding="same", activation="relu")
        self.pool = layers.MaxPooling2D(2)
        self.flatten = layers.Flatten()
        self.fc1 = layers.Dense(32, activation="relu")
        self.fc2 = layers.Dense(10)

    def call(self, x):
        x = self.pool(self.conv1(x))
        x = self.pool(self.conv2(x))
        return self.fc2(self.fc1(self.flatten(x)))


# %%
# NBVAL_CHECK_OUTPUT
subclassed = DigitsCNN(name="subclassed_cnn")
subclassed(x_train[:1])  # a subclassed model creates its weights on the first call
for model in (make_sequential(), make_functional(), subclassed):
    print(
        f"{model.name:15s} parameters: {model.count_params()}  logits for 32 images: {tuple(model(x_train[:32]).shape)}"
    )
print()
for w in make_sequential().weights:
    print(f"{w.path:28s} {str(tuple(w.shape)):16s}")

# %% [markdown]
# **History: `tf.layers`.** The article's other option was TensorFlow 1's `tf.layers`. It left the main
# namespace in TensorFlow 2.0 (2019), and with Keras 3 (the default since TensorFlow 2.16, March 2024: "Keras 3.0
# will be the default Keras version", TF 2.16.1 release notes)
# even the `tf.compat.v1` copy refuses to work:

# %%
from utils.show import expect_error  # like pytest.raises: prints the error, fails the cell if none is raised

print("tf.layers exists:", hasattr(tf, "layers"))
assert not hasattr(tf, "layers")
with expect_error(AttributeError, match="Keras 3"):  # the fact, not the library's exact wording
    tf.compat.v1.layers.Dense(10)

# %% [markdown]
# ### 3.3 Training: `model.fit`
#
# `compile` picks the optimizer, loss and metrics; `fit` runs the loop, draws the progress bar,
# shuffles each epoch, and calls **callbacks** at fixed points. Here `EarlyStopping` watches the
# validation loss (`validation_split=0.1` holds out the *last* 10 % of the training arrays, the same
# 144 images the PyTorch twin holds out, so both train on the same 1,293) and restores the best weights;
# the PyTorch loop runs all 8 epochs and only reports its validation loss. Note `from_logits=True`: Keras's loss expects probabilities by default,
# and our model outputs logits.

# %%
model = make_sequential()
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=3e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
early_stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
history = model.fit(x_train, y_train, epochs=8, batch_size=32, validation_split=0.1, callbacks=[early_stop], verbose=1)
losses = history.history["loss"]
print("epochs run:", len(losses), " training loss per epoch:", [round(v, 3) for v in losses])
assert losses[-1] < losses[0] / 5

# %% [markdown]
# #### 3.3.1 The same training as a custom loop
#
# The PyTorch-style loop: the tape records the forward pass, `apply_gradients` does the step.
# `@tf.function` compiles the step into a graph (notebook 01). `tf.data` shuffles with a fixed seed,
# and `keras.utils.Progbar` draws the progress bar that `fit` used.

# %%
loop_model = make_sequential()
optimizer = keras.optimizers.Adam(learning_rate=3e-3)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(len(y_train), seed=0).batch(32)


@tf.function
def train_step(xb, yb):
    with tf.GradientTape() as tape:
        loss = loss_fn(yb, loop_model(xb, training=True))
    grads = tape.gradient(loss, loop_model.trainable_variables)
    optimizer.apply_gradients(zip(grads, loop_model.trainable_variables))
    return loss


epochs = 8
progress = keras.utils.Progbar(epochs, unit_name="epoch", stateful_metrics=["loss"])  # show, don't average
loop_history = []
for epoch in range(epochs):
    total, seen = 0.0, 0
    for xb, yb in dataset:
        total += float(train_step(xb, yb)) * len(yb)
        seen += len(yb)
    loop_history.append(total / seen)
    progress.update(epoch + 1, values=[("loss", loop_history[-1])])
print("mean training loss per epoch:", [round(v, 3) for v in loop_history])
assert loop_history[-1] < loop_history[0] / 5

# %% [markdown]
# ### 3.4 Evaluation

# %%
_, fit_accuracy = model.evaluate(x_test, y_test, verbose=0)
logits = loop_model(x_test, training=False)
loop_accuracy = float(tf.reduce_mean(tf.cast(tf.argmax(logits, axis=1) == y_test, tf.float32)))
print(f"test accuracy: model.fit {fit_accuracy:.3f}, custom loop {loop_accuracy:.3f} on {len(y_test)} images")
assert fit_accuracy > 0.9 and loop_accuracy > 0.9

# %% [markdown]
# ### 3.5 Saving and loading safely
#
# The `.keras` format is a zip of the architecture (JSON), the weights and the compile settings.
# `keras.saving.load_model` rebuilds the model from it; with `safe_mode=True` (the default, passed
# here to be visible) it refuses anything that would run arbitrary code. (A subclassed model saves
# too, but loading it back needs its class registered with
# `@keras.saving.register_keras_serializable()`; `model.save_weights("x.weights.h5")` stores only
# weights, like a PyTorch state_dict.)

# %%
import pathlib
import tempfile

import numpy as np

workdir = pathlib.Path(tempfile.mkdtemp(prefix="course03_"))
path = workdir / "digits_cnn.keras"
model.save(path)
print(f"saved {path.name}: {path.stat().st_size / 1024:.1f} KiB")
restored = keras.saving.load_model(path, safe_mode=True)
identical = bool(np.array_equal(restored(x_test).numpy(), model(x_test).numpy()))
print("restored model gives identical logits:", identical)
assert identical

# %% [markdown]
# A `Lambda` layer stores Python bytecode; safe mode refuses to load it (PyTorch's
# `weights_only=True` refuses a pickled model object for the same reason, twin §3.5).

# %%
risky = keras.Sequential([keras.Input(shape=(3,)), layers.Lambda(lambda t: t * 2)])
risky_path = workdir / "lambda_model.keras"
risky.save(risky_path)
with expect_error(ValueError, match="Lambda"):
    keras.saving.load_model(risky_path, safe_mode=True)

# %% [markdown]
# ### 3.6 Parity: with PyTorch, proved
#
# Everything from here to the end of §3.6 uses **both frameworks** in this process, so PyTorch is imported now (the
# setup cell's `with_torch=True` loaded what CUDA builds of torch need before TensorFlow), with one thread, like
# TensorFlow here, and full float32 in both:

# %%
import torch
from torch import nn

from utils.devices import torch_device

torch.set_num_threads(1)
torch_dev = torch_device()
print("torch", torch.__version__, "on", torch_dev)

# On Ampere-or-newer GPUs both frameworks may compute float32 convolutions / matmuls in TF32
# (10-bit mantissa) by default, which alone breaks parity at 1e-5. Ask for full float32
# (no effect on a CPU).
tf.config.experimental.enable_tensor_float_32_execution(False)
torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False

# %% [markdown]
# The twin's PyTorch model, copied verbatim (twin §3.2), and the same images in PyTorch's layout:


# %%
class TorchDigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 2 * 2, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc2(torch.relu(self.fc1(x)))


# the same images for both: PyTorch gets N, C, H, W; Keras keeps N, H, W, C
x_train_t = torch.from_numpy(np.transpose(x_train.numpy(), (0, 3, 1, 2)).copy()).to(torch_dev)
y_train_t = torch.from_numpy(y_train.numpy()).to(torch_dev)

# %% [markdown]
# #### 3.6.1 Porting the weights
#
# Side by side, the same layers store their numbers in different shapes:

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
torch_model = TorchDigitsCNN().to(torch_dev)
keras_model = make_sequential()
print(f"{'PyTorch':28s} {'Keras':28s}")
for (name, p), w in zip(torch_model.named_parameters(), keras_model.weights):
    print(
        f"{name + ' ' + str(tuple(p.shape)):28s} {w.path.split('/')[-2] + '/' + w.name + ' ' + str(tuple(w.shape)):28s}"
    )

# %% [markdown]
# Three conversions: a conv weight `(out, in, kh, kw)` becomes a kernel `(kh, kw, in, out)`
# (`permute(2, 3, 1, 0)`); a `Linear` weight is transposed; and the first `Dense` after `Flatten`
# needs its 64 inputs **reordered**, because PyTorch flattens a `(16, 2, 2)` map channel-major
# (c, h, w) and Keras flattens a `(2, 2, 16)` map channel-minor (h, w, c). `fix_flatten=False` shows
# what happens without the third step.


# %%
def keras_layout(torch_model, fix_flatten=True):
    """The PyTorch model's weights as NumPy arrays in Keras's layout and order."""
    t = {name: p.detach().cpu() for name, p in torch_model.named_parameters()}
    w1 = t["fc1.weight"]  # (32, 64), inputs in (c, h, w) order
    if fix_flatten:
        w1 = w1.reshape(32, 16, 2, 2).permute(0, 2, 3, 1).reshape(32, 64)  # inputs in (h, w, c) order
    arrays = [
        t["conv1.weight"].permute(2, 3, 1, 0),
        t["conv1.bias"],  # (out, in, kh, kw) -> (kh, kw, in, out)
        t["conv2.weight"].permute(2, 3, 1, 0),
        t["conv2.bias"],
        w1.T,
        t["fc1.bias"],  # (out, in) -> (in, out)
        t["fc2.weight"].T,
        t["fc2.bias"],
    ]
    return [a.contiguous().numpy() for a in arrays]


batch_t, batch_k = x_train_t[:256], x_train[:256]
with torch.no_grad():
    logits_torch = torch_model(batch_t).cpu().numpy()
keras_model.set_weights(keras_layout(torch_model, fix_flatten=False))
gap_naive = np.abs(keras_model(batch_k).numpy() - logits_torch).max()
keras_model.set_weights(keras_layout(torch_model))
gap_logits = np.abs(keras_model(batch_k).numpy() - logits_torch).max()
print(f"max |logits_keras - logits_torch| on 256 images, flatten order not fixed: {gap_naive:.3f}")
print(f"max |logits_keras - logits_torch| on 256 images, fully ported         : {gap_logits:.1e}")
assert gap_naive > 1e-2 and gap_logits < 1e-5

# %% [markdown]
# #### 3.6.2 Training both, step for step
#
# Same initial weights (just ported), same loss (mean cross-entropy on logits), same batches in the
# same order (one NumPy permutation per epoch, 44 batches of 32, three epochs), and the same
# optimizer: **SGD** with learning rate 0.05 and momentum 0.9. SGD has no epsilon and both
# frameworks implement momentum with the same formula (PyTorch keeps `b = 0.9 b + g` and steps by
# `lr * b`; Keras keeps `m = 0.9 m - lr * g` and steps by `m`, i.e. `m = -lr * b`).
#
# `train_both` runs the two frameworks in lockstep: at every step each side computes its loss and
# gradients with its own code on the same batch and updates its own weights; only the data is shared.
# After each step we also compare all the weights.

# %%
rng = np.random.default_rng(0)
batches = np.concatenate([rng.permutation(len(y_train))[: 44 * 32].reshape(44, 32) for _ in range(3)])
print("steps:", len(batches), " first batch starts with images", batches[0][:5].tolist())


def twin_models(seed=0):
    """A fresh PyTorch model (its default init, seeded) and a Keras model holding the same weights."""
    torch.manual_seed(seed)
    t_model = TorchDigitsCNN().to(torch_dev)
    k_model = make_sequential()
    k_model.set_weights(keras_layout(t_model))
    return t_model, k_model


# %% [markdown]
# `train_both`: each framework's own training step, in lockstep on the same batches, the weights compared after
# every step:


# %%
def train_both(t_model, t_opt, k_model, k_opt):
    t_loss_fn = nn.CrossEntropyLoss()
    k_loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def keras_step(xb, yb):
        with tf.GradientTape() as tape:
            loss = k_loss_fn(yb, k_model(xb, training=True))
        grads = tape.gradient(loss, k_model.trainable_variables)
        k_opt.apply_gradients(zip(grads, k_model.trainable_variables))
        return loss

    t_curve, k_curve, weight_gap = [], [], []
    for idx in batches:
        it = torch.from_numpy(idx).to(torch_dev)
        t_opt.zero_grad()
        loss = t_loss_fn(t_model(x_train_t[it]), y_train_t[it])
        loss.backward()
        t_opt.step()
        t_curve.append(loss.item())
        k_curve.append(float(keras_step(tf.gather(x_train, idx), tf.gather(y_train, idx))))
        weight_gap.append(max(np.abs(a - b).max() for a, b in zip(keras_layout(t_model), k_model.get_weights())))
    return np.array(t_curve), np.array(k_curve), np.array(weight_gap)


# %% [markdown]
# Three epochs of SGD with momentum, side by side:

# %%
t_model, k_model = twin_models()
sgd_t, sgd_k, sgd_w = train_both(
    t_model,
    torch.optim.SGD(t_model.parameters(), lr=0.05, momentum=0.9),
    k_model,
    keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
)
sgd_gap = np.abs(sgd_t - sgd_k)
print(f"loss: {sgd_t[0]:.4f} -> {sgd_t[-1]:.4f} (PyTorch), {sgd_k[0]:.4f} -> {sgd_k[-1]:.4f} (Keras)")
print(f"largest loss gap over {len(batches)} SGD steps: {sgd_gap.max():.1e} (at step {sgd_gap.argmax()})")
print(f"largest weight gap: {sgd_w.max():.1e}")
assert sgd_t[-1] < sgd_t[0] / 2, "the models should have learned something"
assert sgd_gap.max() < 1e-4 and sgd_w.max() < 1e-4

# %% [markdown]
# #### 3.6.3 Each framework with its own defaults
#
# What a user who writes "the same model" in both frameworks actually gets: PyTorch's default
# initialiser against Keras's, each framework's default Adam, same batches. The two runs start from
# different weights, so they are simply different runs: one seed says *that* they differ, not which framework
# does better, so this cell prints the loss curves' gap and no accuracy ranking.

# %%
torch.manual_seed(1)
t_model = TorchDigitsCNN().to(torch_dev)  # kaiming_uniform(a=sqrt(5)), uniform biases
keras.utils.set_random_seed(1)
k_model = make_sequential()  # glorot_uniform, zero biases
curve_t, curve_k, _ = train_both(t_model, torch.optim.Adam(t_model.parameters()), k_model, keras.optimizers.Adam())
print(f"initial loss   : PyTorch {curve_t[0]:.4f}  Keras {curve_k[0]:.4f}")
print(
    f"loss after {len(batches)} steps: PyTorch {curve_t[-1]:.4f}  Keras {curve_k[-1]:.4f}   (one seed: not a ranking)"
)
print(f"largest loss gap: {np.abs(curve_t - curve_k).max():.2f}")

# %%
import shutil

shutil.rmtree(workdir)  # the saved models were only needed in §3.5
print("temporary files removed:", not workdir.exists())

# %% [markdown]
# ### 3.7 Defaults that differ between the frameworks
#
# Keras's side of the twin's table (§3.7 there), read from Keras itself:

# %%
# NBVAL_CHECK_OUTPUT
dense = layers.Dense(32)
print(
    "Dense init            : kernel",
    type(dense.kernel_initializer).__name__,
    "| bias",
    type(dense.bias_initializer).__name__,
)
print("Conv2D init           : kernel", type(layers.Conv2D(8, 3).kernel_initializer).__name__)
adam = keras.optimizers.Adam()
print(
    "Adam                  : lr",
    f"{float(adam.learning_rate.numpy()):g}",
    " betas",
    (adam.beta_1, adam.beta_2),
    " epsilon",
    adam.epsilon,
)
print(
    "SGD                   : lr",
    f"{float(keras.optimizers.SGD().learning_rate.numpy()):g}",
    " momentum",
    keras.optimizers.SGD().momentum,
)
bn = layers.BatchNormalization()
print("BatchNormalization    : epsilon", bn.epsilon, " momentum", bn.momentum, "(weight of the OLD moving average)")
print(
    "SparseCategoricalCrossentropy from_logits:",
    keras.losses.SparseCategoricalCrossentropy().get_config()["from_logits"],
)

# %% [markdown]
# `model.fit`'s batch size and shuffling, read from its signature and counted on a probe model:

# %%
# NBVAL_CHECK_OUTPUT
import inspect

fit_args = inspect.signature(keras.Model.fit).parameters
probe = keras.Sequential([keras.Input((1,)), layers.Dense(1, kernel_initializer="zeros")])  # no random draw
probe.compile("sgd", "mse")
steps = []
probe.fit(
    np.zeros((1000, 1)),
    np.zeros((1000, 1)),
    epochs=1,
    shuffle=False,
    verbose=0,
    callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: steps.append(batch))],
)
print(
    "model.fit             : batch_size",
    fit_args["batch_size"].default,
    f"(1000 samples took {len(steps)} steps: batches of {-(-1000 // len(steps))})",
    " shuffle",
    fit_args["shuffle"].default,
)

# %% [markdown]
# ### 3.8 Keras on the PyTorch backend
#
# Keras 3 is multi-backend. The twin (§3.8) runs this notebook's `Sequential` + `model.add` model with
# `KERAS_BACKEND=torch` in a subprocess: it trains, its model is a `torch.nn.Module`, and TensorFlow is
# never imported. Here, the backend is:

# %%
# NBVAL_CHECK_OUTPUT
print("keras backend in this notebook:", keras.backend.backend())

# %% [markdown]
# ### 3.9 Going further, optional (TensorFlow only)
#
# Two deep dives for readers who want to know *why* results drift apart when settings differ in detail. No other part
# of §3 depends on them; skip to §4 on a first reading. They reuse §3.6's models, batches and `train_both`.

# %% [markdown]
# #### 3.9.1 Adam: the same name, not the same steps
#
# Adam divides each step by $\sqrt{v}$ plus a small epsilon, and the two frameworks differ twice there:
#
# - the default: PyTorch `eps=1e-8`, Keras `epsilon=1e-7`;
# - the *place*: PyTorch adds eps to the bias-corrected $\sqrt{\hat v_t} = \sqrt{v_t / (1-\beta_2^t)}$;
#   Keras adds it to $\sqrt{v_t}$ and folds the correction into the learning rate (the "epsilon hat"
#   of the Adam paper). Written in PyTorch's form, Keras's epsilon is $\epsilon / \sqrt{1-\beta_2^t}$:
#   about 32 times larger at step 1, shrinking towards $\epsilon$ over thousands of steps.
#
# First the optimizers **alone**, no network: the same 132 gradients for 1,000 parameters, whose
# gradient sizes range from 1e-11 to 1e-1, fed to both frameworks' optimizers. The table gives the
# largest difference between the two frameworks' parameters, by gradient size.

# %%
rng = np.random.default_rng(1)
sizes = 10.0 ** rng.uniform(-11, -1, size=1000)
grad_stream = (rng.normal(size=(132, 1000)) * sizes).astype(np.float32)


def run_torch_optimizer(make):
    p = torch.zeros(1000, requires_grad=True)
    opt = make([p])
    for g in grad_stream:
        p.grad = torch.from_numpy(g.copy())
        opt.step()
    return p.detach().numpy()


def run_keras_optimizer(opt):
    p = tf.Variable(tf.zeros(1000))
    step = tf.function(lambda g: opt.apply_gradients([(g, p)]))
    for g in grad_stream:
        step(tf.constant(g))
    return p.numpy()


# %% [markdown]
# Three optimizer pairs on the same gradients; each column is a range of gradient sizes:

# %%
edges = [1e-11, 1e-9, 1e-7, 1e-5, 1e-3, 1e-1]
print(f"{'gradient size:':22s}" + "".join(f"{f'{lo:.0e}..{hi:.0e}':>14s}" for lo, hi in zip(edges, edges[1:])))
alone = {}
for label, make_t, opt_k in [
    (
        "SGD, momentum 0.9",
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9),
        keras.optimizers.SGD(0.05, momentum=0.9),
    ),
    (
        "Adam, eps 1e-7 both",
        lambda ps: torch.optim.Adam(ps, lr=1e-3, eps=1e-7),
        keras.optimizers.Adam(1e-3, epsilon=1e-7),
    ),
    ("Adam, defaults", lambda ps: torch.optim.Adam(ps, lr=1e-3), keras.optimizers.Adam(1e-3)),
]:
    diff = np.abs(run_torch_optimizer(make_t) - run_keras_optimizer(opt_k))
    alone[label] = [diff[(sizes >= lo) & (sizes < hi)].max() for lo, hi in zip(edges, edges[1:])]
    print(f"{label:22s}" + "".join(f"{v:14.1e}" for v in alone[label]))
assert max(alone["SGD, momentum 0.9"]) < 1e-6
assert max(alone["Adam, eps 1e-7 both"]) > 1e-3

# %% [markdown]
# Now in the network, from the same ported weights and on the same batches: Adam with each
# framework's defaults, and Adam with an epsilon so small (1e-30) on both sides that neither its
# value nor its place matters.

# %%
adam_runs = {}
for label, eps_t, eps_k in [("defaults (1e-8 vs 1e-7)", 1e-8, 1e-7), ("eps 1e-30 both", 1e-30, 1e-30)]:
    t_model, k_model = twin_models()
    curve_t, curve_k, w_gap = train_both(
        t_model,
        torch.optim.Adam(t_model.parameters(), lr=1e-3, eps=eps_t),
        k_model,
        keras.optimizers.Adam(learning_rate=1e-3, epsilon=eps_k),
    )
    adam_runs[label] = (curve_t, curve_k, w_gap)
    print(
        f"Adam, {label:24s}: largest loss gap {np.abs(curve_t - curve_k).max():.1e}, "
        f"weight gap after 10 steps {w_gap[9]:.0e}, at the end {w_gap[-1]:.0e}"
    )
print(
    f"SGD (§3.6.2)                  : largest loss gap {sgd_gap.max():.1e}, "
    f"weight gap after 10 steps {sgd_w[9]:.0e}, at the end {sgd_w[-1]:.0e}"
)
adam_default_gap = np.abs(adam_runs["defaults (1e-8 vs 1e-7)"][0] - adam_runs["defaults (1e-8 vs 1e-7)"][1])
assert 100 * sgd_gap.max() < adam_default_gap.max() < 0.5

# %%
import matplotlib.pyplot as plt

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3))
ax1.plot(sgd_t, label="PyTorch, SGD", lw=3, alpha=0.5)
ax1.plot(sgd_k, label="Keras, SGD", lw=1, ls="--", color="k")
curve_t, curve_k, _ = adam_runs["defaults (1e-8 vs 1e-7)"]
ax1.plot(curve_t, label="PyTorch, Adam", lw=3, alpha=0.5)
ax1.plot(curve_k, label="Keras, Adam", lw=1, ls=":", color="r")
ax1.set(title="Same start, same batches: loss", xlabel="step", ylabel="cross-entropy")
ax1.legend(fontsize=7)
ax2.semilogy(sgd_w, label="SGD")
for label, (_, _, w_gap) in adam_runs.items():
    ax2.semilogy(w_gap, label=f"Adam, {label}")
ax2.set(title="largest |weight PyTorch - weight Keras|", xlabel="step")
ax2.legend(fontsize=7)
fig.tight_layout()
plt.show()

# %% [markdown]
# Reading the two cells above:
#
# - **Alone**, the two SGDs agree to float rounding at every gradient size, while the two Adams,
#   even with the *same* epsilon, disagree by up to about 1e-2, most where gradients are comparable to
#   Keras's effective epsilon (about 3e-6 at step 1), and a little at every size (a random gradient is
#   sometimes tiny). The gradients were identical, so this is the optimizers alone: mostly the
#   placement of epsilon, plus a smaller effect of Keras computing $1-\beta_2^t$ in float32 (exercise 3).
# - **In the network**, Adam's weights drift apart much faster than SGD's (right plot), even with a
#   negligible epsilon. Adam scales each parameter's step by its own gradient history, so parameters
#   with small gradients take full-size steps and the ~1e-9 rounding differences between the two
#   frameworks' gradients are not scaled down for them as they are in SGD. Once the weights differ
#   by about 1e-7, some ReLU input or max-pool comparison that sits almost exactly on a tie goes one way
#   in one framework and the other way in the other; from then on the two runs take visibly
#   different steps (the jumps in the right plot). With the default epsilons both effects add up.
# - None of this is "PyTorch trains differently from TensorFlow": it is two slightly different Adams,
#   and an optimizer that amplifies rounding. Same settings with SGD: same curve (left plot).

# %% [markdown]
# #### 3.9.2 BatchNorm: same layer, other numbers
#
# `nn.BatchNorm2d` and `layers.BatchNormalization` normalise the same way, but PyTorch's defaults are
# `eps=1e-5, momentum=0.1` (weight of the *new* batch) and Keras's `epsilon=1e-3, momentum=0.99` (weight
# of the *old* average). They also count differently: the running statistics are *buffers* in PyTorch
# (not in `parameters()`) and *non-trainable weights* in Keras (in `count_params()`). We feed one
# training batch, then compare training-mode outputs and inference outputs on another batch.


# %%
def to_nhwc(arr):
    return np.transpose(arr, (0, 2, 3, 1))


def batchnorm_gaps(torch_bn, keras_bn):
    rng = np.random.default_rng(0)
    a = rng.normal(3.0, 2.0, size=(16, 8, 4, 4)).astype(np.float32)  # N, C, H, W
    b = rng.normal(3.0, 2.0, size=(16, 8, 4, 4)).astype(np.float32)
    torch_bn.train()
    train_t = torch_bn(torch.from_numpy(a)).detach().numpy()
    train_k = keras_bn(to_nhwc(a), training=True).numpy()
    torch_bn.eval()
    infer_t = torch_bn(torch.from_numpy(b)).detach().numpy()
    infer_k = keras_bn(to_nhwc(b), training=False).numpy()
    return np.abs(to_nhwc(train_t) - train_k).max(), np.abs(to_nhwc(infer_t) - infer_k).max()


# %%
# NBVAL_CHECK_OUTPUT
bn_t, bn_k = nn.BatchNorm2d(8), layers.BatchNormalization()
bn_k.build((None, 4, 4, 8))
print(
    "PyTorch parameters():",
    sum(p.numel() for p in bn_t.parameters()),
    " buffers:",
    {name: tuple(b.shape) for name, b in bn_t.named_buffers()},
)
print(
    "Keras count_params():",
    bn_k.count_params(),
    " of which non-trainable:",
    sum(int(np.prod(w.shape)) for w in bn_k.non_trainable_weights),
)
gaps_default = batchnorm_gaps(bn_t, bn_k)
gaps_matched = batchnorm_gaps(nn.BatchNorm2d(8), layers.BatchNormalization(momentum=0.9, epsilon=1e-5))
# Thresholds, not the gaps themselves: their last digits depend on the CPU's kernels (oneDNN, AVX-512 or not).
print(
    f"defaults        : training-mode gap in (1e-4, 1e-2): {1e-4 < gaps_default[0] < 1e-2}, "
    f"inference gap > 0.5: {gaps_default[1] > 0.5}"
)
print(
    f"eps, momentum matched: training-mode gap < 1e-5: {gaps_matched[0] < 1e-5}, "
    f"inference gap in (1e-3, 1e-2): {1e-3 < gaps_matched[1] < 1e-2}"
)

# %% [markdown]
# With epsilon and momentum matched, training mode agrees; inference still differs a little because
# PyTorch's running variance uses the unbiased estimate (divides by n − 1 = 255 here), Keras's the
# biased one (divides by n = 256).

# %% [markdown]
# ## 4. What you just saw
#
# - **Three Keras styles, one network** (§3.2): `Sequential` + `model.add` (C6's recipe), Functional,
#   and a `keras.Model` subclass with layers in `__init__` and the flow in `call` (C5's recipe), all
#   with 3,658 parameters, the count the PyTorch twin prints. `tf.layers` is gone.
# - **Two ways to train** (§3.3, §3.3.1): `fit` with a callback and its progress bar, and a hand-written
#   `GradientTape` loop; both above 0.9 test accuracy (§3.4, printed).
# - **Safe saving** (§3.5): `.keras` round-trips exactly; `safe_mode` refuses a `Lambda` layer.
# - **Parity** (§3.6.1, §3.6.2): with the weights ported, the logits agree to a few 1e-8 (printed);
#   without the flatten reordering they are off by about 0.1. Trained with SGD from the same start on
#   the same batches, the two loss curves lie on top of each other (left plot): the largest loss gap
#   printed is below 1e-6 and the weights stay within about 1e-7, float32 rounding.
# - **Where results differ, and exactly why** (§3.9.1 to §3.9.2):
#   - Adam is not the same optimizer in both: fed *identical* gradients, the two Adams end up to 1e-2
#     apart, because Keras adds epsilon before the bias correction (and its default is 10 times
#     PyTorch's). SGD, fed the same gradients, agrees to float rounding.
#   - In a network Adam also amplifies rounding: with epsilon made irrelevant the weights still drift
#     from about 1e-7 apart to a few 1e-3 (right plot), through ReLU / max-pool decisions that flip.
#   - Each framework's default initialiser gives a different run altogether (§3.6.3: the largest loss
#     gap printed; one seed shows that the runs differ, not which is better).
#   - BatchNorm's defaults differ in epsilon, momentum convention and variance estimator (§3.9.2: an
#     inference gap above 0.5 with defaults, between 1e-3 and 1e-2 with epsilon and momentum matched).
# - Not shown: ImageNet. A small CNN on 8×8 digits is enough to show *where* differences come from,
#   not how large they become for a ResNet after 90 epochs.

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C5 | **holds** | The twin's §3.2 is exactly C5's class-based definition (3,658 parameters). It is not PyTorch-specific: §3.2(c) here writes the same class in Keras, and PyTorch also has `nn.Sequential` (twin §3.2.1). |
# | C6 | **holds partly** | §3.2(a) builds the model with `Sequential()` + `model.add()` (3,658 parameters), but Keras offers two more styles (Functional, subclassing, same count), `tf.layers` is gone (§3.2 printed `tf.layers exists: False` and the Keras 3 error), and Keras is not tied to TensorFlow: the twin's §3.8 trained the same code on PyTorch. |
# | C10 | **holds partly** | This notebook replicated the twin's network, training, evaluation and safe saving, and §3.6 reproduced PyTorch's logits (gap printed, < 1e-5) and SGD training curve (largest loss gap printed, < 1e-4). The article's "你需要付出更多的努力" (you need more effort) did not show for these tasks: `model.fit` (§3.3) is shorter than the twin's loop. It does show elsewhere in the course: sharding a model's parameters takes DTensor's lower-level meshes and layouts here, because Keras's `keras.distribution` is marked "DO NOT USE" on the TensorFlow backend ([09](09_distributed_tensorflow.ipynb) §3.4). |
# | C11 | **holds partly** | The article: the final results "会因框架的不同而有所差异" (differ by framework), "因为训练过程中的一些关键参数依赖于所使用的框架" (because some key training parameters depend on the framework). Its cause is the one measured here: with each framework's own default parameters the runs differ: default initialisers (§3.6.3, largest loss gap printed), Adam's epsilon value and placement (§3.9.1, loss gap printed, on identical gradients), BatchNorm (§3.9.2). The "partly": the results differ only while those parameters differ. Set equal (same weights, optimizer, batches and loss), §3.6.1 matched the logits and §3.6.2 the SGD loss curves, to the gaps printed there. The ImageNet half is not run here; pair 11 cites published ResNet-50 numbers for both. |

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** Write `dense_params(n_in, n_out)` and `conv2d_params(c_in, c_out, k)`: the number of
# parameters of `layers.Dense(n_out)` on `n_in` inputs and of `layers.Conv2D(c_out, k)` on `c_in`
# channels, from the formula, not from Keras.


# %% tags=["solution"] jupyter={"source_hidden": true}
def dense_params(n_in, n_out):
    return n_in * n_out + n_out


def conv2d_params(c_in, c_out, k):
    return k * k * c_in * c_out + c_out


# %% tags=["check"]
for n_in, n_out in [(64, 32), (32, 10), (5, 1)]:
    layer = layers.Dense(n_out)
    layer.build((None, n_in))
    assert dense_params(n_in, n_out) == layer.count_params(), (n_in, n_out)
for c_in, c_out, k in [(1, 8, 3), (8, 16, 3), (4, 2, 5)]:
    layer = layers.Conv2D(c_out, k)
    layer.build((None, 8, 8, c_in))
    assert conv2d_params(c_in, c_out, k) == layer.count_params(), (c_in, c_out, k)
print("dense_params and conv2d_params match Keras on 6 layer shapes")

# %% [markdown]
# **Exercise 2.** The reverse port: write `port_keras_to_torch(keras_model, torch_model)` that copies
# a `make_sequential()` model's weights into a `TorchDigitsCNN` (every conversion of §3.6.1, inverted).


# %% tags=["solution"] jupyter={"source_hidden": true}
def port_keras_to_torch(keras_model, torch_model):
    conv1, conv2, dense1, dense2 = [layer for layer in keras_model.layers if layer.weights]
    with torch.no_grad():
        for conv, target in [(conv1, torch_model.conv1), (conv2, torch_model.conv2)]:
            kernel, bias = conv.get_weights()
            target.weight.copy_(torch.from_numpy(kernel).permute(3, 2, 0, 1))
            target.bias.copy_(torch.from_numpy(bias))
        kernel, bias = dense1.get_weights()  # (64, 32), inputs in (h, w, c) order
        w1 = torch.from_numpy(kernel.T.copy()).reshape(32, 2, 2, 16).permute(0, 3, 1, 2).reshape(32, 64)
        torch_model.fc1.weight.copy_(w1)
        torch_model.fc1.bias.copy_(torch.from_numpy(bias))
        kernel, bias = dense2.get_weights()
        torch_model.fc2.weight.copy_(torch.from_numpy(kernel.T.copy()))
        torch_model.fc2.bias.copy_(torch.from_numpy(bias))


# %% tags=["check"]
keras.utils.set_random_seed(3)
source = make_sequential()  # Keras's own glorot init
target = TorchDigitsCNN().to(torch_dev)
port_keras_to_torch(source, target)
with torch.no_grad():
    out_t = target(x_train_t[:64]).cpu().numpy()
gap = np.abs(out_t - source(x_train[:64]).numpy()).max()
print(f"max |logits_torch - logits_keras| after the reverse port: {gap:.1e}")
assert gap < 1e-5, f"outputs differ by {gap:.1e}: Dense kernels are the transpose of Linear weights"

# %% [markdown]
# **Exercise 3.** Make a `keras.optimizers.Adam` whose *first* step equals PyTorch's
# `torch.optim.Adam(lr=1e-3, eps=1e-8)` first step to float precision: at step 1 Keras's epsilon acts
# as $\epsilon/\sqrt{1-\beta_2}$ in PyTorch's form (§3.9.1), so choose Keras's epsilon accordingly.
# Name it `keras_adam`.

# %% tags=["solution"] jupyter={"source_hidden": true}
keras_adam = keras.optimizers.Adam(learning_rate=1e-3, epsilon=1e-8 * np.sqrt(1 - 0.999))

# %% tags=["check"]
grad = np.array([1e-9, 1e-7, 1e-5, 1e-3], dtype=np.float32)  # tiny gradients: where epsilon matters
p_t = torch.zeros(4, requires_grad=True)
opt_t = torch.optim.Adam([p_t], lr=1e-3, eps=1e-8)
p_t.grad = torch.from_numpy(grad)
opt_t.step()
p_k = tf.Variable(tf.zeros(4))
keras_adam.apply_gradients([(tf.constant(grad), p_k)])
step_gap = np.abs(p_t.detach().numpy() - p_k.numpy()).max()
print(
    f"first Adam step, PyTorch vs Keras: max difference {step_gap:.1e} (steps are up to {np.abs(p_t.detach().numpy()).max():.0e})"
)
assert step_gap < 1e-7, (
    f"first steps differ by {step_gap:.1e}: match PyTorch's epsilon"
)  # Keras computes 1 - 0.999**t in float32: ~1e-5 relative, ~1e-8 here

# %% [markdown]
# ## 7. Summary
#
# 1. Keras has three ways to define a network; `Sequential` + `model.add` (C6) is one, the subclass
#    is PyTorch's C5 pattern. `tf.layers` is history.
# 2. `model.fit` runs the loop with callbacks and a progress bar; a `GradientTape` loop does it by hand.
# 3. Save to `.keras` and load with `safe_mode=True`.
# 4. **Same weights, same settings, same numbers**: ported weights reproduce PyTorch's logits to
#    ~1e-8 and an SGD training curve to ~1e-6. Differences come from layout (permute, transpose,
#    flatten order), defaults (initialisers, Adam's epsilon and where it goes, BatchNorm) and data
#    order: settings, not frameworks. Adam also amplifies rounding, so compare optimizers with SGD first.
# 5. Keras 3 is not TensorFlow-only: the same model code runs on PyTorch (twin §3.8).
#
# Next: the devices pair, `04_devices_tensorflow.ipynb`.
