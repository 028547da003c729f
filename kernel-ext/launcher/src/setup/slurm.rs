//! Slurm for episodes 8 and 12: Debian's `slurm-wlm` and `munge`, and
//! for accounting `slurmdbd` and `mariadb-server` (installed by the system
//! packages step, [`crate::setup::packages`], when it can). The daemons are
//! not started here: `./lab` and `./lab test` start the course's own
//! cluster of emulated nodes ([`crate::cluster`]) and stop it when they end.

use std::process::Command;

use crate::env::Slurm;
use crate::setup::apt;
use crate::steps::capture;
use crate::system::running_as_root;

/// The controller, the node daemon, the commands, and munge for
/// authentication.
pub const PACKAGES: [&str; 2] = ["slurm-wlm", "munge"];

/// The programs the cluster needs.
const PROGRAMS: [&str; 5] = ["slurmctld", "slurmd", "sbatch", "munged", "munge"];

/// The programs that are missing (looked up on `PATH` and in `/usr/sbin`).
pub fn missing() -> Vec<&'static str> {
    PROGRAMS
        .into_iter()
        .filter(|p| crate::cluster::program(p).is_none())
        .collect()
}

/// Whether Slurm is installed and the cluster can run here; returns that
/// and the outcome line.
pub fn ensure() -> anyhow::Result<(Slurm, String)> {
    let missing = missing();
    if !missing.is_empty() {
        let why = format!(
            "missing {}. Episodes 8 and 12 submit jobs to a Slurm cluster of emulated nodes \
             that the course starts itself; install Slurm with `{}` (Debian/Ubuntu), then run \
             ./lab again.",
            missing.join(", "),
            apt::install_command(&PACKAGES)
        );
        return Ok((Slurm::Missing(why.clone()), format!("SKIPPED: {why}")));
    }
    if !running_as_root() {
        let why = "Slurm is installed, but the course's cluster runs its node daemon (slurmd) as \
                   root: run ./lab as root to use it, or submit to your site's cluster."
            .to_string();
        return Ok((Slurm::Missing(why.clone()), format!("SKIPPED: {why}")));
    }
    // `slurmctld -V` needs no configuration, unlike `sbatch --version`.
    let version = crate::cluster::program("slurmctld")
        .and_then(|p| capture(Command::new(p).arg("-V")))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| "Slurm".into());
    Ok((
        Slurm::Ready,
        format!("{version}; the cluster starts with ./lab and ./lab test"),
    ))
}
