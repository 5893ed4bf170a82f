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
# # PyTorch vs TensorFlow, really: start here
#
# Two popular articles list the differences between PyTorch and TensorFlow: static vs dynamic graphs, "Variables",
# Keras vs `nn.Module`, devices, data loading, TensorBoard vs Visdom, TF Serving vs Flask. Several of their claims
# were true in 2018 and are not today; a few never were. This course turns each difference into a **pair of
# notebooks**, one per framework, that do the same job side by side, run for real on your machine, and end with a
# **measured verdict** on what the articles claimed.
#
# This notebook checks your environment, shows the course map, and explains how to read a pair.
#
# [Open in Colab](https://colab.research.google.com/github/pytorch-vs-tensorflow/course/blob/main/notebooks/00_start_here.ipynb) · [Launch on Binder](https://mybinder.org/v2/gh/pytorch-vs-tensorflow/course/HEAD?urlpath=lab/tree/notebooks/00_start_here.ipynb)

# %%
import os
import sys

if "google.colab" in sys.modules:  # on Colab only: fetch the course, then install what Colab lacks
    if not os.path.isdir("/content/course"):
        os.system("git clone -q --depth=1 https://github.com/pytorch-vs-tensorflow/course /content/course")
    os.chdir("/content/course")
    from utils.colab import bootstrap

    bootstrap("/content/course")

# %% [markdown]
# ## Your environment
#
# The course pins exact versions (`requirements.txt`). The cell below compares what is installed with the pins,
# and shows what each framework can compute on. Nothing here needs a GPU: every notebook runs on a laptop CPU and
# uses a GPU automatically when the framework sees one.

# %%
import os, sys, pathlib, platform, re
from importlib import metadata
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's C++ INFO/WARNING lines after start-up

import psutil
from IPython.display import Markdown, display

from utils import REPO_ROOT

pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", (REPO_ROOT / "requirements.txt").read_text(), re.MULTILINE))
rows, missing = [], []
for package, pinned in pins.items():
    found = next(iter(metadata.distributions(name=package)), None)  # None when it is not installed
    installed = found.version if found else None
    if installed is None:
        missing.append(package)
    status = "ok" if installed and installed.split("+")[0] == pinned else ("MISSING" if installed is None else "differs")
    rows.append(f"| {package} | {pinned} | {installed or '-'} | {status} |")
display(Markdown("| package | pinned | installed | |\n|---|---|---|---|\n" + "\n".join(rows)))
from utils.machine import report, usable_cpus
print(f"Python {platform.python_version()} on {platform.machine()}, {usable_cpus()} CPU cores usable here "
      f"(the machine has {os.cpu_count()}), {psutil.virtual_memory().total / 2**30:.0f} GiB RAM")
# Programs some sections use (torch.compile: a C++ compiler and Python.h; TorchServe: Java 17+; offline Visdom:
# npm; browser test: Chromium). Where one is missing, that section says so and how to get it; every other cell runs.
print("\n".join(report(frameworks=False)))

torch_only = os.environ.get("COURSE_TORCH_ONLY") == "1"  # a GPU box without TensorFlow (tools/GPU.md)
# The PyTorch-only GPU run carries just what PyTorch notebooks need (tools/GPU.md).
allowed_missing = {"tensorflow", "keras", "tensorboard", "tensorboard-plugin-profile", "xprof", "jupyterlab", "jupytext",
                   "jupyter-repo2docker", "playwright", "greenlet"} if torch_only else set()
assert not set(missing) - allowed_missing, f"missing packages {missing}: run `make venv` (see README)"

# %%
from utils.devices import describe_torch

print("PyTorch sees:", describe_torch())
try:
    from utils.devices import describe_tf
    print("TensorFlow sees:", describe_tf())
except ImportError as err:
    assert torch_only, err  # only the PyTorch-only GPU run may lack TensorFlow
    print(f"TensorFlow is not installed here ({err}); its notebooks are skipped in this run.")

