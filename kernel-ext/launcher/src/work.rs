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
//! the course's version it was copied from and of the copy as made, and
//! the same for the new versions put beside a changed copy and for each
//! file of the crates' documentation in `work/api/` (the notebooks link to
//! it). The rule for all of them: a file is replaced or removed only when
//! it is the course's copy, unchanged; anything the learner wrote or
//! changed stays.

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
    /// Files under this folder that the learner wrote or changed were left
    /// as they are (how many); the course's own were brought up to date.
    LearnersFilesKept(usize),
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
    let kept = copy_api(project, folder, &mut record)?;
    if kept > 0 {
        outcomes.push((API.to_string(), Outcome::LearnersFilesKept(kept)));
    }
    let partial = record_path.with_extension("partial");
    std::fs::write(&partial, serde_json::to_string_pretty(&record)? + "\n")
        .with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &record_path)
        .with_context(|| format!("writing {}", record_path.display()))?;
    Ok(outcomes)
}

/// The documentation's folder in `work/`, and its entries' prefix in the
/// record.
const API: &str = "api";

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
    let beside_name = free_beside(folder, name, record)?;
    write_new(&folder.join(&beside_name), &course_text)?;
    record.insert(
        beside_name.clone(),
        json!({ "course": course_hash, "copy": course_hash, "beside": name }),
    );
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

/// `02-benchmarking.ipynb` → `02-benchmarking.course-update.ipynb`, and
/// for `n` above 1 `02-benchmarking.course-update-2.ipynb`, ….
fn beside(name: &str, n: usize) -> String {
    let tag = if n <= 1 {
        "course-update".to_string()
    } else {
        format!("course-update-{n}")
    };
    match name.strip_suffix(".ipynb") {
        Some(stem) => format!("{stem}.{tag}.ipynb"),
        None => format!("{name}.{tag}"),
    }
}

