//! Outputs sent to the notebook while a cell runs.
//!
//! evcxr shows a value's rich output (an HTML table, a picture) only when
//! the cell ends, and keeps one output per MIME type, so a cell that draws
//! three figures shows the last. In the course kernel, [`emit`] writes each
//! output as one line on standard output, which evcxr passes on as the cell
//! runs; the kernel turns the line into Jupyter's `display_data`, in order.
//! With a display id, a later [`update`] replaces that output in place:
//! a progress line, or a chart that grows while work runs.
//!
//! Outside the course kernel, [`emit`] writes evcxr's own content blocks,
//! so the crate still works in a plain evcxr kernel.
//!
//! The line is [`PREFIX`], the kernel's display key, a space, and a JSON
//! object:
//! `{"data": {MIME: TEXT, ...}, "display_id": ID or null, "update": BOOL}`.
//! Every `_` inside its strings is written `\u005f`, so the line never
//! holds a word evcxr itself looks for in a cell's output.
//!
//! The key is a random secret the kernel makes when it starts and gives
//! only to its cell process ([`KEY_ENV`]). A line without it is ordinary
//! text: printing a file, a book or a job's output that happens to hold
//! the prefix and some HTML shows that text, and never runs it as a rich
//! output in the learner's browser.
//!
//! ```
//! use course_kernel_runtime::display::{Output, encode_with_key};
//!
//! let output = Output::new(&[("text/plain", "3 of 8 done")]).id("progress-1");
//! let line = encode_with_key(&output, "k3y");
//! assert!(line.starts_with("COURSE-KERNEL-DISPLAY k3y {"));
//! assert!(line.contains(r#""display\u005fid":"progress-1""#));
//! ```

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// What starts a display line.
pub const PREFIX: &str = "COURSE-KERNEL-DISPLAY ";

/// The environment variable in which the course kernel gives its cell
/// process the display key: hex digits, a fresh secret per kernel.
pub const KEY_ENV: &str = "COURSE_KERNEL_DISPLAY_KEY";

/// This process's display key: the kernel's, if it gave one that is a
/// plain token (letters and digits, so that it cannot break the line).
fn key() -> Option<&'static str> {
    static KEY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        std::env::var(KEY_ENV)
            .ok()
            .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric()))
    })
    .as_deref()
}

/// Whether outputs go to the course kernel as display lines: in its cell
/// process, with its key.
fn to_kernel() -> bool {
    crate::in_course_kernel() && key().is_some()
}

/// One output: MIME types with their content, and optionally the display
/// id it can later be updated by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output<'a> {
    /// `(MIME type, content)` pairs, such as `("text/html", "<b>hi</b>")`.
    pub data: &'a [(&'a str, &'a str)],
    /// The id to update this output by, if any.
    pub display_id: Option<&'a str>,
    /// Whether this replaces the output shown under `display_id`.
    pub update: bool,
}

