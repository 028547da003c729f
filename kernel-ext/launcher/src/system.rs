//! What the launcher asks of the machine: the user, the home and cache
//! folders, and whether it runs under CI.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The folder, under the user's cache folder, that holds the course's
/// machine-wide state: the kernels' build folder and the publisher's
/// downloads.
const CACHE_FOLDER: &str = "parallel-course";

/// What to do when the launcher is told to stop: the registered stops, by
/// id.
type Stops = Vec<(u64, Arc<dyn Fn() + Send + Sync>)>;

static STOPS: Mutex<Stops> = Mutex::new(Vec::new());

/// A stop registered with [`on_terminate`]; dropped, it is forgotten
/// (its owner stops what it started itself).
pub struct OnTerminate(u64);

impl Drop for OnTerminate {
    fn drop(&mut self) {
        if let Ok(mut stops) = STOPS.lock() {
            stops.retain(|(id, _)| *id != self.0);
        }
    }
}

/// Registers `stop`, to be run if the launcher receives SIGTERM or SIGHUP
/// (see [`stop_on_signals`]) while the returned guard lives: for what
/// runs outside the launcher's own process tree (the cluster's daemons)
/// or in a process group of its own (the background warm-up).
pub fn on_terminate(stop: impl Fn() + Send + Sync + 'static) -> OnTerminate {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Ok(mut stops) = STOPS.lock() {
        stops.push((id, Arc::new(stop)));
    }
    OnTerminate(id)
}

/// Makes SIGTERM and SIGHUP (a service manager stopping the launcher, its
/// terminal closed) stop everything the launcher started, as Ctrl-C and a
/// normal end do: the registered stops run ([`on_terminate`]) while every
/// process below the launcher gets SIGTERM (JupyterLab then shuts its
/// kernels down), what is left after 10 s gets SIGKILL, and the launcher
/// exits with 128 + the signal's number.
pub fn stop_on_signals() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use anyhow::Context as _;
        use signal_hook::consts::{SIGHUP, SIGTERM};
        let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP])
            .context("could not watch for SIGTERM and SIGHUP")?;
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                let Some(signal) = signals.forever().next() else {
                    return;
                };
                let name = if signal == SIGHUP {
                    "SIGHUP"
                } else {
                    "SIGTERM"
                };
                SIGNALLED.store(signal, std::sync::atomic::Ordering::SeqCst);
                eprintln!("\n./lab received {name}: stopping everything it started.");
                let stops: Vec<_> = STOPS
                    .lock()
                    .map(|s| s.iter().map(|(_, f)| f.clone()).collect())
                    .unwrap_or_default();
                // JupyterLab and the other processes below the launcher
                // stop while the registered stops run: neither waits
                // for the other.
                let below =
                    std::thread::spawn(|| stop_descendants(Duration::from_secs(10)));
                for stop in stops {
                    stop();
                }
                let _ = below.join();
                std::process::exit(128 + signal);
            })
            .context("could not start the signal thread")?;
    }
    Ok(())
}

/// The signal (SIGTERM or SIGHUP) that is stopping the launcher; 0 for none.
static SIGNALLED: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// When a signal is stopping the launcher, waits for that stop to end the
/// process (with status 128 + the signal, as a shell reports a process a
/// signal ended); returns at once otherwise. After 30 s it exits itself.
pub fn finish_a_signals_stop() {
    let signal = SIGNALLED.load(std::sync::atomic::Ordering::SeqCst);
    if signal == 0 {
        return;
    }
    std::thread::sleep(Duration::from_secs(30));
    std::process::exit(128 + signal);
}

