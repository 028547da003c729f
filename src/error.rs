//! The crate's error type.
//!
//! Every helper that can be given bad input (zero repeats, a zero sampling
//! interval, zero threads, empty data) returns [`Error`] instead of hanging or
//! panicking. Its message says what was wrong and what is allowed, so a
//! learner can fix the cell without reading the source.

use std::fmt;

/// What went wrong in a helper of this crate.
///
/// The [`Display`](fmt::Display) text is written for the person at the
/// notebook: it names the argument, the value given, and what is allowed.
///
/// ```
/// use parallel_course::timing::Timer;
///
/// let err = Timer::new().repeats(0).run(|| 1 + 1).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid `repeats`: 0; allowed: 1 or more (IPython's -r)"
/// );
/// ```
#[non_exhaustive]
pub enum Error {
    /// An argument was outside its allowed range.
    InvalidArgument {
        /// The name of the argument, as written in the API.
        name: &'static str,
        /// The value that was given, formatted for display.
        value: String,
        /// The values that are allowed, in words.
        allowed: &'static str,
    },
    /// Reading or writing a file failed.
    Io {
        /// What the crate was doing, e.g. "writing plot.svg".
        action: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Drawing a plot failed.
    Plot(String),
    /// A worker (thread or process) failed.
    Worker(String),
    /// The environment is not set up as the course expects (for example,
    /// the notebook runs in a kernel without release-grade settings).
    Setup(String),
    /// The code being measured returned an error, so there is nothing to
    /// time.
    Measured(String),
    /// The machine has not enough of something the helper would need
    /// (memory, for one): refused before anything was allocated.
    Resources(String),
    /// A name given to look something up matches several things.
    Ambiguous {
        /// The name given.
        name: String,
        /// The more precise names that would match one thing each.
        candidates: Vec<String>,
    },
}

impl Error {
    pub(crate) fn invalid(
        name: &'static str,
        value: impl fmt::Display,
        allowed: &'static str,
    ) -> Self {
        Error::InvalidArgument {
            name,
            value: value.to_string(),
            allowed,
        }
    }

    pub(crate) fn io(action: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            action: action.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument {
                name,
                value,
                allowed,
            } => write!(f, "invalid `{name}`: {value}; allowed: {allowed}"),
            Error::Io { action, source } => write!(f, "{action}: {source}"),
            Error::Plot(msg) => write!(f, "could not draw the plot: {msg}"),
            Error::Worker(msg) => write!(f, "a worker failed: {msg}"),
            Error::Setup(msg) => f.write_str(msg),
            Error::Resources(msg) => f.write_str(msg),
            Error::Measured(msg) => write!(
                f,
                "the measured code returned an error, so there is nothing to time: {msg}"
            ),
            Error::Ambiguous { name, candidates } => write!(
                f,
                "`{name}` names {} items; write one of: {}",
                candidates.len(),
                candidates.join(", ")
            ),
        }
    }
}

impl fmt::Debug for Error {
    /// The same sentence as `Display`: a notebook cell that ends in an
    /// `Err` shows its `Debug` form, and that should read as the advice.
    ///
    /// ```
    /// use parallel_course::timing::Timer;
    ///
    /// let result = Timer::new().repeats(0).run(|| ());
    /// assert_eq!(
    ///     format!("{result:?}"),
    ///     "Err(invalid `repeats`: 0; allowed: 1 or more (IPython's -r))"
    /// );
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Every message is whole in `Display`, the underlying I/O error
/// included, because a notebook shows only that line. So that reporters
/// that walk [`source`](std::error::Error::source) chains do not print the
/// I/O error twice, `source()` returns `None`; the I/O error itself stays
/// reachable as the `source` field of [`Error::Io`].
///
/// ```
/// use std::error::Error as _;
/// use parallel_course::Error;
/// use parallel_course::workloads::wordcount::books_in;
///
/// let err = books_in("no/such/folder".as_ref()).unwrap_err();
/// assert!(err.to_string().starts_with("reading the book folder no/such/folder: "));
/// assert!(err.source().is_none());
/// match err {
///     Error::Io { source, .. } => assert_eq!(source.kind(), std::io::ErrorKind::NotFound),
///     other => panic!("expected an I/O error, got {other}"),
/// }
/// ```
impl std::error::Error for Error {}

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Checks that a count is at least one.
pub(crate) fn positive(
    name: &'static str,
    value: usize,
    allowed: &'static str,
) -> Result<usize> {
    if value == 0 {
        Err(Error::invalid(name, value, allowed))
    } else {
        Ok(value)
    }
}
