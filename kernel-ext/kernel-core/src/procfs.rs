//! The cell's process seen from the kernel, through Linux's `/proc`:
//! whether it catches a signal (so an interrupt can be asked for politely),
//! its CPU time (for `%%time`), its memory, and every process it started
//! (so none outlives it). Elsewhere these answer `None` or nothing, and
//! the kernel falls back to stopping the process.
//!
//! ```
//! use course_kernel_core::procfs;
//!
//! let me = std::process::id();
//! # #[cfg(target_os = "linux")] {
//! assert!(procfs::cpu_times(me).is_some());
//! assert!(procfs::resident_bytes(me).unwrap() > 0);
//! # }
//! ```

use std::time::Duration;

/// Whether process `pid` catches `signal` (its `SigCgt` mask), or `None`
/// where that cannot be read.
pub fn catches(pid: u32, signal: i32) -> Option<bool> {
    let status = read(pid, "status")?;
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())?;
    let bit = u32::try_from(signal.checked_sub(1)?).ok()?;
    Some(bit < 64 && mask & (1 << bit) != 0)
}

/// User and system CPU time process `pid` has used, all its threads
/// together, or `None` where that cannot be read.
pub fn cpu_times(pid: u32) -> Option<(Duration, Duration)> {
    let fields = stat_fields(pid)?;
    let ticks = clock_ticks()?;
    let at = |i: usize| -> Option<Duration> {
        let t: u64 = fields.get(i)?.parse().ok()?;
        Some(Duration::from_secs_f64(t as f64 / ticks as f64))
    };
    // Fields after the command name: state is 0, utime 11, stime 12.
    Some((at(11)?, at(12)?))
}

/// CPU time (user and system) of process `pid` and of the children it
/// has waited for (compilers, Cargo), or `None` where that cannot be read.
pub fn cpu_with_children(pid: u32) -> Option<Duration> {
    let fields = stat_fields(pid)?;
    let ticks = clock_ticks()?;
    let total: u64 = (11..15)
        .map(|i| fields.get(i)?.parse::<u64>().ok())
        .sum::<Option<u64>>()?;
    Some(Duration::from_secs_f64(total as f64 / ticks as f64))
}

/// Resident memory of process `pid` in bytes, or `None`.
pub fn resident_bytes(pid: u32) -> Option<u64> {
    let status = read(pid, "status")?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Every living descendant of `pid` (children, their children, …), deepest
/// first, so that stopping them in this order leaves no orphan behind.
pub fn descendants(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let parents: Vec<(u32, u32)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|p| Some((p, parent_of(p)?)))
        .collect();
    let mut found = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for &(child, _) in parents.iter().filter(|(_, pp)| *pp == parent) {
            if !found.contains(&child) {
                found.push(child);
                frontier.push(child);
            }
        }
    }
    found.reverse();
    found
}

/// What the memory cgroup of this process says: how often its OOM killer
/// ran, and the limit, when one is set (a room's learner; a Slurm job).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryCgroup {
    /// Processes the OOM killer ended in this cgroup so far.
    pub oom_kills: u64,
    /// The cgroup's memory limit in bytes, if it has one.
    pub limit: Option<u64>,
}

/// This process's memory cgroup (v1 or v2), if it can be read.
pub fn memory_cgroup() -> Option<MemoryCgroup> {
    let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    memory_cgroup_from(&text, std::path::Path::new("/sys/fs/cgroup"))
}

/// [`memory_cgroup`] from `/proc/self/cgroup`'s text and the cgroup
/// mount point.
pub fn memory_cgroup_from(cgroup: &str, mount: &std::path::Path) -> Option<MemoryCgroup> {
    let field = |text: &str, name: &str| -> Option<u64> {
        text.lines().find_map(|l| {
            let mut parts = l.split_whitespace();
            (parts.next()? == name).then(|| parts.next()?.parse().ok())?
        })
    };
    // v1: `N:memory:/path`.
    if let Some(path) = cgroup.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers
            .split(',')
            .any(|c| c == "memory")
            .then_some(path)
    }) {
        let dir = mount.join("memory").join(path.trim_start_matches('/'));
        let control = std::fs::read_to_string(dir.join("memory.oom_control")).ok()?;
        let limit = std::fs::read_to_string(dir.join("memory.limit_in_bytes"))
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
            .filter(|&l| l < (1 << 60));
        return Some(MemoryCgroup {
            oom_kills: field(&control, "oom_kill").unwrap_or(0),
            limit,
        });
    }
    // v2: `0::/path`.
    let path = cgroup.lines().find_map(|l| l.strip_prefix("0::"))?;
    let dir = mount.join(path.trim_start_matches('/'));
    let events = std::fs::read_to_string(dir.join("memory.events")).ok()?;
    let limit = std::fs::read_to_string(dir.join("memory.max"))
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok());
    Some(MemoryCgroup {
        oom_kills: field(&events, "oom_kill").unwrap_or(0),
        limit,
    })
}

