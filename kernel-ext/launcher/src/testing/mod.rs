//! The test command: the lab server, the crate tests, then every notebook
//! through the real kernel, the kernel's own behaviour (cache,
//! interrupts), the published site in a browser, and the in-kernel against
//! release-build comparison.
//!
//! | module | what |
//! |---|---|
//! | [`lab_server`] | JupyterLab's token: required, and on no command line |
//! | [`browser`] | the published site and JupyterLab in headless Chromium |
//! | [`parity`] | the in-kernel against release-build ratio |

mod browser;
pub use browser::find_chromium;
mod lab_server;
mod parity;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::Context;

use crate::cli::TestOptions;
use crate::cluster;
use crate::env::{Env, Mpi};
use crate::executed;
use crate::kernel::spec;
use crate::project::Project;
use crate::steps;
use crate::system;

/// Runs the tests `opts` asks for; the exit code says whether all passed.
pub fn run(project: &Project, env: &Env, opts: &TestOptions) -> anyhow::Result<ExitCode> {
    if opts.browser_only {
        return browser_only(project, env);
    }
    let mut failures = Vec::new();
    let mut check = |passed: bool, what: &'static str| {
        if !passed {
            failures.push(what);
        }
    };
    check(
        section(
            "Lab server",
            "(./lab's JupyterLab answers its token, refuses requests without it, and no command line shows it)",
            || lab_server::check(project, env),
        )?,
        "lab server",
    );
    check(
        section(
            "./lab stopped by a signal",
            "(SIGTERM, then SIGHUP, to a running ./lab --no-browser: it ends and leaves no JupyterLab, process or daemon it started)",
            || lab_server::stops_on_signals(project),
        )?,
        "./lab stopped by a signal",
    );
    // The cluster serves the crate tests and episode 8, and stops at the end.
    // Why it did not start, said again at the very end, where a log's
    // tail shows it.
    let mut cluster_error = None;
    let cluster_guard = match cluster::for_notebooks(project, &env.slurm) {
        Ok(cluster) => cluster,
        Err(e) => {
            println!("!! {e:#}");
            cluster_error = Some(format!("{e:#}"));
            None
        }
    };
    if cluster_guard.is_none() && system::under_ci() {
        println!(
            "!! Under CI=true the course's Slurm cluster must run: this is a failure."
        );
        check(false, "Slurm cluster");
    }
    if opts.crate_tests {
        check(
            section(
                "Crate tests",
                "(cargo test --workspace --locked --no-fail-fast)",
                || {
                    Ok(Command::new(&env.cargo)
                        .args(["test", "--workspace", "--locked", "--no-fail-fast"])
                        .current_dir(&project.root)
                        .status()
                        .context("could not run cargo test")?
                        .success())
                },
            )?,
            "crate tests",
        );
        check(
            section(
                "Patches of the vendored evcxr",
                "(its unit tests of the course's patches, built beside the kernel's own build)",
                || vendored_patch_tests(project, env),
            )?,
            "vendored evcxr's patch tests",
        );
    }
    if opts.notebooks {
        let (notebooks, mpi_ok) = notebooks_to_run(project, env)?;
        check(mpi_ok, "MPI notebooks not run");
        let detail = format!(
            "through the \"{}\" kernel, each from a fresh kernel",
            spec::NAME
        );
        let ran = section("Notebooks", &detail, || {
            executed::execute(project, env, &notebooks)
        })?;
        check(ran, "notebooks");
        check(
            section(
                "Kernel behaviour",
                "(edits reach new kernels, one rayon pool, interrupts keep variables, no process outlives \
                 its cell, live output, magics, start and cell times, 8 kernels at once, locked versions, \
                 bad inputs to every helper of the prelude, a killed server, forged output, the console)",
                || kernel_behaviour(project, env),
            )?,
            "kernel behaviour",
        );
        check(
            section(
                "Room",
                "(./lab room with 8 learners logging in through JupyterHub at once, each running \
                 00-setup-check's first cells in a course kernel; then learner B tries to reach \
                 learner A; then the room stopped with nothing left; then 2 learners whose servers \
                 are Slurm jobs)",
                || room(project, env),
            )?,
            "room",
        );
        if ran {
            check(
                section(
                    "Published site in a browser",
                    "(./lab publish from this run's notebooks; every page of both editions, then \
                     the first notebook run in JupyterLab, in headless Chromium)",
                    || browser::check(project, env),
                )?,
                "site and browser",
            );
            println!(
                "\n== In-kernel against release build (same workload, same machine)"
            );
            match parity::read(project) {
                Ok(line) => println!("{line}"),
                Err(e) => {
                    println!("could not compare: {e:#}");
                    check(false, "release parity");
                }
            }
        }
    }
    if failures.is_empty() {
        steps::done("All tests passed.");
        Ok(ExitCode::SUCCESS)
    } else {
        steps::done(&format!("FAILED: {}.", failures.join(", ")));
        if let Some(why) = cluster_error {
            println!("The Slurm cluster did not start: {why}");
        }
        Ok(ExitCode::from(1))
    }
}

