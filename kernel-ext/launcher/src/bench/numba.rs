//! Numba for `./lab bench`: a virtual environment of its own under
//! `.course/numba-venv`, installed from `crates/bench/numba/requirements.lock`
//! (pinned, with hashes), so that JupyterLab's environment stays light.

use std::path::PathBuf;

use crate::project::{Project, venv_bin};
use crate::setup::python;

/// The venv's Python, with Numba installed from the lock: created or
/// updated when the lock changed.
pub fn python(project: &Project) -> anyhow::Result<PathBuf> {
    let venv = project.state_dir().join("numba-venv");
    let lock = project.root.join("crates/bench/numba/requirements.lock");
    if !venv_bin(&venv, "python").is_file() {
        python::ensure_venv(&venv, &python::find_python()?)?;
    }
    if !python::ensure_locked(&venv, &lock, "python")? {
        println!(
            "Numba and NumPy for the comparisons with Python installed into {}",
            venv.display()
        );
    }
    Ok(venv_bin(&venv, "python"))
}
