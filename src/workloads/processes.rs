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
//! The worker programs are the crate's binaries `pi-worker` and (for the
//! 2-D integral of episode 8) `integral-worker`. `./lab` builds them (in
//! release mode) into `target/release/`; [`worker_program`] finds
//! `pi-worker`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::error::{Error, Result};
use crate::workloads::pi::{chunk_ranges, estimate_from};

/// Where `./lab` builds the worker program: `target/release/pi-worker`
/// in the course folder.
pub fn worker_program() -> PathBuf {
    release_program("pi-worker")
}

/// Where the course's helper programs are built: `target/release/` in the
/// course folder (what Snakemake's jobs find on their `PATH`, too).
pub(crate) fn helpers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("release")
}

/// `target/release/NAME` in the course folder (`NAME.exe` on Windows).
fn release_program(name: &str) -> PathBuf {
    let file = if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_string()
    };
    helpers_dir().join(file)
}

/// This crate's own programs (`src/bin/`); the other helper programs are
/// packages of the course's workspace.
const CRATE_PROGRAMS: [&str; 3] = ["pi-worker", "integral-worker", "course-step"];

/// `program` if it is built, else [`Error::Setup`] with the command that
/// builds the helper program `name`.
fn checked_program(program: PathBuf, name: &str) -> Result<PathBuf> {
    if program.is_file() {
        return Ok(program);
    }
    let build = if CRATE_PROGRAMS.contains(&name) {
        format!("--bin {name}")
    } else {
        format!("-p {name}")
    };
    Err(Error::Setup(format!(
        "the helper program {} is not built. Run `./lab --setup-only` in the course folder, \
         or `cargo build --release {build}` there.",
        program.display()
    )))
}

/// The course's helper program `name` (the worker processes `pi-worker`
/// and `integral-worker`, or episode 11's `matmul-worker`), where `./lab`
/// builds it: `target/release/` in the course folder.
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
    checked_program(release_program(name), name)
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
    let processes = crate::limits::processes("processes", processes)? as u64;
    let program = checked_program(program.to_path_buf(), "pi-worker")?;
    let counts: Vec<u64> = run_workers(chunk_ranges(n, processes), |range| {
        spawn_worker(&program, [n, seed, range.start, range.end])
    })?;
    Ok(estimate_from(counts.into_iter().sum(), n))
}

/// Starts `program` with `args`, its answer to be read from a pipe by
/// [`run_workers`]. The worker dies with the thread that starts it (on
/// Linux), so that no worker outlives the cell's process.
pub(crate) fn spawn_worker<A: ToString>(
    program: &Path,
    args: impl IntoIterator<Item = A>,
) -> Result<Child> {
    let mut cmd = Command::new(program);
    course_kernel_runtime::children::die_with_parent(&mut cmd)
        .args(args.into_iter().map(|a| a.to_string()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(format!("starting {}", program.display()), e))
}

/// Worker processes not yet collected. Dropping them (after a failed
/// start, an interrupt or a panic) kills and waits for each, so no worker
/// outlives the call; killing one already collected does nothing.
struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts one worker per item, all before collecting any so they run at
/// the same time, then reads each worker's answer (one number on standard
/// output) in the items' order. On every path each started worker is
/// waited for: after a failed start the ones already running are killed,
/// after a failed worker the others are still collected, and after an
/// interrupt (looked for while waiting) all are killed.
pub(crate) fn run_workers<I, T>(
    items: impl IntoIterator<Item = I>,
    mut start: impl FnMut(I) -> Result<Child>,
) -> Result<Vec<T>>
where
    T: std::str::FromStr,
{
    let mut workers = Workers(Vec::new());
    for item in items {
        workers.0.push(start(item)?);
    }
    let mut answers = Vec::with_capacity(workers.0.len());
    let mut failure = None;
    for child in &mut workers.0 {
        match read_answer(child) {
            Ok(answer) => answers.push(answer),
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(answers),
    }
}

fn read_answer<T: std::str::FromStr>(child: &mut Child) -> Result<T> {
    wait_for_output(child);
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    if let Some(mut pipe) = child.stdout.take() {
        let _ = pipe.read_to_end(&mut stdout);
    }
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_end(&mut stderr);
    }
    let status = child
        .wait()
        .map_err(|e| Error::io("waiting for a worker process", e))?;
    let text = String::from_utf8_lossy(&stdout);
    if !status.success() {
        return Err(Error::Worker(format!(
            "worker process exited with {status}: {}",
            String::from_utf8_lossy(&stderr).trim()
        )));
    }
    text.trim().parse().map_err(|_| {
        Error::Worker(format!("worker process answered {text:?}, not a number"))
    })
}

/// Waits until the worker's standard output has something to read or is
/// closed (its answer, or its end), looking for an interrupt every 50 ms
/// (on Unix; elsewhere the read that follows simply blocks). Waking up as
/// soon as the pipe is ready adds no delay to the workers' start-up cost
/// that episode 4 measures.
fn wait_for_output(child: &Child) {
    #[cfg(unix)]
    if let Some(pipe) = &child.stdout {
        use std::os::fd::AsRawFd;
        let mut poll = libc::pollfd {
            fd: pipe.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        loop {
            crate::interrupt::check("the worker processes");
            // SAFETY: one valid pollfd, owned by this frame.
            let ready = unsafe { libc::poll(&mut poll, 1, 50) };
            let interrupted_by_a_signal = ready < 0
                && std::io::Error::last_os_error().kind()
                    == std::io::ErrorKind::Interrupted;
            if ready != 0 && !interrupted_by_a_signal {
                return; // readable, closed, or an error: the read says which
            }
        }
    }
    #[cfg(not(unix))]
    let _ = child;
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
        let err = run_workers::<_, u64>((0..3u64).map(|i| i..i + 1), |i| {
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
