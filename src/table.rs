//! A small table of text for results that are not timings: shown as HTML
//! in the notebook and as aligned columns in plain text.

use std::fmt::Write as _;

use crate::display::{emit, escape_html};

/// What [`Table::row`] accepts: the cells of one row.
///
/// Arrays and vectors hold cells of one type (`&str` or `String`); a tuple
/// of up to eight values may mix types, each shown with its `Display`.
pub trait IntoCells {
    /// The cells as text.
    fn into_cells(self) -> Vec<String>;
}

impl<S: Into<String>, const N: usize> IntoCells for [S; N] {
    fn into_cells(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<S: Into<String>> IntoCells for Vec<S> {
    fn into_cells(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}

macro_rules! tuple_cells {
    ($($name:ident),+) => {
        impl<$($name: std::fmt::Display),+> IntoCells for ($($name,)+) {
            #[allow(non_snake_case)]
            fn into_cells(self) -> Vec<String> {
                let ($($name,)+) = self;
                vec![$($name.to_string()),+]
            }
        }
    };
}

tuple_cells!(A);
tuple_cells!(A, B);
tuple_cells!(A, B, C);
tuple_cells!(A, B, C, D);
tuple_cells!(A, B, C, D, E);
tuple_cells!(A, B, C, D, E, F);
tuple_cells!(A, B, C, D, E, F, G);
tuple_cells!(A, B, C, D, E, F, G, H);

/// A small table of text: a header row and data rows, shown as HTML in the
/// notebook and as aligned columns in plain text.
///
/// ```
/// use parallel_course::table::Table;
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

    /// Appends a row: an array or `Vec` of strings, or a tuple of values
    /// of any types that implement `Display` (see [`IntoCells`]). Missing
    /// cells are left empty; extra cells are kept.
    ///
    /// ```
    /// use parallel_course::table::Table;
    ///
    /// let mut t = Table::new(["job", "worker", "estimate"]);
    /// t.row((3, "b", format!("{:.2}", 3.14159))); // mixed types in a tuple
    /// t.row(["mean", "", "3.14"]);
    /// assert_eq!(t.rows()[0], ["3", "b", "3.14"]);
    /// assert_eq!(t.rows()[1], ["mean", "", "3.14"]);
    /// ```
    pub fn row(&mut self, cells: impl IntoCells) -> &mut Self {
        self.rows.push(cells.into_cells());
        self
    }

    /// The data rows.
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// The table as an HTML `<table>`.
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
