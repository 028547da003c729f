//! Kernel slots: warm build folders handed out one kernel at a time.
//!
//! evcxr compiles cells in a build folder of its own. Made afresh for every
//! kernel, that folder starts empty and the support crate is copied into it
//! again (from evcxr's cache) each time; and kernels started together must
//! never share one. The course kernel instead takes the first free slot
//! `slot-N` under the kernels' folder (`COURSE_KERNELS_DIR`), holding `slot-N.lock`
//! (an exclusive `flock`, released by the system however the kernel ends)
//! for as long as it lives, and tells evcxr to build there
//! (`EVCXR_TMPDIR`). The slot stays when the kernel ends, warm for the next
//! kernel. Slots belong to one checkout of the course (a folder
//! `NAME-HASH` per course folder): two checkouts build crates of the same
//! names, and Cargo writes a dylib (`libparallel_course.so`) under the same
//! file name whatever folder its crate came from, so a slot shared between
//! checkouts would load one checkout's crate into the other's kernel. In
//! every build folder the kernel also holds
//! [`LIVE_LOCK`](course_kernel_core::LIVE_LOCK), which the launcher's
//! clean-up reads as "in use".

use std::fs::File;
use std::path::{Path, PathBuf};

use course_kernel_core::{LIVE_LOCK, SLOT_PREFIX};

/// How many slots a machine may have: beyond, kernels get a folder of
/// their own, removed when they end.
const MAX_SLOTS: usize = 64;

/// A slot taken by this kernel, held until the process ends.
pub struct Slot {
    /// The slot's build folder.
    pub dir: PathBuf,
    _lock: File,
}

/// The folder of the slots of the course at `root` under the kernels'
/// folder: `kernels/NAME-HASH`, NAME the course folder's name and HASH a
/// hash of its full path; `kernels/other` without a course folder.
pub fn base_for(kernels: &Path, root: Option<&std::ffi::OsStr>) -> PathBuf {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let Some(root) = root.map(Path::new) else {
        return kernels.join("other");
    };
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut h = DefaultHasher::new();
    root.hash(&mut h);
    let name: String = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    kernels.join(format!("{name}-{:08x}", h.finish() as u32))
}

/// Writes the kernels' Cargo configuration (`build-folder.toml` of the
/// kernel's configuration folder, `EVCXR_CONFIG_DIR`) into the kernels'
/// folder, where Cargo finds it for every build folder below, unless it is
/// there already. Without it the support crate would be compiled
/// incrementally, which evcxr's cache skips: every kernel of a user whose
/// folder was never set up by `./lab` (a room's learner) would compile it.
pub fn ensure_build_config(kernels: &Path) {
    let Some(config_dir) = std::env::var_os("EVCXR_CONFIG_DIR") else {
        return;
    };
    let Ok(wanted) =
        std::fs::read_to_string(Path::new(&config_dir).join("build-folder.toml"))
    else {
        return;
    };
    let config = kernels.join(".cargo").join("config.toml");
    if std::fs::read_to_string(&config).is_ok_and(|c| c == wanted) {
        return;
    }
    if private_dir(&kernels.join(".cargo")).is_ok() {
        // Written beside, then renamed: a kernel starting at the same time
        // never reads half of it.
        let partial = config.with_extension(format!("partial-{}", std::process::id()));
        if std::fs::write(&partial, wanted).is_ok() {
            let _ = std::fs::rename(&partial, &config);
        }
    }
}

/// Makes `dir` and any missing parent readable by its owner only (`0700`);
/// a folder that exists keeps its mode.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Takes the first free slot under `base` (the course's slot folder), or `None`
/// when every slot is taken or locks are not available.
pub fn take(base: &Path) -> Option<Slot> {
    // Private: a learner's build folders hold their compiled cells.
    private_dir(base).ok()?;
    for n in 0..MAX_SLOTS {
        let lock = base.join(format!("{SLOT_PREFIX}{n}.lock"));
        let Ok(file) = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
        else {
            continue;
        };
        if try_lock(&file) {
            let dir = base.join(format!("{SLOT_PREFIX}{n}"));
            if dir.join(FOREIGN).exists() {
                // A kernel built another copy of the support crate here:
                // its files would pass for the course's. Start afresh.
                let _ = std::fs::remove_dir_all(&dir);
            }
            std::fs::create_dir_all(&dir).ok()?;
            return Some(Slot { dir, _lock: file });
        }
    }
    None
}

/// A build folder for this kernel alone, `.tmp-PID-N` under `base`, for
/// when every slot is taken; the kernel removes it when it ends, and the
/// launcher's clean-up when a killed kernel leaves it behind.
pub fn own_folder(base: &Path) -> Option<PathBuf> {
    for n in 0..1000 {
        let dir = base.join(format!(".tmp-{}-{n}", std::process::id()));
        if std::fs::create_dir(&dir).is_ok() {
            return Some(dir);
        }
    }
    None
}

/// Marks the build folder `dir` as holding a build of another copy of the
/// support crate: the next kernel to take it starts it afresh.
pub fn taint(dir: &Path) {
    let _ = std::fs::write(dir.join(FOREIGN), "");
}

/// The mark [`taint`] leaves.
const FOREIGN: &str = ".course-kernel-foreign-crate";

/// Locks `LIVE_LOCK` in the build folder `dir` for the rest of this
/// process's life.
pub fn hold_live_lock(dir: &Path) {
    if let Ok(file) = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LIVE_LOCK))
        && try_lock(&file)
    {
        // Released by the system when the process ends.
        std::mem::forget(file);
    }
}

/// An exclusive lock on `file` without waiting: whether it was granted.
fn try_lock(file: &File) -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: flock on a descriptor this function's caller owns.
        unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        false
    }
}
