//! Locks on evcxr's build cache, so that kernels started together never
//! read a cache entry another kernel is writing.
//!
//! evcxr runs `rustc` through a wrapper that looks the compile up in its
//! cache (`~/.cache/evcxr/`), keyed by the compiler's arguments with the
//! kernel's own build folder left out. The course kernel's wrapper takes a
//! lock named after the same arguments first: two kernels that compile the
//! same crate take turns (the second then finds it in the cache), and
//! kernels that compile different crates do not wait for each other.
//!
//! ```
//! use course_kernel_core::build_cache::lock_name;
//!
//! let a = ["rustc", "--crate-name", "rayon", "--out-dir", "/tmp/k1/target/deps"];
//! let b = ["rustc", "--crate-name", "rayon", "--out-dir", "/tmp/k2/target/deps"];
//! let args = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
//! // Two kernels' build folders, one crate: one lock.
//! assert_eq!(lock_name(&args(&a), "/tmp/k1/target"), lock_name(&args(&b), "/tmp/k2/target"));
//! // A cell (compiled incrementally) is never cached, so never locked.
//! let cell = ["rustc", "--crate-name", "ctx", "-C", "incremental=/tmp/k1/inc"];
//! assert_eq!(lock_name(&args(&cell), "/tmp/k1/target"), None);
//! ```
//!
//! A lock cannot help against a wrapper that is killed while it writes: on
//! every hit evcxr rewrites the entry's `hits` file, and a kernel killed
//! between the file's truncation and the write (a stopped `./lab`, a
//! learner's interrupted warm-up) leaves it empty. evcxr then fails every
//! later compile of that crate ("Failed to wrap rustc: cannot parse integer
//! from empty string"), in every kernel, until the entry is removed by
//! hand. [`repair`] finds such entries and mends them; the kernel runs it
//! when it starts.

use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

/// The lock file's name for a `rustc` call with arguments `args` (the
/// compiler's path first) in the build folder `target_dir`, or `None` for
/// a call evcxr does not cache (an incremental compile).
pub fn lock_name(args: &[String], target_dir: &str) -> Option<String> {
    if args.iter().any(|a| a.contains("incremental=")) {
        return None;
    }
    let mut h = DefaultHasher::new();
    for arg in args {
        let normalised = if target_dir.is_empty() {
            arg.clone()
        } else {
            arg.replace(target_dir, "<target_dir>")
        };
        normalised.hash(&mut h);
    }
    Some(format!("{:016x}.lock", h.finish()))
}

/// What [`repair`] found in a build cache.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Repair {
    /// Entries looked at (folders holding a `stderr` list of artifacts).
    pub entries: usize,
    /// Entries whose hit counter was missing or not a number, now `0`.
    pub counters_mended: usize,
    /// Entries that named an artifact no longer there, now withdrawn (the
    /// next compile of that crate builds it again and refills the entry).
    pub entries_withdrawn: usize,
}

impl Repair {
    /// Whether anything needed mending.
    ///
    /// ```
    /// assert!(!course_kernel_core::build_cache::Repair::default().mended_any());
    /// ```
    pub fn mended_any(&self) -> bool {
        self.counters_mended + self.entries_withdrawn > 0
    }
}

impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "build cache: {} entries, {} hit counters mended, {} entries withdrawn",
            self.entries, self.counters_mended, self.entries_withdrawn
        )
    }
}

