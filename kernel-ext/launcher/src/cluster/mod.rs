//! The course's own Slurm cluster: several emulated nodes on this machine
//! (4 unless `COURSE_SLURM_NODES` says otherwise), each its own `slurmd
//! -N nodeK`, with accounting (`slurmdbd` storing in a MariaDB of the
//! cluster's own). Configuration, state, logs, the database and the munge
//! key live under `.course/slurm/` (nothing in `/etc`); the daemons
//! (`munged`, MariaDB, `slurmdbd`, `slurmctld`, the `slurmd`s) are started
//! by `./lab`, `./lab test`, `./lab execute` and `./lab publish` and
//! stopped when they end.
//!
//! The daemons run as root, so what they read is checked first
//! ([`secure`]): no folder on the way that another user could change, no
//! symbolic link under `.course/slurm/`, no munge key that anyone else
//! made or could read. Slurm's daemons bind to the address the host name
//! resolves to ([`conf::Listen`]), MariaDB listens on its socket only.
//!
//! Ports and names come from the checkout's path, so two checkouts on one
//! machine run two clusters side by side. A cluster already running for
//! this checkout (JupyterLab's, while the tests run) is used, not
//! restarted, and left running.
//!
//! | module | what |
//! |---|---|
//! | [`conf`] | the cluster's shape, `slurm.conf`, `slurmdbd.conf`, MariaDB's options |
//! | [`secure`] | folders and files root may trust |
//! | [`accounting`] | MariaDB and `slurmdbd` |

pub mod accounting;
pub mod conf;
#[cfg(unix)]
pub mod secure;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use course_kernel_runtime::paths::{SLURM_CONF, SLURM_DIR};

use crate::project::Project;
use crate::steps::capture;
use conf::Shape;

/// How long the daemons get to come up.
const START_LIMIT: Duration = Duration::from_secs(60);

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
    shape: Shape,
    conf: PathBuf,
    owned: bool,
    /// Why there is no accounting, when there is none.
    no_accounting: Option<String>,
    /// Stops the daemons if the launcher is stopped by a signal: they run
    /// detached, out of reach of the launcher's own clean-up.
    _on_terminate: Option<crate::system::OnTerminate>,
}

impl Cluster {
    /// Starts the cluster of `project` (or finds it running).
    pub fn start(project: &Project) -> anyhow::Result<Cluster> {
        let dir = project.root.join(SLURM_DIR);
        let conf = project.root.join(SLURM_CONF);
        let no_accounting = accounting::missing();
        if let (Some(why), true) = (&no_accounting, crate::system::under_ci()) {
            bail!("under CI=true the cluster must keep accounting: {why}");
        }
        let nodes = conf::nodes_from_env()?;
        let host = hostname()?;
        let shape = Shape {
            port: conf::port_base(&dir, conf::port_range(conf::ephemeral_ports()), 0),
            dir,
            listen: conf::Listen::of(&host),
            host,
            cpus: cpus(),
            nodes,
            memory_mib: (memory_mib()? / nodes as u64).max(1),
            accounting: no_accounting.is_none(),
        };
        let mut cluster = Cluster {
            shape,
            conf,
            owned: false,
            no_accounting,
            _on_terminate: None,
        };
        if conf_exists_and_answers(&cluster.conf) {
            if let Some(port) = conf_port(&cluster.conf) {
                cluster.shape.port = port;
            }
            return Ok(cluster);
        }
        cluster.owned = true;
        let dir = cluster.shape.dir.clone();
        cluster._on_terminate =
            Some(crate::system::on_terminate(move || stop_daemons(&dir)));
        stop_daemons(&cluster.shape.dir); // leftovers of a run that was killed
        cluster.shape.port = free_ports(&cluster.shape)?;
        cluster.configure()?;
        cluster.start_daemons()?;
        Ok(cluster)
    }

    /// What `sinfo` says of the cluster, in one line.
    pub fn describe(&self) -> String {
        let nodes = node_states(&self.conf).unwrap_or_default();
        let states: Vec<String> = nodes.iter().map(|(n, s)| format!("{n} {s}")).collect();
        let accounting = match &self.no_accounting {
            None => "accounting by slurmdbd with MariaDB".to_string(),
            Some(why) => format!("no accounting ({why})"),
        };
        format!(
            "{} emulated nodes of {} CPUs and {} MiB each ({}), {accounting}; {}{}",
            nodes.len(),
            self.shape.cpus,
            self.shape.memory_mib,
            states.join(", "),
            self.conf.display(),
            if self.owned { "" } else { ", already running" }
        )
    }

