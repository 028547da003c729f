//! The room's learners: the list an instructor gives (one username per
//! line), the Unix users made for them, and the password sheet.
//!
//! Users are made with `useradd` (a home of their own, readable by them
//! only) and given a random password with `chpasswd`. The room remembers
//! which users it made (`learners.json` in its state folder): only those
//! are ever changed or removed, never an account that was there before.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

/// The most learners one room takes.
pub const MAX_LEARNERS: usize = 500;

/// Reads a learners file: one username per line; blank lines and lines
/// starting with `#` are skipped. Every name must be a valid Unix
/// username (a lower-case letter or `_` first, then lower-case letters,
/// digits, `_` or `-`, at most 32 characters), listed once.
///
/// # Errors
///
/// Names each bad line with its number and what is allowed.
pub fn parse(text: &str) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !valid_name(line) {
            bail!(
                "line {}: {line:?} is not a username the room can make: use a lower-case letter \
                 or _ first, then lower-case letters, digits, _ or -, at most 32 characters",
                i + 1
            );
        }
        if !seen.insert(line.to_string()) {
            bail!("line {}: {line} is listed twice", i + 1);
        }
        names.push(line.to_string());
    }
    if names.is_empty() {
        bail!("the learners file lists nobody: give one username per line");
    }
    if names.len() > MAX_LEARNERS {
        bail!(
            "the learners file lists {} people; one room takes at most {MAX_LEARNERS}",
            names.len()
        );
    }
    Ok(names)
}

/// Whether `name` is a username the room makes.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    first_ok
        && name.len() <= 32
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Whether a Unix user `name` exists.
pub fn exists(name: &str) -> bool {
    Command::new("id")
        .args(["-u", name])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The users the room made, from its record.
pub fn made(record: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(record)
        .ok()
        .and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok())
        .unwrap_or_default()
        .into_iter()
        .collect()
}

fn remember(record: &Path, users: &BTreeSet<String>) -> anyhow::Result<()> {
    let list: Vec<&String> = users.iter().collect();
    write_private(record, &(serde_json::to_string_pretty(&list)? + "\n"))
}

/// A password of 4 groups of 4 letters and digits (about 80 bits), with
/// no characters that are easy to misread (0/O, 1/l/I).
pub fn new_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        anyhow::anyhow!("could not read random bytes for a password: {e}")
    })?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// Makes the users of `names` that do not exist yet, gives each a new
/// password, and writes the password sheet `sheet` (readable by root
/// only). A name that exists already and that the room did not make is
/// refused: the room never takes over an account.
///
/// Returns the names made now.
///
/// # Errors
///
/// When a name belongs to an account the room did not make, or
/// `useradd`/`chpasswd` fail.
pub fn ensure_users(
    names: &[String],
    record: &Path,
    sheet: &Path,
    comment: &str,
) -> anyhow::Result<Vec<String>> {
    if comment.contains([':', '\n']) {
        bail!("an account's comment cannot hold ':' or a line break: {comment:?}");
    }
    let mut ours = made(record);
    let foreign: Vec<&String> = names
        .iter()
        .filter(|n| exists(n) && !ours.contains(*n))
        .collect();
    if !foreign.is_empty() {
        bail!(
            "{} already exist{} on this machine and the room did not make {}: the room never \
             takes over an account. Choose other names in the learners file.",
            foreign
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if foreign.len() == 1 { "s" } else { "" },
            if foreign.len() == 1 { "it" } else { "them" }
        );
    }
    let mut new = Vec::new();
    for name in names {
        if exists(name) {
            continue;
        }
        let status = Command::new("useradd")
            .args([
                "--create-home",
                "--shell",
                "/bin/bash",
                "--comment",
                comment,
            ])
            .arg(name)
            .status()
            .context("could not run useradd")?;
        if !status.success() {
            bail!("useradd could not make the user {name} ({status})");
        }
        ours.insert(name.clone());
        remember(record, &ours)?;
        new.push(name.clone());
    }
    // Each home readable by its owner only.
    for name in names {
        if let Some(home) = home_of(name) {
            set_mode(&home, 0o700)?;
        }
    }
    let mut lines = Vec::new();
    let mut input = String::new();
    for name in names {
        let password = new_password()?;
        input.push_str(&format!("{name}:{password}\n"));
        lines.push(format!("{name:<32} {password}"));
    }
    let mut child = Command::new("chpasswd")
        .stdin(Stdio::piped())
        .spawn()
        .context("could not run chpasswd")?;
    child
        .stdin
        .take()
        .context("chpasswd has no input")?
        .write_all(input.as_bytes())?;
    let status = child.wait()?;
    if !status.success() {
        bail!("chpasswd could not set the learners' passwords ({status})");
    }
    let text = format!(
        "# The room's learners and their passwords, new at every start of the room.\n\
         # Hand each learner their line; keep this file to yourself (readable by root only).\n{}\n",
        lines.join("\n")
    );
    write_private(sheet, &text)?;
    Ok(new)
}

