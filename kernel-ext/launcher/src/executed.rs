//! Executed notebooks: copies of the course notebooks with every output,
//! made by running them through the course kernel, for reading and for
//! publishing. `./lab test`, `./lab execute` and `./lab publish` make
//! them; `./lab publish` reuses those newer than their notebook. Only runs
//! that passed leave a copy here; a failed run's copy goes to `failed/`,
//! so that it can be read but never published.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::env::Env;
use crate::kernel::runner;
use crate::project::Project;

/// Where executed copies go (`target/executed-notebooks/`).
pub fn dir(project: &Project) -> PathBuf {
    project.root.join("target/executed-notebooks")
}

/// Executes `notebooks` through the runner, each from a fresh kernel, and
/// writes their executed copies to [`dir`]; `false` if one failed.
pub fn execute(
    project: &Project,
    env: &Env,
    notebooks: &[PathBuf],
) -> anyhow::Result<bool> {
    let status = runner::command(project, env)
        .arg("--out")
        .arg(dir(project))
        .args(notebooks)
        .status()
        .context("could not run the notebook runner")?;
    Ok(status.success())
}

/// The notebooks among `notebooks` without an executed copy newer than
/// themselves.
pub fn stale(project: &Project, notebooks: &[PathBuf]) -> Vec<PathBuf> {
    let executed = dir(project);
    notebooks
        .iter()
        .filter(|nb| needs_execution(nb, &executed))
        .cloned()
        .collect()
}

/// `./lab execute`: runs the given notebooks and keeps their outputs.
pub fn execute_command(
    project: &Project,
    env: &Env,
    notebooks: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    for nb in notebooks {
        if !nb.is_file() {
            bail!("{} is not a file", nb.display());
        }
    }
    let ok = execute(project, env, notebooks)?;
    println!(
        "Executed copies are in {}{}",
        dir(project).display(),
        if ok {
            String::new()
        } else {
            format!(
                "; those of the failed runs in {}",
                dir(project).join("failed").display()
            )
        }
    );
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Whether `notebook` must be executed before publishing: its executed
/// copy in `executed_dir` is missing or not newer than the notebook.
fn needs_execution(notebook: &Path, executed_dir: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let Some(name) = notebook.file_name() else {
        return true;
    };
    match (modified(notebook), modified(&executed_dir.join(name))) {
        (Some(source), Some(copy)) => copy <= source,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir()
            .join(format!("course-lab-executed-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("executed")).unwrap();
        dir
    }

    fn touch(path: &Path, when: SystemTime) {
        std::fs::write(path, "{}").unwrap();
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }

    #[test]
    fn a_notebook_without_an_executed_copy_is_executed() {
        let dir = scratch("missing");
        touch(&dir.join("01-a.ipynb"), SystemTime::now());
        assert!(needs_execution(
            &dir.join("01-a.ipynb"),
            &dir.join("executed")
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_executed_copy_is_reused_only_when_newer_than_its_notebook() {
        let dir = scratch("newer");
        let now = SystemTime::now();
        let (nb, copy) = (dir.join("01-a.ipynb"), dir.join("executed/01-a.ipynb"));
        touch(&nb, now - Duration::from_secs(60));
        touch(&copy, now);
        assert!(!needs_execution(&nb, &dir.join("executed")));
        touch(&nb, now + Duration::from_secs(60));
        assert!(needs_execution(&nb, &dir.join("executed")));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
