//! The computations the course measures, each in serial and parallel
//! forms that are tested to agree.
//!
//! Parallel versions carry the suffix `_par` and use rayon, so they run on
//! whichever pool they are called in (the global one by default, or a
//! pool of a chosen size inside a [scaling study](crate::scaling)).

pub mod flood;
pub mod fractal;
pub mod integral;
pub mod lanes;
pub mod patterns;
pub mod pi;
pub mod processes;
pub mod sharing;
pub mod sum;
pub mod wordcount;

/// `0..n` cut into `parts` consecutive blocks whose sizes differ by at
/// most one (the first `n % parts` blocks get the extra item). With more
/// parts than items, the last blocks are empty. `parts = 0` gives none.
pub(crate) fn block_ranges(
    n: usize,
    parts: usize,
) -> impl Iterator<Item = std::ops::Range<usize>> {
    let base = n.checked_div(parts).unwrap_or(0);
    let extra = n.checked_rem(parts).unwrap_or(0);
    (0..parts).map(move |p| {
        let start = p * base + p.min(extra);
        start..start + base + usize::from(p < extra)
    })
}

/// Runs `work` on each item, one scoped thread per item, and returns the
/// results in the items' order. Every thread is joined; if any panicked,
/// the result is [`Error::Worker`](crate::Error::Worker) saying "a `what`
/// thread panicked".
pub(crate) fn on_scoped_threads<I, T, F>(
    items: impl IntoIterator<Item = I>,
    what: &str,
    work: F,
) -> crate::Result<Vec<T>>
where
    I: Send,
    T: Send,
    F: Fn(I) -> T + Sync,
{
    let work = &work;
    let joined: Vec<std::thread::Result<T>> = std::thread::scope(|s| {
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| s.spawn(move || work(item)))
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    joined
        .into_iter()
        .map(|r| {
            r.map_err(|payload| {
                crate::interrupt::resume_if_interrupted(payload);
                crate::Error::Worker(format!("a {what} thread panicked"))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn blocks_cover_every_item_once_in_nearly_equal_sizes() {
        for (n, parts) in [(10, 3), (10, 1), (3, 5), (0, 2), (10_000, 7)] {
            let blocks: Vec<_> = super::block_ranges(n, parts).collect();
            assert_eq!(blocks.len(), parts);
            let flat: Vec<usize> = blocks.iter().cloned().flatten().collect();
            assert_eq!(flat, (0..n).collect::<Vec<_>>(), "n {n} parts {parts}");
            let sizes: Vec<usize> = blocks.iter().map(|b| b.len()).collect();
            let (lo, hi) = (sizes.iter().min(), sizes.iter().max());
            assert!(hi.unwrap() - lo.unwrap() <= 1, "{sizes:?}");
        }
        assert_eq!(super::block_ranges(5, 0).count(), 0);
    }

    #[test]
    fn scoped_thread_results_come_back_in_order() {
        let out = super::on_scoped_threads(0..5u64, "test", |i| i * 10).unwrap();
        assert_eq!(out, vec![0, 10, 20, 30, 40]);
    }

    #[test]
    fn a_panicking_scoped_thread_is_a_worker_error_naming_it() {
        let err = super::on_scoped_threads(0..3, "summing", |i| {
            assert_ne!(i, 1, "thread 1 gives up");
            i
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a worker failed: a summing thread panicked"
        );
    }
}
