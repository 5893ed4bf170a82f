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
# # 04 · Devices and GPUs (PyTorch)
#
# Twin: [04_devices_tensorflow.ipynb](04_devices_tensorflow.ipynb) · Course map: [00_start_here.ipynb](00_start_here.ipynb)
#
# Runs in about 20 s on a 2-core laptop CPU. It runs on whatever it finds: on a machine without a GPU every cell
# still runs, and the GPU cells say what they would show; with an NVIDIA GPU the same cells use it. Read it beside
# its twin: the sections match.
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/04_devices_pytorch.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/04_devices_pytorch.ipynb)

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

device = start_torch(seed=0)  # the GPU when there is one (COURSE_DEVICE=cpu forces the CPU)

# %% [markdown]
# ## 1. What the articles claim
#
# - **C7**: GPU acceleration: PyTorch uses CUDA, so it trains faster; TensorFlow uses its own internal GPU
#   acceleration, so the choice of framework does not change training time.
# - **C18**: device management: in TensorFlow you must place operations explicitly with `tf.device`; in PyTorch
#   you move tensors and models with `.to()` and check `torch.cuda.is_available()`.
#
# This notebook runs PyTorch 2.15 and checks both claims against what it does today; the twin does the same for
# TensorFlow 2.21.

# %% [markdown]
# ## 2. The idea
#
# A **device** is where a tensor's memory lives and where the kernels that compute on it run: the CPU with the
# machine's RAM, or an accelerator (an NVIDIA GPU through CUDA, an Apple GPU through MPS, ...) with its own memory.
# Moving data between them is a copy over a bus, and it costs time.
#
# - **PyTorch's rule**: an operation runs on the device its inputs are on, and all tensor inputs must be on the
#   same device (a zero-dimensional CPU tensor, used like a Python number, is the one exception). PyTorch does not
#   copy behind your back: you choose with `device=` when you create a tensor, and with `.to(device)` for tensors
#   and models. A mismatch is an error, not a slow path.
# - **TensorFlow's rule** (the twin): the runtime places each operation itself, on the GPU when there is one, and
#   copies inputs where they are needed. `tf.device` overrides the choice; it is not required.
# - **GPUs run asynchronously**: a Python call queues a kernel and returns before it has finished. A timer must
#   wait for the GPU (`utils.timing.measure(..., sync="torch")` calls `torch.cuda.synchronize()`).
# - **Both frameworks reach NVIDIA GPUs through the same stack**: the CUDA runtime, cuBLAS for matrix products,
#   cuDNN for convolutions. Neither has a private "internal" GPU path; what differs is how each schedules its
#   kernels, fuses them, and feeds them data.
# - **Mixed precision** runs most of the arithmetic in a 16-bit float (float16 or bfloat16) and keeps the weights
#   in float32: half the memory traffic, and the GPU's tensor cores. float16 has a narrow range, so small
#   gradients underflow to zero unless the loss is scaled up first; bfloat16 keeps float32's range and needs no
#   scaling.

# %% [markdown]
# ## 3. Hands-on
#
# ### 3.1 What this machine has
#
# What PyTorch sees, and what it was built with. `torch.accelerator` (PyTorch 2.6+: pytorch/pytorch#132204, on
# the 2.6 release branch with #143186) asks the same questions without naming a vendor: it answers for CUDA, ROCm,
# MPS or Intel XPU alike.

# %%
import importlib.metadata
import re

print("torch.cuda.is_available():        ", torch.cuda.is_available())
print("torch.accelerator.is_available(): ", torch.accelerator.is_available())
print("current_accelerator():            ", torch.accelerator.current_accelerator())
print("built with CUDA (torch.version.cuda):", torch.version.cuda)
print("cuDNN (torch.backends.cudnn.version()):", torch.backends.cudnn.version())
# A CUDA build of PyTorch on PyPI pulls NVIDIA's own libraries as wheels (cuBLAS, cuDNN, ...); a CPU build none.
nvidia_libs = sorted(
    {re.split(r"[\s;<>=!~\[]", r)[0] for r in importlib.metadata.requires("torch") or [] if r.startswith("nvidia-")}
)
print("NVIDIA wheels this torch depends on:", nvidia_libs or "none (a CPU-only build)")
if torch.cuda.is_available():
    props = torch.cuda.get_device_properties(0)
    print(
        f"GPU 0: {props.name}, {props.total_memory / 2**30:.0f} GiB, compute capability {props.major}.{props.minor}, "
        f"{props.multi_processor_count} multiprocessors"
    )