/// The first name beside `name` that is free: missing, or a new version
/// the course put there earlier that the learner has not changed. A new
/// version the learner opened and edited is theirs now and stays.
fn free_beside(
    folder: &Path,
    name: &str,
    record: &BTreeMap<String, Value>,
) -> anyhow::Result<String> {
    for n in 1..1000 {
        let candidate = beside(name, n);
        match std::fs::read(folder.join(&candidate)) {
            Err(_) => return Ok(candidate),
            Ok(text) => {
                let ours = record
                    .get(&candidate)
                    .and_then(|e| e["copy"].as_str())
                    .is_some_and(|h| h == hash(&text));
                if ours {
                    return Ok(candidate);
                }
            }
        }
    }
    anyhow::bail!(
        "{}: a thousand edited new versions of {name} are beside it already; move some away",
        folder.display()
    )
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

/// Brings `folder/api` up to date with the documentation built in
/// `notebooks/api`, file by file: a file is written when it is missing or
/// is the course's earlier copy, unchanged, and removed when the course no
/// longer has it and it is unchanged. Returns how many files the learner
/// wrote or changed there (left as they are).
fn copy_api(
    project: &Project,
    folder: &Path,
    record: &mut BTreeMap<String, Value>,
) -> anyhow::Result<usize> {
    let built = project.notebooks_dir().join(API);
    if !built.is_dir() {
        return Ok(0);
    }
    let mut files = Vec::new();
    files_under(&built, &built, &mut files)
        .with_context(|| format!("reading {}", built.display()))?;
    let mut kept = 0;
    let mut current = std::collections::BTreeSet::new();
    for rel in &files {
        let key = format!("{API}/{rel}");
        current.insert(key.clone());
        let text = std::fs::read(built.join(rel))
            .with_context(|| format!("reading {}", built.join(rel).display()))?;
        let course_hash = hash(&text);
        let target = folder.join(API).join(rel);
        let copy = record
            .get(&key)
            .and_then(|e| e["copy"].as_str())
            .map(str::to_string);
        let ours = match std::fs::read(&target) {
            Err(_) => true,
            Ok(mine) => {
                let mine = hash(&mine);
                mine == course_hash || copy.as_deref() == Some(mine.as_str())
            }
        };
        if !ours {
            kept += 1;
            continue;
        }
        if copy.as_deref() != Some(course_hash.as_str()) || !target.is_file() {
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            write_new(&target, &text)?;
        }
        record.insert(key, json!({ "course": course_hash, "copy": course_hash }));
    }
    // Files the course had and has no more: removed if unchanged.
    let gone: Vec<String> = record
        .keys()
        .filter(|k| k.starts_with(&format!("{API}/")) && !current.contains(*k))
        .cloned()
        .collect();
    for key in gone {
        let target = folder.join(&key);
        let copy = record[&key]["copy"].as_str().unwrap_or("").to_string();
        match std::fs::read(&target) {
            Ok(mine) if hash(&mine) == copy => {
                std::fs::remove_file(&target)
                    .with_context(|| format!("removing {}", target.display()))?;
                record.remove(&key);
            }
            Ok(_) => kept += 1,
            Err(_) => {
                record.remove(&key);
            }
        }
    }
    Ok(kept)
}

/// The files under `dir`, as paths relative to `base` with `/` between
/// parts.
fn files_under(base: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            // Build tools' own files (rustdoc's `.lock`), not documentation.
            continue;
        }
        if entry.file_type()?.is_dir() {
            files_under(base, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(base) {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
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
            Outcome::LearnersFilesKept(n) => lines.push(format!(
                "  {name}/: {n} file{} you wrote or changed there stay as they are; the course's \
                 own files are up to date.",
                if *n == 1 { "" } else { "s" }
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
    fn an_edited_new_version_beside_is_never_overwritten() {
        let (project, work) = scratch("beside");
        prepare(&project, &work).unwrap();
        std::fs::write(work.join("00-a.ipynb"), "a1 with my edits").unwrap();
        std::fs::write(project.root.join("notebooks/00-a.ipynb"), "a2").unwrap();
        prepare(&project, &work).unwrap();
        // The learner opens the new version and works in it too.
        std::fs::write(work.join("00-a.course-update.ipynb"), "a2 with my edits")
            .unwrap();
        std::fs::write(project.root.join("notebooks/00-a.ipynb"), "a3").unwrap();
        let out = prepare(&project, &work).unwrap();
        assert_eq!(
            out[0].1,
            Outcome::NewVersionBeside("00-a.course-update-2.ipynb".into())
        );
        assert_eq!(
            std::fs::read_to_string(work.join("00-a.course-update.ipynb")).unwrap(),
            "a2 with my edits"
        );
        assert_eq!(
            std::fs::read_to_string(work.join("00-a.course-update-2.ipynb")).unwrap(),
            "a3"
        );
        // An unchanged new version is the course's: the next update replaces it.
        std::fs::write(project.root.join("notebooks/00-a.ipynb"), "a4").unwrap();
        let out = prepare(&project, &work).unwrap();
        assert_eq!(
            out[0].1,
            Outcome::NewVersionBeside("00-a.course-update-2.ipynb".into())
        );
        assert_eq!(
            std::fs::read_to_string(work.join("00-a.course-update-2.ipynb")).unwrap(),
            "a4"
        );
        std::fs::remove_dir_all(project.root).unwrap();
    }

    #[test]
    fn the_learners_files_in_the_documentation_folder_stay() {
        let (project, work) = scratch("api");
        let api = project.root.join("notebooks/api");
        std::fs::create_dir_all(api.join("parallel_course")).unwrap();
        std::fs::write(api.join("index.html"), "v1").unwrap();
        std::fs::write(api.join("parallel_course/fn.a.html"), "a v1").unwrap();
        std::fs::write(api.join("old.html"), "old").unwrap();
        prepare(&project, &work).unwrap();
        assert_eq!(
            std::fs::read_to_string(work.join("api/parallel_course/fn.a.html")).unwrap(),
            "a v1"
        );
        // The learner saves notes there and edits a page.
        std::fs::write(work.join("api/my-notes.md"), "mine").unwrap();
        std::fs::write(work.join("api/index.html"), "v1 with my notes").unwrap();
        // The course rebuilds its documentation.
        std::fs::write(api.join("index.html"), "v2").unwrap();
        std::fs::write(api.join("parallel_course/fn.a.html"), "a v2").unwrap();
        std::fs::remove_file(api.join("old.html")).unwrap();
        let out = prepare(&project, &work).unwrap();
        assert!(
            out.contains(&("api".to_string(), Outcome::LearnersFilesKept(1))),
            "{out:?}"
        );
        assert_eq!(
            std::fs::read_to_string(work.join("api/my-notes.md")).unwrap(),
            "mine"
        );
        assert_eq!(
            std::fs::read_to_string(work.join("api/index.html")).unwrap(),
            "v1 with my notes"
        );
        assert_eq!(
            std::fs::read_to_string(work.join("api/parallel_course/fn.a.html")).unwrap(),
            "a v2"
        );
        assert!(!work.join("api/old.html").exists());
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
