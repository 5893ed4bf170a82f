# JupyterHub's configuration for a class on one machine (tools/classroom.py start writes nothing else; read by
# `jupyterhub -f tools/hub_config.py`). Everything it needs comes from the environment classroom.py sets:
#   COURSE_HUB_RUN   the run folder (database, cookie secret, logs), removed by `classroom.py stop`
#   COURSE_HUB_PORT  the public port (127.0.0.1 only); the hub's own API and the proxy's API take the next two
#   COURSE_HUB_MEM   each learner's memory limit in bytes, enforced by a memory cgroup per learner (0: none)
#   COURSE_HUB_PROXY configurable-http-proxy, as `classroom.py setup` installed it from npm
import os
import sys
from pathlib import Path

from tools.classroom import LEARNER_GROUP, CgroupSpawner

c = get_config()  # noqa: F821 (JupyterHub defines it)
run = Path(os.environ["COURSE_HUB_RUN"])
port = int(os.environ["COURSE_HUB_PORT"])

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = port + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port + 2}"
c.ConfigurableHTTPProxy.command = [os.environ["COURSE_HUB_PROXY"]]
c.ConfigurableHTTPProxy.pid_file = str(run / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{run / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(run / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(run / "jupyterhub.pid")
# stopping the hub stops every learner's server and the proxy: nothing is left behind
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# local accounts (useradd; tools/classroom.py learners) log in with their password through PAM; only the course's group
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {LEARNER_GROUP}
c.PAMAuthenticator.admin_users = set()

# each learner's server runs as that user, from the course's venv, in ~/course, inside a memory cgroup of its own
c.JupyterHub.spawner_class = CgroupSpawner
c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
c.Spawner.notebook_dir = "~/course"
c.Spawner.default_url = "/lab"
c.Spawner.mem_limit = int(os.environ.get("COURSE_HUB_MEM", "0")) or None
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
# the course's notebooks find their helpers and data through the venv (an editable install of the course)
c.Spawner.environment = {
    "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}
