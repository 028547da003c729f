//! Interrupts that keep the kernel's variables.
//!
//! When a learner presses *Interrupt*, the course kernel sends `SIGINT`
//! to the process running the cell, if that process catches it (this
//! module's [`install`] makes it do so). The handler only sets a flag.
//! Long work in the support crate looks at it between pieces of work and
//! stops by unwinding with an [`Interrupted`] payload; evcxr catches the
//! unwind at the cell's edge, and every variable defined before the cell
//! is kept. The kernel clears the flag (`SIGUSR2`) once the cell has
//! ended, so the next cell runs normally.
//!
//! Two ways to look:
//!
//! * [`check`], for sequential loops: unwinds whenever the flag is set;
//! * [`stop_requested`], for pieces of parallel work (a chunk of a rayon
//!   iterator, a scoped thread's share): the first piece to see the flag
//!   unwinds, and every later piece is told to return at once. One unwind
//!   per interrupt matters with rayon: were every one of a million pending
//!   chunks to unwind, rayon would split and steal them one by one and
//!   the stop would take a second or more; skipping them takes
//!   milliseconds, and the one unwind still stops the whole iterator.
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
/// unwinding with an [`Interrupted`] payload naming `what`: for sequential
/// loops. Cheap enough to call every millisecond of work: one relaxed
/// atomic load.
///
/// # Panics
///
/// When an interrupt was requested: that unwind is how the work stops.
#[inline]
pub fn check(what: &'static str) {
    if requested() {
        stop(what, true);
    }
}

/// Whether a piece of parallel work should return at once: `false` unless
/// an interrupt was requested. Then the first piece to ask unwinds (as
/// [`check`] does) and every later piece gets `true` and returns early,
/// its result thrown away with the unwinding operation.
///
/// ```
/// use course_kernel_runtime::interrupt::stop_requested;
///
/// fn piece(values: &[u64]) -> u64 {
///     if stop_requested("the sum") {
///         return 0;
///     }
///     values.iter().sum()
/// }
/// assert_eq!(piece(&[1, 2, 3]), 6);
/// ```
///
/// # Panics
///
/// For the first caller after an interrupt was requested.
#[inline]
pub fn stop_requested(what: &'static str) -> bool {
    requested() && stop(what, false)
}

/// Prints the one-line notice and unwinds, the first time per interrupt;
/// later, unwinds again if `always`, else returns `true`. `resume_unwind`
/// skips the panic hook, so no panic message or backtrace is printed.
#[cold]
#[inline(never)]
fn stop(what: &'static str, always: bool) -> bool {
    let stopped = Interrupted { what };
    let first = !REPORTED.swap(true, Ordering::SeqCst);
    if first {
        eprintln!("{stopped}");
    }
    if first || always {
        std::panic::resume_unwind(Box::new(stopped));
    }
    true
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
    fn a_requested_interrupt_unwinds_until_cleared_and_parallel_pieces_unwind_once() {
        request_for_test();
        let caught = std::panic::catch_unwind(|| check("summing")).unwrap_err();
        assert_eq!(
            caught.downcast_ref::<Interrupted>(),
            Some(&Interrupted { what: "summing" })
        );
        clear();
        check("summing");
        assert!(!requested());

        // Pieces of parallel work: one unwinds, the others skip.
        request_for_test();
        let first = std::panic::catch_unwind(|| stop_requested("piece")).unwrap_err();
        assert!(first.is::<Interrupted>());
        assert!(stop_requested("piece"));
        assert!(stop_requested("piece"));
        // A sequential check still unwinds.
        assert!(std::panic::catch_unwind(|| check("loop")).is_err());
        clear();
        assert!(!stop_requested("piece"));
    }
}
