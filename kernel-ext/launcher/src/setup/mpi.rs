//! OpenMPI for episode 8: found, installed from Debian's packages when
//! `./lab` runs as root, or the exact command printed; then the course's
//! MPI program built.
//!
//! The MPI program is a workspace of its own (`crates/mpi/`): rsmpi
//! generates its bindings with bindgen, which needs libclang, and links
//! OpenMPI, so the rest of the course builds without either. It is built
//! into that workspace's own `target/`, where the support crate's
//! `mpi_program` looks for it.

use std::ffi::OsString;
use std::process::Command;

use anyhow::bail;

use crate::env::Mpi;
use crate::project::Project;
use crate::setup::apt;
use crate::steps::{self, capture};

/// Debian/Ubuntu packages: the `mpirun` launcher, the headers and `mpicc`
/// that rsmpi builds against, and the libclang that bindgen loads.
const PACKAGES: [&str; 3] = ["openmpi-bin", "libopenmpi-dev", "libclang-dev"];

/// The command that installs [`PACKAGES`], for a person to run.
fn install_command() -> String {
    format!("sudo apt-get install {}", PACKAGES.join(" "))
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

/// Makes sure OpenMPI is there (installing it when allowed) and builds
/// the MPI program. Returns whether MPI is ready and the outcome line; a
/// machine where OpenMPI cannot be installed is not an error here (the
/// test command then skips episode 8 loudly), so the outcome says what
/// to run.
pub fn ensure(project: &Project, cargo: &OsString) -> anyhow::Result<(Mpi, String)> {
    let mut missing = missing();
    let mut installed = false;
    if !missing.is_empty() {
        if !apt::allowed() {
            let why = format!(
                "missing {}. Episode 8 runs MPI programs; install OpenMPI with `{}` \
                 (Debian/Ubuntu; elsewhere the system's OpenMPI and libclang packages), then run \
                 ./lab again.",
                missing.join(", "),
                install_command()
            );
            return Ok((Mpi::Missing(why.clone()), format!("SKIPPED: {why}")));
        }
        apt::install(&PACKAGES)?;
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
            .arg(project.root.join("crates/mpi/Cargo.toml"))
            .current_dir(&project.root),
        "The MPI program failed to build; the compiler's message is above. It needs OpenMPI's \
         headers and libclang (packages libopenmpi-dev and libclang-dev on Debian/Ubuntu).",
    )?;
    let version = capture(Command::new("mpirun").arg("--version"))
        .and_then(|v| v.lines().next().map(str::to_string))
        .unwrap_or_else(|| "OpenMPI".into());
    let outcome = format!(
        "{}{version}; the MPI programs built in crates/mpi/target/",
        if installed {
            "installed Debian packages; "
        } else {
            ""
        }
    );
    Ok((Mpi::Ready, outcome))
}
