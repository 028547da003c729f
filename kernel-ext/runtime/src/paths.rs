//! Folders of a checkout of the course that the set-up (`./lab`) fills and
//! the support crate reads: one owner for each, shared by both sides.
//!
//! ```
//! use course_kernel_runtime::paths::{MATURIN_VENV, SNAKEMAKE_VENV};
//! assert!(SNAKEMAKE_VENV.starts_with(".course/"));
//! assert!(MATURIN_VENV.starts_with(".course/"));
//! ```

/// The virtual environment with Snakemake (episode 12), relative to the
/// checkout's root: installed by the set-up from
/// `kernel-ext/snakemake/requirements.lock`.
pub const SNAKEMAKE_VENV: &str = ".course/snakemake-venv";

/// The virtual environment with maturin (episode 9), relative to the
/// checkout's root: installed by the set-up from
/// `kernel-ext/maturin/requirements.lock`; `maturin develop` installs the
/// course's PyO3 module (`crates/from-python`) into it.
pub const MATURIN_VENV: &str = ".course/maturin-venv";

/// The crate of episode 9 that Python calls (a PyO3 module, `course_rust`),
/// relative to the checkout's root.
pub const FROM_PYTHON_CRATE: &str = "crates/from-python";

/// Where Cargo builds [`FROM_PYTHON_CRATE`], relative to the checkout's root.
pub const FROM_PYTHON_TARGET: &str = "target/from-python";

/// A file both builders of [`FROM_PYTHON_CRATE`] (the set-up and the support
/// crate) lock while they build, relative to the checkout's root: maturin's
/// `pip install` must not run twice at once into one environment.
pub const FROM_PYTHON_LOCK: &str = "target/from-python/.course-build.lock";

/// The arguments both builders give maturin, run in [`FROM_PYTHON_CRATE`]
/// with `VIRTUAL_ENV` set to [`MATURIN_VENV`] and `CARGO_TARGET_DIR` to
/// [`FROM_PYTHON_TARGET`]: one command, so that neither rebuilds what the
/// other built.
pub const MATURIN_ARGS: [&str; 3] = ["develop", "--release", "--locked"];

/// The course's own Slurm cluster of emulated nodes (episodes 8, 12 and
/// 15), relative to the checkout's root: its configuration ([`SLURM_CONF`]),
/// state, logs, munge key and accounting database. `./lab` and `./lab test`
/// start its daemons when Slurm is installed and stop them when they end.
pub const SLURM_DIR: &str = ".course/slurm";

/// The cluster's configuration file, relative to the checkout's root: what
/// Slurm's commands read through the `SLURM_CONF` environment variable.
pub const SLURM_CONF: &str = ".course/slurm/slurm.conf";
