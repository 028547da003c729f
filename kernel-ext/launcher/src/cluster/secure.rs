//! Files that the cluster's daemons, running as root, may trust.
//!
//! `munged`, `slurmctld`, `slurmd`, `slurmdbd` and MariaDB run as root and
//! read and write under `.course/slurm/`. Whoever can change that folder
//! could hand root a munge key of their own (and forge any user's jobs),
//! or plant a symbolic link that root then follows when it writes a log
//! or a pid file (and overwrite any file of the machine). So before the
//! daemons start:
//!
//! * every folder from `/` down to the checkout is owned by root (or the
//!   user running `./lab`) and writable by nobody else, unless it is a
//!   sticky folder owned by root such as `/tmp`, where nobody can rename or
//!   remove another user's entries;
//! * below the checkout, folders are opened one at a time without
//!   following symbolic links (`openat` with `O_NOFOLLOW`), created with
//!   the mode they need, and refused if they are links or someone else's;
//! * files are written through those folders, never through a path that
//!   could lead elsewhere: to a new file, then renamed over the old one;
//! * an existing munge key is used only if it is a plain file of this
//!   user's, readable by nobody else, and long enough;
//! * nothing under `.course/slurm/` may be a symbolic link or belong to
//!   another user.
//!
//! Each refusal names the file, says what is wrong with it and what to do.

use std::ffi::CString;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The shortest munge key munged accepts, in bytes.
pub const MUNGE_KEY_MIN: u64 = 32;

/// This process's effective user id.
fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Whether `uid` may own what root trusts: root, or the user running
/// `./lab`.
fn trusted_owner(uid: u32) -> bool {
    uid == 0 || uid == euid()
}

/// Who besides its owner could change the entries of a folder with these
/// `mode` bits and `owner`, in words; `None` when nobody could.
fn others_who_can_write(mode: u32, owner: u32) -> Option<&'static str> {
    let sticky = mode & libc::S_ISVTX != 0;
    if sticky && owner == 0 {
        // Like /tmp: others may add entries, never rename or remove ours.
        return None;
    }
    match (mode & 0o020 != 0, mode & 0o002 != 0) {
        (_, true) => Some("every user"),
        (true, false) => Some("its group"),
        (false, false) => None,
    }
}

/// What to do about a folder someone else can change.
fn fix_folder(path: &Path) -> String {
    format!(
        "make it owned by root and writable only by root (`chown root {p} && chmod go-w {p}`), \
         or keep the course in a folder that only root can change",
        p = path.display()
    )
}

/// Checks every folder from `/` to `path` (itself included), after
/// resolving links, and returns the resolved path.
///
/// # Errors
///
/// When a folder on the way belongs to another user or others can write
/// it: they could swap the cluster's files for their own.
pub fn check_ancestors(path: &Path) -> anyhow::Result<PathBuf> {
    let real = path
        .canonicalize()
        .with_context(|| format!("resolving {}", path.display()))?;
    for dir in real.ancestors() {
        let meta = std::fs::symlink_metadata(dir)
            .with_context(|| format!("reading {}", dir.display()))?;
        if !trusted_owner(meta.uid()) {
            bail!(
                "{} belongs to user {}, not to root: that user could replace the Slurm cluster's \
                 files below it, which its daemons read as root. {}.",
                dir.display(),
                meta.uid(),
                fix_folder(dir)
            );
        }
        if let Some(who) = others_who_can_write(meta.mode(), meta.uid()) {
            bail!(
                "{} can be changed by {who}: they could replace the Slurm cluster's files below \
                 it, which its daemons read as root. {}.",
                dir.display(),
                fix_folder(dir)
            );
        }
    }
    Ok(real)
}

/// A C string of a single file name (no `/`, not `.` or `..`).
fn entry_name(name: &str) -> anyhow::Result<CString> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') {
        bail!("{name:?} is not a single file name");
    }
    CString::new(name).with_context(|| format!("{name:?} holds a NUL byte"))
}

