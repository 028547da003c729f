"""The room's spawners: each learner's JupyterLab as that learner, in their
own home, inside limits of their own.

`CourseSpawner` starts JupyterLab as a local process (JupyterHub's
LocalProcessSpawner) after making the learner's home ready (`./lab
learner-home`, run as the learner), with the learner's processes in a
memory and CPU cgroup of their own (cgroup v1 under `parallel-course/`):
a learner who fills memory meets their own limit, and the kernel's OOM
killer picks among their processes, never a neighbour's. Kernels listen on
Unix sockets in the learner's private runtime folder. When the server
stops, every process left in the learner's cgroups is killed.

`CourseSlurmSpawner` starts JupyterLab as a Slurm job of the learner's
(batchspawner), as HPC centres serve Jupyter; the job's limits are Slurm's.

The launcher (`./lab room`) configures both through environment variables
(see jupyterhub_config.py).
"""

import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Int, Unicode

CGROUP_ROOT = Path("/sys/fs/cgroup")
GROUP = "parallel-course"


def cgroup_dirs(user):
    """The learner's memory and CPU cgroups (v1), where they exist."""
    return [CGROUP_ROOT / controller / GROUP / user for controller in ("memory", "cpu")
            if (CGROUP_ROOT / controller).is_dir()]


def make_cgroups(user, memory_bytes, cpu_shares):
    """Makes (or resets) the learner's cgroups with their limits."""
    made = []
    for d in cgroup_dirs(user):
        d.mkdir(parents=True, exist_ok=True)
        if d.parent.name == GROUP and d.parent.parent.name == "memory":
            (d / "memory.limit_in_bytes").write_text(str(memory_bytes))
            swap = d / "memory.memsw.limit_in_bytes"
            if swap.exists():
                try:
                    swap.write_text(str(memory_bytes))
                except OSError:
                    pass
        if d.parent.parent.name == "cpu":
            (d / "cpu.shares").write_text(str(cpu_shares))
        made.append(d)
    return made


def pids_in(user):
    pids = set()
    for d in cgroup_dirs(user):
        try:
            pids.update(int(p) for p in (d / "cgroup.procs").read_text().split())
        except OSError:
            pass
    return pids


def kill_all(user, log=None):
    """Kills every process left in the learner's cgroups; returns how many."""
    killed = 0
    for _ in range(50):
        pids = pids_in(user)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    if log and killed:
        log.info("room: killed %d processes left in %s's cgroups", killed, user)
    return killed


def prepare_home(user, log=None):
    """Runs `./lab learner-home` as the learner: ~/work, the warm cache,
    the kernels' folder."""
    lab = os.environ["COURSE_ROOM_LAB"]
    course = os.environ["COURSE_ROOM_COURSE"]
    info = pwd.getpwnam(user)
    env = {"HOME": info.pw_dir, "USER": user, "LOGNAME": user,
           "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    runuser = shutil.which("runuser", path="/usr/sbin:/sbin:/usr/bin:/bin") or "runuser"
    done = subprocess.run([runuser, "-u", user, "--", lab, "learner-home", "--course", course],
                          env=env, cwd=info.pw_dir, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"preparing {user}'s home failed: {done.stderr.strip()[-500:]}")
    if log:
        log.info("room: %s", done.stdout.strip())


class CourseSpawner(LocalProcessSpawner):
    """JupyterLab as the learner, in their own cgroups."""

    memory_bytes = Int(2 * 1024**3, config=True, help="Memory limit per learner, in bytes.")
    cpu_shares = Int(1024, config=True, help="CPU shares per learner (equal shares are fair).")
    runtime_dir_name = Unicode(".local/share/jupyter/runtime", config=True)

    async def start(self):
        user = self.user.name
        prepare_home(user, self.log)
        kill_all(user, self.log)
        self.cgroups = make_cgroups(user, self.memory_bytes, self.cpu_shares)
        return await super().start()

    def get_args(self):
        home = pwd.getpwnam(self.user.name).pw_dir
        runtime = Path(home) / self.runtime_dir_name
        return super().get_args() + [
            # Kernels on Unix sockets in the learner's own runtime folder.
            "--KernelManager.transport=ipc",
            f"--KernelManager.ip={runtime}/kernel",
        ]

    def make_preexec_fn(self, name):
        drop = super().make_preexec_fn(name)
        groups = [str(d / "cgroup.procs") for d in getattr(self, "cgroups", [])]
        runtime = Path(pwd.getpwnam(name).pw_dir) / self.runtime_dir_name

        def preexec():
            # Still root here: join the learner's cgroups, then become them.
            for procs in groups:
                with open(procs, "w") as f:
                    f.write(str(os.getpid()))
            drop()
            runtime.mkdir(parents=True, exist_ok=True)
            os.chmod(runtime, 0o700)

        return preexec

    async def stop(self, now=False):
        await super().stop(now=now)
        kill_all(self.user.name, self.log)


try:
    from batchspawner import SlurmSpawner
except ImportError:  # the room's environment always has it; a plain hub may not
    SlurmSpawner = None

if SlurmSpawner is not None:

    class CourseSlurmSpawner(SlurmSpawner):
        """JupyterLab as a Slurm job of the learner's on the course's cluster.
        The hub runs as root and submits on the learner's behalf
        (`sbatch --uid`), so no sudo is needed."""

        async def start(self):
            prepare_home(self.user.name, self.log)
            return await super().start()
