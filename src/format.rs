//! Human-readable numbers in the style IPython prints them: times as
//! `%timeit` prints them, `%time`'s report, counts with separators.
//!
//! They live in the course kernel's runtime crate, which the kernel's own
//! `%%time` also uses, so a time reads the same whichever printed it.
//!
//! ```
//! use parallel_course::format::format_seconds;
//! assert_eq!(format_seconds(0.0123, 3), "12.3 ms");
//! ```

#[doc(inline)]
pub use course_kernel_runtime::format::{
    format_seconds, significant, thousands, time_report,
};