/// Removes the users the room made among `names` (and their homes).
///
/// # Errors
///
/// When `userdel` fails for one of them.
pub fn remove_users(names: &[String], record: &Path) -> anyhow::Result<()> {
    let mut ours = made(record);
    for name in names {
        if !ours.contains(name) {
            continue;
        }
        if exists(name) {
            let status = Command::new("userdel")
                .args(["--remove", name])
                .stderr(Stdio::null())
                .status()
                .context("could not run userdel")?;
            if !status.success() && exists(name) {
                bail!("userdel could not remove {name} ({status})");
            }
        }
        ours.remove(name);
        remember(record, &ours)?;
    }
    Ok(())
}

/// A user's home folder, from the password database.
pub fn home_of(name: &str) -> Option<std::path::PathBuf> {
    let out = Command::new("getent")
        .args(["passwd", name])
        .output()
        .ok()?;
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    line.trim().split(':').nth(5).map(std::path::PathBuf::from)
}

/// Writes `text` to `path` readable and writable by its owner only; the
/// file is made with that mode, never widened.
pub fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&partial)
        .with_context(|| format!("writing {}", partial.display()))?;
    file.write_all(text.as_bytes())?;
    std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))
}

fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("setting the permissions of {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_learners_file_gives_one_name_per_line() {
        let names = parse("# workshop\nada\n\n  grace \nlinus_t\n").unwrap();
        assert_eq!(names, ["ada", "grace", "linus_t"]);
    }

    #[test]
    fn bad_names_and_repeats_are_refused_with_their_line() {
        let err = parse("ada\nAda Lovelace\n").unwrap_err().to_string();
        assert!(err.starts_with("line 2:"), "{err}");
        assert!(err.contains("lower-case"), "{err}");
        let err = parse("ada\nada\n").unwrap_err().to_string();
        assert!(err.contains("listed twice"), "{err}");
        assert!(parse("# nobody\n").is_err());
        assert!(parse("-rf\n").is_err());
        assert!(parse("../etc\n").is_err());
        assert!(parse(&"a".repeat(33)).is_err());
        let many: String = (0..=MAX_LEARNERS).map(|i| format!("l{i}\n")).collect();
        assert!(parse(&many).unwrap_err().to_string().contains("at most"));
    }

    #[test]
    fn passwords_are_long_and_differ() {
        let (a, b) = (new_password().unwrap(), new_password().unwrap());
        assert_eq!(a.len(), 19);
        assert_ne!(a, b);
        assert!(!a.contains(['0', 'o', '1', 'l', 'i']), "{a}");
    }

    #[test]
    fn private_files_are_made_readable_by_their_owner_only() {
        let dir =
            std::env::temp_dir().join(format!("room-private-{}", std::process::id()));
        let file = dir.join("sheet.txt");
        write_private(&file, "secret\n").unwrap();
        write_private(&file, "secret again\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "secret again\n");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_room_never_claims_an_account_it_did_not_make() {
        let dir =
            std::env::temp_dir().join(format!("room-record-{}", std::process::id()));
        let record = dir.join("learners.json");
        // `root` exists everywhere and the room never made it.
        let err = ensure_users(&["root".into()], &record, &dir.join("sheet"), "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("never takes over"), "{err}");
        assert!(made(&record).is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }
}
