"""Links to the live pages (TensorBoard, Visdom, the draw-a-digit page) that work where the learner's browser is.

On a laptop the browser runs on the same machine as the servers: ``http://127.0.0.1:<port>/`` works. On Binder and
any JupyterHub the browser reaches only the notebook server, under the hub's prefix (``/user/<name>/``, in
``$JUPYTERHUB_SERVICE_PREFIX``); jupyter-server-proxy (in requirements.txt) adds two routes to that server:

* ``<prefix>proxy/<port>/<path>`` forwards ``/<path>`` to 127.0.0.1:<port>: for pages whose links are relative
  (TensorBoard, the draw-a-digit page);
* ``<prefix>proxy/absolute/<port>/<path>`` forwards the whole path: for a server told its base URL (Visdom's
  ``-base_url``), which then writes absolute links under it.

:func:`browser_url` picks one of the two forms: the proxy when the notebook runs behind a hub prefix and
jupyter-server-proxy is installed, 127.0.0.1 otherwise. Code that talks to a server from Python keeps using
127.0.0.1: the proxy is only for the browser.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping

LOCALHOST = "127.0.0.1"
PREFIX_VARIABLE = "JUPYTERHUB_SERVICE_PREFIX"  # JupyterHub (Binder included) sets it for the notebook server


def server_proxy_installed() -> bool:
    """Whether jupyter-server-proxy is importable here (the kernel's environment is the server's on Binder)."""
    return importlib.util.find_spec("jupyter_server_proxy") is not None


def hub_prefix(environ: Mapping[str, str] | None = None) -> str | None:
    """The notebook server's prefix (``/user/learner/``) when behind a hub with jupyter-server-proxy, else None."""
    environ = os.environ if environ is None else environ
    prefix = environ.get(PREFIX_VARIABLE, "").strip()
    if not prefix or not server_proxy_installed():
        return None
    return "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"


def browser_url(port: int, path: str = "/", *, absolute: bool = False, environ: Mapping[str, str] | None = None) -> str:
    """Where a browser opens the page a server on 127.0.0.1:``port`` serves at ``path``.

    Behind a hub: ``<prefix>proxy/<port><path>`` (a path on the notebook server's own address; with
    ``absolute=True`` the ``proxy/absolute/`` form, for servers given :func:`base_path`). Else
    ``http://127.0.0.1:<port><path>``.
    """
    path = "/" + path.lstrip("/")
    prefix = hub_prefix(environ)
    if prefix is None:
        return f"http://{LOCALHOST}:{int(port)}{path}"
    return f"{prefix}proxy/{'absolute/' if absolute else ''}{int(port)}{path}"


def base_path(port: int, *, environ: Mapping[str, str] | None = None) -> str:
    """The base URL path to give a server that writes absolute links (Visdom): its proxy path, or '' locally."""
    prefix = hub_prefix(environ)
    return "" if prefix is None else f"{prefix}proxy/absolute/{int(port)}"


def tensorboard_proxy_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The value for ``$TENSORBOARD_PROXY_URL`` behind a hub (``%tensorboard`` puts the port in ``%PORT%``), else None.

    Without the variable the magic frames ``http://<the page's host>:<port>/``, which a remote browser cannot reach.
    """
    prefix = hub_prefix(environ)
    return None if prefix is None else f"{prefix}proxy/%PORT%/"


def configure_tensorboard_magic() -> str | None:
    """Set ``$TENSORBOARD_PROXY_URL`` for ``%tensorboard`` when behind a hub (binder/start also does on Binder).

    Leaves a value already set alone; returns the value in effect (None: local, the magic's own localhost frame).
    """
    wanted = tensorboard_proxy_url()
    if wanted is not None:
        os.environ.setdefault("TENSORBOARD_PROXY_URL", wanted)
    return os.environ.get("TENSORBOARD_PROXY_URL")
