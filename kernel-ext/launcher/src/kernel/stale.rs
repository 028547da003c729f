//! Removing the build folders that dead kernels leave behind.
//!
//! The course kernel builds in a slot (`NAME-HASH/slot-N`, one set of slots
//! per checkout of the course, kept warm for the next kernel, never removed
//! here) or, when every slot is taken, in a folder of its own
//! (`NAME-HASH/.tmp-…`, some 70 MB), which it removes when it ends; a
//! kernel that was killed, or an older kernel (`.tmpXXXXXX` directly in
//! the kernels' folder), leaves its folder behind.
//! A `.tmp` folder is stale when nothing says it is in use:
//!
//! * its kernel's lock ([`LIVE_LOCK`], held by a live course kernel for
//!   its whole life, interrupts included) is free or absent;
//! * no running process has a file from it mapped into memory (for
//!   kernels that hold no lock), comparing resolved paths, so that a cache
//!   folder reached through a symbolic link is seen for what it is;
//! * it has not changed for [`MIN_AGE`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use course_kernel_core::LIVE_LOCK;

/// How long a folder must be unchanged before it can count as stale.
pub const MIN_AGE: Duration = Duration::from_secs(30 * 60);

/// What a clean-up removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    /// Folders removed.
    pub folders: usize,
    /// Bytes they held.
    pub bytes: u64,
}

impl std::fmt::Display for Removed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.folders {
            0 => f.write_str("no stale kernel folders"),
            n => write!(
                f,
                "removed {n} stale kernel folder{} ({:.0} MB)",
                if n == 1 { "" } else { "s" },
                self.bytes as f64 / 1e6
            ),
        }
    }
}

/// A kernel folder as seen by [`stale_folders`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// Its path.
    pub path: PathBuf,
    /// How long ago it last changed.
    pub age: Duration,
}

/// The folders among `folders` that are stale: older than `min_age`, and
/// with no path in `mapped` inside them.
pub fn stale_folders<'a>(
    folders: &'a [Folder],
    mapped: &HashSet<PathBuf>,
    min_age: Duration,
) -> Vec<&'a Folder> {
    folders
        .iter()
        .filter(|f| f.age >= min_age)
        .filter(|f| !mapped.iter().any(|m| m.starts_with(&f.path)))
        .collect()
}

/// Removes the stale kernel folders under `dir`. Only on Linux, where the
/// files every process maps can be read from `/proc`; elsewhere it removes
/// nothing. Folders that cannot be read or removed are left alone.
pub fn remove_stale(dir: &Path) -> Removed {
    let Some(mapped) = mapped_files() else {
        return Removed::default();
    };
    let folders: Vec<Folder> = kernel_folders(dir)
        .into_iter()
        .filter(|f| !lock_held(&f.path.join(LIVE_LOCK)))
        .collect();
    let mut removed = Removed::default();
    for folder in stale_folders(&folders, &mapped, MIN_AGE) {
        let bytes = size_of(&folder.path);
        if std::fs::remove_dir_all(&folder.path).is_ok() {
            removed.folders += 1;
            removed.bytes += bytes;
        }
    }
    removed
}

/// Whether another process holds the lock on `file` (a live kernel's).
/// A missing file, or a system without such locks, counts as not held.
fn lock_held(file: &Path) -> bool {
    let Ok(handle) = std::fs::File::open(file) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: flock on a descriptor this function owns; the lock, if
        // granted, is released when `handle` is closed below.
        let granted = unsafe {
            libc::flock(handle.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) == 0
        };
        !granted
    }
    #[cfg(not(unix))]
    {
        let _ = handle;
        false
    }
}

/// The `.tmp*` folders under `dir` and under each course's slot folder
/// in it (`NAME-HASH/`), resolved so that they compare with the resolved
/// paths in `/proc/*/maps`, with their ages.
fn kernel_folders(dir: &Path) -> Vec<Folder> {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut found = tmp_folders(&dir);
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') && entry.file_type().is_ok_and(|t| t.is_dir()) {
                found.extend(tmp_folders(&entry.path()));
            }
        }
    }
    found
}

/// The `.tmp*` folders directly under `dir`, with their ages.
fn tmp_folders(dir: &Path) -> Vec<Folder> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let now = SystemTime::now();
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let changed = e.metadata().ok()?.modified().ok()?;
            Some(Folder {
                path: e.path(),
                age: now.duration_since(changed).unwrap_or_default(),
            })
        })
        .collect()
}

/// Every file mapped by any process this user can see, or `None` where
/// `/proc` does not tell (then nothing counts as stale).
fn mapped_files() -> Option<HashSet<PathBuf>> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let mut mapped = HashSet::new();
    for entry in std::fs::read_dir("/proc").ok()?.filter_map(Result::ok) {
        if !entry
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
        {
            continue;
        }
        // A process that ends meanwhile, or that belongs to another user,
        // cannot be read; skip it.
        let Ok(maps) = std::fs::read_to_string(entry.path().join("maps")) else {
            continue;
        };
        mapped.extend(parse_maps(&maps));
    }
    Some(mapped)
}

