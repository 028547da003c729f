//! Numba for `./lab bench`: a virtual environment of its own under
//! `.course/numba-venv`, installed from `bench/numba/requirements.lock`
//! (pinned, with hashes), so that JupyterLab's environment stays light.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

use crate::project::Project;
use crate::setup::find_python;

/// The venv's Python, with Numba installed from the lock: created or
/// updated when the lock changed.
pub fn python(project: &Project) -> anyhow::Result<PathBuf> {
    let venv = project.state_dir().join("numba-venv");
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    let lock = project.root.join("bench/numba/requirements.lock");
    let wanted = std::fs::read_to_string(&lock)
        .with_context(|| format!("reading {}", lock.display()))?;
    let stamp = venv.join(".course-requirements");
    if python.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(python);
    }
    if !python.is_file() {
        let system = find_python()?;
        let ok = Command::new(&system.program)
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            bail!(
                "could not create {} with `{} -m venv`",
                venv.display(),
                system.version
            );
        }
    }
    println!(
        "Installing Numba for the integral2d comparison (once) into {}",
        venv.display()
    );
    let ok = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--require-hashes",
            "--no-deps",
            "-r",
        ])
        .arg(&lock)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        bail!(
            "pip could not install {} (pip needs https://pypi.org)",
            lock.display()
        );
    }
    std::fs::write(&stamp, wanted)?;
    Ok(python)
}
