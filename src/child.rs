//! A child process tied to the cell that started it: it leads a process
//! group of its own (so stopping it stops everything it started), and it
//! dies with the cell's process. Its output pipes are read on threads of
//! their own while it runs.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use course_kernel_runtime::children;

use crate::error::{Error, Result};

/// A child leading its own process group (`mpirun` with its ranks,
/// Snakemake with its jobs): dropped, it stops the whole group (after a
/// time limit, an interrupt, an error) and reaps the child.
/// Stopping a group that has ended does nothing.
pub(crate) struct Group(pub(crate) std::process::Child);

impl Group {
    /// Waits for the child, checking for an interrupt (which stops the
    /// group, as dropping it does) every few milliseconds; `Ok(None)` once
    /// `time_limit` has passed, the group still running. `what` names the
    /// child in messages.
    pub(crate) fn wait(
        &mut self,
        time_limit: Duration,
        what: &'static str,
    ) -> Result<Option<ExitStatus>> {
        let start = Instant::now();
        loop {
            crate::interrupt::check(what);
            match self.0.try_wait() {
                Ok(Some(status)) => return Ok(Some(status)),
                Ok(None) if start.elapsed() > time_limit => return Ok(None),
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(Error::io(format!("waiting for {what}"), e)),
            }
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if !matches!(self.0.try_wait(), Ok(Some(_))) {
            children::kill_group(self.0.id());
            let _ = self.0.wait();
        }
    }
}

/// Reads a pipe to the end on its own thread, so that a rank printing a
/// lot never blocks on a full pipe while the run is waited for.
pub(crate) fn reader<R: Read + Send + 'static>(
    pipe: Option<R>,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

/// Reads a pipe to the end on its own thread like [`reader`], printing
/// each line in the cell as it arrives.
pub(crate) fn echo_reader<R: Read + Send + 'static>(
    pipe: Option<R>,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let Some(pipe) = pipe else { return text };
        let mut pipe = BufReader::new(pipe);
        let mut line = Vec::new();
        while pipe.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
            let piece = String::from_utf8_lossy(&line);
            print!("{piece}");
            let _ = std::io::stdout().flush();
            text.push_str(&piece);
            line.clear();
        }
        text
    })
}

/// What a child run to its end left: how it ended, what it printed, how
/// long it took.
pub(crate) struct Finished {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) wall: Duration,
}

/// Runs `command` to its end as the leader of a process group that dies
/// with the cell (standard input closed, both outputs read on threads of
/// their own, standard output also shown line by line with `echo`). An
/// interrupt stops the group; `Ok(None)` means `time_limit` passed and
/// the group was stopped. A failure to start goes through `spawn_error`.
pub(crate) fn run_in_group(
    command: &mut Command,
    time_limit: Duration,
    what: &'static str,
    echo: bool,
    spawn_error: impl FnOnce(std::io::Error) -> Error,
) -> Result<Option<Finished>> {
    children::own_group(children::die_with_parent(command));
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut group = Group(command.spawn().map_err(spawn_error)?);
    let stdout = if echo {
        echo_reader(group.0.stdout.take())
    } else {
        reader(group.0.stdout.take())
    };
    let stderr = reader(group.0.stderr.take());
    let Some(status) = group.wait(time_limit, what)? else {
        return Ok(None); // dropping the group stops it
    };
    Ok(Some(Finished {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        wall: start.elapsed(),
    }))
}