else:
    print(
        "No CUDA GPU here. With one, this cell prints its name, memory and compute capability, the CUDA and "
        "cuDNN versions, and nvidia-cublas / nvidia-cudnn among the wheels."
    )

# %% [markdown]
# ### 3.2 Choosing a device: without hard-coding it
#
# Three ways to ask, from the oldest to the newest; the course's `torch_device()` does the first and also knows
# Apple's MPS. Writing `"cuda"` into the code instead is what breaks a notebook on a laptop.

# %%
from utils.show import show_error

classic = torch.device("cuda" if torch.cuda.is_available() else "cpu")
neutral = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else torch.device("cpu")
print(f"classic: {classic} | torch.accelerator: {neutral} | utils.devices.torch_device(): {device}")

try:
    x = torch.ones(3).to("cuda")  # hard-coded: fine on a GPU box, an error anywhere else
except (AssertionError, RuntimeError) as err:
    assert not torch.cuda.is_available(), err  # an error only where there is no CUDA GPU
    show_error(err, "x.to('cuda') -> ")
else:
    assert torch.cuda.is_available(), "x.to('cuda') worked, yet torch.cuda.is_available() is False"
    print("x.to('cuda') worked: this machine has a CUDA GPU, x is on", x.device)

# %% [markdown]
# This notebook's GPU cells are written for CUDA (pinned copies, `torch.cuda` memory statistics, float16 with
# `GradScaler`). On any other machine they say what they would show:

# %%
if device.type == "mps":  # Apple silicon: the GPU cells below use CUDA-only calls, untested on mps
    print("Apple GPU (mps) found: the GPU cells are written for CUDA, so this notebook runs on the CPU. The other")
    print("notebooks use mps; tensors and models move there with the same .to(device).")
    device = torch.device("cpu")
ON_GPU = device.type == "cuda"
print(
    "this notebook uses:",
    device,
    "| GPU cells:",
    "run on the GPU" if ON_GPU else "no GPU, they say what they would show",
)

# %% [markdown]
# ### 3.3 `.to()`: tensors are copied, modules are moved (PyTorch only)
#
# `Tensor.to(device)` returns a **new** tensor on that device and leaves the original where it was, so you must
# keep the result (`x = x.to(device)`); when the tensor is already there it returns the same object, no copy.
# `Module.to(device)` moves the module's parameters **in place** and returns the module itself. To show both on any
# machine we use the `meta` device, which every PyTorch has: tensors with a shape and a dtype but no data.

# %%
# NBVAL_CHECK_OUTPUT
from torch import nn

t = torch.arange(4.0)
print("t.to('cpu') is t:        ", t.to("cpu") is t, "(already there: no copy)")
t_meta = t.to("meta")
print("t.to('meta') is t:       ", t_meta is t, f"(a new tensor on {t_meta.device}; t stays on {t.device})")
layer = nn.Linear(3, 2)
print("layer.to('meta') is layer:", layer.to("meta") is layer, f"(moved in place: weight now on {layer.weight.device})")
print("created in place:         ", torch.zeros(2, device="meta").device, "(device= at creation: no copy at all)")

# %% [markdown]
# ### 3.4 Explicit placement: the device-mismatch error, then the fix
#
# A model on one device, a batch on another: PyTorch refuses rather than copying silently. On a GPU machine the
# model goes to the GPU and the batch stays in host memory, the classic mistake, and the message reads *"Expected
# all tensors to be on the same device, but ... cuda:0 and cpu"*. Without a GPU we use the `meta` device as the
# second device: the error is the same check, with other device names.

