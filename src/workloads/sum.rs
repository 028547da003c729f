//! Summing the integers `0..n`, several ways (episodes 1 and 2).
//!
//! All return `n (n - 1) / 2` (see [`triangular`]); they differ in how much
//! memory they touch and how many cores they use:
//!
//! | function | memory | cores |
//! |---|---|---|
//! | [`sum_range`] | none (the compiler turns the loop into a formula) | 1 |
//! | [`sum_materialised`] / [`sum_materialised_par`] | `8 n` bytes | 1 / all |
//! | [`sum_chunked`] / [`sum_chunked_par`] | one chunk per worker | 1 / all |
//! | [`sum_slice`] / [`sum_slice_par`] | reads an existing slice | 1 / all |
//!
//! Sums wrap around past `u64::MAX` (n above about 6·10⁹).

use std::hint::black_box;

use rayon::prelude::*;

use crate::error::Result;

/// The exact answer: `0 + 1 + … + (n - 1) = n (n - 1) / 2`.
///
/// ```
/// assert_eq!(parallel_course::workloads::sum::triangular(5), 10);
/// ```
pub fn triangular(n: u64) -> u64 {
    if n == 0 {
        0
    } else {
        (n / 2 * (n - 1)).wrapping_add(n % 2 * ((n - 1) / 2))
    }
}

/// The plain loop over `0..n`. With optimisation the compiler recognises
/// the pattern and replaces the loop by the formula, so this takes
/// nanoseconds whatever `n` is.
///
/// ```
/// assert_eq!(parallel_course::workloads::sum::sum_range(100), 4950);
/// ```
pub fn sum_range(n: u64) -> u64 {
    let mut total = 0u64;
    for i in 0..n {
        total = total.wrapping_add(i);
    }
    total
}

/// An empty vector with room for `capacity` values whose memory Linux is
/// asked to back with 2 MiB huge pages (`madvise(MADV_HUGEPAGE)`), as
/// NumPy does for large arrays. Filling fresh memory costs one page fault
/// per page, so huge pages mean 512 times fewer faults. Where the system
/// does not offer them (other systems, or huge pages switched off) this is
/// an ordinary vector.
///
/// ```
/// let mut v = parallel_course::workloads::sum::vec_with_huge_pages::<u64>(1000);
/// v.extend(0..1000);
/// assert_eq!(v.len(), 1000);
/// ```
///
/// # Panics
///
/// When `capacity` values need more memory than a helper may take
/// ([`limits::memory`](crate::limits::memory); an allocation that fails
/// would abort the whole process, and with it the kernel's variables):
/// the panic says how much was asked and how much is allowed.
pub fn vec_with_huge_pages<T>(capacity: usize) -> Vec<T> {
    if let Err(e) = crate::limits::memory_for(
        "capacity",
        capacity,
        "the vector",
        capacity as u128,
        std::mem::size_of::<T>(),
    ) {
        crate::limits::refuse(e);
    }
    huge_page_vec(capacity)
}

/// [`vec_with_huge_pages`] after its caller has checked the memory.
fn huge_page_vec<T>(capacity: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(capacity);
    crate::os::advise_huge_pages(v.as_ptr().cast(), capacity * std::mem::size_of::<T>());
    v
}

/// Whether this system hands out transparent huge pages to programs that
/// ask (Linux's `/sys/kernel/mm/transparent_hugepage/enabled` set to
/// `always` or `madvise`).
pub fn huge_pages_available() -> bool {
    std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
        .is_ok_and(|s| s.contains("[always]") || s.contains("[madvise]"))
}

/// Builds a vector holding `0..n` (like `np.arange(n)`), then sums it.
/// Needs `8 n` bytes at its peak. The vector asks for huge pages
/// ([`vec_with_huge_pages`]), like NumPy's arrays; see
/// [`sum_materialised_small_pages`] for the same without.
///
/// Its time depends on where the memory comes from. Straight after another
/// run it gets the pages that run freed. On a virtual machine whose
/// hypervisor takes back memory left free for a few seconds (free page
/// reporting), a run after a pause pays the hypervisor's page faults too,
/// several times the whole sum; NumPy's `arange` pays the same. Compare the
/// two under the same conditions, e.g. both straight after a run.
///
/// ```
/// assert_eq!(parallel_course::workloads::sum::sum_materialised(100), 4950);
/// ```
///
/// # Panics
///
/// When `8 n` bytes are more than a helper may take
/// ([`limits::memory`](crate::limits::memory)): the panic says how much
/// was asked and how much is allowed (see [`sum_chunked`] for any `n`).
pub fn sum_materialised(n: u64) -> u64 {
    check_vector(n);
    let mut values = huge_page_vec(usize::try_from(n).unwrap_or(usize::MAX));
    values.extend(0..n);
    sum_slice(black_box(&values))
}