/// The parent of process `pid`.
fn parent_of(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// The fields of `/proc/PID/stat` after the command name (which may hold
/// spaces and parentheses): state first.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = read(pid, "stat")?;
    let after = &stat[stat.rfind(')')? + 1..];
    Some(after.split_whitespace().map(str::to_string).collect())
}

fn read(pid: u32, file: &str) -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()
}

/// Clock ticks per second, the unit of `/proc/PID/stat`'s times.
fn clock_ticks() -> Option<u64> {
    #[cfg(unix)]
    {
        // SAFETY: sysconf has no preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        u64::try_from(ticks).ok().filter(|&t| t > 0)
    }
    #[cfg(not(unix))]
    {
        None
    }
}
#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_process_that_catches_nothing_says_so() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        assert_eq!(catches(child.id(), 2), Some(false));
        assert!(descendants(std::process::id()).contains(&child.id()));
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn grandchildren_come_before_their_parents() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 5 & wait"])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let all = descendants(child.id());
        assert_eq!(all.len(), 1, "{all:?}");
        let mine = descendants(std::process::id());
        let (sh, sleep) = (child.id(), all[0]);
        let pos = |p| mine.iter().position(|&x| x == p).unwrap();
        assert!(pos(sleep) < pos(sh));
        child.kill().unwrap();
        child.wait().unwrap();
        let _ = std::process::Command::new("kill")
            .arg(sleep.to_string())
            .status();
    }

    #[test]
    fn missing_processes_answer_none() {
        assert_eq!(catches(u32::MAX, 2), None);
        assert_eq!(cpu_times(u32::MAX), None);
        assert!(descendants(u32::MAX).is_empty());
    }
}

#[cfg(test)]
mod memory_cgroup_tests {
    use super::*;

    #[test]
    fn a_v1_memory_cgroup_gives_its_oom_kills_and_limit() {
        let dir = std::env::temp_dir().join(format!("cg-v1-{}", std::process::id()));
        let group = dir.join("memory/parallel-course/ada");
        std::fs::create_dir_all(&group).unwrap();
        std::fs::write(
            group.join("memory.oom_control"),
            "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
        )
        .unwrap();
        std::fs::write(group.join("memory.limit_in_bytes"), "2147483648\n").unwrap();
        let got = memory_cgroup_from("4:memory:/parallel-course/ada\n3:cpu:/x\n", &dir)
            .unwrap();
        assert_eq!(
            got,
            MemoryCgroup {
                oom_kills: 2,
                limit: Some(2 << 30)
            }
        );
        std::fs::write(group.join("memory.limit_in_bytes"), "9223372036854771712\n")
            .unwrap();
        let got = memory_cgroup_from("4:memory:/parallel-course/ada\n", &dir).unwrap();
        assert_eq!(got.limit, None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_v2_cgroup_gives_its_oom_kills_and_limit() {
        let dir = std::env::temp_dir().join(format!("cg-v2-{}", std::process::id()));
        let group = dir.join("user.slice/ada");
        std::fs::create_dir_all(&group).unwrap();
        std::fs::write(
            group.join("memory.events"),
            "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n",
        )
        .unwrap();
        std::fs::write(group.join("memory.max"), "max\n").unwrap();
        let got = memory_cgroup_from("0::/user.slice/ada\n", &dir).unwrap();
        assert_eq!(
            got,
            MemoryCgroup {
                oom_kills: 1,
                limit: None
            }
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
