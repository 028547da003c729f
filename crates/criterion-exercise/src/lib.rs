//! Episode 2's optional exercise: time the course's sums with
//! [criterion](https://docs.rs/criterion), outside the notebook.
//!
//! The benchmark is `benches/sums.rs`; run it from the course's folder with
//!
//! ```text
//! cargo bench --manifest-path crates/criterion-exercise/Cargo.toml
//! ```
//!
//! and read criterion's report: a confidence interval for the time of one
//! call and, from the second run on, the change since the run before. The
//! sizes it times are the notebook's, kept here so that the benchmark and
//! the tests below agree.

/// How many numbers the sums add up: the notebook's `N`, 10⁸.
///
/// ```
/// use parallel_course::workloads::sum::sum_chunked;
/// // The sums agree with the formula at a smaller size.
/// assert_eq!(sum_chunked(1_000, course_criterion::CHUNK)?, 999 * 1_000 / 2);
/// assert_eq!(course_criterion::N, 100_000_000);
/// # Ok::<(), parallel_course::Error>(())
/// ```
pub const N: u64 = 100_000_000;

/// Numbers per chunk: the notebook's `CHUNK`, 65 536 (512 KiB of `u64`).
/// The exercise changes it and reads what criterion says changed.
///
/// ```
/// assert_eq!(course_criterion::CHUNK * 8, 512 * 1024);
/// ```
pub const CHUNK: usize = 1 << 16;