/// [`sum_materialised`] in memory of ordinary 4 KiB pages: every 4 KiB
/// written for the first time stops the program for a page fault, which
/// makes filling the vector several times slower than summing it.
///
/// ```
/// assert_eq!(parallel_course::workloads::sum::sum_materialised_small_pages(100), 4950);
/// ```
///
/// # Panics
///
/// As for [`sum_materialised`].
pub fn sum_materialised_small_pages(n: u64) -> u64 {
    check_vector(n);
    let values: Vec<u64> = (0..n).collect();
    sum_slice(black_box(&values))
}

/// [`sum_materialised`] with rayon: the vector is filled and summed by all
/// threads of the current pool.
///
/// ```
/// assert_eq!(parallel_course::workloads::sum::sum_materialised_par(100), 4950);
/// ```
///
/// # Panics
///
/// As for [`sum_materialised`].
pub fn sum_materialised_par(n: u64) -> u64 {
    check_vector(n);
    let len = usize::try_from(n).unwrap_or(usize::MAX);
    let mut values = huge_page_vec(len);
    values.par_extend((0..len).into_par_iter().map(|i| i as u64));
    sum_slice_par(black_box(&values))
}

/// Refuses (by panicking: these helpers return a plain number) when the
/// vector of `0..n` needs more memory than a helper may take.
fn check_vector(n: u64) {
    if let Err(e) =
        crate::limits::memory_for("n", n, "the vector of 0..n", u128::from(n), 8)
    {
        crate::limits::refuse(e);
    }
}

/// Sums a slice on one thread.
///
/// ```
/// assert_eq!(parallel_course::workloads::sum::sum_slice(&[1, 2, 3]), 6);
/// ```
pub fn sum_slice(values: &[u64]) -> u64 {
    values.iter().fold(0u64, |a, &b| a.wrapping_add(b))
}

/// Sums a slice with all threads of the current rayon pool.
///
/// ```
/// assert_eq!(parallel_course::workloads::sum::sum_slice_par(&[1, 2, 3]), 6);
/// ```
pub fn sum_slice_par(values: &[u64]) -> u64 {
    values
        .par_iter()
        .fold(|| 0u64, |a, &b| a.wrapping_add(b))
        .reduce(|| 0, u64::wrapping_add)
}

/// Checks `chunk_len` and the memory of `buffers` buffers of one chunk
/// each (a chunk is never longer than `n`).
fn check_chunk(n: u64, chunk_len: usize, buffers: usize) -> Result<u64> {
    crate::error::positive("chunk_len", chunk_len, "1 or more (e.g. 1 << 20)")?;
    let longest = (chunk_len as u64).min(n);
    let what = if buffers == 1 {
        "a buffer of one chunk".to_string()
    } else {
        format!("a buffer of one chunk for each of {buffers} threads")
    };
    crate::limits::memory_for(
        "chunk_len",
        chunk_len,
        &what,
        u128::from(longest) * buffers as u128,
        8,
    )?;
    Ok(chunk_len as u64)
}

/// Sums one chunk `lo..hi` by materialising just that chunk in `buf`.
fn chunk_sum(buf: &mut Vec<u64>, lo: u64, hi: u64) -> u64 {
    if crate::interrupt::stop_requested("the chunked sum") {
        return 0;
    }
    buf.clear();
    buf.extend(lo..hi);
    sum_slice(black_box(buf))
}

