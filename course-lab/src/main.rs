//! `course-lab`: takes a machine with Rust and Python to a running
//! JupyterLab with the course kernel, and runs every test.
//!
//! Run it through `./lab` at the top of the repository:
//!
//! * `./lab` sets up what is missing and starts JupyterLab on `notebooks/`;
//! * `./lab --setup-only` sets up and stops;
//! * `./lab test` sets up, runs the crate tests and executes every notebook
//!   through the real kernel;
//! * `./lab bench` builds and runs the benchmark of every workload;
//! * `./lab publish` writes the course as a static site to `target/site/`.

mod cli;
mod kernelspec;
mod lab;
mod mpi;
mod numba;
mod project;
mod publish;
mod setup;
mod stale;
mod steps;
mod testing;

use std::process::ExitCode;

use cli::Command;

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args_os().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("course-lab: {e:#}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    match run(command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("\ncourse-lab: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Help => {
            println!("{}", cli::USAGE);
            Ok(ExitCode::SUCCESS)
        }
        Command::Lab(opts) => {
            let project = project::Project::locate()?;
            let env = setup::set_up(&project, setup::Warm::Yes)?;
            if opts.setup_only {
                steps::done(&format!(
                    "Set-up complete. Start JupyterLab with `./lab` (kernel \"{}\").",
                    kernelspec::DISPLAY_NAME
                ));
                return Ok(ExitCode::SUCCESS);
            }
            lab::start(&project, &env, &opts)
        }
        Command::Test(opts) => {
            let project = project::Project::locate()?;
            let env = setup::set_up(&project, setup::Warm::No)?;
            testing::run(&project, &env, &opts)
        }
        Command::Bench(args) => {
            let project = project::Project::locate()?;
            bench(&project, &args)
        }
        Command::Publish => {
            let project = project::Project::locate()?;
            let env = setup::set_up(&project, setup::Warm::No)?;
            publish::run(&project, &env)
        }
        Command::Execute(notebooks) => {
            let project = project::Project::locate()?;
            let env = setup::set_up(&project, setup::Warm::No)?;
            testing::execute_notebooks(&project, &env, &notebooks)
        }
    }
}

/// Builds the benchmark program in release mode and runs it with `args`.
fn bench(
    project: &project::Project,
    args: &[std::ffi::OsString],
) -> anyhow::Result<ExitCode> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // The 2-D integral is compared with Numba when its environment can be
    // set up; the other workloads do not need it.
    let wants_numba = !args
        .iter()
        .any(|a| a == "--list" || a == "--help" || a == "-h");
    let numba_args: Vec<std::ffi::OsString> = if wants_numba {
        match numba::python(project) {
            Ok(python) => vec!["--numba-python".into(), python.into()],
            Err(e) => {
                println!("Numba rows left out of integral2d: {e:#}");
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let status = std::process::Command::new(cargo)
        .args([
            "run",
            "--release",
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
