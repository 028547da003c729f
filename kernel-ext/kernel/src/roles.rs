//! The two roles this program plays besides the kernel, chosen by the
//! environment evcxr sets when it starts it again:
//!
//! * the **cell process** (`EVCXR_IS_RUNTIME`), which loads and runs each
//!   compiled cell: it is made to die with the kernel (`PR_SET_PDEATHSIG`),
//!   so that a kernel killed by Jupyter leaves no cell running;
//! * the **`rustc` wrapper** (`EVCXR_RUSTC_WRAPPER`), which consults evcxr's
//!   build cache: it first takes a lock on the cache entry it may read or
//!   write, so that kernels started together never read an entry another is
//!   writing (evcxr 0.22 has no lock of its own: "Failed to wrap rustc:
//!   cannot parse integer from empty string").

use std::path::PathBuf;

use course_kernel_core::build_cache;

/// Set by evcxr in the process that runs cells (`evcxr/src/runtime.rs`).
const CELL_PROCESS_ENV: &str = "EVCXR_IS_RUNTIME";

/// Set by evcxr when it uses this program as `rustc`'s wrapper
/// (`evcxr/src/runtime.rs`).
const RUSTC_WRAPPER_ENV: &str = "EVCXR_RUSTC_WRAPPER";

/// Set by evcxr when its build cache is on (`evcxr/src/module.rs`).
const CACHE_ENABLED_ENV: &str = "EVCXR_CACHE_ENABLED";

/// The build folder evcxr's cache keys are relative to
/// (`evcxr/src/module/cache.rs`).
const TARGET_DIR_ENV: &str = "EVCXR_TARGET_DIR";

/// Plays the cell process or the `rustc` wrapper if the environment says
/// so; neither returns. Returns at once in the kernel itself.
pub fn take_role() {
    if std::env::var_os(CELL_PROCESS_ENV).is_some() {
        die_with_kernel();
    } else if std::env::var_os(RUSTC_WRAPPER_ENV).is_some() {
        // Held until the wrapper exits, which releases it.
        std::mem::forget(lock_cache_entry());
    }
    evcxr::runtime_hook();
}

/// Makes this process (the cell process) get `SIGKILL` when the kernel's
/// thread that started it ends, which is when the kernel ends.
fn die_with_kernel() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl and getppid have no memory-safety preconditions.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::getppid() == 1 {
            // The kernel died before the prctl took effect.
            libc::_exit(1);
        }
    }
}

/// Takes an exclusive lock on the cache entry of this `rustc` call, if it
/// is one evcxr caches; `None` otherwise (or where locks are not
/// available, or the lock file cannot be made: the call then goes on
/// unlocked, as evcxr would).
fn lock_cache_entry() -> Option<std::fs::File> {
    std::env::var_os(CACHE_ENABLED_ENV)?;
    let target_dir = std::env::var(TARGET_DIR_ENV).ok()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = build_cache::lock_name(&args, &target_dir)?;
    let dir = cache_locks_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(name))
        .ok()?;
    lock_exclusive(&file);
    Some(file)
}

/// Where the lock files live: beside evcxr's cache (`dirs::cache_dir()`,
/// as evcxr finds it).
fn cache_locks_dir() -> Option<PathBuf> {
    Some(
        dirs::cache_dir()?
            .join("evcxr")
            .join(".course-kernel-locks"),
    )
}

fn lock_exclusive(file: &std::fs::File) {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: flock on an open descriptor we own; blocks until granted.
        unsafe {
            libc::flock(file.as_raw_fd(), libc::LOCK_EX);
        }
    }
    #[cfg(not(unix))]
    let _ = file;
}
