//! The course kernelspec: the course kernel (`kernel-ext/kernel`, evcxr
//! with the course's extensions) under a name of its own, with
//! release-grade compile settings, evcxr's build cache, and the course's
//! folder, from which it preloads the support crate.
//!
//! The name is not `rust`: evcxr_jupyter rewrites that kernelspec every
//! time it starts, which would drop these settings.

use std::path::Path;

use serde_json::json;

/// The kernel name notebooks refer to in their metadata.
pub const NAME: &str = "parallel-rust";

/// The name JupyterLab shows in its launcher.
pub const DISPLAY_NAME: &str = "Rust (Parallel Programming)";

/// Environment that makes cells and the support crate compile like
/// `cargo build --release`. evcxr builds with Cargo's dev profile; these
/// override it (Cargo gives environment variables precedence over the
/// generated Cargo.toml).
pub const RELEASE_GRADE: [(&str, &str); 3] = [
    ("CARGO_PROFILE_DEV_OPT_LEVEL", "3"),
    ("CARGO_PROFILE_DEV_DEBUG_ASSERTIONS", "false"),
    ("CARGO_PROFILE_DEV_OVERFLOW_CHECKS", "false"),
];

/// The kernel's default allocator (mimalloc; a room's kernels run on the
/// system's, see `course_kernel_core::allocator`) told to leave transparent huge pages
/// alone and to give freed memory back at once: a kernel keeps a large,
/// sparse analysis database (rust-analyzer's), and a 2 MiB page held for a
/// few live bytes counts whole in its resident memory. Measured: 944 MiB
/// PSS after the first cell with the defaults, 854 MiB with these.
pub const ALLOCATOR: [(&str, &str); 2] =
    [("MIMALLOC_ALLOW_THP", "0"), ("MIMALLOC_PURGE_DELAY", "0")];

/// The kernel's switch for a warm spare kernel (`1`): see the kernel's
/// `spare` module.
pub const SPARES_ENV: &str = "COURSE_KERNEL_SPARES";

/// What the kernelspec points at on this machine.
#[derive(Debug, Clone)]
pub struct Spec<'a> {
    /// The course kernel's program.
    pub kernel: &'a Path,
    /// The course's folder (the support crate's), preloaded by the kernel.
    pub course_root: &'a Path,
    /// The real `cargo`, which the kernel's own `cargo` hands over to.
    pub real_cargo: &'a Path,
    /// The folder with the kernel's `init.evcxr` (`EVCXR_CONFIG_DIR`).
    pub config_dir: &'a Path,
    /// The kernels' folder: each kernel builds cells in a folder under it,
    /// where the build folders' Cargo configuration is found. It must lie outside the course's
    /// Cargo workspace.
    pub build_dir: &'a Path,
    /// The folder holding the toolchain's `libstd-*.so`, if known. Cells are
    /// compiled against the shared standard library and evcxr moves each
    /// cell's library one folder up from where it was linked, which breaks
    /// its relative search path when the build folder and the toolchain
    /// share a parent (both in the home folder, say); the kernel finds the
    /// library through `LD_LIBRARY_PATH` instead.
    pub std_lib_dir: Option<&'a Path>,
    /// `PATH` for the kernel, reaching cargo and rustc.
    pub path_var: &'a str,
    /// Further environment (the room's toolchain, Cargo home, offline).
    pub extra_env: &'a [(&'a str, &'a str)],
}

