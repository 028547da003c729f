//! Set-up: install what is missing, skip what is done.
//!
//! Every step first checks whether its work is already done (a version
//! list, a stamp file, a file's content) so that a second run takes
//! seconds.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::kernelspec;
use crate::project::Project;
use crate::steps::{self, capture, header, outcome};

/// The kernel's version, pinned together with the toolchain it needs
/// (evcxr 0.22 needs rustc 1.95 or newer).
pub const EVCXR_VERSION: &str = "0.22.0";

/// Whether to compile the support crate in a kernel at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warm {
    Yes,
    No,
}

/// What later stages need from set-up.
#[derive(Debug, Clone)]
pub struct Env {
    /// Python inside the project's venv.
    pub python: PathBuf,
    /// `jupyter` inside the venv.
    pub jupyter: PathBuf,
    /// The cargo to run tests with.
    pub cargo: OsString,
}

pub fn set_up(project: &Project, warm: Warm) -> anyhow::Result<Env> {
    let total = if warm == Warm::Yes { 8 } else { 7 };
    let setup_start = Instant::now();

    header(1, total, "Checking for cargo and Python 3 with pip");
    let t = Instant::now();
    let cargo = find_cargo()?;
    let python = find_python()?;
    outcome(
        &format!(
            "found {} and {}",
            describe_version(&cargo, "--version"),
            python.version
        ),
        t,
    );

    header(2, total, "Python environment (.venv)");
    let t = Instant::now();
    ensure_venv(project, &python)?;
    outcome("ready", t);

    header(3, total, "JupyterLab, nbclient and nbconvert");
    let t = Instant::now();
    let skipped = ensure_python_packages(project)?;
    outcome(
        if skipped {
            "already installed"
        } else {
            "installed"
        },
        t,
    );

    header(
        4,
        total,
        "rust-src component (for the kernel's type inference)",
    );
    let t = Instant::now();
    outcome(&ensure_rust_src()?, t);

    header(
        5,
        total,
        &format!("evcxr_jupyter {EVCXR_VERSION} (the Rust kernel)"),
    );
    let t = Instant::now();
    let (evcxr, built) = ensure_evcxr(&cargo)?;
    outcome(
        if built {
            "built and installed"
        } else {
            "already installed"
        },
        t,
    );

    header(
        6,
        total,
        &format!("Kernelspec \"{}\" in .venv", kernelspec::NAME),
    );
    let t = Instant::now();
    let written = install_kernelspec(project, &evcxr, &cargo)?;
    outcome(if written { "written" } else { "up to date" }, t);

    header(
        7,
        total,
        "Helper programs (pi-worker, release-parity check) and the crate's documentation",
    );
    let t = Instant::now();
    steps::run_streamed(
        Command::new(&cargo)
            .args([
                "build",
                "--release",
                "--bin",
                "pi-worker",
                "--example",
                "release_parity",
            ])
            .current_dir(&project.root),
        "The support crate failed to build in release mode; the compiler's message is above.",
    )?;
    build_api_docs(project, &cargo)?;
    outcome("built; documentation in notebooks/api/", t);

    let env = Env {
        python: project.venv_bin("python"),
        jupyter: project.venv_bin("jupyter"),
        cargo,
    };
    if warm == Warm::Yes {
        header(8, total, "Warming the support crate build in the kernel");
        let t = Instant::now();
        let what = warm_kernel(project, &env)?;
        outcome(&what, t);
    }
    println!("Set-up took {}.", steps::seconds(setup_start.elapsed()));
    Ok(env)
}

/// Builds the support crate's documentation with `cargo doc` and copies it
/// to `notebooks/api/`, where the notebooks' links point: JupyterLab serves
/// only what is under `notebooks/`, and the published pages keep the same
/// relative links.
fn build_api_docs(project: &Project, cargo: &OsString) -> anyhow::Result<()> {
    steps::run_streamed(
        Command::new(cargo)
            .args([
                "doc",
                "--no-deps",
                "--quiet",
                "--package",
                "parallel_course",
                "--package",
                "course_profiler",
            ])
            .current_dir(&project.root),
        "cargo doc failed on the course's crates; its message is above.",
    )?;
    let built = project.root.join("target").join("doc");
    let api = project.root.join("notebooks").join("api");
    if api.exists() {
        std::fs::remove_dir_all(&api)
            .with_context(|| format!("removing the old {}", api.display()))?;
    }
    copy_dir(&built, &api)
        .with_context(|| format!("copying {} to {}", built.display(), api.display()))
}

