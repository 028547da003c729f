//! The warm-up: before a learner opens a notebook, compile in throwaway
//! kernels what the course notebooks load (their `:dep` lines), so that
//! evcxr's cache holds it and no cell compiles for a minute in front of
//! the room.
//!
//! It comes in two parts. Set-up compiles what every notebook loads first,
//! the support crate ([`ensure_warm_first`]): the first notebook's first
//! cell then answers in seconds. What later episodes load besides (the
//! profiler, the C and Fortran crates, tokio, ndarray, …) is compiled by
//! `./lab` in the background at the lowest CPU priority once JupyterLab
//! runs ([`warm_rest_in_background`]), while the learner reads the first
//! episodes; a cell that needs a crate still compiling waits its turn on
//! evcxr's cache instead of compiling it twice.
//!
//! What is warmed follows from the notebooks alone: the runner compiles
//! each notebook's `:dep` lines, and the fingerprint that says whether the
//! warm-up is due hashes those lines and the sources of every path crate
//! they name.

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use anyhow::Context;
use course_kernel_core::deps::{Dep, path_of};

use crate::env::Env;
use crate::kernel::install::evcxr_version;
use crate::kernel::{config_dir, runner};
use crate::project::Project;
use crate::steps;
use crate::system;

/// What a path crate of the course compiles from, relative to its folder:
/// the entries the fingerprint hashes (those that exist).
const CRATE_SOURCES: [&str; 5] = ["Cargo.toml", "Cargo.lock", "build.rs", "src", "c"];

/// The stamps: the first part's, and the whole warm-up's.
const FIRST_STAMP: &str = "warm-first.stamp";
const ALL_STAMP: &str = "warm.stamp";

/// The key a stamp holds: evcxr's version and the fingerprint.
///
/// # Errors
///
/// When a notebook or a crate's source cannot be read.
pub fn key(project: &Project, notebooks: &[PathBuf]) -> anyhow::Result<String> {
    Ok(format!(
        "evcxr {}\nnotebooks and crates {:016x}\n",
        evcxr_version(project)?,
        fingerprint(project, notebooks)?
    ))
}

/// Whether the stamp `name` holds `key` and evcxr's cache is there.
fn stamped(project: &Project, name: &str, key: &str) -> bool {
    let cache_present = system::cache_home().is_some_and(|d| d.join("evcxr").is_dir());
    cache_present
        && std::fs::read_to_string(project.state_dir().join(name)).is_ok_and(|s| s == key)
}

fn stamp(project: &Project, name: &str, key: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(project.state_dir())?;
    std::fs::write(project.state_dir().join(name), key)?;
    Ok(())
}

/// Compiles the support crate in a kernel unless the stamp says this
/// fingerprint is warm. Returns the outcome line.
pub fn ensure_warm_first(project: &Project, env: &Env) -> anyhow::Result<String> {
    let notebooks = project.course_notebooks()?;
    let key = key(project, &notebooks)?;
    if stamped(project, ALL_STAMP, &key) || stamped(project, FIRST_STAMP, &key) {
        return Ok("already warm".into());
    }
    let out = steps::run_with_spinner(
        runner::command(project, env)
            .args(["--warm", "--first-only"])
            .args(&notebooks),
        "compiling the support crate in a kernel",
        "The kernel could not compile what the notebooks load; the output above says why.",
    )?;
    stamp(project, FIRST_STAMP, &key)?;
    let info = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok(if info.is_empty() {
        "compiled".into()
    } else {
        format!("compiled: {info}")
    })
}

/// The rest of the warm-up, running in the background: stopped (with
/// the kernels it started) when dropped.
pub struct Warming {
    child: Child,
    log: PathBuf,
}

impl Warming {
    /// Where its output goes.
    pub fn log(&self) -> &Path {
        &self.log
    }
}

impl Drop for Warming {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        crate::system::stop_group(&mut self.child);
    }
}

