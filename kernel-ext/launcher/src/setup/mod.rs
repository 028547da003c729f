//! Set-up: install what is missing, skip what is done.
//!
//! Set-up is a list of steps ([`plan`]), run in order and numbered as they
//! run. Every step first checks whether its work is already done (a
//! version list, a stamp file, a file's content) so that a second run
//! takes seconds.
//!
//! | module | what |
//! |---|---|
//! | [`toolchain`] | cargo and the `rust-src` component |
//! | [`python`] | a system Python, and venvs installed from lock files |
//! | [`helpers`] | the helper programs the notebooks start |
//! | [`docs`] | the crates' documentation in `notebooks/api/` |
//! | [`mpi`] | OpenMPI and the MPI program of episode 8 |
//! | [`fortran`] | gfortran (with OpenMP's libgomp) for episode 9 |
//! | [`slurm`] | Slurm and munge for episode 8's cluster |
//! | [`snakemake`] | Snakemake, in a venv of its own, for episode 12 |
//! | [`maturin`] | maturin, in a venv of its own, and episode 9's PyO3 module |
//!
//! The kernel's own steps (evcxr_jupyter, the kernelspec, the warm-up)
//! are in [`crate::kernel`].

pub mod apt;
pub mod docs;
pub mod fortran;
pub mod helpers;
pub mod maturin;
pub mod mpi;
pub mod python;
pub mod slurm;
pub mod snakemake;
pub mod toolchain;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;

use crate::env::{Env, Mpi, Slurm};
use crate::kernel;
use crate::project::Project;
use crate::steps::{self, Steps};
use python::Python;

/// Whether set-up ends by warming the kernel (compiling what the
/// notebooks load), which `./lab` does and the other commands skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warm {
    /// Warm the kernel.
    Yes,
    /// Do not.
    No,
}

