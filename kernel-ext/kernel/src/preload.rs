//! The support crate, loaded while the learner reads the first paragraph.
//!
//! The kernelspec names the course's folder (`COURSE_ROOT`). Right after
//! it starts, the kernel copies the course's `Cargo.lock` into its build
//! folder (so every crate a cell loads has the version the course locked,
//! not the newest; it copies it again before every cell with a `:dep`
//! line, since each resolution drops what it did not need), adds the
//! support crate, and compiles and loads it.
//! When the notebook's first cell then says
//! `:dep parallel_course = { path = ".." }` for that same folder, the line
//! has nothing left to do, and the kernel leaves it out (evcxr would
//! otherwise check the dependency again with `cargo metadata`).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use course_kernel_core::deps::Dep;
use evcxr::CommandContext;

/// The kernelspec's variable naming the course's folder.
pub const ROOT_ENV: &str = "COURSE_ROOT";

/// The support crate's name.
const CRATE: &str = "parallel_course";

/// What was preloaded.
pub struct Preloaded {
    /// The support crate's folder, canonical.
    pub root: PathBuf,
    /// The kernel's build folder, where the lock file is seeded.
    pub build_dir: Option<PathBuf>,
}

impl Preloaded {
    /// Copies the course's `Cargo.lock` into the build folder again, before
    /// a cell that adds a dependency.
    pub fn reseed_lock(&self, code: &str) {
        if let Some(dir) = &self.build_dir
            && code.lines().any(|l| Dep::parse(l).is_some())
        {
            seed_lock(dir, &self.root);
        }
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

/// Seeds the lock file, then adds, compiles and loads the support crate;
/// `None` (with a note on the kernel's log) when there is no course folder
/// or it fails, and the notebook's own `:dep` line then does the work.
pub fn preload(ctx: &mut CommandContext) -> Option<Preloaded> {
    let root = std::env::var_os(ROOT_ENV)?;
    let root = Path::new(&root).canonicalize().ok()?;
    if !root.join("Cargo.toml").is_file() {
        eprintln!(
            "course-kernel: {ROOT_ENV}={} has no Cargo.toml; nothing preloaded",
            root.display()
        );
        return None;
    }
    let build_dir = build_dir(ctx);
    if let Some(dir) = &build_dir {
        seed_lock(dir, &root);
    }
    let path = root
        .to_string_lossy()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    let steps = [
        format!(":dep {CRATE} = {{ path = \"{path}\" }}"),
        format!("{CRATE}::build_info();"),
    ];
    for step in &steps {
        let started = std::time::Instant::now();
        let result = ctx.execute(step);
        if std::env::var_os("COURSE_KERNEL_TRACE").is_some() {
            eprintln!(
                "course-kernel: `{step}` took {:.2} s",
                started.elapsed().as_secs_f64()
            );
        }
        if let Err(e) = result {
            eprintln!(
                "course-kernel: preloading the support crate failed at `{step}`: {e}"
            );
            return None;
        }
    }
    Some(Preloaded { root, build_dir })
}

/// The kernel's build folder (evcxr's `:last_compile_dir`).
pub fn build_dir(ctx: &mut CommandContext) -> Option<PathBuf> {
    let out = ctx.execute(":last_compile_dir").ok()?;
    let dir = PathBuf::from(out.get("text/plain")?.trim());
    dir.is_dir().then_some(dir)
}

/// Copies the course's `Cargo.lock` into the build folder `dir`.
fn seed_lock(dir: &Path, root: &Path) {
    let (from, to) = (root.join("Cargo.lock"), dir.join("Cargo.lock"));
    if from.is_file()
        && let Err(e) = std::fs::copy(&from, &to)
    {
        eprintln!("course-kernel: could not seed {}: {e}", to.display());
    }
}
