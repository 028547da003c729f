//! C functions for episodes 8 and 9, and the Rust that calls them.
//!
//! The C files in this crate's `c/` folder are compiled with `-O2` by the
//! [`cc`](https://docs.rs/cc) crate in `build.rs` and linked into this
//! crate as a static library. [`ffi`] declares them exactly as C defines
//! them; calling those declarations is `unsafe`, because the compiler
//! cannot check what C does with a pointer. The functions at the top level
//! are the safe wrappers: they take slices, check what C cannot (equal
//! lengths), and are the only place the promise is made.
//!
//! ```
//! let values = [1.0, 2.0, 3.5];
//! assert_eq!(course_c::sum(&values), 6.5);
//! assert_eq!(course_c::dot(&values, &values)?, 17.25);
//! # Ok::<(), course_c::LengthMismatch>(())
//! ```
//!
//! [`c_file`] shows a C file in a notebook, so learners read what they
//! call.

use std::fmt;
use std::ops::Range;

/// The C functions, declared as C defines them (`size_t` is `usize`,
/// `double` is `f64`).
///
/// # Safety
///
/// Every pointer must be valid for `len` values of its type: readable
/// for `const double *`, writable and not read or written by anyone else
/// during the call for `double *`. The C code keeps no pointer after it
/// returns and uses no global state, so calls from several threads at
/// once are fine.
pub mod ffi {
    unsafe extern "C" {
        /// The rows `first..end` of the `n × n` integral, in C.
        pub fn integral_rows_c(n: usize, first: usize, end: usize) -> f64;
        /// The sum of `len` values from `values`.
        pub fn sum_c(values: *const f64, len: usize) -> f64;
        /// The dot product of `len` values of `a` and `b`.
        pub fn dot_c(a: *const f64, b: *const f64, len: usize) -> f64;
        /// Multiplies `len` values at `values` by `factor`, in place.
        pub fn scale_c(values: *mut f64, len: usize, factor: f64);
        /// `a + b`: a call that does almost nothing.
        pub fn add_c(a: f64, b: f64) -> f64;
    }
}

/// The rows `rows` of the `n × n` grid of the 2-D integral, computed by
/// the C loop; the same loop as
/// [`integral_rows`](parallel_course::workloads::integral::integral_rows).
///
/// ```
/// use parallel_course::workloads::integral::integral_rows;
/// let (c, rust) = (course_c::integral_rows(500, 0..250), integral_rows(500, 0..250));
/// assert!((c - rust).abs() < 1e-12);
/// ```
pub fn integral_rows(n: usize, rows: Range<usize>) -> f64 {
    // SAFETY: plain numbers in, a number out; no pointers.
    unsafe { ffi::integral_rows_c(n, rows.start, rows.end) }
}

/// The whole `n × n` integral in C, one loop.
///
/// ```
/// assert!(course_c::integral_serial(1_000).abs() < 1e-9);
/// ```
pub fn integral_serial(n: usize) -> f64 {
    integral_rows(n, 0..n)
}

/// The sum of a slice, in C.
///
/// ```
/// assert_eq!(course_c::sum(&[0.5, 0.25]), 0.75);
/// assert_eq!(course_c::sum(&[]), 0.0);
/// ```
pub fn sum(values: &[f64]) -> f64 {
    // SAFETY: the slice is valid for `len` reads and cannot change
    // while it is borrowed.
    unsafe { ffi::sum_c(values.as_ptr(), values.len()) }
}

/// The dot product of two slices of the same length, in C.
///
/// ```
/// assert_eq!(course_c::dot(&[1.0, 2.0], &[3.0, 4.0])?, 11.0);
/// assert!(course_c::dot(&[1.0], &[1.0, 2.0]).is_err());
/// # Ok::<(), course_c::LengthMismatch>(())
/// ```
///
/// # Errors
///
/// [`LengthMismatch`] when the lengths differ: C would read past the end
/// of the shorter one.
pub fn dot(a: &[f64], b: &[f64]) -> Result<f64, LengthMismatch> {
    if a.len() != b.len() {
        return Err(LengthMismatch {
            left: a.len(),
            right: b.len(),
        });
    }
    // SAFETY: both slices are valid for `len` reads (checked equal).
    Ok(unsafe { ffi::dot_c(a.as_ptr(), b.as_ptr(), a.len()) })
}

