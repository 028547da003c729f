//! Whether a cell's code is complete, for JupyterLab's console: there
//! Shift+Enter asks the kernel (`is_complete_request`) and runs the code
//! only when it is complete; otherwise it starts a new line, indented, as
//! IPython's console does for an unfinished `def`.
//!
//! Rust code is unfinished while a bracket, a string, a character literal
//! or a block comment is still open. The answer is a guess from the text
//! alone, as IPython's is: the compiler has the last word when the code
//! runs.
//!
//! ```
//! use course_kernel_core::completeness::{Completeness, judge};
//!
//! assert_eq!(judge("fn f() {"), Completeness::Incomplete { indent: "    ".into() });
//! assert_eq!(judge("fn f() {\n    1\n}"), Completeness::Complete);
//! assert_eq!(judge("let s = \"open"), Completeness::Incomplete { indent: String::new() });
//! assert_eq!(judge("let x = 1;)"), Completeness::Invalid);
//! ```

/// The answer to an `is_complete_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completeness {
    /// Run it.
    Complete,
    /// Wait for more lines; the next line starts with `indent`.
    Incomplete {
        /// Four spaces per open bracket.
        indent: String,
    },
    /// A closing bracket with nothing open, or one that does not match:
    /// run it, and let the compiler say what is wrong.
    Invalid,
}

impl Completeness {
    /// The reply's content for Jupyter: `status`, and `indent` when
    /// incomplete.
    pub fn reply(&self) -> serde_json::Value {
        match self {
            Completeness::Complete => serde_json::json!({ "status": "complete" }),
            Completeness::Invalid => serde_json::json!({ "status": "invalid" }),
            Completeness::Incomplete { indent } => {
                serde_json::json!({ "status": "incomplete", "indent": indent })
            }
        }
    }
}

/// Judges `code`. Lines starting with `:` (evcxr's commands) or `%`
/// (magics) are complete on their own.
pub fn judge(code: &str) -> Completeness {
    if code.trim().is_empty() {
        return Completeness::Complete;
    }
    let mut open: Vec<char> = Vec::new();
    let mut chars = code.chars().peekable();
    let mut line_start = true;
    while let Some(c) = chars.next() {
        if line_start && open.is_empty() {
            let line: String = std::iter::once(c)
                .chain(chars.clone())
                .take_while(|&d| d != '\n')
                .collect();
            let first = line.trim_start();
            if first.starts_with(':') || first.starts_with('%') {
                // A command or a magic: skip to the end of its line.
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
                continue;
            }
        }
        line_start = c == '\n';
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        line_start = true;
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut depth = 1;
                let mut prev = ' ';
                while depth > 0 {
                    let Some(d) = chars.next() else {
                        return incomplete(open.len());
                    };
                    if prev == '/' && d == '*' {
                        depth += 1;
                        prev = ' ';
                    } else if prev == '*' && d == '/' {
                        depth -= 1;
                        prev = ' ';
                    } else {
                        prev = d;
                    }
                }
            }
            // Consumes the string; one that closes falls through to `_`.
            '"' if !skip_string(&mut chars) => return incomplete(0),
            'r' if matches!(chars.peek(), Some('#') | Some('"')) => {
                let mut hashes = 0;
                while chars.peek() == Some(&'#') {
                    chars.next();
                    hashes += 1;
                }
                if chars.peek() != Some(&'"') {
                    continue;
                }
                chars.next();
                if !skip_raw_string(&mut chars, hashes) {
                    return incomplete(0);
                }
            }
            '\'' => skip_char_or_lifetime(&mut chars),
            '(' | '[' | '{' => open.push(c),
            ')' | ']' | '}' => {
                let wanted = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if open.pop() != Some(wanted) {
                    return Completeness::Invalid;
                }
            }
            _ => {}
        }
    }
    if open.is_empty() {
        Completeness::Complete
    } else {
        incomplete(open.len())
    }
}

fn incomplete(depth: usize) -> Completeness {
    Completeness::Incomplete {
        indent: " ".repeat(4 * depth),
    }
}