/// What `fstatat` without following links says of `name` in `dir`;
/// `None` when it does not exist.
fn stat_entry(dir: &OwnedFd, name: &CString) -> std::io::Result<Option<libc::stat>> {
    // SAFETY: an all-zero stat is a valid value to be overwritten.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: the fd is open, the name is NUL-terminated, st is writable.
    let rc = unsafe {
        libc::fstatat(
            dir.as_raw_fd(),
            name.as_ptr(),
            &mut st,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if rc == 0 {
        return Ok(Some(st));
    }
    let e = std::io::Error::last_os_error();
    if e.kind() == std::io::ErrorKind::NotFound {
        Ok(None)
    } else {
        Err(e)
    }
}

fn is_link(st: &libc::stat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFLNK
}

fn is_dir(st: &libc::stat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFDIR
}

fn is_file(st: &libc::stat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFREG
}

/// The refusal for a symbolic link where the cluster keeps its files.
fn link_refused(path: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "{} is a symbolic link. The Slurm cluster's daemons run as root and would follow it to \
         wherever it points; the course never puts links there. Remove it (`rm {}`) and run \
         ./lab again.",
        path.display(),
        path.display()
    )
}

/// The refusal for an entry another user owns.
fn owner_refused(path: &Path, uid: u32) -> anyhow::Error {
    anyhow::anyhow!(
        "{} belongs to user {uid}, not to root: the Slurm cluster's daemons run as root and \
         would trust what that user put there. Remove it (`rm -r {}`) and run ./lab again; the \
         course makes it anew.",
        path.display(),
        path.display()
    )
}

/// A folder opened without following links, checked to be this user's:
/// the cluster's files are made and read through it.
#[derive(Debug)]
pub struct TrustedDir {
    path: PathBuf,
    fd: OwnedFd,
}

impl TrustedDir {
    /// Opens `path` after [`check_ancestors`].
    ///
    /// # Errors
    ///
    /// As [`check_ancestors`]; when `path` cannot be opened as a folder.
    pub fn open(path: &Path) -> anyhow::Result<TrustedDir> {
        let real = check_ancestors(path)?;
        let c = CString::new(real.as_os_str().as_bytes())
            .with_context(|| format!("{} holds a NUL byte", real.display()))?;
        // SAFETY: the path is NUL-terminated; the flags open a folder.
        let fd = unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_RDONLY,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error())
                .with_context(|| format!("opening {}", real.display()));
        }
        // SAFETY: open returned a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(TrustedDir { path: real, fd })
    }

    /// The folder's path (resolved).
    #[cfg(test)]
    fn path(&self) -> &Path {
        &self.path
    }

    /// The sub-folder `name`, made with `mode` if it is missing; an
    /// existing one is given `mode`.
    ///
    /// # Errors
    ///
    /// When `name` is a symbolic link, not a folder, or someone else's.
    pub fn subdir(&self, name: &str, mode: u32) -> anyhow::Result<TrustedDir> {
        let c = entry_name(name)?;
        let path = self.path.join(name);
        // SAFETY: the fd is open and the name NUL-terminated; mkdirat never
        // follows a link in the last component.
        let rc = unsafe { libc::mkdirat(self.fd.as_raw_fd(), c.as_ptr(), mode) };
        if rc != 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                return Err(e).with_context(|| format!("creating {}", path.display()));
            }
        }
        match stat_entry(&self.fd, &c)
            .with_context(|| format!("reading {}", path.display()))?
        {
            Some(st) if is_link(&st) => return Err(link_refused(&path)),
            Some(st) if !is_dir(&st) => bail!(
                "{} is not a folder; the Slurm cluster keeps a folder there. Remove it (`rm {}`) \
                 and run ./lab again.",
                path.display(),
                path.display()
            ),
            Some(st) if !trusted_owner(st.st_uid) => {
                return Err(owner_refused(&path, st.st_uid));
            }
            _ => {}
        }
        // SAFETY: as above; O_NOFOLLOW refuses a link swapped in since.
        let fd = unsafe {
            libc::openat(
                self.fd.as_raw_fd(),
                c.as_ptr(),
                libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_RDONLY,
            )
        };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::ELOOP) {
                return Err(link_refused(&path));
            }
            return Err(e).with_context(|| format!("opening {}", path.display()));
        }
        // SAFETY: openat returned a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let dir = File::from(fd);
        let meta = dir
            .metadata()
            .with_context(|| format!("reading {}", path.display()))?;
        if !trusted_owner(meta.uid()) {
            return Err(owner_refused(&path, meta.uid()));
        }
        dir.set_permissions(std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("setting the permissions of {}", path.display()))?;
        Ok(TrustedDir {
            path,
            fd: OwnedFd::from(dir),
        })
    }

    /// Checks the entry `name` before it is replaced or read: missing, or a
    /// plain file of this user's. Returns its status when it exists.
    fn existing_file(&self, name: &str) -> anyhow::Result<Option<libc::stat>> {
        let c = entry_name(name)?;
        let path = self.path.join(name);
        match stat_entry(&self.fd, &c)
            .with_context(|| format!("reading {}", path.display()))?
        {
            None => Ok(None),
            Some(st) if is_link(&st) => Err(link_refused(&path)),
            Some(st) if !is_file(&st) => bail!(
                "{} is not a plain file; the Slurm cluster keeps a file there. Remove it \
                 (`rm -r {}`) and run ./lab again.",
                path.display(),
                path.display()
            ),
            Some(st) if !trusted_owner(st.st_uid) => Err(owner_refused(&path, st.st_uid)),
            Some(st) => Ok(Some(st)),
        }
    }

    /// Writes `bytes` to the file `name` with `mode`: to a new file first,
    /// then renamed over the old one, so a link planted at `name` is
    /// replaced, never followed.
    ///
    /// # Errors
    ///
    /// When `name` is a link, a folder or someone else's file, or the file
    /// cannot be written.
    pub fn write(&self, name: &str, bytes: &[u8], mode: u32) -> anyhow::Result<PathBuf> {
        let path = self.path.join(name);
        self.existing_file(name)?;
        let temp_name = format!(".{name}.new-{}", std::process::id());
        let temp = entry_name(&temp_name)?;
        // A leftover of a run that was killed between its open and rename.
        // SAFETY: the fd is open and the name NUL-terminated; unlinkat removes
        // the entry itself, never what a link points to.
        unsafe { libc::unlinkat(self.fd.as_raw_fd(), temp.as_ptr(), 0) };
        // SAFETY: as above; O_EXCL with O_NOFOLLOW makes a new file or fails.
        let fd = unsafe {
            libc::openat(
                self.fd.as_raw_fd(),
                temp.as_ptr(),
                libc::O_WRONLY
                    | libc::O_CREAT
                    | libc::O_EXCL
                    | libc::O_NOFOLLOW
                    | libc::O_CLOEXEC,
                mode as libc::c_uint,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error())
                .with_context(|| format!("writing {}", path.display()));
        }
        // SAFETY: openat returned a new descriptor that nothing else owns.
        let mut file = unsafe { File::from_raw_fd(fd) };
        let written = file
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .and_then(|()| file.write_all(bytes))
            .and_then(|()| file.sync_all());
        let name_c = entry_name(name)?;
        let renamed = written.and_then(|()| {
            // SAFETY: both names are NUL-terminated entries of the open folder;
            // renameat replaces the entry `name` without following it.
            let rc = unsafe {
                libc::renameat(
                    self.fd.as_raw_fd(),
                    temp.as_ptr(),
                    self.fd.as_raw_fd(),
                    name_c.as_ptr(),
                )
            };
            if rc == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
        if let Err(e) = renamed {
            // SAFETY: as for the first unlinkat.
            unsafe { libc::unlinkat(self.fd.as_raw_fd(), temp.as_ptr(), 0) };
            return Err(e).with_context(|| format!("writing {}", path.display()));
        }
        Ok(path)
    }

    /// Whether a secret file (a key) `name` may be used as it is: `false`
    /// when missing (make a new one), `true` when it is a plain file of
    /// this user's that nobody else can read or write, at least `min`
    /// bytes long.
    ///
    /// # Errors
    ///
    /// An existing key that fails any of these, with what to do.
    pub fn secret_is_usable(&self, name: &str, min: u64) -> anyhow::Result<bool> {
        let path = self.path.join(name);
        let Some(st) = self.existing_file(name)? else {
            return Ok(false);
        };
        let remake = format!(
            "Remove it (`rm {}`) and run ./lab again: the course makes a new key, readable by \
             root alone.",
            path.display()
        );
        let mode = st.st_mode & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "{} can be read or changed by users other than root (mode {mode:03o}): anyone who \
                 has read it can forge jobs for any user on this cluster, including root. {remake}",
                path.display()
            );
        }
        if (st.st_size as u64) < min {
            bail!(
                "{} holds {} bytes; munge needs a key of at least {min} random bytes. {remake}",
                path.display(),
                st.st_size
            );
        }
        Ok(true)
    }

    /// Refuses any symbolic link, and anything another user owns, in this
    /// folder and below it.
    ///
    /// # Errors
    ///
    /// The first such entry, with what to do.
    pub fn refuse_links_below(&self) -> anyhow::Result<()> {
        refuse_links_in(&self.path, 0)
    }
}

