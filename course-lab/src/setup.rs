//! Set-up: install what is missing, skip what is done.
//!
//! Every step first checks whether its work is already done (a version
//! list, a stamp file, a file's content) so that a second run takes
//! seconds.

use std::ffi::OsString;
use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::kernelspec;
use crate::project::Project;
use crate::steps::{self, Steps, capture};

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
    let setup_start = Instant::now();
    let mut steps = Steps::new(if warm == Warm::Yes { 9 } else { 8 });

    let (cargo, python) =
        steps.run("Checking for cargo and Python 3 with venv", || {
            let cargo = find_cargo()?;
            let python = find_python()?;
            let found = format!(
                "found {} and {}",
                describe_version(&cargo, "--version"),
                python.version
            );
            Ok(((cargo, python), found))
        })?;

    steps.run("Python environment (.venv)", || {
        ensure_venv(project, &python)?;
        Ok(((), "ready".into()))
    })?;

    steps.run(
        "JupyterLab, nbclient and nbconvert (locked, with hashes)",
        || {
            let skipped = ensure_python_packages(project)?;
            let what = if skipped {
                "already installed"
            } else {
                "installed"
            };
            Ok(((), what.into()))
        },
    )?;

    steps.run(
        "rust-src component (for the kernel's type inference)",
        || Ok(((), ensure_rust_src()?)),
    )?;

    let evcxr = steps.run(
        &format!("evcxr_jupyter {EVCXR_VERSION} (the Rust kernel)"),
        || {
            let (evcxr, built) = ensure_evcxr(&cargo)?;
            let what = if built {
                "built and installed"
            } else {
                "already installed"
            };
            Ok((evcxr, what.into()))
        },
    )?;

    steps.run(
        &format!("Kernelspec \"{}\" in .venv", kernelspec::NAME),
        || {
            let written = install_kernelspec(project, &evcxr, &cargo)?;
            let what = if written { "written" } else { "up to date" };
            // Dead kernels leave their build folders behind (some 70 MB each).
            let removed = crate::stale::remove_stale(&kernel_build_dir()?);
            Ok(((), format!("{what}; {removed}")))
        },
    )?;

    steps.run(
        "Helper programs (worker processes, release-parity check) and the crates' documentation",
        || {
            steps::run_streamed(
                Command::new(&cargo)
                    .args([
                        "build",
                        "--release",
                        "--bin",
                        "pi-worker",
                        "--bin",
                        "integral-worker",
                        "--example",
                        "release_parity",
                    ])
                    .current_dir(&project.root),
                "The support crate failed to build in release mode; the compiler's message is above.",
            )?;
            // Episode 11's worker: ndarray stays out of the support crate.
            steps::run_streamed(
                Command::new(&cargo)
                    .args(["build", "--release", "-p", "matmul-worker"])
                    .current_dir(&project.root),
                "The matrix-product worker (matmul-worker/) failed to build in release mode; the compiler's message is above.",
            )?;
            build_api_docs(project, &cargo)?;
            Ok(((), "built; documentation in notebooks/api/".into()))
        },
    )?;

    steps.run("OpenMPI and the MPI program of episode 8", || {
        Ok(((), crate::mpi::ensure_mpi(project, &cargo)?))
    })?;

    let env = Env {
        python: project.venv_bin("python"),
        jupyter: project.venv_bin("jupyter"),
        cargo,
    };
    if warm == Warm::Yes {
        steps.run(
            "Warming the kernel: the support crate, then what each notebook loads after it",
            || Ok(((), warm_kernel(project, &env)?)),
        )?;
    }
    println!("Set-up took {}.", steps::seconds(setup_start.elapsed()));
    Ok(env)
}

/// Builds the course crates' documentation with `cargo doc` and copies it
/// to `notebooks/api/`, where the notebooks' links point: JupyterLab serves
/// only what is under `notebooks/`, and the published pages keep the same
/// relative links.
fn build_api_docs(project: &Project, cargo: &OsString) -> anyhow::Result<()> {
    let mut args = vec!["doc", "--no-deps", "--quiet"];
    for name in DOCUMENTED {
        args.extend(["--package", name]);
    }
    steps::run_streamed(
        Command::new(cargo).args(args).current_dir(&project.root),
        "cargo doc failed on the course's crates; its message is above.",
    )?;
    let built = project.root.join("target").join("doc");
    let api = project.root.join("notebooks").join("api");
    if api.exists() {
        std::fs::remove_dir_all(&api)
            .with_context(|| format!("removing the old {}", api.display()))?;
    }
    copy_docs(&built, &api)
        .with_context(|| format!("copying {} to {}", built.display(), api.display()))
}

/// The crates whose documentation the notebooks link to.
const DOCUMENTED: [&str; 3] = ["parallel_course", "course_profiler", "course_c"];