/// Multiplies every value by `factor`, in C.
///
/// ```
/// let mut v = [1.0, -2.0];
/// course_c::scale(&mut v, 3.0);
/// assert_eq!(v, [3.0, -6.0]);
/// ```
pub fn scale(values: &mut [f64], factor: f64) {
    // SAFETY: `&mut` means nobody else reads or writes the slice during
    // the call, and it is valid for `len` writes.
    unsafe { ffi::scale_c(values.as_mut_ptr(), values.len(), factor) }
}

/// `a + b`, in C: one call that does almost nothing, to time what a call
/// into C costs.
///
/// ```
/// assert_eq!(course_c::add(1.5, 2.0), 3.5);
/// ```
pub fn add(a: f64, b: f64) -> f64 {
    // SAFETY: numbers only.
    unsafe { ffi::add_c(a, b) }
}

/// Two slices given to [`dot`] had different lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthMismatch {
    /// Length of the first slice.
    pub left: usize,
    /// Length of the second slice.
    pub right: usize,
}

impl fmt::Display for LengthMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the slices have different lengths ({} and {}); a dot product needs equal lengths",
            self.left, self.right
        )
    }
}

impl std::error::Error for LengthMismatch {}

/// The C files of this crate, by name.
const FILES: [(&str, &str); 2] = [
    ("integral.c", include_str!("../c/integral.c")),
    ("arrays.c", include_str!("../c/arrays.c")),
];

/// A C file of this crate, shown in a notebook as highlighted C.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CFile {
    name: &'static str,
    text: &'static str,
}

impl CFile {
    /// The file name, e.g. `arrays.c`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The file's text.
    pub fn text(&self) -> &'static str {
        self.text
    }

    /// Shows the file in the notebook.
    pub fn evcxr_display(&self) {
        parallel_course::display::show_code(
            &format!("crates/course-c/c/{}", self.name),
            "c",
            self.text,
        );
    }
}

impl fmt::Display for CFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}

/// The C file `name` (`"integral.c"` or `"arrays.c"`).
///
/// ```
/// let file = course_c::c_file("arrays.c")?;
/// assert!(file.text().contains("double sum_c(const double *values, size_t len)"));
/// assert!(course_c::c_file("nope.c").is_err());
/// # Ok::<(), String>(())
/// ```
///
/// # Errors
///
/// A message listing the files there are, when there is no file `name`.
pub fn c_file(name: &str) -> Result<CFile, String> {
    FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(name, text)| CFile { name, text })
        .ok_or_else(|| {
            let names: Vec<&str> = FILES.iter().map(|(n, _)| *n).collect();
            format!("no C file {name:?}; there are: {}", names.join(", "))
        })
}

#[cfg(test)]
mod tests {
    use parallel_course::workloads::integral::{agree, integral_rows as rust_rows};

    #[test]
    fn the_c_integral_matches_the_rust_loop_block_by_block() {
        let n = 700;
        for rows in [0..n, 0..1, 100..350, 699..700, 650..2_000] {
            let (c, rust) = (
                super::integral_rows(n, rows.clone()),
                rust_rows(n, rows.clone()),
            );
            assert!((c - rust).abs() < 1e-12, "{rows:?}: C {c} Rust {rust}");
        }
        assert!(agree(super::integral_serial(n), 0.0));
    }

    #[test]
    fn array_functions_read_and_write_the_whole_slice() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(super::sum(&values), 5050.0);
        assert_eq!(super::dot(&values, &values).unwrap(), 338_350.0);
        let mut scaled = values.clone();
        super::scale(&mut scaled, 0.5);
        assert!(scaled.iter().zip(&values).all(|(s, v)| *s == v / 2.0));
    }

    #[test]
    fn a_dot_product_of_different_lengths_is_refused_before_c_runs() {
        let err = super::dot(&[1.0; 3], &[1.0; 4]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the slices have different lengths (3 and 4); a dot product needs equal lengths"
        );
    }

    #[test]
    fn unknown_c_files_are_named_with_the_ones_there_are() {
        let err = super::c_file("x.c").unwrap_err();
        assert_eq!(err, "no C file \"x.c\"; there are: integral.c, arrays.c");
    }
}
