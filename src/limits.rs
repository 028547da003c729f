//! Bounds on what a helper is asked to do, checked before it acts.
//!
//! A mistyped size must not cost a learner the kernel's variables. Rust
//! aborts the whole process when an allocation cannot be satisfied, so
//! `sum_materialised(1_000_000_000_000)` (8 TB) would end the cell's
//! process; a million threads or a hundred thousand worker processes run
//! into the system's limits before any error can be returned. So every
//! helper that takes a size, a count, an interval or a duration checks it
//! first against the bounds here, and refuses with a message saying what
//! was asked, what is allowed and why.
//!
//! | bound | value | why |
//! |---|---|---|
//! | threads a helper starts | [`MAX_THREADS`] | more only wait for each other; the system may refuse to start more |
//! | worker processes a helper starts | [`MAX_PROCESSES`] | each holds three pipes: a few hundred exhaust the usual limit of 1024 open files |
//! | memory a helper allocates | what the machine has available now | an allocation that fails aborts the process |
//! | sampling intervals | [`MAX_INTERVAL`] | a longer one reads nothing in a cell's time |
//!
//! ```
//! use parallel_course::limits;
//!
//! assert!(limits::threads("threads", 8).is_ok());
//! let err = limits::threads("threads", 1_000_000).unwrap_err().to_string();
//! assert!(err.contains("1 to 1024"), "{err}");
//! let err = limits::memory("the vector", u64::MAX as u128).unwrap_err().to_string();
//! assert!(err.contains("available"), "{err}");
//! ```

use std::time::Duration;

use crate::error::{Error, Result};

/// The most threads one helper starts (and the largest pool a scaling
/// study builds).
pub const MAX_THREADS: usize = 1024;

/// The most worker processes one helper starts.
pub const MAX_PROCESSES: usize = 256;

/// The longest sampling interval of the monitors.
pub const MAX_INTERVAL: Duration = Duration::from_secs(60);

/// `count` if it is 1 to [`MAX_THREADS`], else [`Error::InvalidArgument`]
/// naming `name`.
///
/// # Errors
///
/// For 0 or more than [`MAX_THREADS`].
pub fn threads(name: &'static str, count: usize) -> Result<usize> {
    if (1..=MAX_THREADS).contains(&count) {
        Ok(count)
    } else {
        Err(Error::invalid(
            name,
            count,
            "1 to 1024 threads (more only wait for each other, and the system may refuse to start them)",
        ))
    }
}

/// `count` if it is 1 to [`MAX_PROCESSES`], else
/// [`Error::InvalidArgument`] naming `name`.
///
/// # Errors
///
/// For 0 or more than [`MAX_PROCESSES`].
pub fn processes(name: &'static str, count: usize) -> Result<usize> {
    if (1..=MAX_PROCESSES).contains(&count) {
        Ok(count)
    } else {
        Err(Error::invalid(
            name,
            count,
            "1 to 256 worker processes (each holds three pipes; a few hundred exhaust the usual \
             limit of 1024 open files, and more than the cores only queue)",
        ))
    }
}

/// `interval` if it is at most [`MAX_INTERVAL`], else
/// [`Error::InvalidArgument`] naming `name`.
///
/// # Errors
///
/// For an interval above a minute.
pub fn interval(name: &'static str, interval: Duration) -> Result<Duration> {
    if interval <= MAX_INTERVAL {
        Ok(interval)
    } else {
        Err(Error::invalid(
            name,
            format!("{interval:?}"),
            "at most 60 s between readings (a cell's work would see none)",
        ))
    }
}

/// Checks that `bytes` can be allocated now: at most the memory the
/// machine has available (Linux's `MemAvailable`; elsewhere sysinfo's
/// figure). `what` names the allocation in the message.
///
/// # Errors
///
/// [`Error::Resources`] when `bytes` is more than is available, saying
/// how much was asked and how much there is.
pub fn memory(what: &str, bytes: u128) -> Result<()> {
    let Some(available) = available_memory() else {
        return Ok(()); // nothing to compare with: let the allocator decide
    };
    if bytes <= u128::from(available) {
        return Ok(());
    }
    Err(Error::Resources(format!(
        "{what} needs {} of memory and this machine has {} available; try a smaller size",
        bytes_text(bytes),
        bytes_text(u128::from(available))
    )))
}

/// [`memory`] for `count` values of `size` bytes each.
///
/// # Errors
///
/// As for [`memory`].
pub fn memory_for(what: &str, count: u128, size: usize) -> Result<()> {
    memory(what, count.saturating_mul(size as u128))
}

/// The memory the machine can give a new allocation now, in bytes.
pub fn available_memory() -> Option<u64> {
    #[cfg(target_os = "linux")]
    if let Ok(info) = std::fs::read_to_string("/proc/meminfo") {
        let kib: Option<u64> = info
            .lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
        if let Some(kib) = kib {
            return Some(kib * 1024);
        }
    }
    let mut sys = sysinfo::System::new().ok()?;
    sys.refresh_memory();
    Some(sys.available_memory()).filter(|&b| b > 0)
}

/// A byte count as a person reads it: `7.28 TiB`, `512 KiB`.
fn bytes_text(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{} {}", crate::format::significant(value, 3), UNITS[unit])
    }
}

/// Refuses by panicking with `error`'s message: for the few helpers that
/// return a plain value (`sum_materialised`), where a panic is the cell's
/// error and keeps the kernel's variables.
pub(crate) fn refuse(error: Error) -> ! {
    panic!("{error}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_read_in_binary_units() {
        assert_eq!(bytes_text(512), "512 bytes");
        assert_eq!(bytes_text(8 * 1024 * 1024), "8 MiB");
        assert_eq!(bytes_text(8_000_000_000_000), "7.28 TiB");
    }

    #[test]
    fn zero_and_too_many_are_refused_with_the_reason() {
        assert!(threads("t", 0).is_err());
        assert!(threads("t", MAX_THREADS).is_ok());
        assert!(
            processes("p", MAX_PROCESSES + 1)
                .unwrap_err()
                .to_string()
                .contains("open files")
        );
        assert!(interval("i", Duration::MAX).is_err());
        assert!(interval("i", Duration::from_millis(50)).is_ok());
    }

    #[test]
    fn memory_beyond_what_is_available_is_refused() {
        assert!(memory("a small vector", 1024).is_ok());
        let err = memory_for("the vector", 1_000_000_000_000, 8)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("the vector needs 7.28 TiB of memory"),
            "{err}"
        );
    }
}