    /// Writes the configuration, after checking everything root will read.
    #[cfg(unix)]
    fn configure(&self) -> anyhow::Result<()> {
        use secure::{MUNGE_KEY_MIN, TrustedDir};
        let root = TrustedDir::open(&self.conf_root()?)?;
        let course = root.subdir(".course", 0o755)?;
        let slurm = course.subdir("slurm", 0o755)?;
        slurm.refuse_links_below()?;
        // munge's socket must be reachable by every user, its key by none.
        for (sub, mode) in [("state", 0o755), ("log", 0o755), ("run", 0o755)] {
            slurm.subdir(sub, mode)?;
        }
        // A folder of its own for each node: the nodes share one machine,
        // and PMIx names what it makes there by job and step alone.
        let spool = slurm.subdir("spool", 0o755)?;
        let tmp = slurm.subdir("tmp", 0o755)?;
        for node in self.shape.node_names() {
            spool.subdir(&node, 0o755)?;
            tmp.subdir(&node, 0o755)?;
        }
        // The key's folder is root's alone.
        let munge = slurm.subdir("munge", 0o700)?;
        if !munge.secret_is_usable("munge.key", MUNGE_KEY_MIN)? {
            let mut bytes = vec![0u8; 1024];
            getrandom::fill(&mut bytes)
                .map_err(|e| anyhow::anyhow!("no random bytes for the munge key: {e}"))?;
            munge.write("munge.key", &bytes, 0o600)?;
        }
        if self.shape.accounting {
            let db = slurm.subdir("mariadb", 0o700)?;
            db.subdir("data", 0o700)?;
            slurm.write(
                "slurmdbd.conf",
                conf::slurmdbd_conf(&self.shape).as_bytes(),
                0o600,
            )?;
        }
        let text = conf::slurm_conf(&self.shape);
        slurm.write("slurm.conf", text.as_bytes(), 0o644)?;
        Ok(())
    }

    #[cfg(not(unix))]
    fn configure(&self) -> anyhow::Result<()> {
        bail!("the course's Slurm cluster runs on Linux only")
    }

    /// The checkout's root, the folder above `.course/slurm`.
    fn conf_root(&self) -> anyhow::Result<PathBuf> {
        self.shape
            .dir
            .parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .with_context(|| {
                format!("{} has no checkout above it", self.shape.dir.display())
            })
    }

    fn start_daemons(&self) -> anyhow::Result<()> {
        let munged = program("munged").context("munged is not installed")?;
        let d = &self.shape.dir;
        // munged's own checks stay on (no --force): it refuses a key, a
        // socket folder or a log that others could change.
        run(Command::new(munged)
            .arg(format!("--socket={}", d.join("run/munge.socket").display()))
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
        wait_for(|| d.join("run/munge.socket").exists(), "munged's socket")?;
        if self.shape.accounting {
            accounting::start(&self.shape, &self.conf)?;
        }
        let slurmctld = program("slurmctld").context("slurmctld is not installed")?;
        // -c: a clean start, no jobs of an earlier run.
        run(Command::new(slurmctld)
            .arg("-c")
            .env("SLURM_CONF", &self.conf))?;
        let slurmd = program("slurmd").context("slurmd is not installed")?;
        for node in self.shape.node_names() {
            run(Command::new(&slurmd)
                .args(["-N", &node])
                .env("SLURM_CONF", &self.conf))?;
        }
        let want = self.shape.nodes;
        let answered = wait_for(
            || {
                node_states(&self.conf).is_some_and(|nodes| {
                    nodes.len() == want && nodes.iter().all(|(_, s)| s == "idle")
                })
            },
            "the nodes",
        );
        if let Err(e) = answered {
            // Which nodes were missing, and what their own logs say (a
            // node that could not bind its port says so there alone).
            let states = node_states(&self.conf);
            let mut nodes = String::new();
            for node in self.shape.node_names() {
                let state = states
                    .as_ref()
                    .and_then(|s| s.iter().find(|(n, _)| *n == node))
                    .map_or("not answering", |(_, s)| s.as_str());
                if state != "idle" {
                    let log = d.join(format!("log/slurmd-{node}.log"));
                    nodes.push_str(&format!(
                        "\n{node} is {state}; its log ({}) ends:\n{}",
                        log.display(),
                        log_tail(&log, 4)
                    ));
                }
            }
            bail!(
                "{e}; the controller's log ({}) ends:\n{}{nodes}",
                d.join("log/slurmctld.log").display(),
                log_tail(&d.join("log/slurmctld.log"), 8)
            );
        }
        Ok(())
    }
}

/// How many blocks of ports are tried before the cluster gives up.
const PORT_TRIES: u32 = 20;

/// The first port of a block whose every port is free where the daemons
/// will listen: this checkout's own block, or the next free one, said on
/// a line (`slurm.conf` is written afresh at each start, so the block may
/// move; what reads it finds the ports there).
///
/// # Errors
///
/// When [`PORT_TRIES`] blocks in a row have a port taken.
fn free_ports(shape: &Shape) -> anyhow::Result<u16> {
    let range = conf::port_range(conf::ephemeral_ports());
    let addr = if shape.listen.bound {
        shape.listen.addr
    } else {
        std::net::Ipv4Addr::UNSPECIFIED.into()
    };
    let mut taken = Vec::new();
    for shift in 0..PORT_TRIES {
        let base = conf::port_base(&shape.dir, range, shift);
        // Like Slurm's daemons, std binds with SO_REUSEADDR, so a port
        // that only closed connections hold (TIME_WAIT) counts as free.
        let busy = conf::ports(base, shape.nodes)
            .find(|&p| std::net::TcpListener::bind((addr, p)).is_err());
        match busy {
            None => {
                if let Some(first) = taken.first() {
                    println!(
                        "Slurm cluster: port {first} of this checkout's block is taken (by another \
                         program); its daemons use ports {}-{} instead",
                        base,
                        conf::ports(base, shape.nodes).end()
                    );
                }
                return Ok(base);
            }
            Some(p) => taken.push(p),
        }
    }
    bail!(
        "no free block of ports for the cluster's daemons on {addr}: {PORT_TRIES} blocks \
         tried in {}-{}, and each had a port taken ({}); `ss -ltnp` shows which programs hold them",
        range.0,
        range.1 - 1,
        taken
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The controller's port in a `slurm.conf` the course wrote.
fn conf_port(conf: &Path) -> Option<u16> {
    std::fs::read_to_string(conf)
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("SlurmctldPort="))
        .and_then(|p| p.trim().parse().ok())
}

/// The last `lines` lines of a log file.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(lines).collect();
    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
}

/// The daemons' pid files under `dir`, each with the program it names, in
/// the stages they are stopped in: the nodes and the controller together
/// (neither needs the other to stop), then the accounting daemon (which
/// takes the controller's last records), then MariaDB and munge (which
/// the accounting daemon uses until it ends).
fn pid_files(dir: &Path) -> Vec<Vec<(PathBuf, &'static str)>> {
    let mut first: Vec<(PathBuf, &'static str)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("slurmd-") && n.ends_with(".pid"))
        })
        .map(|p| (p, "slurmd"))
        .collect();
    first.sort();
    first.extend([
        // The one node of an earlier version of the course.
        (dir.join("slurmd.pid"), "slurmd"),
        (dir.join("slurmctld.pid"), "slurmctld"),
    ]);
    vec![
        first,
        vec![(dir.join("slurmdbd.pid"), "slurmdbd")],
        vec![
            (dir.join("mariadb/mariadbd.pid"), "mariadbd"),
            (dir.join("munge/munged.pid"), "munged"),
        ],
    ]
}

