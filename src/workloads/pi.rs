//! Monte-Carlo estimates of π (episode 3), from the plain loop to all
//! cores.
//!
//! Throw `n` points uniformly into the square `[-1, 1)²`; the fraction
//! that lands inside the unit circle approaches `π / 4`. Every function
//! takes a `seed`, so a notebook shows the same numbers on every run.
//!
//! | function | idea |
//! |---|---|
//! | [`pi_loop`] | the plain loop, one point at a time |
//! | [`pi_iter`] | the same as an iterator chain (`filter`, `count`) |
//! | [`pi_std_rng`] | the plain loop with the cryptographic generator `StdRng` |
//! | [`pi_batched`] | random numbers in batches, then branch-free counting the compiler vectorises |
//! | [`pi_par`] | [`pi_batched`]'s chunks shared out by rayon |
//! | [`pi_threads`] | the same chunks shared out by hand to scoped threads |
//!
//! [`pi_par`] and [`pi_threads`] split the samples into fixed chunks of
//! [`CHUNK`] points, each with its own generator seeded from `seed` and
//! the chunk's index. Their result therefore depends only on `n` and
//! `seed`: not on the number of threads, nor on which thread ran which
//! chunk. It equals [`pi_chunked`], the same chunks run serially.

use rand::rngs::{SmallRng, StdRng};
use rand::{Rng, RngExt, SeedableRng};
use rayon::prelude::*;

use crate::error::Result;
use crate::interrupt::checked;

/// Samples per chunk in the chunked and parallel forms (65 536).
pub const CHUNK: u64 = 1 << 16;

/// Points per batch in [`pi_batched`]: small enough to stay in L1 cache.
const BATCH: usize = 1024;

/// `4 · inside / n`: the estimate from a count of points inside, or NaN
/// for `n = 0`.
pub fn estimate_from(inside: u64, n: u64) -> f64 {
    if n == 0 {
        f64::NAN
    } else {
        4.0 * inside as f64 / n as f64
    }
}

/// A uniform number in `[-1, 1)` from 53 random bits.
#[inline(always)]
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 * (2.0 / (1u64 << 53) as f64) - 1.0
}

/// The standard error of an estimate from `n` samples:
/// `4 √(p (1 − p) / n)` with `p = π / 4`.
///
/// ```
/// use parallel_course::workloads::pi::standard_error;
/// assert!((standard_error(10_000_000) - 5.19e-4).abs() < 1e-6);
/// ```
pub fn standard_error(n: u64) -> f64 {
    let p = std::f64::consts::PI / 4.0;
    4.0 * (p * (1.0 - p) / n as f64).sqrt()
}

/// The plain loop: draw x and y, test, count.
///
/// ```
/// use parallel_course::workloads::pi::pi_loop;
/// let pi = pi_loop(1_000_000, 42);
/// assert!((pi - std::f64::consts::PI).abs() < 0.01);
/// ```
pub fn pi_loop(n: u64, seed: u64) -> f64 {
    estimate_from(count_loop(&mut SmallRng::seed_from_u64(seed), n), n)
}

/// Draws one point in the square and tells whether it is inside the
/// circle: the step every variant repeats.
#[inline(always)]
pub(crate) fn draw_inside<R: Rng>(rng: &mut R) -> bool {
    let x: f64 = rng.random_range(-1.0..1.0);
    let y: f64 = rng.random_range(-1.0..1.0);
    x * x + y * y < 1.0
}

/// The plain loop over `n` points with any generator.
fn count_loop<R: Rng>(rng: &mut R, n: u64) -> u64 {
    let mut inside = 0u64;
    let mut left = n;
    // In blocks, to look for an interrupt between them.
    while left > 0 {
        crate::interrupt::check("the pi loop");
        let block = left.min(1 << 20);
        for _ in 0..block {
            if draw_inside(rng) {
                inside += 1;
            }
        }
        left -= block;
    }
    inside
}

