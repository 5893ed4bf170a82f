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
# # 04 · Devices and GPUs (TensorFlow)
#
# Twin: [04_devices_pytorch.ipynb](04_devices_pytorch.ipynb) · Course map: [00_start_here.ipynb](00_start_here.ipynb)
#
# Runs in about 30 s on a 2-core laptop CPU. It runs on whatever it finds: on a machine without a GPU every cell
# still runs, and the GPU cells say what they would show; with an NVIDIA GPU the same cells use it. Read it beside
# its twin: the sections match.
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/04_devices_tensorflow.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/04_devices_tensorflow.ipynb)

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

device = start_tensorflow(seed=0, logical_cpus=3)  # 3 logical CPUs stand in for several devices (§3.1-3.5)
import keras
import tensorflow as tf

# %% [markdown]
# ## 1. What the articles claim
#
# - **C7**: GPU acceleration: PyTorch uses CUDA, so it trains faster; TensorFlow uses its own internal GPU
#   acceleration, so the choice of framework does not change training time.
# - **C18**: device management: in TensorFlow you must place operations explicitly with `tf.device`; in PyTorch
#   you move tensors and models with `.to()` and check `torch.cuda.is_available()`.
#
# This notebook runs TensorFlow 2.21 (Keras 3) and checks both claims against what it does today; the twin does
# the same for PyTorch 2.15.

# %% [markdown]
# ## 2. The idea
#
# A **device** is where a tensor's memory lives and where the kernels that compute on it run: the CPU with the
# machine's RAM, or an accelerator (an NVIDIA GPU through CUDA, a TPU) with its own memory. Moving data between
# them is a copy over a bus, and it costs time.
#
# - **TensorFlow's rule**: the runtime **places** each operation. With no instruction, an operation that has a GPU
#   kernel runs on the first GPU when there is one, else on the CPU, and inputs that live elsewhere are copied
#   where they are needed. `with tf.device(...)` overrides the choice; *soft placement* falls back to a device
#   that can run the operation when the requested one cannot. This has been so since TensorFlow 1.x.
# - **PyTorch's rule** (the twin): an operation runs where its inputs are, and mixing devices is an error; you
#   move data yourself with `.to()`.
# - **GPUs run asynchronously**: a Python call queues a kernel and returns before it has finished. A timer must
#   wait for the result (`utils.timing.measure(..., sync="tf")` fetches it to the host).
# - **Both frameworks reach NVIDIA GPUs through the same stack**: the CUDA runtime, cuBLAS for matrix products,
#   cuDNN for convolutions, plus XLA's compiler in TensorFlow's case. Neither has a private "internal" GPU path.
# - **Mixed precision** runs most of the arithmetic in a 16-bit float (float16 or bfloat16) and keeps the weights
#   in float32. float16 has a narrow range, so small gradients underflow unless the loss is scaled; bfloat16 keeps
#   float32's range and needs no scaling.

# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 What this machine has
#
# Physical devices are what the hardware offers; logical devices are what TensorFlow made of them (here the
# setup cell's `start_tensorflow(logical_cpus=3)` split the CPU in three, see below).
# `tf.sysconfig.get_build_info()` says which CUDA and cuDNN this TensorFlow was compiled against, and the package
# metadata names the NVIDIA wheels `pip install tensorflow[and-cuda]` adds.


# %%
# NBVAL_CHECK_OUTPUT
def short(name):
    """'/job:localhost/replica:0/task:0/device:CPU:1' -> 'CPU:1'."""
    return name.rsplit("device:", 1)[-1]


physical_cpus = tf.config.list_physical_devices("CPU")
logical_cpus = tf.config.list_logical_devices("CPU")
print(f"{len(physical_cpus)} physical CPU -> {len(logical_cpus)} logical CPUs:", [short(d.name) for d in logical_cpus])

# %% [markdown]
# The split is one call, which `start_tensorflow` made before TensorFlow initialised its devices (its first
# operation, or the first `list_logical_devices()`, does that); memory growth for each GPU (§3.6) is set the same
# way, at the same moment:
#
# ```python
# cpu = tf.config.list_physical_devices("CPU")[0]
# tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 3)
# ```
#
# Once the devices are initialised they are fixed: asking for another split now is an error.