/// Copies rustdoc's output folder `from` to `to`, leaving out the pages and
/// sources of other crates that an earlier `cargo doc` (without
/// `--no-deps`) may have put there: they can run to hundreds of MB.
fn copy_docs(from: &Path, to: &Path) -> std::io::Result<()> {
    let ours = |name: &str| DOCUMENTED.contains(&name);
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let (path, target) = (entry.path(), to.join(&name));
        if !entry.file_type()?.is_dir() {
            std::fs::copy(&path, target)?;
        } else if name == "src" {
            for source in std::fs::read_dir(&path)? {
                let source = source?;
                if ours(&source.file_name().to_string_lossy()) {
                    copy_dir(&source.path(), &target.join(source.file_name()))?;
                }
            }
        } else if ours(&name) || !path.join("all.html").exists() {
            // Shared folders (static.files, search.index, trait.impl, …) and
            // our own crates; a crate's folder is the one with an all.html.
            copy_dir(&path, &target)?;
        }
    }
    Ok(())
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

/// The oldest Python the locked packages support (JupyterLab 4.6 needs 3.10).
const MIN_PYTHON_MINOR: u32 = 10;

/// Python 3.10 or newer that can create a virtual environment with pip in
/// it (its `venv` and `ensurepip` modules). Only the venv's own pip is
/// used, so the system Python needs no pip.
pub(crate) fn find_python() -> anyhow::Result<Python> {
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
        if minor < MIN_PYTHON_MINOR {
            bail!(
                "{version} is too old: the course needs Python 3.{MIN_PYTHON_MINOR} or newer. \
                 Install a newer Python 3 (https://www.python.org/downloads/ or your package \
                 manager)."
            );
        }
        if capture(Command::new(name).args(["-c", "import venv, ensurepip"])).is_none() {
            bail!("{}", missing_venv_advice(&version, name, minor));
        }
        return Ok(Python {
            program: name.into(),
            version,
        });
    }
    bail!(
        "python3 was not found. Install Python 3.{MIN_PYTHON_MINOR} or newer (Debian/Ubuntu: \
         `sudo apt install python3 python3-venv`; macOS: `brew install python`; \
         Windows: https://www.python.org/downloads/) and run ./lab again."
    )
}

/// What to do when Python cannot create a venv with pip: Debian and
/// Ubuntu split `ensurepip` into the `python3.X-venv` package.
fn missing_venv_advice(version: &str, name: &str, minor: u32) -> String {
    format!(
        "{version} was found but cannot create a virtual environment with pip (its venv or \
         ensurepip module is missing). On Debian/Ubuntu install it with \
         `sudo apt install python3-venv` (or `python3.{minor}-venv`); elsewhere reinstall \
         Python from https://www.python.org/downloads/. Check with `{name} -m ensurepip --version`."
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
        "Creating the virtual environment failed: on Debian/Ubuntu install Python's venv \
         module with `sudo apt install python3-venv`, then delete .venv and run ./lab again.",
    )
}

