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
//! | memory a helper allocates | three quarters of what is available now ([`memory_budget`]): the machine's, or less under a control group's memory limit | an allocation that fails aborts the process, and one that takes everything makes the out-of-memory killer stop another program |
//! | sampling intervals | [`MAX_INTERVAL`] | a longer one reads nothing in a cell's time |
//!
//! ```
//! use parallel_course::limits;
//!
//! assert!(limits::threads("threads", 8).is_ok());
//! let err = limits::threads("threads", 1_000_000).unwrap_err().to_string();
//! assert!(err.contains("1 to 1024"), "{err}");
//! let err = limits::memory("n", u64::MAX, "the vector", u64::MAX as u128).unwrap_err().to_string();
//! assert!(err.contains("allowed: at most"), "{err}");
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

/// The share of the memory available now that one helper may allocate:
/// three quarters, so that the rest stays for the kernel, the notebook
/// server and, on a shared machine, the neighbours (an allocation that
/// takes it all makes the kernel's out-of-memory killer stop someone).
pub const MEMORY_SHARE: (u64, u64) = (3, 4);

/// What one helper may allocate now, and where that figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryBudget {
    /// The bytes a helper may allocate now: [`MEMORY_SHARE`] of
    /// `available`.
    pub allowed: u64,
    /// The bytes this process can get now: the machine's available memory
    /// (Linux's `MemAvailable`), or less when a control group's memory
    /// limit leaves less.
    pub available: u64,
    /// The control group's memory limit, when that is what bounds
    /// `available`.
    pub group_limit: Option<u64>,
}

impl MemoryBudget {
    /// The budget from the machine's available memory and, if this
    /// process's control group has a memory limit, the room left under it
    /// (`limit − usage`, reclaimable file cache not counted as usage) and
    /// the limit.
    ///
    /// ```
    /// use parallel_course::limits::MemoryBudget;
    ///
    /// let gib = 1 << 30;
    /// let machine = MemoryBudget::from_figures(8 * gib, None);
    /// assert_eq!(machine.allowed, 6 * gib);
    /// let session = MemoryBudget::from_figures(8 * gib, Some((2 * gib, 4 * gib)));
    /// assert_eq!((session.available, session.allowed), (2 * gib, 3 * gib / 2));
    /// assert_eq!(session.group_limit, Some(4 * gib));
    /// ```
    pub fn from_figures(
        machine_available: u64,
        group: Option<(u64, u64)>,
    ) -> MemoryBudget {
        let (available, group_limit) = match group {
            Some((room, limit)) if room < machine_available => (room, Some(limit)),
            _ => (machine_available, None),
        };
        let (num, den) = MEMORY_SHARE;
        MemoryBudget {
            allowed: (u128::from(available) * u128::from(num) / u128::from(den)) as u64,
            available,
            group_limit,
        }
    }

    /// Where the allowance comes from, in words: "three quarters of the
    /// 7.5 GiB this machine has available now".
    fn origin(&self) -> String {
        match self.group_limit {
            Some(limit) => format!(
                "three quarters of the {} left under this session's memory limit of {}",
                bytes_text(u128::from(self.available)),
                bytes_text(u128::from(limit))
            ),
            None => format!(
                "three quarters of the {} this machine has available now",
                bytes_text(u128::from(self.available))
            ),
        }
    }
}

/// What one helper may allocate now ([`MemoryBudget`]), or `None` where
/// the available memory cannot be read.
pub fn memory_budget() -> Option<MemoryBudget> {
    #[cfg(test)]
    if let Some(budget) = tests::BUDGET.with(std::cell::Cell::get) {
        return Some(budget);
    }
    let machine = available_memory()?;
    Some(MemoryBudget::from_figures(machine, group_room()))
}

/// Checks that `bytes` may be allocated now, for the argument `name` given
/// `value`: at most [`memory_budget`]'s allowance. `what` says what the
/// memory is for.
///
/// ```
/// use parallel_course::limits;
///
/// assert!(limits::memory("n", 1000, "the vector of 0..n", 8_000).is_ok());
/// let err = limits::memory("n", 1u64 << 60, "the vector of 0..n", 8 << 60).unwrap_err();
/// let text = err.to_string();
/// assert!(text.starts_with("`n` = 1152921504606846976 needs 8192 PiB of memory"), "{text}");
/// assert!(text.contains("; allowed: at most "), "{text}");
/// ```
///
/// # Errors
///
/// [`Error::Resources`] when `bytes` is more than is allowed, saying how
/// much was asked, for what, how much is allowed and why.
pub fn memory(
    name: &'static str,
    value: impl std::fmt::Display,
    what: &str,
    bytes: u128,
) -> Result<()> {
    let Some(budget) = memory_budget() else {
        return Ok(()); // nothing to compare with: let the allocator decide
    };
    if bytes <= u128::from(budget.allowed) {
        return Ok(());
    }
    Err(Error::Resources(format!(
        "`{name}` = {value} needs {} of memory ({what}); allowed: at most {}, {} \
         (the rest is left to other programs); try a smaller `{name}`",
        bytes_text(bytes),
        bytes_text(u128::from(budget.allowed)),
        budget.origin(),
    )))
}