/// One step: its title, and the work, which returns the outcome line.
pub struct Step {
    /// What the step does, as its header shows it.
    pub title: String,
    run: fn(&mut Found<'_>) -> anyhow::Result<String>,
}

impl Step {
    fn new(
        title: impl Into<String>,
        run: fn(&mut Found<'_>) -> anyhow::Result<String>,
    ) -> Step {
        Step {
            title: title.into(),
            run,
        }
    }
}

/// The steps of set-up, in order.
pub fn plan(warm: Warm) -> Vec<Step> {
    let mut steps = vec![
        Step::new("Checking for cargo and Python 3 with venv", |f| {
            let cargo = toolchain::find_cargo()?;
            let python = python::find_python()?;
            let found = format!(
                "found {} and {}",
                toolchain::describe_version(&cargo, "--version"),
                python.version
            );
            f.cargo = Some(cargo);
            f.python = Some(python);
            Ok(found)
        }),
        Step::new("Python environment (.venv)", |f| {
            python::ensure_venv(&f.project.venv(), f.python()?)?;
            Ok("ready".into())
        }),
        Step::new(
            "JupyterLab, nbclient and nbconvert (locked, with hashes)",
            |f| {
                let lock = f.project.kernel_ext().join("requirements.lock");
                let skipped = python::ensure_locked(&f.project.venv(), &lock, "jupyter")?;
                Ok(if skipped {
                    "already installed"
                } else {
                    "installed"
                }
                .into())
            },
        ),
        Step::new(
            "rust-src component (for the kernel's type inference)",
            |_| toolchain::ensure_rust_src(),
        ),
        Step::new(
            "The course kernel (evcxr with the course's extensions)",
            |f| {
                let (kernel, changed) =
                    kernel::install::ensure_kernel(f.project, f.cargo()?)?;
                f.kernel = Some(kernel);
                let evcxr = kernel::install::evcxr_version(f.project)?;
                Ok(if changed {
                    format!("built on evcxr {evcxr}; installed in .course/bin/")
                } else {
                    format!("up to date (evcxr {evcxr})")
                })
            },
        ),
        Step::new(
            format!("Kernelspec \"{}\" in .venv", kernel::spec::NAME),
            |f| {
                let program = f.kernel.as_deref().context(OUT_OF_ORDER)?;
                let written =
                    kernel::install::install_kernelspec(f.project, program, f.cargo()?)?;
                let what = if written { "written" } else { "up to date" };
                // Dead kernels leave their build folders behind (some 70 MB each).
                let removed =
                    kernel::stale::remove_stale(&kernel::install::build_dir(f.project)?);
                Ok(format!("{what}; {removed}"))
            },
        ),
        Step::new(
            "Helper programs (worker processes, release-parity check) and the crates' documentation",
            |f| {
                helpers::build(f.project, f.cargo()?)?;
                docs::build_api_docs(f.project, f.cargo()?)?;
                Ok("built; documentation in notebooks/api/".into())
            },
        ),
        Step::new("OpenMPI and the MPI program of episode 8", |f| {
            let (mpi, outcome) = mpi::ensure(f.project, f.cargo()?)?;
            f.mpi = Some(mpi);
            Ok(outcome)
        }),
        Step::new("gfortran for episode 9's Fortran and OpenMP", |_| {
            fortran::ensure()
        }),
        Step::new("Slurm for episode 8's one-node cluster", |f| {
            let (slurm, outcome) = slurm::ensure()?;
            f.slurm = Some(slurm);
            Ok(outcome)
        }),
        Step::new("Snakemake for episode 12 (locked, with hashes)", |f| {
            snakemake::ensure(f.project, f.python()?)
        }),
        Step::new(
            "maturin and episode 9's PyO3 module (Rust called from Python)",
            |f| maturin::ensure(f.project, f.python()?),
        ),
    ];
    if warm == Warm::Yes {
        steps.push(Step::new(
            "Warming the kernel: the support crate, then what each notebook loads after it",
            |f| kernel::warm::ensure_warm(f.project, &f.env()?),
        ));
    }
    steps
}

/// Runs every step of [`plan`] and returns what later stages need.
pub fn set_up(project: &Project, warm: Warm) -> anyhow::Result<Env> {
    let started = Instant::now();
    let plan = plan(warm);
    let mut steps = Steps::new(plan.len());
    let mut found = Found {
        project,
        cargo: None,
        python: None,
        kernel: None,
        mpi: None,
        slurm: None,
    };
    for step in &plan {
        steps.run(&step.title, || {
            let outcome = (step.run)(&mut found)?;
            Ok(((), outcome))
        })?;
    }
    println!("Set-up took {}.", steps::seconds(started.elapsed()));
    found.env()
}

/// Said when a step needs what an earlier one finds and it is missing:
/// a mistake in [`plan`], not in the machine.
const OUT_OF_ORDER: &str = "set-up's steps ran out of order (a step needs what an earlier one \
                            finds); please report this";

/// What the steps have found so far.
pub struct Found<'a> {
    project: &'a Project,
    cargo: Option<OsString>,
    python: Option<Python>,
    kernel: Option<PathBuf>,
    mpi: Option<Mpi>,
    slurm: Option<Slurm>,
}

impl Found<'_> {
    fn cargo(&self) -> anyhow::Result<&OsString> {
        self.cargo.as_ref().context(OUT_OF_ORDER)
    }

    fn python(&self) -> anyhow::Result<&Python> {
        self.python.as_ref().context(OUT_OF_ORDER)
    }

    fn env(&self) -> anyhow::Result<Env> {
        Ok(Env {
            python: self.project.venv_bin("python"),
            jupyter: self.project.venv_bin("jupyter"),
            cargo: self.cargo()?.clone(),
            mpi: self.mpi.clone().context(OUT_OF_ORDER)?,
            slurm: self.slurm.clone().context(OUT_OF_ORDER)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warming_adds_one_last_step() {
        let cold = plan(Warm::No);
        let warm = plan(Warm::Yes);
        assert_eq!(warm.len(), cold.len() + 1);
        assert!(warm.last().unwrap().title.starts_with("Warming the kernel"));
        assert!(cold.iter().all(|s| !s.title.starts_with("Warming")));
    }
}
