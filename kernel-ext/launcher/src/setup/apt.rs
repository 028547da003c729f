//! Debian's packages, installed with apt-get when `./lab` runs as root:
//! the components the course starts itself (OpenMPI, Slurm).

use std::process::Command;

use anyhow::bail;

use crate::steps::capture;
use crate::system::running_as_root;

/// The command a person runs to install `packages`.
pub fn install_command(packages: &[&str]) -> String {
    format!(
        "sudo apt-get install -y --no-install-recommends {}",
        packages.join(" ")
    )
}

/// Whether this run may install packages: as root, with apt-get.
pub fn allowed() -> bool {
    running_as_root() && capture(Command::new("apt-get").arg("--version")).is_some()
}

/// Installs `packages` with apt-get, refreshing the package lists once if
/// the first attempt fails.
pub fn install(packages: &[&str]) -> anyhow::Result<()> {
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if install() {
        return Ok(());
    }
    let updated = Command::new("apt-get")
        .args(["update", "-q"])
        .status()
        .is_ok_and(|s| s.success());
    if updated && install() {
        return Ok(());
    }
    bail!(
        "apt-get could not install {}; its messages are above. Install them yourself, then run \
         ./lab again.",
        packages.join(" ")
    )
}