/// Skips a string's body after its opening quote; `false` if it never
/// closes.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    while let Some(d) = chars.next() {
        match d {
            '\\' => {
                chars.next();
            }
            '"' => return true,
            _ => {}
        }
    }
    false
}

/// Skips a raw string's body (`r#"…"#`) after its opening quote.
fn skip_raw_string(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    hashes: usize,
) -> bool {
    while let Some(d) = chars.next() {
        if d == '"' {
            let mut seen = 0;
            while seen < hashes && chars.peek() == Some(&'#') {
                chars.next();
                seen += 1;
            }
            if seen == hashes {
                return true;
            }
        }
    }
    false
}

/// Skips a character literal (`'a'`, `'\n'`, `'\u{1F600}'`) or a lifetime
/// (`'a`, `'static`), after the quote.
fn skip_char_or_lifetime(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    let mut ahead = chars.clone();
    match ahead.next() {
        Some('\\') => {
            // An escape: a character literal; skip to its closing quote.
            chars.next();
            for d in chars.by_ref() {
                if d == '\'' {
                    break;
                }
            }
        }
        Some(_) if ahead.next() == Some('\'') => {
            chars.next();
            chars.next();
        }
        // A lifetime or a label: nothing to skip.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incomplete_by(depth: usize) -> Completeness {
        incomplete(depth)
    }

    #[test]
    fn open_brackets_wait_for_more_with_an_indent() {
        assert_eq!(judge("fn f() {"), incomplete_by(1));
        assert_eq!(judge("fn f() {\n    let v = vec![\n"), incomplete_by(2));
        assert_eq!(judge("let x = (1 +"), incomplete_by(1));
        assert_eq!(judge("(0..10).map(|i| {\n    i * 2"), incomplete_by(2));
    }

    #[test]
    fn finished_code_runs() {
        for code in [
            "6 * 7",
            "fn f() {}\nf()",
            "let v = vec![1, 2, 3];",
            "struct P { x: f64 }",
            "for i in 0..3 { println!(\"{i}\"); }",
            "",
        ] {
            assert_eq!(judge(code), Completeness::Complete, "{code}");
        }
    }

    #[test]
    fn brackets_inside_strings_comments_and_chars_do_not_count() {
        assert_eq!(judge("let s = \"{ not open\";"), Completeness::Complete);
        assert_eq!(judge("let s = r#\"\"{\"#;"), Completeness::Complete);
        assert_eq!(judge("// fn f() {\n1"), Completeness::Complete);
        assert_eq!(judge("/* { /* nested } */ */ 1"), Completeness::Complete);
        assert_eq!(judge("let c = '{';"), Completeness::Complete);
        assert_eq!(judge("let c = '\\'';"), Completeness::Complete);
        assert_eq!(
            judge("fn f<'a>(x: &'a str) -> &'a str { x }"),
            Completeness::Complete
        );
        assert_eq!(judge("let s = \"a \\\" {\";"), Completeness::Complete);
    }

    #[test]
    fn open_strings_and_comments_wait() {
        assert!(matches!(
            judge("let s = \"open"),
            Completeness::Incomplete { .. }
        ));
        assert!(matches!(
            judge("/* still a comment"),
            Completeness::Incomplete { .. }
        ));
        assert!(matches!(
            judge("let s = r#\"raw"),
            Completeness::Incomplete { .. }
        ));
    }

    #[test]
    fn a_closing_bracket_without_its_opening_is_invalid() {
        assert_eq!(judge("1 + 2)"), Completeness::Invalid);
        assert_eq!(judge("fn f() { ]"), Completeness::Invalid);
    }

    #[test]
    fn commands_and_magics_are_complete_lines() {
        assert_eq!(
            judge(":dep rayon = { version = \"1\""),
            Completeness::Complete
        );
        assert_eq!(
            judge("%timeit (0..10).sum::<u64>()"),
            Completeness::Complete
        );
    }

    #[test]
    fn the_reply_has_jupyters_fields() {
        assert_eq!(judge("fn f() {").reply()["status"], "incomplete");
        assert_eq!(judge("fn f() {").reply()["indent"], "    ");
        assert_eq!(judge("1").reply()["status"], "complete");
        assert_eq!(judge("1)").reply()["status"], "invalid");
    }
}
