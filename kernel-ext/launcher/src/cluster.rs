//! The course's own one-node Slurm cluster, for episode 8: configuration,
//! state, logs and a munge key under `.course/slurm/` (nothing in `/etc`),
//! the daemons (`munged`, `slurmctld`, `slurmd`) started by `./lab` and
//! `./lab test` and stopped when they end.
//!
//! Ports and names come from the checkout's path, so two checkouts on one
//! machine run two clusters side by side. A cluster already running for
//! this checkout (JupyterLab's, while the tests run) is used, not restarted,
//! and left running.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use course_kernel_runtime::paths::{SLURM_CONF, SLURM_DIR};

use crate::project::Project;
use crate::steps::capture;

/// How long the daemons get to come up.
const START_LIMIT: Duration = Duration::from_secs(30);

/// A program on `PATH` or in `/usr/sbin` (where Debian puts the daemons).
pub fn program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A running cluster; dropped, it stops the daemons it started.
pub struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
    owned: bool,
    /// Stops the daemons if the launcher is stopped by a signal: they run
    /// detached, out of reach of the launcher's own clean-up.
    _on_terminate: Option<crate::system::OnTerminate>,
}

impl Cluster {
    /// Starts the cluster of `project` (or finds it running).
    pub fn start(project: &Project) -> anyhow::Result<Cluster> {
        let dir = project.root.join(SLURM_DIR);
        let conf = project.root.join(SLURM_CONF);
        let mut cluster = Cluster {
            dir,
            conf,
            owned: false,
            _on_terminate: None,
        };
        if conf_exists_and_answers(&cluster.conf) {
            return Ok(cluster);
        }
        cluster.owned = true;
        let dir = cluster.dir.clone();
        cluster._on_terminate =
            Some(crate::system::on_terminate(move || stop_daemons(&dir)));
        stop_daemons(&cluster.dir); // leftovers of a run that was killed
        cluster.configure()?;
        cluster.start_daemons()?;
        Ok(cluster)
    }

    /// What `sinfo` says of the cluster, in one line.
    pub fn describe(&self) -> String {
        let state = node_state(&self.conf).unwrap_or_default();
        format!(
            "one node, {} CPUs, {} ({}{})",
            cpus(),
            state.trim(),
            self.conf.display(),
            if self.owned { "" } else { ", already running" }
        )
    }

    fn configure(&self) -> anyhow::Result<()> {
        for sub in ["state", "spool", "log", "munge"] {
            std::fs::create_dir_all(self.dir.join(sub))
                .with_context(|| format!("creating {}", self.dir.join(sub).display()))?;
        }
        // Every user reaches munged's socket here (as /run/munge is): a
        // credential names the user who asked for it, and jobs of a room's
        // learners are submitted as them. The key itself stays root's.
        restrict(&self.dir.join("munge"), 0o755)?;
        let key = self.dir.join("munge/munge.key");
        if !key.is_file() {
            let mut bytes = vec![0u8; 1024];
            std::fs::File::open("/dev/urandom")
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
                .context("reading /dev/urandom for the munge key")?;
            std::fs::write(&key, bytes)
                .with_context(|| format!("writing {}", key.display()))?;
        }
        restrict(&key, 0o600)?;
        let text = slurm_conf(&self.dir, &hostname()?, cpus(), port_base(&self.dir));
        std::fs::write(&self.conf, text)
            .with_context(|| format!("writing {}", self.conf.display()))
    }