/// [`memory`] for `count` values of `size` bytes each.
///
/// # Errors
///
/// As for [`memory`].
pub fn memory_for(
    name: &'static str,
    value: impl std::fmt::Display,
    what: &str,
    count: u128,
    size: usize,
) -> Result<()> {
    memory(name, value, what, count.saturating_mul(size as u128))
}

/// The memory the machine can give a new allocation now, in bytes
/// (Linux's `MemAvailable`; elsewhere sysinfo's figure). A control
/// group's limit is not counted here: see [`memory_budget`].
pub fn available_memory() -> Option<u64> {
    #[cfg(target_os = "linux")]
    if let Ok(info) = std::fs::read_to_string("/proc/meminfo") {
        let kib: Option<u64> = info
            .lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
        if let Some(kib) = kib {
            return Some(kib.saturating_mul(1024));
        }
    }
    let mut sys = sysinfo::System::new().ok()?;
    sys.refresh_memory();
    Some(sys.available_memory()).filter(|&b| b > 0)
}

/// The room left under this process's control-group memory limits (the
/// tightest of its group and the groups above it) and that limit, or
/// `None` without a limit. Linux only.
fn group_room() -> Option<(u64, u64)> {
    #[cfg(target_os = "linux")]
    {
        let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
        cgroup::room(&own, &mounts, std::path::Path::new("/"))
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// Reading control groups' memory limits (v1 and v2) from `/sys/fs/cgroup`.
#[cfg(target_os = "linux")]
mod cgroup {
    use std::path::{Path, PathBuf};

    /// Limits at or above this are "no limit" (v1 writes 2⁶³ rounded down
    /// to a page).
    const NO_LIMIT: u64 = 1 << 62;

    /// The room under the tightest memory limit of this process's control
    /// groups and that limit. `own` is `/proc/self/cgroup`, `mounts` is
    /// `/proc/self/mountinfo`, `root` is where `/` is (a test's folder).
    pub(super) fn room(own: &str, mounts: &str, root: &Path) -> Option<(u64, u64)> {
        let mut tightest: Option<(u64, u64)> = None;
        for line in own.lines() {
            let mut parts = line.splitn(3, ':');
            let (Some(id), Some(controllers), Some(path)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let v2 = id == "0" && controllers.is_empty();
            let v1 = controllers.split(',').any(|c| c == "memory");
            if !(v1 || v2) {
                continue;
            }
            let Some(dir) = group_dir(mounts, v2, path, root) else {
                continue;
            };
            for (room, limit) in limits_up_from(&dir, v2) {
                if tightest.is_none_or(|(r, _)| room < r) {
                    tightest = Some((room, limit));
                }
            }
        }
        tightest
    }

    /// The folder of the group at `path` in the hierarchy mounted for v2
    /// (`cgroup2`) or v1's memory controller.
    fn group_dir(mounts: &str, v2: bool, path: &str, root: &Path) -> Option<PathBuf> {
        for line in mounts.lines() {
            let (fields, after) = line.split_once(" - ")?;
            let mut after = after.split_whitespace();
            let fs = after.next()?;
            let options = after.nth(1).unwrap_or("");
            let wanted = if v2 {
                fs == "cgroup2"
            } else {
                fs == "cgroup" && options.split(',').any(|o| o == "memory")
            };
            if !wanted {
                continue;
            }
            let fields: Vec<&str> = fields.split_whitespace().collect();
            let (mount_root, mount_point) = (*fields.get(3)?, *fields.get(4)?);
            // Inside a container the hierarchy's root may be this group.
            let rest = path.strip_prefix(mount_root).unwrap_or(path);
            let dir = root
                .join(mount_point.trim_start_matches('/'))
                .join(rest.trim_start_matches('/'));
            return Some(dir);
        }
        None
    }

    /// (room, limit) for each group from `dir` up to the hierarchy's root
    /// that has a memory limit.
    fn limits_up_from(dir: &Path, v2: bool) -> Vec<(u64, u64)> {
        let (limit_file, usage_file, inactive) = if v2 {
            ("memory.max", "memory.current", "inactive_file")
        } else {
            (
                "memory.limit_in_bytes",
                "memory.usage_in_bytes",
                "total_inactive_file",
            )
        };
        let number = |file: PathBuf| -> Option<u64> {
            std::fs::read_to_string(file).ok()?.trim().parse().ok()
        };
        let mut found = Vec::new();
        let mut at = Some(dir);
        while let Some(d) = at {
            if !d.join(usage_file).exists() {
                break; // above the hierarchy's root
            }
            if let Some(limit) = number(d.join(limit_file)).filter(|&l| l < NO_LIMIT) {
                let usage = number(d.join(usage_file)).unwrap_or(0);
                let reclaimable = std::fs::read_to_string(d.join("memory.stat"))
                    .ok()
                    .and_then(|stat| {
                        stat.lines().find_map(|l| {
                            l.strip_prefix(inactive)?.trim().parse::<u64>().ok()
                        })
                    })
                    .unwrap_or(0);
                let used = usage.saturating_sub(reclaimable);
                found.push((limit.saturating_sub(used), limit));
            }
            at = d.parent();
        }
        found
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn write(dir: &Path, file: &str, text: &str) {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(file), text).unwrap();
        }

        #[test]
        fn a_v2_limit_above_the_group_counts_and_file_cache_is_not_usage() {
            let root =
                std::env::temp_dir().join(format!("cgroup-v2-{}", std::process::id()));
            let top = root.join("sys/fs/cgroup");
            let user = top.join("user.slice");
            let own = user.join("session-1.scope");
            write(&top, "memory.current", "0");
            write(&user, "memory.max", "4294967296\n");
            write(&user, "memory.current", "3221225472\n");
            write(&user, "memory.stat", "anon 1\ninactive_file 1073741824\n");
            write(&own, "memory.max", "max\n");
            write(&own, "memory.current", "1000\n");
            let mounts = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n";
            let found = room("0::/user.slice/session-1.scope\n", mounts, &root);
            // 4 GiB limit, 3 GiB used of which 1 GiB is cache: 2 GiB left.
            assert_eq!(found, Some((2 << 30, 4 << 30)));
            std::fs::remove_dir_all(&root).unwrap();
        }

        #[test]
        fn a_v1_memory_controller_in_a_container_and_no_limit_at_all() {
            let root =
                std::env::temp_dir().join(format!("cgroup-v1-{}", std::process::id()));
            let mem = root.join("sys/fs/cgroup/memory");
            write(&mem, "memory.limit_in_bytes", "1073741824\n");
            write(&mem, "memory.usage_in_bytes", "536870912\n");
            write(&mem, "memory.stat", "total_inactive_file 0\n");
            // The container sees its own group as the hierarchy's root.
            let mounts = "35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
            let found = room("4:memory:/docker/abc\n", mounts, &root);
            assert_eq!(found, Some((512 << 20, 1 << 30)));
            write(&mem, "memory.limit_in_bytes", "9223372036854771712\n");
            assert_eq!(room("4:memory:/docker/abc\n", mounts, &root), None);
            std::fs::remove_dir_all(&root).unwrap();
        }
    }
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
pub(crate) mod tests {
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

    thread_local! {
        /// A budget this thread's tests pretend the machine has.
        pub(crate) static BUDGET: std::cell::Cell<Option<MemoryBudget>> =
            const { std::cell::Cell::new(None) };
    }

    /// Runs `f` as if this machine allowed `allowed` bytes to a helper.
    pub(crate) fn with_allowed<T>(allowed: u64, f: impl FnOnce() -> T) -> T {
        let budget = MemoryBudget {
            allowed,
            available: allowed / 3 * 4,
            group_limit: None,
        };
        BUDGET.with(|b| b.set(Some(budget)));
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        BUDGET.with(|b| b.set(None));
        out.unwrap_or_else(|p| std::panic::resume_unwind(p))
    }

    #[test]
    fn memory_beyond_the_allowance_is_refused_saying_what_and_how_much() {
        assert!(memory("n", 1, "a small vector", 1024).is_ok());
        let err = memory_for(
            "n",
            1_000_000_000_000u64,
            "the vector of 0..n",
            1_000_000_000_000,
            8,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with(
                "`n` = 1000000000000 needs 7.28 TiB of memory (the vector of 0..n); allowed: at most "
            ),
            "{err}"
        );
        assert!(err.ends_with("try a smaller `n`"), "{err}");
    }

    #[test]
    fn a_helper_may_take_three_quarters_of_what_is_available_not_all() {
        let gib: u64 = 1 << 30;
        let budget = MemoryBudget::from_figures(8 * gib, None);
        assert_eq!(budget.allowed, 6 * gib);
        with_allowed(6 * gib, || {
            assert!(memory("n", 1, "x", u128::from(6 * gib)).is_ok());
            let err = memory("n", 1, "x", u128::from(7 * gib))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("allowed: at most 6 GiB, three quarters of the 8 GiB"),
                "{err}"
            );
        });
    }

    #[test]
    fn a_session_limit_tighter_than_the_machine_is_what_counts() {
        let gib: u64 = 1 << 30;
        let budget = MemoryBudget::from_figures(16 * gib, Some((2 * gib, 4 * gib)));
        assert_eq!(budget.allowed, 3 * gib / 2);
        assert!(
            budget
                .origin()
                .contains("left under this session's memory limit of 4 GiB")
        );
        // A limit with more room than the machine has changes nothing.
        let loose = MemoryBudget::from_figures(2 * gib, Some((8 * gib, 16 * gib)));
        assert_eq!((loose.available, loose.group_limit), (2 * gib, None));
    }
}
