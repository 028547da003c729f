//! `./lab publish`: the course as a static site, in a learner and an
//! instructor edition, from notebooks executed by the real kernel.
//!
//! The executed copies that `./lab test` or `./lab execute` left (see
//! [`crate::executed`]) are used when they are newer than their notebook;
//! the others are executed first, through the same runner. The pages are
//! rendered by `kernel-ext/publish/publish.py` (nbconvert with the course's
//! template, `kernel-ext/publish/site/`) into `target/site/`.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::Context;

use crate::env::Env;
use crate::executed;
use crate::project::Project;
use crate::steps;
use crate::system;

/// Where the site is written.
pub fn site_dir(project: &Project) -> PathBuf {
    project.root.join("target/site")
}

/// `./lab publish`: executes what has no up-to-date executed copy, then
/// renders both editions.
pub fn run(project: &Project, env: &Env) -> anyhow::Result<ExitCode> {
    let notebooks = project.course_notebooks()?;
    let stale = executed::stale(project, &notebooks);
    if stale.is_empty() {
        println!(
            "\nEvery notebook has an executed copy newer than itself in {}.",
            executed::dir(project).display()
        );
    } else {
        println!(
            "\nExecuting {} of {} notebooks (no executed copy newer than the notebook):",
            stale.len(),
            notebooks.len()
        );
        if !executed::execute(project, env, &stale)? {
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

/// Renders the site from the executed copies of the course notebooks.
pub fn render(project: &Project, env: &Env) -> anyhow::Result<()> {
    let script = project.kernel_ext().join("publish/publish.py");
    let status = Command::new(&env.python)
        .arg(&script)
        .arg("--executed")
        .arg(executed::dir(project))
        .arg("--out")
        .arg(site_dir(project))
        .arg("--root")
        .arg(&project.root)
        .arg("--cache")
        .arg(system::course_cache()?)
        .args(project.course_notebooks()?)
        .current_dir(&project.root)
        .status()
        .with_context(|| format!("could not run the publisher ({})", script.display()))?;
    if !status.success() {
        anyhow::bail!(
            "the publisher failed ({status}); its message is above. The notebooks' executed \
             copies are untouched in {}",
            executed::dir(project).display()
        );
    }
    Ok(())
}