# %%
from utils.data import digits_torch
from utils.show import expect_error  # like pytest.raises: fails the cell if nothing is raised

images, labels = digits_torch("test")  # on the CPU, as loaded
batch = images[:8].reshape(8, 64)
model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
other = device if ON_GPU else torch.device("meta")  # a second device this machine really has
model.to(other)
with expect_error(RuntimeError, match="device"):
    model(batch)

# The fix: send the input to wherever the model's parameters are.
model_device = next(model.parameters()).device
out = model(batch.to(model_device))
assert out.device == model_device and out.shape == (8, 10)
print(f"\nfixed: batch.to({model_device}) -> output of shape {tuple(out.shape)} on {out.device}")

# %% [markdown]
# ### 3.5 Host-to-GPU copies: `pin_memory` and `non_blocking` (PyTorch only)
#
# A copy from ordinary (pageable) host memory to the GPU is staged through a pinned buffer by the driver. A tensor
# already in **pinned** (page-locked) memory is copied directly, and with `non_blocking=True` the copy is queued and
# Python moves on, so the copy can overlap with compute. `DataLoader(pin_memory=True)` pins every batch for you.
# Pinning asks the accelerator's driver for memory, so it needs one.

# %%
from utils.timing import measure, ratio_table, read_ratio

host = torch.randn(64, 1024, 64)  # 16 MiB of float32
print(f"host tensor: {host.numel() * 4 / 2**20:.0f} MiB, pinned: {host.is_pinned()}")
if ON_GPU:
    pinned = host.pin_memory()
    copies = [
        measure(lambda: host.to(device), label="pageable -> GPU", sync="torch"),
        measure(lambda: pinned.to(device, non_blocking=True), label="pinned -> GPU, non_blocking", sync="torch"),
    ]
    print(ratio_table(copies))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=64, pin_memory=True)
    print("DataLoader(pin_memory=True) batch pinned:", next(iter(loader))[0].is_pinned())
else:
    try:
        host.pin_memory()
    except RuntimeError as err:
        assert not torch.accelerator.is_available(), err  # pinning needs an accelerator (CUDA, MPS, XPU)
        show_error(err, "host.pin_memory() -> ")
    else:
        assert torch.accelerator.is_available(), "pin_memory() worked, yet there is no accelerator"
        print("host.pin_memory() worked: this machine has", torch.accelerator.current_accelerator())
    print(
        "No GPU: with one, this cell times a pageable and a pinned, non-blocking copy of these 16 MiB to the "
        "GPU (the pinned one is usually faster) and shows a DataLoader handing out pinned batches."
    )

# %% [markdown]
# ### 3.6 GPU memory: how much is in use, `torch.cuda.memory_allocated`
#
# PyTorch keeps freed GPU memory in a **caching allocator** for reuse: `memory_allocated` counts live tensors,
# `memory_reserved` what the cache holds (what `nvidia-smi` shows, plus the CUDA context), `max_memory_allocated`
# the peak, and `empty_cache()` returns unused cached blocks to the driver. `torch.accelerator.memory_allocated()`
# is the same question without naming CUDA.

# %%
MiB = 2**20
if ON_GPU:
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    big = torch.empty(32, 1024, 1024, device=device)  # 128 MiB of float32
    print(f"allocated: +{(torch.cuda.memory_allocated() - before) / MiB:.0f} MiB after creating a 128 MiB tensor")
    del big
    allocated, reserved = torch.cuda.memory_allocated() / MiB, torch.cuda.memory_reserved() / MiB
    peak = torch.cuda.max_memory_allocated() / MiB
    print(f"after del: allocated {allocated:.0f} MiB, reserved (cached) {reserved:.0f} MiB, peak {peak:.0f} MiB")
    torch.cuda.empty_cache()
    print(f"after empty_cache(): reserved {torch.cuda.memory_reserved() / MiB:.0f} MiB")
    same = torch.accelerator.memory_allocated() == torch.cuda.memory_allocated()
    print("torch.accelerator.memory_allocated() == torch.cuda.memory_allocated():", same)