/// The plain loop with [`StdRng`], the cryptographically secure generator
/// (ChaCha12): same answer quality, slower per number.
///
/// ```
/// use parallel_course::workloads::pi::pi_std_rng;
/// assert!((pi_std_rng(100_000, 1) - 3.14).abs() < 0.05);
/// ```
pub fn pi_std_rng(n: u64, seed: u64) -> f64 {
    estimate_from(count_loop(&mut StdRng::seed_from_u64(seed), n), n)
}

/// The iterator form: `filter` the points inside, `count` them. Gives the
/// same number as [`pi_loop`] with the same seed. (`checked` looks for an
/// interrupt every 65 536 points, so that ■ stops a long run.)
///
/// ```
/// use parallel_course::workloads::pi::{pi_iter, pi_loop};
/// assert_eq!(pi_iter(10_000, 7), pi_loop(10_000, 7));
/// ```
pub fn pi_iter(n: u64, seed: u64) -> f64 {
    let mut rng = SmallRng::seed_from_u64(seed);
    let inside = checked(0..n, "pi_iter")
        .filter(|_| draw_inside(&mut rng))
        .count() as u64;
    estimate_from(inside, n)
}

/// Counts the points inside the circle among `n` drawn from `rng`: the work
/// of one chunk in [`pi_par`] and [`pi_threads`], and the piece the course's
/// learners call from their own parallel versions.
///
/// It works in batches: first it fills arrays with coordinates, then counts
/// with `(test) as u64`, a loop without branches that the compiler turns into
/// SIMD instructions.
///
/// ```
/// use parallel_course::workloads::pi::{chunk_rng, count_inside, pi_chunked, CHUNK};
/// // One chunk's count, by hand: its own generator, then count.
/// let inside = count_inside(&mut chunk_rng(42, 0), CHUNK);
/// assert_eq!(4.0 * inside as f64 / CHUNK as f64, pi_chunked(CHUNK, 42));
/// ```
pub fn count_inside<R: Rng>(rng: &mut R, n: u64) -> u64 {
    let mut xs = [0.0f64; BATCH];
    let mut ys = [0.0f64; BATCH];
    let mut inside = 0u64;
    let mut left = n;
    while left > 0 {
        if crate::interrupt::stop_requested("the pi count") {
            return inside;
        }
        let len = left.min(BATCH as u64) as usize;
        for (x, y) in xs[..len].iter_mut().zip(&mut ys[..len]) {
            *x = unit(rng.next_u64());
            *y = unit(rng.next_u64());
        }
        inside += xs[..len]
            .iter()
            .zip(&ys[..len])
            .map(|(x, y)| (x * x + y * y < 1.0) as u64)
            .sum::<u64>();
        left -= len as u64;
    }
    inside
}

/// Random numbers in batches, then branch-free counting.
///
/// ```
/// use parallel_course::workloads::pi::pi_batched;
/// assert!((pi_batched(1_000_000, 42) - std::f64::consts::PI).abs() < 0.01);
/// ```
pub fn pi_batched(n: u64, seed: u64) -> f64 {
    let mut rng = SmallRng::seed_from_u64(seed);
    estimate_from(count_inside(&mut rng, n), n)
}

