//! The system packages the course needs, in one list, installed in one
//! step before the first `cargo` build of set-up.
//!
//! Why first: a build script that probes the system (the Fortran crate's
//! looks for gfortran) runs when its crate is first built, and a package
//! installed after that is missed. So every package is installed (or the
//! exact command to install them printed) before anything is compiled.
//!
//! As root with apt-get, missing packages are installed with one
//! `apt-get install`; otherwise the step prints the command for a person
//! to run, and the steps that need a missing component say so.

use std::process::Command;

use crate::setup::For;
use crate::setup::apt;
use crate::steps::capture;

/// Something the course needs from the system: what it is for, Debian's
/// packages, and how to tell it is there.
pub struct Need {
    /// What it is, for messages.
    pub what: &'static str,
    /// Debian/Ubuntu packages that bring it.
    pub packages: &'static [&'static str],
    /// Whether it is there (the programs, headers or libraries the
    /// course uses).
    pub found: fn() -> bool,
    /// The least command that needs it (`./lab test` needs everything).
    pub needed_by: For,
}

/// Everything the course takes from the system's package manager: the one
/// list. A later episode that needs a system package adds it here.
pub const NEEDS: [Need; 7] = [
    Need {
        what: "OpenMPI and libclang (episode 8's MPI program)",
        packages: &crate::setup::mpi::PACKAGES,
        found: || crate::setup::mpi::missing().is_empty(),
        needed_by: For::Course,
    },
    Need {
        what: "gfortran with OpenMP (episode 9's Fortran)",
        packages: &["gfortran"],
        found: || gfortran_version().is_some(),
        needed_by: For::Course,
    },
    Need {
        what: "Slurm and munge (episode 8's cluster)",
        packages: &crate::setup::slurm::PACKAGES,
        found: || crate::setup::slurm::missing().is_empty(),
        needed_by: For::Course,
    },
    Need {
        what: "slurmdbd and MariaDB (the cluster's accounting)",
        packages: &crate::cluster::accounting::PACKAGES,
        found: || crate::cluster::accounting::missing().is_none(),
        needed_by: For::Course,
    },
    Need {
        what: "a Python every user can run (the room's JupyterHub and learners' JupyterLab)",
        packages: &["python3", "python3-venv"],
        found: || {
            capture(Command::new(SYSTEM_PYTHON).args(["-c", "import venv, ensurepip"]))
                .is_some()
        },
        needed_by: For::Room,
    },
    Need {
        what: "Node.js and npm (the room's proxy)",
        packages: &["nodejs", "npm"],
        found: || {
            capture(Command::new("node").arg("--version")).is_some()
                && capture(Command::new("npm").arg("--version")).is_some()
        },
        needed_by: For::Room,
    },
    Need {
        what: "Chromium (the browser test)",
        packages: &["chromium"],
        found: || crate::testing::find_chromium().is_some(),
        needed_by: For::Tests,
    },
];

/// gfortran's first line of `--version`, if it is installed.
pub fn gfortran_version() -> Option<String> {
    capture(Command::new("gfortran").arg("--version"))
        .and_then(|v| v.lines().next().map(str::to_string))
}

/// The system's own Python, which every user can run: a Python in root's
/// home (pyenv, say) is out of learners' reach.
pub const SYSTEM_PYTHON: &str = "/usr/bin/python3";

/// The needs of a command: those of every command up to `serves`.
pub fn needs(serves: For) -> impl Iterator<Item = &'static Need> {
    NEEDS.iter().filter(move |n| n.needed_by <= serves)
}

/// The packages of `needs`, each once, in the list's order.
pub fn packages_of<'a>(needs: impl IntoIterator<Item = &'a Need>) -> Vec<&'static str> {
    let mut packages: Vec<&'static str> = Vec::new();
    for need in needs {
        for p in need.packages {
            if !packages.contains(p) {
                packages.push(p);
            }
        }
    }
    packages
}

/// Installs what is missing of the command's needs, in one apt-get call
/// when allowed; otherwise says what to run. Returns the outcome line.
///
/// # Errors
///
/// When apt-get was allowed but failed, or a package it installed still
/// does not give what the course looks for.
pub fn ensure(serves: For) -> anyhow::Result<String> {
    let missing: Vec<&Need> = needs(serves).filter(|n| !(n.found)()).collect();
    if missing.is_empty() {
        return Ok(format!(
            "all found: {}",
            needs(serves).map(|n| n.what).collect::<Vec<_>>().join("; ")
        ));
    }
    let packages = packages_of(missing.iter().copied());
    let names: Vec<&str> = missing.iter().map(|n| n.what).collect();
    if !apt::allowed() {
        let how = if capture(Command::new("apt-get").arg("--version")).is_some() {
            format!("run `{}`", apt::install_command(&packages))
        } else {
            format!(
                "install them with your system's package manager (Debian's names: {})",
                packages.join(" ")
            )
        };
        return Ok(format!(
            "MISSING: {}. To install them, {how}, then run ./lab again. Until then the parts \
             of the course that need them say so.",
            names.join("; ")
        ));
    }
    apt::install(&packages)?;
    let still: Vec<&str> = missing
        .iter()
        .filter(|n| !(n.found)())
        .map(|n| n.what)
        .collect();
    if !still.is_empty() {
        anyhow::bail!(
            "apt-get installed {} but these are still not found: {}.",
            packages.join(" "),
            still.join("; ")
        );
    }
    Ok(format!(
        "installed with one apt-get call: {} ({})",
        names.join("; "),
        packages.join(" ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tests_need_more_than_the_room_and_the_room_more_than_the_course() {
        let course: Vec<&str> = needs(For::Course).map(|n| n.what).collect();
        let room: Vec<&str> = needs(For::Room).map(|n| n.what).collect();
        let tests: Vec<&str> = needs(For::Tests).map(|n| n.what).collect();
        assert!(tests.len() > room.len() && room.len() > course.len());
        assert!(course.iter().all(|c| room.contains(c)));
        assert!(room.iter().all(|c| tests.contains(c)));
        assert!(!room.iter().any(|c| c.contains("Chromium")));
        assert!(!course.iter().any(|c| c.contains("npm")));
    }

    #[test]
    fn every_package_is_named_once_in_one_command() {
        let packages = packages_of(NEEDS.iter());
        let mut sorted = packages.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), packages.len());
        for p in [
            "gfortran",
            "openmpi-bin",
            "libclang-dev",
            "slurm-wlm",
            "munge",
        ] {
            assert!(packages.contains(&p), "{p} missing from {packages:?}");
        }
        let command = apt::install_command(&packages);
        assert!(command.starts_with("sudo apt-get install -y "), "{command}");
        assert!(command.ends_with(packages.last().copied().unwrap_or("")));
    }
}
