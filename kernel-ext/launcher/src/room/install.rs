//! The room's one install, owned by root and read-only to learners: the
//! room's Python environment (JupyterHub and JupyterLab), the proxy, a
//! copy of the Rust toolchain and of the crates the course builds, the
//! learners' kernelspec, and a warm cache of the compiled support crate
//! that every learner's first kernel starts from.
//!
//! Everything lives in `.course/room/` of the checkout, which must be
//! readable by every user (the learners' kernels compile the support crate
//! from its sources). Secrets and the hub's database live in
//! `.course/room/state/`, readable by root only.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::env::Env;
use crate::kernel::{self, spec};
use crate::project::Project;
use crate::setup::{packages, python};
use crate::steps;

/// Where the room's parts live.
#[derive(Debug, Clone)]
pub struct RoomPaths {
    /// `.course/room/`, readable by everyone.
    pub dir: PathBuf,
}

impl RoomPaths {
    /// The room of `project`.
    pub fn of(project: &Project) -> RoomPaths {
        RoomPaths {
            dir: project.state_dir().join("room"),
        }
    }

    /// Secrets, the hub's database and logs: root only.
    pub fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// The room's Python environment.
    pub fn venv(&self) -> PathBuf {
        self.dir.join("venv")
    }

    /// configurable-http-proxy, installed with npm.
    pub fn proxy_dir(&self) -> PathBuf {
        self.dir.join("proxy")
    }

    /// The proxy's program.
    pub fn proxy(&self) -> PathBuf {
        self.proxy_dir()
            .join("node_modules/.bin/configurable-http-proxy")
    }

    /// The learners' copy of the Rust toolchain.
    pub fn toolchain(&self) -> PathBuf {
        self.dir.join("toolchain")
    }

    /// The learners' Cargo home: the crates the course builds, read-only.
    pub fn cargo_home(&self) -> PathBuf {
        self.dir.join("cargo-home")
    }

    /// The shared cache folder (`XDG_CACHE_HOME` of the warm-up), whose
    /// `evcxr/` each learner's cache starts from.
    pub fn cache(&self) -> PathBuf {
        self.dir.join("cache")
    }

    /// The kernelspec folder in the room's environment.
    pub fn kernelspec(&self) -> PathBuf {
        self.venv().join("share/jupyter/kernels").join(spec::NAME)
    }
}

/// Checks that every user can read the checkout: each folder above it
/// lets others pass (`o+x`), and the checkout lets them read (`o+rx`).
///
/// # Errors
///
/// Names the first folder that shuts learners out, and what to do.
pub fn check_readable_by_all(root: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let root = root.canonicalize()?;
        for dir in root.ancestors() {
            let mode = std::fs::metadata(dir)?.permissions().mode();
            let wanted = if dir == root { 0o005 } else { 0o001 };
            if mode & wanted != wanted {
                bail!(
                    "learners cannot reach the course at {}: {} has mode {:o}. Put the checkout \
                     in a folder every user can read (for example /opt/parallel-course) or run \
                     `chmod o+rx` on it, then start the room again.",
                    root.display(),
                    dir.display(),
                    mode & 0o777
                );
            }
        }
    }
    Ok(())
}

/// Installs what is missing of the room's parts; returns the outcome.
pub fn ensure(project: &Project, env: &Env, paths: &RoomPaths) -> anyhow::Result<String> {
    check_readable_by_all(&project.root)?;
    make_dir(&paths.dir, 0o755)?;
    make_dir(&paths.state(), 0o700)?;
    // The system's Python: the learners' JupyterLab runs from this
    // environment, as them.
    let python = python::Python {
        program: packages::SYSTEM_PYTHON.into(),
        version: steps::capture(Command::new(packages::SYSTEM_PYTHON).arg("--version"))
            .unwrap_or_default()
            .trim()
            .to_string(),
    };
    let system_venv = std::fs::read_to_string(paths.venv().join("pyvenv.cfg"))
        .is_ok_and(|c| c.contains("home = /usr/bin"));
    if paths.venv().exists() && !system_venv {
        std::fs::remove_dir_all(paths.venv())
            .with_context(|| format!("removing {}", paths.venv().display()))?;
    }
    python::ensure_venv(&paths.venv(), &python)?;
    let lock = project.kernel_ext().join("room/requirements.lock");
    python::ensure_locked(&paths.venv(), &lock, "jupyterhub")?;
    ensure_proxy(project, paths)?;
    ensure_toolchain(paths)?;
    ensure_cargo_home(project, env, paths)?;
    write_kernelspec(project, paths)?;
    open_up(&paths.dir)?;
    Ok(format!(
        "JupyterHub, the proxy, the toolchain and the crates in {}",
        paths.dir.display()
    ))
}

