//! Patterns of work: what can be split among workers and what cannot
//! (episode 1).
//!
//! * [`sum_split`]: the same sum as [`sum_slice`](super::sum::sum_slice),
//!   cut into parts that separate threads add up (chunking).
//! * [`squares`] / [`squares_par`]: an embarrassingly parallel map; every
//!   element is independent of every other.
//! * [`fibonacci`] and [`logistic_map`]: recurrences where each step needs
//!   the one before, so the steps cannot be shared out.
//! * [`fibonacci_fast`]: the same numbers by a better algorithm, a reminder
//!   that "inherently serial" is a property of an algorithm, not always of
//!   the problem.

use rayon::prelude::*;

use crate::error::Result;

/// Adds up `values` with `workers` threads: the slice is cut into that
/// many contiguous parts, each thread adds up one part, and the partial
/// sums are added at the end.
///
/// ```
/// use parallel_course::workloads::patterns::sum_split;
/// let v: Vec<u64> = (1..=4).collect();
/// assert_eq!(sum_split(&v, 2)?, 10);
/// assert!(sum_split(&v, 0).is_err());
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `workers` is 0.
pub fn sum_split(values: &[u64], workers: usize) -> Result<u64> {
    let workers = crate::limits::threads("workers", workers)?;
    let part = values.len().div_ceil(workers).max(1);
    let sums = super::on_scoped_threads(values.chunks(part), "summing", |chunk| {
        super::sum::sum_slice(chunk)
    })?;
    Ok(sums.into_iter().fold(0u64, u64::wrapping_add))
}

/// Squares every element, one after the other.
///
/// ```
/// assert_eq!(parallel_course::workloads::patterns::squares(&[1, 2, 3]), vec![1, 4, 9]);
/// ```
///
/// # Panics
///
/// When the vector of squares (as large as `values`) needs more memory
/// than a helper may take ([`limits::memory`](crate::limits::memory)): the
/// panic says how much was asked and how much is allowed.
pub fn squares(values: &[u64]) -> Vec<u64> {
    check_squares(values);
    values.iter().map(|x| x.wrapping_mul(*x)).collect()
}

/// Squares every element with all threads of the current rayon pool.
///
/// ```
/// assert_eq!(parallel_course::workloads::patterns::squares_par(&[1, 2, 3]), vec![1, 4, 9]);
/// ```
///
/// # Panics
///
/// As for [`squares`].
pub fn squares_par(values: &[u64]) -> Vec<u64> {
    check_squares(values);
    values.par_iter().map(|x| x.wrapping_mul(*x)).collect()
}

/// Refuses (by panicking: the squares are a plain vector) when the vector
/// of squares needs more memory than a helper may take.
fn check_squares(values: &[u64]) {
    let len = values.len();
    let what = "the vector of squares, as long as `values`";
    if let Err(e) =
        crate::limits::memory_for("values", format!("{len} values"), what, len as u128, 8)
    {
        crate::limits::refuse(e);
    }
}

/// The `n`-th Fibonacci number (`F(0) = 0`, `F(1) = 1`), step by step:
/// each step needs the two before it. Wraps around past `u128::MAX`
/// (n above 186).
///
/// ```
/// use parallel_course::workloads::patterns::fibonacci;
/// assert_eq!(fibonacci(10), 55);
/// assert_eq!(fibonacci(100), 354_224_848_179_261_915_075);
/// ```
pub fn fibonacci(n: u64) -> u128 {
    let (mut a, mut b) = (0u128, 1u128);
    let mut left = n;
    // In blocks, to look for an interrupt between them.
    while left > 0 {
        crate::interrupt::check("fibonacci");
        let block = left.min(1 << 20);
        for _ in 0..block {
            (a, b) = (b, a.wrapping_add(b));
        }
        left -= block;
    }
    a
}

/// The same numbers in about `log₂ n` steps, by "fast doubling":
/// `F(2k) = F(k) (2 F(k+1) − F(k))` and `F(2k+1) = F(k)² + F(k+1)²`.
/// The loop over `n` is gone: a better algorithm instead of more cores.
///
/// ```
/// use parallel_course::workloads::patterns::{fibonacci, fibonacci_fast};
/// assert_eq!(fibonacci_fast(150), fibonacci(150));
/// ```
pub fn fibonacci_fast(n: u64) -> u128 {
    let mut a = 0u128; // F(k)
    let mut b = 1u128; // F(k + 1)
    for bit in (0..64 - n.leading_zeros()).rev() {
        let c = a.wrapping_mul(b.wrapping_mul(2).wrapping_sub(a));
        let d = a.wrapping_mul(a).wrapping_add(b.wrapping_mul(b));
        (a, b) = if (n >> bit) & 1 == 0 {
            (c, d)
        } else {
            (d, c.wrapping_add(d))
        };
    }
    a
}

/// Iterates the logistic map `x ← r x (1 − x)` `steps` times from `x0`:
/// a model of population growth whose every step depends on the last.
///
/// ```
/// use parallel_course::workloads::patterns::logistic_map;
/// // With r = 2 the population settles at 1 - 1/r = 0.5.
/// assert!((logistic_map(0.1, 2.0, 100) - 0.5).abs() < 1e-12);
/// ```
pub fn logistic_map(x0: f64, r: f64, steps: u64) -> f64 {
    let mut x = x0;
    let mut left = steps;
    // In blocks, to look for an interrupt between them.
    while left > 0 {
        crate::interrupt::check("the logistic map");
        let block = left.min(1 << 20);
        for _ in 0..block {
            x = r * x * (1.0 - x);
        }
        left -= block;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_sum_equals_serial_sum_for_any_number_of_workers() {
        let v: Vec<u64> = (0..10_001).collect();
        let want = super::super::sum::sum_slice(&v);
        for workers in [1, 2, 3, 7, 64, 1024] {
            assert_eq!(sum_split(&v, workers).unwrap(), want, "{workers} workers");
        }
        assert!(
            sum_split(&v, 20_000).is_err(),
            "more threads than the bound"
        );
        assert_eq!(sum_split(&[], 4).unwrap(), 0);
    }

    #[test]
    fn parallel_squares_equal_serial_squares() {
        let v: Vec<u64> = (0..100_000).collect();
        assert_eq!(squares_par(&v), squares(&v));
    }

    #[test]
    fn squares_that_do_not_fit_in_memory_are_refused_before_allocating() {
        let values = vec![3u64; 1024];
        crate::limits::tests::with_allowed(4096, || {
            for f in [squares, squares_par] {
                let payload = std::panic::catch_unwind(|| f(&values)).unwrap_err();
                let text = payload.downcast_ref::<String>().unwrap();
                assert!(
                    text.starts_with("`values` = 1024 values needs 8 KiB"),
                    "{text}"
                );
                assert!(text.contains("allowed: at most 4 KiB"), "{text}");
            }
            assert_eq!(squares(&values[..10]), vec![9; 10]);
        });
    }

    #[test]
    fn fast_doubling_agrees_with_the_loop() {
        for n in 0..=186 {
            assert_eq!(fibonacci_fast(n), fibonacci(n), "n = {n}");
        }
    }
}
