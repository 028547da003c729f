//! Set-up: install what is missing, skip what is done.
//!
//! Set-up runs its steps ([`Part`]) in a fixed order, numbered as they
//! run. Every step first checks whether its work is already done (a
//! version list, a stamp file, a file's content) so that a second run
//! takes seconds. The order has two rules:
//!
//! * every system package is installed before the first `cargo` build
//!   ([`packages`]), because build scripts probe the system when they
//!   first run;
//! * work that waits on the network or has idle cores to spare runs in the
//!   background: the Python environments while apt-get installs, the
//!   kernel's six-minute build while the course's own programs compile.
//!   Each background step writes its output to a log under
//!   `.course/logs/`, and the summary at the end says where the time went.
//!
//! | module | what |
//! |---|---|
//! | [`packages`] | the system packages, in one list, installed in one step |
//! | [`apt`] | apt-get, as root |
//! | [`toolchain`] | cargo and the `rust-src` component |
//! | [`python`] | a system Python, and venvs installed from lock files |
//! | [`helpers`] | the helper programs the notebooks start |
//! | [`docs`] | the crates' documentation in `notebooks/api/` |
//! | [`mpi`] | the MPI program of episode 8 |
//! | [`slurm`] | Slurm for episode 8's cluster |
//! | [`snakemake`] | Snakemake, in a venv of its own, for episode 12 |
//! | [`maturin`] | maturin, in a venv of its own, and episode 9's PyO3 module |
//!
//! The kernel's own steps (its build, the kernelspec, the warm-up) are in
//! [`crate::kernel`].

pub mod apt;
pub mod docs;
pub mod helpers;
pub mod maturin;
pub mod mpi;
pub mod packages;
pub mod python;
pub mod slurm;
pub mod snakemake;
pub mod toolchain;

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::Context as _;

use crate::env::{Env, Mpi, Slurm};
use crate::kernel;
use crate::project::Project;
use crate::steps::Steps;
use python::Python;

/// Whether set-up ends by warming the kernel (compiling what the first
/// notebooks load), which `./lab` does and the other commands skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warm {
    /// Warm the kernel.
    Yes,
    /// Do not.
    No,
}

/// When the steps no notebook needs first run: the helper programs and
/// documentation, the MPI program, the PyO3 module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Later {
    /// In order, before set-up returns (tests, `--setup-only`, publishing).
    Now,
    /// After set-up returns, in a thread of their own at the lowest CPU
    /// priority, while JupyterLab starts and the learner reads episode 0
    /// (`./lab`).
    Background,
}

/// What set-up leaves: what later stages need, and the steps still running
/// in the background (see [`Later`]).
pub struct Ready {
    /// What the commands after set-up need.
    pub env: Env,
    /// The steps set-up left to the background, if any; dropping it leaves
    /// them running until the launcher ends.
    pub later: Option<LaterSteps>,
}

/// Steps running in the background after set-up returned.
pub struct LaterSteps {
    /// Their log.
    pub log: PathBuf,
    /// Their titles.
    pub titles: Vec<String>,
    _thread: std::thread::JoinHandle<()>,
}

/// Which command set-up serves; each needs what the one before it needs,
/// and more: a room needs a Python every user can run and Node.js, the
/// tests (which try a room) a browser too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum For {
    /// `./lab`, `./lab execute`, `./lab publish`.
    Course,
    /// `./lab room`.
    Room,
    /// `./lab test`.
    Tests,
}

/// The steps of set-up, in the order their headers show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// cargo and a Python that makes venvs.
    Tools,
    /// JupyterLab's, Snakemake's and maturin's venvs (in the background).
    PythonEnvs,
    /// Every system package, in one apt-get call.
    SystemPackages,
    /// rustup's `rust-src`.
    RustSrc,
    /// The course kernel's build (in the background).
    Kernel,
    /// The helper programs and the documentation.
    Helpers,
    /// The MPI program.
    Mpi,
    /// Whether the cluster can run.
    Slurm,
    /// The PyO3 module (needs maturin's venv).
    PyO3,
    /// The kernelspec (needs the kernel and the venv).
    Kernelspec,
    /// The warm-up (only `./lab`).
    Warm,
}

impl Part {
    /// Every step, in order.
    pub const ALL: [Part; 11] = [
        Part::Tools,
        Part::PythonEnvs,
        Part::SystemPackages,
        Part::RustSrc,
        Part::Kernel,
        Part::Helpers,
        Part::Mpi,
        Part::Slurm,
        Part::PyO3,
        Part::Kernelspec,
        Part::Warm,
    ];

