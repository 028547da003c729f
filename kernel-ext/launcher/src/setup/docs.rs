//! The documentation of the course's crates, which the notebooks link to:
//! built with `cargo doc` and copied to `notebooks/api/`, where JupyterLab
//! serves it and the published pages keep the same relative links.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::project::Project;
use crate::steps;

/// The crates whose documentation the notebooks link to.
const DOCUMENTED: [&str; 5] = [
    "parallel_course",
    "course_profiler",
    "course_c",
    "course_dynamic",
    "course_fortran",
];

/// Builds the documentation and replaces `notebooks/api/` with it.
pub fn build_api_docs(project: &Project, cargo: &OsString) -> anyhow::Result<()> {
    let mut args = vec!["doc", "--no-deps", "--locked", "--quiet"];
    for name in DOCUMENTED {
        args.extend(["--package", name]);
    }
    steps::run_streamed(
        Command::new(cargo).args(args).current_dir(&project.root),
        "cargo doc failed on the course's crates; its message is above.",
    )?;
    let built = project.root.join("target").join("doc");
    let api = project.notebooks_dir().join("api");
    if api.exists() {
        std::fs::remove_dir_all(&api)
            .with_context(|| format!("removing the old {}", api.display()))?;
    }
    copy_docs(&built, &api)
        .with_context(|| format!("copying {} to {}", built.display(), api.display()))
}

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
        if name.starts_with('.') {
            // rustdoc's own `.lock`, readable by the builder only.
            continue;
        }
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
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
