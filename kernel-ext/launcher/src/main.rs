//! `course-lab`: takes a machine with Rust and Python to a running
//! JupyterLab with the course kernel, and runs every test.
//!
//! Run it through `./lab` at the top of the repository:
//!
//! * `./lab` sets up what is missing, fills the learners' folder `work/` from
//!   the course, and starts JupyterLab there;
//! * `./lab --setup-only` sets up and stops;
//! * `./lab test` sets up, runs the crate tests and executes every notebook
//!   through the real kernel;
//! * `./lab execute NOTEBOOK...` executes notebooks and keeps their outputs;
//! * `./lab bench` builds and runs the benchmark of every workload;
//! * `./lab publish` writes the course as a static site to `target/site/`;
//! * `./lab lint` checks the format and lints of every workspace;
//! * `./lab rehearse --yes` (as root) removes the course's packages and
//!   caches and runs the README's two commands in a fresh clone.
//!
//! | module | what |
//! |---|---|
//! | [`cli`] | the command line, parsed into a [`Command`] |
//! | [`project`] | where things live in the checkout; the list of course notebooks |
//! | [`system`] | the user, the cache folder, CI |
//! | [`steps`] | what the user sees while long work runs |
//! | [`setup`] | set-up as a list of steps |
//! | [`kernel`] | the course kernel: kernelspec, install, warm-up, clean-up, the notebook runner |
//! | [`env`] | what set-up found, for the commands after it |
//! | [`server`] | JupyterLab, started on 127.0.0.1 with a token |
//! | [`executed`] | executed copies of the notebooks |
//! | [`testing`] | `./lab test` |
//! | [`publish`] | `./lab publish` |
//! | [`bench`] | `./lab bench` |
//! | [`lint`] | `./lab lint` |
//! | [`rehearse`] | `./lab rehearse`: the fresh-machine rehearsal |
//! | [`room`] | `./lab room`: JupyterHub for a workshop |
//! | [`work`] | the learners' folder, `work/`, where JupyterLab opens |

mod bench;
mod cli;
mod cluster;
mod env;
mod executed;
mod kernel;
mod lint;
mod project;
mod publish;
mod rehearse;
mod room;
mod server;
mod setup;
mod steps;
mod system;
mod testing;
mod work;

use std::process::ExitCode;

use cli::Command;
use project::Project;
use setup::{For, Later, Warm};

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args_os().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("course-lab: {e:#}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let code = match run(command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("\ncourse-lab: error: {e:#}");
            ExitCode::from(2)
        }
    };
    // Stopped by SIGTERM or SIGHUP, the work may end here first (the
    // server it waited on was stopped): the signal's own stopping finishes,
    // and the exit status says what ended the launcher.
    system::finish_a_signals_stop();
    code
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    if command == Command::Help {
        println!("{}", cli::USAGE);
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::LearnerHome(course) = &command {
        // Run by the room as a learner, who may not be able to look around
        // the checkout from their home: the course is named.
        println!("{}", room::home::prepare(course)?);
        return Ok(ExitCode::SUCCESS);
    }
    let project = Project::locate()?;
    system::refuse_a_checkout_of_someone_else(&project.root)?;
    system::stop_on_signals()?;
    match command {
        Command::Help => Ok(ExitCode::SUCCESS),
        Command::Lab(opts) => {
            let later = if opts.setup_only {
                Later::Now
            } else {
                Later::Background
            };
            let ready = setup::set_up(&project, Warm::Yes, For::Course, later)?;
            let env = ready.env;
            if opts.setup_only {
                steps::done(&format!(
                    "Set-up complete. Start JupyterLab with `./lab` (kernel \"{}\").",
                    kernel::spec::DISPLAY_NAME
                ));
                return Ok(ExitCode::SUCCESS);
            }
            let folder = work::dir(&project);
            let outcomes = work::prepare(&project, &folder)?;
            for line in work::summary(&folder, &outcomes) {
                println!("{line}");
            }
            // A cluster that would not start costs episode 8 its jobs, not
            // the learner their JupyterLab.
            let _cluster =
                cluster::for_notebooks(&project, &env.slurm).unwrap_or_else(|e| {
                    println!("!! {e:#}");
                    None
                });
            if let Some(later) = &ready.later {
                println!(
                    "Still being set up in the background, at low priority, while you read the \
                     first episodes: {}; its output: {}",
                    later.titles.join("; "),
                    later.log.display()
                );
            }
            // What later episodes load compiles while the learner reads
            // the first ones; it stops when ./lab does.
            let _warming = match kernel::warm::warm_rest_in_background(&project, &env) {
                Ok(Some(w)) => {
                    println!(
                        "Compiling what later episodes load besides the support crate (their \
                         other :dep lines) in the background, at low priority; its output: {}",
                        w.log().display()
                    );
                    Some(w)
                }
                Ok(None) => None,
                Err(e) => {
                    println!("!! the background warm-up did not start: {e:#}");
                    None
                }
            };
            server::start(&project, &env, &opts, &folder)
        }
        Command::Test(opts) => {
            let env = setup::set_up(&project, Warm::No, For::Tests, Later::Now)?.env;
            testing::run(&project, &env, &opts)
        }
        Command::Bench(args) => bench::run(&project, &args),
        Command::Lint => lint::run(&project),
        Command::Rehearse { yes } => rehearse::run(&project, yes),
        Command::Room(args) => room::run(&project, room::parse(args)?),
        Command::LearnerHome(_) => Ok(ExitCode::SUCCESS),
        Command::Publish => {
            let env = setup::set_up(&project, Warm::No, For::Course, Later::Now)?.env;
            let _cluster = cluster::for_notebooks(&project, &env.slurm)?;
            publish::run(&project, &env)
        }
        Command::Execute(notebooks) => {
            let env = setup::set_up(&project, Warm::No, For::Course, Later::Now)?.env;
            let _cluster = cluster::for_notebooks(&project, &env.slurm)?;
            executed::execute_command(&project, &env, &notebooks)
        }
    }
}
