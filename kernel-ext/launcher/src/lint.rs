//! `./lab lint`: `cargo fmt --check` and `cargo clippy -D warnings` on
//! every workspace of the course: the main one, the MPI program's, episode
//! 9's PyO3 module's, episode 2's criterion exercise's and the course
//! kernel's. The kernel's lint has a build
//! folder of its own beside the kernel's build: sharing that folder would
//! make Cargo rebuild the kernel (six minutes) after every lint. The PyO3
//! module's lint uses its build folder with the dev profile, which leaves
//! maturin's release build alone.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use course_kernel_runtime::paths::FROM_PYTHON_TARGET;

use crate::kernel::install;
use crate::project::Project;
use crate::steps;

/// One workspace to check: its manifest, relative to the root, and the
/// build folder Cargo uses for it (`None`: Cargo's own choice).
struct Workspace {
    name: &'static str,
    manifest: &'static str,
    target: Option<PathBuf>,
    /// Whether it is the kernel, linted as it is built (`--release
    /// --locked`, without `CI`).
    kernel: bool,
    /// Whether it needs OpenMPI, which a machine may lack.
    needs_mpi: bool,
}

/// Runs the checks; the exit code says whether all passed.
pub fn run(project: &Project) -> anyhow::Result<ExitCode> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let workspaces = [
        Workspace {
            name: "the course",
            manifest: "Cargo.toml",
            target: None,
            kernel: false,
            needs_mpi: false,
        },
        Workspace {
            name: "the MPI program",
            manifest: "crates/mpi/Cargo.toml",
            target: None,
            kernel: false,
            needs_mpi: true,
        },
        Workspace {
            name: "the PyO3 module",
            manifest: "crates/from-python/Cargo.toml",
            target: Some(project.root.join(FROM_PYTHON_TARGET)),
            kernel: false,
            needs_mpi: false,
        },
        Workspace {
            name: "episode 2's criterion exercise",
            manifest: "crates/criterion-exercise/Cargo.toml",
            target: None,
            kernel: false,
            needs_mpi: false,
        },
        Workspace {
            name: "the course kernel",
            manifest: "kernel-ext/kernel/Cargo.toml",
            target: Some(install::kernel_build_dir()?.with_file_name("kernel-lint")),
            kernel: true,
            needs_mpi: false,
        },
    ];
    let mut failed = Vec::new();
    for ws in &workspaces {
        if ws.needs_mpi && !mpi_present() {
            println!(
                "\n== {}: SKIPPED (OpenMPI is not installed; ./lab installs it as root)",
                ws.name
            );
            if crate::system::under_ci() {
                failed.push(ws.name);
            }
            continue;
        }
        let manifest = project.root.join(ws.manifest);
        let mut fmt = Command::new(&cargo);
        fmt.args(["fmt", "--check", "--manifest-path"])
            .arg(&manifest);
        if ws.manifest == "Cargo.toml" {
            fmt.arg("--all");
        }
        let mut clippy = Command::new(&cargo);
        clippy
            .args([
                "clippy",
                "--all-targets",
                "--locked",
                "--quiet",
                "--manifest-path",
            ])
            .arg(&manifest);
        if ws.manifest == "Cargo.toml" {
            clippy.arg("--workspace");
        }
        if let Some(target) = &ws.target {
            clippy.env("CARGO_TARGET_DIR", target);
        }
        if ws.kernel {
            clippy
                .arg("--release")
                // As for the kernel's build (see kernel::install): evcxr's
                // crates read `CI` when they compile.
                .env_remove("CI");
        }
        clippy.args(["--", "-D", "warnings"]);
        println!("\n== {} ({})", ws.name, ws.manifest);
        for (what, cmd) in [("format", &mut fmt), ("clippy", &mut clippy)] {
            let ok = cmd
                .current_dir(&project.root)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                println!("FAILED: {what} of {}", ws.name);
                failed.push(ws.name);
            }
        }
    }
    if failed.is_empty() {
        steps::done("Format and lints: all clean.");
        Ok(ExitCode::SUCCESS)
    } else {
        steps::done(&format!("FAILED: {}.", failed.join(", ")));
        Ok(ExitCode::from(1))
    }
}

/// Whether OpenMPI's compiler wrapper is there (the MPI program needs it).
fn mpi_present() -> bool {
    steps::capture(Command::new("mpicc").arg("--showme:version")).is_some()
}
