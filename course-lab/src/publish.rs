//! `./lab publish`: the course as a static site, in a learner and an
//! instructor edition, from notebooks executed by the real kernel.
//!
//! The executed copies that `./lab test` or `./lab execute` left in
//! `target/executed-notebooks/` are used when they are newer than their
//! notebook; the others are executed first, through the same runner. The
//! pages are rendered by `course-lab/publish.py` (nbconvert with the
//! course's template) into `target/site/`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::Context;

use crate::project::Project;
use crate::setup::{self, Env};
use crate::steps;
use crate::testing;

/// Where the site is written.
pub fn site_dir(project: &Project) -> PathBuf {
    project.root.join("target/site")
}

/// `./lab publish`: executes what has no up-to-date executed copy, then
/// renders both editions.
pub fn run(project: &Project, env: &Env) -> anyhow::Result<ExitCode> {
    let notebooks = project.notebooks()?;
    let executed = testing::executed_dir(project);
    let stale = stale_notebooks(project)?;
    if stale.is_empty() {
        println!(
            "\nEvery notebook has an executed copy newer than itself in {}.",
            executed.display()
        );
    } else {
        println!(
            "\nExecuting {} of {} notebooks (no executed copy newer than the notebook):",
            stale.len(),
            notebooks.len()
        );
        if !testing::execute(project, env, &stale)? {
            steps::done(
                "FAILED: a notebook did not execute cleanly (see above); nothing was published. \
                 Fix it and run ./lab publish again.",
            );
            return Ok(ExitCode::from(1));
        }
    }
    println!("\nPublishing {} notebooks:", notebooks.len());
    let ((), took) = steps::timed(|| render(project, env))?;
    steps::done(&format!(
        "Published in {}. Open {} (no server needed), or serve target/site/ with any static \
         web server.",
        steps::seconds(took),
        site_dir(project).join("index.html").display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// The course notebooks without an executed copy newer than themselves.
pub fn stale_notebooks(project: &Project) -> anyhow::Result<Vec<PathBuf>> {
    let executed = testing::executed_dir(project);
    Ok(project
        .notebooks()?
        .into_iter()
        .filter(|nb| needs_execution(nb, &executed))
        .collect())
}

/// Renders the site from the executed copies with `course-lab/publish.py`.
pub fn render(project: &Project, env: &Env) -> anyhow::Result<()> {
    let cache = setup::cache_home()
        .context(
            "cannot tell where the user's cache folder is: set HOME or XDG_CACHE_HOME",
        )?
        .join("parallel-course");
    let status = Command::new(&env.python)
        .arg(project.lab_dir().join("publish.py"))
        .arg("--executed")
        .arg(testing::executed_dir(project))
        .arg("--out")
        .arg(site_dir(project))
        .arg("--root")
        .arg(&project.root)
        .arg("--cache")
        .arg(cache)
        .current_dir(&project.root)
        .status()
        .context("could not run the publisher (course-lab/publish.py)")?;
    if !status.success() {
        anyhow::bail!(
            "the publisher failed ({status}); its message is above. The notebooks' executed \
             copies are untouched in {}",
            testing::executed_dir(project).display()
        );
    }
    Ok(())
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
            .join(format!("course-lab-publish-{name}-{}", std::process::id()));
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
