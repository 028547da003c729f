//! IPython's timing magics, for learners who come from the Python course,
//! translated to the support crate's macros; and the kernel's own
//! `%rebuild`.
//!
//! | typed | runs |
//! |---|---|
//! | `%timeit [-n N] [-r R] [-o] [-q] EXPR` | `parallel_course::timeit!([-n N] [-r R] EXPR)` |
//! | `%%timeit [-n N] [-r R] [SETUP]` + body | `{ SETUP; parallel_course::timeit!([…] { body }) }` |
//! | `%time EXPR` | `parallel_course::time!(EXPR)` |
//! | `%%time` + body | the body as an ordinary cell, then its execution time ([`Cell::TimeCell`]) |
//! | `%rebuild` | re-runs the cells that made the variables a stopped process lost ([`Cell::Rebuild`]) |
//!
//! A line magic may stand anywhere in a cell, on a line of its own; on the
//! last line its result is the cell's value, elsewhere `%timeit` prints
//! it. Only magics at the start of a line count (a `%` inside code is
//! Rust's remainder operator).
//!
//! ```
//! use course_kernel_core::magics::{Cell, translate};
//!
//! assert_eq!(
//!     translate("%timeit -n 3 -r 2 pi_par(1000, 1)")?,
//!     Cell::Code("parallel_course::timeit!(-n 3 -r 2 pi_par(1000, 1))".into())
//! );
//! assert_eq!(translate("6 * 7")?, Cell::Code("6 * 7".into()));
//! assert!(translate("%timeit -n 0 f()").unwrap_err().to_string().contains("1 or more"));
//! # Ok::<(), course_kernel_core::magics::MagicError>(())
//! ```

/// What a cell asks the kernel to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Rust code (and evcxr commands) to run as it stands.
    Code(String),
    /// `%%time`: run the body as an ordinary cell (its variables stay),
    /// then report how long it ran.
    TimeCell(String),
    /// `%rebuild`: re-run the cells that made the lost variables.
    Rebuild,
    /// `%%writefile [-a] PATH`: write (or, with `-a`, append) the rest of
    /// the cell to a file, as IPython's magic does: a Snakefile, a job
    /// script, a data file, shown and edited in the notebook.
    WriteFile {
        /// The file, relative to the notebook's folder unless absolute.
        path: String,
        /// Append instead of replacing.
        append: bool,
        /// The text to write, ending in a line break.
        text: String,
    },
}

/// A magic typed wrongly: IPython's `UsageError`. The message says what
/// is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MagicError(pub String);

impl std::fmt::Display for MagicError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MagicError {}

/// The magics the kernel knows, for error messages.
pub const KNOWN: &str = "%time, %%time, %timeit, %%timeit, %%writefile and %rebuild";

/// Translates a cell's text.
///
/// # Errors
///
/// An unknown magic, a flag `%timeit` does not take, a count of zero or
/// not a number, a magic without the code it times, or `%rebuild` beside
/// other code.
pub fn translate(code: &str) -> Result<Cell, MagicError> {
    let trimmed = code.trim_start_matches(['\n', '\r', ' ', '\t']);
    if let Some(rest) = trimmed.strip_prefix("%%") {
        return cell_magic(rest);
    }
    if !code.lines().any(is_magic_line) {
        return Ok(Cell::Code(code.to_string()));
    }
    let lines: Vec<&str> = code.lines().collect();
    let last = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .unwrap_or(0);
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if !is_magic_line(line) {
            out.push(line.to_string());
            continue;
        }
        let (name, args) = split_name(&line[1..]);
        let is_last = i == last;
        match name {
            "timeit" => out.push(line_timeit(args, is_last)?),
            "time" => {
                let expr = statement(args, "%time")?;
                let call = format!("parallel_course::time!({expr})");
                out.push(if is_last { call } else { format!("{call};") });
            }
            "rebuild" if lines.iter().filter(|l| !l.trim().is_empty()).count() == 1 => {
                return Ok(Cell::Rebuild);
            }
            "rebuild" => {
                return Err(MagicError(
                    "%rebuild goes in a cell of its own: it re-runs earlier cells".into(),
                ));
            }
            other => return Err(unknown(&format!("%{other}"))),
        }
    }
    Ok(Cell::Code(out.join("\n")))
}

/// A line that starts with `%` and a letter: a line magic.
fn is_magic_line(line: &str) -> bool {
    line.strip_prefix('%')
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_ascii_alphabetic())
}

/// `name rest` → (`name`, `rest`).
fn split_name(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    (&text[..end], text[end..].trim())
}

fn unknown(name: &str) -> MagicError {
    MagicError(format!(
        "{name} is not a magic the course kernel knows. It knows {KNOWN}; evcxr's own \
         commands start with `:` (`:help` lists them)."
    ))
}