# %% [markdown]
# Without a CUDA GPU, the same questions get these answers:

# %%
if not ON_GPU:
    print("torch.cuda.memory_allocated():", torch.cuda.memory_allocated(), "bytes (no CUDA device: nothing allocated)")
    try:
        allocated = torch.accelerator.memory_allocated()
    except RuntimeError as err:
        assert torch.accelerator.current_accelerator() is None, err  # a CPU-only build knows no accelerator
        show_error(err, "torch.accelerator.memory_allocated() -> ")
    else:
        # A build for an accelerator (PyPI's default CUDA wheel) on a machine without one names it and counts 0.
        assert allocated == 0 and torch.accelerator.current_accelerator() is not None, allocated
        print(
            f"torch.accelerator.memory_allocated(): {allocated} bytes: this torch is built for "
            f"{torch.accelerator.current_accelerator()}, but no such device is here"
        )
    print(
        "No GPU: with one, this cell allocates 128 MiB on it and prints allocated +128 MiB, then after `del` "
        "allocated back down while reserved stays up (the cache), and reserved down after empty_cache()."
    )

# %% [markdown]
# ### 3.7 The same training step on the CPU and on the GPU
#
# One SGD step (forward, loss, backward, update) of a fully connected classifier on the shipped digits, in two
# sizes: *small* (64 → 64 → 10, batch 64) and *large* (64 → 1024 → 1024 → 10, batch 512), run eagerly, as most
# PyTorch training loops do. Each step is timed on the CPU with PyTorch's default threads (one per core), on one
# CPU thread, and on the GPU when there is one; read the ratios within each table. The twin times the same two
# models in Keras, but as a `tf.function` graph (as `model.fit` runs them), in another process at another moment:
# its milliseconds are **not** comparable with these (a different execution mode, and a shared machine changes
# between runs). Timing the two frameworks fairly needs matched modes in one run, which is the job of the
# speed pair (08).

# %%
train_images, train_labels = digits_torch("train")
SIZES = {"small": (64, 64), "large": (1024, 512)}  # name: (hidden width, batch)


def make_model(width):
    torch.manual_seed(0)
    if width == 64:
        return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    return nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10))


def make_step(model, x, y):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


# %% [markdown]
# Each size is timed on the default threads, on one thread, and on the GPU when there is one:

# %%
step_ms = {}
for name, (width, batch_size) in SIZES.items():
    x = train_images[:batch_size].reshape(batch_size, 64)
    y = train_labels[:batch_size]
    rows = [measure(make_step(make_model(width), x, y), label=f"{name} on CPU", sync="torch", repeats=5)]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same step on one CPU thread, for comparison
    try:
        one_thread = make_step(make_model(width), x, y)
        rows.append(measure(one_thread, label=f"{name} on CPU, 1 thread", sync="torch", repeats=5))
    finally:
        torch.set_num_threads(threads)
    if ON_GPU:
        on_gpu = make_step(make_model(width).to(device), x.to(device), y.to(device))
        rows.append(measure(on_gpu, label=f"{name} on GPU", sync="torch", repeats=5))
    step_ms.update({t.label: t.median_ms for t in rows})
    print(ratio_table(rows))
    print(read_ratio(rows[1].median_s / rows[0].median_s, f"The {name} step on default threads", "one thread"))
    if ON_GPU:
        print(read_ratio(rows[0].median_s / rows[2].median_s, f"The {name} step on the GPU", "the CPU"))
    print()
if not ON_GPU:
    print("No GPU in this run: with one, each table gets a GPU row and its speed-up over the CPU.")

# %% [markdown]
# ### 3.8 Mixed precision: `torch.autocast`, with a `GradScaler` for float16
#
# First the reason for the scaler: a gradient of 1e-8 is ordinary, and float16 cannot hold it.

