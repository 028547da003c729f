//! Child processes that die with the cell that started them.
//!
//! A notebook cell that starts worker processes (or `mpirun` and its
//! ranks) must not leave them running when it is interrupted, when the
//! kernel restarts, or when the cell's own process is stopped. Two
//! measures, both Linux-only where noted:
//!
//! * [`die_with_parent`]: the child is killed by the kernel (`SIGKILL`)
//!   when the thread that started it ends, including when the cell's
//!   process is killed (`PR_SET_PDEATHSIG`, Linux);
//! * [`own_group`]: the child leads a process group of its own, so that
//!   [`kill_group`] stops it together with everything it started (the
//!   ranks `mpirun` starts).
//!
//! The course kernel also stops every descendant of the cell's process
//! before it stops that process.
//!
//! ```
//! use std::process::Command;
//! use course_kernel_runtime::children::die_with_parent;
//!
//! let mut cmd = Command::new("true");
//! die_with_parent(&mut cmd);
//! # #[cfg(unix)]
//! assert!(cmd.status()?.success());
//! # Ok::<(), std::io::Error>(())
//! ```

use std::process::Command;

/// Makes the child get `SIGKILL` when the thread that starts it ends
/// (Linux; elsewhere nothing changes). Start the child from a thread that
/// outlives it, and wait for it there: the thread running the cell does.
pub fn die_with_parent(cmd: &mut Command) -> &mut Command {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: the closure runs in the child between fork and exec and
        // calls only async-signal-safe functions (prctl, getppid, _exit).
        let parent = unsafe { libc::getpid() };
        unsafe {
            cmd.pre_exec(move || {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                // The parent may have died between fork and prctl.
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
    }
    cmd
}

/// Makes the child the leader of a new process group (Unix), which
/// [`kill_group`] can stop with all its own children.
pub fn own_group(cmd: &mut Command) -> &mut Command {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    cmd
}

/// Sends `SIGKILL` to the process group led by `pid` (Unix); elsewhere
/// does nothing. Errors (the group is gone already) are ignored.
pub fn kill_group(pid: u32) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(pid)
        && pid > 0
    {
        // SAFETY: kill has no memory-safety preconditions; a negative pid
        // names the process group.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_stopped_with_its_children() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 30 & sleep 30; wait"]);
        own_group(die_with_parent(&mut cmd));
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        kill_group(child.id());
        let status = child.wait().unwrap();
        assert!(!status.success());
    }
}