/// configurable-http-proxy from npm, as `kernel-ext/room/package-lock.json`
/// locks it (with integrity), unless that lock is in already.
fn ensure_proxy(project: &Project, paths: &RoomPaths) -> anyhow::Result<()> {
    let source = project.kernel_ext().join("room");
    let dir = paths.proxy_dir();
    let lock = std::fs::read_to_string(source.join("package-lock.json"))
        .context("reading kernel-ext/room/package-lock.json")?;
    let stamp = dir.join(".course-lock");
    if paths.proxy().is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == lock)
    {
        return Ok(());
    }
    make_dir(&dir, 0o755)?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(source.join(file), dir.join(file))
            .with_context(|| format!("copying {file} to {}", dir.display()))?;
    }
    steps::run_streamed(
        Command::new("npm")
            .args([
                "ci",
                "--omit=dev",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
            ])
            .current_dir(&dir),
        "npm could not install configurable-http-proxy; the room needs Node.js and npm \
         (Debian: apt-get install nodejs npm) and network access to the npm registry.",
    )?;
    std::fs::write(&stamp, lock)?;
    Ok(())
}

/// The active toolchain (`rustc --print sysroot`), hard-linked (copied
/// across file systems) into the room, where every learner can run it: a
/// toolchain in root's home is out of their reach.
fn ensure_toolchain(paths: &RoomPaths) -> anyhow::Result<()> {
    let sysroot = steps::capture(Command::new("rustc").args(["--print", "sysroot"]))
        .context("rustc --print sysroot failed")?;
    let sysroot = PathBuf::from(sysroot.trim());
    let version = steps::capture(Command::new("rustc").arg("-vV")).unwrap_or_default();
    let target = paths.toolchain();
    let stamp = paths.dir.join("toolchain.stamp");
    if target.join("bin/rustc").is_file()
        && std::fs::read_to_string(&stamp).is_ok_and(|s| s == version)
    {
        return Ok(());
    }
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("removing the old {}", target.display()))?;
    }
    let linked = Command::new("cp")
        .arg("-al")
        .arg(&sysroot)
        .arg(&target)
        .status()
        .is_ok_and(|s| s.success());
    if !linked {
        let _ = std::fs::remove_dir_all(&target);
        steps::run_streamed(
            Command::new("cp").arg("-a").arg(&sysroot).arg(&target),
            "could not copy the Rust toolchain into the room",
        )?;
    }
    std::fs::write(&stamp, version)?;
    Ok(())
}