/// Installs the locked Python environment (every package pinned, with
/// its hashes) unless the stamp says it is in. Returns whether it skipped.
fn ensure_python_packages(project: &Project) -> anyhow::Result<bool> {
    let lock = project.lab_dir().join("requirements.lock");
    let wanted = std::fs::read_to_string(&lock)
        .with_context(|| format!("reading {}", lock.display()))?;
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
                "--require-hashes",
                "--no-deps",
                "-r",
            ])
            .arg(&lock),
        "pip could not install the locked Python packages; check your network connection \
         (pip needs https://pypi.org) and run ./lab again. A hash mismatch means a download \
         differs from the one locked: do not work around it.",
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
    println!(
        "      Adding rust-src to your Rust toolchain with `rustup component add rust-src`: \
         it is installed for the toolchain, so every project using it has it too."
    );
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
        config_dir: &project.lab_dir().join("evcxr"),
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
/// The user's cache folder (`~/.cache` on Linux).
pub fn cache_home() -> Option<PathBuf> {
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

/// A hash of everything the warm-up compiles or is configured by: the
/// manifest, `Cargo.lock`, the build script, every file under `src/`, the
/// profiler and the C crate, the kernel's evcxr configuration (paths and
/// contents in path order), and the notebooks' `:dep` lines, which say
/// what else the warm-up loads. A change to any of them means the warm-up
/// must run again. (A new Rust toolchain may hash differently, which only
/// redoes the warm-up.)
fn warm_fingerprint(project: &Project) -> anyhow::Result<u64> {
    let mut files = vec![
        project.root.join("Cargo.toml"),
        project.root.join("Cargo.lock"),
        project.root.join("build.rs"),
    ];
    files_under(&project.root.join("src"), &mut files)?;
    for member in ["profiler", "course-c"] {
        files.push(project.root.join(member).join("Cargo.toml"));
        files_under(&project.root.join(member).join("src"), &mut files)?;
    }
    files.push(project.root.join("course-c").join("build.rs"));
    files_under(&project.root.join("course-c").join("c"), &mut files)?;
    files_under(&project.lab_dir().join("evcxr"), &mut files)?;
    files.sort();
    let mut h = DefaultHasher::new();
    for f in &files {
        let rel = f.strip_prefix(&project.root).unwrap_or(f);
        h.write(rel.to_string_lossy().as_bytes());
        h.write_u8(0);
        let bytes =
            std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        h.write_usize(bytes.len());
        h.write(&bytes);
    }
    let dir = project.notebooks_dir();
    let mut notebooks: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
        .collect();
    notebooks.sort();
    for nb in &notebooks {
        let text = std::fs::read_to_string(nb)
            .with_context(|| format!("reading {}", nb.display()))?;
        for line in text.lines().filter(|l| l.contains(":dep ")) {
            h.write(line.trim().as_bytes());
            h.write_u8(0);
        }
    }
    Ok(h.finish())
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

/// Compiles the support crate once in a headless kernel, so evcxr's cache
/// holds its dependencies and the first notebook starts in seconds.
fn warm_kernel(project: &Project, env: &Env) -> anyhow::Result<String> {
    let key = format!(
        "evcxr {EVCXR_VERSION}\nsupport crate {:016x}\n",
        warm_fingerprint(project)?
    );
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
        "compiling the support crate and the notebooks' other dependencies (profiler, C crate, tokio, ndarray) in kernels",
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
    fn missing_venv_advice_names_the_debian_packages() {
        let text = missing_venv_advice("Python 3.11.2", "python3", 11);
        assert!(text.contains("sudo apt install python3-venv"), "{text}");
        assert!(text.contains("python3.11-venv"), "{text}");
    }

    #[test]
    fn copied_documentation_leaves_out_other_crates() {
        let dir =
            std::env::temp_dir().join(format!("course-lab-docs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let built = dir.join("doc");
        for f in [
            "crates.js",
            "static.files/rustdoc.css",
            "parallel_course/all.html",
            "parallel_course/fn.f.html",
            "rayon/all.html",
            "src/parallel_course/lib.rs.html",
            "src/rayon/lib.rs.html",
        ] {
            let path = built.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, f).unwrap();
        }
        let api = dir.join("api");
        copy_docs(&built, &api).unwrap();
        for kept in [
            "crates.js",
            "static.files/rustdoc.css",
            "parallel_course/fn.f.html",
            "src/parallel_course/lib.rs.html",
        ] {
            assert!(api.join(kept).exists(), "{kept} missing");
        }
        assert!(!api.join("rayon").exists());
        assert!(!api.join("src/rayon").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_warm_up_fingerprint_follows_the_lock_file_and_sources() {
        let dir =
            std::env::temp_dir().join(format!("course-lab-fp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for f in [
            "Cargo.toml",
            "Cargo.lock",
            "build.rs",
            "src/lib.rs",
            "src/a/b.rs",
            "profiler/Cargo.toml",
            "profiler/src/lib.rs",
            "course-c/Cargo.toml",
            "course-c/build.rs",
            "course-c/src/lib.rs",
            "course-c/c/arrays.c",
            "notebooks/10-async.ipynb",
        ] {
            let path = dir.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, f).unwrap();
        }
        std::fs::create_dir_all(dir.join("course-lab/evcxr")).unwrap();
        std::fs::write(dir.join("course-lab/evcxr/init.evcxr"), ":opt 3").unwrap();
        let project = Project { root: dir.clone() };
        let base = warm_fingerprint(&project).unwrap();
        assert_eq!(warm_fingerprint(&project).unwrap(), base);
        for f in [
            "Cargo.lock",
            "src/a/b.rs",
            "profiler/src/lib.rs",
            "course-c/c/arrays.c",
            "course-lab/evcxr/init.evcxr",
        ] {
            let path = dir.join(f);
            let old = std::fs::read(&path).unwrap();
            std::fs::write(&path, b"changed").unwrap();
            assert_ne!(warm_fingerprint(&project).unwrap(), base, "{f} changed");
            std::fs::write(&path, old).unwrap();
        }
        std::fs::write(dir.join("src/new.rs"), "").unwrap();
        let with_new_file = warm_fingerprint(&project).unwrap();
        assert_ne!(with_new_file, base, "a new source file");
        // A notebook's text does not matter, its `:dep` lines do.
        let nb = dir.join("notebooks/10-async.ipynb");
        std::fs::write(&nb, "\"a markdown cell\"\n").unwrap();
        assert_eq!(warm_fingerprint(&project).unwrap(), with_new_file);
        std::fs::write(&nb, "\":dep tokio = { version = \\\"1\\\" }\"\n").unwrap();
        assert_ne!(
            warm_fingerprint(&project).unwrap(),
            with_new_file,
            "a new :dep"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn python_versions_are_parsed() {
        assert_eq!(parse_python_version("Python 3.11.7"), Some((3, 11)));
        assert_eq!(parse_python_version("Python 3.9"), Some((3, 9)));
        assert_eq!(parse_python_version("Python 2.7.18"), Some((2, 7)));
        assert_eq!(parse_python_version("garbage"), None);
    }
}
