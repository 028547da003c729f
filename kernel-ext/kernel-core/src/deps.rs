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

#[cfg(test)]
mod tests {
    use super::*;

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