# %%
from utils.show import expect_error  # like pytest.raises: the cell fails if the error stops happening

with expect_error(RuntimeError, match="after being initialized"):
    tf.config.set_logical_device_configuration(physical_cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)

# %%
ON_GPU = device.startswith("/GPU")  # the GPU cells below run on it, or say what they would show
gpu_cells = "run on the GPU" if ON_GPU else "no GPU, they say what they would show"
print("this notebook uses:", device, "| GPU cells:", gpu_cells)
print("physical GPUs:", tf.config.list_physical_devices("GPU"))
print("logical GPUs: ", tf.config.list_logical_devices("GPU"))
build = tf.sysconfig.get_build_info()
print("build info:", {k: build.get(k) for k in ("is_cuda_build", "cuda_version", "cudnn_version")})
for gpu in tf.config.list_physical_devices("GPU"):
    print(gpu.name, tf.config.experimental.get_device_details(gpu))
if not ON_GPU:
    print("No GPU visible to TensorFlow here. With one (and the and-cuda wheels), physical and logical GPUs are")
    print("listed, with each GPU's name and compute capability.")

# %% [markdown]
# What `pip install tensorflow[and-cuda]` adds, from the package's metadata:

# %%
import importlib.metadata
import re

try:
    requires = importlib.metadata.requires("tensorflow") or []
except importlib.metadata.PackageNotFoundError:  # Binder's image: the same release as tensorflow-cpu, same metadata
    requires = importlib.metadata.requires("tensorflow-cpu") or []
and_cuda = sorted({re.split(r"[\s;<>=!~\[]", r)[0] for r in requires if r.startswith("nvidia-") and "and-cuda" in r})
print(f"NVIDIA wheels behind tensorflow[and-cuda] ({len(and_cuda)}):", ", ".join(and_cuda[:6]), "...")

# %% [markdown]
# ### 3.2 Choosing a device: automatic placement, nobody said where, and it ran
#
# No `tf.device` anywhere: TensorFlow picks the device. Then the mirror image of the twin's §3.4: two inputs on two
# different devices (logical CPUs 1 and 2), multiplied together. PyTorch raises an error for this; TensorFlow
# copies the inputs and runs the product where it places it.

# %%
a = tf.random.uniform((256, 256))
b = a @ a
print("a @ a with no instruction ran on:", short(b.device), "(the GPU when there is one)")
if ON_GPU:
    assert b.device.endswith("GPU:0"), b.device

# %%
# NBVAL_CHECK_OUTPUT
import numpy as np

with tf.device("/CPU:1"):
    left = tf.ones((3, 3))
with tf.device("/CPU:2"):
    right = tf.ones((3, 3))
product = left @ right  # inputs on two devices: no error
print(
    f"left on {short(left.device)}, right on {short(right.device)}: product computed, sum {float(tf.reduce_sum(product)):.0f}"
)
from_numpy = tf.matmul(np.ones((3, 3), np.float32), left)  # a NumPy array is copied in too
print("a NumPy array as input: accepted, result shape", tuple(from_numpy.shape))

# %%
print("the product ran on:", short(product.device), "| the NumPy one on:", short(from_numpy.device))

# %% [markdown]
# ### 3.3 Watching the placer: `tf.debugging.set_log_device_placement` (TensorFlow only)
#
# The placement log is written by TensorFlow's C++ runtime, straight to the process's standard output and error
# (file descriptors 1 and 2), not through Python's `print` or `logging`. Two consequences, both seen on TF 2.21:
#
# - It must be switched on **before the first operation**; switched on later it prints nothing (the second run
#   below shows it). In this notebook the runtime started in the setup cell, so it is too late here.
# - In Jupyter, C++ output is forwarded asynchronously, or lands in the terminal that started Jupyter.
#
# So we do what you would do in a terminal: run a small script in a fresh Python and capture both streams. The
# second run switches logging on after the first operation.

# %%
import os
import subprocess
import sys

