//! Worker processes (episode 4): the π estimate shared out among separate
//! programs, each started with [`std::process::Command`] and answering
//! through a pipe.
//!
//! Processes share no memory, so nothing can race, but every worker costs
//! a program start (a millisecond or so) and its input and output must be
//! written out as text. Compare [`pi_processes`] with
//! [`pi_threads`](super::pi::pi_threads) over growing `n` to see when that
//! start-up cost stops mattering.
//!
//! The worker program is the crate's binary `pi-worker`. `./lab` builds it
//! (in release mode) into `target/release/`; [`worker_program`] finds it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};
use crate::workloads::pi::{chunk_ranges, estimate_from};

/// Where `./lab` builds the worker program: `target/release/pi-worker`
/// in the course folder.
pub fn worker_program() -> PathBuf {
    let name = if cfg!(windows) {
        "pi-worker.exe"
    } else {
        "pi-worker"
    };
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("release")
        .join(name)
}

/// Estimates π with `processes` worker processes, each counting its share
/// of the chunks of [`pi_chunked`](super::pi::pi_chunked), so the result
/// equals it exactly.
///
/// ```no_run
/// use parallel_course::workloads::processes::pi_processes;
/// let pi = pi_processes(10_000_000, 42, 4)?;
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] if `processes` is 0, [`Error::Setup`] if
/// the worker program is not built, [`Error::Worker`] if a worker fails.
pub fn pi_processes(n: u64, seed: u64, processes: usize) -> Result<f64> {
    pi_processes_with(&worker_program(), n, seed, processes)
}

/// [`pi_processes`] with the worker program at `program`.
///
/// # Errors
///
/// As for [`pi_processes`].
pub fn pi_processes_with(
    program: &Path,
    n: u64,
    seed: u64,
    processes: usize,
) -> Result<f64> {
    let processes = crate::error::positive("processes", processes, "1 or more")? as u64;
    if !program.is_file() {
        return Err(Error::Setup(format!(
            "the worker program {} is not built. Run `./lab --setup-only` in the course folder, \
             or `cargo build --release --bin pi-worker` there.",
            program.display()
        )));
    }
    // Start every worker first, then collect: they run at the same time.
    let mut children = Vec::with_capacity(processes as usize);
    for range in chunk_ranges(n, processes) {
        let child = Command::new(program)
            .args([n, seed, range.start, range.end].map(|v| v.to_string()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::io(format!("starting {}", program.display()), e))?;
        children.push(child);
    }
    let mut inside = 0u64;
    let mut failure = None;
    for child in children {
        // Wait for every child even after a failure, so none is left over.
        match read_count(child) {
            Ok(count) => inside += count,
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(estimate_from(inside, n)),
    }
}

fn read_count(child: std::process::Child) -> Result<u64> {
    let out = child
        .wait_with_output()
        .map_err(|e| Error::io("waiting for a worker process", e))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(Error::Worker(format!(
            "worker process exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    text.trim().parse().map_err(|_| {
        Error::Worker(format!("worker process answered {text:?}, not a count"))
    })
}
