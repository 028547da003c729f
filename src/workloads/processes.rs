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

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

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

/// The course's helper program `name` (`"pi-worker"`, or episode 11's
/// `"matmul-worker"`), where `./lab` builds it: `target/release/` in the
/// course folder.
///
/// ```no_run
/// use parallel_course::workloads::processes::helper_program;
/// let worker = helper_program("matmul-worker")?;
/// let out = std::process::Command::new(worker)
///     .args(["500", "2"])
///     .env("MATMUL_NUM_THREADS", "1")
///     .output()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] if `name` is empty or holds a path
/// separator, [`Error::Setup`] if the program is not built, with the
/// command that builds it.
pub fn helper_program(name: &str) -> Result<PathBuf> {
    if name.is_empty() || name.contains(['/', '\\']) {
        return Err(Error::invalid(
            "name",
            format!("{name:?}"),
            "a helper program's name, such as \"matmul-worker\"",
        ));
    }
    let file = if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_string()
    };
    let program = worker_program().with_file_name(file);
    if program.is_file() {
        Ok(program)
    } else {
        Err(Error::Setup(format!(
            "the helper program {} is not built. Run `./lab --setup-only` in the course folder, \
             or `cargo build --release -p {name}` there (`--bin pi-worker` for pi-worker).",
            program.display()
        )))
    }
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
    count_with_workers(chunk_ranges(n, processes), |range| {
        Command::new(program)
            .args([n, seed, range.start, range.end].map(|v| v.to_string()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::io(format!("starting {}", program.display()), e))
    })
    .map(|inside| estimate_from(inside, n))
}

/// Worker processes not yet collected. Dropping them (after a failed
/// start, say) kills and waits for each, so no worker outlives the call.
struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts one worker per range, all before collecting any so they run at
/// the same time, then adds up their counts. On every path each started
/// worker is waited for: after a failed start the ones already running are
/// killed, and after a failed worker the others are still collected.
fn count_with_workers(
    ranges: impl Iterator<Item = Range<u64>>,
    mut start: impl FnMut(Range<u64>) -> Result<Child>,
) -> Result<u64> {
    let mut workers = Workers(Vec::new());
    for range in ranges {
        workers.0.push(start(range)?);
    }
    let mut inside = 0u64;
    let mut failure = None;
    while let Some(child) = workers.0.pop() {
        match read_count(child) {
            Ok(count) => inside += count,
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(inside),
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Whether a process with this id exists (a zombie, not yet waited
    /// for, counts as existing).
    fn exists(pid: u32) -> bool {
        let pid = libc::pid_t::try_from(pid).expect("pid fits pid_t");
        // SAFETY: signal 0 only checks that the process exists.
        unsafe { libc::kill(pid, 0) == 0 }
    }

    #[test]
    fn workers_already_started_are_killed_and_reaped_when_a_later_start_fails() {
        let mut started = Vec::new();
        let err = count_with_workers((0..3u64).map(|i| i..i + 1), |i| {
            if i.start == 2 {
                return Err(Error::Worker("the third start fails".into()));
            }
            let child = Command::new("sleep")
                .arg("30")
                .spawn()
                .map_err(|e| Error::io("starting sleep", e))?;
            started.push(child.id());
            Ok(child)
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "a worker failed: the third start fails");
        assert_eq!(started.len(), 2);
        let survivors: Vec<u32> =
            started.iter().copied().filter(|&p| exists(p)).collect();
        for &pid in &survivors {
            // SAFETY: plain kill of a process this test started.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
        assert!(survivors.is_empty(), "workers left running: {survivors:?}");
    }
}
