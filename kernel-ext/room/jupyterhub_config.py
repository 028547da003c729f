"""JupyterHub's configuration for the course's room (`./lab room`).

The launcher starts JupyterHub with this file and sets everything that
differs from one room to another in environment variables (COURSE_ROOM_*):
where the room's state lives, the port, the learners, the memory limit per
learner, and whether learners' servers run as local processes or as Slurm
jobs. See README.md, "A room".
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course_room  # noqa: E402

c = get_config()  # noqa: F821: JupyterHub provides it

env = os.environ
state = Path(env["COURSE_ROOM_STATE"])
venv = Path(env["COURSE_ROOM_VENV"])
port = int(env["COURSE_ROOM_PORT"])
learners = [n for n in env.get("COURSE_ROOM_LEARNERS", "").split(",") if n]
admins = [n for n in env.get("COURSE_ROOM_ADMINS", "").split(",") if n]

# The hub listens on 127.0.0.1 (README: serving a real room behind TLS).
c.JupyterHub.bind_url = f"http://{env.get('COURSE_ROOM_IP', '127.0.0.1')}:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = port + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port + 2}"
c.ConfigurableHTTPProxy.command = [env["COURSE_ROOM_PROXY"]]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.ConfigurableHTTPProxy.auth_token = env["COURSE_ROOM_PROXY_TOKEN"]
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# Learners log in with their Unix password (PAM); only the room's users.
c.Authenticator.allowed_users = set(learners + admins)
c.Authenticator.delete_invalid_users = True
c.Authenticator.admin_users = set(admins)
c.JupyterHub.admin_access = True

# Each learner's JupyterLab, from the room's environment, on ~/work.
mode = env.get("COURSE_ROOM_MODE", "local")
singleuser = str(venv / "bin" / "jupyterhub-singleuser")
c.Spawner.notebook_dir = "~/work"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
c.Spawner.environment = {
    "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    "JUPYTER_PLATFORM_DIRS": "1",
}
if mode == "slurm":
    c.JupyterHub.spawner_class = course_room.CourseSlurmSpawner
    # batchspawner runs these with the learner's environment, not the
    # hub's: the course's cluster is named on each command line.
    slurm = f"env SLURM_CONF={env['SLURM_CONF']}"
    c.SlurmSpawner.exec_prefix = ""
    c.SlurmSpawner.batch_submit_cmd = (
        f"{slurm} sbatch --parsable --uid={{username}} --gid={{username}}"
    )
    c.SlurmSpawner.batch_query_cmd = f"{slurm} squeue -h -j {{job_id}} -o '%T %B'"
    c.SlurmSpawner.batch_cancel_cmd = f"{slurm} scancel {{job_id}}"
    c.SlurmSpawner.req_partition = env.get("COURSE_ROOM_PARTITION", "course")
    c.SlurmSpawner.req_nprocs = env.get("COURSE_ROOM_CPUS", "1")
    # Asked for only when the cluster's nodes declare their memory (the
    # course's one-node cluster does not, so Slurm would refuse the job).
    c.SlurmSpawner.req_memory = env.get("COURSE_ROOM_MEMORY_SLURM", "")
    c.SlurmSpawner.req_runtime = env.get("COURSE_ROOM_RUNTIME", "1:00:00")
    c.SlurmSpawner.cmd = [singleuser]
    c.SlurmSpawner.batchspawner_singleuser_cmd = str(venv / "bin" / "batchspawner-singleuser")
    c.SlurmSpawner.req_keepvars_extra = "SLURM_CONF"
    # The course's nodes are emulated on this machine (node1, node2, …: names
    # no resolver knows), so a learner's server is reached on the loopback
    # whichever node runs it.
    c.SlurmSpawner.state_exechost_exp = "127.0.0.1"
else:
    c.JupyterHub.spawner_class = course_room.CourseSpawner
    c.Spawner.cmd = [singleuser]
    c.CourseSpawner.memory_bytes = int(env.get("COURSE_ROOM_MEMORY", str(2 * 1024**3)))

# Idle servers are culled; the status command reads the hub's API.
timeout = int(env.get("COURSE_ROOM_CULL", "3600"))
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [str(venv / "bin" / "python"), "-m", "jupyterhub_idle_culler",
                    f"--timeout={timeout}"],
    },
    {"name": "course-status", "api_token": env["COURSE_ROOM_STATUS_TOKEN"]},
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    },
    {
        "name": "course-status",
        "scopes": ["list:users", "read:users", "read:servers", "access:servers",
                   "servers", "admin:users"],
        "services": ["course-status"],
    },
]
