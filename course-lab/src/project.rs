//! Where things live: the repository root and the project-local state.

use std::path::{Path, PathBuf};

use anyhow::bail;

/// Paths of one checkout of the course.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
}

impl Project {
    /// Finds the repository root: the nearest directory, from the current
    /// one upwards, holding `course-lab/Cargo.toml`; else the root this
    /// binary was built from.
    pub fn locate() -> anyhow::Result<Project> {
        let cwd = std::env::current_dir()?;
        let built_from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf);
        let found = cwd
            .ancestors()
            .find(|d| d.join("course-lab/Cargo.toml").is_file())
            .map(Path::to_path_buf)
            .or(built_from.filter(|d| d.join("course-lab/Cargo.toml").is_file()));
        match found {
            Some(root) => Ok(Project { root }),
            None => bail!(
                "cannot find the course repository (a directory with course-lab/Cargo.toml) \
                 from {}; run ./lab from inside your clone",
                cwd.display()
            ),
        }
    }

    /// The project-local Python environment.
    pub fn venv(&self) -> PathBuf {
        self.root.join(".venv")
    }

    /// A program inside the venv (`python`, `jupyter`, ...).
    pub fn venv_bin(&self, program: &str) -> PathBuf {
        if cfg!(windows) {
            self.venv().join("Scripts").join(format!("{program}.exe"))
        } else {
            self.venv().join("bin").join(program)
        }
    }

    /// Set-up stamps and logs.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(".course")
    }

    pub fn notebooks_dir(&self) -> PathBuf {
        self.root.join("notebooks")
    }

    /// The launcher's folder: its sources, the Python requirements and
    /// their lock, and the kernel's evcxr configuration.
    pub fn lab_dir(&self) -> PathBuf {
        self.root.join("course-lab")
    }

    /// The course notebooks in teaching order.
    pub fn notebooks(&self) -> anyhow::Result<Vec<PathBuf>> {
        notebooks_in(&self.notebooks_dir())
    }

    /// The kernel's own check notebooks (release-grade settings).
    pub fn kernel_check_notebooks(&self) -> anyhow::Result<Vec<PathBuf>> {
        notebooks_in(&self.root.join("tests/kernel"))
    }
}

fn notebooks_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ipynb"))
        .collect();
    found.sort();
    Ok(found)
}