/// Sums `0..n` one chunk at a time: each chunk of `chunk_len` numbers is
/// written to a small buffer and summed, so memory stays at one chunk
/// whatever `n` is. This is what Dask's chunked arrays do in the Python
/// lesson.
///
/// ```
/// use parallel_course::workloads::sum::sum_chunked;
/// assert_eq!(sum_chunked(100, 7)?, 4950);
/// assert!(sum_chunked(100, 0).is_err());
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `chunk_len` is 0;
/// [`Error::Resources`](crate::Error::Resources) if one chunk needs more memory
/// than a helper may take ([`limits::memory`](crate::limits::memory)).
pub fn sum_chunked(n: u64, chunk_len: usize) -> Result<u64> {
    let chunk = check_chunk(n, chunk_len, 1)?;
    let mut buf = Vec::with_capacity(chunk.min(n) as usize);
    let mut total = 0u64;
    let mut lo = 0;
    while lo < n {
        let hi = lo.saturating_add(chunk).min(n);
        total = total.wrapping_add(chunk_sum(&mut buf, lo, hi));
        lo = hi;
    }
    Ok(total)
}

/// [`sum_chunked`] in parallel: chunks are shared out among the threads of
/// the current pool, each with its own buffer. Memory is one chunk per
/// thread.
///
/// ```
/// use parallel_course::workloads::sum::sum_chunked_par;
/// assert_eq!(sum_chunked_par(1000, 64)?, 499_500);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// As for [`sum_chunked`], with one chunk per thread of the pool.
pub fn sum_chunked_par(n: u64, chunk_len: usize) -> Result<u64> {
    let chunk = check_chunk(n, chunk_len, rayon::current_num_threads())?;
    let chunks = n.div_ceil(chunk);
    Ok((0..chunks)
        .into_par_iter()
        .panic_fuse() // after an interrupt, no chunk starts
        .map_init(
            || Vec::with_capacity(chunk.min(n) as usize),
            |buf, c| {
                let lo = c * chunk; // below n: c < n / chunk, rounded up
                chunk_sum(buf, lo, lo.saturating_add(chunk).min(n))
            },
        )
        .reduce(|| 0, u64::wrapping_add))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_gives_the_triangular_number() {
        for n in [0, 1, 2, 3, 10, 1000, 123_457] {
            let want = triangular(n);
            assert_eq!(want, (0..n).sum::<u64>(), "n = {n}");
            assert_eq!(sum_range(n), want);
            assert_eq!(sum_materialised(n), want);
            assert_eq!(sum_materialised_par(n), want);
            assert_eq!(sum_chunked(n, 1000).unwrap(), want);
            assert_eq!(sum_chunked_par(n, 1000).unwrap(), want);
            assert_eq!(sum_chunked(n, 1).unwrap(), want);
        }
    }

    #[test]
    fn triangular_does_not_overflow_in_the_intermediate_product() {
        let n = 5_000_000_000u64;
        assert_eq!(triangular(n) as u128, (n as u128) * (n as u128 - 1) / 2);
    }

    #[test]
    fn a_chunk_too_large_for_memory_is_refused_before_allocating() {
        // The issue's case: 2^40 numbers in chunks of 2^40 (8 TiB).
        let err = sum_chunked(1 << 40, 1 << 40).unwrap_err().to_string();
        assert!(
            err.starts_with("`chunk_len` = 1099511627776 needs 8 TiB"),
            "{err}"
        );
        assert!(err.contains("allowed: at most"), "{err}");
        let err = sum_chunked_par(u64::MAX, usize::MAX)
            .unwrap_err()
            .to_string();
        assert!(err.contains("for each of"), "{err}");
        // A long chunk of a short range needs only the range.
        assert_eq!(sum_chunked(1000, usize::MAX).unwrap(), triangular(1000));
        crate::limits::tests::with_allowed(1 << 20, || {
            let err = sum_chunked(1 << 20, 1 << 20).unwrap_err().to_string();
            assert!(err.contains("needs 8 MiB"), "{err}");
            assert!(sum_chunked(1 << 20, 1 << 10).is_ok());
        });
    }

    #[test]
    fn vectors_beyond_the_allowance_are_refused_naming_n() {
        crate::limits::tests::with_allowed(1 << 20, || {
            for f in [
                sum_materialised,
                sum_materialised_par,
                sum_materialised_small_pages,
            ] {
                let payload = std::panic::catch_unwind(|| f(1 << 20)).unwrap_err();
                let text = payload.downcast_ref::<String>().unwrap();
                assert!(text.starts_with("`n` = 1048576 needs 8 MiB"), "{text}");
            }
            assert_eq!(sum_materialised(1000), triangular(1000));
        });
    }

    #[test]
    fn zero_chunk_length_is_an_error() {
        let err = sum_chunked_par(10, 0).unwrap_err();
        assert!(err.to_string().contains("`chunk_len`: 0"), "{err}");
    }
}
