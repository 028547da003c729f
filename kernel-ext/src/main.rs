//! `course-lab`: takes a machine with Rust and Python to a running
//! JupyterLab with the course kernel, and runs every test.
//!
//! Run it through `./lab` at the top of the repository:
//!
//! * `./lab` sets up what is missing and starts JupyterLab on `notebooks/`;
//! * `./lab --setup-only` sets up and stops;
//! * `./lab test` sets up, runs the crate tests and executes every notebook
//!   through the real kernel.

mod cli;
mod kernelspec;
mod lab;
mod project;
mod setup;
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
        Command::Execute(notebooks) => {
            let project = project::Project::locate()?;
            let env = setup::set_up(&project, setup::Warm::No)?;
            testing::execute_notebooks(&project, &env, &notebooks)
        }
    }
}