# %% [markdown]
# When TensorFlow starts it writes a few lines to stderr (shown in red): `oneDNN custom operations are on`, and on
# a machine without an NVIDIA GPU `Could not find cuda drivers` and `failed call to cuInit`. They are its C++
# runtime describing the machine, logged before any log setting applies; on a CPU-only machine they are expected
# and harmless. The notebooks set `TF_CPP_MIN_LOG_LEVEL=2`, which hides TensorFlow's *later* informational lines,
# so what appears after start-up is worth reading.

# %% [markdown]
# ## The course map
#
# Each row is a pair of notebooks. The last column is the verdict each claim got, from what the notebooks measured
# (**holds**, **holds partly**, **outdated**: true once, with the version that changed it, **false**, or *pending*
# until a pair settles it).

# %%
# NBVAL_CHECK_OUTPUT
from utils.course import CLAIMS, course_map_markdown

display(Markdown(course_map_markdown()))

# %%
# The releases every verdict above was measured on, and the newest drift report (`make drift`, docs/drift/): which
# verdicts still hold on today's releases
from utils.releases import releases_markdown

display(Markdown(releases_markdown()))

# %% [markdown]
# ### The claims
#
# The two articles are in Chinese; these are faithful paraphrases, with the IDs every verdict cites.

# %%
# NBVAL_CHECK_OUTPUT
display(Markdown("| ID | Article | Claim | Verdict |\n|---|---|---|---|\n" + "\n".join(
    f"| {c.id} | {c.article} | {c.text} | {c.verdict} |" for c in CLAIMS.values())))

# %% [markdown]
# ## Adoption and ecosystem (C20)
#
# - **C20** (article 004): *"TensorFlow is more widely used in industry and PyTorch in research; some libraries
#   exist for only one of the two."*
#
# No notebook can run "more widely used", so no pair judges it: this section does, from dated sources (cited,
# checked on 2026-12-01) and from what can be checked in this environment (measured, in the cell below).
#
# **Cited.**
# - *Research.* The [State of AI Report 2020](https://www.stateof.ai/) (October 2020), from Papers with Code data:
#   47% of paper implementations on GitHub used PyTorch, 18% TensorFlow. In September 2025 Hugging Face
#   Transformers, the largest library of pretrained models, removed TensorFlow and JAX/Flax "library-wide" to "focus
#   fully on `torch`" (pull request huggingface/transformers#40760; `MIGRATION_GUIDE_V5.md`, "Removal of TensorFlow
#   and Jax"; v5.0.0rc-0 announced on the Hugging Face blog, 1 December 2025). Checked with
#   `pip download --no-deps`: the current wheel, 5.24.0, offers a `torch` extra and no `tf` or `flax` extra and holds
#   no `modeling_tf_*` file; 4.57.6, the last v4, held 76.
# - *Industry.* We found no dated, citable measurement of framework use in industry for 2025–2026. What is dated
#   points away from a TensorFlow lead: PyTorch moved to the vendor-neutral PyTorch Foundation on 12 September 2022
#   with AMD, AWS, Google Cloud, Meta, Microsoft Azure and NVIDIA as founding members (Linux Foundation press
#   release); Google's on-device runtime, [LiteRT](https://ai.google.dev/edge/litert) (formerly TensorFlow Lite),
#   now converts PyTorch and JAX models too. TensorFlow's serving stack is pair 07's subject.
# - *Libraries for one framework.* Keras, once TensorFlow's own high-level API, has been multi-backend since
#   Keras 3.0 (November 2023, PyPI: "support for TensorFlow, JAX, and PyTorch").
#
# **Measured here.** Which framework does each library beside the pinned frameworks use? The cell counts, in each
# installed package's own source, the files that import `torch`, `tensorflow` or `jax` (a static count: nothing is
# imported, so it costs under a second and no memory).

# %%
import importlib.util