PROGRAM = """
import tensorflow as tf
{early}tf.debugging.set_log_device_placement(True)
a = tf.random.uniform((2, 2))
{late}b = tf.matmul(a, a)
"""
# INFO level shows the placement lines; memory growth keeps the child from reserving a whole GPU.
child_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0", "TF_FORCE_GPU_ALLOW_GROWTH": "true"}
logs = {}
for when, code in (
    ("first", PROGRAM.format(early="", late="")),
    ("too late", PROGRAM.format(early="#", late="tf.debugging.set_log_device_placement(True)\n")),
):
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=child_env)
    assert run.returncode == 0, run.stderr[-2000:]
    logs[when] = [
        re.sub(r"^.*execute\.cc:\d+\] ", "", line) for line in run.stderr.splitlines() if "Executing op" in line
    ]
    placer_lines = [line for line in run.stdout.splitlines() if ": (" in line]
    print(
        f"set_log_device_placement(True) {when}: {len(logs[when])} 'Executing op' lines on stderr, "
        f"{len(placer_lines)} placer lines on stdout"
    )
print("\n".join(logs["first"]))
assert any("MatMul" in line for line in logs["first"]) and not logs["too late"]

# %% [markdown]
# ### 3.4 Explicit placement: `tf.device`
#
# `tf.device` is how you **override** the placer: to keep a large embedding table in host memory, to split a model
# over several devices, or, as here, to pick one of the logical CPUs. Operations and variables created in the
# block are placed there.

# %%
# NBVAL_CHECK_OUTPUT
with tf.device("/CPU:1"):
    x = tf.random.uniform((4, 4))
    y = x @ x
    v = tf.Variable(tf.zeros(4))
print("x on", short(x.device), "| y on", short(y.device), "| variable v on", short(v.device))

# %% [markdown]
# ### 3.5 Soft placement: asking for a device that cannot run it (TensorFlow only)
#
# Ask for a GPU this machine does not have (on a GPU machine: the first index past the last GPU). With soft
# placement on (the default in TF 2), TensorFlow quietly runs the operation elsewhere; with it off, the request
# is an error. Soft placement also rescues operations that have no GPU kernel at all (many string operations).

# %%
missing = f"/GPU:{len(tf.config.list_logical_devices('GPU'))}"
print("soft placement on by default:", tf.config.get_soft_device_placement())
with tf.device(missing):
    z = x @ x
print(f"asked for {missing}, ran on {short(z.device)}")
tf.config.set_soft_device_placement(False)
try:
    with expect_error((tf.errors.OpError, RuntimeError, ValueError), label="soft placement off ->"):
        with tf.device(missing):
            x @ x  # InvalidArgumentError: the device does not exist and nothing may move the op elsewhere
finally:
    tf.config.set_soft_device_placement(True)

# %% [markdown]
# ### 3.6 GPU memory: memory growth, logical GPUs, and `get_memory_info`
#
# By default TensorFlow reserves nearly all of a GPU's memory when it starts, which starves any other process on
# it (a PyTorch kernel, say). The setup cell's `start_tensorflow` asked for **memory growth** instead, with
# `tf.config.experimental.set_memory_growth(gpu, True)` for each GPU before they were initialised (and
# `TF_FORCE_GPU_ALLOW_GROWTH=true` for processes it starts). The other option is to split one GPU into logical
# GPUs with a fixed memory limit each, at the same moment, instead of memory growth (the two do not combine):
#
# ```python
# gpu = tf.config.list_physical_devices("GPU")[0]
# tf.config.set_logical_device_configuration(gpu, [tf.config.LogicalDeviceConfiguration(memory_limit=2048)] * 2)
# ```
#
# `tf.config.experimental.get_memory_info` is TensorFlow's `torch.cuda.memory_allocated`: current and peak bytes
# held by tensors. A GPU keeps these statistics. The CPU keeps them only on some builds and CPUs: on Linux,
# TensorFlow turns its oneDNN kernels on by default only for CPUs with AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX
# (`DefaultOneDnnPolicy` in tensorflow/tensorflow `tensorflow/core/util/util.cc`), and with oneDNN off the CPU
# allocator keeps none: on one AMD EPYC the course's test run got `ValueError: Cannot reset memory stats for device
# 'CPU:0'` here (issue 10), and `TF_ENABLE_ONEDNN_OPTS=0` gives the same error on any machine. The cell checks first
# (`utils.machine.tf_allocator_stats_available`) and shows the error where the statistics are absent.

