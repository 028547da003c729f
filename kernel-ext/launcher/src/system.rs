//! What the launcher asks of the machine: the user, the home and cache
//! folders, and whether it runs under CI.

use std::path::PathBuf;

/// The folder, under the user's cache folder, that holds the course's
/// machine-wide state: the kernels' build folder and the publisher's
/// downloads.
const CACHE_FOLDER: &str = "parallel-course";

/// Whether this process runs as root (user id 0).
pub fn running_as_root() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Whether this is a CI run (`CI=true` or `CI=1`): there a missing part
/// of the course (OpenMPI, a browser) is a failure, never a skip.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The user's home folder.
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" })
        .map(PathBuf::from)
}

/// The user's cache folder (`~/.cache` on Linux, or `XDG_CACHE_HOME`).
pub fn cache_home() -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        home_dir().map(|h| h.join("Library/Caches"))
    } else if cfg!(windows) {
        std::env::var_os("LOCALAPPDATA").map(PathBuf::from)
    } else {
        std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| home_dir().map(|h| h.join(".cache")))
    }
}

/// The course's folder in the user's cache folder.
///
/// # Errors
///
/// When neither `HOME` nor `XDG_CACHE_HOME` says where that is.
pub fn course_cache() -> anyhow::Result<PathBuf> {
    cache_home().map(|d| d.join(CACHE_FOLDER)).ok_or_else(|| {
        anyhow::anyhow!(
            "cannot tell where the user's cache folder is: set HOME or XDG_CACHE_HOME"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn root_is_user_id_zero() {
        let id = std::process::Command::new("id").arg("-u").output().unwrap();
        let uid = String::from_utf8_lossy(&id.stdout).trim().to_string();
        assert_eq!(running_as_root(), uid == "0");
    }
}
