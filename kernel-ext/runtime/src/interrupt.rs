//! Interrupts that keep the kernel's variables.
//!
//! When a learner presses *Interrupt*, the course kernel sends `SIGINT`
//! to the process running the cell, if that process catches it (this
//! module's [`install`] makes it do so). The handler only sets a flag.
//! Long work in the support crate calls [`check`] between pieces of work;
//! once the flag is set, `check` stops the work by unwinding with an
//! [`Interrupted`] payload, evcxr catches the unwind at the cell's edge,
//! and every variable defined before the cell is kept. The kernel clears
//! the flag (`SIGUSR2`) once the cell has ended, so the next cell runs
//! normally.
//!
//! Work that never calls [`check`] (a learner's own endless loop) is not
//! stopped by the flag; the kernel then stops the process after a grace
//! period and says which variables were lost.
//!
//! ```
//! use course_kernel_runtime::interrupt;
//!
//! let mut total = 0u64;
//! for chunk in 0..100u64 {
//!     interrupt::check("summing"); // returns at once unless interrupted
//!     total += chunk;
//! }
//! assert_eq!(total, 4950);
//! ```

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by `SIGINT` from the kernel, cleared by `SIGUSR2`.
static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Whether the one-line notice for the current interrupt was printed.
static REPORTED: AtomicBool = AtomicBool::new(false);

/// Whether [`install`] has run.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The payload of the unwind that [`check`] starts: the work it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted {
    /// What was stopped (`"pi_par"`, `"timeit"`).
    pub what: &'static str,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "interrupted: {} stopped at the kernel's request",
            self.what
        )
    }
}

/// Whether the kernel has asked the running cell to stop.
#[inline]
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Stops the current work if the kernel asked for an interrupt, by
/// unwinding with an [`Interrupted`] payload naming `what`. Cheap enough
/// to call every millisecond of work: one relaxed atomic load.
///
/// # Panics
///
/// When an interrupt was requested: that unwind is how the work stops.
#[inline]
pub fn check(what: &'static str) {
    if requested() {
        stop(what);
    }
}

/// Prints the one-line notice (once per interrupt, whichever thread
/// stops first) and unwinds. `resume_unwind` skips the panic hook, so no
/// panic message or backtrace is printed.
#[cold]
#[inline(never)]
fn stop(what: &'static str) -> ! {
    let stopped = Interrupted { what };
    if !REPORTED.swap(true, Ordering::SeqCst) {
        eprintln!("{stopped}");
    }
    std::panic::resume_unwind(Box::new(stopped))
}

/// Catches `SIGINT` (sets the flag) and `SIGUSR2` (clears it). Does
/// nothing outside the course kernel
/// ([`in_course_kernel`](crate::in_course_kernel)) or on systems without
/// these signals; safe to call more than once.
///
/// ```
/// course_kernel_runtime::interrupt::install(); // a no-op here: not a kernel
/// ```
pub fn install() {
    if !crate::in_course_kernel() || INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    install_handlers();
}

/// Sets the flag, as `SIGINT` from the kernel does; for tests of work
/// that checks it.
pub fn request_for_test() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Clears the flag, as `SIGUSR2` from the kernel does.
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
    REPORTED.store(false, Ordering::SeqCst);
}

#[cfg(unix)]
fn install_handlers() {
    extern "C" fn on_sigint(_: libc::c_int) {
        REQUESTED.store(true, Ordering::SeqCst);
    }
    extern "C" fn on_sigusr2(_: libc::c_int) {
        REQUESTED.store(false, Ordering::SeqCst);
        REPORTED.store(false, Ordering::SeqCst);
    }
    for (signal, handler) in [
        (libc::SIGINT, on_sigint as extern "C" fn(libc::c_int)),
        (libc::SIGUSR2, on_sigusr2 as extern "C" fn(libc::c_int)),
    ] {
        // SAFETY: the handlers only store to atomics, which is
        // async-signal-safe; `action` is fully initialised before use.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = handler as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

#[cfg(not(unix))]
fn install_handlers() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requested_interrupt_unwinds_with_what_was_stopped_until_cleared() {
        request_for_test();
        let caught = std::panic::catch_unwind(|| check("summing")).unwrap_err();
        assert_eq!(
            caught.downcast_ref::<Interrupted>(),
            Some(&Interrupted { what: "summing" })
        );
        clear();
        check("summing");
        assert!(!requested());
    }
}