# %%
from utils.machine import tf_allocator_stats_available, tf_onednn_enabled

MiB = 2**20
where = device.lstrip("/")  # "GPU:0", or "CPU:0" (statistics there only on some builds and CPUs, see above)
if ON_GPU:
    gpus = tf.config.list_physical_devices("GPU")
    print("memory growth:", [tf.config.experimental.get_memory_growth(g) for g in gpus])
if tf_allocator_stats_available(where):
    tf.config.experimental.reset_memory_stats(where)
    before = tf.config.experimental.get_memory_info(where)["current"]
    with tf.device(device):
        big = tf.zeros((32, 1024, 1024))  # 128 MiB of float32
    info = tf.config.experimental.get_memory_info(where)
    grown, peak = (info["current"] - before) / MiB, info["peak"] / MiB
    print(f"{where}: current +{grown:.0f} MiB after creating a 128 MiB tensor, peak {peak:.0f} MiB")
    del big
    info = tf.config.experimental.get_memory_info(where)
    grown, peak = (info["current"] - before) / MiB, info["peak"] / MiB
    print(f"{where}: after del, current {grown:+.0f} MiB, peak still {peak:.0f} MiB")

# %% [markdown]
# Where the allocator keeps no statistics, asking for them is the error described above:

# %%
if not tf_allocator_stats_available(where):
    with expect_error(ValueError, label=f"reset_memory_stats({where!r}) -> "):
        tf.config.experimental.reset_memory_stats(where)
    print(f"This machine's {where} allocator keeps no statistics (oneDNN kernels on: {tf_onednn_enabled()}; on by")
    print("default only on CPUs with AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX). Where it keeps them, the cell above")
    print("prints the current memory growing by 128 MiB for a 128 MiB tensor, and the peak staying there after del.")
if not ON_GPU:
    print("No GPU: with one, the cell above reports GPU:0, where memory growth decides how much TensorFlow")
    print("reserves from the driver (what nvidia-smi shows) beyond these live tensors.")

# %% [markdown]
# ### 3.7 The same training step on the CPU and on the GPU
#
# The twin's two steps, in Keras: *small* (64 → 64 → 10, batch 64) and *large* (64 → 1024 → 1024 → 10, batch 512),
# one SGD step each (forward, loss, gradients, update), compiled with `tf.function` as `model.fit` would. Each step
# is timed on the CPU, and on the GPU when there is one; read the ratios within each table. The twin runs the same
# steps eagerly, in another process at another moment, so its milliseconds are **not** comparable with these;
# timing the two frameworks fairly needs matched modes in one run (the speed pair, 08, does that).

# %%
from utils.data import digits_tf
from utils.timing import measure, ratio_table, read_ratio

train_images, train_labels = digits_tf("train")
SIZES = {"small": (64, 64), "large": (1024, 512)}  # name: (hidden width, batch)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def make_model(width):
    keras.utils.set_random_seed(0)
    hidden = [keras.layers.Dense(width, activation="relu") for _ in range(1 if width == 64 else 2)]
    return keras.Sequential([keras.Input((64,)), *hidden, keras.layers.Dense(10)])


# %% [markdown]
# One compiled SGD step, with its model, optimizer and data all on one device:


# %%
def make_step(width, x, y, where):
    with tf.device(where):  # variables, data and every step live on `where`
        model = make_model(width)
        optimizer = keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)
        x, y = tf.identity(x), tf.identity(y)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

    def run():
        with tf.device(where):
            return step()

    return run


# %% [markdown]
# Each size is timed on the CPU, and on the GPU when there is one:

# %%
step_ms = {}
for name, (width, batch_size) in SIZES.items():
    x = tf.reshape(train_images[:batch_size], (batch_size, 64))
    y = train_labels[:batch_size]
    rows = [measure(make_step(width, x, y, "/CPU:0"), label=f"{name} on CPU", sync="tf", repeats=5)]
    if ON_GPU:
        rows.append(measure(make_step(width, x, y, device), label=f"{name} on GPU", sync="tf", repeats=5))
    step_ms.update({t.label: t.median_ms for t in rows})
    print(ratio_table(rows))
    if ON_GPU:
        print(read_ratio(rows[0].median_s / rows[1].median_s, f"The {name} step on the GPU", "the CPU"))
    print()
