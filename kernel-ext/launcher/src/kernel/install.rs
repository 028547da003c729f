//! The course kernel on this machine: built from `kernel-ext/kernel`
//! (evcxr at the version its lock file pins), the kernelspec in the
//! project's venv, and the kernels' build folder.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::kernel::{config_dir, spec};
use crate::project::Project;
use crate::setup::toolchain::cargo_bin_dir;
use crate::steps::{self, capture};
use crate::system;

/// The course kernel's program name.
const PROGRAM: &str = "course-kernel";

/// The version of evcxr the course kernel is built on, as its lock file
/// (`kernel-ext/kernel/Cargo.lock`) pins it.
///
/// # Errors
///
/// When the lock file cannot be read or names no evcxr.
pub fn evcxr_version(project: &Project) -> anyhow::Result<String> {
    let lock = project.kernel_ext().join("kernel/Cargo.lock");
    let text = std::fs::read_to_string(&lock)
        .with_context(|| format!("reading {}", lock.display()))?;
    locked_version(&text, "evcxr")
        .with_context(|| format!("{} names no evcxr", lock.display()))
}

/// The version a Cargo lock file gives package `name`.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_string());
        }
    }
    None
}

/// Where the course kernel is built: one folder for every checkout on the
/// machine.
pub fn kernel_build_dir() -> anyhow::Result<PathBuf> {
    Ok(system::course_cache()?.join("kernel-build"))
}

/// Builds the course kernel (with `--locked`) unless Cargo finds it up to
/// date, and puts the program in the checkout's `.course/bin/`. The build
/// folder is shared by every checkout on the machine
/// (`~/.cache/parallel-course/kernel-build`), so evcxr is compiled once per
/// machine. Returns the program's path and whether it changed.
pub fn ensure_kernel(
    project: &Project,
    cargo: &OsString,
) -> anyhow::Result<(PathBuf, bool)> {
    let target = system::course_cache()?.join("kernel-build");
    let exe = if cfg!(windows) {
        format!("{PROGRAM}.exe")
    } else {
        PROGRAM.to_string()
    };
    let built = target.join("release").join(&exe);
    if !built.is_file() {
        steps::say(
            "Building the course kernel (evcxr and the course's extensions), once per machine: \
             about 6 minutes on 2 cores, less with more. Cargo's progress follows.",
        );
    }
    steps::run_streamed(
        Command::new(cargo)
            .args(["build", "--release", "--locked", "--manifest-path"])
            .arg(project.kernel_ext().join("kernel/Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target)
            // rust-analyzer's crates read `CI` when they compile, so Cargo
            // would rebuild all of evcxr (six minutes) whenever `CI` is set
            // in one run and not in the next.
            .env_remove("CI"),
        "Building the course kernel failed; the compiler's message is above. It needs Rust 1.95 \
         or newer (`rustup update`) and network access to crates.io the first time.",
    )?;
    let installed = project.state_dir().join("bin").join(&exe);
    let same = |a: &Path, b: &Path| {
        let meta = |p: &Path| {
            std::fs::metadata(p)
                .ok()
                .map(|m| (m.len(), m.modified().ok()))
        };
        meta(a).is_some() && meta(a) == meta(b)
    };
    if same(&built, &installed) {
        link_cargo(&installed)?;
        return Ok((installed, false));
    }
    std::fs::create_dir_all(installed.parent().unwrap_or(Path::new(".")))?;
    // Copy beside it, then rename: a kernel running the old program keeps
    // running it.
    let partial = installed.with_extension("partial");
    std::fs::copy(&built, &partial).with_context(|| {
        format!("copying {} to {}", built.display(), partial.display())
    })?;
    let modified = std::fs::metadata(&built)?.modified()?;
    std::fs::File::options()
        .write(true)
        .open(&partial)?
        .set_modified(modified)?;
    std::fs::rename(&partial, &installed)
        .with_context(|| format!("installing {}", installed.display()))?;
    if !installed.is_file() {
        bail!("{} was not installed", installed.display());
    }
    link_cargo(&installed)?;
    Ok((installed, true))
}

/// Makes `cargo` beside the kernel program a link to it: under that name
/// the kernel plays Cargo for evcxr (see the kernel's `roles`).
fn link_cargo(kernel: &Path) -> anyhow::Result<()> {
    let name = kernel.file_name().unwrap_or_default();
    let link = kernel.with_file_name(exe("cargo"));
    if std::fs::read_link(&link).is_ok_and(|to| to == Path::new(name)) {
        return Ok(());
    }
    let _ = std::fs::remove_file(&link);
    #[cfg(unix)]
    std::os::unix::fs::symlink(name, &link)
        .with_context(|| format!("linking {}", link.display()))?;
    #[cfg(not(unix))]
    std::fs::copy(kernel, &link)
        .with_context(|| format!("copying to {}", link.display()))?;
    Ok(())
}

/// Writes the kernelspec into the venv. Returns whether it changed.
pub fn install_kernelspec(
    project: &Project,
    kernel: &Path,
    cargo: &OsString,
) -> anyhow::Result<bool> {
    let dir = project
        .venv()
        .join("share/jupyter/kernels")
        .join(spec::NAME);
    let tools = toolchain(cargo);
    let shims = kernel.parent().unwrap_or(Path::new("."));
    let path_var = kernel_path_var(shims, &tools)?;
    let build_dir = build_dir(project)?;
    let std_lib_dir = rust_std_lib_dir();
    let text = spec::kernel_json(&spec::Spec {
        kernel,
        course_root: &project.root,
        real_cargo: &tools.cargo,
        config_dir: &config_dir(project),
        build_dir: &build_dir,
        std_lib_dir: std_lib_dir.as_deref(),
        path_var: &path_var,
        // A warm spare kernel for the next notebook, when the program that
        // starts kernels asks for one (./lab's JupyterLab does; the test
        // runner does not, so that no spare warms while a notebook times
        // its cells).
        extra_env: &[(spec::SPARES_ENV, "${COURSE_KERNEL_SPARES}")],
    });
    let file = dir.join("kernel.json");
    if std::fs::read_to_string(&file).is_ok_and(|old| old == text) {
        return Ok(false);
    }
    std::fs::create_dir_all(&dir)?;
    std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
    Ok(true)
}

/// `PATH` for the kernel: the folder of its own `cargo` (the kernel
/// program under that name, which lays the course's lock over a kernel's),
/// the toolchain's own folder (the real `rustc` and `cargo`), then the
/// launcher's `PATH` without rustup's folder. evcxr asks `rustup which
/// cargo` first, which would go round the kernel's `cargo`; without rustup
/// on its `PATH` it takes the first `cargo` there.
fn kernel_path_var(shims: &Path, toolchain: &Toolchain) -> anyhow::Result<String> {
    let rustup_dir = cargo_bin_dir().filter(|d| d.join(exe("rustup")).is_file());
    let mut dirs = vec![shims.to_path_buf()];
    dirs.extend(toolchain.bin.clone());
    dirs.extend(
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|d| Some(d) != rustup_dir.as_ref()),
    );
    let mut seen = std::collections::HashSet::new();
    dirs.retain(|d| seen.insert(d.clone()));
    Ok(std::env::join_paths(dirs)?.to_string_lossy().into_owned())
}

/// Where the kernel finds Rust's tools.
struct Toolchain {
    /// The toolchain's own `bin` folder (rustup's toolchain folder), if
    /// the toolchain has one with `cargo` in it.
    bin: Option<PathBuf>,
    /// The real `cargo`, which the kernel's `cargo` hands over to.
    cargo: PathBuf,
}

/// The active toolchain: its `bin` folder from `rustc --print sysroot`,
/// and its real `cargo` (there, else the cargo the launcher runs with).
fn toolchain(cargo: &OsString) -> Toolchain {
    let bin = capture(Command::new("rustc").args(["--print", "sysroot"]))
        .map(|s| Path::new(s.trim()).join("bin"))
        .filter(|b| b.join(exe("cargo")).is_file());
    let cargo = match &bin {
        Some(b) => b.join(exe("cargo")),
        None => which(cargo).unwrap_or_else(|| PathBuf::from(cargo)),
    };
    Toolchain { bin, cargo }
}

/// `name` with the platform's suffix for programs.
fn exe(name: &str) -> String {
    if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_string()
    }
}

