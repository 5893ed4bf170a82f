# The course's two commands:  make lab  (set up, open JupyterLab)  and  make test  (set up, run every test).
# Both create .venv from requirements.txt the first time (about 2 minutes) and reuse it afterwards.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# JupyterLab refuses to run as root (Docker, some classroom machines) unless told it may.
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
LAB_ARGS ?=

.PHONY: lab test test-here venv system-deps notebooks check-notebooks course-map clean help

help:
	@echo "make lab        set up .venv if needed and open the course in JupyterLab"
	@echo "make test       set up .venv if needed and run every test (nbval on every notebook, unit and structure tests)"
	@echo "make test-here  run the same tests with the current Python, no venv (GPU box, Colab)"
	@echo "make notebooks  rebuild notebooks/*.ipynb from notebooks/text/*.py and execute them"
	@echo "make course-map rewrite the course map in README.md from utils/course.py"

$(STAMP): requirements.txt tools/setup_visdom_offline.py
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed, this is " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q "setuptools<81" wheel
	@# visdom ships only a source archive whose setup.py imports pkg_resources (removed in setuptools 81):
	@# build it against the setuptools above instead of the newest one pip would pick.
	$(PY) -m pip install --disable-pip-version-check -q --no-build-isolation -c requirements.txt visdom
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	@# visdom's server downloads its JS/CSS from CDNs at every start and exits offline: fetch the same files once from npm
	$(PY) tools/setup_visdom_offline.py
	touch $(STAMP)

venv: $(STAMP)

lab: $(STAMP)
	@# root_dir: the file browser shows the whole course (README, utils/), not only notebooks/
	PYTHONPATH=$(CURDIR) $(VENV)/bin/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir=$(CURDIR) $(LAB_ARGS) notebooks/00_start_here.ipynb

# Two system programs the tests use: Debian's chromium (tests/test_browser.py drives it through Playwright) and a
# Java 17 runtime (TorchServe's front end, 07_deployment_pytorch). Installed when missing and we may (root + apt-get).
SYSTEM_DEPS := chromium:chromium java:openjdk-17-jre-headless
system-deps:
	@for dep in $(SYSTEM_DEPS); do \
	  cmd=$${dep%%:*}; pkg=$${dep#*:}; \
	  command -v $$cmd >/dev/null 2>&1 && continue; \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $$pkg (for $$cmd)"; \
	    { [ -n "$$updated" ] || apt-get update -qq; } && updated=1 && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkg >/dev/null || exit 1; \
	  else \
	    echo "note: $$cmd is missing and cannot be installed here; install it with: sudo apt-get install $$pkg"; \
	  fi; \
	done

test: $(STAMP) system-deps
	$(PY) -m pytest

test-here:
	$(PYTHON) -m pytest

notebooks: $(STAMP)
	$(PY) tools/build_notebooks.py

check-notebooks: $(STAMP)
	$(PY) tools/build_notebooks.py --check

course-map:
	$(PYTHON) -m utils.course

clean:
	rm -rf $(VENV) artifacts .pytest_cache
