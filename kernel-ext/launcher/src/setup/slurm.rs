//! Slurm for episode 8: Debian's `slurm-wlm` and `munge`, installed when
//! `./lab` runs as root, or the exact command printed. The daemons are
//! not started here: `./lab` and `./lab test` start the course's own
//! one-node cluster ([`crate::cluster`]) and stop it when they end.

use std::process::Command;

use crate::env::Slurm;
use crate::setup::apt;
use crate::steps::capture;
use crate::system::running_as_root;

/// The controller, the node daemon, the commands, and munge for
/// authentication.
const PACKAGES: [&str; 2] = ["slurm-wlm", "munge"];

/// The programs the cluster needs.
const PROGRAMS: [&str; 5] = ["slurmctld", "slurmd", "sbatch", "munged", "munge"];

/// The programs that are missing (looked up on `PATH` and in `/usr/sbin`).
fn missing() -> Vec<&'static str> {
    PROGRAMS
        .into_iter()
        .filter(|p| crate::cluster::program(p).is_none())
        .collect()
}

/// Makes sure Slurm is installed (installing it when allowed); returns
/// whether the cluster can run and the outcome line.
pub fn ensure() -> anyhow::Result<(Slurm, String)> {
    let mut installed = false;
    if !missing().is_empty() && apt::allowed() {
        apt::install(&PACKAGES)?;
        installed = true;
    }
    let missing = missing();
    if !missing.is_empty() {
        let why = format!(
            "missing {}. Episode 8 submits its job to a one-node Slurm cluster that the course \
             starts itself; install Slurm with `sudo apt-get install {}` (Debian/Ubuntu), then run \
             ./lab again.",
            missing.join(", "),
            PACKAGES.join(" ")
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
    let outcome = format!(
        "{}{version}; the cluster starts with ./lab and ./lab test",
        if installed {
            "installed Debian packages; "
        } else {
            ""
        }
    );
    Ok((Slurm::Ready, outcome))
}