/// The file `program` names: itself if it is a path, else the first match
/// on the `PATH`.
fn which(program: &OsString) -> Option<PathBuf> {
    let given = Path::new(program);
    if given.components().count() > 1 {
        return Some(given.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(given))
        .find(|p| p.is_file())
}

/// The kernels' folder, where each kernel builds cells in a slot, with the Cargo
/// configuration (`kernel-ext/kernel/build-folder.toml`) that lets the
/// support crate be cached. It lies in the user's cache folder: inside the
/// project, Cargo would take the kernels' build crates for members of the
/// course's workspace.
pub fn build_dir(project: &Project) -> anyhow::Result<PathBuf> {
    let dir = system::course_cache()?.join("kernels");
    let source = config_dir(project).join("build-folder.toml");
    let wanted = std::fs::read_to_string(&source)
        .with_context(|| format!("reading {}", source.display()))?;
    let config = dir.join(".cargo").join("config.toml");
    if !std::fs::read_to_string(&config).is_ok_and(|c| c == wanted) {
        std::fs::create_dir_all(dir.join(".cargo"))
            .with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(&config, wanted)
            .with_context(|| format!("writing {}", config.display()))?;
    }
    Ok(dir)
}

/// The toolchain's folder of target libraries (`libstd-*.so`):
/// `<sysroot>/lib/rustlib/<host>/lib`.
fn rust_std_lib_dir() -> Option<PathBuf> {
    let sysroot = capture(Command::new("rustc").args(["--print", "sysroot"]))?;
    let version = capture(Command::new("rustc").arg("-vV"))?;
    let host = version.lines().find_map(|l| l.strip_prefix("host: "))?;
    let dir = Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(host.trim())
        .join("lib");
    dir.is_dir().then_some(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_the_lock_file() {
        let lock = "[[package]]\nname = \"evcxr\"\nversion = \"0.22.0\"\nsource = \"x\"\n\n\
                    [[package]]\nname = \"evcxr_input\"\nversion = \"1.0.0\"\n";
        assert_eq!(locked_version(lock, "evcxr").as_deref(), Some("0.22.0"));
        assert_eq!(
            locked_version(lock, "evcxr_input").as_deref(),
            Some("1.0.0")
        );
        assert_eq!(locked_version(lock, "rayon"), None);
    }

    #[test]
    fn the_kernel_is_built_on_a_pinned_evcxr() {
        let project = Project::locate().unwrap();
        assert!(evcxr_version(&project).unwrap().starts_with("0."));
    }
}