# %%
# NBVAL_CHECK_OUTPUT
tiny = 1e-8
print(f"float32 : {torch.tensor(tiny, dtype=torch.float32).item():.3e}")
print(f"float16 : {torch.tensor(tiny, dtype=torch.float16).item():.3e}  (underflows: float16 training scales the loss)")
print(f"bfloat16: {torch.tensor(tiny, dtype=torch.bfloat16).item():.3e}  (float32's range, fewer digits: no scaling)")
for dtype in (torch.float16, torch.bfloat16):
    info = torch.finfo(dtype)
    print(f"{str(dtype):15} max {info.max:.3g}, smallest normal {info.tiny:.3g}, eps {info.eps:.3g}")

# %% [markdown]
# `torch.autocast(device_type, dtype)` runs the operations that gain from it (matrix products, convolutions) in the
# 16-bit type and keeps the sensitive ones (softmax, losses, reductions) in float32; the weights stay float32. On a
# CUDA GPU the usual choice is float16 with `torch.amp.GradScaler`, which multiplies the loss before `backward()`,
# divides the gradients before the update, and skips a step whose gradients overflowed. On a CPU, autocast uses
# bfloat16 and the scaler is switched off (`enabled=False` makes it a pass-through), so one training loop serves
# both.

# %%
amp_dtype = torch.float16 if ON_GPU else torch.bfloat16
scaler = torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16)
print(f"autocast on {device.type} with {amp_dtype}; GradScaler enabled: {scaler.is_enabled()}")

width, batch_size = SIZES["large"]
x = train_images[:batch_size].reshape(batch_size, 64).to(device)
y = train_labels[:batch_size].to(device)
amp_model = make_model(width).to(device)
amp_optimizer = torch.optim.SGD(amp_model.parameters(), lr=0.05, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()


def amp_step():
    amp_optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type=device.type, dtype=amp_dtype):
        logits = amp_model(x)
        loss = loss_fn(logits, y)
    scaler.scale(loss).backward()  # scaled up when the scaler is enabled, unchanged otherwise
    scaler.step(amp_optimizer)  # unscales, skips the step if a gradient is inf/NaN
    scaler.update()
    return loss, logits


losses = [amp_step()[0].item() for _ in range(10)]
loss, logits = amp_step()
print(f"loss over 10 mixed-precision steps: {losses[0]:.3f} -> {losses[-1]:.3f}")
assert losses[-1] < losses[0]

# %%
# NBVAL_CHECK_OUTPUT
print("logits in the 16-bit autocast dtype:   ", logits.dtype == amp_dtype)
print("loss in float32 (autocast keeps losses):", loss.dtype == torch.float32)
print("weights still float32:                 ", all(p.dtype == torch.float32 for p in amp_model.parameters()))
print("gradients float32:                     ", all(p.grad.dtype == torch.float32 for p in amp_model.parameters()))

# %%
fp32_step = make_step(make_model(width).to(device), x, y)
precision = [
    measure(fp32_step, label="float32", sync="torch", repeats=5),
    measure(lambda: amp_step()[0], label=f"autocast {str(amp_dtype).split('.')[-1]}", sync="torch", repeats=5),
]
step_ms.update({f"large on {device.type}, {t.label}": t.median_ms for t in precision})
print(f"large step on {device}:\n" + ratio_table(precision))
print(read_ratio(precision[0].median_s / precision[1].median_s, precision[1].label, "float32"))

# %% [markdown]
# ### 3.9 History: `torch.cuda.amp` and `.cuda()`
#
# **History.** Older code writes `torch.cuda.amp.autocast()` and `torch.cuda.amp.GradScaler()`; since PyTorch 2.4
# (its `FutureWarning`: "`torch.cuda.amp.autocast(args...)` is deprecated"; docs.pytorch.org/docs/stable/amp.html)
# these are deprecated aliases of `torch.autocast("cuda")` and `torch.amp.GradScaler("cuda")`. Older code also
# moves things with `.cuda()` / `.cpu()`, which still work but hard-code the device; `.to(device)` with a device
# chosen once at the top is the portable form. And `torch.autograd.Variable(x).cuda()` is pre-2018 PyTorch: tensors
# have carried gradients themselves since 0.4.

