//! The support crate, loaded while the learner reads the first paragraph.
//!
//! The kernelspec names the course's folder (`COURSE_ROOT`). Right after
//! it starts, the kernel adds the support crate, and compiles and loads it
//! (with the versions the course's `Cargo.lock` names: see
//! [`crate::roles`]).
//! When the notebook's first cell then says
//! `:dep parallel_course = { path = ".." }` for that same folder, the line
//! has nothing left to do, and the kernel leaves it out (evcxr would
//! otherwise check the dependency again with `cargo metadata`).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use course_kernel_core::deps::Dep;
use evcxr::CommandContext;

use course_kernel_core::COURSE_ROOT_ENV as ROOT_ENV;

/// The support crate's name.
const CRATE: &str = "parallel_course";

/// What was preloaded.
pub struct Preloaded {
    /// The support crate's folder, canonical.
    pub root: PathBuf,
}

impl Preloaded {
    /// Whether `code` loads a crate named like the support crate from
    /// another folder (a copy of it): its build then takes the support
    /// crate's file names in the build folder.
    pub fn loads_another_copy(&self, code: &str) -> bool {
        code.lines().any(|line| {
            Dep::parse(line).is_some_and(|dep| {
                dep.name == CRATE
                    && dep
                        .path
                        .and_then(|p| Path::new(&p).canonicalize().ok())
                        .is_some_and(|p| p != self.root)
            })
        })
    }

    /// `code` without the `:dep` lines that load the preloaded crate from
    /// its own folder (each becomes an empty line, so that line numbers in
    /// messages stay right).
    pub fn strip_dep_lines<'a>(&self, code: &'a str) -> Cow<'a, str> {
        let loads_it = |line: &str| {
            Dep::parse(line).is_some_and(|dep| {
                dep.name == CRATE
                    && dep
                        .path
                        .and_then(|p| Path::new(&p).canonicalize().ok())
                        .is_some_and(|p| p == self.root)
            })
        };
        if !code.lines().any(loads_it) {
            return Cow::Borrowed(code);
        }
        let kept: Vec<&str> = code
            .lines()
            .map(|l| if loads_it(l) { "" } else { l })
            .collect();
        Cow::Owned(kept.join("\n"))
    }
}

/// The support crate's folder, canonical, if the kernelspec names a course
/// folder with a `Cargo.toml`: the kernel then loads it at once, and that is
/// evcxr's first compile (so evcxr is started without one of its own).
pub fn course_root() -> Option<PathBuf> {
    let root = Path::new(&std::env::var_os(ROOT_ENV)?)
        .canonicalize()
        .ok()?;
    root.join("Cargo.toml").is_file().then_some(root)
}

/// Seeds the lock file, then adds, compiles and loads the support crate;
/// `None` (with a note on the kernel's log) when there is no course folder
/// or it fails, and the notebook's own `:dep` line then does the work.
pub fn preload(ctx: &mut CommandContext) -> Option<Preloaded> {
    let Some(root) = course_root() else {
        if let Some(named) = std::env::var_os(ROOT_ENV) {
            eprintln!(
                "course-kernel: {ROOT_ENV}={} is no folder with a Cargo.toml; nothing preloaded",
                Path::new(&named).display()
            );
        }
        return None;
    };
    let path = root
        .to_string_lossy()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    // One cell, so one compile: the dependency, and a first call that loads
    // the crate's library into the cell process.
    let cell = format!(":dep {CRATE} = {{ path = \"{path}\" }}\n{CRATE}::build_info();");
    let started = std::time::Instant::now();
    let cpu = cpu_so_far();
    let result = ctx.execute(&cell);
    trace("loading the support crate", started, cpu);
    if let Err(e) = result {
        eprintln!("course-kernel: preloading the support crate failed: {e}");
        return None;
    }
    // The first `let` of a cell asks rust-analyzer for its type, and its
    // first look (the standard library, the crate and its dependencies:
    // about three seconds on one core) is most of a kernel's start. Cells
    // without a `let` never ask (see kernel-ext/vendor/PATCHES.md), so it
    // comes here, with a completion that changes nothing.
    let started = std::time::Instant::now();
    let cpu = cpu_so_far();
    let probe = format!("{CRATE}::build_info().");
    let _ = ctx.completions(&probe, probe.len());
    trace("rust-analyzer's first look", started, cpu);
    Some(Preloaded { root })
}

/// The kernel's CPU time so far, its compilers' included.
pub fn cpu_so_far() -> std::time::Duration {
    course_kernel_core::procfs::cpu_with_children(std::process::id()).unwrap_or_default()
}

/// With `COURSE_KERNEL_TRACE` set, says on the kernel's log how long
/// `what` took, in wall-clock and CPU time.
pub fn trace(what: &str, started: std::time::Instant, cpu_before: std::time::Duration) {
    if std::env::var_os("COURSE_KERNEL_TRACE").is_some() {
        eprintln!(
            "course-kernel: {what}: {:.2} s, CPU {:.2} s",
            started.elapsed().as_secs_f64(),
            cpu_so_far().saturating_sub(cpu_before).as_secs_f64()
        );
    }
}

/// The kernel's build folder (evcxr's `:last_compile_dir`).
pub fn build_dir(ctx: &mut CommandContext) -> Option<PathBuf> {
    let out = ctx.execute(":last_compile_dir").ok()?;
    let dir = PathBuf::from(out.get("text/plain")?.trim());
    dir.is_dir().then_some(dir)
}
