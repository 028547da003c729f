//! A learner's home in the room, made ready as that learner before their
//! JupyterLab starts (`./lab learner-home`, run by the hub's spawner):
//!
//! * `~/work/` filled and updated from the course, by the same rules as
//!   `./lab` ([`crate::work`]): nothing of the learner's is replaced;
//! * `~/.cache/evcxr/` starts from the room's warm cache: each entry a
//!   folder of the learner's own, its compiled files links to the room's
//!   (read-only, shared) and its small files copies (evcxr writes to them),
//!   so the first kernel loads the support crate instead of compiling it;
//! * `~/.cache/parallel-course/kernels/` (the kernels' build folders),
//!   private, with the Cargo configuration the kernels build with.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::project::Project;
use crate::room::install::{RoomPaths, make_dir};
use crate::work;

/// The small files of a cache entry, which evcxr rewrites (its hit count)
/// or which are cheap to copy; every other file is linked.
const COPIED: [&str; 3] = ["hits", "meta", "stderr"];

/// Makes the calling user's home ready for the room of the course at
/// `course`; returns what it did, for the hub's log.
///
/// # Errors
///
/// When a folder of the home cannot be made or a file cannot be written.
pub fn prepare(course: &Path) -> anyhow::Result<String> {
    let project = Project {
        root: course.to_path_buf(),
    };
    let home = crate::system::home_dir().context("HOME is not set")?;
    let folder = home.join("work");
    let outcomes = work::prepare(&project, &folder)?;
    let cache_home = crate::system::cache_home().context("no cache folder")?;
    let linked = add_cache_entries(
        &RoomPaths::of(&project).cache().join("evcxr"),
        &cache_home.join("evcxr"),
        Compiled::Linked,
    )?;
    let kernels = cache_home.join("parallel-course").join("kernels");
    make_dir(&kernels, 0o700)?;
    let config = kernels.join(".cargo/config.toml");
    let wanted = std::fs::read_to_string(
        crate::kernel::config_dir(&project).join("build-folder.toml"),
    )
    .context("reading the kernels' build configuration")?;
    if !std::fs::read_to_string(&config).is_ok_and(|c| c == wanted) {
        make_dir(&kernels.join(".cargo"), 0o700)?;
        std::fs::write(&config, wanted)
            .with_context(|| format!("writing {}", config.display()))?;
    }
    let copied = outcomes
        .iter()
        .filter(|(_, o)| *o == work::Outcome::Copied)
        .count();
    Ok(format!(
        "{}: {copied} notebooks copied, {linked} cache entries linked",
        folder.display()
    ))
}

/// How [`add_cache_entries`] gives an entry's compiled files.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Compiled {
    /// Links into the shared cache (a learner's cache: read-only, shared).
    Linked,
    /// Copies (the room's shared cache, filled from a cache learners
    /// cannot read).
    Copied,
}

/// Adds to the evcxr cache `mine` every entry of `from` it lacks: a folder
/// whose small files are copies and whose compiled files are links into
/// `from` or copies (`compiled`). Folders whose names start with a dot
/// (the kernels' locks, half-made entries) are not entries, and an entry
/// without a hit count (left torn by a kernel stopped mid-write; it fails
/// every compile of its crate) is left out. Returns how many entries it
/// added.
///
/// # Errors
///
/// When `mine` cannot be written.
pub fn add_cache_entries(
    from: &Path,
    mine: &Path,
    compiled: Compiled,
) -> anyhow::Result<usize> {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(0);
    };
    make_dir(
        mine,
        if compiled == Compiled::Linked {
            0o700
        } else {
            0o755
        },
    )?;
    let mut added = 0;
    for entry in entries.filter_map(Result::ok) {
        let from = entry.path();
        // Not the kernels' lock folder, nor a half-made entry.
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let counted = std::fs::read_to_string(from.join("hits"))
            .is_ok_and(|h| h.trim().parse::<u32>().is_ok());
        let to = mine.join(entry.file_name());
        if hidden || !counted || to.exists() {
            continue;
        }
        // Made under a temporary name and renamed: a kernel never sees a
        // half-made entry.
        let partial =
            mine.join(format!(".{}.partial", entry.file_name().to_string_lossy()));
        let _ = std::fs::remove_dir_all(&partial);
        std::fs::create_dir(&partial)
            .with_context(|| format!("creating {}", partial.display()))?;
        for file in std::fs::read_dir(&from)?.filter_map(Result::ok) {
            let name = file.file_name();
            let target: PathBuf = partial.join(&name);
            let small = COPIED.iter().any(|c| name == *c)
                || name.to_string_lossy().ends_with(".d");
            if small || compiled == Compiled::Copied {
                std::fs::copy(file.path(), &target)
                    .with_context(|| format!("copying {}", file.path().display()))?;
            } else {
                link(&file.path(), &target)?;
            }
        }
        std::fs::rename(&partial, &to)
            .with_context(|| format!("adding {}", to.display()))?;
        added += 1;
    }
    Ok(added)
}

fn link(from: &Path, to: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    std::os::unix::fs::symlink(from, to)
        .with_context(|| format!("linking {}", to.display()))?;
    #[cfg(not(unix))]
    std::fs::copy(from, to).with_context(|| format!("copying {}", to.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mirrored_entry_links_the_compiled_files_and_copies_the_small_ones() {
        let dir =
            std::env::temp_dir().join(format!("room-mirror-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let shared = dir.join("shared");
        let entry = shared.join("1234");
        std::fs::create_dir_all(&entry).unwrap();
        for (f, text) in [
            ("hits", "3"),
            ("stderr", "artifact lines"),
            ("meta", "args"),
            ("rayon-1.d", "deps"),
            ("librayon-1.rlib", "big"),
        ] {
            std::fs::write(entry.join(f), text).unwrap();
        }
        let mine = dir.join("mine");
        assert_eq!(
            add_cache_entries(&shared, &mine, Compiled::Linked).unwrap(),
            1
        );
        let got = mine.join("1234");
        for copied in ["hits", "stderr", "meta", "rayon-1.d"] {
            let meta = std::fs::symlink_metadata(got.join(copied)).unwrap();
            assert!(meta.file_type().is_file(), "{copied} is not a copy");
        }
        let rlib = std::fs::symlink_metadata(got.join("librayon-1.rlib")).unwrap();
        assert!(rlib.file_type().is_symlink());
        assert_eq!(
            std::fs::read_to_string(got.join("librayon-1.rlib")).unwrap(),
            "big"
        );
        // evcxr counts a hit by rewriting `hits`: the shared one stays.
        std::fs::write(got.join("hits"), "4").unwrap();
        assert_eq!(std::fs::read_to_string(entry.join("hits")).unwrap(), "3");
        // A second run adds nothing, and never touches an entry of the learner's.
        assert_eq!(
            add_cache_entries(&shared, &mine, Compiled::Linked).unwrap(),
            0
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn no_shared_cache_adds_nothing() {
        let dir =
            std::env::temp_dir().join(format!("room-mirror-none-{}", std::process::id()));
        assert_eq!(
            add_cache_entries(&dir.join("absent"), &dir.join("mine"), Compiled::Linked)
                .unwrap(),
            0
        );
    }
}
