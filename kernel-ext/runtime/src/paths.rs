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
