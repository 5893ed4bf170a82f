# The course's two commands:  make lab  (set up, open JupyterLab)  and  make test  (set up, run every test).
# Both create .venv from requirements.txt the first time (about 2 minutes) and reuse it afterwards.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := "$(PY)" -m pip --disable-pip-version-check
STAMP := $(VENV)/.installed
# Every package of the built environment, exact (make lock refreshes it). Empty LOCK_ARGS = resolve afresh.
LOCK := requirements-lock.txt
LOCK_ARGS ?= -c "$(CURDIR)/$(LOCK)"
# torch: auto = the CPU build from PyTorch's CPU index on a machine without an NVIDIA GPU, the CUDA build from
# PyPI (about 4 GB more) with one. TORCH_VARIANT=cpu or TORCH_VARIANT=cuda overrides the choice. Where the CPU index
# cannot be reached (CI's machines), auto stops and says so: the CUDA build is taken only when named,
# `make test TORCH_VARIANT=cuda` (.ci/run does), never as a silent fallback. It runs on the CPU; the memory budget
# follows the build (utils/budget.py).
TORCH_VARIANT ?= auto
TORCH_VERSION := 2.15.0
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
# pip itself: 24.2 is the pip Python 3.13.0 bundles, and runs on 3.11-3.13.
# visdom 0.2.4 ships only a setup.py that imports pkg_resources (gone in setuptools 81): it is built against these.
VISDOM_BUILD_DEPS := setuptools==80.9.0 wheel==0.48.0
PREFLIGHT = PYTHON="$(PYTHON)" VENV="$(VENV)" TORCH_VARIANT="$(TORCH_VARIANT)" TORCH_VERSION="$(TORCH_VERSION)" \
	TORCH_CPU_INDEX="$(TORCH_CPU_INDEX)" "$(CURDIR)/tools/preflight.sh"
# JupyterLab refuses to run as root (Docker, some classroom machines) unless told it may.
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
LAB_ARGS ?=

.PHONY: lab test test-here venv preflight-lab preflight-test lock notebooks check-notebooks course-map clean help \
	lint format
# the preflight must finish before the venv build starts, also under make -j
.NOTPARALLEL:

# Every target, one line each (tests/test_structure.py checks none is missing).
help:
	@echo "For learners:"
	@echo "  make lab              set up .venv if needed and open the course in JupyterLab"
	@echo "  make test             set up .venv if needed and run every test: each notebook, unit, structure and lint tests"
	@echo "  make demo             the capstone's draw-a-digit page: PyTorch and Keras predictions side by side"
	@echo "For teachers and maintainers:"
	@echo "  make test-here        the same tests on the current Python, no venv (GPU box, Colab); installs the course package"
	@echo "  make venv             only set up .venv (the preflight, then requirements.txt with $(LOCK))"
	@echo "  make notebooks        rebuild notebooks/*.ipynb from notebooks/text/*.py, executing them"
	@echo "  make check-notebooks  check that every notebook matches its source in notebooks/text/ (no execution)"
	@echo "  make lint             ruff check and ruff format --check (make test runs them too)"
	@echo "  make format           ruff format and ruff check --fix, in place"
	@echo "  make site             the facing-pages site in site/ (offline HTML from the executed notebooks), zh/ in Chinese"
	@echo "  make zh               the Chinese notebooks notebooks/zh/ from notebooks/text/zh/*.md; lists stale translations"
	@echo "  make student          the student edition in student/ (solutions emptied, outputs cleared)"
	@echo "  make course-map       rewrite the course map in README.md from utils/course.py and utils/claims.json"
	@echo "  make lock             rebuild $(LOCK) from a fresh resolve of requirements.txt"
	@echo "  make drift            every notebook on the newest releases (STACK=latest|colab|tf-nightly); report in docs/drift/"
	@echo "  make colab-rehearsal  every notebook on Colab's stack and Python, with a stand-in google.colab"
	@echo "  make binder-rehearsal Binder's build steps without Docker, every notebook twice under a 2 GB limit"
	@echo "  make grading-course   an nbgrader course directory in grading/, one assignment per pair"
	@echo "  make classroom-start  JupyterHub for a class on this machine (as root; HUB_PORT, HUB_MEM)"
	@echo "  make classroom-stop   stop the hub, every learner's server and its proxy"
	@echo "  make slides           RISE slides for a walkthrough in slides/"
	@echo "  make preflight-lab    only the system check make lab runs first (Python, g++, Java, npm)"
	@echo "  make preflight-test   only the system check make test runs first (the same, and a browser)"
	@echo "  make clean            remove .venv, artifacts/ and pytest's cache"
	@echo "  make help             this list"
	@echo "options: PYTHON=python3.12 (3.11-3.13)  TORCH_VARIANT=auto|cpu|cuda  VENV=.venv"

# First, and within seconds: Python 3.11-3.13 with venv support, g++, Java 17+, npm (and chromium for the tests),
# and a reachable torch build. As root with apt-get the missing programs are installed; otherwise `make test`
# stops with one line per missing thing and the command that installs it, and `make lab` only warns.
preflight-lab:
	@$(PREFLIGHT) lab
