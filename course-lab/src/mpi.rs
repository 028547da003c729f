//! OpenMPI for episode 8: found, installed from Debian's packages when
//! `./lab` runs as root, or the exact command printed; then the course's
//! MPI program built into `target/mpi/`.
//!
//! The MPI program is a workspace of its own (`mpi/`): rsmpi generates its
//! bindings with bindgen, which needs libclang, and links OpenMPI, so the
//! rest of the course builds without either.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use anyhow::bail;

use crate::project::Project;
use crate::steps::{self, capture};

/// Debian/Ubuntu packages: the `mpirun` launcher, the headers and `mpicc`
/// that rsmpi builds against, and the libclang that bindgen loads.
pub const PACKAGES: [&str; 3] = ["openmpi-bin", "libopenmpi-dev", "libclang-dev"];

/// The command that installs [`PACKAGES`], for a person to run.
pub fn install_command() -> String {
    format!("sudo apt-get install {}", PACKAGES.join(" "))
}

/// The MPI program of episode 8, once built.
pub fn program(project: &Project) -> PathBuf {
    project.root.join("target/mpi/release/integral-mpi")
}

/// What of OpenMPI and libclang is missing, in words (empty when all is
/// there).
fn missing() -> Vec<&'static str> {
    let mut missing = Vec::new();
    if capture(Command::new("mpirun").arg("--version")).is_none() {
        missing.push("mpirun (openmpi-bin)");
    }
    if capture(Command::new("mpicc").arg("--showme:version")).is_none() {
        missing.push("mpicc and the MPI headers (libopenmpi-dev)");
    }
    let libclang = capture(Command::new("ldconfig").arg("-p"))
        .is_some_and(|list| list.contains("libclang"))
        || std::env::var_os("LIBCLANG_PATH").is_some();
    if !libclang {
        missing.push("libclang (libclang-dev)");
    }
    missing
}

/// Installs the packages with apt-get (as root), refreshing the package
/// lists once if the first attempt fails.
fn apt_install() -> anyhow::Result<()> {
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(PACKAGES)
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
        PACKAGES.join(" ")
    )
}

/// Makes sure OpenMPI is there (installing it when allowed) and builds
/// the MPI program. Returns the outcome line; a machine where OpenMPI
/// cannot be installed is not an error here (the notebook runner then
/// skips episode 8 loudly), so the outcome says what to run.
pub fn ensure_mpi(project: &Project, cargo: &OsString) -> anyhow::Result<String> {
    let mut missing = missing();
    let mut installed = false;
    if !missing.is_empty() {
        let apt = capture(Command::new("apt-get").arg("--version")).is_some();
        if !(crate::lab::running_as_root() && apt) {
            return Ok(format!(
                "SKIPPED: missing {}. Episode 8 runs MPI programs; install OpenMPI with `{}` \
                 (Debian/Ubuntu; elsewhere the system's OpenMPI and libclang packages), then run \
                 ./lab again.",
                missing.join(", "),
                install_command()
            ));
        }
        apt_install()?;
        installed = true;
        missing = self::missing();
        if !missing.is_empty() {
            bail!(
                "after installing {}, still missing: {}.",
                PACKAGES.join(" "),
                missing.join(", ")
            );
        }
    }
    steps::run_streamed(
        Command::new(cargo)
            .args(["build", "--release", "--quiet", "--manifest-path"])
            .arg(project.root.join("mpi/Cargo.toml"))
            .arg("--target-dir")
            .arg(project.root.join("target/mpi"))
            .current_dir(&project.root),
        "The MPI program failed to build; the compiler's message is above. It needs OpenMPI's \
         headers and libclang (packages libopenmpi-dev and libclang-dev on Debian/Ubuntu).",
    )?;
    let version = capture(Command::new("mpirun").arg("--version"))
        .and_then(|v| v.lines().next().map(str::to_string))
        .unwrap_or_else(|| "OpenMPI".into());
    Ok(format!(
        "{}{version}; integral-mpi built in target/mpi/",
        if installed {
            "installed Debian packages; "
        } else {
            ""
        }
    ))
}
