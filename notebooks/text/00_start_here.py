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
import os
import platform
import re
from importlib import metadata

import psutil
from IPython.display import Markdown, display

from utils import REPO_ROOT

# the pins this environment was installed from: on Binder, binder/start names binder/requirements.txt (tensorflow-cpu,
# torch's CPU build, no test tools)
pins_file = REPO_ROOT / os.environ.get("COURSE_PINS", "requirements.txt")
pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", pins_file.read_text(), re.MULTILINE))
rows, missing = [], []
for package, pinned in pins.items():
    found = next(iter(metadata.distributions(name=package)), None)  # None when it is not installed
    installed = found.version if found else None
    if installed is None:
        missing.append(package)
    status = (
        "ok"
        if installed and installed.split("+")[0] == pinned.split("+")[0]
        else ("MISSING" if installed is None else "differs")
    )
    rows.append(f"| {package} | {pinned} | {installed or '-'} | {status} |")
display(Markdown("| package | pinned | installed | |\n|---|---|---|---|\n" + "\n".join(rows)))

# %%
from utils.colab import not_needed_here
from utils.machine import report, usable_cpus

print(
    f"Python {platform.python_version()} on {platform.machine()}, {usable_cpus()} CPU cores usable here "
    f"(the machine has {os.cpu_count()}), {psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
)
# Programs some sections use (torch.compile: a C++ compiler and Python.h; TorchServe: Java 17+; offline Visdom:
# npm; browser test: Chromium). Where one is missing, that section says so and how to get it; every other cell runs.
print("\n".join(report(frameworks=False)))

torch_only = os.environ.get("COURSE_TORCH_ONLY") == "1"  # a GPU box without TensorFlow (tools/GPU.md)
# The PyTorch-only GPU run carries just what PyTorch notebooks need (tools/GPU.md).
optional = {"tensorflow", "keras", "tensorboard", "tensorboard-plugin-profile", "xprof", "jupyterlab", "jupytext"}
optional |= {"jupyter-repo2docker", "playwright", "greenlet"}
allowed_missing = optional if torch_only else set()
allowed_missing |= not_needed_here()  # on Colab: the test suite's and the servers' pins, which the Colab cell skips
assert not set(missing) - allowed_missing, f"missing packages {missing}: run `make venv` (see README)"

# %% [markdown]
# Each framework, loaded the way every notebook loads it (`utils.start`): one line each, naming the device it
# computes on. TensorFlow's C++ runtime writes a few lines to stderr while it starts (`oneDNN custom operations
# are on`, and on a machine without an NVIDIA GPU `Could not find cuda drivers` and `failed call to cuInit`),
# before any log setting applies: facts about the machine, not problems. `start_tensorflow` keeps those known
# start-up lines off the page and lets any other line through, so what you see in red is worth reading.

# %%
from utils.start import start_tensorflow, start_torch

start_torch(seed=None)
try:
    start_tensorflow(seed=None)
except ImportError as err:
    assert torch_only, err  # only the PyTorch-only GPU run may lack TensorFlow
    print(f"TensorFlow is not installed here ({err}); its notebooks are skipped in this run.")

# %% [markdown]
# ## The course map
#
# Each row is a pair of notebooks. The last column is the verdict each claim got, from what the notebooks measured
# (**holds**, **holds partly**, **outdated**: true once, with the version that changed it, **false**, or *pending*
# until a pair settles it).

# %%
# NBVAL_CHECK_OUTPUT
from utils.course import course_map_markdown

display(Markdown(course_map_markdown()))

# %%
# The releases every verdict above was measured on, and the newest drift report (`make drift`, docs/drift/): which
# verdicts still hold on today's releases
from utils.releases import releases_markdown

display(Markdown(releases_markdown()))

# %% [markdown]
# ### The claims
#
# The two articles are in Chinese: each claim has the IDs every verdict cites, a faithful English paraphrase and the
# article's own words (原文, from `utils/claims.json`; `tests/test_claims_zh.py` checks each quote verbatim against
# the article's text in `data/articles/`).

