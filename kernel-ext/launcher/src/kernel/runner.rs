//! The notebook runner (`kernel-ext/runner/run_notebooks.py`): executes
//! notebooks through the course kernel over the Jupyter protocol, as a
//! learner's JupyterLab would, and warms the kernel's cache.

use std::path::PathBuf;
use std::process::Command;

use crate::env::Env;
use crate::kernel::spec;
use crate::project::Project;

/// The runner's script.
pub fn script(project: &Project) -> PathBuf {
    project.kernel_ext().join("runner/run_notebooks.py")
}

/// The runner, started from the repository root with the course kernel
/// and the log folder set; the caller adds what to run.
pub fn command(project: &Project, env: &Env) -> Command {
    let mut cmd = Command::new(&env.python);
    cmd.arg(script(project))
        .arg("--kernel")
        .arg(spec::NAME)
        .arg("--log-dir")
        .arg(project.logs_dir())
        .current_dir(&project.root);
    cmd
}