/// SIGTERM to every process below this one, then SIGKILL to those left
/// after `grace` (Linux, where `/proc` lists them; elsewhere nothing).
fn stop_descendants(grace: Duration) {
    #[cfg(target_os = "linux")]
    {
        let me = std::process::id();
        let signal_all = |signal: i32| {
            let left = course_kernel_core::procfs::descendants(me);
            for pid in &left {
                if let Ok(pid) = libc::pid_t::try_from(*pid) {
                    // SAFETY: kill has no memory effects; the pids are this
                    // process's own descendants, just listed.
                    unsafe { libc::kill(pid, signal) };
                }
            }
            left.len()
        };
        if signal_all(libc::SIGTERM) == 0 {
            return;
        }
        let start = std::time::Instant::now();
        while start.elapsed() < grace {
            if course_kernel_core::procfs::descendants(me).is_empty() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        signal_all(libc::SIGKILL);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = grace;
}

/// Gives the calling thread, and the processes it starts from now on, the
/// lowest CPU priority (`nice` 19; Linux, where priority is per thread).
pub fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority have no memory effects; they
        // change this thread's own priority.
        unsafe {
            let tid = libc::gettid();
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19);
        }
    }
}

/// Makes `cmd` get SIGTERM if the launcher's thread that starts it ends
/// first (Linux; elsewhere the signal handling of [`stop_on_signals`]
/// covers a launcher that is stopped).
pub fn end_with_launcher(cmd: &mut std::process::Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe and changes only the new
        // process, between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}

/// Makes `cmd` start in a process group of its own (so that
/// [`stop_group`] reaches everything it starts) at the lowest CPU priority
/// (`nice` 19: a learner's cells go first).
pub fn lowest_priority_group(cmd: &mut std::process::Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        // SAFETY: setpriority is async-signal-safe and touches only the
        // new process, between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::setpriority(libc::PRIO_PROCESS, 0, 19);
                Ok(())
            });
        }
    }
    #[cfg(not(unix))]
    let _ = cmd;
}

/// Stops a child started with [`lowest_priority_group`] and its group:
/// SIGTERM, up to 10 s to finish, then SIGKILL; and waits for it.
pub fn stop_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: signals the group this child leads; the child has not
        // been waited for, so its pid (and the group's id) still names it.
        unsafe { libc::kill(-pid, libc::SIGTERM) };
        for _ in 0..100 {
            if matches!(child.try_wait(), Ok(Some(_))) {
                // The leader is gone; anything left in its group goes too.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Refuses to work in a checkout that belongs to another user (root may):
/// set-up rewrites the checkout's kernelspec and kernel, and another user's
/// next kernel would run what this user chose, as them. Two people share
/// the course through a room (`./lab room`), or each clones their own.
///
/// # Errors
///
/// Names the owner and what to do.
pub fn refuse_a_checkout_of_someone_else(root: &std::path::Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let owner = std::fs::metadata(root)?.uid();
        // SAFETY: getuid has no preconditions and cannot fail.
        let me = unsafe { libc::getuid() };
        if me != 0 && owner != me {
            anyhow::bail!(
                "this checkout ({}) belongs to another user (uid {owner}); ./lab would rewrite the \
                 kernel and kernelspec they run. Clone the course into a folder of your own, or \
                 ask them to serve it to you as a room (./lab room).",
                root.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = root;
    Ok(())
}

/// Whether this process runs as root (user id 0).
pub fn running_as_root() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Whether this is a CI run (`CI=true` or `CI=1`): there a missing part
/// of the course (OpenMPI, a browser) is a failure, never a skip.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The user's home folder.
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" })
        .map(PathBuf::from)
}

/// The user's cache folder (`~/.cache` on Linux, or `XDG_CACHE_HOME`).
pub fn cache_home() -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        home_dir().map(|h| h.join("Library/Caches"))
    } else if cfg!(windows) {
        std::env::var_os("LOCALAPPDATA").map(PathBuf::from)
    } else {
        std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| home_dir().map(|h| h.join(".cache")))
    }
}

/// The course's folder in the user's cache folder.
///
/// # Errors
///
/// When neither `HOME` nor `XDG_CACHE_HOME` says where that is.
pub fn course_cache() -> anyhow::Result<PathBuf> {
    cache_home().map(|d| d.join(CACHE_FOLDER)).ok_or_else(|| {
        anyhow::anyhow!(
            "cannot tell where the user's cache folder is: set HOME or XDG_CACHE_HOME"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn root_is_user_id_zero() {
        let id = std::process::Command::new("id").arg("-u").output().unwrap();
        let uid = String::from_utf8_lossy(&id.stdout).trim().to_string();
        assert_eq!(running_as_root(), uid == "0");
    }
}
