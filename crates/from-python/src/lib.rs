//! `course_rust`: a Rust function that Python calls (episode 9).
//!
//! The same work as the pybind11 example of the Python lesson: add up the
//! whole numbers below `high`, one at a time. Python sees it twice:
//! `sum_range` holds the GIL while it adds, so other Python threads wait;
//! `sum_range_nogil` lets go of the GIL first, so they run meanwhile.
//!
//! ```
//! assert_eq!(course_rust::sum_below(10), 45);
//! ```

use pyo3::prelude::*;

/// The largest `high` whose sum fits in 64 bits.
pub const MAX_HIGH: u64 = 6_074_001_000;

/// 0 + 1 + … + (high − 1): plain Rust, which knows nothing of Python.
pub fn sum_below(high: u64) -> u64 {
    let mut total = 0;
    for i in 0..high {
        // `black_box` hides `i` from the optimiser, which would otherwise
        // replace the loop by high·(high−1)/2 and leave nothing to time.
        total += std::hint::black_box(i);
    }
    total
}

/// `high` if its sum fits in 64 bits, else Python's `ValueError`.
fn checked(high: u64) -> PyResult<u64> {
    if high > MAX_HIGH {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "high = {high} is too large: its sum would not fit in 64 bits \
             (at most {MAX_HIGH})"
        )));
    }
    Ok(high)
}

/// The module Python imports: `import course_rust`.
#[pymodule]
mod course_rust {
    use super::*;

    /// The sum of 0..high, holding the GIL all the time (the default).
    #[pyfunction]
    fn sum_range(high: u64) -> PyResult<u64> {
        Ok(sum_below(checked(high)?))
    }

    /// The sum of 0..high, with the GIL released while Rust adds.
    #[pyfunction]
    fn sum_range_nogil(py: Python<'_>, high: u64) -> PyResult<u64> {
        let high = checked(high)?;
        // `detach` lets go of the GIL and takes it back when the closure
        // returns; the closure cannot touch Python objects meanwhile.
        Ok(py.detach(|| sum_below(high)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sum_matches_the_formula() {
        for high in [0, 1, 2, 10, 12_345] {
            assert_eq!(sum_below(high), high * high.saturating_sub(1) / 2);
        }
    }

    #[test]
    fn the_largest_high_still_fits_in_64_bits() {
        let (h, m) = (u128::from(MAX_HIGH), u128::from(u64::MAX));
        assert!(h * (h - 1) / 2 <= m && (h + 1) * h / 2 > m);
        assert!(checked(MAX_HIGH).is_ok() && checked(MAX_HIGH + 1).is_err());
    }
}