/// Starts the whole warm-up in the background, at the lowest CPU priority,
/// unless its stamp says this fingerprint is warm (then `None`). The stamp
/// is written when it ends well; its output goes to a log.
pub fn warm_rest_in_background(
    project: &Project,
    env: &Env,
) -> anyhow::Result<Option<Warming>> {
    let notebooks = project.course_notebooks()?;
    let key = key(project, &notebooks)?;
    if stamped(project, ALL_STAMP, &key) {
        return Ok(None);
    }
    let log = project.logs_dir().join("warm-rest.log");
    std::fs::create_dir_all(project.logs_dir())?;
    let file = std::fs::File::create(&log)
        .with_context(|| format!("creating {}", log.display()))?;
    let mut cmd = runner::command(project, env);
    cmd.arg("--warm")
        .arg("--stamp")
        .arg(project.state_dir().join(ALL_STAMP))
        .arg("--stamp-text")
        .arg(&key)
        .args(&notebooks)
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file);
    crate::system::lowest_priority_group(&mut cmd);
    let child = cmd
        .spawn()
        .context("could not start the warm-up in the background")?;
    Ok(Some(Warming { child, log }))
}

/// The vendored evcxr's file that makes its cache keys: when it changes,
/// compiled crates are filed under new keys, and the warm-up must fill them.
const CACHE_KEYS_SOURCE: &str = "vendor/evcxr/src/module/cache.rs";

/// A hash of everything the warm-up compiles or is configured by: the
/// kernel's configuration (`kernel-ext/kernel/`) and how evcxr keys its
/// cache ([`CACHE_KEYS_SOURCE`]), every `:dep` line of the course
/// notebooks, and the sources ([`CRATE_SOURCES`]) of every path crate
/// those lines name and of the path crates those depend on. A change to
/// any of them means the warm-up must run again. (A new Rust toolchain may
/// hash differently, which only redoes the warm-up.)
fn fingerprint(project: &Project, notebooks: &[PathBuf]) -> anyhow::Result<u64> {
    let mut files = Vec::new();
    files_under(&config_dir(project), &mut files)?;
    files.push(project.kernel_ext().join(CACHE_KEYS_SOURCE));
    let mut h = DefaultHasher::new();
    let mut crates = Vec::new();
    for nb in notebooks {
        for line in dep_lines(nb)? {
            h.write(line.as_bytes());
            h.write_u8(0);
            if let Some(path) = Dep::parse(&line).and_then(|d| d.path) {
                let dir = nb.parent().unwrap_or(Path::new(".")).join(&path);
                crates.push(dir.canonicalize().with_context(|| {
                    format!("{}: the :dep path {path} does not exist", nb.display())
                })?);
            }
        }
    }
    let mut todo = crates;
    let mut crates = Vec::new();
    while let Some(dir) = todo.pop() {
        if !crates.contains(&dir) {
            todo.extend(path_dependencies(&dir));
            crates.push(dir);
        }
    }
    crates.sort();
    for dir in &crates {
        for entry in CRATE_SOURCES {
            let path = dir.join(entry);
            if path.is_dir() {
                files_under(&path, &mut files)?;
            } else if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files.dedup();
    let root = project.root.canonicalize().unwrap_or(project.root.clone());
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .or_else(|_| f.strip_prefix(&project.root))
            .unwrap_or(f);
        h.write(rel.to_string_lossy().as_bytes());
        h.write_u8(0);
        let bytes =
            std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        h.write_usize(bytes.len());
        h.write(&bytes);
    }
    Ok(h.finish())
}

/// The `:dep` lines of a notebook's code cells, trimmed, in order.
pub fn dep_lines(notebook: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(notebook)
        .with_context(|| format!("reading {}", notebook.display()))?;
    let nb: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        format!("{} is not a notebook (invalid JSON)", notebook.display())
    })?;
    let mut lines = Vec::new();
    for cell in nb["cells"].as_array().into_iter().flatten() {
        if cell["cell_type"] != "code" {
            continue;
        }
        let source = match &cell["source"] {
            serde_json::Value::Array(parts) => {
                parts.iter().filter_map(|p| p.as_str()).collect::<String>()
            }
            serde_json::Value::String(s) => s.clone(),
            _ => String::new(),
        };
        lines.extend(
            source
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with(":dep "))
                .map(str::to_string),
        );
    }
    Ok(lines)
}

