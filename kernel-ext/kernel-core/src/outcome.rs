//! What became of a cell, decided from what the kernel saw: whether it was
//! asked to stop, whether it panicked, whether its process ended and why;
//! and the lines `%%time` and `:timing` add to its output.
//!
//! ```
//! use course_kernel_core::outcome::{Verdict, after_run, after_process_ended};
//!
//! assert_eq!(after_run(false, None), Verdict::Kept);
//! assert_eq!(after_run(true, None), Verdict::InterruptedKept);
//! // The kernel stopped a cell that never checked for an interrupt:
//! assert_eq!(after_process_ended(true, None, None, "killed"), Verdict::StoppedByKernel);
//! ```

use std::time::Duration;

use crate::procfs::MemoryCgroup;

/// How a cell ended, for the kernel's reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It ran; its variables are kept.
    Kept,
    /// It stopped when asked (an interrupt it checked for); the variables
    /// made before it are kept.
    InterruptedKept,
    /// It panicked: the message; the variables made before it are kept.
    Panicked(String),
    /// It did not stop when asked, so the kernel stopped its process: the
    /// variables are lost.
    StoppedByKernel,
    /// Its process was ended by the OOM killer of the kernel's memory
    /// cgroup, whose limit (bytes) is given when it has one.
    OutOfMemory {
        /// The cgroup's limit.
        limit: Option<u64>,
    },
    /// Its process ended by itself (a crash, an abort): evcxr's words.
    ProcessEnded(String),
}

/// The verdict on a cell whose process lived: asked to stop (`asked`) and
/// stopped, or panicked (`panic`: the cell's own code unwound, with the
/// first panic message it printed), or kept. An interrupt wins over a
/// panic it caused.
pub fn after_run(asked: bool, panic: Option<String>) -> Verdict {
    match (asked, panic) {
        (true, _) => Verdict::InterruptedKept,
        (false, Some(message)) => Verdict::Panicked(message),
        (false, None) => Verdict::Kept,
    }
}

/// The message of a panic as the kernel noted it from the cell's stderr
/// (Rust's `thread '…' panicked at FILE:LINE:COL:` line, then the
/// message): the message alone. Text that does not start with that line
/// is returned trimmed, whole.
///
/// ```
/// use course_kernel_core::outcome::panic_message;
///
/// let noted = "thread '<unnamed>' (28969) panicked at src/lib.rs:98:1:\nneed more than 3 items";
/// assert_eq!(panic_message(noted), "need more than 3 items");
/// assert_eq!(panic_message(" out of range \n"), "out of range");
/// ```
pub fn panic_message(noted: &str) -> &str {
    let noted = noted.trim();
    match noted.split_once('\n') {
        Some((first, rest))
            if first.starts_with("thread '")
                && first.contains(" panicked at ")
                && !rest.trim().is_empty() =>
        {
            rest.trim()
        }
        _ => noted,
    }
}

/// The verdict on a cell whose process ended: the kernel stopped it
/// (`stopped`), or the OOM killer did (its count in the kernel's memory
/// cgroup grew from `oom_before` to `now`'s), or it ended by itself
/// (`why`).
pub fn after_process_ended(
    stopped: bool,
    oom_before: Option<u64>,
    now: Option<MemoryCgroup>,
    why: &str,
) -> Verdict {
    if stopped {
        return Verdict::StoppedByKernel;
    }
    match (oom_before, now) {
        (Some(before), Some(now)) if now.oom_kills > before => {
            Verdict::OutOfMemory { limit: now.limit }
        }
        _ => Verdict::ProcessEnded(why.trim().to_string()),
    }
}

/// One phase of a cell's time, as evcxr reports it (`Final compile`,
/// `Execution`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    /// Its name.
    pub name: String,
    /// How long it took.
    pub duration: Duration,
}

/// The wall time of the cell's own code: evcxr's `Execution` phase.
pub fn execution_time(phases: &[Phase]) -> Duration {
    phases
        .iter()
        .find(|p| p.name == "Execution")
        .map_or(Duration::ZERO, |p| p.duration)
}

