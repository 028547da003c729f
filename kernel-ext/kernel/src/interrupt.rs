//! Interrupts: ask the cell to stop, and stop it only if it does not.
//!
//! On *Interrupt*, if the cell process catches `SIGINT` (the support crate
//! makes it do so, see `course_kernel_runtime::interrupt`), the kernel
//! sends it: work that checks the flag stops within moments, evcxr catches
//! the unwind at the cell's edge and every earlier variable is kept. The
//! kernel clears the flag (`SIGUSR2`) when the cell has ended. If the cell
//! is still running after [`GRACE`] (a loop that never checks), or if the
//! process does not catch `SIGINT`, or on a second *Interrupt*, the kernel
//! stops every process the cell process started, deepest first, and then
//! the cell process itself; evcxr starts a new one, and the variables are
//! gone (the engine says which, and offers `%rebuild`).

use std::time::{Duration, Instant};

use course_kernel_core::procfs;

use crate::shared::{CellState, Shared, lock};

/// How long a cell has to stop after it was asked, before it is stopped.
pub const GRACE: Duration = Duration::from_secs(3);

/// Marks a cell as running in the cell process `pid`.
pub fn begin_cell(shared: &Shared, pid: Option<u32>) {
    let mut cell = lock(&shared.cell);
    *cell = CellState {
        number: cell.number + 1,
        running: true,
        pid,
        ..CellState::default()
    };
}

/// Marks the cell as ended and returns what interrupts did to it. If the
/// cell was asked to stop and its process lives on, its flag is cleared
/// for the next cell.
pub fn end_cell(shared: &Shared) -> CellState {
    let mut cell = lock(&shared.cell);
    cell.running = false;
    if cell.asked
        && !cell.stopped
        && let Some(pid) = cell.pid
        && procfs::catches(pid, libc::SIGUSR2) == Some(true)
    {
        signal(pid, libc::SIGUSR2);
    }
    *cell
}

/// Handles an `interrupt_request` (on a thread of its own: it may wait
/// [`GRACE`]).
pub fn interrupt(shared: &Shared) {
    let (number, asked_now) = {
        let mut cell = lock(&shared.cell);
        let Some(pid) = cell.pid.filter(|_| cell.running) else {
            return;
        };
        let ask = !cell.asked && procfs::catches(pid, libc::SIGINT) == Some(true);
        if ask {
            signal(pid, libc::SIGINT);
            cell.asked = true;
        }
        (cell.number, ask)
    };
    let same_cell_runs = || {
        let cell = lock(&shared.cell);
        cell.running && cell.number == number
    };
    if asked_now {
        let deadline = Instant::now() + GRACE;
        while Instant::now() < deadline {
            if !same_cell_runs() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let mut cell = lock(&shared.cell);
    if let (true, true, Some(pid)) = (cell.running, cell.number == number, cell.pid) {
        cell.stopped = true;
        stop_tree(pid);
    }
}

/// Stops the cell process and everything it started, and removes the
/// kernel's build folder (at shutdown, when no cell can run again).
pub fn stop_cell_processes(shared: &Shared) {
    // evcxr holds the handle's lock only while it starts or reaps the
    // process; if it does now, the process dies with the kernel anyway.
    let handle = lock(&shared.process).clone();
    let pid = handle.and_then(|h| h.try_lock().ok().map(|child| child.id()));
    if let Some(pid) = pid {
        stop_tree(pid);
    }
    // A folder evcxr made for this kernel alone (`.tmp…`) goes; a kernel
    // slot stays, warm, for the next kernel.
    if let Some(dir) = lock(&shared.build_dir).take()
        && dir
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(".tmp"))
    {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// `SIGKILL` to every descendant of `pid`, deepest first, then to `pid`.
fn stop_tree(pid: u32) {
    for child in procfs::descendants(pid) {
        signal(child, libc::SIGKILL);
    }
    signal(pid, libc::SIGKILL);
}

fn signal(pid: u32, signal: i32) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill has no memory-safety preconditions.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}