# %%
# NBVAL_CHECK_OUTPUT
from utils.course import articles_markdown, claims_table_markdown

display(Markdown(articles_markdown() + "\n\n" + claims_table_markdown()))

# %% [markdown]
# ## Adoption and ecosystem (C20)
#
# - **C20** (article 004, dated 14 January 2024): *"TensorFlow is more widely used in industry and PyTorch in
#   research; some libraries exist for only one of the two."* In the article's words: PyTorch's flexibility
#   "使得PyTorch在研究领域中非常受欢迎" (makes it very popular in research); TensorFlow's speed on large workloads
#   "使得TensorFlow在工业界的应用更为广泛" (makes it more widely used in industry); and "一些依赖库可能只在其中一个框架中可用"
#   (some libraries *may* be available in only one of the two frameworks).
#
# No notebook can run "more widely used", so no pair judges it: this section does, from dated sources, checked
# with the course's search tool on 2026-12-07. The reason the article gives for the industry half, speed on large
# workloads, is claim C15, measured in pair 08; here only the three statements of fact are judged.
#
# - *Industry.* Stack Overflow Developer Survey 2022, "Other frameworks and libraries", professional developers:
#   **TensorFlow 11.49 %, PyTorch 7.61 %** (Keras 6.47 %), as read from the survey's professional-developers tab in
#   Laurence Moroney, "ML and the Stack Overflow 2022 Dev Survey" (22 June 2022). Horace He's industry measures of
#   2019 (job listings, GitHub popularity, Medium articles) also put TensorFlow first ("The State of Machine Learning
#   Frameworks in 2019", The Gradient, October 2019). We found no later figure for the same survey question, so
#   none is cited.
# - *Research.* The same 2019 study counted the papers that name a framework at each major ML conference: PyTorch
#   had the majority at every one in 2019 (69 % at CVPR, over 75 % at NAACL and ACL, over 50 % at ICLR and ICML).
#   The [State of AI Report 2020](https://www.stateof.ai/) (October 2020), from Papers with Code data: 47 % of paper
#   implementations on GitHub used PyTorch, 18 % TensorFlow.
# - *Libraries for one framework.* Hugging Face Transformers, a library of pretrained models whose job does not
#   depend on the framework, removed TensorFlow and JAX/Flax "library-wide" in version 5 to "focus fully on `torch`"
#   (pull request huggingface/transformers#40760, September 2025; `MIGRATION_GUIDE_V5.md`). Checked with
#   `pip download --no-deps` on 2026-12-01: the wheel of 5.24.0 offers a `torch` extra and no `tf` or `flax` extra
#   and holds no `modeling_tf_*` file; 4.57.6, the last v4, held 76. The reverse exists as well: Keras, once
#   TensorFlow's own API, runs on TensorFlow, JAX and PyTorch since Keras 3.0 (November 2023).
#
# What is *not* evidence here, and so is left out: who sits on a foundation's board or which models a runtime
# converts says who backs a framework, not who uses it; and counting which framework a library's source imports
# proves nothing for a converter or a server built for one framework (a TensorFlow-to-ONNX converter must import
# TensorFlow), while for others it misleads (TensorBoard's source imports only TensorFlow, yet it serves PyTorch's
# logs, pair 06).
#
# | Claim | Verdict | Evidence |
# |---|---|---|
# | C20 | **holds** | *Industry:* 11.49 % of professional developers used TensorFlow against 7.61 % PyTorch (Stack Overflow Developer Survey 2022, the latest dated figure we checked), and TensorFlow led 2019's industry measures. *Research:* PyTorch had the majority of framework-naming papers at every major ML conference in 2019, and 47 % of paper implementations against TensorFlow's 18 % in 2020 (Papers with Code, State of AI Report 2020). *Libraries:* "may be available in only one" holds: Transformers, whose job is framework-neutral, is PyTorch-only since v5 (2025). All cited, none measurable in a notebook; the industry figure predates the article by a year and a half. |

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
