//! evcxr's `:dep` lines, read: which crate, and from which folder when it
//! is a path crate. The launcher's warm-up and the kernel's preloading
//! both read notebooks' `:dep` lines through this.
//!
//! ```
//! use course_kernel_core::deps::Dep;
//!
//! let dep = Dep::parse(r#":dep parallel_course = { path = ".." }"#).unwrap();
//! assert_eq!(dep.name, "parallel_course");
//! assert_eq!(dep.path.as_deref(), Some(".."));
//! let tokio = Dep::parse(r#":dep tokio = { version = "1", features = ["full"] }"#).unwrap();
//! assert_eq!((tokio.name.as_str(), tokio.path), ("tokio", None));
//! assert!(Dep::parse("let x = 1;").is_none());
//! ```

/// One `:dep` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    /// The crate's name, as written.
    pub name: String,
    /// The folder of a path crate (`path = "…"`), as written.
    pub path: Option<String>,
}

impl Dep {
    /// Reads a `:dep` line (leading spaces allowed); `None` for any other
    /// line.
    pub fn parse(line: &str) -> Option<Dep> {
        let rest = line.trim().strip_prefix(":dep")?;
        if !rest.starts_with(char::is_whitespace) {
            return None;
        }
        let rest = rest.trim_start();
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(rest.len());
        let name = &rest[..end];
        if name.is_empty() {
            return None;
        }
        Some(Dep {
            name: name.to_string(),
            path: path_of(&rest[end..]).map(str::to_string),
        })
    }
}

/// The `path = "…"` in a dependency's configuration, if any.
pub fn path_of(config: &str) -> Option<&str> {
    let mut rest = config;
    while let Some(at) = rest.find("path") {
        let before = rest[..at].chars().next_back();
        let after = rest[at + 4..].trim_start();
        if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
            && let Some(value) = after.strip_prefix('=')
            && let Some(value) = value.trim_start().strip_prefix('"')
        {
            return value.find('"').map(|end| &value[..end]);
        }
        rest = &rest[at + 4..];
    }
    None
}

/// `code` with each `:dep` line's relative `path = "…"` that names no
/// crate from `cwd` but does from the course's notebooks folder
/// `notebooks` made absolute there.
///
/// The notebooks name the course's crates relative to their own folder
/// (`path = ".."` is the support crate). A learner's copy that lives
/// elsewhere (a room puts it in the learner's home) still means the
/// course's crates; a path that names a crate where the learner is wins.
///
/// ```
/// use course_kernel_core::deps::resolve_course_paths;
/// use std::path::Path;
///
/// let course = std::env::temp_dir().join(format!("doc-course-{}", std::process::id()));
/// std::fs::create_dir_all(course.join("notebooks"))?;
/// std::fs::write(course.join("Cargo.toml"), "[package]")?;
/// let code = ":dep parallel_course = { path = \"..\" }\nlet x = 1;";
/// let got = resolve_course_paths(code, Path::new("/nowhere/work"), &course.join("notebooks"));
/// assert!(got.contains(&format!("path = \"{}\"", course.canonicalize()?.display())));
/// assert!(got.ends_with("let x = 1;"));
/// # std::fs::remove_dir_all(&course)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn resolve_course_paths<'a>(
    code: &'a str,
    cwd: &std::path::Path,
    notebooks: &std::path::Path,
) -> std::borrow::Cow<'a, str> {
    let fix = |line: &str| -> Option<String> {
        let dep = Dep::parse(line)?;
        let path = dep.path?;
        let relative = std::path::Path::new(&path);
        if relative.is_absolute() || cwd.join(relative).join("Cargo.toml").is_file() {
            return None;
        }
        let course = notebooks.join(relative);
        if !course.join("Cargo.toml").is_file() {
            return None;
        }
        let absolute = course.canonicalize().ok()?;
        let text = absolute
            .to_str()?
            .replace('\\', "\\\\")
            .replace('"', "\\\"");
        Some(line.replacen(&format!("\"{path}\""), &format!("\"{text}\""), 1))
    };
    if !code.lines().any(|l| fix(l).is_some()) {
        return std::borrow::Cow::Borrowed(code);
    }
    let lines: Vec<String> = code
        .lines()
        .map(|l| fix(l).unwrap_or_else(|| l.to_string()))
        .collect();
    std::borrow::Cow::Owned(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_that_names_a_crate_where_the_learner_is_wins() {
        let dir =
            std::env::temp_dir().join(format!("deps-course-{}", std::process::id()));
        let course = dir.join("course");
        let mine = dir.join("home");
        std::fs::create_dir_all(course.join("notebooks")).unwrap();
        std::fs::create_dir_all(course.join("crates/c")).unwrap();
        std::fs::create_dir_all(mine.join("work")).unwrap();
        std::fs::write(course.join("Cargo.toml"), "").unwrap();
        std::fs::write(course.join("crates/c/Cargo.toml"), "").unwrap();
        let code = ":dep course_c = { path = \"../crates/c\" }\n:dep tokio = \"1\"\n1";
        let got =
            resolve_course_paths(code, &mine.join("work"), &course.join("notebooks"));
        let c = course.join("crates/c").canonicalize().unwrap();
        assert!(
            got.contains(&format!("path = \"{}\"", c.display())),
            "{got}"
        );
        assert!(got.contains(":dep tokio = \"1\""));
        // A crate of the learner's own at that path is theirs.
        std::fs::create_dir_all(mine.join("crates/c")).unwrap();
        std::fs::write(mine.join("crates/c/Cargo.toml"), "").unwrap();
        let got =
            resolve_course_paths(code, &mine.join("work"), &course.join("notebooks"));
        assert_eq!(got, code);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn paths_are_found_wherever_they_stand() {
        assert_eq!(
            path_of(r#"{path="../crates/course-c", features = []}"#),
            Some("../crates/course-c")
        );
        assert_eq!(path_of(r#"{ version = "1", xpath = "no" }"#), None);
        assert_eq!(
            path_of(r#"rt = { path = "kernel-ext/runtime" }"#),
            Some("kernel-ext/runtime")
        );
    }

    #[test]
    fn only_dep_commands_are_deps() {
        assert!(Dep::parse(":dependencies").is_none());
        assert!(Dep::parse(":dep").is_none());
        assert_eq!(Dep::parse("  :dep  rayon").unwrap().name, "rayon");
    }
}
