//! The cells that made the kernel's variables, so that they can be made
//! again.
//!
//! When a cell does not stop at an interrupt (a loop that never checks
//! for one), the kernel stops the process that runs cells, and every
//! variable goes with it; items (`fn`, `struct`) and `:dep`s stay, since
//! evcxr keeps their source. [`History`] remembers, for each cell that ran
//! without error, which variables it defined; `%rebuild` re-runs those
//! cells, in order.
//!
//! ```
//! use course_kernel_core::history::History;
//!
//! let mut history = History::default();
//! history.record("let data = vec![1, 2, 3];", &[], &[("data", "Vec<i32>")]);
//! history.record("data.len()", &[("data", "Vec<i32>")], &[("data", "Vec<i32>")]);
//! history.record("let total: i32 = data.iter().sum();",
//!     &[("data", "Vec<i32>")], &[("data", "Vec<i32>"), ("total", "i32")]);
//! let plan = history.rebuild_plan();
//! assert_eq!(plan.len(), 2); // the cells that define data and total
//! assert!(plan[1].code.contains("total"));
//! ```

/// One cell that defined variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The cell's code, as the kernel ran it.
    pub code: String,
    /// The variables it defined (new, of a new type, or bound again with
    /// `let`).
    pub defines: Vec<String>,
}

/// The cells that defined variables, in the order they ran.
#[derive(Debug, Clone, Default)]
pub struct History {
    steps: Vec<Step>,
}

impl History {
    /// Records a cell that ran without error: `before` and `after` are the
    /// kernel's variables and their types around it.
    pub fn record(
        &mut self,
        code: &str,
        before: &[(&str, &str)],
        after: &[(&str, &str)],
    ) {
        let defines: Vec<String> = after
            .iter()
            .filter(|(name, ty)| {
                !before.contains(&(name, ty)) || binds_with_let(code, name)
            })
            .map(|(name, _)| name.to_string())
            .collect();
        if !defines.is_empty() {
            self.steps.push(Step {
                code: code.to_string(),
                defines,
            });
        }
    }

    /// The cells to run again, in order, to make every variable again.
    pub fn rebuild_plan(&self) -> &[Step] {
        &self.steps
    }

    /// Every variable some recorded cell defines, sorted.
    pub fn variables(&self) -> Vec<String> {
        let mut all: Vec<String> =
            self.steps.iter().flat_map(|s| s.defines.clone()).collect();
        all.sort();
        all.dedup();
        all
    }
}

/// Whether `code` has `let NAME` or `let mut NAME` (a binding made again,
/// perhaps with the same type).
fn binds_with_let(code: &str, name: &str) -> bool {
    let mut rest = code;
    while let Some(at) = rest.find("let ") {
        let before_ok = at == 0
            || !rest[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let mut after = rest[at + 4..].trim_start();
        if let Some(m) = after.strip_prefix("mut ") {
            after = m.trim_start();
        }
        let ends = after[name.len().min(after.len())..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if before_ok && after.starts_with(name) && ends {
            return true;
        }
        rest = &rest[at + 4..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binding_made_again_with_the_same_type_counts() {
        let mut h = History::default();
        h.record("let total = 1u64;", &[], &[("total", "u64")]);
        h.record(
            "let total = 2u64;",
            &[("total", "u64")],
            &[("total", "u64")],
        );
        h.record(
            "println!(\"{total}\");",
            &[("total", "u64")],
            &[("total", "u64")],
        );
        assert_eq!(h.rebuild_plan().len(), 2);
        assert_eq!(h.variables(), ["total"]);
    }

    #[test]
    fn let_is_read_as_a_word() {
        assert!(binds_with_let("let mut v = 1;", "v"));
        assert!(!binds_with_let("let vv = 1;", "v"));
        assert!(!binds_with_let("outlet v = 1;", "v"));
        assert!(binds_with_let("x(); let  data = 2;", "data"));
    }
}