# %% [markdown]
# ## 4. What you just saw
#
# - §3.1–3.2: PyTorch tells you what it has (`torch.cuda.is_available()`, and the vendor-neutral
#   `torch.accelerator`), and a CUDA build lists NVIDIA's cuBLAS and cuDNN wheels among its dependencies. A
#   hard-coded `"cuda"` fails on a machine without one; asking once at the top does not.
# - §3.3–3.4: placement in PyTorch is explicit and strict. `Tensor.to` copies, `Module.to` moves in place, and a
#   model and batch on different devices raise an error; the fix is one `.to(...)`. That is C18's PyTorch half,
#   exactly as the article says.
# - §3.5–3.6: on a GPU, pinned memory and `non_blocking` copies make host-to-GPU transfers cheaper, and
#   `torch.cuda.memory_allocated` / `memory_reserved` tell live tensors from the allocator's cache. Without a GPU
#   these cells printed what they would measure and the errors you get for asking.
# - §3.7: read the ratios and the sentences under each table. Without a GPU only the CPU rows exist. With one, the
#   sentence says how much each step gained; a tiny step is dominated by kernel-launch overhead, so it has less to
#   gain than the large one. The one-thread row shows
#   what splitting an operation costs. PyTorch's CPU kernels split each operation over all cores (OpenMP), and
#   every thread waits for the others at its end. The large step (1024 wide, batch 512) has enough work per
#   operation to share, so the other cores are a gain. The small one (64 wide, batch 64) has only microseconds of
#   work per operation, so that hand-over and wait can cost more than the extra cores save, and the small step can
#   come out *slower* on the default threads than on one. The table shows the ratio, not its cause; for a step this
#   small, per-operation synchronisation is the likely one (other programs taking a core would also widen the IQR
#   column). A busy machine (a shared Binder node) slows the default further: a thread that lost its core holds
#   up every operation. `torch.set_num_threads` is the knob. Do not set these milliseconds beside the twin's: it runs a
#   `tf.function` graph in another process (see §3.7's introduction).
# - §3.8: autocast computed the logits in 16 bits while weights, gradients and the loss stayed float32. On a CPU
#   bfloat16 pays off only on processors with bfloat16 instructions (the sentence under §3.8's table says whether
#   it paid off in this run); on a recent NVIDIA GPU float16 or bfloat16 runs on tensor cores and is usually well ahead.

