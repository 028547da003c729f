//! The course's `Cargo.lock` laid over a kernel's, so that every crate a
//! cell loads has the version the course locked.
//!
//! evcxr resolves dependencies in the kernel's build folder, and each new
//! `:dep` first checks the dependency alone (`cargo metadata` on a crate
//! with only that dependency), which drops from the lock file every
//! package that one dependency does not need: the next build would then
//! take the newest versions of everything else and rebuild (and reload)
//! crates the kernel already holds. The course kernel puts a `cargo` of its
//! own before Cargo (see the kernel's `roles`), which lays the course's
//! lock over the kernel's before each resolution: packages the course
//! locks get the course's versions, other packages (a `:dep tokio`) keep
//! what evcxr resolved.
//!
//! ```
//! use course_kernel_core::lockfile::overlay;
//!
//! let course = "version = 4\n\n[[package]]\nname = \"rand\"\nversion = \"0.10.3\"\n";
//! let kernel = "version = 4\n\n[[package]]\nname = \"rand\"\nversion = \"0.10.4\"\n\n\
//!               [[package]]\nname = \"tokio\"\nversion = \"1.48.0\"\n";
//! let laid = overlay(course, kernel).expect("rand differs");
//! assert!(laid.contains("\"0.10.3\"") && !laid.contains("\"0.10.4\""));
//! assert!(laid.contains("tokio"));
//! assert_eq!(overlay(course, &laid), None); // nothing left to change
//! ```

/// The kernel's lock file `kernel` with every package the course's lock
/// `course` names taken from the course's; `None` when that changes
/// nothing.
pub fn overlay(course: &str, kernel: &str) -> Option<String> {
    let (course_header, course_packages) = split(course);
    let (header, kernel_packages) = split(kernel);
    let header = if header.trim().is_empty() {
        course_header
    } else {
        header
    };
    let locked: std::collections::HashSet<&str> =
        course_packages.iter().filter_map(|p| name_of(p)).collect();
    let mut out = header.trim_end().to_string();
    let mut packages: Vec<&str> = course_packages.clone();
    packages.extend(
        kernel_packages
            .iter()
            .filter(|p| name_of(p).is_none_or(|n| !locked.contains(n))),
    );
    let mut sorted = packages.clone();
    sorted.sort_unstable();
    let mut current = kernel_packages.clone();
    current.sort_unstable();
    if sorted == current {
        return None;
    }
    for package in packages {
        out.push_str("\n\n");
        out.push_str(package.trim_end());
    }
    out.push('\n');
    Some(out)
}

/// The text before the first package, and each `[[package]]` block.
fn split(lock: &str) -> (&str, Vec<&str>) {
    let mut parts = lock.split("\n[[package]]\n");
    let header = parts.next().unwrap_or("");
    let starts: Vec<usize> = lock
        .match_indices("\n[[package]]\n")
        .map(|(i, _)| i + 1)
        .collect();
    let mut blocks = Vec::with_capacity(starts.len());
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(lock.len(), |&next| next - 1);
        blocks.push(&lock[start..end]);
    }
    (header, blocks)
}

/// The `name = "…"` of a `[[package]]` block.
fn name_of(block: &str) -> Option<&str> {
    block
        .lines()
        .find_map(|l| l.strip_prefix("name = \""))
        .and_then(|rest| rest.strip_suffix('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pruned_lock_gets_the_course_packages_back() {
        let course = "# generated\nversion = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n\
                      [[package]]\nname = \"b\"\nversion = \"2.0.0\"\ndependencies = [\n \"a\",\n]\n";
        let pruned = "# generated\nversion = 4\n\n[[package]]\nname = \"ctx\"\nversion = \"1.0.0\"\n";
        let laid = overlay(course, pruned).unwrap();
        assert!(
            laid.starts_with("# generated\nversion = 4\n\n[[package]]\nname = \"a\"")
        );
        assert!(laid.contains("dependencies = [\n \"a\",\n]"));
        assert!(laid.contains("name = \"ctx\""));
        assert_eq!(overlay(course, &laid), None);
    }

    #[test]
    fn an_empty_kernel_lock_becomes_the_course_lock() {
        let course = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n";
        assert_eq!(overlay(course, "").unwrap().trim(), course.trim());
    }
}
