//! Records the optimisation level the crate is compiled with, so notebooks
//! can show (and tests can check) that timings come from optimised code,
//! and puts a hash of the crate's sources on the compiler's command line.
//!
//! The course kernel caches compiled crates keyed by the compiler's command
//! line only (evcxr's `:cache`). The hash makes that command line change
//! whenever a source file changes, so an edit to `src/` (or to the kernel's
//! runtime crate, which this crate links) reaches the next kernel instead
//! of a stale cached build.

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};

fn main() {
    let opt = std::env::var("OPT_LEVEL").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=PARALLEL_COURSE_OPT_LEVEL={opt}");
    println!("cargo::rustc-check-cfg=cfg(parallel_course_source, values(any()))");
    println!(
        "cargo::rustc-cfg=parallel_course_source=\"{:016x}\"",
        source_hash()
    );
    println!("cargo:rerun-if-changed=build.rs");
    for dir in SOURCES {
        println!("cargo:rerun-if-changed={dir}");
    }
}

/// The folders whose files the hash covers: this crate's sources and the
/// runtime crate's, which the kernel compiles afresh in every kernel.
const SOURCES: [&str; 2] = ["src", "kernel-ext/runtime/src"];

/// A hash of every file under `SOURCES`: paths and contents, in path order.
fn source_hash() -> u64 {
    let mut files = Vec::new();
    for dir in SOURCES {
        collect(Path::new(dir), &mut files);
    }
    files.sort();
    let mut h = DefaultHasher::new();
    for f in files {
        h.write(f.to_string_lossy().as_bytes());
        h.write(&std::fs::read(&f).unwrap_or_default());
    }
    h.finish()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