    /// The step's header, for a run serving `serves`.
    pub fn title(self, serves: For) -> String {
        match self {
            Part::Tools => "Checking for cargo and Python 3 with venv".into(),
            Part::PythonEnvs => "Python environments: JupyterLab (.venv), Snakemake and \
                                 maturin (locked, with hashes)"
                .into(),
            Part::SystemPackages => {
                let what: Vec<&str> = packages::needs(serves).map(|n| n.what).collect();
                format!("System packages: {}", what.join("; "))
            }
            Part::RustSrc => {
                "rust-src component (for the kernel's type inference)".into()
            }
            Part::Kernel => {
                "The course kernel (evcxr with the course's extensions)".into()
            }
            Part::Helpers => {
                "Helper programs (worker processes, release-parity check) and \
                              the crates' documentation"
                    .into()
            }
            Part::Mpi => "The MPI program of episode 8".into(),
            Part::Slurm => "Slurm for episode 8's cluster".into(),
            Part::PyO3 => "Episode 9's PyO3 module (Rust called from Python)".into(),
            Part::Kernelspec => format!("Kernelspec \"{}\" in .venv", kernel::spec::NAME),
            Part::Warm => "Warming the kernel: the support crate, which every notebook \
                           loads first"
                .into(),
        }
    }

    /// Whether a step can wait until JupyterLab runs: nothing the first
    /// notebook runs needs it.
    pub fn can_wait(self) -> bool {
        matches!(self, Part::Helpers | Part::Mpi | Part::PyO3)
    }

    /// The steps a run makes: all but the warm-up when it does not warm.
    pub fn plan(warm: Warm) -> Vec<Part> {
        Part::ALL
            .into_iter()
            .filter(|p| *p != Part::Warm || warm == Warm::Yes)
            .collect()
    }
}

/// The log of a background step.
fn log_of(project: &Project, name: &str) -> PathBuf {
    project.logs_dir().join(format!("setup-{name}.log"))
}

/// Said when a step needs what an earlier one finds and it is missing:
/// a mistake in [`Part::ALL`]'s order, not in the machine.
const OUT_OF_ORDER: &str = "set-up's steps ran out of order (a step needs what an earlier one \
                            finds); please report this";

/// Runs every step of set-up, in [`Part::plan`]'s order (those that can
/// wait in the background when `later` says so), and returns what later
/// stages need.
pub fn set_up(
    project: &Project,
    warm: Warm,
    serves: For,
    later: Later,
) -> anyhow::Result<Ready> {
    let plan = Part::plan(warm);
    let deferred: Vec<Part> = plan
        .iter()
        .copied()
        .filter(|p| later == Later::Background && p.can_wait())
        .collect();
    let mut steps = Steps::new(plan.len() - deferred.len());
    let plan = plan.into_iter().filter(|p| *p != Part::Tools);
    // Found first, outside the scope: the background steps borrow them.
    let (cargo, python) = steps.run(&Part::Tools.title(serves), || {
        let cargo = toolchain::find_cargo()?;
        let python = python::find_python()?;
        let found = format!(
            "found {} and {}",
            toolchain::describe_version(&cargo, "--version"),
            python.version
        );
        Ok(((cargo, python), found))
    })?;
    let (cargo, python) = (&cargo, &python);
    let env = std::thread::scope(|scope| -> anyhow::Result<Env> {
        let mut envs = None;
        let mut kernel_build = None;
        let mut program: Option<PathBuf> = None;
        let (mut mpi, mut slurm) = (None, None);
        for part in plan {
            let title = part.title(serves);
            if deferred.contains(&part) {
                if part == Part::Mpi {
                    mpi = Some(Mpi::Missing(
                        "the MPI program is being built in the background".into(),
                    ));
                }
                continue;
            }
            match part {
                // Run above.
                Part::Tools => {}
                Part::PythonEnvs => {
                    let log = log_of(project, "python");
                    envs = Some(steps.start(scope, &title, &log, move || {
                        python_envs(project, python)
                    })?);
                }
                Part::SystemPackages => {
                    steps.run(&title, || Ok(((), packages::ensure(serves)?)))?
                }
                Part::RustSrc => {
                    steps.run(&title, || Ok(((), toolchain::ensure_rust_src()?)))?
                }
                Part::Kernel => {
                    let log = log_of(project, "kernel");
                    kernel_build = Some(steps.start(scope, &title, &log, move || {
                        let (program, changed) =
                            kernel::install::ensure_kernel(project, cargo)?;
                        let evcxr = kernel::install::evcxr_version(project)?;
                        let outcome = if changed {
                            format!("built on evcxr {evcxr}; installed in .course/bin/")
                        } else {
                            format!("up to date (evcxr {evcxr})")
                        };
                        Ok((program, outcome))
                    })?);
                }
                Part::Helpers => steps.run(&title, || {
                    helpers::build(project, cargo)?;
                    docs::build_api_docs(project, cargo)?;
                    Ok(((), "built; documentation in notebooks/api/".into()))
                })?,
                Part::Mpi => {
                    mpi = Some(steps.run(&title, || mpi::ensure(project, cargo))?);
                }
                Part::Slurm => slurm = Some(steps.run(&title, slurm::ensure)?),
                Part::PyO3 => {
                    if let Some(envs) = envs.take() {
                        steps.wait(envs)?;
                    }
                    steps.run(&title, || Ok(((), maturin::build(project)?)))?
                }
                Part::Kernelspec => {
                    if let Some(build) = kernel_build.take() {
                        program = Some(steps.wait(build)?);
                    }
                    let program = program.as_deref().context(OUT_OF_ORDER)?;
                    steps.run(&title, || {
                        let written =
                            kernel::install::install_kernelspec(project, program, cargo)?;
                        let what = if written { "written" } else { "up to date" };
                        // Dead kernels leave their build folders behind (some
                        // 70 MB each).
                        let removed = kernel::stale::remove_stale(
                            &kernel::install::build_dir(project)?,
                        );
                        Ok(((), format!("{what}; {removed}")))
                    })?
                }
                Part::Warm => {
                    let env = env_of(project, cargo, &mpi, &slurm)?;
                    steps.run(&title, || {
                        Ok(((), kernel::warm::ensure_warm_first(project, &env)?))
                    })?
                }
            }
        }
        // A background step the plan never waited for is waited for here,
        // so that its failure is not lost.
        if let Some(envs) = envs {
            steps.wait(envs)?;
        }
        if let Some(build) = kernel_build {
            steps.wait(build)?;
        }
        env_of(project, cargo, &mpi, &slurm)
    })?;
    println!("{}", steps.summary());
    let later = if deferred.is_empty() {
        None
    } else {
        Some(start_later(project, cargo, serves, &deferred)?)
    };
    Ok(Ready { env, later })
}

