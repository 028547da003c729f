//! A warm spare kernel, waiting for the next notebook.
//!
//! A kernel's start costs seconds (evcxr, the support crate,
//! rust-analyzer's first look) that a learner who clicks Run at once
//! waits through. With `COURSE_KERNEL_SPARES=1` in the kernelspec, each
//! kernel starts one spare in the background: a kernel that does all of
//! that, then waits on a Unix socket in the user's private kernels folder
//! (`spare.sock`). The next kernel Jupyter starts hands its connection
//! file to the spare and stays, as the process Jupyter knows, until the
//! spare ends; the spare moves to the notebook's folder and serves. The
//! first cell then answers as in a kernel that has run for a while.
//!
//! Ending either ends both: the spare watches the connection to the
//! kernel that took it (Jupyter killing that one ends the spare), and
//! that kernel exits when the spare's connection closes. A spare nobody
//! takes ends with the Jupyter server (`JPY_PARENT_PID`) or after
//! [`IDLE`]. A spare costs a kernel's memory, so the room does not keep
//! one.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::json;

use crate::connection::ConnectionInfo;
use crate::server;
use crate::shared::Job;

/// The kernelspec's switch: `1` keeps a spare.
pub const SPARES_ENV: &str = "COURSE_KERNEL_SPARES";

/// How long a spare waits before it starts (the kernel that started it has
/// its own first cells to run first).
const DELAY: Duration = Duration::from_secs(15);

/// How long a spare nobody takes waits before it ends.
const IDLE: Duration = Duration::from_secs(4 * 3600);

/// How long a kernel waits for a spare to take over.
const HANDOVER_LIMIT: Duration = Duration::from_secs(60);

/// Whether this kernel keeps a spare.
pub fn enabled() -> bool {
    std::env::var(SPARES_ENV).is_ok_and(|v| v == "1")
}

fn socket(base: &Path) -> PathBuf {
    base.join("spare.sock")
}

fn lock_file(base: &Path) -> PathBuf {
    base.join("spare.lock")
}

/// Hands the connection file at `connection_file` to a waiting spare;
/// `None` when there is none (or it would not take it), and this process
/// starts as a kernel itself.
pub fn hand_over(base: &Path, connection_file: &str) -> Option<UnixStream> {
    let mut stream = UnixStream::connect(socket(base)).ok()?;
    stream.set_read_timeout(Some(HANDOVER_LIMIT)).ok()?;
    let absolute = std::fs::canonicalize(connection_file).ok()?;
    let cwd = std::env::current_dir().ok()?;
    let request = json!({
        "connection_file": absolute,
        "cwd": cwd,
        "jpy_parent_pid": std::env::var("JPY_PARENT_PID").ok(),
    });
    writeln!(stream, "{request}").ok()?;
    let mut answer = String::new();
    BufReader::new(stream.try_clone().ok()?)
        .read_line(&mut answer)
        .ok()?;
    if answer.trim() != "ok" {
        eprintln!(
            "course-kernel: the spare kernel could not take over: {}",
            answer.trim()
        );
        return None;
    }
    stream.set_read_timeout(None).ok()?;
    Some(stream)
}

/// Stays until the spare that took over ends (its connection closes).
pub fn wait_for(mut stream: UnixStream) {
    let mut buf = [0u8; 64];
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
}

/// Starts the next spare in the background unless one runs (it holds
/// `spare.lock`). Its output goes to `spare.log` in `base`.
pub fn start_next(base: &Path) {
    if !enabled() || lock_taken(&lock_file(base)) {
        return;
    }
    let Ok(program) = std::env::current_exe() else {
        return;
    };
    let log = File::create(base.join("spare.log")).ok();
    let mut cmd = std::process::Command::new(program);
    cmd.arg("--spare").stdin(std::process::Stdio::null());
    if let Some(log) = log {
        if let Ok(err) = log.try_clone() {
            cmd.stderr(err);
        }
        cmd.stdout(log);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own group: a signal Jupyter sends this kernel's group does
        // not reach the spare.
        cmd.process_group(0);
    }
    if let Ok(mut child) = cmd.spawn() {
        // Reaped when it ends, so that it never lingers as a zombie.
        std::thread::spawn(move || child.wait());
    }
}