/// The line `:timing` adds: the whole time, then each phase.
///
/// ```
/// use std::time::Duration;
/// use course_kernel_core::outcome::{Phase, timing_line};
///
/// let phases = [
///     Phase { name: "Final compile".into(), duration: Duration::from_millis(199) },
///     Phase { name: "Execution".into(), duration: Duration::from_millis(1) },
/// ];
/// assert_eq!(
///     timing_line(Duration::from_millis(200), &phases),
///     "Took 200 ms (Final compile 199 ms, Execution 1 ms)"
/// );
/// ```
pub fn timing_line(took: Duration, phases: &[Phase]) -> String {
    let parts: Vec<String> = phases
        .iter()
        .map(|p| format!("{} {} ms", p.name, p.duration.as_millis()))
        .collect();
    format!("Took {} ms ({})", took.as_millis(), parts.join(", "))
}

/// The cell process's CPU time spent in the cell: user and system time
/// after, minus before; `None` unless both readings exist.
pub fn cpu_spent(
    before: Option<(Duration, Duration)>,
    after: Option<(Duration, Duration)>,
) -> Option<(Duration, Duration)> {
    let ((u0, s0), (u1, s1)) = before.zip(after)?;
    Some((u1.saturating_sub(u0), s1.saturating_sub(s0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panics_location_line_is_left_out_of_its_message() {
        let noted = "thread 'main' panicked at src/lib.rs:7:5:\nindex out of bounds: the len is 3 but the index is 9";
        assert_eq!(
            panic_message(noted),
            "index out of bounds: the len is 3 but the index is 9"
        );
        // A location line alone (the message not seen yet) stays.
        let alone = "thread 'main' panicked at src/lib.rs:7:5:";
        assert_eq!(panic_message(alone), alone);
    }

    #[test]
    fn an_interrupt_wins_over_the_panic_it_caused() {
        assert_eq!(
            after_run(true, Some("stopped".into())),
            Verdict::InterruptedKept
        );
        assert_eq!(
            after_run(false, Some("index out of bounds".into())),
            Verdict::Panicked("index out of bounds".into())
        );
    }

    #[test]
    fn an_ended_process_is_told_apart_by_who_ended_it() {
        let cgroup = |kills| {
            Some(MemoryCgroup {
                oom_kills: kills,
                limit: Some(2 << 30),
            })
        };
        assert_eq!(
            after_process_ended(false, Some(0), cgroup(1), "signal 9"),
            Verdict::OutOfMemory {
                limit: Some(2 << 30)
            }
        );
        assert_eq!(
            after_process_ended(false, Some(1), cgroup(1), " signal 11 "),
            Verdict::ProcessEnded("signal 11".into())
        );
        assert_eq!(
            after_process_ended(false, None, cgroup(3), "abort"),
            Verdict::ProcessEnded("abort".into())
        );
        // The kernel's own stop counts first, whatever the cgroup says.
        assert_eq!(
            after_process_ended(true, Some(0), cgroup(1), "killed"),
            Verdict::StoppedByKernel
        );
    }

    #[test]
    fn cpu_time_is_the_difference_and_never_negative() {
        let s = Duration::from_secs;
        assert_eq!(
            cpu_spent(Some((s(1), s(2))), Some((s(4), s(2)))),
            Some((s(3), s(0)))
        );
        assert_eq!(
            cpu_spent(Some((s(5), s(5))), Some((s(4), s(4)))),
            Some((s(0), s(0)))
        );
        assert_eq!(cpu_spent(None, Some((s(1), s(1)))), None);
    }

    #[test]
    fn the_execution_phase_is_found_by_name() {
        let phases = [
            Phase {
                name: "Final compile".into(),
                duration: Duration::from_millis(5),
            },
            Phase {
                name: "Execution".into(),
                duration: Duration::from_millis(7),
            },
        ];
        assert_eq!(execution_time(&phases), Duration::from_millis(7));
        assert_eq!(execution_time(&[]), Duration::ZERO);
    }
}