preflight-test:
	@$(PREFLIGHT) test

$(STAMP): requirements.txt requirements-nodeps.txt $(LOCK) pyproject.toml tools/setup_visdom_offline.py
	"$(PYTHON)" -m venv "$(VENV)"
	$(PIP) install -q pip==24.2
	@# visdom's setup.py needs pkg_resources: build it first, against the setuptools above, not the newest one
	$(PIP) install -q $(VISDOM_BUILD_DEPS)
	$(PIP) install -q $(LOCK_ARGS) -c requirements.txt --no-build-isolation visdom==0.2.4
	@# torch before the rest, so that requirements.txt's torch==$(TORCH_VERSION) is already satisfied by this build
	@variant="$(TORCH_VARIANT)"; \
	if [ "$$variant" = auto ]; then \
	  if command -v nvidia-smi >/dev/null 2>&1 || [ -e /proc/driver/nvidia ]; then variant=cuda; \
	  elif [ "$$(uname -s)" = Darwin ]; then variant=macos; else variant=cpu; fi; \
	fi; \
	if [ "$$variant" = cpu ]; then \
	  echo "torch $(TORCH_VERSION): the CPU build, from $(TORCH_CPU_INDEX) (TORCH_VARIANT=cuda for the CUDA build)"; \
	  $(PIP) install -q --retries 2 $(LOCK_ARGS) --extra-index-url $(TORCH_CPU_INDEX) "torch==$(TORCH_VERSION)+cpu" \
	    || { echo "make: no CPU build of torch $(TORCH_VERSION) reachable (see pip's message above); TORCH_VARIANT=cuda takes the ~4 GB CUDA build" >&2; exit 1; }; \
	elif [ "$$variant" = cuda ] || [ "$$variant" = macos ]; then \
	  echo "torch $(TORCH_VERSION): PyPI's build (on Linux the CUDA build, about 4 GB with its NVIDIA libraries; on macOS CPU + MPS)"; \
	  $(PIP) install -q $(LOCK_ARGS) "torch==$(TORCH_VERSION)"; \
	else echo "make: TORCH_VARIANT must be auto, cpu or cuda, not '$$variant'" >&2; exit 1; fi
	$(PIP) install -q $(LOCK_ARGS) -r requirements.txt
	$(PIP) install -q --no-deps -r requirements-nodeps.txt
	@# the course itself (utils, pairs = notebooks/pairs; pyproject.toml), editable: import utils / import pairs anywhere
	$(PIP) install -q --no-deps --no-build-isolation -e .
	touch "$(STAMP)"

# visdom's server fetches its JS/CSS from CDNs at every start and exits offline: the same files from npm, once.
# Not part of the stamp: checked at every make lab / make test (a no-op once in place, so a later npm is picked up).
# --strict: exit 1 when npm is missing or an asset is. make test stops on it; make lab warns (06 says so too).
VISDOM_ASSETS := "$(PY)" tools/setup_visdom_offline.py --strict

venv: preflight-lab $(STAMP)
	@$(VISDOM_ASSETS) || echo "make venv: warning: Visdom's browser assets are not set up (see above)" >&2

lab: preflight-lab $(STAMP)
	@$(VISDOM_ASSETS) || echo "make lab: warning: Visdom's browser assets are not set up, so 06_visualization_pytorch cannot start Visdom (it says why); install npm and run make lab again" >&2
	@# root_dir: the file browser shows the whole course (README, utils/), not only notebooks/
	"$(VENV)/bin/jupyter" lab $(ROOT_FLAG) --ServerApp.root_dir="$(CURDIR)" $(LAB_ARGS) notebooks/00_start_here.ipynb

test: preflight-test $(STAMP)
	$(VISDOM_ASSETS)
	$(HUB_PROXY)
	"$(PY)" -m pytest

# A fresh resolve of requirements.txt (no lock) in a scratch venv, frozen into $(LOCK). torch is written
# without its +cpu label, so the one line serves both builds (the CUDA wheel pins its NVIDIA libraries itself).
LOCK_VENV ?= /tmp/course-lock-venv
lock:
	rm -rf "$(LOCK_VENV)"
	$(MAKE) --no-print-directory venv VENV="$(LOCK_VENV)" LOCK_ARGS=
	{ sed -n '1,/^# ---- generated/p' "$(LOCK)"; \
	  "$(LOCK_VENV)/bin/python" -m pip freeze --all --exclude-editable --disable-pip-version-check \
	    | sed -E 's/^(torch==[^+]*)\+.*/\1/' | grep -v '^pkg[-_]resources=='; } > "$(LOCK).new"
	mv "$(LOCK).new" "$(LOCK)"
	@# every pin installable on 3.11.0-3.13 and not yanked (PyPI's JSON API): a resolve on a newer 3.11 can miss it
	"$(LOCK_VENV)/bin/python" tools/check_lock.py "$(LOCK)"
	rm -rf "$(LOCK_VENV)"