fn cell_magic(rest: &str) -> Result<Cell, MagicError> {
    let (first, body) = rest.split_once('\n').unwrap_or((rest, ""));
    let (name, args) = split_name(first);
    match name {
        "time" => {
            if !args.is_empty() {
                return Err(MagicError(format!(
                    "%%time takes nothing on its line (found `{args}`); the cell below it is timed"
                )));
            }
            if body.trim().is_empty() {
                return Err(MagicError(
                    "%%time times the cell below it, which is empty".into(),
                ));
            }
            Ok(Cell::TimeCell(body.to_string()))
        }
        "timeit" => {
            let (flags, setup) = flags(args)?;
            if body.trim().is_empty() {
                return Err(MagicError(
                    "%%timeit times the cell below it, which is empty".into(),
                ));
            }
            let setup = setup.trim().trim_end_matches(';');
            let setup = if setup.is_empty() {
                String::new()
            } else {
                format!("{setup};\n")
            };
            let call = format!(
                "{{\n{setup}parallel_course::timeit!({}{{\n{}\n}})\n}}",
                flags.macro_flags(),
                body.trim_end()
            );
            Ok(Cell::Code(if flags.quiet {
                format!("{call};")
            } else {
                call
            }))
        }
        "writefile" => write_file(args, body),
        "" => Err(MagicError(
            "a cell magic needs a name, such as %%time".into(),
        )),
        other => Err(unknown(&format!("%%{other}"))),
    }
}

/// `%%writefile`'s line: `[-a | --append] PATH`, the path optionally in quotes.
fn write_file(args: &str, body: &str) -> Result<Cell, MagicError> {
    let usage = "%%writefile takes a file name, and -a to append: `%%writefile Snakefile` or `%%writefile -a Snakefile`";
    let (append, path) = match args.split_once(char::is_whitespace) {
        Some(("-a" | "--append", rest)) => (true, rest.trim()),
        _ if args == "-a" || args == "--append" => (true, ""),
        _ => (false, args),
    };
    let path = path.trim_matches(|c| c == '"' || c == '\'');
    if path.is_empty() {
        return Err(MagicError(usage.into()));
    }
    if path.starts_with('-') {
        return Err(MagicError(format!(
            "{usage} (`{path}` is not a flag it knows)"
        )));
    }
    let mut text = body.to_string();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(Cell::WriteFile {
        path: path.to_string(),
        append,
        text,
    })
}

fn line_timeit(args: &str, is_last: bool) -> Result<String, MagicError> {
    let (flags, expr) = flags(args)?;
    let expr = statement(expr, "%timeit")?;
    let call = format!("parallel_course::timeit!({}{expr})", flags.macro_flags());
    Ok(match (flags.quiet, is_last) {
        (true, _) => format!("{call};"),
        (false, true) => call,
        (false, false) => format!("println!(\"{{}}\", {call});"),
    })
}

/// The code a line magic times: not empty, without a trailing `;`.
fn statement<'a>(text: &'a str, magic: &str) -> Result<&'a str, MagicError> {
    let text = text.trim().trim_end_matches(';').trim_end();
    if text.is_empty() {
        return Err(MagicError(format!(
            "{magic} needs the code to time on the same line, such as `{magic} pi_par(10_000_000, 1)`"
        )));
    }
    Ok(text)
}

/// `%timeit`'s flags.
#[derive(Debug, Default, PartialEq, Eq)]
struct Flags {
    loops: Option<u64>,
    runs: Option<u64>,
    quiet: bool,
}

impl Flags {
    fn macro_flags(&self) -> String {
        let mut out = String::new();
        if let Some(n) = self.loops {
            out.push_str(&format!("-n {n} "));
        }
        if let Some(r) = self.runs {
            out.push_str(&format!("-r {r} "));
        }
        out
    }
}

/// Reads `%timeit`'s flags from the front of `text`; returns them and the
/// rest.
fn flags(text: &str) -> Result<(Flags, &str), MagicError> {
    let mut flags = Flags::default();
    let mut rest = text.trim_start();
    while let Some(after) = rest.strip_prefix('-') {
        let Some(letter) = after.chars().next().filter(char::is_ascii_alphabetic) else {
            break; // `-x` as code: a negative number or a negation
        };
        let after = &after[1..];
        match letter {
            'n' | 'r' => {
                let after = after.trim_start();
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                let value = count(&after[..end], letter)?;
                if letter == 'n' {
                    flags.loops = Some(value);
                } else {
                    flags.runs = Some(value);
                }
                rest = after[end..].trim_start();
            }
            'o' | 'q' => {
                if !after.is_empty() && !after.starts_with(char::is_whitespace) {
                    return Err(MagicError(format!("-{letter}{after}: unknown flag")));
                }
                flags.quiet |= letter == 'q';
                rest = after.trim_start();
            }
            other => {
                return Err(MagicError(format!(
                    "%timeit -{other} is not supported here; the course kernel takes -n N (loops \
                     per run), -r R (runs), -o (the result is always returned) and -q (show \
                     nothing)"
                )));
            }
        }
    }
    Ok((flags, rest))
}

