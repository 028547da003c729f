//! What set-up found, for the commands that run after it.

use std::ffi::OsString;
use std::path::PathBuf;

/// What later stages need from set-up.
#[derive(Debug, Clone)]
pub struct Env {
    /// Python inside the project's venv.
    pub python: PathBuf,
    /// `jupyter` inside the venv.
    pub jupyter: PathBuf,
    /// The cargo to build and test with.
    pub cargo: OsString,
    /// Whether the MPI program of episode 8 could be built.
    pub mpi: Mpi,
    /// Whether the course's Slurm cluster can run here.
    pub slurm: Slurm,
}

/// Whether the course's Slurm cluster (emulated nodes) can run on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slurm {
    /// Installed, and `./lab` runs as root.
    Ready,
    /// Not here; the text says why and what to do.
    Missing(String),
}

/// Whether OpenMPI and the course's MPI program are there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mpi {
    /// Installed, and the MPI program built.
    Ready,
    /// Missing; the text says what is missing and the command to run.
    Missing(String),
}
