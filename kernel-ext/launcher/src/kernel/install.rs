//! The course kernel on this machine: evcxr_jupyter at its pinned version,
//! the kernelspec in the project's venv, and the kernels' build folder.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::kernel::{config_dir, spec};
use crate::project::Project;
use crate::setup::toolchain::cargo_bin_dir;
use crate::steps::{self, capture};
use crate::system;

/// The kernel's version, pinned together with the toolchain it needs
/// (evcxr 0.22 needs rustc 1.95 or newer).
pub const EVCXR_VERSION: &str = "0.22.0";

/// Installs evcxr_jupyter at the pinned version unless it is there.
/// Returns its path and whether it was built now.
pub fn ensure_evcxr(cargo: &OsString) -> anyhow::Result<(PathBuf, bool)> {
    let exe = if cfg!(windows) {
        "evcxr_jupyter.exe"
    } else {
        "evcxr_jupyter"
    };
    let bin = cargo_bin_dir()
        .context("cannot tell where cargo installs binaries: set CARGO_HOME or HOME")?
        .join(exe);
    let listed =
        capture(Command::new(cargo).args(["install", "--list"])).unwrap_or_default();
    let wanted = format!("evcxr_jupyter v{EVCXR_VERSION}:");
    if listed.lines().any(|l| l.trim() == wanted) && bin.is_file() {
        return Ok((bin, false));
    }
    println!(
        "      Building the kernel from source, once per machine: about 9 minutes on 2 cores,\n      \
         less with more. Cargo shows its progress below."
    );
    steps::run_streamed(
        Command::new(cargo).args([
            "install",
            "evcxr_jupyter",
            "--version",
            EVCXR_VERSION,
            "--locked",
        ]),
        "Building evcxr_jupyter failed. It needs Rust 1.95 or newer (`rustup update`) and \
         network access to crates.io.",
    )?;
    if !bin.is_file() {
        bail!(
            "cargo reported success but {} does not exist",
            bin.display()
        );
    }
    Ok((bin, true))
}

/// Writes the kernelspec into the venv. Returns whether it changed.
pub fn install_kernelspec(
    project: &Project,
    evcxr: &Path,
    cargo: &OsString,
) -> anyhow::Result<bool> {
    let dir = project
        .venv()
        .join("share/jupyter/kernels")
        .join(spec::NAME);
    let path_var = kernel_path_var(cargo)?;
    let build_dir = build_dir(project)?;
    let std_lib_dir = rust_std_lib_dir();
    let text = spec::kernel_json(&spec::Spec {
        evcxr,
        config_dir: &config_dir(project),
        build_dir: &build_dir,
        std_lib_dir: std_lib_dir.as_deref(),
        path_var: &path_var,
    });
    let file = dir.join("kernel.json");
    if std::fs::read_to_string(&file).is_ok_and(|old| old == text) {
        return Ok(false);
    }
    std::fs::create_dir_all(&dir)?;
    std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
    Ok(true)
}

/// `PATH` for the kernel: the folder of the cargo on the PATH (rustup's
/// proxies, so the kernel finds the same toolchain), cargo's binary
/// folder, then the launcher's own `PATH`, without repeats.
fn kernel_path_var(cargo: &OsString) -> anyhow::Result<String> {
    let mut dirs: Vec<PathBuf> = cargo_dir_on_path(cargo).into_iter().collect();
    dirs.extend(cargo_bin_dir());
    dirs.extend(
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    let mut seen = std::collections::HashSet::new();
    dirs.retain(|d| seen.insert(d.clone()));
    Ok(std::env::join_paths(dirs)?.to_string_lossy().into_owned())
}

/// The directory holding `cargo` on the PATH (rustup's proxies).
fn cargo_dir_on_path(cargo: &OsString) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let name = Path::new(cargo).file_name()?.to_owned();
    std::env::split_paths(&path)
        .find(|d| d.join(&name).is_file())
        .or_else(|| Path::new(cargo).parent().map(Path::to_path_buf))
}

/// The folder the kernels build cells in (their `TMPDIR`), with the Cargo
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
