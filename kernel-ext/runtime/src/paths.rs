//! Folders of a checkout of the course that the set-up (`./lab`) fills and
//! the support crate reads: one owner for each, shared by both sides.
//!
//! ```
//! use course_kernel_runtime::paths::SNAKEMAKE_VENV;
//! assert!(SNAKEMAKE_VENV.starts_with(".course/"));
//! ```

/// The virtual environment with Snakemake (episode 12), relative to the
/// checkout's root: installed by the set-up from
/// `kernel-ext/snakemake/requirements.lock`.
pub const SNAKEMAKE_VENV: &str = ".course/snakemake-venv";

/// The course's own one-node Slurm cluster (episode 8), relative to the
/// checkout's root: its configuration ([`SLURM_CONF`]), state, logs and
/// munge key. `./lab` and `./lab test` start its daemons when Slurm is
/// installed and stop them when they end.
pub const SLURM_DIR: &str = ".course/slurm";

/// The cluster's configuration file, relative to the checkout's root: what
/// Slurm's commands read through the `SLURM_CONF` environment variable.
pub const SLURM_CONF: &str = ".course/slurm/slurm.conf";