/// Runs `parts` one after the other in a thread of its own, at the lowest
/// CPU priority, with their output in `.course/logs/setup-later.log`.
fn start_later(
    project: &Project,
    cargo: &OsString,
    serves: For,
    parts: &[Part],
) -> anyhow::Result<LaterSteps> {
    let log = log_of(project, "later");
    std::fs::create_dir_all(project.logs_dir())?;
    let file = std::fs::File::create(&log)
        .with_context(|| format!("creating {}", log.display()))?;
    let titles: Vec<String> = parts.iter().map(|p| p.title(serves)).collect();
    let (project, cargo, parts) = (project.clone(), cargo.clone(), parts.to_vec());
    let thread = std::thread::Builder::new()
        .name("set-up later".into())
        .spawn(move || {
            crate::system::lower_this_threads_priority();
            crate::steps::log_to(file);
            for part in parts {
                let title = part.title(serves);
                crate::steps::say(&format!("== {title}"));
                let started = std::time::Instant::now();
                let outcome = match part {
                    Part::Helpers => helpers::build(&project, &cargo)
                        .and_then(|()| docs::build_api_docs(&project, &cargo))
                        .map(|()| "built; documentation in notebooks/api/".to_string()),
                    Part::Mpi => {
                        mpi::ensure(&project, &cargo).map(|(_, outcome)| outcome)
                    }
                    Part::PyO3 => maturin::build(&project),
                    _ => Ok(String::new()),
                };
                crate::steps::say(&match outcome {
                    Ok(o) => {
                        format!("   {o} ({})", crate::steps::seconds(started.elapsed()))
                    }
                    Err(e) => format!("   FAILED: {e:#}"),
                });
            }
            crate::steps::say("== done");
        })
        .context("could not start the set-up's background thread")?;
    Ok(LaterSteps {
        log,
        titles,
        _thread: thread,
    })
}

/// What the commands after set-up need, from what its steps found.
fn env_of(
    project: &Project,
    cargo: &OsString,
    mpi: &Option<Mpi>,
    slurm: &Option<Slurm>,
) -> anyhow::Result<Env> {
    Ok(Env {
        python: project.venv_bin("python"),
        jupyter: project.venv_bin("jupyter"),
        cargo: cargo.clone(),
        mpi: mpi.clone().context(OUT_OF_ORDER)?,
        slurm: slurm.clone().context(OUT_OF_ORDER)?,
    })
}

/// The three Python environments, one after the other (pip's work is
/// mostly waiting on the network, done while apt-get installs).
fn python_envs(project: &Project, python: &Python) -> anyhow::Result<((), String)> {
    python::ensure_venv(&project.venv(), python)?;
    let lock = project.kernel_ext().join("requirements.lock");
    let jupyter = python::ensure_locked(&project.venv(), &lock, "jupyter")?;
    let snakemake = snakemake::ensure(project, python)?;
    let maturin = maturin::install(project, python)?;
    Ok((
        (),
        format!(
            "JupyterLab {}; Snakemake {snakemake}; maturin {maturin}",
            if jupyter {
                "already installed"
            } else {
                "installed"
            }
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warming_adds_one_last_step() {
        let cold = Part::plan(Warm::No);
        let warm = Part::plan(Warm::Yes);
        assert_eq!(warm.len(), cold.len() + 1);
        assert_eq!(warm.last(), Some(&Part::Warm));
        assert!(!cold.contains(&Part::Warm));
    }

    #[test]
    fn system_packages_come_before_every_cargo_build() {
        let at = |p: Part| Part::ALL.iter().position(|q| *q == p).unwrap_or(usize::MAX);
        for build in [
            Part::Kernel,
            Part::Helpers,
            Part::Mpi,
            Part::PyO3,
            Part::Warm,
        ] {
            assert!(at(Part::SystemPackages) < at(build), "{build:?}");
        }
    }
}
