//! The cluster's accounting: `slurmdbd` keeps every job (its elapsed time,
//! CPU time, largest resident memory, state) in a MariaDB of the cluster's
//! own, which `sacct` reads and Snakemake's Slurm executor follows its jobs
//! through. MariaDB's data, socket and log are under `.course/slurm/`; it
//! listens on its socket only.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use super::conf::Shape;
use super::{log_tail, program, run, wait_for};
use crate::steps::capture;

/// The first of `names` that is installed.
fn first_program(names: &[&str]) -> Option<PathBuf> {
    names.iter().find_map(|n| program(n))
}

/// MariaDB's server.
fn server() -> Option<PathBuf> {
    first_program(&["mariadbd", "mysqld"])
}

/// The program that makes a new data folder.
fn installer() -> Option<PathBuf> {
    first_program(&["mariadb-install-db", "mysql_install_db"])
}

/// The administration client, for `ping`.
fn admin() -> Option<PathBuf> {
    first_program(&["mariadb-admin", "mysqladmin"])
}

/// The Debian packages accounting needs.
pub const PACKAGES: [&str; 2] = ["slurmdbd", "mariadb-server"];

/// Why accounting cannot run here, or `None` when everything it needs is
/// installed.
pub fn missing() -> Option<String> {
    let mut absent = Vec::new();
    if program("slurmdbd").is_none() {
        absent.push("slurmdbd");
    }
    if server().is_none() || installer().is_none() || admin().is_none() {
        absent.push("MariaDB's server (mariadbd, mariadb-install-db, mariadb-admin)");
    }
    (!absent.is_empty()).then(|| {
        format!(
            "missing {}: install them with `{}`",
            absent.join(" and "),
            crate::setup::apt::install_command(&PACKAGES)
        )
    })
}

/// The environment that points MariaDB's client library (in `slurmdbd`
/// and `mariadb-admin`) at the cluster's socket.
fn socket_env(command: &mut Command, shape: &Shape) {
    command
        .env("MYSQL_UNIX_PORT", shape.db_socket())
        .env("MARIADB_UNIX_PORT", shape.db_socket());
}

/// Whether MariaDB answers on the cluster's socket.
fn answers(admin: &Path, shape: &Shape) -> bool {
    capture(
        Command::new(admin)
            .arg("--no-defaults")
            .arg(format!("--socket={}", shape.db_socket().display()))
            .args(["--user=root", "ping"]),
    )
    .is_some()
}

/// Starts MariaDB (making its data folder the first time) and `slurmdbd`,
/// and registers the cluster.
///
/// # Errors
///
/// When a program is missing or a daemon does not come up; the message
/// ends with the daemon's log.
pub fn start(shape: &Shape, conf: &Path) -> anyhow::Result<()> {
    let server = server().context("MariaDB's server is not installed")?;
    let admin = admin().context("mariadb-admin is not installed")?;
    let data = shape.db_dir().join("data");
    let log = shape.dir.join("log/mariadb.log");
    if !data.join("mysql").is_dir() {
        let installer = installer().context("mariadb-install-db is not installed")?;
        let out = Command::new(installer)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args([
                "--user=root",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
            ])
            .stdin(Stdio::null())
            .output()
            .context("running mariadb-install-db")?;
        if !out.status.success() {
            bail!(
                "mariadb-install-db could not make {}: {}",
                data.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    }
    // MariaDB stays in the foreground: `setsid -f` detaches it from the
    // launcher (its own session, parent init), as the other daemons
    // detach themselves; its pid file says where it is.
    run(Command::new("setsid")
        .arg("-f")
        .arg(server)
        .args(super::conf::mariadb_args(shape))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null()))?;
    wait_for(|| answers(&admin, shape), "MariaDB").map_err(|e| {
        anyhow::anyhow!(
            "{e}; its log ({}) ends:\n{}",
            log.display(),
            log_tail(&log, 8)
        )
    })?;
    let slurmdbd = program("slurmdbd").context("slurmdbd is not installed")?;
    let mut command = Command::new(slurmdbd);
    command.env("SLURM_CONF", conf);
    socket_env(&mut command, shape);
    run(&mut command)?;
    let dbd_log = shape.dir.join("log/slurmdbd.log");
    wait_for(|| clusters(conf).is_some(), "slurmdbd").map_err(|e| {
        anyhow::anyhow!(
            "{e}; its log ({}) ends:\n{}",
            dbd_log.display(),
            log_tail(&dbd_log, 8)
        )
    })?;
    if !clusters(conf).is_some_and(|c| c.iter().any(|n| n == "course")) {
        run(Command::new("sacctmgr")
            .args(["-i", "add", "cluster", "course"])
            .env("SLURM_CONF", conf))?;
    }
    Ok(())
}

/// The clusters the accounting knows, or `None` when `slurmdbd` does not
/// answer.
fn clusters(conf: &Path) -> Option<Vec<String>> {
    let out = capture(
        Command::new("sacctmgr")
            .args(["-n", "-P", "list", "cluster", "format=cluster"])
            .env("SLURM_CONF", conf),
    )?;
    Some(out.lines().map(|l| l.trim().to_string()).collect())
}