/// The crates of the course's `Cargo.lock`, and those the notebooks'
/// `:dep` lines name, fetched into the room's own Cargo home, which the
/// learners' kernels use offline.
fn ensure_cargo_home(
    project: &Project,
    env: &Env,
    paths: &RoomPaths,
) -> anyhow::Result<()> {
    steps::run_streamed(
        Command::new(&env.cargo)
            .args(["fetch", "--locked", "--quiet", "--manifest-path"])
            .arg(project.root.join("Cargo.toml"))
            .env("CARGO_HOME", paths.cargo_home()),
        "cargo could not fetch the course's crates into the room's Cargo home; check the \
         network, then start the room again.",
    )?;
    // The standard library's own dependencies: rust-analyzer reads the
    // library's workspace to know `std` (without it, `?` has no type).
    let library = paths
        .toolchain()
        .join("lib/rustlib/src/rust/library/Cargo.toml");
    if library.is_file() {
        steps::run_streamed(
            // --locked: the toolchain's files are links to the installed
            // toolchain's; its lock must never be rewritten.
            Command::new(paths.toolchain().join("bin/cargo"))
                .args(["fetch", "--locked", "--quiet", "--manifest-path"])
                .arg(&library)
                .env("CARGO_HOME", paths.cargo_home())
                .env("RUSTC_BOOTSTRAP", "1"),
            "cargo could not fetch the standard library's dependencies into the room's Cargo \
             home; check the network, then start the room again.",
        )?;
    }
    let dir = crate::system::course_cache()?.join("room-fetch");
    write_fetch_workspace(project, &dir)?;
    steps::run_streamed(
        Command::new(&env.cargo)
            .args(["fetch", "--quiet", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_HOME", paths.cargo_home()),
        "cargo could not fetch the crates the notebooks load into the room's Cargo home; \
         check the network, then start the room again.",
    )
}

/// A workspace (outside the checkout) with one crate per notebook whose
/// dependencies are that notebook's `:dep` lines, and the course's lock:
/// fetching it downloads every crate a learner's kernel may load.
fn write_fetch_workspace(project: &Project, dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("removing {}", dir.display()))?;
    }
    let mut members = Vec::new();
    for (i, notebook) in project.course_notebooks()?.iter().enumerate() {
        let folder = notebook.parent().unwrap_or(Path::new("."));
        let mut deps = String::new();
        for line in kernel::warm::dep_lines(notebook)? {
            let Some(spec) = line.strip_prefix(":dep ") else {
                continue;
            };
            deps.push_str(&absolute_paths(spec, folder));
            deps.push('\n');
        }
        let name = format!("notebook-{i:02}");
        let crate_dir = dir.join(&name);
        std::fs::create_dir_all(crate_dir.join("src"))?;
        std::fs::write(crate_dir.join("src/lib.rs"), "")?;
        std::fs::write(
            crate_dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
                 publish = false\n\n[dependencies]\n{deps}"
            ),
        )?;
        members.push(format!("\"{name}\""));
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )?;
    std::fs::copy(project.root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .context("copying the course's Cargo.lock")?;
    Ok(())
}

/// A `:dep` line's TOML with each `path = "…"` made absolute against the
/// notebook's folder.
fn absolute_paths(spec: &str, folder: &Path) -> String {
    let Some(start) = spec.find("path = \"") else {
        return spec.to_string();
    };
    let rest = &spec[start + 8..];
    let Some(end) = rest.find('"') else {
        return spec.to_string();
    };
    let joined = folder.join(&rest[..end]);
    let absolute = joined.canonicalize().unwrap_or(joined);
    format!(
        "{}path = \"{}\"{}",
        &spec[..start],
        absolute.display(),
        &rest[end + 1..]
    )
}

/// The environment every learner's kernel runs with, beside the
/// kernelspec's usual settings: the room's toolchain and crates, offline,
/// and build folders in the learner's own cache.
pub fn learner_env(project: &Project, paths: &RoomPaths) -> Vec<(String, String)> {
    let toolchain = paths.toolchain();
    let bin = project.state_dir().join("bin");
    let path = format!(
        "{}:{}:/usr/local/bin:/usr/bin:/bin",
        bin.display(),
        toolchain.join("bin").display()
    );
    let mut env = vec![
        ("PATH".to_string(), path),
        (
            "CARGO_HOME".to_string(),
            paths.cargo_home().display().to_string(),
        ),
        ("CARGO_NET_OFFLINE".to_string(), "true".to_string()),
        (
            course_kernel_core::KERNELS_DIR_ENV.to_string(),
            "${HOME}/.cache/parallel-course/kernels".to_string(),
        ),
        (
            course_kernel_core::REAL_CARGO_ENV.to_string(),
            toolchain.join("bin/cargo").display().to_string(),
        ),
    ];
    if let Some(lib) = host_lib_dir(&toolchain) {
        env.push(("LD_LIBRARY_PATH".into(), lib.display().to_string()));
    }
    env
}

/// `<toolchain>/lib/rustlib/<host>/lib`, where `libstd-*.so` lives.
fn host_lib_dir(toolchain: &Path) -> Option<PathBuf> {
    let rustlib = toolchain.join("lib/rustlib");
    std::fs::read_dir(&rustlib)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join("lib"))
        .find(|lib| {
            std::fs::read_dir(lib).is_ok_and(|mut entries| {
                entries.any(|e| {
                    e.is_ok_and(|e| {
                        e.file_name().to_string_lossy().starts_with("libstd-")
                    })
                })
            })
        })
}

/// What a learner's kernel is told beyond a laptop's: one kernel per
/// learner on one server, so the smaller kernel (the system allocator,
/// trimmed after each cell: about 100 MiB less per learner, 0.5–1 s more
/// to start; see `course_kernel_core::allocator`).
pub const ROOM_KERNEL_ENV: [(&str, &str); 1] =
    [(course_kernel_core::allocator::ALLOCATOR_ENV, "system")];