/// The `kernel.json` text.
pub fn kernel_json(spec: &Spec<'_>) -> String {
    let mut env = serde_json::Map::new();
    for (k, v) in RELEASE_GRADE.into_iter().chain(ALLOCATOR) {
        env.insert(k.into(), v.into());
    }
    env.insert(
        "EVCXR_CONFIG_DIR".into(),
        spec.config_dir.to_string_lossy().into(),
    );
    env.insert(
        course_kernel_core::KERNELS_DIR_ENV.into(),
        spec.build_dir.to_string_lossy().into(),
    );
    if let Some(dir) = spec.std_lib_dir {
        let var = if cfg!(target_os = "macos") {
            "DYLD_LIBRARY_PATH"
        } else {
            "LD_LIBRARY_PATH"
        };
        env.insert(var.into(), dir.to_string_lossy().into());
    }
    env.insert("PATH".into(), spec.path_var.into());
    env.insert(course_kernel_runtime::KERNEL_ENV.into(), "1".into());
    env.insert(
        course_kernel_core::COURSE_ROOT_ENV.into(),
        spec.course_root.to_string_lossy().into(),
    );
    env.insert(
        course_kernel_core::REAL_CARGO_ENV.into(),
        spec.real_cargo.to_string_lossy().into(),
    );
    for (k, v) in spec.extra_env {
        env.insert((*k).into(), (*v).into());
    }
    let spec = json!({
        "argv": [spec.kernel.to_string_lossy(), "--control_file", "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "rust",
        "interrupt_mode": "message",
        "env": env,
        "metadata": { "debugger": false }
    });
    let mut text = serde_json::to_string_pretty(&spec).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_has_its_own_name_and_release_grade_env() {
        let text = kernel_json(&Spec {
            kernel: Path::new("/r/.course/bin/course-kernel"),
            course_root: Path::new("/r"),
            real_cargo: Path::new("/t/bin/cargo"),
            config_dir: Path::new("/r/kernel-ext/kernel"),
            build_dir: Path::new("/home/u/.cache/parallel-course/kernels"),
            std_lib_dir: Some(Path::new("/t/lib/rustlib/x/lib")),
            path_var: "/bin",
            extra_env: &[("CARGO_NET_OFFLINE", "true")],
        });
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(spec["argv"][0], "/r/.course/bin/course-kernel");
        assert_eq!(spec["env"]["COURSE_KERNEL"], "1");
        assert_eq!(spec["env"]["COURSE_ROOT"], "/r");
        assert_eq!(spec["env"]["COURSE_REAL_CARGO"], "/t/bin/cargo");
        assert_eq!(spec["argv"][2], "{connection_file}");
        assert_eq!(spec["language"], "rust");
        assert_eq!(spec["env"]["CARGO_PROFILE_DEV_OPT_LEVEL"], "3");
        assert_eq!(spec["env"]["CARGO_PROFILE_DEV_DEBUG_ASSERTIONS"], "false");
        assert_eq!(spec["env"]["CARGO_PROFILE_DEV_OVERFLOW_CHECKS"], "false");
        assert_eq!(spec["env"]["EVCXR_CONFIG_DIR"], "/r/kernel-ext/kernel");
        assert_eq!(
            spec["env"]["COURSE_KERNELS_DIR"],
            "/home/u/.cache/parallel-course/kernels"
        );
        if cfg!(target_os = "linux") {
            assert_eq!(spec["env"]["LD_LIBRARY_PATH"], "/t/lib/rustlib/x/lib");
        }
        assert_eq!(spec["display_name"], DISPLAY_NAME);
        assert_eq!(spec["env"]["CARGO_NET_OFFLINE"], "true");
        assert_eq!(spec["env"]["MIMALLOC_ALLOW_THP"], "0");
    }

    /// The kernel is installed under [`NAME`]; every notebook must ask for
    /// that kernel by name, or JupyterLab would offer evcxr's plain `rust`
    /// kernel (which lacks the release-grade settings) or none.
    #[test]
    fn every_notebook_asks_for_the_kernel_by_its_installed_name() {
        let project = crate::project::Project::locate().unwrap();
        let mut notebooks = project.course_notebooks().unwrap();
        notebooks.extend(project.kernel_check_notebooks().unwrap());
        for path in &notebooks {
            let nb: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            let spec = &nb["metadata"]["kernelspec"];
            assert_eq!(spec["name"], NAME, "{}", path.display());
            assert_eq!(spec["display_name"], DISPLAY_NAME, "{}", path.display());
        }
        assert!(notebooks.len() > 1);
    }
}
