//! Sharing one counter between threads (episode 4), and what it costs.
//!
//! Every function here estimates π with `threads` threads. Thread `t`
//! draws its share of the `n` points from its own generator, seeded from
//! `seed` and `t`, so all of them find the same number of points inside
//! for the same arguments. They differ only in *where they count*:
//!
//! | function | each hit does | cost |
//! |---|---|---|
//! | [`pi_partials`] | `inside += 1` on a local variable | none: totals added at the end |
//! | [`pi_mutex`] | lock a shared `Mutex<u64>`, add 1, unlock | threads queue for the lock |
//! | [`pi_atomic`] | `fetch_add(1)` on a shared `AtomicU64` | the cache line bounces between cores |
//! | [`pi_false_sharing`] | `fetch_add(1)` on *its own* slot of an array | the slots share a cache line, so it still bounces |
//! | [`pi_padded`] | the same, each slot on its own cache line | little |
//!
//! The compiler would refuse the version that just does `inside += 1` on a
//! shared variable from several threads: that is a data race.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Result;
use crate::workloads::pi::{chunk_rng, draw_inside, estimate_from};

/// Runs `threads` scoped threads; thread `t` draws its share of the
/// points and calls its `hit` closure for every point inside. Returns what
/// each thread counted in a local variable as it went.
fn run<H, F>(n: u64, seed: u64, threads: usize, make_hit: F) -> Result<Vec<u64>>
where
    F: Fn(usize) -> H + Sync,
    H: FnMut(),
{
    let threads = crate::limits::threads("threads", threads)?;
    let t64 = threads as u64;
    super::on_scoped_threads(0..threads, "counting", |t| {
        let share = n / t64 + u64::from((t as u64) < n % t64);
        let mut rng = chunk_rng(seed, t as u64);
        let mut hit = make_hit(t);
        let mut local = 0u64;
        let mut left = share;
        // In blocks, to look for an interrupt between them.
        while left > 0 {
            crate::interrupt::check("the shared count");
            let block = left.min(1 << 16);
            for _ in 0..block {
                if draw_inside(&mut rng) {
                    local += 1;
                    hit();
                }
            }
            left -= block;
        }
        local
    })
}

/// Each thread counts in a local variable and returns it; the totals are
/// added at the end. No sharing at all.
///
/// ```
/// use parallel_course::workloads::sharing::pi_partials;
/// assert!((pi_partials(1_000_000, 1, 2)? - 3.14).abs() < 0.01);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `threads` is 0.
pub fn pi_partials(n: u64, seed: u64, threads: usize) -> Result<f64> {
    let locals = run(n, seed, threads, |_| || ())?;
    Ok(estimate_from(locals.iter().sum(), n))
}

/// Every hit locks one shared `Mutex<u64>`.
///
/// ```
/// use parallel_course::workloads::sharing::{pi_mutex, pi_partials};
/// assert_eq!(pi_mutex(100_000, 1, 2)?, pi_partials(100_000, 1, 2)?);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `threads` is 0.
pub fn pi_mutex(n: u64, seed: u64, threads: usize) -> Result<f64> {
    let inside = Mutex::new(0u64);
    run(n, seed, threads, |_| {
        || *inside.lock().unwrap_or_else(|p| p.into_inner()) += 1
    })?;
    let inside = inside.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok(estimate_from(inside, n))
}

/// Every hit adds 1 to one shared `AtomicU64`.
///
/// ```
/// use parallel_course::workloads::sharing::{pi_atomic, pi_partials};
/// assert_eq!(pi_atomic(100_000, 1, 2)?, pi_partials(100_000, 1, 2)?);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `threads` is 0.
pub fn pi_atomic(n: u64, seed: u64, threads: usize) -> Result<f64> {
    let inside = AtomicU64::new(0);
    run(n, seed, threads, |_| {
        || {
            inside.fetch_add(1, Ordering::Relaxed);
        }
    })?;
    Ok(estimate_from(inside.into_inner(), n))
}

/// Every thread adds to its own `AtomicU64`, but the counters sit next to
/// each other in one array, so they share a 64-byte cache line.
///
/// ```
/// use parallel_course::workloads::sharing::{pi_false_sharing, pi_partials};
/// assert_eq!(pi_false_sharing(100_000, 1, 2)?, pi_partials(100_000, 1, 2)?);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `threads` is 0.
pub fn pi_false_sharing(n: u64, seed: u64, threads: usize) -> Result<f64> {
    let threads = crate::limits::threads("threads", threads)?;
    let slots: Vec<AtomicU64> = (0..threads).map(|_| AtomicU64::new(0)).collect();
    run(n, seed, threads, |t| {
        let slot = &slots[t];
        move || {
            slot.fetch_add(1, Ordering::Relaxed);
        }
    })?;
    let inside = slots.iter().map(|c| c.load(Ordering::Relaxed)).sum();
    Ok(estimate_from(inside, n))
}

/// A counter alone on its cache line (128 bytes covers the line pairs
/// that some processors fetch together).
#[repr(align(128))]
struct Padded(AtomicU64);

/// As [`pi_false_sharing`], but each counter has a cache line to itself.
///
/// ```
/// use parallel_course::workloads::sharing::{pi_padded, pi_partials};
/// assert_eq!(pi_padded(100_000, 1, 2)?, pi_partials(100_000, 1, 2)?);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `threads` is 0.
pub fn pi_padded(n: u64, seed: u64, threads: usize) -> Result<f64> {
    let threads = crate::limits::threads("threads", threads)?;
    let slots: Vec<Padded> = (0..threads).map(|_| Padded(AtomicU64::new(0))).collect();
    run(n, seed, threads, |t| {
        let slot = &slots[t].0;
        move || {
            slot.fetch_add(1, Ordering::Relaxed);
        }
    })?;
    let inside = slots.iter().map(|c| c.0.load(Ordering::Relaxed)).sum();
    Ok(estimate_from(inside, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_of_counting_finds_the_same_points() {
        for threads in [1, 2, 3, 5] {
            let n = 200_003;
            let want = pi_partials(n, 8, threads).unwrap();
            assert_eq!(pi_mutex(n, 8, threads).unwrap(), want, "mutex, {threads}");
            assert_eq!(pi_atomic(n, 8, threads).unwrap(), want, "atomic, {threads}");
            assert_eq!(
                pi_false_sharing(n, 8, threads).unwrap(),
                want,
                "false sharing, {threads}"
            );
            assert_eq!(pi_padded(n, 8, threads).unwrap(), want, "padded, {threads}");
            assert!((want - std::f64::consts::PI).abs() < 0.02, "{want}");
        }
    }

    #[test]
    fn one_thread_gives_the_plain_loop_of_stream_zero() {
        // Thread 0's generator is chunk 0's; with one thread it draws all n.
        let n = 10_000;
        let mut rng = chunk_rng(3, 0);
        let inside = (0..n).filter(|_| draw_inside(&mut rng)).count() as u64;
        assert_eq!(pi_mutex(n, 3, 1).unwrap(), estimate_from(inside, n));
    }

    #[test]
    fn zero_threads_is_an_error() {
        for f in [
            pi_partials,
            pi_mutex,
            pi_atomic,
            pi_false_sharing,
            pi_padded,
        ] {
            let err = f(10, 1, 0).unwrap_err();
            assert!(err.to_string().contains("`threads`: 0"), "{err}");
        }
    }

    #[test]
    fn padding_puts_each_counter_on_its_own_line() {
        assert_eq!(std::mem::align_of::<Padded>(), 128);
        assert_eq!(std::mem::size_of::<Padded>(), 128);
    }
}