/// The generator of chunk `index` of a run: seeded from the run's seed and
/// the chunk's number, so every chunk has its own stream of numbers, and the
/// same stream whichever thread draws from it.
///
/// ```
/// use parallel_course::workloads::pi::chunk_rng;
/// use rand::Rng;
/// assert_eq!(chunk_rng(1, 7).next_u64(), chunk_rng(1, 7).next_u64());
/// assert_ne!(chunk_rng(1, 7).next_u64(), chunk_rng(1, 8).next_u64());
/// ```
pub fn chunk_rng(seed: u64, index: u64) -> SmallRng {
    SmallRng::seed_from_u64(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Points inside for chunk `index` of a run of `n` samples.
fn count_chunk(n: u64, seed: u64, index: u64) -> u64 {
    let len = CHUNK.min(n - index * CHUNK);
    count_inside(&mut chunk_rng(seed, index), len)
}

/// The number of points inside the circle in chunks `chunks` of a run of
/// `n` samples: the unit of work the parallel forms share out (and that a
/// worker process computes in episode 4).
///
/// ```
/// use parallel_course::workloads::pi::{count_chunks, pi_chunked, CHUNK};
/// let n = 3 * CHUNK;
/// let inside = count_chunks(n, 9, 0..2) + count_chunks(n, 9, 2..3);
/// assert_eq!(4.0 * inside as f64 / n as f64, pi_chunked(n, 9));
/// ```
pub fn count_chunks(n: u64, seed: u64, chunks: std::ops::Range<u64>) -> u64 {
    let last = chunks.end.min(n.div_ceil(CHUNK));
    let mut inside = 0;
    for i in chunks.start..last {
        // After an interrupt, stop (a thread's share may be 2^47 chunks).
        if crate::interrupt::stop_requested("the pi chunks") {
            break;
        }
        inside += count_chunk(n, seed, i);
    }
    inside
}

/// The number of chunks a run of `n` samples is cut into.
pub fn chunk_count(n: u64) -> u64 {
    n.div_ceil(CHUNK)
}

/// Splits the chunks of a run of `n` samples into `parts` contiguous
/// ranges (some empty if there are fewer chunks than parts): the share of
/// each thread in [`pi_threads`] and of each process in
/// [`pi_processes`](super::processes::pi_processes). `parts` must be at
/// least 1.
///
/// ```
/// use parallel_course::workloads::pi::{chunk_ranges, CHUNK};
/// let ranges: Vec<_> = chunk_ranges(5 * CHUNK, 2).collect();
/// assert_eq!(ranges, vec![0..3, 3..5]);
/// ```
pub fn chunk_ranges(n: u64, parts: u64) -> impl Iterator<Item = std::ops::Range<u64>> {
    let chunks = chunk_count(n);
    let per_part = chunks.div_ceil(parts.max(1)).max(1);
    // `p · per_part` stays below `chunks + parts`, which fits in a u64
    // (`chunks` is at most 2⁴⁸); saturating keeps that obvious.
    let start = move |p: u64| p.saturating_mul(per_part).min(chunks);
    (0..parts).map(move |p| start(p)..start(p.saturating_add(1)))
}

/// The chunks of [`pi_par`] run one after the other on one thread: the
/// serial reference the parallel forms must match exactly.
///
/// ```
/// use parallel_course::workloads::pi::{pi_chunked, pi_par};
/// assert_eq!(pi_chunked(1_000_000, 3), pi_par(1_000_000, 3));
/// ```
pub fn pi_chunked(n: u64, seed: u64) -> f64 {
    estimate_from(count_chunks(n, seed, 0..chunk_count(n)), n)
}

/// Parallel with rayon: chunks of [`CHUNK`] samples shared out among the
/// threads of the current pool.
///
/// ```
/// use parallel_course::workloads::pi::pi_par;
/// assert!((pi_par(1_000_000, 42) - std::f64::consts::PI).abs() < 0.01);
/// ```
pub fn pi_par(n: u64, seed: u64) -> f64 {
    let inside = (0..chunk_count(n))
        .into_par_iter()
        // After an interrupt stops one chunk, no other chunk starts (of
        // 2^48 chunks, even skipping each would take days).
        .panic_fuse()
        .map(|i| count_chunk(n, seed, i))
        .sum();
    estimate_from(inside, n)
}

/// Parallel by hand with [`std::thread::scope`]: the chunks are split into
/// `threads` contiguous runs, one per thread; each thread returns its
/// count and the main thread adds them up.
///
/// ```
/// use parallel_course::workloads::pi::{pi_chunked, pi_threads};
/// assert_eq!(pi_threads(1_000_000, 3, 4)?, pi_chunked(1_000_000, 3));
/// assert!(pi_threads(1_000, 3, 0).is_err());
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `threads` is 0.
pub fn pi_threads(n: u64, seed: u64, threads: usize) -> Result<f64> {
    let threads = crate::limits::threads("threads", threads)? as u64;
    let counts = super::on_scoped_threads(chunk_ranges(n, threads), "pi", |range| {
        count_chunks(n, seed, range)
    })?;
    let inside: u64 = counts.into_iter().sum();
    Ok(estimate_from(inside, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    const N: u64 = 10_000_000;

    fn within_four_standard_errors(name: &str, pi: f64) {
        let se = standard_error(N);
        assert!(
            (pi - PI).abs() < 4.0 * se,
            "{name}: {pi} is {:.1} standard errors from π",
            (pi - PI).abs() / se
        );
    }

    #[test]
    fn every_variant_at_ten_million_samples_is_within_four_standard_errors() {
        within_four_standard_errors("pi_loop", pi_loop(N, 1));
        within_four_standard_errors("pi_iter", pi_iter(N, 2));
        within_four_standard_errors("pi_std_rng", pi_std_rng(N, 3));
        within_four_standard_errors("pi_batched", pi_batched(N, 4));
        within_four_standard_errors("pi_chunked", pi_chunked(N, 5));
        within_four_standard_errors("pi_par", pi_par(N, 6));
        within_four_standard_errors("pi_threads", pi_threads(N, 7, 3).unwrap());
    }

    #[test]
    fn parallel_result_does_not_depend_on_the_number_of_threads() {
        let n = 1_000_003; // not a multiple of the chunk size
        let want = pi_chunked(n, 11);
        for threads in [1, 2, 3, 8] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert_eq!(
                pool.install(|| pi_par(n, 11)),
                want,
                "rayon, {threads} threads"
            );
            assert_eq!(
                pi_threads(n, 11, threads).unwrap(),
                want,
                "{threads} scoped threads"
            );
        }
    }

    #[test]
    fn same_seed_same_answer_other_seed_other_answer() {
        assert_eq!(pi_loop(100_000, 5), pi_loop(100_000, 5));
        assert_ne!(pi_loop(100_000, 5), pi_loop(100_000, 6));
        assert_ne!(pi_par(1_000_000, 5), pi_par(1_000_000, 6));
    }

    #[test]
    fn more_threads_than_chunks_is_fine() {
        assert_eq!(pi_threads(10, 1, 16).unwrap(), pi_chunked(10, 1));
    }

    #[test]
    fn zero_samples_is_nan_not_a_panic() {
        assert!(pi_loop(0, 1).is_nan());
        assert!(pi_par(0, 1).is_nan());
        assert!(pi_threads(0, 1, 2).unwrap().is_nan());
    }

    #[test]
    fn chunk_ranges_cover_every_chunk_once_at_the_extremes_of_n_and_parts() {
        for n in [0, 1, CHUNK, 5 * CHUNK + 1, u64::MAX - 1, u64::MAX] {
            let chunks = chunk_count(n);
            for parts in [1, 2, 3, 1024, chunks.max(1), chunks + 1, u64::MAX / 2] {
                // The ranges tile 0..chunks in order; only the first few
                // thousand are looked at for huge part counts.
                let mut next = 0;
                for r in chunk_ranges(n, parts).take(5000) {
                    assert_eq!(r.start, next, "n {n} parts {parts}");
                    assert!(r.end >= r.start && r.end <= chunks);
                    next = r.end;
                }
                if parts <= 5000 {
                    assert_eq!(next, chunks, "n {n} parts {parts}");
                }
            }
        }
    }

    #[test]
    fn unit_maps_bits_onto_minus_one_to_one() {
        assert_eq!(unit(0), -1.0);
        assert!(unit(u64::MAX) < 1.0);
        assert!((unit(1 << 63)).abs() < 1e-15);
    }
}