if not ON_GPU:
    print("No GPU in this run: with one, each table gets a GPU row and its speed-up over the CPU.")

# %% [markdown]
# ### 3.8 Mixed precision: `keras.mixed_precision`
#
# First the reason for loss scaling: a gradient of 1e-8 is ordinary, and float16 cannot hold it.

# %%
# NBVAL_CHECK_OUTPUT
import re

import ml_dtypes  # bfloat16 for NumPy (a TensorFlow dependency)

from utils.start import quiet_stderr

tiny = 1e-8
print(f"float32 : {float(tf.constant(tiny, tf.float32)):.3e}")
# The first float16 op makes TensorFlow's C++ runtime log, once per process, on CPUs without AVX-512 FP16, that
# oneDNN hands float16 to Eigen's kernels instead ("oneDNN supports DT_HALF only on ..."): kept out of this output.
with quiet_stderr(re.compile("oneDNN supports DT_HALF only")):
    print(f"float16 : {float(tf.cast(tiny, tf.float16)):.3e}  (underflows: float16 training scales the loss)")
print(f"bfloat16: {float(tf.cast(tiny, tf.bfloat16)):.3e}  (float32's range, fewer digits: no scaling)")
for dtype in (tf.float16, tf.bfloat16):
    info = ml_dtypes.finfo(dtype.as_numpy_dtype)  # NumPy's finfo, extended to bfloat16
    print(
        f"{dtype.name:9} max {float(info.max):.3g}, smallest normal {float(info.tiny):.3g}, eps {float(info.eps):.3g}"
    )

# %% [markdown]
# Keras sets precision with a **dtype policy**: `set_global_policy("mixed_float16")` (GPUs) or `"mixed_bfloat16"`
# (CPUs, TPUs, recent GPUs) makes every layer built afterwards compute in 16 bits and keep its variables in float32.
# The last layer is kept in float32 so the logits and the loss are. With float16, `LossScaleOptimizer` scales the
# loss and unscales the gradients (`model.compile` wraps the optimizer in it automatically; a custom loop does it
# itself). The policy is global state: reset it to `"float32"` when done.

# %%
policy_name = "mixed_float16" if ON_GPU else "mixed_bfloat16"
keras.mixed_precision.set_global_policy(policy_name)
try:
    width, batch_size = SIZES["large"]
    keras.utils.set_random_seed(0)
    with tf.device(device):
        amp_model = keras.Sequential(
            [
                keras.Input((64,)),
                keras.layers.Dense(width, activation="relu"),
                keras.layers.Dense(width, activation="relu"),
                keras.layers.Dense(10, dtype="float32"),  # float32 logits for a stable loss
            ]
        )
        amp_optimizer = keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)
        if policy_name == "mixed_float16":
            amp_optimizer = keras.mixed_precision.LossScaleOptimizer(amp_optimizer)
        x = tf.reshape(train_images[:batch_size], (batch_size, 64))
        y = train_labels[:batch_size]
finally:
    keras.mixed_precision.set_global_policy("float32")
print(
    f"policy {policy_name}; optimizer: {type(amp_optimizer).__name__}; global policy reset to "
    f"{keras.mixed_precision.global_policy().name}"
)

# %% [markdown]
# The training step is the usual one, with the loss scaled before the gradients (a no-op without float16):


# %%
@tf.function
def amp_step():
    with tf.GradientTape() as tape:
        logits = amp_model(x, training=True)
        loss = loss_fn(y, logits)
        scaled = amp_optimizer.scale_loss(loss)  # multiplied by the loss scale with float16, unchanged otherwise
    grads = tape.gradient(scaled, amp_model.trainable_variables)
    amp_optimizer.apply_gradients(zip(grads, amp_model.trainable_variables))  # unscales, skips inf/NaN steps
    return loss, logits, grads


def run_amp():
    with tf.device(device):
        return amp_step()


losses = [float(run_amp()[0]) for _ in range(10)]
loss, logits, grads = run_amp()
print(f"loss over 10 mixed-precision steps: {losses[0]:.3f} -> {losses[-1]:.3f}")
assert losses[-1] < losses[0]