fn count(text: &str, letter: char) -> Result<u64, MagicError> {
    let what = if letter == 'n' {
        "loops per run"
    } else {
        "runs"
    };
    match text.replace('_', "").parse::<u64>() {
        Ok(0) => Err(MagicError(format!(
            "-{letter} 0: the number of {what} must be 1 or more"
        ))),
        Ok(v) if v > 1_000_000_000 => Err(MagicError(format!(
            "-{letter} {text}: at most 1 000 000 000 {what}"
        ))),
        Ok(v) => Ok(v),
        Err(_) if text.is_empty() => Err(MagicError(format!(
            "-{letter} needs a number: the number of {what}, 1 or more"
        ))),
        Err(_) => Err(MagicError(format!(
            "-{letter} {text}: the number of {what} must be a whole number, 1 or more"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> String {
        match translate(text).unwrap() {
            Cell::Code(c) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn timeit_lines_time_their_expression() {
        assert_eq!(
            code("%timeit pi_par(1000, 1);"),
            "parallel_course::timeit!(pi_par(1000, 1))"
        );
        assert_eq!(
            code("%timeit -r 2 -n3 f(-1)"),
            "parallel_course::timeit!(-n 3 -r 2 f(-1))"
        );
        assert_eq!(
            code("%timeit -n 1_000 f()"),
            "parallel_course::timeit!(-n 1000 f())"
        );
        assert_eq!(
            code("%timeit -o -(2.0f64).sqrt()"),
            "parallel_course::timeit!(-(2.0f64).sqrt())"
        );
        assert_eq!(code("%timeit -q f()"), "parallel_course::timeit!(f());");
    }

    #[test]
    fn a_line_magic_before_the_last_line_prints_its_result() {
        assert_eq!(
            code("let v = 1;\n%timeit g(v)\n%time h(v)\nv + 1"),
            "let v = 1;\nprintln!(\"{}\", parallel_course::timeit!(g(v)));\n\
             parallel_course::time!(h(v));\nv + 1"
        );
        assert_eq!(code("%time h()\n\n"), "parallel_course::time!(h())\n");
    }

    #[test]
    fn timeit_cells_time_their_body_after_the_setup() {
        assert_eq!(
            code("%%timeit -n 2 let v = make();\nv.iter().sum::<u64>()\n"),
            "{\nlet v = make();\nparallel_course::timeit!(-n 2 {\nv.iter().sum::<u64>()\n})\n}"
        );
        assert_eq!(
            code("\n%%timeit\nwork()"),
            "{\nparallel_course::timeit!({\nwork()\n})\n}"
        );
    }

    #[test]
    fn time_cells_keep_their_body_whole() {
        assert_eq!(
            translate("%%time\nlet x = work();\nx").unwrap(),
            Cell::TimeCell("let x = work();\nx".into())
        );
        assert!(translate("%%time now").is_err());
        assert!(translate("%%time\n  \n").is_err());
    }

    #[test]
    fn rebuild_stands_alone() {
        assert_eq!(translate("%rebuild").unwrap(), Cell::Rebuild);
        assert_eq!(translate("\n%rebuild\n").unwrap(), Cell::Rebuild);
        assert!(translate("%rebuild\nlet x = 1;").is_err());
    }

    #[test]
    fn bad_magics_say_what_is_allowed() {
        let err = |t: &str| translate(t).unwrap_err().to_string();
        assert!(err("%who").contains("%timeit"));
        assert!(err("%%bash\nls").contains("%%bash is not a magic"));
        assert!(err("%timeit -p 4 f()").contains("-n N"));
        assert!(err("%timeit -n x f()").contains("whole number"));
        assert!(err("%timeit -r 0 f()").contains("1 or more"));
        assert!(err("%timeit -n").contains("needs a number"));
        assert!(err("%timeit").contains("needs the code"));
        assert!(err("%timeit -n 99999999999 f()").contains("at most"));
    }

    #[test]
    fn a_remainder_is_not_a_magic() {
        assert_eq!(code("let r = 10\n% 3;"), "let r = 10\n% 3;");
        assert_eq!(code("17 %4"), "17 %4");
    }

    #[test]
    fn writefile_takes_a_path_and_keeps_the_cell_as_it_is() {
        let written = |t: &str| match translate(t).unwrap() {
            Cell::WriteFile { path, append, text } => (path, append, text),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            written("%%writefile Snakefile\nrule all:\n    input: \"a\""),
            (
                "Snakefile".into(),
                false,
                "rule all:\n    input: \"a\"\n".into()
            )
        );
        assert_eq!(
            written("%%writefile -a soup/Snakefile\nx\n").0,
            "soup/Snakefile"
        );
        assert!(written("%%writefile --append 'my file.txt'\nx").1);
        assert_eq!(written("%%writefile 'my file.txt'\n").0, "my file.txt");
        let err = |t: &str| translate(t).unwrap_err().to_string();
        assert!(err("%%writefile\nx").contains("takes a file name"));
        assert!(err("%%writefile -a\nx").contains("takes a file name"));
        assert!(err("%%writefile -x f\nx").contains("not a flag"));
    }
}