/// Copies the folder `from` to `to`, recursively.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn describe_version(program: &OsString, flag: &str) -> String {
    capture(Command::new(program).arg(flag))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| program.to_string_lossy().into_owned())
}

/// Cargo: the one running us (`CARGO`), else `cargo` on the PATH.
fn find_cargo() -> anyhow::Result<OsString> {
    let candidates = std::env::var_os("CARGO")
        .into_iter()
        .chain([OsString::from("cargo")]);
    for c in candidates {
        if capture(Command::new(&c).arg("--version")).is_some() {
            return Ok(c);
        }
    }
    bail!(
        "cargo was not found. Install Rust with rustup (https://rustup.rs), open a new \
         terminal so that ~/.cargo/bin is on your PATH, and run ./lab again."
    )
}

pub struct Python {
    pub program: OsString,
    pub version: String,
}

/// Python 3.9 or newer, with pip.
fn find_python() -> anyhow::Result<Python> {
    let names = if cfg!(windows) {
        ["python", "python3"]
    } else {
        ["python3", "python"]
    };
    for name in names {
        let Some(out) = capture(Command::new(name).arg("--version")) else {
            continue;
        };
        let version = out.trim().to_string();
        let Some((major, minor)) = parse_python_version(&version) else {
            continue;
        };
        if major != 3 {
            continue;
        }
        if minor < 9 {
            bail!(
                "{version} is too old: the course needs Python 3.9 or newer. Install a newer \
                 Python 3 (https://www.python.org/downloads/ or your package manager)."
            );
        }
        if capture(Command::new(name).args(["-m", "pip", "--version"])).is_none() {
            bail!(
                "{version} was found but its pip is missing. Install pip: on Debian/Ubuntu \
                 `sudo apt install python3-pip python3-venv`, elsewhere `{name} -m ensurepip --upgrade`."
            );
        }
        return Ok(Python {
            program: name.into(),
            version,
        });
    }
    bail!(
        "python3 was not found. Install Python 3.9 or newer with pip (Debian/Ubuntu: \
         `sudo apt install python3 python3-pip python3-venv`; macOS: `brew install python`; \
         Windows: https://www.python.org/downloads/) and run ./lab again."
    )
}

fn parse_python_version(text: &str) -> Option<(u32, u32)> {
    let v = text.strip_prefix("Python ")?;
    let mut parts = v.split('.');
    Some((
        parts.next()?.parse().ok()?,
        parts.next()?.trim().parse().ok()?,
    ))
}

fn ensure_venv(project: &Project, python: &Python) -> anyhow::Result<()> {
    if project.venv_bin("python").is_file() {
        return Ok(());
    }
    steps::run_streamed(
        Command::new(&python.program)
            .arg("-m")
            .arg("venv")
            .arg(project.venv()),
        "Creating a virtual environment needs Python's venv module: on Debian/Ubuntu \
         install it with `sudo apt install python3-venv`, then delete .venv and run ./lab again.",
    )
}

/// Installs the pinned requirements unless the stamp says they are in.
/// Returns whether it skipped.
fn ensure_python_packages(project: &Project) -> anyhow::Result<bool> {
    let requirements = project.kernel_ext().join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .with_context(|| format!("reading {}", requirements.display()))?;
    let stamp = project.venv().join(".course-requirements");
    let jupyter_ok = project.venv_bin("jupyter").is_file();
    if jupyter_ok && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(true);
    }
    steps::run_streamed(
        Command::new(project.venv_bin("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--progress-bar",
                "on",
                "-r",
            ])
            .arg(&requirements),
        "pip could not install the Python packages; check your network connection \
         (pip needs https://pypi.org) and run ./lab again.",
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(false)
}

fn ensure_rust_src() -> anyhow::Result<String> {
    let Some(installed) =
        capture(Command::new("rustup").args(["component", "list", "--installed"]))
    else {
        return Ok("rustup not found: skipped (install rust-src by hand if your Rust has no rustup)".into());
    };
    if installed.lines().any(|l| l.starts_with("rust-src")) {
        return Ok("already installed".into());
    }
    steps::run_streamed(
        Command::new("rustup").args(["component", "add", "rust-src"]),
        "rustup could not add rust-src; check your network connection and run ./lab again.",
    )?;
    Ok("installed".into())
}

/// The directory `cargo install` puts binaries in.
fn cargo_bin_dir() -> Option<PathBuf> {
    if let Some(root) = std::env::var_os("CARGO_INSTALL_ROOT") {
        return Some(PathBuf::from(root).join("bin"));
    }
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Some(PathBuf::from(home).join("bin"));
    }
    home_dir().map(|h| h.join(".cargo").join("bin"))
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" })
        .map(PathBuf::from)
}

