//! The learners' folder, `work/`: where JupyterLab opens, and where a
//! learner's copies of the course notebooks and scratch notebooks live.
//!
//! `notebooks/` is the course as published; running it in JupyterLab would
//! write outputs and edits into committed files, and a `git pull` of a
//! course update would then clash with the learner's work. So `./lab`
//! serves `work/` (ignored by git) instead, filled from the course the first
//! time. Nothing of the learner's is ever replaced: when the course's
//! version of a notebook has changed since the copy was made, a copy the
//! learner never changed is updated, and a copy with the learner's edits
//! stays as it is, with the new version put beside it.
//!
//! `work/.course-copies.json` remembers, for each notebook, the hashes of
//! the course's version it was copied from and of the copy as made. The
//! crates' documentation is copied to `work/api/` (the notebooks link to
//! it) on every run; that folder is the course's, not the learner's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::project::Project;

/// The learners' folder in a checkout.
pub fn dir(project: &Project) -> PathBuf {
    project.root.join("work")
}

/// The file that remembers what was copied.
const RECORD: &str = ".course-copies.json";

/// What happened to one notebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Copied for the first time (or again, after the learner deleted it).
    Copied,
    /// The course changed and the copy was the course's, unchanged: updated.
    Updated,
    /// The course changed and the copy has the learner's edits: the new
    /// version is beside it, under this name.
    NewVersionBeside(String),
    /// Nothing to do.
    Unchanged,
}

/// Fills or updates `folder` from the course notebooks and the
/// documentation; returns what happened to each notebook, by name.
///
/// # Errors
///
/// When a file cannot be read or written.
pub fn prepare(
    project: &Project,
    folder: &Path,
) -> anyhow::Result<Vec<(String, Outcome)>> {
    std::fs::create_dir_all(folder)
        .with_context(|| format!("creating {}", folder.display()))?;
    let record_path = folder.join(RECORD);
    let mut record: BTreeMap<String, Value> = std::fs::read_to_string(&record_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let mut outcomes = Vec::new();
    for course in project.course_notebooks()? {
        let name = course
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let outcome = place(&course, folder, &name, &mut record)?;
        outcomes.push((name, outcome));
    }
    std::fs::write(&record_path, serde_json::to_string_pretty(&record)? + "\n")
        .with_context(|| format!("writing {}", record_path.display()))?;
    copy_api(project, folder)?;
    Ok(outcomes)
}

/// Copies, updates or leaves one notebook, and records what it did.
fn place(
    course: &Path,
    folder: &Path,
    name: &str,
    record: &mut BTreeMap<String, Value>,
) -> anyhow::Result<Outcome> {
    let course_text =
        std::fs::read(course).with_context(|| format!("reading {}", course.display()))?;
    let course_hash = hash(&course_text);
    let copy = folder.join(name);
    let remember = |record: &mut BTreeMap<String, Value>, copy_hash: &str| {
        record.insert(
            name.to_string(),
            json!({ "course": course_hash, "copy": copy_hash }),
        );
    };
    let Ok(mine) = std::fs::read(&copy) else {
        write_new(&copy, &course_text)?;
        remember(record, &course_hash);
        return Ok(Outcome::Copied);
    };
    let mine_hash = hash(&mine);
    let (was_course, was_copy) = match record.get(name) {
        Some(entry) => (
            entry["course"].as_str().unwrap_or("").to_string(),
            entry["copy"].as_str().unwrap_or("").to_string(),
        ),
        // A notebook of that name the launcher did not make: the
        // learner's, unless it is the course's exactly.
        None if mine_hash == course_hash => {
            remember(record, &course_hash);
            return Ok(Outcome::Unchanged);
        }
        None => (String::new(), String::new()),
    };
    if was_course == course_hash {
        return Ok(Outcome::Unchanged);
    }
    if !was_copy.is_empty() && mine_hash == was_copy {
        write_new(&copy, &course_text)?;
        remember(record, &course_hash);
        return Ok(Outcome::Updated);
    }
    let beside_name = beside(name);
    write_new(&folder.join(&beside_name), &course_text)?;
    // The learner's copy stays what it was; the course version it now
    // stands against is the new one.
    let copy_hash = if was_copy.is_empty() {
        mine_hash
    } else {
        was_copy
    };
    remember(record, &copy_hash);
    Ok(Outcome::NewVersionBeside(beside_name))
}

/// `02-benchmarking.ipynb` → `02-benchmarking.course-update.ipynb`.
fn beside(name: &str) -> String {
    match name.strip_suffix(".ipynb") {
        Some(stem) => format!("{stem}.course-update.ipynb"),
        None => format!("{name}.course-update"),
    }
}

/// Writes `text` to `path` through a temporary file and a rename, so that
/// a half-written notebook is never left behind.
fn write_new(path: &Path, text: &[u8]) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, text)
        .with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))
}

