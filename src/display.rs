//! Rich output in the notebook: MIME bundles and tables.
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

/// A small table of text: a header row and data rows, shown as HTML in the
/// notebook and as aligned columns in plain text.
///
/// ```
/// use parallel_course::display::Table;
///
/// let mut t = Table::new(["threads", "time"]);
/// t.row(["1", "2.00 s"]);
/// t.row(["2", "1.02 s"]);
/// assert_eq!(t.to_string(), "threads    time\n      1  2.00 s\n      2  1.02 s");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with the given column names and no rows.
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row. Missing cells are left empty; extra cells are kept.
    ///
    /// ```
    /// use parallel_course::display::Table;
    ///
    /// let mut t = Table::new(["a", "b"]);
    /// t.row(["1"]).row(["2", "3", "4"]);
    /// assert_eq!(t.rows().len(), 2);
    /// assert_eq!(t.to_string(), "a  b\n1\n2  3  4");
    /// ```
    pub fn row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// The data rows.
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// The table as an HTML `<table>`, its text escaped.
    ///
    /// ```
    /// use parallel_course::display::Table;
    ///
    /// let mut t = Table::new(["x"]);
    /// t.row(["a<b"]);
    /// assert_eq!(
    ///     t.to_html(),
    ///     "<table><thead><tr><th>x</th></tr></thead><tbody><tr><td>a&lt;b</td></tr></tbody></table>"
    /// );
    /// ```
    pub fn to_html(&self) -> String {
        let mut html = String::from("<table><thead><tr>");
        for h in &self.header {
            let _ = write!(html, "<th>{}</th>", escape_html(h));
        }
        html.push_str("</tr></thead><tbody>");
        for row in &self.rows {
            html.push_str("<tr>");
            for cell in row {
                let _ = write!(html, "<td>{}</td>", escape_html(cell));
            }
            html.push_str("</tr>");
        }
        html.push_str("</tbody></table>");
        html
    }

    /// Shows the table in the notebook (HTML, with a plain-text fallback).
    pub fn evcxr_display(&self) {
        emit(&[
            ("text/plain", &self.to_string()),
            ("text/html", &self.to_html()),
        ]);
    }
}

impl std::fmt::Display for Table {
    /// Plain text with right-aligned columns separated by two spaces.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let columns = self
            .rows
            .iter()
            .map(Vec::len)
            .chain([self.header.len()])
            .max()
            .unwrap_or(0);
        let mut widths = vec![0; columns];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut lines = Vec::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let cells: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let cell = row.get(i).map(String::as_str).unwrap_or("");
                    format!("{cell:>w$}")
                })
                .collect();
            lines.push(cells.join("  ").trim_end().to_string());
        }
        f.write_str(&lines.join("\n"))
    }
}