/// Mends the entries of evcxr's build cache in `cache_dir` that would make
/// every later compile fail: a hit counter (`hits`) that a killed kernel
/// left empty or missing is set to `0` (written to a new file, then
/// renamed over the old), and an entry whose list of artifacts names a file
/// that is gone loses its list, so that evcxr treats it as a miss and fills
/// it again. Sound entries are not touched; a folder that cannot be read is
/// left as it is. A missing `cache_dir` is an empty cache.
///
/// ```
/// use course_kernel_core::build_cache::repair;
///
/// let cache = std::env::temp_dir().join(format!("repair-doc-{}", std::process::id()));
/// let entry = cache.join("42");
/// std::fs::create_dir_all(&entry).unwrap();
/// std::fs::write(entry.join("stderr"), "").unwrap();
/// std::fs::write(entry.join("hits"), "").unwrap(); // torn by a kill
/// let found = repair(&cache);
/// assert_eq!(found.counters_mended, 1);
/// assert_eq!(std::fs::read_to_string(entry.join("hits")).unwrap(), "0");
/// std::fs::remove_dir_all(&cache).unwrap();
/// ```
pub fn repair(cache_dir: &Path) -> Repair {
    let mut found = Repair::default();
    let Ok(entries) = std::fs::read_dir(cache_dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        let Ok(list) = std::fs::read_to_string(dir.join("stderr")) else {
            continue;
        };
        found.entries += 1;
        if !artifacts_present(&dir, &list) {
            if std::fs::remove_file(dir.join("stderr")).is_ok() {
                found.entries_withdrawn += 1;
            }
            continue;
        }
        let hits = dir.join("hits");
        let sound =
            std::fs::read_to_string(&hits).is_ok_and(|s| s.parse::<u32>().is_ok());
        if !sound {
            let fresh = dir.join(format!(".hits.{}", std::process::id()));
            if std::fs::write(&fresh, "0").is_ok()
                && std::fs::rename(&fresh, &hits).is_ok()
            {
                found.counters_mended += 1;
            } else {
                let _ = std::fs::remove_file(&fresh);
            }
        }
    }
    found
}

/// Whether every artifact an entry's list names (one JSON object a line,
/// its `"artifact"` a path whose file name is kept in the entry) is there.
fn artifacts_present(dir: &Path, list: &str) -> bool {
    list.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| v["artifact"].as_str().map(std::path::PathBuf::from))
        .all(|path| path.file_name().is_none_or(|name| dir.join(name).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir()
            .join(format!("build-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entry(
        cache: &Path,
        key: &str,
        hits: Option<&str>,
        artifact_there: bool,
    ) -> std::path::PathBuf {
        let dir = cache.join(key);
        std::fs::create_dir_all(&dir).unwrap();
        let line =
            serde_json::json!({"artifact": "/k/target/deps/libx-1.rlib", "emit": "link"});
        std::fs::write(dir.join("stderr"), format!("{line}\n")).unwrap();
        if artifact_there {
            std::fs::write(dir.join("libx-1.rlib"), "rlib").unwrap();
        }
        if let Some(h) = hits {
            std::fs::write(dir.join("hits"), h).unwrap();
        }
        dir
    }

    #[test]
    fn an_empty_or_missing_hit_counter_is_mended_and_a_sound_one_kept() {
        let cache = scratch("counters");
        let torn = entry(&cache, "1", Some(""), true);
        let missing = entry(&cache, "2", None, true);
        let sound = entry(&cache, "3", Some("17"), true);
        let found = repair(&cache);
        assert_eq!(
            found,
            Repair {
                entries: 3,
                counters_mended: 2,
                entries_withdrawn: 0
            }
        );
        assert_eq!(std::fs::read_to_string(torn.join("hits")).unwrap(), "0");
        assert_eq!(std::fs::read_to_string(missing.join("hits")).unwrap(), "0");
        assert_eq!(std::fs::read_to_string(sound.join("hits")).unwrap(), "17");
        assert_eq!(
            repair(&cache).counters_mended,
            0,
            "a second pass finds nothing"
        );
        std::fs::remove_dir_all(&cache).unwrap();
    }

    #[test]
    fn an_entry_whose_artifact_is_gone_becomes_a_miss() {
        let cache = scratch("gone");
        let dir = entry(&cache, "1", Some("3"), false);
        let found = repair(&cache);
        assert_eq!(found.entries_withdrawn, 1);
        assert!(
            !dir.join("stderr").exists(),
            "evcxr reads a missing list as a miss"
        );
        assert!(found.mended_any());
        std::fs::remove_dir_all(&cache).unwrap();
    }

    #[test]
    fn a_missing_cache_is_empty() {
        let found = repair(Path::new("/nonexistent/evcxr-cache"));
        assert_eq!(found, Repair::default());
        assert!(found.to_string().contains("0 entries"));
    }

    #[test]
    fn different_crates_take_different_locks() {
        let args =
            |name: &str| vec!["rustc".to_string(), "--crate-name".into(), name.into()];
        assert_ne!(
            lock_name(&args("rayon"), "/t"),
            lock_name(&args("rand"), "/t")
        );
        assert!(lock_name(&args("rayon"), "").unwrap().ends_with(".lock"));
    }
}
