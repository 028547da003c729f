//! The roles this program plays besides the kernel:
//!
//! * **`cargo`**, when started under that name (the launcher links
//!   `.course/bin/cargo` to it and puts that folder first on the kernel's
//!   `PATH`): before Cargo resolves dependencies in a kernel's build
//!   folder, it lays the course's `Cargo.lock` over the folder's
//!   ([`course_kernel_core::lockfile`]), then hands over to the real Cargo;
//!
//! and two chosen by the environment evcxr sets when it starts it again:
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
    let name = std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .and_then(|p| p.file_stem().map(|s| s.to_os_string()));
    if name.is_some_and(|n| n == "cargo") {
        be_cargo();
    }
    if std::env::var_os(CELL_PROCESS_ENV).is_some() {
        die_with_kernel();
        quiet_backtraces();
    } else if std::env::var_os(RUSTC_WRAPPER_ENV).is_some() {
        // Held until the wrapper exits, which releases it.
        std::mem::forget(lock_cache_entry());
    }
    evcxr::runtime_hook();
}

/// Plays `cargo`: lays the course's lock over a kernel build folder's
/// before a resolution there, then runs the real Cargo with the same
/// arguments (on Unix it becomes it). Never returns.
fn be_cargo() -> ! {
    let Some(real) = std::env::var_os(course_kernel_core::REAL_CARGO_ENV) else {
        eprintln!(
            "course-kernel (as cargo): {} is not set; run ./lab --setup-only to reinstall the kernel",
            course_kernel_core::REAL_CARGO_ENV
        );
        std::process::exit(101);
    };
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let subcommand = args
        .iter()
        .find(|a| !a.to_string_lossy().starts_with(['-', '+']));
    if subcommand.is_some_and(|s| s == "metadata" || s == "build" || s == "check") {
        overlay_course_lock();
    }
    let mut cmd = std::process::Command::new(&real);
    cmd.args(&args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let error = cmd.exec();
        eprintln!(
            "course-kernel (as cargo): cannot run {}: {error}",
            real.to_string_lossy()
        );
        std::process::exit(101);
    }
    #[cfg(not(unix))]
    match cmd.status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(101)),
        Err(error) => {
            eprintln!(
                "course-kernel (as cargo): cannot run {}: {error}",
                real.to_string_lossy()
            );
            std::process::exit(101);
        }
    }
}

/// Lays the course's `Cargo.lock` over the current folder's, if the current
/// folder is a kernel's build folder (under the kernels' folder); does
/// nothing anywhere else, so a learner's own `cargo` calls are untouched.
fn overlay_course_lock() {
    let (Some(root), Some(tmp), Ok(here)) = (
        std::env::var_os(course_kernel_core::COURSE_ROOT_ENV),
        std::env::var_os(course_kernel_core::KERNELS_DIR_ENV),
        std::env::current_dir(),
    ) else {
        return;
    };
    if !here.starts_with(PathBuf::from(tmp)) {
        return;
    }
    let Ok(course) = std::fs::read_to_string(PathBuf::from(root).join("Cargo.lock"))
    else {
        return;
    };
    let lock = here.join("Cargo.lock");
    let current = std::fs::read_to_string(&lock).unwrap_or_default();
    if let Some(laid) = course_kernel_core::lockfile::overlay(&course, &current) {
        let _ = std::fs::write(&lock, laid);
    }
}

/// Turns off the backtrace evcxr asks for in the cell process: a panic's
/// message already names the file and line, and a learner reading a cell's
/// error gains nothing from the frames of evcxr's generated code. Set
/// `COURSE_KERNEL_BACKTRACE=1` in the kernelspec to have them back.
fn quiet_backtraces() {
    if std::env::var_os("COURSE_KERNEL_BACKTRACE").is_none() {
        // SAFETY: called first thing in the cell process's `main`, before
        // any other thread exists.
        unsafe { std::env::set_var("RUST_BACKTRACE", "0") };
    }
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

/// Mends what a killed kernel may have left torn in evcxr's build cache
/// (see [`build_cache::repair`]), saying so in the kernel's log when
/// anything needed it. Run once as the kernel starts, before it compiles.
pub fn mend_build_cache() {
    let Some(cache) = evcxr_cache_dir() else {
        return;
    };
    let found = build_cache::repair(&cache);
    if found.mended_any() {
        eprintln!(
            "course-kernel: {found} (left torn by a kernel that was stopped mid-write)"
        );
    }
}

/// evcxr's build cache, found as evcxr finds it (`dirs::cache_dir()`).
fn evcxr_cache_dir() -> Option<PathBuf> {
    Some(dirs::cache_dir()?.join("evcxr"))
}

/// Where the lock files live: beside evcxr's cache entries.
fn cache_locks_dir() -> Option<PathBuf> {
    Some(evcxr_cache_dir()?.join(".course-kernel-locks"))
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
