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

use std::hash::{DefaultHasher, Hash, Hasher};

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

#[cfg(test)]
mod tests {
    use super::*;

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