/// The path crates `crate_dir`'s manifest names (`path = "…"` entries that
/// are folders with a `Cargo.toml`), as canonical paths.
fn path_dependencies(crate_dir: &Path) -> Vec<PathBuf> {
    let Ok(manifest) = std::fs::read_to_string(crate_dir.join("Cargo.toml")) else {
        return Vec::new();
    };
    manifest
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(path_of)
        .map(|p| crate_dir.join(p))
        .filter(|d| d.join("Cargo.toml").is_file())
        .filter_map(|d| d.canonicalize().ok())
        .collect()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            files_under(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notebook(cells: &[(&str, &str)]) -> String {
        let cells: Vec<serde_json::Value> = cells
            .iter()
            .map(|(kind, source)| {
                serde_json::json!({ "cell_type": kind, "source": [source], "metadata": {} })
            })
            .collect();
        serde_json::json!({ "cells": cells, "metadata": {} }).to_string()
    }

    #[test]
    fn the_fingerprint_follows_the_dep_lines_and_the_crates_they_name() {
        let dir =
            std::env::temp_dir().join(format!("course-lab-fp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for f in [
            "Cargo.toml",
            "Cargo.lock",
            "build.rs",
            "src/lib.rs",
            "src/a/b.rs",
            "README.md",
            "crates/profiler/Cargo.toml",
            "crates/profiler/src/lib.rs",
            "crates/course-c/Cargo.toml",
            "crates/course-c/build.rs",
            "crates/course-c/src/lib.rs",
            "crates/course-c/c/arrays.c",
            "crates/unused/src/lib.rs",
            "kernel-ext/kernel/init.evcxr",
            "kernel-ext/vendor/evcxr/src/module/cache.rs",
            "kernel-ext/runtime/Cargo.toml",
            "kernel-ext/runtime/src/lib.rs",
        ] {
            let path = dir.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, f).unwrap();
        }
        std::fs::write(
            dir.join("Cargo.toml"),
            "[dependencies]\nrt = { path = \"kernel-ext/runtime\" }\n\
             [[example]]\npath = \"tests/x.rs\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.join("notebooks")).unwrap();
        let first = dir.join("notebooks/00-a.ipynb");
        let second = dir.join("notebooks/03-b.ipynb");
        std::fs::write(
            &first,
            notebook(&[("code", ":dep parallel_course = { path = \"..\" }\nuse x;")]),
        )
        .unwrap();
        std::fs::write(
            &second,
            notebook(&[
                ("markdown", "# B"),
                (
                    "code",
                    ":dep course_profiler = { path = \"../crates/profiler\" }",
                ),
                ("code", ":dep course_c = { path = \"../crates/course-c\" }"),
            ]),
        )
        .unwrap();
        let project = Project { root: dir.clone() };
        let notebooks = [first.clone(), second.clone()];
        let fp = || fingerprint(&project, &notebooks).unwrap();
        let base = fp();
        assert_eq!(fp(), base);
        for f in [
            "Cargo.lock",
            "src/a/b.rs",
            "crates/profiler/src/lib.rs",
            "crates/course-c/c/arrays.c",
            "kernel-ext/kernel/init.evcxr",
            "kernel-ext/vendor/evcxr/src/module/cache.rs",
            "kernel-ext/runtime/src/lib.rs",
        ] {
            let path = dir.join(f);
            let old = std::fs::read(&path).unwrap();
            std::fs::write(&path, b"changed").unwrap();
            assert_ne!(fp(), base, "{f} changed");
            std::fs::write(&path, old).unwrap();
        }
        for f in ["README.md", "crates/unused/src/lib.rs"] {
            std::fs::write(dir.join(f), b"changed").unwrap();
            assert_eq!(fp(), base, "{f} is not compiled by the warm-up");
        }
        std::fs::write(dir.join("src/new.rs"), "").unwrap();
        let with_new_file = fp();
        assert_ne!(with_new_file, base, "a new source file");
        // A notebook's text does not matter, its `:dep` lines do.
        let text = std::fs::read_to_string(&second).unwrap();
        std::fs::write(&second, text.replace("# B", "# B, renamed")).unwrap();
        assert_eq!(fp(), with_new_file);
        std::fs::write(
            &second,
            notebook(&[("code", ":dep tokio = { version = \"1\" }")]),
        )
        .unwrap();
        assert_ne!(fp(), with_new_file, "a new :dep");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
