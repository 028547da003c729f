//! maturin for episode 9's "Rust called from Python": a virtual environment
//! of its own ([`MATURIN_VENV`]), installed from
//! `kernel-ext/maturin/requirements.lock` (pinned, with hashes), then a
//! first build of the course's PyO3 module ([`FROM_PYTHON_CRATE`]) with the
//! same command the support crate runs from a cell, so that the cell finds
//! it compiled. A failure says what to do; under `CI=true` it fails set-up,
//! elsewhere set-up goes on without it (the episode's cells then say how to
//! install it).

use std::path::Path;
use std::process::Command;

use anyhow::Context;
use course_kernel_runtime::paths::{
    FROM_PYTHON_CRATE, FROM_PYTHON_LOCK, FROM_PYTHON_TARGET, MATURIN_ARGS, MATURIN_VENV,
};

use crate::project::{Project, venv_bin};
use crate::setup::python::{self, Python};
use crate::{steps, system};

/// Installs maturin unless the locked version is in; returns the outcome
/// (a failure outside CI is an outcome that says what to do).
pub fn install(project: &Project, python: &Python) -> anyhow::Result<String> {
    let install = || -> anyhow::Result<bool> {
        let venv = project.root.join(MATURIN_VENV);
        let lock = project
            .kernel_ext()
            .join("maturin")
            .join("requirements.lock");
        python::ensure_venv(&venv, python)?;
        python::ensure_locked(&venv, &lock, "maturin")
    };
    match install() {
        Ok(true) => Ok(format!("already installed in {MATURIN_VENV}")),
        Ok(false) => Ok(format!("installed in {MATURIN_VENV}")),
        Err(e) => skipped_outside_ci(e),
    }
}

/// Builds the module into maturin's venv; returns the outcome line.
pub fn build(project: &Project) -> anyhow::Result<String> {
    let venv = project.root.join(MATURIN_VENV);
    if !venv_bin(&venv, "maturin").is_file() {
        return skipped_outside_ci(anyhow::anyhow!(
            "maturin is not installed in {MATURIN_VENV} (see the Python environments' step)"
        ));
    }
    match build_module(&project.root, &venv) {
        Ok(true) => Ok("the module course_rust compiled and installed there".into()),
        Ok(false) => Ok("the module course_rust is up to date".into()),
        Err(e) => skipped_outside_ci(e),
    }
}

/// Outside CI, a failure here costs episode 9 one part, not the learner
/// their set-up: the outcome says so. Under `CI=true` it fails.
fn skipped_outside_ci(e: anyhow::Error) -> anyhow::Result<String> {
    if system::under_ci() {
        return Err(e);
    }
    Ok(format!(
        "skipped ({e:#}); episode 9's Rust-from-Python cells will say how to install it"
    ))
}

/// Runs `maturin develop --release` as `parallel_course::python::build_module`
/// does, holding the same lock; returns whether Cargo compiled anything.
fn build_module(root: &Path, venv: &Path) -> anyhow::Result<bool> {
    let target = root.join(FROM_PYTHON_TARGET);
    std::fs::create_dir_all(&target)
        .with_context(|| format!("creating {}", target.display()))?;
    let lock_path = root.join(FROM_PYTHON_LOCK);
    let lock = std::fs::File::create(&lock_path)
        .with_context(|| format!("creating {}", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("locking {}", lock_path.display()))?;
    let mut path = vec![
        venv_bin(venv, "python")
            .parent()
            .context("the venv's python has no folder")?
            .to_path_buf(),
    ];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let output = steps::run_with_spinner(
        Command::new(venv_bin(venv, "maturin"))
            .args(MATURIN_ARGS)
            .current_dir(root.join(FROM_PYTHON_CRATE))
            .env("VIRTUAL_ENV", venv)
            .env("PATH", std::env::join_paths(path)?)
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("CONDA_PREFIX"),
        "building the PyO3 module course_rust (a minute the first time)",
        &format!(
            "maturin could not build {FROM_PYTHON_CRATE}; its output is below. Fix it, or \
             delete {FROM_PYTHON_TARGET} and run ./lab again."
        ),
    )?;
    // Cargo's lines come on standard error, maturin's on either.
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(log
        .lines()
        .any(|l| l.trim_start().starts_with("Compiling ")))
}