    fn start_daemons(&self) -> anyhow::Result<()> {
        let munged = program("munged").context("munged is not installed")?;
        let d = &self.dir;
        run(Command::new(munged)
            .arg("--force")
            .arg(format!("--socket={}", d.join("munge/socket").display()))
            .arg(format!(
                "--pid-file={}",
                d.join("munge/munged.pid").display()
            ))
            .arg(format!("--log-file={}", d.join("log/munged.log").display()))
            .arg(format!("--seed-file={}", d.join("munge/seed").display()))
            .arg(format!(
                "--key-file={}",
                d.join("munge/munge.key").display()
            )))?;
        wait_for(|| d.join("munge/socket").exists(), "munged's socket")?;
        for daemon in ["slurmctld", "slurmd"] {
            let path =
                program(daemon).with_context(|| format!("{daemon} is not installed"))?;
            let mut command = Command::new(path);
            if daemon == "slurmctld" {
                command.arg("-c"); // a clean start: no jobs of an earlier run
            }
            run(command.env("SLURM_CONF", &self.conf))?;
        }
        let answered = wait_for(
            || node_state(&self.conf).as_deref() == Some("idle"),
            "the node",
        );
        if let Err(e) = answered {
            let log =
                std::fs::read_to_string(d.join("log/slurmctld.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(8).collect();
            bail!(
                "{e}; the controller's log ({}) ends:\n{}",
                d.join("log/slurmctld.log").display(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        Ok(())
    }
}

/// Stops the daemons named in the pid files under `dir`, waiting for them
/// to end.
fn stop_daemons(dir: &Path) {
    for pid_file in ["slurmd.pid", "slurmctld.pid", "munge/munged.pid"] {
        let Some(pid) = std::fs::read_to_string(dir.join(pid_file))
            .ok()
            .and_then(|t| t.trim().parse::<i32>().ok())
        else {
            continue;
        };
        // A stale pid file may name another process by now: check its
        // command line before signalling it.
        let ours = std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
            .is_ok_and(|c| c.contains("slurm") || c.contains("munged"));
        if ours {
            // SAFETY: kill has no memory effects.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            let start = Instant::now();
            while Path::new(&format!("/proc/{pid}")).exists()
                && start.elapsed() < Duration::from_secs(10)
            {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = std::fs::remove_file(dir.join(pid_file));
    }
}

impl Cluster {
    /// Leaves the daemons running after this value is gone (a room's
    /// cluster outlives the launcher; `./lab room --stop` stops it).
    pub fn detach(mut self) {
        self.owned = false;
        self._on_terminate = None;
    }
}

/// Stops the cluster of `project` if its daemons run.
pub fn stop(project: &Project) {
    stop_daemons(&project.root.join(SLURM_DIR));
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.owned {
            stop_daemons(&self.dir);
        }
    }
}

/// The node's state as `sinfo` reports it (`idle`, `mix`, `alloc`, …),
/// `None` when no controller answers for `conf`.
fn node_state(conf: &Path) -> Option<String> {
    let out = capture(
        Command::new("sinfo")
            .args(["-h", "-o", "%t"])
            .env("SLURM_CONF", conf),
    )?;
    Some(out.trim().to_string())
}

fn conf_exists_and_answers(conf: &Path) -> bool {
    conf.is_file()
        && node_state(conf)
            .is_some_and(|s| matches!(s.as_str(), "idle" | "mix" | "alloc"))
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{command:?}");
    let out = command
        .output()
        .with_context(|| format!("starting {shown}"))?;
    if !out.status.success() {
        bail!(
            "{shown} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn wait_for(ready: impl Fn() -> bool, what: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    while !ready() {
        if start.elapsed() > START_LIMIT {
            bail!("{what} did not come up within {} s", START_LIMIT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

fn restrict(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting the permissions of {}", path.display()))
}

fn hostname() -> anyhow::Result<String> {
    let name =
        capture(Command::new("hostname").arg("-s")).context("running `hostname -s`")?;
    Ok(name.trim().to_string())
}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Two ports for this checkout's cluster, from its folder: 20 000 to 39 998.
fn port_base(dir: &Path) -> u16 {
    let hash = dir
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    20_000 + 2 * (hash % 10_000) as u16
}

/// The configuration: one node with every CPU, one partition, jobs
/// tracked by process (no cgroups), accounting of running steps for `sstat`,
/// PMIx so that `srun` starts OpenMPI programs.
fn slurm_conf(dir: &Path, host: &str, cpus: usize, port: u16) -> String {
    let d = dir.display();
    format!(
        "# The course's one-node cluster, written by ./lab: do not edit (it is rewritten).
ClusterName=course
SlurmctldHost={host}
SlurmUser=root
SlurmdUser=root
SlurmctldPort={port}
SlurmdPort={}
AuthType=auth/munge
AuthInfo=socket={d}/munge/socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=1
MpiDefault=pmix
ReturnToService=2
EnforcePartLimits=ALL
MinJobAge=3600
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/log/slurmctld.log
SlurmdLogFile={d}/log/slurmd.log
NodeName={host} CPUs={cpus} State=UNKNOWN
PartitionName=course Nodes={host} Default=YES MaxTime=60 State=UP
",
        port + 1
    )
}

/// Starts the cluster for commands that run notebooks, when Slurm can run
/// here; says on one line what it did (or why there is no cluster).
/// `Err` only when Slurm is installed and the cluster would not start.
pub fn for_notebooks(
    project: &Project,
    slurm: &crate::env::Slurm,
) -> anyhow::Result<Option<Cluster>> {
    match slurm {
        crate::env::Slurm::Missing(why) => {
            println!("No Slurm cluster for episode 8: {why}");
            Ok(None)
        }
        crate::env::Slurm::Ready => {
            let cluster =
                Cluster::start(project).context("starting the course's Slurm cluster")?;
            println!("Slurm cluster: {}", cluster.describe());
            Ok(Some(cluster))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_keeps_everything_under_the_clusters_folder() {
        let conf = slurm_conf(Path::new("/x/.course/slurm"), "node1", 4, 20_000);
        assert!(conf.contains("NodeName=node1 CPUs=4"));
        assert!(conf.contains("SlurmctldPort=20000\nSlurmdPort=20001"));
        for line in conf.lines().filter(|l| l.contains("=/")) {
            assert!(line.contains("/x/.course/slurm/"), "{line}");
        }
    }

    #[test]
    fn two_checkouts_get_different_ports() {
        let a = port_base(Path::new("/home/a/course/.course/slurm"));
        let b = port_base(Path::new("/tmp/ci/.course/slurm"));
        assert_ne!(a, b);
        assert!((20_000..40_000).contains(&a) && a.is_multiple_of(2));
    }
}
