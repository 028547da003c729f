//! OpenMPI for episode 8: found (the system packages step,
//! [`crate::setup::packages`], installs it first when it can), then the
//! course's MPI program built.
//!
//! The MPI program is a workspace of its own (`crates/mpi/`): rsmpi
//! generates its bindings with bindgen, which needs libclang, and links
//! OpenMPI, so the rest of the course builds without either. It is built
//! into that workspace's own `target/`, where the support crate's
//! `mpi_program` looks for it.

use std::ffi::OsString;
use std::process::Command;

use crate::env::Mpi;
use crate::project::Project;
use crate::setup::apt;
use crate::steps::{self, capture};

/// Debian/Ubuntu packages: the `mpirun` launcher, the headers and `mpicc`
/// that rsmpi builds against, and the libclang that bindgen loads.
pub const PACKAGES: [&str; 3] = ["openmpi-bin", "libopenmpi-dev", "libclang-dev"];

/// What of OpenMPI and libclang is missing, in words (empty when all is
/// there).
pub fn missing() -> Vec<&'static str> {
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

/// Builds the MPI program when OpenMPI and libclang are there. Returns
/// whether MPI is ready and the outcome line; a machine without them is
/// not an error here (the test command then skips episode 8 loudly, and
/// fails under `CI=true`), so the outcome says what to run.
pub fn ensure(project: &Project, cargo: &OsString) -> anyhow::Result<(Mpi, String)> {
    let missing = missing();
    if !missing.is_empty() {
        let why = format!(
            "missing {}. Episode 8 runs MPI programs; install OpenMPI with `{}` \
             (Debian/Ubuntu; elsewhere the system's OpenMPI and libclang packages), then run \
             ./lab again.",
            missing.join(", "),
            apt::install_command(&PACKAGES)
        );
        return Ok((Mpi::Missing(why.clone()), format!("SKIPPED: {why}")));
    }
    steps::run_streamed(
        Command::new(cargo)
            .args([
                "build",
                "--release",
                "--locked",
                "--quiet",
                "--manifest-path",
            ])
            .arg(project.root.join("crates/mpi/Cargo.toml"))
            .current_dir(&project.root),
        "The MPI program failed to build; the compiler's message is above. It needs OpenMPI's \
         headers and libclang (packages libopenmpi-dev and libclang-dev on Debian/Ubuntu).",
    )?;
    let version = capture(Command::new("mpirun").arg("--version"))
        .and_then(|v| v.lines().next().map(str::to_string))
        .unwrap_or_else(|| "OpenMPI".into());
    Ok((
        Mpi::Ready,
        format!("{version}; the MPI programs built in crates/mpi/target/"),
    ))
}
