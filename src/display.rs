//! Rich output in the notebook: the kernel's MIME protocol.
//!
//! The kernel shows the last expression of a cell by calling its
//! `evcxr_display` method if it has one. Every result type of this crate
//! has such a method built on [`emit`], so a cell ending in a result shows
//! it nicely without any import.
//!
//! In the course kernel, [`emit`] shows each output at once and in order
//! (a cell can show several figures, and long work can show its progress
//! with [`show`] and [`update`]); in a plain evcxr kernel it writes evcxr's
//! `EVCXR_BEGIN_CONTENT` blocks, shown when the cell ends. The protocol
//! itself lives in the kernel's runtime crate
//! ([`course_kernel_runtime::display`]).

/// Shows one rich-output bundle: one entry per MIME type, such as
/// `("text/plain", …)` and `("text/html", …)`, written in a single locked
/// write so that output from other threads cannot interleave with it.
///
/// Outside a notebook this prints evcxr's protocol text, which is
/// harmless.
///
/// ```
/// use parallel_course::display::{bundle, emit};
///
/// let blocks = [("text/plain", "hello"), ("text/html", "<b>hello</b>\n")];
/// emit(&blocks); // outside the course kernel, prints exactly this text:
/// assert_eq!(
///     bundle(&blocks),
///     "EVCXR_BEGIN_CONTENT text/plain\nhello\nEVCXR_END_CONTENT\n\
///      EVCXR_BEGIN_CONTENT text/html\n<b>hello</b>\nEVCXR_END_CONTENT\n"
/// );
/// ```
pub fn emit(blocks: &[(&str, &str)]) {
    course_kernel_runtime::display::emit(blocks);
}

/// Shows a source file in the notebook: its path in backticks, then its
/// text highlighted as `language` (`rust`, `c`, `fortran`, `python`);
/// front ends without Markdown get the plain text.
///
/// ```
/// parallel_course::display::show_code("crates/course-c/c/add.c", "c", "int add(int a, int b) { return a + b; }\n");
/// ```
pub fn show_code(path: &str, language: &str, text: &str) {
    let markdown = format!("`{path}`\n```{language}\n{}\n```", text.trim_end());
    emit(&[("text/plain", text), ("text/markdown", &markdown)]);
}

/// The text [`emit`] prints for `blocks` outside the course kernel: each
/// block between evcxr's begin and end markers, its trailing newlines
/// dropped.
///
/// ```
/// let text = parallel_course::display::bundle(&[("text/plain", "x\n\n")]);
/// assert_eq!(text, "EVCXR_BEGIN_CONTENT text/plain\nx\nEVCXR_END_CONTENT\n");
/// ```
pub fn bundle(blocks: &[(&str, &str)]) -> String {
    course_kernel_runtime::display::evcxr_text(blocks)
}

/// Shows `blocks` under `display_id`, so that [`update`] can replace them
/// while work goes on (a progress line, a chart that grows). Outside the
/// course kernel it is [`emit`].
///
/// ```
/// use parallel_course::display::{show, update};
///
/// let id = parallel_course::display::new_id("progress");
/// show(&id, &[("text/plain", "0 of 3 done")]);
/// update(&id, &[("text/plain", "3 of 3 done")]); // replaces it, in the course kernel
/// ```
pub fn show(display_id: &str, blocks: &[(&str, &str)]) {
    course_kernel_runtime::display::show(display_id, blocks);
}

/// Replaces what [`show`] showed under `display_id` (in the course kernel;
/// elsewhere nothing can be replaced and nothing is written).
pub fn update(display_id: &str, blocks: &[(&str, &str)]) {
    course_kernel_runtime::display::update(display_id, blocks);
}

/// A display id no other output of this kernel has, starting `prefix`.
pub fn new_id(prefix: &str) -> String {
    course_kernel_runtime::display::new_id(prefix)
}

/// Whether outputs reach the notebook while a cell runs (in the course
/// kernel): live views skip their work elsewhere.
pub fn live() -> bool {
    course_kernel_runtime::display::live()
}

/// A view shown while work goes on and replaced in place: a progress line,
/// or a chart that grows. Only in the course kernel ([`Live::start`]
/// gives `None` elsewhere, so callers skip the work of drawing it).
/// Updates come at most every `every`, except the last one.
///
/// ```
/// use std::time::Duration;
/// use parallel_course::display::Live;
///
/// // Outside the course kernel there is nothing to show.
/// assert!(Live::start("progress", "starting", Duration::from_millis(250)).is_none());
/// ```
#[derive(Debug)]
pub struct Live {
    id: String,
    every: std::time::Duration,
    last: std::time::Instant,
}

impl Live {
    /// Shows `text` under a new display id, in the course kernel.
    pub fn start(prefix: &str, text: &str, every: std::time::Duration) -> Option<Live> {
        if !live() {
            return None;
        }
        let id = new_id(prefix);
        show(&id, &[("text/plain", text)]);
        Some(Live {
            id,
            every,
            last: std::time::Instant::now(),
        })
    }

    /// Whether an update is due (the interval has passed since the last).
    pub fn due(&self) -> bool {
        self.last.elapsed() >= self.every
    }

    /// Replaces the view with `text`, if an update is due.
    pub fn text(&mut self, text: &str) {
        if self.due() {
            self.now(&[("text/plain", text)]);
        }
    }

    /// Replaces the view with `blocks` now, due or not (the last update).
    pub fn now(&mut self, blocks: &[(&str, &str)]) {
        update(&self.id, blocks);
        self.last = std::time::Instant::now();
    }
}

/// Shows any value without a rich display of its own as its `Debug`
/// text, as evcxr does: imported with the prelude, it saves evcxr's second
/// compile of a cell whose last value has no `evcxr_display` method (about
/// 0.13 s of a 0.3 s cell such as `6 * 7`). A type's own `evcxr_display`
/// method comes first.
///
/// ```
/// use parallel_course::display::ShowDebug;
///
/// (6 * 7).evcxr_display(); // shows 42 in the notebook
/// ```
pub trait ShowDebug {
    /// Shows the value's `Debug` text.
    fn evcxr_display(&self);
}

impl<T: std::fmt::Debug + ?Sized> ShowDebug for T {
    fn evcxr_display(&self) {
        let text = format!("{self:?}");
        // A cell that ends in a loop evaluates to `()`: show nothing, as
        // IPython shows nothing for `None`.
        if text != "()" {
            emit(&[("text/plain", &text)]);
        }
    }
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
