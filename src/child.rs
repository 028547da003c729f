//! A child process tied to the cell that started it: it leads a process
//! group of its own (so stopping it stops everything it started), and it
//! dies with the cell's process. Its output pipes are read on threads of
//! their own while it runs.

use std::io::Read;
use std::process::ExitStatus;
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