# %%
# NBVAL_CHECK_OUTPUT
compute = amp_model.layers[0].compute_dtype
with tf.device(device):
    hidden = amp_model.layers[0](x)
print("hidden layers compute in the 16-bit dtype:", hidden.dtype == compute and compute in ("float16", "bfloat16"))
print("logits and loss in float32:               ", logits.dtype == tf.float32 and loss.dtype == tf.float32)
print("weights still float32:                    ", all(w.dtype == tf.float32 for w in amp_model.trainable_variables))
print("gradients float32:                        ", all(g.dtype == tf.float32 for g in grads))

# %%
fp32_step = make_step(width, x, y, device)
precision = [
    measure(fp32_step, label="float32", sync="tf", repeats=5),
    measure(lambda: run_amp()[0], label=policy_name, sync="tf", repeats=5),
]
step_ms.update({f"large on {device}, {t.label}": t.median_ms for t in precision})
print(f"large step on {device}:\n" + ratio_table(precision))
print(read_ratio(precision[0].median_s / precision[1].median_s, precision[1].label, "float32"))

# %% [markdown]
# ### 3.9 History: `tf.Session(config=ConfigProto(...))`
#
# **History.** In TensorFlow 1.x the same settings went into a session config: `ConfigProto(log_device_placement=
# True, allow_soft_placement=True)` and `gpu_options.allow_growth = True`, passed to `tf.Session`. The behaviour
# was already automatic then: the TF 1.x guide *Using GPUs* says an operation with both a CPU and a GPU kernel is
# given to the GPU by default. TF 2 moved the knobs to `tf.config` and `tf.debugging`, and mixed precision from
# `tf.train.experimental.enable_mixed_precision_graph_rewrite` to Keras dtype policies.

# %% [markdown]
# ## 4. What you just saw
#
# - §3.1: this TensorFlow wheel was built against CUDA and cuDNN (its build info prints the versions) and its
#   `and-cuda` extra lists NVIDIA's cuBLAS, cuDNN and other `nvidia-*` wheels: the same libraries the twin's CUDA
#   build of PyTorch depends on.
# - §3.2–3.3: no `tf.device` was needed. TensorFlow placed every operation itself, accepted inputs from two devices
#   and from NumPy, and its placement log (captured from a fresh process, because it is C++ output and only works
#   when switched on first) named the device of each operation.
# - §3.4–3.5: `tf.device` overrides the placer for operations and variables; soft placement silently replaced a
#   device that does not exist, and turning it off made the same request an `InvalidArgumentError`.
# - §3.6: memory growth and `get_memory_info` are the counterparts of PyTorch's caching allocator and
#   `torch.cuda.memory_allocated`; logical devices split one physical device, as the setup cell did for the CPU.
# - §3.7: read the ratios within each table. Without a GPU only the CPU rows exist; with one, the sentence under
#   each table says how much the step gained (a tiny step is dominated by kernel-launch overhead, so it has less to
#   gain than the large one). The milliseconds are not for setting beside the twin's: it ran eagerly, in another
#   process.
# - §3.8: under a mixed policy the hidden layers computed in 16 bits while variables, gradients, logits and loss
#   stayed float32. On a CPU bfloat16 pays off only with bfloat16 instructions (the sentence under §3.8's table
#   says whether it paid off in this run); on a recent NVIDIA GPU float16 and
#   bfloat16 run on tensor cores.

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C7 | **false** | *Measured here:* TensorFlow's GPU support is CUDA: §3.1 printed its build info (the CUDA and cuDNN versions it was compiled against; the line under this table repeats them) and the `nvidia-*` wheels (cuBLAS, cuDNN, ...) its `and-cuda` extra installs. *Cited from documentation:* those are the NVIDIA libraries PyTorch's CUDA wheels depend on too (TensorFlow's pip guide, tensorflow.org/install/pip: `pip install tensorflow[and-cuda]`; pytorch/pytorch#85097, #163964; the twin's §3.1 prints them on a CUDA build of PyTorch). There is no separate "内部的 GPU 加速机制" (internal GPU acceleration mechanism). *Not measured:* whether the framework changes training time on a GPU, where the claim is set. The course has no GPU record, so that half remains unmeasured. This run had no GPU either, and §3.7 here (`tf.function`) and in the twin (eager, another process) are not a matched comparison. On CPUs, the speed pair (08, its C7 row) times the same training step in both frameworks in one run, each in its best mode. |
# | C18 | **holds partly** | The TensorFlow half is false, and already was in TF 1.x: §3.2 ran operations with no `tf.device` at all, combined inputs from two devices without complaint, and §3.3's placement log showed the runtime choosing; `tf.device` is an override (§3.4), backed by soft placement (§3.5). The PyTorch half holds (twin §3.2–3.4: `.to()`, `torch.cuda.is_available()`, and an error for mixed devices). |

