//! Where things live in a checkout of the course: the repository root,
//! the project-local state, and the list of course notebooks.
//!
//! Each path has one owner. This module owns the checkout's own folders;
//! the modules that use a folder for one purpose own the paths inside it
//! (the executed notebooks in [`crate::executed`], the site in
//! [`crate::publish`], the kernel's files in [`crate::kernel`]).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The file that lists the course notebooks, in `notebooks/`.
pub const COURSE_LIST: &str = "course.txt";

/// The launcher's own manifest, relative to the root: how a checkout of
/// the course is recognised.
const MARKER: &str = "kernel-ext/launcher/Cargo.toml";

/// Paths of one checkout of the course.
#[derive(Debug, Clone)]
pub struct Project {
    /// The repository's top folder.
    pub root: PathBuf,
}

impl Project {
    /// Finds the repository root: the nearest folder, from the current one
    /// upwards, holding the launcher's manifest; else the root this binary
    /// was built from.
    pub fn locate() -> anyhow::Result<Project> {
        let cwd = std::env::current_dir()?;
        let built_from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .nth(2)
            .map(Path::to_path_buf);
        let found = cwd
            .ancestors()
            .find(|d| d.join(MARKER).is_file())
            .map(Path::to_path_buf)
            .or(built_from.filter(|d| d.join(MARKER).is_file()));
        match found {
            Some(root) => Ok(Project { root }),
            None => bail!(
                "cannot find the course repository (a folder with {MARKER}) from {}; \
                 run ./lab from inside your clone",
                cwd.display()
            ),
        }
    }

    /// The project-local Python environment (JupyterLab and friends).
    pub fn venv(&self) -> PathBuf {
        self.root.join(".venv")
    }

    /// A program inside the project's venv (`python`, `jupyter`, ...).
    pub fn venv_bin(&self, program: &str) -> PathBuf {
        venv_bin(&self.venv(), program)
    }

    /// Set-up stamps, logs and the side environments (`.course/`).
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(".course")
    }

    /// Where kernels' own output (compiler progress) is written.
    pub fn logs_dir(&self) -> PathBuf {
        self.state_dir().join("logs")
    }

    /// The course as published: the notebooks, their books and built
    /// documentation.
    pub fn notebooks_dir(&self) -> PathBuf {
        self.root.join("notebooks")
    }

    /// What turns evcxr into the course kernel: the launcher, the kernel's
    /// configuration, the notebook runner and the publisher.
    pub fn kernel_ext(&self) -> PathBuf {
        self.root.join("kernel-ext")
    }

    /// The course notebooks in teaching order, as `notebooks/course.txt`
    /// lists them. Any other notebook in the folder is not part of the
    /// course: it is not warmed, tested or published.
    ///
    /// # Errors
    ///
    /// When the list cannot be read, names a file that is missing, or
    /// names none.
    pub fn course_notebooks(&self) -> anyhow::Result<Vec<PathBuf>> {
        let dir = self.notebooks_dir();
        let list = dir.join(COURSE_LIST);
        let text = std::fs::read_to_string(&list).with_context(|| {
            format!("reading the list of course notebooks {}", list.display())
        })?;
        let names = parse_course_list(&text);
        if names.is_empty() {
            bail!("{} lists no notebooks", list.display());
        }
        let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
        if let Some(missing) = paths.iter().find(|p| !p.is_file()) {
            bail!(
                "{} lists {}, which does not exist: restore it (git checkout -- notebooks/) \
                 or remove its line",
                list.display(),
                missing.display()
            );
        }
        Ok(paths)
    }

    /// The kernel's own check notebooks (`tests/kernel/`): the in-kernel
    /// against release-build comparison.
    pub fn kernel_check_notebooks(&self) -> anyhow::Result<Vec<PathBuf>> {
        let dir = self.root.join("tests/kernel");
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "ipynb"))
            .collect();
        found.sort();
        Ok(found)
    }
}

/// A program inside the virtual environment `venv`.
pub fn venv_bin(venv: &Path, program: &str) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join(format!("{program}.exe"))
    } else {
        venv.join("bin").join(program)
    }
}

/// The notebook file names in a course list: one per line, in order;
/// blank lines and lines starting with `#` are skipped.
pub fn parse_course_list(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_course_list_skips_comments_and_blank_lines() {
        let text = "# the course\n\n00-a.ipynb\n  01-b.ipynb  \n# 02-c.ipynb\n";
        assert_eq!(parse_course_list(text), ["00-a.ipynb", "01-b.ipynb"]);
    }

    #[test]
    fn a_notebook_the_list_does_not_name_is_not_the_courses() {
        let root =
            std::env::temp_dir().join(format!("course-list-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("notebooks")).unwrap();
        std::fs::write(root.join("notebooks/course.txt"), "00-a.ipynb\n").unwrap();
        std::fs::write(root.join("notebooks/00-a.ipynb"), "{}").unwrap();
        // A learner's scratch notebook that would break a warm-up.
        std::fs::write(
            root.join("notebooks/Untitled.ipynb"),
            r#"{"cells": [{"cell_type": "code", "source": [":dep no_such_crate_xyz = \"1\""]}]}"#,
        )
        .unwrap();
        let project = Project { root: root.clone() };
        assert_eq!(
            project.course_notebooks().unwrap(),
            [root.join("notebooks/00-a.ipynb")]
        );
        std::fs::write(
            root.join("notebooks/course.txt"),
            "00-a.ipynb\n01-gone.ipynb\n",
        )
        .unwrap();
        let err = project.course_notebooks().unwrap_err().to_string();
        assert!(err.contains("01-gone.ipynb, which does not exist"), "{err}");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn the_checkouts_course_list_names_existing_notebooks_in_order() {
        let project = Project::locate().unwrap();
        let notebooks = project.course_notebooks().unwrap();
        assert!(notebooks.len() >= 12);
        let names: Vec<_> = notebooks.iter().map(|p| p.file_name().unwrap()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "the list is in teaching (file name) order");
    }
}