/// The course notebooks and the kernel's check notebooks, without those
/// that run MPI programs when MPI is missing; and `false` when that
/// leaves a notebook out under CI, where every notebook must run.
fn notebooks_to_run(
    project: &Project,
    env: &Env,
) -> anyhow::Result<(Vec<PathBuf>, bool)> {
    let mut notebooks = project.course_notebooks()?;
    let mut complete = true;
    if let Mpi::Missing(why) = &env.mpi {
        let (mpi, others): (Vec<PathBuf>, Vec<PathBuf>) =
            notebooks.into_iter().partition(|nb| runs_mpi(nb));
        notebooks = others;
        let names: Vec<String> = mpi
            .iter()
            .filter_map(|nb| nb.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        println!("\n!! SKIPPING {}: {why}", names.join(", "));
        if system::under_ci() {
            println!("!! Under CI=true every notebook must run: this is a failure.");
            complete = false;
        }
    }
    notebooks.extend(project.kernel_check_notebooks()?);
    Ok((notebooks, complete))
}

/// How many simulated learners the room's load test logs in.
const ROOM_LEARNERS: &str = "8";

/// The room's load and isolation test (`tests/room_test.py`): root only,
/// since a room makes Unix users; elsewhere skipped, loudly, and under
/// `CI=true` failed.
fn room(project: &Project, env: &Env) -> anyhow::Result<bool> {
    if !(cfg!(target_os = "linux") && system::running_as_root()) {
        println!(
            "SKIPPED: a room makes Unix users and cgroups, so its test runs as root on Linux."
        );
        return Ok(!system::under_ci());
    }
    let run = |extra: &[&str]| -> anyhow::Result<bool> {
        Ok(Command::new(&env.python)
            .arg(project.root.join("tests/room_test.py"))
            .args(extra)
            .arg(&project.root)
            .current_dir(&project.root)
            .status()
            .context("could not run the room's test")?
            .success())
    };
    let local = run(&["--learners", ROOM_LEARNERS])?;
    // HPC mode: each learner's JupyterLab a Slurm job on the course's cluster.
    let slurm = match &env.slurm {
        crate::env::Slurm::Ready => run(&["--learners", "2", "--slurm"])?,
        crate::env::Slurm::Missing(why) => {
            println!("SKIPPED the room's HPC mode: {why}");
            !system::under_ci()
        }
    };
    Ok(local && slurm)
}

/// The kernel's own behaviour, checked by `tests/kernel_behaviour.py`.
fn kernel_behaviour(project: &Project, env: &Env) -> anyhow::Result<bool> {
    Ok(Command::new(&env.python)
        .arg(project.root.join("tests/kernel_behaviour.py"))
        .arg("--kernel")
        .arg(spec::NAME)
        .arg(&project.root)
        .current_dir(&project.root)
        .status()
        .context("could not run the kernel checks")?
        .success())
}

/// `./lab test --browser-only`: executes the notebooks that have no
/// up-to-date executed copy, then the browser section alone.
fn browser_only(project: &Project, env: &Env) -> anyhow::Result<ExitCode> {
    let stale = executed::stale(project, &project.course_notebooks()?);
    if !stale.is_empty() {
        println!(
            "\nExecuting {} notebooks without an executed copy newer than the notebook",
            stale.len()
        );
        if !executed::execute(project, env, &stale)? {
            steps::done("FAILED: notebooks (see above).");
            return Ok(ExitCode::from(1));
        }
    }
    let ok = section(
        "Published site in a browser",
        "(every page of both editions, then the first notebook run in JupyterLab)",
        || browser::check(project, env),
    )?;
    steps::done(if ok {
        "All tests passed."
    } else {
        "FAILED: site and browser."
    });
    Ok(ExitCode::from(if ok { 0 } else { 1 }))
}

/// Runs one part of the tests between a header and a line saying whether
/// it passed and how long it took.
fn section(
    name: &str,
    detail: &str,
    run: impl FnOnce() -> anyhow::Result<bool>,
) -> anyhow::Result<bool> {
    println!("\n== {name} {detail}");
    let (ok, took) = steps::timed(run)?;
    let verdict = if ok { "passed" } else { "FAILED" };
    println!("== {name} {verdict} in {}", steps::seconds(took));
    Ok(ok)
}

/// Whether a notebook starts MPI programs (it asks for one with
/// `mpi_program(`), so it needs OpenMPI.
fn runs_mpi(notebook: &Path) -> bool {
    std::fs::read_to_string(notebook).is_ok_and(|text| text.contains("mpi_program("))
}

/// The vendored evcxr's unit tests of the course's patches
/// (`kernel-ext/vendor/PATCHES.md`), compiled in the kernel's own build
/// folder with its release settings, so that only evcxr's test program is
/// built (some 10 s to a minute), never rust-analyzer again.
fn vendored_patch_tests(project: &Project, env: &Env) -> anyhow::Result<bool> {
    Ok(Command::new(&env.cargo)
        .args([
            "test",
            "--release",
            "--locked",
            "-p",
            "evcxr",
            "--lib",
            "--manifest-path",
        ])
        .arg(project.kernel_ext().join("kernel/Cargo.toml"))
        // The modules the course's patches touch (PATCHES.md).
        .args(["--", "rust_analyzer::test::", "module::cache::tests::"])
        .env(
            "CARGO_TARGET_DIR",
            crate::kernel::install::kernel_build_dir()?,
        )
        // As the kernel's build does: rust-analyzer's crates read `CI`.
        .env_remove("CI")
        .status()
        .context("could not run cargo test on the vendored evcxr")?
        .success())
}