/// Installs evcxr_jupyter at the pinned version unless it is there.
/// Returns its path and whether it was built now.
fn ensure_evcxr(cargo: &OsString) -> anyhow::Result<(PathBuf, bool)> {
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

/// The directory holding `cargo` on the PATH (rustup's proxies), so the
/// kernel finds the same toolchain.
fn cargo_dir_on_path(cargo: &OsString) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let name = Path::new(cargo).file_name()?.to_owned();
    std::env::split_paths(&path)
        .find(|d| d.join(&name).is_file())
        .or_else(|| Path::new(cargo).parent().map(Path::to_path_buf))
}

/// Writes the kernelspec into the venv. Returns whether it changed.
fn install_kernelspec(
    project: &Project,
    evcxr: &Path,
    cargo: &OsString,
) -> anyhow::Result<bool> {
    let dir = project
        .venv()
        .join("share/jupyter/kernels")
        .join(kernelspec::NAME);
    let mut dirs: Vec<PathBuf> = cargo_dir_on_path(cargo).into_iter().collect();
    dirs.extend(cargo_bin_dir());
    dirs.extend(
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    let mut seen = std::collections::HashSet::new();
    dirs.retain(|d| seen.insert(d.clone()));
    let path_var = std::env::join_paths(dirs)?.to_string_lossy().into_owned();
    let build_dir = kernel_build_dir()?;
    let std_lib_dir = rust_std_lib_dir();
    let text = kernelspec::kernel_json(&kernelspec::Spec {
        evcxr,
        config_dir: &project.kernel_ext().join("evcxr"),
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

/// The folder the kernels build cells in (their `TMPDIR`), with the Cargo
/// configuration that lets the support crate be cached. It lies in the
/// user's cache folder: inside the project, Cargo would take the kernels'
/// build crates for members of the course's workspace.
fn kernel_build_dir() -> anyhow::Result<PathBuf> {
    let dir = cache_home()
        .context(
            "cannot tell where the user's cache folder is: set HOME or XDG_CACHE_HOME",
        )?
        .join("parallel-course")
        .join("kernels");
    let config = dir.join(".cargo").join("config.toml");
    if !std::fs::read_to_string(&config).is_ok_and(|c| c == kernelspec::BUILD_CONFIG) {
        std::fs::create_dir_all(dir.join(".cargo"))
            .with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(&config, kernelspec::BUILD_CONFIG)
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

/// The user's cache folder (`~/.cache` on Linux).
fn cache_home() -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        home_dir().map(|h| h.join("Library/Caches"))
    } else if cfg!(windows) {
        std::env::var_os("LOCALAPPDATA").map(PathBuf::from)
    } else {
        std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| home_dir().map(|h| h.join(".cache")))
    }
}

/// The directory evcxr keeps its build cache in.
fn evcxr_cache_dir() -> Option<PathBuf> {
    cache_home().map(|d| d.join("evcxr"))
}

/// Compiles the support crate once in a headless kernel, so evcxr's cache
/// holds its dependencies and the first notebook starts in seconds.
fn warm_kernel(project: &Project, env: &Env) -> anyhow::Result<String> {
    let manifest = std::fs::read_to_string(project.root.join("Cargo.toml"))?;
    let key = format!("evcxr {EVCXR_VERSION}\n{manifest}");
    let stamp = project.state_dir().join("warm.stamp");
    let cache_present = evcxr_cache_dir().is_some_and(|d| d.is_dir());
    if cache_present && std::fs::read_to_string(&stamp).is_ok_and(|s| s == key) {
        return Ok("already warm".into());
    }
    let out = steps::run_with_spinner(
        Command::new(&env.python)
            .arg(project.root.join("tests/run_notebooks.py"))
            .arg("--warm")
            .arg(&project.root)
            .current_dir(&project.root),
        "compiling the support crate and its dependencies in a kernel",
        "The kernel could not compile the support crate; the output above says why.",
    )?;
    std::fs::create_dir_all(project.state_dir())?;
    std::fs::write(&stamp, key)?;
    let info = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok(if info.is_empty() {
        "compiled".into()
    } else {
        format!("compiled: {info}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_versions_are_parsed() {
        assert_eq!(parse_python_version("Python 3.11.7"), Some((3, 11)));
        assert_eq!(parse_python_version("Python 3.9"), Some((3, 9)));
        assert_eq!(parse_python_version("Python 2.7.18"), Some((2, 7)));
        assert_eq!(parse_python_version("garbage"), None);
    }
}
