//! Whether the process that started the kernel is gone, as IPython's
//! kernel asks: the kernel ends with its server.
//!
//! Jupyter's server starts a kernel and names itself in `JPY_PARENT_PID`.
//! The parent is gone when the kernel has been handed to another parent
//! (its parent died), or when the process `JPY_PARENT_PID` names no longer
//! exists.
//!
//! ```
//! use course_kernel_core::parent::Parent;
//!
//! let parent = Parent::now(None);
//! assert_eq!(parent.gone(), None);
//! ```

/// The parent the kernel started with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parent {
    /// The parent process's id when the kernel started.
    pub pid: i32,
    /// The Jupyter server's id, from `JPY_PARENT_PID` (above 1), if given.
    pub server: Option<i32>,
}

impl Parent {
    /// The current parent, and the server named by `jpy_parent_pid` (the
    /// variable's text).
    pub fn now(jpy_parent_pid: Option<&str>) -> Parent {
        Parent {
            pid: parent_pid(),
            server: jpy_parent_pid
                .and_then(|v| v.trim().parse::<i32>().ok())
                .filter(|&pid| pid > 1),
        }
    }

    /// Only the server named by `jpy_parent_pid`, whatever the parent
    /// process (a spare kernel's parent is another kernel, which may end
    /// first); `None` when no server is named.
    pub fn server_only(jpy_parent_pid: Option<&str>) -> Option<Parent> {
        let now = Parent::now(jpy_parent_pid);
        now.server.map(|_| Parent { pid: 0, ..now })
    }

    /// Why the parent is gone, if it is; `None` while it lives (and where
    /// processes cannot be looked at, outside Unix).
    pub fn gone(&self) -> Option<String> {
        if self.pid != 0 && parent_pid() != self.pid {
            return Some(format!(
                "the process that started this kernel (pid {}) ended",
                self.pid
            ));
        }
        let server = self.server?;
        (!exists(server))
            .then(|| format!("the Jupyter server (JPY_PARENT_PID {server}) ended"))
    }
}

fn parent_pid() -> i32 {
    #[cfg(unix)]
    {
        // SAFETY: getppid has no preconditions and cannot fail.
        unsafe { libc::getppid() }
    }
    #[cfg(not(unix))]
    {
        0
    }
}

/// Whether process `pid` exists.
fn exists(pid: i32) -> bool {
    #[cfg(unix)]
    {
        // SAFETY: signal 0 only asks whether the process exists.
        let answered = unsafe { libc::kill(pid, 0) } == 0;
        answered || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_living_parent_and_server_are_not_gone() {
        let me = std::process::id().to_string();
        assert_eq!(Parent::now(Some(&me)).gone(), None);
        assert_eq!(Parent::now(Some("not a number")).server, None);
        assert_eq!(Parent::now(Some("1")).server, None);
    }

    #[test]
    fn a_spare_watches_the_server_only() {
        assert_eq!(Parent::server_only(None), None);
        let me = std::process::id().to_string();
        let spare = Parent::server_only(Some(&me)).unwrap();
        assert_eq!(spare.pid, 0);
        assert_eq!(spare.gone(), None);
        let gone = Parent::server_only(Some(&(i32::MAX - 1).to_string())).unwrap();
        assert!(gone.gone().is_some());
    }

    #[test]
    fn a_changed_parent_or_a_missing_server_is_gone() {
        let mut parent = Parent::now(None);
        parent.pid += 1;
        assert!(parent.gone().unwrap().contains("ended"));
        // A process id above the system's limit names no process.
        let parent = Parent::now(Some(&(i32::MAX - 1).to_string()));
        assert!(parent.gone().unwrap().contains("JPY_PARENT_PID"));
    }
}
