//! `./lab bench`: builds the benchmark program (`crates/bench`) in
//! release mode and runs it, with Numba's Python when its environment can
//! be set up.

mod numba;

use std::ffi::OsString;
use std::process::{Command, ExitCode};

use crate::project::Project;

/// Builds the benchmark program and runs it with `args`.
pub fn run(project: &Project, args: &[OsString]) -> anyhow::Result<ExitCode> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // The integral, the Mandelbrot zoom and the sum are compared with the
    // Python lesson's Numba and NumPy variants when their environment can
    // be set up; the other workloads do not need it.
    let wants_numba = !args
        .iter()
        .any(|a| a == "--list" || a == "--help" || a == "-h");
    let mut numba_args: Vec<OsString> = Vec::new();
    if wants_numba {
        match numba::python(project) {
            Ok(python) => numba_args.extend(["--numba-python".into(), python.into()]),
            Err(e) => println!("Numba and NumPy rows left out: {e:#}"),
        }
    }
    let status = Command::new(cargo)
        .args([
            "run",
            "--release",
            "--locked",
            "--quiet",
            "--package",
            "course-bench",
            "--",
        ])
        .args(args)
        .args(numba_args)
        .current_dir(&project.root)
        .status()
        .map_err(|e| {
            anyhow::anyhow!("could not run cargo to build the benchmark: {e}")
        })?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        None => ExitCode::from(1),
    })
}
