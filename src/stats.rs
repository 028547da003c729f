//! Plain statistics on slices of `f64`: mean and standard deviation.
//!
//! These are the only statistics the toolkit computes by hand; both follow
//! IPython's `%timeit` (population standard deviation, dividing by N).

/// The arithmetic mean, or `None` for an empty slice.
///
/// ```
/// use parallel_course::stats::mean;
/// assert_eq!(mean(&[1.0, 2.0, 3.0]), Some(2.0));
/// assert_eq!(mean(&[]), None);
/// ```
pub fn mean(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        None
    } else {
        Some(xs.iter().sum::<f64>() / xs.len() as f64)
    }
}

/// The population standard deviation (divide by N, as IPython does), or
/// `None` for an empty slice.
///
/// ```
/// use parallel_course::stats::std_dev;
/// assert_eq!(std_dev(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]), Some(2.0));
/// assert_eq!(std_dev(&[3.0]), Some(0.0));
/// ```
pub fn std_dev(xs: &[f64]) -> Option<f64> {
    let m = mean(xs)?;
    let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / xs.len() as f64;
    Some(var.sqrt())
}

/// The smallest and largest value, or `None` for an empty slice.
///
/// ```
/// use parallel_course::stats::min_max;
/// assert_eq!(min_max(&[3.0, 1.0, 2.0]), Some((1.0, 3.0)));
/// ```
pub fn min_max(xs: &[f64]) -> Option<(f64, f64)> {
    let first = *xs.first()?;
    Some(
        xs.iter()
            .fold((first, first), |(lo, hi), &x| (lo.min(x), hi.max(x))),
    )
}