# The drift job (tools/drift.py; docs/drift/README.md): a separate environment with the newest release of every
# requirement (the lock ignored; on Linux PyPI's torch is the CUDA build), every notebook executed there, and a dated
# report in docs/drift/ against the committed (pinned) run. STACK=colab: Colab's stack through the Colab cell;
# STACK=tf-nightly: PyPI's tf-nightly. DRIFT_PYTHON=3.12 picks the Python (X.Y). Needs no .venv.
STACK ?= latest
DRIFT_PYTHON ?=
.PHONY: drift colab-rehearsal
drift:
	"$(PYTHON)" -m tools.drift --stack "$(STACK)" $(if $(DRIFT_PYTHON),--python "$(DRIFT_PYTHON)")

# Colab, rehearsed (tools/stacks.py): Colab's preinstalled stack on Colab's Python (tools/stacks/colab.txt), a
# stand-in google.colab, each notebook run from its first cell, whose git clone of the course goes to this checkout.
colab-rehearsal:
	"$(PYTHON)" -m tools.stacks colab --json docs/colab-rehearsal.json

# Binder, rehearsed without Docker (tools/rehearse_binder.py; as root: it adds the user jovyan, uid 1000, and a memory
# cgroup): repo2docker's build steps from binder/, then every notebook twice under a 2 GB limit without swap; the
# record goes to docs/binder-rehearsal.json. `"$(PY)" tools/rehearse_binder.py clean` removes what it made.
# Where PyTorch's CPU index cannot be reached: `make binder-rehearsal BINDER_BUILD=--torch-from-pypi` (PyPI's CUDA
# build of the same torch in place of +cpu, recorded; docs/platforms.md says what that changes).
BINDER_BUILD ?=
.PHONY: binder-rehearsal
binder-rehearsal: | $(STAMP)
	"$(PY)" tools/rehearse_binder.py build $(BINDER_BUILD)
	"$(PY)" tools/rehearse_binder.py run
	"$(PY)" tools/rehearse_binder.py record

# The course package must be installed in that Python (pip install --no-deps -e .): done here when it is not.
test-here:
	@"$(PYTHON)" -c "import pairs" 2>/dev/null || "$(PYTHON)" -m pip install -q --no-deps -e .
	"$(PYTHON)" -m pytest

notebooks: preflight-test $(STAMP)
	$(VISDOM_ASSETS)
	"$(PY)" tools/build_notebooks.py

check-notebooks: preflight-test $(STAMP)
	$(VISDOM_ASSETS)
	"$(PY)" tools/build_notebooks.py --check

course-map:
	"$(PYTHON)" -m utils.course

# ruff, as pinned in requirements.txt and configured in pyproject.toml (tests/test_lint.py runs the same checks)
lint: | $(STAMP)
	"$(PY)" -m ruff check
	"$(PY)" -m ruff format --check

format: | $(STAMP)
	"$(PY)" -m ruff format
	"$(PY)" -m ruff check --fix

# The capstone's draw-a-digit page (pairs/capstone/page.py): trains one model per framework (about 15 s), serves each
# behind the deployment pair's model server and the page on http://127.0.0.1:$(DEMO_PORT)/ (Ctrl-C stops all three).
DEMO_PORT ?= 8600
.PHONY: demo
demo: | $(STAMP)
	"$(PY)" -m pairs.capstone.page demo --port $(DEMO_PORT)

clean:
	rm -rf "$(VENV)" artifacts .pytest_cache

# The facing-pages site (tools/build_site.py): site/ (git-ignored), from the executed notebooks; offline, no JavaScript.
# The student edition (tools/student.py): student/ (git-ignored), solution cells emptied, outputs cleared.
.PHONY: site student zh
site: | $(STAMP)
	"$(PY)" tools/build_site.py --out site

# The Chinese edition (tools/zh.py): notebooks/zh/NAME.ipynb for every translation notebooks/text/zh/NAME.md, the
# English code and outputs shared (no execution); then every stale or missing translation is listed (not an error
# here: tests/test_zh.py fails on them).
zh: | $(STAMP)
	"$(PY)" -m tools.zh build
	@"$(PY)" -m tools.zh check || echo "make zh: the translations above need updating (tests/test_zh.py fails until they are)"

student: | $(STAMP)
	"$(PY)" tools/student.py --out student

# The classroom (docs/teaching.md). JupyterHub's proxy, configurable-http-proxy, comes from npm into $(VENV)/hub-proxy
# (a no-op once there; make test needs it for tests/test_classroom.py). The hub itself needs root.
HUB_PROXY := "$(PY)" -m tools.classroom setup
HUB_PORT ?= 8000
HUB_MEM ?= 2G
.PHONY: grading-course classroom-start classroom-stop slides
grading-course: | $(STAMP)
	"$(PY)" -m tools.grading --out grading

classroom-start: | $(STAMP)
	$(HUB_PROXY)
	"$(PY)" -m tools.classroom start --port $(HUB_PORT) --mem-limit $(HUB_MEM)

classroom-stop: | $(STAMP)
	"$(PY)" -m tools.classroom stop

# Slides for a walkthrough (tools/slides.py): slides/ (git-ignored), each section a RISE slide (jupyterlab-rise)
slides: | $(STAMP)
	"$(PY)" tools/slides.py --out slides
