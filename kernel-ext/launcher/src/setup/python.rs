//! Python: a system Python 3 that can make virtual environments, and
//! environments installed from a lock file with hashes (JupyterLab's in
//! `.venv`, Numba's for `./lab bench`).

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::project::venv_bin;
use crate::steps::{self, capture};

/// A system Python that can create virtual environments.
pub struct Python {
    /// The command that starts it (`python3`).
    pub program: OsString,
    /// What it says of its version (`Python 3.11.7`).
    pub version: String,
}

/// The oldest Python the locked packages support (JupyterLab 4.6 needs 3.10).
const MIN_PYTHON_MINOR: u32 = 10;

/// Python 3.10 or newer that can create a virtual environment with pip in
/// it (its `venv` and `ensurepip` modules). Only a venv's own pip is
/// used, so the system Python needs no pip.
pub fn find_python() -> anyhow::Result<Python> {
    let names = if cfg!(windows) {
        ["python", "python3"]
    } else {
        ["python3", "python"]
    };
    for name in names {
        let Some(out) = capture(Command::new(name).arg("--version")) else {
            continue;
        };
        let version = out.trim().to_string();
        let Some((major, minor)) = parse_python_version(&version) else {
            continue;
        };
        if major != 3 {
            continue;
        }
        if minor < MIN_PYTHON_MINOR {
            bail!(
                "{version} is too old: the course needs Python 3.{MIN_PYTHON_MINOR} or newer. \
                 Install a newer Python 3 (https://www.python.org/downloads/ or your package \
                 manager)."
            );
        }
        if capture(Command::new(name).args(["-c", "import venv, ensurepip"])).is_none() {
            bail!("{}", missing_venv_advice(&version, name, minor));
        }
        return Ok(Python {
            program: name.into(),
            version,
        });
    }
    bail!(
        "python3 was not found. Install Python 3.{MIN_PYTHON_MINOR} or newer (Debian/Ubuntu: \
         `sudo apt install python3 python3-venv`; macOS: `brew install python`; \
         Windows: https://www.python.org/downloads/) and run ./lab again."
    )
}

/// What to do when Python cannot create a venv with pip: Debian and
/// Ubuntu split `ensurepip` into the `python3.X-venv` package.
fn missing_venv_advice(version: &str, name: &str, minor: u32) -> String {
    format!(
        "{version} was found but cannot create a virtual environment with pip (its venv or \
         ensurepip module is missing). On Debian/Ubuntu install it with \
         `sudo apt install python3-venv` (or `python3.{minor}-venv`); elsewhere reinstall \
         Python from https://www.python.org/downloads/. Check with `{name} -m ensurepip --version`."
    )
}

pub fn parse_python_version(text: &str) -> Option<(u32, u32)> {
    let v = text.strip_prefix("Python ")?;
    let mut parts = v.split('.');
    Some((
        parts.next()?.parse().ok()?,
        parts.next()?.trim().parse().ok()?,
    ))
}

/// Creates the virtual environment `venv` with `python` unless it has a
/// Python already.
pub fn ensure_venv(venv: &Path, python: &Python) -> anyhow::Result<()> {
    if venv_bin(venv, "python").is_file() {
        return Ok(());
    }
    steps::run_streamed(
        Command::new(&python.program)
            .arg("-m")
            .arg("venv")
            .arg(venv),
        &format!(
            "Creating the virtual environment failed: on Debian/Ubuntu install Python's venv \
             module with `sudo apt install python3-venv`, then delete {} and run ./lab again.",
            venv.display()
        ),
    )
}

/// Installs the lock file `lock` (every package pinned, with its hashes)
/// into `venv` unless the venv's stamp says that exact lock is in, and
/// `ready` (a program the lock installs) is there. Returns whether it
/// skipped. pip's progress is shown.
pub fn ensure_locked(venv: &Path, lock: &Path, ready: &str) -> anyhow::Result<bool> {
    let wanted = std::fs::read_to_string(lock)
        .with_context(|| format!("reading {}", lock.display()))?;
    let stamp = venv.join(".course-requirements");
    if venv_bin(venv, ready).is_file()
        && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted)
    {
        return Ok(true);
    }
    steps::run_streamed(
        Command::new(venv_bin(venv, "python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--progress-bar",
                "on",
                "--require-hashes",
                "--no-deps",
                "-r",
            ])
            .arg(lock),
        &format!(
            "pip could not install the locked packages of {}; check your network connection \
             (pip needs https://pypi.org) and run ./lab again. A hash mismatch means a \
             download differs from the one locked: do not work around it.",
            lock.display()
        ),
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_venv_advice_names_the_debian_packages() {
        let text = missing_venv_advice("Python 3.11.2", "python3", 11);
        assert!(text.contains("sudo apt install python3-venv"), "{text}");
        assert!(text.contains("python3.11-venv"), "{text}");
    }

    #[test]
    fn python_versions_are_parsed() {
        assert_eq!(parse_python_version("Python 3.11.7"), Some((3, 11)));
        assert_eq!(parse_python_version("Python 3.9"), Some((3, 9)));
        assert_eq!(parse_python_version("Python 2.7.18"), Some((2, 7)));
        assert_eq!(parse_python_version("garbage"), None);
    }
}