# %%
# What C7's verdict cites from this run (§3.1)
print(
    "C7, §3.1: TensorFlow",
    tf.__version__,
    "build info:",
    {k: build.get(k) for k in ("is_cuda_build", "cuda_version", "cudnn_version")},
    f"| {len(and_cuda)} nvidia-* wheels behind [and-cuda] | GPU used in this run: {ON_GPU}",
)

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** Write `matmul_on(device_name, m)` that computes `m @ m` on the device named `device_name` (for
# example `"/CPU:2"`, one of the logical CPUs made in the setup cell) and returns the result. The check asks for two
# different logical CPUs and looks at where the results were computed.


# %% tags=["solution"] jupyter={"source_hidden": true}
def matmul_on(device_name, m):
    with tf.device(device_name):
        return m @ m


# %% tags=["check"]
m = tf.reshape(tf.range(9, dtype=tf.float32), (3, 3))
for name in ("/CPU:2", "/CPU:1"):
    result = matmul_on(name, m)
    assert short(result.device) == name.strip("/"), f"{name}: computed on {short(result.device)}"
    np.testing.assert_allclose(result.numpy(), m.numpy() @ m.numpy())
print("Exercise 1 passed: m @ m computed on CPU:2 and on CPU:1, right values")

# %% [markdown]
# **Exercise 2.** A dtype policy can also be given to one layer instead of globally. Write `bf16_dense(units)` that
# returns a `keras.layers.Dense` computing in bfloat16 with float32 weights, **without** touching the global policy.
# The check builds it, runs it, and compares with a float32 layer holding the same weights.


# %% tags=["solution"] jupyter={"source_hidden": true}
def bf16_dense(units):
    return keras.layers.Dense(units, dtype="mixed_bfloat16")


# %% tags=["check"]
layer = bf16_dense(8)
inputs = tf.reshape(train_images[:16], (16, 64))
out = layer(inputs)
assert keras.mixed_precision.global_policy().name == "float32", "the global policy must stay float32"
assert out.dtype == tf.bfloat16, f"expected bfloat16 outputs, got {out.dtype}"
assert layer.kernel.dtype == tf.float32, f"expected float32 weights, got {layer.kernel.dtype}"
reference = keras.layers.Dense(8)
reference.build((None, 64))
reference.set_weights(layer.get_weights())
gap = float(tf.reduce_max(tf.abs(tf.cast(out, tf.float32) - reference(inputs))))
assert gap < 0.1, gap
print(f"Exercise 2 passed: bfloat16 outputs, float32 weights, global policy untouched, within {gap:.3f} of float32")

# %% [markdown]
# ## 7. Summary
#
# - TensorFlow **places operations for you**: the GPU when there is one, copying inputs as needed. `tf.device` is
#   an override, and soft placement covers requests that cannot be met.
# - Configure devices **before the first operation**: logical devices (split a CPU or a GPU), memory growth, and
#   the placement log, which is C++ output best captured from a fresh process.
# - `get_memory_info` and memory growth are the counterparts of PyTorch's allocator statistics and cache.
# - Mixed precision: a Keras dtype policy (`mixed_bfloat16`, or `mixed_float16` with `LossScaleOptimizer`); reset the
#   global policy afterwards.
# - Both frameworks use the same CUDA libraries; speed depends on the model and the device, not on "CUDA or not".
# - Next: [05 · Data loading](05_data_tensorflow.ipynb), or the twin: [04 · PyTorch](04_devices_pytorch.ipynb).