/// The learners' kernelspec, in the room's environment (root-owned).
fn write_kernelspec(project: &Project, paths: &RoomPaths) -> anyhow::Result<()> {
    let env = learner_env(project, paths);
    let kernel = project.state_dir().join("bin/course-kernel");
    let path_var = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut extra: Vec<(&str, &str)> = env
        .iter()
        .filter(|(k, _)| k != "PATH")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    extra.extend(ROOM_KERNEL_ENV);
    let lib = host_lib_dir(&paths.toolchain());
    let text = spec::kernel_json(&spec::Spec {
        kernel: &kernel,
        course_root: &project.root,
        real_cargo: &paths.toolchain().join("bin/cargo"),
        config_dir: &kernel::config_dir(project),
        build_dir: Path::new("${HOME}/.cache/parallel-course/kernels"),
        std_lib_dir: lib.as_deref(),
        path_var: &path_var,
        extra_env: &extra,
    });
    let dir = paths.kernelspec();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("kernel.json"), text)
        .with_context(|| format!("writing {}", dir.join("kernel.json").display()))
}

/// Makes the room's parts readable by all and writable by their owner
/// only (`go-w`, `a+rX`), so no learner can change what another runs; the
/// state folder (secrets, the hub's database) is left to root alone.
fn open_up(dir: &Path) -> anyhow::Result<()> {
    make_dir(dir, 0o755)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.file_name().is_some_and(|n| n == "state") {
            continue;
        }
        steps::run_streamed(
            Command::new("chmod").args(["-R", "go-w,a+rX"]).arg(&path),
            "could not set the permissions of the room's files",
        )?;
    }
    Ok(())
}

/// Makes `dir` (and its parents) with `mode`, and sets that mode if it was
/// there already. A symbolic link in its place is refused.
pub fn make_dir(dir: &Path, mode: u32) -> anyhow::Result<()> {
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        bail!(
            "{} is a symbolic link; the room will not follow it. Remove it and start again.",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("setting the permissions of {}", dir.display()))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_others_cannot_pass_is_named() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let dir =
                std::env::temp_dir().join(format!("room-read-{}", std::process::id()));
            let inner = dir.join("course");
            std::fs::create_dir_all(&inner).unwrap();
            std::fs::set_permissions(&inner, std::fs::Permissions::from_mode(0o755))
                .unwrap();
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .unwrap();
            let err = check_readable_by_all(&inner).unwrap_err().to_string();
            assert!(err.contains("mode 700"), "{err}");
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o711))
                .unwrap();
            check_readable_by_all(&inner).unwrap();
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn the_learners_kernels_build_offline_in_their_own_cache() {
        let project = Project {
            root: PathBuf::from("/srv/course"),
        };
        let paths = RoomPaths::of(&project);
        let env = learner_env(&project, &paths);
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("CARGO_NET_OFFLINE"), Some("true"));
        assert_eq!(
            get("CARGO_HOME"),
            Some("/srv/course/.course/room/cargo-home")
        );
        assert_eq!(
            get("COURSE_KERNELS_DIR"),
            Some("${HOME}/.cache/parallel-course/kernels")
        );
        let path = get("PATH").unwrap();
        assert!(path.starts_with(
            "/srv/course/.course/bin:/srv/course/.course/room/toolchain/bin"
        ));
        assert!(!path.contains("/root"), "{path}");
    }

    #[test]
    fn dep_paths_become_absolute() {
        let spec = "course_c = { path = \"../crates/course-c\", features = [] }";
        let got = absolute_paths(spec, Path::new("/srv/course/notebooks"));
        assert_eq!(
            got,
            "course_c = { path = \"/srv/course/notebooks/../crates/course-c\", features = [] }"
        );
        assert_eq!(
            absolute_paths("tokio = \"1\"", Path::new("/x")),
            "tokio = \"1\""
        );
    }

    #[test]
    fn a_symlink_is_never_taken_for_a_folder() {
        #[cfg(unix)]
        {
            let dir =
                std::env::temp_dir().join(format!("room-link-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let link = dir.join("state");
            std::os::unix::fs::symlink("/etc", &link).unwrap();
            let err = make_dir(&link, 0o700).unwrap_err().to_string();
            assert!(err.contains("symbolic link"), "{err}");
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}
