//! Interrupts in the course kernel: pressing *Interrupt* stops long work
//! of this crate within moments and keeps every variable made before the
//! cell.
//!
//! The kernel asks the cell's process to stop; the crate's loops (timing
//! runs, workloads' chunks, rows and pieces, the monitors, waits for worker
//! processes) check for that request between pieces of work and stop by
//! unwinding, which the kernel catches at the cell's edge. A loop of your
//! own can do the same by calling [`check_interrupt`] now and then;
//! otherwise the kernel stops the cell's process after a few seconds and
//! the variables are lost (`%rebuild` makes them again).
//!
//! Outside the course kernel nothing here has any effect.
//!
//! ```
//! use parallel_course::interrupt::check_interrupt;
//!
//! let mut total = 0u64;
//! for i in 0..1_000_000u64 {
//!     if i % 10_000 == 0 {
//!         check_interrupt(); // stops here if the learner pressed Interrupt
//!     }
//!     total += i;
//! }
//! assert_eq!(total, 499_999_500_000);
//! ```

use std::any::Any;

use course_kernel_runtime::interrupt;

pub use course_kernel_runtime::interrupt::Interrupted;

/// Stops the current cell if the learner pressed *Interrupt*: call it now
/// and then in a long loop of your own, and an interrupt keeps your
/// variables. It costs one atomic load.
///
/// # Panics
///
/// When an interrupt was requested: that unwind is how the cell stops
/// (the kernel catches it and says the cell was interrupted).
#[inline]
pub fn check_interrupt() {
    interrupt::check("your loop");
}

/// Whether the learner pressed *Interrupt* while this cell runs.
#[inline]
pub fn interrupted() -> bool {
    interrupt::requested()
}

/// [`check_interrupt`] for the crate's own sequential loops, naming the
/// work.
#[inline]
pub(crate) fn check(what: &'static str) {
    interrupt::check(what);
}

/// Items between two looks for an interrupt in [`checked`].
pub(crate) const ITEMS_PER_CHECK: usize = 1 << 16;

/// `items`, looking for an interrupt (and stopping, as [`check`] does)
/// before every [`ITEMS_PER_CHECK`]-th item: for the crate's iterator
/// chains over a count the learner chose.
pub(crate) fn checked<I: Iterator>(
    items: I,
    what: &'static str,
) -> impl Iterator<Item = I::Item> {
    items.enumerate().map(move |(k, item)| {
        if k % ITEMS_PER_CHECK == 0 {
            check(what);
        }
        item
    })
}

/// For a piece of parallel work: whether to return at once because of an
/// interrupt (the first piece to see it unwinds instead; see
/// [`course_kernel_runtime::interrupt::stop_requested`]).
#[inline]
pub(crate) fn stop_requested(what: &'static str) -> bool {
    interrupt::stop_requested(what)
}

/// Goes on unwinding if a thread's panic payload is an interrupt, so that
/// an interrupt stopping a worker thread stops the cell, and is not turned
/// into an error; returns any other payload.
pub(crate) fn resume_if_interrupted(payload: Box<dyn Any + Send>) -> Box<dyn Any + Send> {
    if payload.is::<Interrupted>() {
        std::panic::resume_unwind(payload);
    }
    payload
}

/// Run when this crate is loaded into the course kernel's cell process:
/// makes the process catch the kernel's interrupt request (a no-op
/// anywhere else).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static INSTALL_ON_LOAD: extern "C" fn() = {
    extern "C" fn install_on_load() {
        interrupt::install();
    }
    install_on_load
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupt_from_a_worker_thread_keeps_unwinding() {
        let caught = std::panic::catch_unwind(|| {
            resume_if_interrupted(Box::new(Interrupted { what: "t" }));
        })
        .unwrap_err();
        assert!(caught.is::<Interrupted>());
        let other = resume_if_interrupted(Box::new("a panic"));
        assert!(other.is::<&str>());
    }
}
