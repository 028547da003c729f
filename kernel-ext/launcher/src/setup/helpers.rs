//! The helper programs the notebooks start: every program and example of
//! the support crate (the worker processes, the release-parity twin) and
//! the packages that are programs of their own, built in release mode
//! where the support crate's `helper_program` finds them.

use std::ffi::OsString;
use std::process::Command;

use crate::project::Project;
use crate::steps;

/// The workspace packages whose programs the notebooks start. Each
/// program's name is its package's or binary's own; the launcher builds
/// them all and names none.
const PACKAGES: [&str; 2] = ["parallel_course", "matmul-worker"];

/// Builds the helper programs in release mode.
pub fn build(project: &Project, cargo: &OsString) -> anyhow::Result<()> {
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--release", "--locked", "--bins", "--examples"]);
    for package in PACKAGES {
        cmd.args(["--package", package]);
    }
    steps::run_streamed(
        cmd.current_dir(&project.root),
        "The helper programs failed to build in release mode; the compiler's message is above.",
    )
}