fn hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Replaces `folder/api` with the documentation built in `notebooks/api`.
fn copy_api(project: &Project, folder: &Path) -> anyhow::Result<()> {
    let built = project.notebooks_dir().join("api");
    if !built.is_dir() {
        return Ok(());
    }
    let api = folder.join("api");
    if api.exists() {
        std::fs::remove_dir_all(&api)
            .with_context(|| format!("removing {}", api.display()))?;
    }
    crate::setup::docs::copy_dir(&built, &api)
        .with_context(|| format!("copying the documentation to {}", api.display()))
}

/// The lines `./lab` prints about the learners' folder.
pub fn summary(folder: &Path, outcomes: &[(String, Outcome)]) -> Vec<String> {
    let copied = outcomes
        .iter()
        .filter(|(_, o)| *o == Outcome::Copied)
        .count();
    let mut lines = vec![format!(
        "Your work lives in {} (JupyterLab opens there; git leaves it alone){}.",
        folder.display(),
        match copied {
            0 => String::new(),
            n => format!("; {n} course notebooks copied there"),
        }
    )];
    for (name, outcome) in outcomes {
        match outcome {
            Outcome::Updated => lines.push(format!(
                "  {name}: the course updated it, and your copy had no edits: updated."
            )),
            Outcome::NewVersionBeside(new) => lines.push(format!(
                "  {name}: the course updated it; your copy keeps your edits, and the new version \
                 is beside it as {new}."
            )),
            _ => {}
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> (Project, PathBuf) {
        let root = std::env::temp_dir()
            .join(format!("course-work-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("notebooks")).unwrap();
        std::fs::write(
            root.join("notebooks/course.txt"),
            "00-a.ipynb\n01-b.ipynb\n",
        )
        .unwrap();
        std::fs::write(root.join("notebooks/00-a.ipynb"), "a1").unwrap();
        std::fs::write(root.join("notebooks/01-b.ipynb"), "b1").unwrap();
        let work = root.join("work");
        (Project { root }, work)
    }

    #[test]
    fn the_first_run_copies_and_later_runs_leave_everything_alone() {
        let (project, work) = scratch("first");
        let out = prepare(&project, &work).unwrap();
        assert!(out.iter().all(|(_, o)| *o == Outcome::Copied), "{out:?}");
        std::fs::write(work.join("00-a.ipynb"), "a1 with my edits").unwrap();
        std::fs::write(work.join("Untitled.ipynb"), "mine").unwrap();
        let out = prepare(&project, &work).unwrap();
        assert!(out.iter().all(|(_, o)| *o == Outcome::Unchanged), "{out:?}");
        assert_eq!(
            std::fs::read_to_string(work.join("00-a.ipynb")).unwrap(),
            "a1 with my edits"
        );
        assert_eq!(
            std::fs::read_to_string(work.join("Untitled.ipynb")).unwrap(),
            "mine"
        );
        std::fs::remove_dir_all(project.root).unwrap();
    }

    #[test]
    fn a_course_update_never_replaces_the_learners_edits() {
        let (project, work) = scratch("update");
        prepare(&project, &work).unwrap();
        std::fs::write(work.join("00-a.ipynb"), "a1 with my edits").unwrap();
        std::fs::write(project.root.join("notebooks/00-a.ipynb"), "a2").unwrap();
        std::fs::write(project.root.join("notebooks/01-b.ipynb"), "b2").unwrap();
        let out = prepare(&project, &work).unwrap();
        assert_eq!(
            out,
            [
                (
                    "00-a.ipynb".to_string(),
                    Outcome::NewVersionBeside("00-a.course-update.ipynb".into())
                ),
                ("01-b.ipynb".to_string(), Outcome::Updated),
            ]
        );
        assert_eq!(
            std::fs::read_to_string(work.join("00-a.ipynb")).unwrap(),
            "a1 with my edits"
        );
        assert_eq!(
            std::fs::read_to_string(work.join("00-a.course-update.ipynb")).unwrap(),
            "a2"
        );
        assert_eq!(
            std::fs::read_to_string(work.join("01-b.ipynb")).unwrap(),
            "b2"
        );
        // Said once: the next run has nothing new to say.
        let again = prepare(&project, &work).unwrap();
        assert!(
            again.iter().all(|(_, o)| *o == Outcome::Unchanged),
            "{again:?}"
        );
        std::fs::remove_dir_all(project.root).unwrap();
    }

    #[test]
    fn a_deleted_copy_comes_back_and_a_foreign_file_of_the_same_name_stays() {
        let (project, work) = scratch("deleted");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(work.join("01-b.ipynb"), "the learner's own notebook").unwrap();
        let out = prepare(&project, &work).unwrap();
        assert_eq!(out[0].1, Outcome::Copied);
        assert_eq!(
            out[1].1,
            Outcome::NewVersionBeside("01-b.course-update.ipynb".into())
        );
        assert_eq!(
            std::fs::read_to_string(work.join("01-b.ipynb")).unwrap(),
            "the learner's own notebook"
        );
        std::fs::remove_file(work.join("00-a.ipynb")).unwrap();
        assert_eq!(prepare(&project, &work).unwrap()[0].1, Outcome::Copied);
        std::fs::remove_dir_all(project.root).unwrap();
    }
}
