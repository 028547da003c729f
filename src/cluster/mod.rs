//! Beyond one machine (episode 8): MPI programs started with `mpirun`
//! from a cell, and the Slurm job script that runs the same program on a
//! cluster.
//!
//! The kernel never initialises MPI itself: a cell starts `mpirun`, which
//! starts `K` copies (ranks) of an MPI program, and this module collects
//! what they print, each rank's lines together, with the wall time of the
//! whole run.
//!
//! ```no_run
//! use parallel_course::cluster::{mpi_program, mpirun};
//!
//! let run = mpirun(mpi_program("integral-mpi")?, 2, ["10000"])?;
//! println!("{run}");
//! let total = run.value("total"); // the program printed `total = …`
//! # Ok::<(), parallel_course::Error>(())
//! ```
//!
//! On a cluster the same program is started by the batch system:
//! [`SlurmJob`] writes the job script.
//!
//! | module | what |
//! |---|---|
//! | `mpi` | [`mpi_program`], [`mpirun`] and its builder [`Mpirun`], and [`MpiOutput`] |
//! | `slurm` | [`SlurmJob`], the batch script for a cluster |
//! | `submit` | [`SlurmJob::submit`], [`SubmittedJob`] and its [`JobReport`]; [`slurm_status`], [`slurm_nodes`], [`squeue`] |
//! | `accounting` | [`JobAccounting`]: what `sacct` kept of a job, and `seff`'s efficiencies; [`sacct`] |

mod accounting;
mod mpi;
mod slurm;
mod submit;

pub use accounting::{AccountingRow, JobAccounting, job_accounting, sacct};
pub use mpi::{MpiOutput, Mpirun, mpi_program, mpirun};
pub use slurm::SlurmJob;
pub use submit::{
    JobReport, SubmittedJob, course_slurm_conf, slurm_conf_problem, slurm_nodes,
    slurm_status, squeue,
};
