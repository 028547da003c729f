//! Snakemake for episode 12: a virtual environment of its own
//! ([`SNAKEMAKE_VENV`]), installed from `kernel-ext/snakemake/requirements.lock`
//! (pinned, with hashes), so that JupyterLab's environment stays light.
//! Snakemake 9 needs Python 3.11 or newer: with an older Python the step
//! says what to install, and under `CI=true` it fails.

use anyhow::bail;
use course_kernel_runtime::paths::SNAKEMAKE_VENV;

use crate::project::Project;
use crate::setup::python::{self, Python};
use crate::system;

/// The oldest Python Snakemake 9 runs on.
const MIN_MINOR: u32 = 11;

/// Installs Snakemake unless the locked version is in; returns the
/// outcome line.
pub fn ensure(project: &Project, python: &Python) -> anyhow::Result<String> {
    let minor =
        python::parse_python_version(&python.version).map_or(0, |(_, minor)| minor);
    if minor < MIN_MINOR {
        let advice = format!(
            "{} is too old for Snakemake 9 (it needs Python 3.{MIN_MINOR} or newer): episode 12 \
             cannot run its workflows. Install a newer Python 3 and run ./lab again.",
            python.version
        );
        if system::under_ci() {
            bail!("{advice}");
        }
        return Ok(format!("skipped: {advice}"));
    }
    let venv = project.root.join(SNAKEMAKE_VENV);
    let lock = project
        .kernel_ext()
        .join("snakemake")
        .join("requirements.lock");
    python::ensure_venv(&venv, python)?;
    let skipped = python::ensure_locked(&venv, &lock, "snakemake")?;
    Ok(format!(
        "{} in {SNAKEMAKE_VENV}",
        if skipped {
            "already installed"
        } else {
            "installed"
        }
    ))
}