IMPORTS = re.compile(r"^\s*(?:import|from)\s+(torch|tensorflow|jax)\b", re.MULTILINE)
libraries = [  # (distribution, top-level package, what it is)
    ("tf2onnx", "tf2onnx", "TensorFlow -> ONNX converter"),
    ("torchserve", "ts", "PyTorch model server"),
    ("onnxscript", "onnxscript", "PyTorch's ONNX exporter"),
    ("keras", "keras", "high-level API"),
    ("tensorboard", "tensorboard", "training dashboard"),
    ("ai-edge-litert", "ai_edge_litert", "on-device runtime"),
]
uses = {}
print(f"{'library':15} {'version':8} {'what it is':29} files importing: torch  tensorflow  jax")
for dist, package, what in libraries:
    spec = importlib.util.find_spec(package)
    if spec is None:
        assert torch_only, f"{dist} is pinned but not installed"
        print(f"{dist:15} not installed in this run")
        continue
    counts = dict.fromkeys(("torch", "tensorflow", "jax"), 0)
    for source in pathlib.Path(spec.origin).parent.rglob("*.py"):
        for framework in set(IMPORTS.findall(source.read_text(errors="ignore"))):
            counts[framework] += 1
    uses[dist] = counts
    print(f"{dist:15} {metadata.version(dist):8} {what:29} {counts['torch']:21} {counts['tensorflow']:11} "
          f"{counts['jax']:4}")
assert uses["torchserve"]["torch"] > 0 and uses["torchserve"]["tensorflow"] == 0
if not torch_only:
    assert uses["tf2onnx"]["tensorflow"] > 0 and uses["tf2onnx"]["torch"] == 0
    assert all(uses["keras"][framework] > 0 for framework in ("torch", "tensorflow", "jax"))

# %% [markdown]
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C20 | **holds partly** | *Research* (cited): holds, 47% vs 18% of paper implementations in 2020, and Transformers went PyTorch-only in 2025. *Industry* (cited): not supported by any dated usage data we found, and the dated moves above (PyTorch Foundation's industry members, 2022; Transformers dropping TensorFlow, 2025; LiteRT taking PyTorch models) point the other way. *Libraries for one framework* (measured, the cell above): holds, `tf2onnx` imports only TensorFlow and TorchServe only PyTorch; but Keras, TensorFlow's own API until Keras 3, now has code for all three of PyTorch, TensorFlow and JAX. |

# %% [markdown]
# ## How to read a pair
#
# Open both notebooks of a pair side by side (in JupyterLab, drag one tab to the right half of the window). Both
# have the same seven sections, so you can read across:
#
# 1. **What the articles claim**: the claims, quoted with their IDs.
# 2. **The idea**: the concept, independent of the framework.
# 3. **Hands-on**: the same task in this framework, in full. Nothing important is hidden in `utils/`; that folder
#    holds only plumbing (picking a device, timing, starting servers, loading the shipped data).
# 4. **What you just saw**: the numbers and plots, read aloud.
# 5. **Verdict**: one row per claim, with the evidence: the cell and the number it printed.
# 6. **Exercises**: each has a hidden solution cell (click the `...` to reveal it) and a check cell that tells
#    you whether your answer is right. Replace the solution with your own code and run the check.
# 7. **Summary**: what to remember.
#
# Timings in the notebooks are **ratios measured in the same run** (with warm-up, repeats and medians); the
# milliseconds depend on your machine, the ratios are the result. Run a notebook again and compare. A timing taken
# on a busy machine says so: `utils.timing` prints a line starting with `UNRELIABLE` under it when the spread of
# its repeats (the IQR) is more than a quarter of the median, or when the machine's load average was above 1.5
# tasks per core; the stored notebooks contain no such line (the build tool refuses to save one). The sentences
# under each table are printed by code from the same run's numbers, so the prose you read agrees with them.
#
# Start with [01 · Static vs dynamic graphs (PyTorch)](01_graphs_pytorch.ipynb) and
# [its TensorFlow twin](01_graphs_tensorflow.ipynb).
