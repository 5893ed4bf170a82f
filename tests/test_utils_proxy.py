"""utils.proxy: the learner's links, local (127.0.0.1) or through jupyter-server-proxy behind a hub prefix."""

import pytest

from utils import proxy

HUB = {"JUPYTERHUB_SERVICE_PREFIX": "/user/learner/"}


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(proxy, "server_proxy_installed", lambda: True)


def test_jupyter_server_proxy_is_installed_with_the_course():
    assert proxy.server_proxy_installed(), "jupyter-server-proxy is pinned in requirements.txt: run make venv"


def test_local_links_are_loopback(installed):
    assert proxy.hub_prefix({}) is None
    assert proxy.browser_url(6006, environ={}) == "http://127.0.0.1:6006/"
    assert proxy.browser_url(8097, "env/digits", absolute=True, environ={}) == "http://127.0.0.1:8097/env/digits"
    assert proxy.base_path(8097, environ={}) == ""
    assert proxy.tensorboard_proxy_url({}) is None


def test_behind_a_hub_links_go_through_the_notebook_servers_proxy(installed):
    assert proxy.hub_prefix(HUB) == "/user/learner/"
    assert proxy.browser_url(6006, environ=HUB) == "/user/learner/proxy/6006/"
    assert proxy.browser_url(8600, "/api/predict", environ=HUB) == "/user/learner/proxy/8600/api/predict"
    assert proxy.browser_url(8097, absolute=True, environ=HUB) == "/user/learner/proxy/absolute/8097/"
    assert proxy.base_path(8097, environ=HUB) == "/user/learner/proxy/absolute/8097"  # Visdom: no trailing slash
    assert proxy.tensorboard_proxy_url(HUB) == "/user/learner/proxy/%PORT%/"


@pytest.mark.parametrize("prefix, expected", [("/user/a", "/user/a/"), ("user/a/", "/user/a/"), ("/", "/")])
def test_the_prefix_is_normalised(installed, prefix, expected):
    assert proxy.hub_prefix({"JUPYTERHUB_SERVICE_PREFIX": prefix}) == expected


def test_without_jupyter_server_proxy_a_hub_gets_local_links(monkeypatch):
    monkeypatch.setattr(proxy, "server_proxy_installed", lambda: False)
    assert proxy.browser_url(6006, environ=HUB) == "http://127.0.0.1:6006/"  # no route exists: say what is true


def test_configure_tensorboard_magic_sets_the_variable_only_behind_a_hub(installed, monkeypatch):
    monkeypatch.delenv("TENSORBOARD_PROXY_URL", raising=False)
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    assert proxy.configure_tensorboard_magic() is None
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/learner/")
    assert proxy.configure_tensorboard_magic() == "/user/learner/proxy/%PORT%/"
    monkeypatch.setenv("TENSORBOARD_PROXY_URL", "/custom/%PORT%/")  # binder/start's value or a teacher's: kept
    assert proxy.configure_tensorboard_magic() == "/custom/%PORT%/"


def test_tensorboard_magic_frames_the_proxy_url(installed, monkeypatch):
    """TensorBoard's own notebook code puts the port into the URL we give it (tensorboard/notebook.py)."""
    import IPython.display
    from tensorboard import notebook

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    monkeypatch.setenv("TENSORBOARD_PROXY_URL", proxy.tensorboard_proxy_url(HUB))
    notebook._display_ipython(port=6123, height=600, display_handle=None)
    html = shown[0].data
    assert '"/user/learner/proxy/6123/"' in html and "const port = 0;" in html


@pytest.mark.parametrize(
    "prefix, expected", [("/user/learner/", "/user/learner/proxy/%PORT%/"), (None, "/proxy/%PORT%/")]
)
def test_binders_start_script_gives_tensorboard_the_proxy_url(prefix, expected):
    """repo2docker runs binder/start before the notebook server: the variable reaches every kernel."""
    import os
    import subprocess

    from utils import REPO_ROOT

    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTERHUB_SERVICE_PREFIX", "TENSORBOARD_PROXY_URL")}
    if prefix:
        env["JUPYTERHUB_SERVICE_PREFIX"] = prefix
    out = subprocess.run(
        [str(REPO_ROOT / "binder" / "start"), "env"], env=env, capture_output=True, text=True, check=True
    )
    assert f"TENSORBOARD_PROXY_URL={expected}" in out.stdout.splitlines()