impl<'a> Output<'a> {
    /// A new output that cannot be updated.
    pub fn new(data: &'a [(&'a str, &'a str)]) -> Output<'a> {
        Output {
            data,
            display_id: None,
            update: false,
        }
    }

    /// The same output, shown under `display_id` so that [`update`] can
    /// replace it.
    pub fn id(self, display_id: &'a str) -> Output<'a> {
        Output {
            display_id: Some(display_id),
            ..self
        }
    }
}

/// A display id no other output of this process has: `prefix-N`.
///
/// ```
/// let a = course_kernel_runtime::display::new_id("cpu-monitor");
/// let b = course_kernel_runtime::display::new_id("cpu-monitor");
/// assert_ne!(a, b);
/// assert!(a.starts_with("cpu-monitor-"));
/// ```
pub fn new_id(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

/// Shows `data` in the notebook now (in the course kernel), or as evcxr's
/// content blocks when the cell ends (elsewhere).
pub fn emit(data: &[(&str, &str)]) {
    send(&Output::new(data));
}

/// Shows `data` under `display_id`, to be replaced later by [`update`].
/// Outside the course kernel it is an ordinary [`emit`].
pub fn show(display_id: &str, data: &[(&str, &str)]) {
    send(&Output::new(data).id(display_id));
}

/// Replaces the output shown under `display_id` with `data`. Outside the
/// course kernel nothing can be replaced, so nothing is written: only the
/// first [`show`] and the final state (shown again by the caller) appear.
pub fn update(display_id: &str, data: &[(&str, &str)]) {
    if to_kernel() {
        let output = Output {
            update: true,
            ..Output::new(data).id(display_id)
        };
        send(&output);
    }
}

/// Whether updates reach the notebook while the cell runs: only in the
/// course kernel. Live views can skip their work elsewhere.
pub fn live() -> bool {
    to_kernel()
}

fn send(output: &Output<'_>) {
    let text = match key() {
        Some(key) if crate::in_course_kernel() => encode_with_key(output, key) + "\n",
        _ => evcxr_text(output.data),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// evcxr's own way of showing `data`: one block per MIME type between its
/// begin and end markers, trailing newlines dropped, shown when the cell
/// ends.
///
/// ```
/// let text = course_kernel_runtime::display::evcxr_text(&[("text/plain", "x\n\n")]);
/// assert_eq!(text, "EVCXR_BEGIN_CONTENT text/plain\nx\nEVCXR_END_CONTENT\n");
/// ```
pub fn evcxr_text(data: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (mime, content) in data {
        out.push_str("EVCXR_BEGIN_CONTENT ");
        out.push_str(mime);
        out.push('\n');
        out.push_str(content.trim_end_matches('\n'));
        out.push_str("\nEVCXR_END_CONTENT\n");
    }
    out
}

/// The display line for `output` under the display key `key`, without
/// its newline.
pub fn encode_with_key(output: &Output<'_>, key: &str) -> String {
    let mut line = String::from(PREFIX);
    line.push_str(key);
    line.push(' ');
    line.push_str("{\"data\":{");
    for (i, (mime, content)) in output.data.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        json_string(&mut line, mime);
        line.push(':');
        json_string(&mut line, content);
    }
    line.push_str("},");
    json_string(&mut line, "display_id");
    line.push(':');
    match output.display_id {
        Some(id) => json_string(&mut line, id),
        None => line.push_str("null"),
    }
    line.push(',');
    json_string(&mut line, "update");
    line.push_str(if output.update { ":true}" } else { ":false}" });
    line
}

/// Appends `text` as a JSON string: quotes, backslashes and control
/// characters escaped, and every `_` as `\u005f`.
fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '_' => out.push_str("\\u005f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_holds_no_word_evcxr_looks_for() {
        let html = "EVCXR_BEGIN_CONTENT text/html\n\"quoted\"\t\\ end\u{1}";
        let line = encode_with_key(&Output::new(&[("text/html", html)]), "k");
        assert!(!line.contains("EVCXR_"));
        assert!(!line.contains('\n'));
        assert!(line.contains(r#"\"quoted\"\t\\ end\u0001"#), "{line}");
    }

    #[test]
    fn updates_name_their_display() {
        let line = encode_with_key(
            &Output {
                data: &[("text/plain", "x")],
                display_id: Some("p-1"),
                update: true,
            },
            "k",
        );
        assert!(
            line.ends_with(r#""display\u005fid":"p-1","update":true}"#),
            "{line}"
        );
    }

    #[test]
    fn outside_the_kernel_outputs_are_evcxr_blocks() {
        assert_eq!(
            evcxr_text(&[("text/plain", "a\n"), ("text/html", "<b>a</b>")]),
            "EVCXR_BEGIN_CONTENT text/plain\na\nEVCXR_END_CONTENT\n\
             EVCXR_BEGIN_CONTENT text/html\n<b>a</b>\nEVCXR_END_CONTENT\n"
        );
    }
}
