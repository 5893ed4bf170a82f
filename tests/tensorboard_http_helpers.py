"""Test-only helpers for the TensorBoard tests: the HPARAMS table as TensorBoard's HTTP API serves it, and
whether a server listens on loopback only.

No notebook reads the HPARAMS table over HTTP; the tests do. ``tensorboard_json`` / ``tensorboard_scalars`` stay in
pairs.visualization.dashboards because the TensorFlow notebook still uses them (its profile plugin and exercise 2).
"""

from __future__ import annotations

import ipaddress

from pairs.visualization.dashboards import tensorboard_json


def loopback_only(addresses: list[str]) -> bool:
    """Every ``"ip:port"`` is on a loopback address. TensorBoard's web server binds the --host it is given, its data
    server (a child) binds "localhost": 127.0.0.1, or ::1 where /etc/hosts lists that first (stock Debian 13)."""
    return all(ipaddress.ip_address(a.rsplit(":", 1)[0]).is_loopback for a in addresses)


_SESSION_STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]


def tensorboard_hparams(server) -> list[tuple[dict, dict]]:
    """The HPARAMS dashboard's table: ``[(hyper-parameters, {metric tag: value}), ...]``, one per trial group.

    Asks for every session status: ``tf.summary``'s hparams leave it unknown, PyTorch's
    ``add_hparams`` marks it a success, and a filter on one status silently hides the other.
    """
    body = {
        "experimentName": "",
        "allowedStatuses": _SESSION_STATUSES,
        "colParams": [],
        "startIndex": 0,
        "sliceSize": 1000,
    }
    groups = tensorboard_json(server, "/data/plugin/hparams/session_groups", body=body)["sessionGroups"]
    return [(g["hparams"], {m["name"]["tag"]: m["value"] for m in g.get("metricValues", [])}) for g in groups]