/// Whether process `pid` runs `program` (its first argument's file name,
/// or `mysqld` for `mariadbd`): a stale pid file may name another process
/// by now.
fn runs(pid: i32, program: &str) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let first = cmdline.split(|&b| b == 0).next().unwrap_or_default();
    let name = Path::new(std::str::from_utf8(first).unwrap_or_default())
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    name == program || (program == "mariadbd" && name == "mysqld")
}

/// How long a stage of daemons has to end after SIGTERM.
const STOP_GRACE: Duration = Duration::from_secs(20);

/// Stops the daemons named in the pid files under `dir`, stage by stage
/// ([`pid_files`]): SIGTERM to every daemon of a stage at once, then a
/// wait (at most [`STOP_GRACE`]) until all of them have ended. Stopped one
/// by one, the nine daemons of the course's cluster took 14 s; by stage,
/// they take about as long as the slowest of each stage.
fn stop_daemons(dir: &Path) {
    for stage in pid_files(dir) {
        let mut running = Vec::new();
        for (pid_file, program) in &stage {
            let pid = std::fs::read_to_string(pid_file)
                .ok()
                .and_then(|t| t.trim().parse::<i32>().ok())
                .filter(|&pid| pid > 1);
            if let Some(pid) = pid.filter(|&pid| runs(pid, program)) {
                // SAFETY: kill has no memory effects.
                unsafe { libc::kill(pid, libc::SIGTERM) };
                running.push(pid);
            }
        }
        let start = Instant::now();
        while running
            .iter()
            .any(|pid| Path::new(&format!("/proc/{pid}")).exists())
            && start.elapsed() < STOP_GRACE
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        // Only now: a stop running at the same time (the signal's, and the
        // launcher's own end) finds the same daemons and waits as long.
        for (pid_file, _) in &stage {
            let _ = std::fs::remove_file(pid_file);
        }
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
            stop_daemons(&self.shape.dir);
        }
    }
}

/// Each node's name and state as `sinfo` reports it (`idle`, `mix`,
/// `alloc`, …); `None` when no controller answers for `conf`.
fn node_states(conf: &Path) -> Option<Vec<(String, String)>> {
    let out = capture(
        Command::new("sinfo")
            .args(["-h", "-N", "-o", "%N %t"])
            .env("SLURM_CONF", conf),
    )?;
    Some(
        out.lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(n, s)| (n.to_string(), s.trim().to_string()))
            .collect(),
    )
}