/// How deep [`TrustedDir::refuse_links_below`] looks: deeper than anything
/// Slurm or MariaDB makes.
const MAX_DEPTH: usize = 8;

fn refuse_links_in(dir: &Path, depth: usize) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let path = entry.path();
        let meta = std::fs::symlink_metadata(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        if meta.file_type().is_symlink() {
            return Err(link_refused(&path));
        }
        if !trusted_owner(meta.uid()) {
            return Err(owner_refused(&path, meta.uid()));
        }
        if meta.is_dir() && depth < MAX_DEPTH {
            refuse_links_in(&path, depth + 1)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder for one test, in the system's temporary folder.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir()
            .join(format!("course-secure-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir
    }

    #[test]
    fn a_key_others_can_read_is_refused_with_what_to_do() {
        let root = scratch("key-mode");
        let dir = TrustedDir::open(&root).unwrap();
        let key = root.join("munge.key");
        std::fs::write(&key, [7u8; 1024]).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = dir
            .secret_is_usable("munge.key", MUNGE_KEY_MIN)
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("mode 644"), "{text}");
        assert!(text.contains(&format!("rm {}", key.display())), "{text}");

        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(dir.secret_is_usable("munge.key", MUNGE_KEY_MIN).unwrap());
        std::fs::write(&key, [7u8; 8]).unwrap();
        let short = dir
            .secret_is_usable("munge.key", MUNGE_KEY_MIN)
            .unwrap_err();
        assert!(short.to_string().contains("at least 32"), "{short}");
        std::fs::remove_file(&key).unwrap();
        assert!(!dir.secret_is_usable("munge.key", MUNGE_KEY_MIN).unwrap());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_key_another_user_owns_is_refused() {
        if euid() != 0 {
            // Giving a file away needs root; the mode test above covers
            // the rest for any user.
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "under CI=true the crate tests run as root, where the cluster does"
            );
            eprintln!("SKIPPED: giving a file to another user needs root");
            return;
        }
        let root = scratch("key-owner");
        let dir = TrustedDir::open(&root).unwrap();
        let key = root.join("munge.key");
        std::fs::write(&key, [7u8; 1024]).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::chown(&key, Some(65534), None).unwrap();
        let err = dir
            .secret_is_usable("munge.key", MUNGE_KEY_MIN)
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("belongs to user 65534"), "{text}");
        assert!(text.contains("rm -r"), "{text}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_symlink_where_the_cluster_keeps_files_is_refused_never_followed() {
        let root = scratch("links");
        let target = root.join("elsewhere");
        std::fs::write(&target, "precious\n").unwrap();
        let dir = TrustedDir::open(&root).unwrap();

        // A link in place of a file the cluster writes.
        std::os::unix::fs::symlink(&target, root.join("slurm.conf")).unwrap();
        let err = dir
            .write("slurm.conf", b"x", 0o644)
            .unwrap_err()
            .to_string();
        assert!(err.contains("is a symbolic link"), "{err}");
        assert!(err.contains("rm "), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");

        // A link in place of a folder.
        std::os::unix::fs::symlink(&root, root.join("log")).unwrap();
        let err = dir.subdir("log", 0o755).unwrap_err().to_string();
        assert!(err.contains("is a symbolic link"), "{err}");

        // A link deeper down, found by the scan.
        std::fs::remove_file(root.join("slurm.conf")).unwrap();
        std::fs::remove_file(root.join("log")).unwrap();
        let state = dir.subdir("state", 0o755).unwrap();
        std::os::unix::fs::symlink(&target, state.path().join("job_state")).unwrap();
        let err = dir.refuse_links_below().unwrap_err().to_string();
        assert!(err.contains("job_state is a symbolic link"), "{err}");
        std::fs::remove_file(state.path().join("job_state")).unwrap();
        dir.refuse_links_below().unwrap();
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn files_are_written_with_their_mode_and_folders_get_theirs() {
        let root = scratch("modes");
        let dir = TrustedDir::open(&root).unwrap();
        let munge = dir.subdir("munge", 0o700).unwrap();
        let key = munge.write("munge.key", &[1u8; 64], 0o600).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&key), 0o600);
        assert_eq!(mode(munge.path()), 0o700);
        // Rewriting replaces the file, and an existing folder gets the mode.
        munge.write("munge.key", &[2u8; 64], 0o600).unwrap();
        assert_eq!(std::fs::read(&key).unwrap(), vec![2u8; 64]);
        std::fs::set_permissions(munge.path(), std::fs::Permissions::from_mode(0o777))
            .unwrap();
        let again = dir.subdir("munge", 0o700).unwrap();
        assert_eq!(mode(again.path()), 0o700);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_folder_others_can_write_is_refused_unless_sticky_and_roots() {
        let root = scratch("ancestors");
        let open = root.join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let inner = open.join("course");
        std::fs::create_dir(&inner).unwrap();
        let err = check_ancestors(&inner).unwrap_err().to_string();
        assert!(err.contains("can be changed by every user"), "{err}");
        assert!(err.contains("chmod go-w"), "{err}");
        assert_eq!(others_who_can_write(0o1777 | libc::S_IFDIR, 0), None);
        assert_eq!(
            others_who_can_write(0o1777 | libc::S_IFDIR, 1000),
            Some("every user")
        );
        assert_eq!(others_who_can_write(0o775, 0), Some("its group"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