# %% [markdown]
# ## 5. Verdict
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C7 | **false** | *Measured here:* §3.1 printed which build this PyTorch is, and the line under this table repeats it (a CPU-only build prints `torch.version.cuda` None and no `nvidia-*` wheels; a CUDA build prints its CUDA and cuDNN versions and the nvidia-cublas / nvidia-cudnn wheels it depends on); the twin's §3.1 printed TensorFlow's build info, which names the CUDA and cuDNN it was compiled against, and the `nvidia-*` wheels of its `and-cuda` extra. *Cited from documentation:* both frameworks reach NVIDIA GPUs through NVIDIA's CUDA runtime, cuBLAS and cuDNN, shipped as NVIDIA's own wheels (TensorFlow's pip guide, tensorflow.org/install/pip: `pip install tensorflow[and-cuda]`; PyTorch's CUDA wheels depend on nvidia-cublas / nvidia-cudnn, pytorch/pytorch#85097, #163964). So TensorFlow has no separate "内部的 GPU 加速机制" (internal GPU acceleration mechanism), and CUDA is no PyTorch-only advantage. *Not measured:* whether the framework changes training time on a GPU, where the claim is set. The course has no GPU record, so that half remains unmeasured. This run had no GPU either, and §3.7 here (eager) and in the twin (`tf.function`, another process) are not a matched comparison. On CPUs, the speed pair (08, its C7 row) times the same training step in both frameworks in one run, each in its best mode. |
# | C18 | **holds partly** | The PyTorch half holds: §3.2–3.4 moved tensors and models with `.to()`, asked `torch.cuda.is_available()` (now also `torch.accelerator`), and got an error for mixing devices until the batch was moved. The TensorFlow half is false, and was already in TF 1.x: TensorFlow places operations itself, on the GPU when there is one; `tf.device` is an override (twin §3.2–3.5). |

# %%
# What C7's verdict cites from this run (§3.1)
print(
    f"C7, §3.1: torch {torch.__version__}, torch.version.cuda = {torch.version.cuda}, "
    f"cuDNN = {torch.backends.cudnn.version()}, NVIDIA wheels: {', '.join(nvidia_libs) or 'none (a CPU-only build)'}; "
    f"GPU used in this run: {ON_GPU}"
)

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 1.** Batches often come as nested structures (a dict of tensors, a tuple of a tensor and a label
# list). Write `to_device(obj, device)` that returns the same structure with every tensor moved to `device`
# (dicts, lists and tuples recursively) and everything else left as it is. The check uses the `meta` device, so it
# runs the same with or without a GPU.


# %% tags=["solution"] jupyter={"source_hidden": true}
def to_device(obj, device):
    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, dict):
        return {key: to_device(value, device) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_device(value, device) for value in obj)
    return obj


# %% tags=["check"]
sample = {"image": torch.zeros(2, 64), "meta": (torch.ones(2), [torch.arange(3), "id-7"]), "step": 5}
moved = to_device(sample, torch.device("meta"))
assert set(moved) == set(sample) and moved["step"] == 5 and moved["meta"][1][1] == "id-7", "non-tensors must stay"
tensors = [moved["image"], moved["meta"][0], moved["meta"][1][0]]
assert all(t.device.type == "meta" for t in tensors), [t.device for t in tensors]
assert isinstance(moved["meta"], tuple) and isinstance(moved["meta"][1], list), "keep tuples as tuples, lists as lists"
assert sample["image"].device.type == "cpu", "the original batch must not change"
print("Exercise 1 passed: 3 tensors moved to meta, structure and non-tensors kept, original untouched")

# %% [markdown]
# **Exercise 2.** Write `bf16_logits(model, x)` that runs `model` on `x` under `torch.autocast` on the **CPU** with
# bfloat16 and returns the logits. The check compares them with a float32 forward pass (bfloat16 keeps about 3
# significant digits, so they agree to about 1e-1) and makes sure the model's weights were not converted.


# %% tags=["solution"] jupyter={"source_hidden": true}
def bf16_logits(model, x):
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        return model(x)


# %% tags=["check"]
check_model = make_model(64)
check_x = train_images[:32].reshape(32, 64)
low = bf16_logits(check_model, check_x)
assert low.dtype == torch.bfloat16, f"expected bfloat16 logits, got {low.dtype}"
assert all(p.dtype == torch.float32 for p in check_model.parameters()), "the weights must stay float32"
gap = (low.float() - check_model(check_x)).abs().max().item()
assert gap < 0.1, gap
print(f"Exercise 2 passed: bfloat16 logits, float32 weights, within {gap:.3f} of float32")

# %% [markdown]
# ## 7. Summary
#
# - In PyTorch, placement is **explicit**: pick the device once (`torch.cuda.is_available()`, or
#   `torch.accelerator` for any vendor), create tensors with `device=`, and `.to(device)` models and batches.
# - Mixing devices is an **error**, not a silent copy; `Tensor.to` returns a copy, `Module.to` moves in place.
# - On a GPU: pinned memory and `non_blocking` for copies, `memory_allocated` vs `memory_reserved` for memory,
#   and always synchronise before reading a timer.
# - Mixed precision: `torch.autocast` (bfloat16, or float16 with `GradScaler`) keeps weights in float32.
# - Both frameworks use the same CUDA libraries; speed depends on the model and the device, not on "CUDA or not".
# - Next: [05 · Data loading](05_data_pytorch.ipynb), or the twin: [04 · TensorFlow](04_devices_tensorflow.ipynb).