fn conf_exists_and_answers(conf: &Path) -> bool {
    conf.is_file()
        && node_states(conf).is_some_and(|nodes| {
            !nodes.is_empty()
                && nodes
                    .iter()
                    .all(|(_, s)| matches!(s.as_str(), "idle" | "mix" | "alloc"))
        })
}

/// Runs a daemon's start command (it detaches itself), or says why it
/// failed.
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

fn hostname() -> anyhow::Result<String> {
    let name =
        capture(Command::new("hostname").arg("-s")).context("running `hostname -s`")?;
    Ok(name.trim().to_string())
}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// This machine's memory in MiB (`MemTotal` of `/proc/meminfo`).
fn memory_mib() -> anyhow::Result<u64> {
    let text =
        std::fs::read_to_string("/proc/meminfo").context("reading /proc/meminfo")?;
    text.lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| kib / 1024)
        .context("/proc/meminfo has no MemTotal line")
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
            println!("No Slurm cluster for episodes 8 and 12: {why}");
            Ok(None)
        }
        crate::env::Slurm::Ready => {
            // A start that failed has stopped what it started (the value
            // is dropped); a second one, on a block of ports checked free
            // again, gets past what was passing (a port held a moment).
            let cluster = match Cluster::start(project) {
                Ok(cluster) => cluster,
                Err(first) => {
                    println!(
                        "!! The course's Slurm cluster did not start: {first:#}\n\
                         Its daemons are stopped; starting it once more."
                    );
                    Cluster::start(project).with_context(|| {
                        format!(
                            "starting the course's Slurm cluster (twice; the first attempt: \
                             {first:#})"
                        )
                    })?
                }
            };
            println!("Slurm cluster: {}", cluster.describe());
            let shape = &cluster.shape;
            let ports = (shape.port, shape.node_port(shape.nodes));
            if let Some(warning) = shape.listen.warning(&shape.host, ports) {
                println!("{warning}");
            }
            Ok(Some(cluster))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemons_are_stopped_nodes_and_controller_first_and_munge_last() {
        let dir =
            std::env::temp_dir().join(format!("course-pids-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for n in [
            "slurmd-node2.pid",
            "slurmd-node1.pid",
            "slurmctld.pid",
            "slurmdbd.pid",
        ] {
            std::fs::write(dir.join(n), "1\n").unwrap();
        }
        let stages: Vec<Vec<&str>> = pid_files(&dir)
            .iter()
            .map(|stage| stage.iter().map(|(_, p)| *p).collect())
            .collect();
        assert_eq!(
            stages,
            [
                vec!["slurmd", "slurmd", "slurmd", "slurmctld"],
                vec!["slurmdbd"],
                vec!["mariadbd", "munged"],
            ]
        );
        assert!(pid_files(&dir)[0][0].0.ends_with("slurmd-node1.pid"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_taken_port_moves_the_cluster_to_a_free_block() {
        let shape = Shape {
            dir: std::env::temp_dir()
                .join(format!("course-ports-{}", std::process::id())),
            host: "machine".into(),
            listen: conf::Listen {
                addr: std::net::Ipv4Addr::LOCALHOST.into(),
                bound: true,
            },
            cpus: 2,
            memory_mib: 1024,
            nodes: 4,
            port: 0,
            accounting: true,
        };
        let range = conf::port_range(conf::ephemeral_ports());
        let own = conf::port_base(&shape.dir, range, 0);
        // Another program on the second node's port (if something else
        // holds it already, the block is just as taken).
        let _other = std::net::TcpListener::bind(("127.0.0.1", own + 3));
        let base = free_ports(&shape).unwrap();
        assert_ne!(base, own);
        for p in conf::ports(base, shape.nodes) {
            assert!(std::net::TcpListener::bind(("127.0.0.1", p)).is_ok(), "{p}");
        }
    }

    #[test]
    fn the_controllers_port_is_read_back_from_the_conf() {
        let file =
            std::env::temp_dir().join(format!("course-conf-{}", std::process::id()));
        std::fs::write(&file, "ClusterName=course\nSlurmctldPort=22718\n").unwrap();
        assert_eq!(conf_port(&file), Some(22_718));
        std::fs::write(&file, "ClusterName=course\n").unwrap();
        assert_eq!(conf_port(&file), None);
        std::fs::remove_file(&file).unwrap();
    }

    #[test]
    fn a_pid_file_naming_another_program_is_not_signalled() {
        let me = std::process::id() as i32;
        assert!(!runs(me, "slurmctld"));
        assert!(!runs(i32::MAX, "slurmd"));
    }
}
