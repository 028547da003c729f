//! Rich output in the notebook: the kernel's MIME protocol.
//!
//! The evcxr kernel shows the last expression of a cell by calling its
//! `evcxr_display` method if it has one. That method prints blocks of the
//! form `EVCXR_BEGIN_CONTENT <mime>` … `EVCXR_END_CONTENT` on stdout. Every
//! result type of this crate has such a method built on [`emit`], so a cell
//! ending in a result shows it nicely without any import.

use std::fmt::Write as _;
use std::io::Write as _;

/// Prints one rich-output bundle for the kernel: one block per MIME type,
/// written in a single locked write so that output from other threads
/// cannot interleave with it.
///
/// Outside a notebook this prints the protocol text, which is harmless.
///
/// ```
/// use parallel_course::display::{bundle, emit};
///
/// let blocks = [("text/plain", "hello"), ("text/html", "<b>hello</b>\n")];
/// emit(&blocks); // prints exactly this text:
/// assert_eq!(
///     bundle(&blocks),
///     "EVCXR_BEGIN_CONTENT text/plain\nhello\nEVCXR_END_CONTENT\n\
///      EVCXR_BEGIN_CONTENT text/html\n<b>hello</b>\nEVCXR_END_CONTENT\n"
/// );
/// ```
pub fn emit(blocks: &[(&str, &str)]) {
    let out = bundle(blocks);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

/// The text [`emit`] prints for `blocks`: each block between evcxr's
/// begin and end markers, its trailing newlines dropped.
///
/// ```
/// let text = parallel_course::display::bundle(&[("text/plain", "x\n\n")]);
/// assert_eq!(text, "EVCXR_BEGIN_CONTENT text/plain\nx\nEVCXR_END_CONTENT\n");
/// ```
pub fn bundle(blocks: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (mime, content) in blocks {
        let _ = writeln!(
            out,
            "EVCXR_BEGIN_CONTENT {mime}\n{}\nEVCXR_END_CONTENT",
            content.trim_end_matches('\n')
        );
    }
    out
}

/// Escapes text for HTML.
///
/// ```
/// assert_eq!(parallel_course::display::escape_html("a<b & c"), "a&lt;b &amp; c");
/// ```
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}