/// The file paths in a `/proc/<pid>/maps` text (the sixth column, when it is
/// an absolute path).
fn parse_maps(maps: &str) -> impl Iterator<Item = PathBuf> + '_ {
    maps.lines().filter_map(|line| {
        let path = line.splitn(6, ' ').nth(5)?.trim_start();
        path.starts_with('/')
            .then(|| PathBuf::from(path.trim_end_matches(" (deleted)")))
    })
}

/// Bytes in the files under `dir`.
fn size_of(dir: &Path) -> u64 {
    let mut total = 0;
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            match e.file_type() {
                Ok(t) if t.is_dir() => todo.push(e.path()),
                Ok(_) => total += e.metadata().map_or(0, |m| m.len()),
                Err(_) => {}
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(path: &str, minutes: u64) -> Folder {
        Folder {
            path: PathBuf::from(path),
            age: Duration::from_secs(minutes * 60),
        }
    }

    #[test]
    fn only_old_folders_that_no_process_maps_are_stale() {
        let folders = [
            folder("/k/.tmpOld", 120),
            folder("/k/.tmpLive", 120),
            folder("/k/.tmpNew", 5),
        ];
        let mapped: HashSet<PathBuf> =
            [PathBuf::from("/k/.tmpLive/target/debug/deps/libcode_3.so")].into();
        let stale = stale_folders(&folders, &mapped, MIN_AGE);
        assert_eq!(stale, vec![&folders[0]]);
    }

    #[test]
    fn a_folder_is_not_live_because_of_a_sibling_with_a_longer_name() {
        let folders = [folder("/k/.tmpA", 120)];
        let mapped: HashSet<PathBuf> = [PathBuf::from("/k/.tmpAB/libcode_1.so")].into();
        assert_eq!(stale_folders(&folders, &mapped, MIN_AGE).len(), 1);
    }

    #[test]
    fn maps_lines_give_their_file_paths() {
        let maps = "\
7f1c0000-7f1c1000 r-xp 00000000 08:01 1234   /home/u/.cache/k/.tmpX/deps/libcode_2.so
7f1d0000-7f1d1000 rw-p 00000000 00:00 0 
7ffd0000-7ffd1000 rw-p 00000000 00:00 0      [stack]
7f1e0000-7f1e1000 r--p 00000000 08:01 99     /tmp/gone.so (deleted)
";
        let paths: Vec<PathBuf> = parse_maps(maps).collect();
        assert_eq!(
            paths,
            [
                PathBuf::from("/home/u/.cache/k/.tmpX/deps/libcode_2.so"),
                PathBuf::from("/tmp/gone.so"),
            ]
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_test_programs_own_executable_is_seen_as_mapped() {
        let exe = std::env::current_exe().unwrap();
        let mapped = mapped_files().expect("/proc is readable on Linux");
        assert!(
            mapped.contains(&exe),
            "{} not among mapped files",
            exe.display()
        );
    }

    /// A scratch folder holding a `.tmp` kernel folder last changed two
    /// hours ago.
    #[cfg(unix)]
    fn old_kernel_folder(name: &str) -> (PathBuf, PathBuf) {
        let base = std::env::temp_dir()
            .join(format!("course-stale-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let folder = base.join(".tmpKernel");
        std::fs::create_dir_all(folder.join("target")).unwrap();
        std::fs::write(folder.join(LIVE_LOCK), "").unwrap();
        let two_hours_ago = SystemTime::now() - Duration::from_secs(2 * 3600);
        std::fs::File::open(&folder)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
        (base, folder)
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_folder_whose_kernel_holds_its_lock_is_never_removed() {
        use std::os::fd::AsRawFd;
        let (base, folder) = old_kernel_folder("live");
        let lock = std::fs::File::options()
            .write(true)
            .open(folder.join(LIVE_LOCK))
            .unwrap();
        // SAFETY: flock on a descriptor this test owns.
        assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
        assert_eq!(remove_stale(&base).folders, 0);
        assert!(folder.is_dir());
        drop(lock); // the kernel ends
        assert_eq!(remove_stale(&base).folders, 1);
        assert!(!folder.exists());
        std::fs::remove_dir_all(base).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn folders_behind_a_symbolic_link_are_named_by_their_real_path() {
        let (base, _) = old_kernel_folder("link");
        let link = base.with_extension("link");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&base, &link).unwrap();
        let found = kernel_folders(&link);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].path.starts_with(base.canonicalize().unwrap()),
            "{found:?}"
        );
        std::fs::remove_file(link).unwrap();
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn the_summary_says_what_was_removed() {
        assert_eq!(Removed::default().to_string(), "no stale kernel folders");
        let r = Removed {
            folders: 2,
            bytes: 140_000_000,
        };
        assert_eq!(r.to_string(), "removed 2 stale kernel folders (140 MB)");
    }
}
