//! The course kernel: evcxr_jupyter under a kernelspec of its own, with
//! release-grade settings, a build folder that lets evcxr cache the
//! support crate, and a warm-up that fills that cache before a learner
//! opens a notebook.
//!
//! Its files are in `kernel-ext/kernel/`: `init.evcxr` (evcxr's
//! configuration, run when a kernel starts) and `build-folder.toml` (the
//! Cargo configuration of the kernels' build folder).
//!
//! | module | what |
//! |---|---|
//! | [`spec`] | the kernelspec's name and text |
//! | [`install`] | evcxr_jupyter, the kernelspec and the build folder on this machine |
//! | [`warm`] | the warm-up and the fingerprint that says when it is due |
//! | [`stale`] | removing the build folders dead kernels left behind |
//! | [`runner`] | the headless notebook runner, which executes notebooks through the kernel |

pub mod install;
pub mod runner;
pub mod spec;
pub mod stale;
pub mod warm;

use std::path::PathBuf;

use crate::project::Project;

/// The folder with the kernel's own files (`EVCXR_CONFIG_DIR`).
pub fn config_dir(project: &Project) -> PathBuf {
    project.kernel_ext().join("kernel")
}