/// Whether another process holds the lock `file`.
fn lock_taken(file: &Path) -> bool {
    match File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(file)
    {
        Ok(f) => {
            let taken = !try_lock(&f);
            drop(f);
            taken
        }
        Err(_) => true,
    }
}

fn try_lock(file: &File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this function's caller owns.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// `course-kernel --spare`: warms up, waits to be taken, then serves the
/// notebook that took it.
pub fn run(base: &Path) -> anyhow::Result<()> {
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_file(base))
        .context("opening the spare's lock")?;
    if !try_lock(&lock) {
        // Another spare waits already.
        return Ok(());
    }
    // With the lock held, a socket here is a dead spare's (one whose server
    // went away ends without removing it): a kernel connecting to it would
    // be refused and start cold, and a watcher would take it for a spare.
    let _ = std::fs::remove_file(socket(base));
    // Waits, ending at once if the Jupyter server it would serve is gone.
    let server = course_kernel_core::parent::Parent::server_only(
        std::env::var("JPY_PARENT_PID").ok().as_deref(),
    );
    let waiting = std::time::Instant::now();
    while waiting.elapsed() < DELAY {
        if server.is_some_and(|s| s.gone().is_some()) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let prepared = server::prepare(crate::parent::Watch::ServerOnly);
    let (tx, rx) = tokio::sync::oneshot::channel();
    prepared
        .jobs
        .send(Job::Ready { reply: tx })
        .context("the engine stopped")?;
    let _ = rx.blocking_recv();
    let path = socket(base);
    let _ = std::fs::remove_file(&path);
    // SAFETY: umask only changes this process's file creation mask.
    let old = unsafe { libc::umask(0o077) };
    let listener = UnixListener::bind(&path);
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    let listener =
        listener.with_context(|| format!("listening on {}", path.display()))?;
    let idle_path = path.clone();
    let taken = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let taken_later = taken.clone();
    std::thread::spawn(move || {
        std::thread::sleep(IDLE);
        if !taken_later.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = std::fs::remove_file(&idle_path);
            std::process::exit(0);
        }
    });
    eprintln!("course-kernel: a spare, ready at {}", path.display());
    let (mut stream, _) = listener.accept().context("waiting to be taken")?;
    taken.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = std::fs::remove_file(&path);
    drop(listener);
    let mut line = String::new();
    BufReader::new(stream.try_clone()?).read_line(&mut line)?;
    let request: serde_json::Value =
        serde_json::from_str(line.trim()).context("a garbled request")?;
    let (Some(file), Some(cwd)) =
        (request["connection_file"].as_str(), request["cwd"].as_str())
    else {
        let _ = writeln!(
            stream,
            "refused: the request names no connection file or folder"
        );
        bail!("a request without a connection file or folder");
    };
    let info = ConnectionInfo::read(file)?;
    // The kernel moves to the notebook's folder before it answers; the
    // cell process follows as the engine's first job (a compile), while
    // Jupyter's client connects: every cell comes after it.
    if let Err(e) = std::env::set_current_dir(cwd) {
        let _ = writeln!(stream, "refused: cannot work in {cwd}: {e}");
        bail!("could not move to the notebook's folder {cwd}: {e}");
    }
    prepared.jobs.send(Job::Adopt {
        cwd: PathBuf::from(cwd),
    })?;
    // The server of the notebook that took this spare: this kernel ends
    // with it.
    crate::parent::watch_server(
        prepared.shared().clone(),
        request["jpy_parent_pid"].as_str(),
    );
    writeln!(stream, "ok")?;
    // The kernel Jupyter started waits on this connection: when it ends,
    // so does this kernel.
    let shared = prepared.shared().clone();
    let mut watch = stream;
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        while matches!(watch.read(&mut buf), Ok(n) if n > 0) {}
        crate::interrupt::stop_cell_processes(&shared);
        std::process::exit(0);
    });
    eprintln!("course-kernel: taken by a notebook in {cwd}");
    drop(lock);
    start_next(base);
    server::serve_prepared(info, prepared)
}
