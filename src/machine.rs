//! What this machine's memory can move: a STREAM-like measurement of
//! memory bandwidth, the yardstick a memory-bound loop is measured against
//! (the bench's `limit` column, the flood's stencil).
//!
//! Two kernels on all of rayon's threads over arrays of 128 MiB each (far
//! larger than any cache), best of several passes, counted as STREAM
//! counts: **copy** `a[i] = b[i]` moves 16 bytes per element, **triad**
//! `a[i] = b[i] + s·c[i]` moves 24. The better of the two is the machine's
//! bandwidth.
//!
//! ```no_run
//! use parallel_course::machine::memory_bandwidth;
//! let bw = memory_bandwidth(5)?;
//! println!("{bw}"); // copy 14.2 GB/s, triad 15.1 GB/s on 2 threads
//! # Ok::<(), parallel_course::Error>(())
//! ```

use std::fmt;
use std::hint::black_box;
use std::time::Instant;

use rayon::prelude::*;

use crate::error::{Error, Result};

/// Elements per array: 2^24 `f64`, 128 MiB.
pub const STREAM_LEN: usize = 1 << 24;

/// Memory bandwidth measured on this machine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bandwidth {
    /// STREAM-like copy, bytes per second, all threads.
    pub copy: f64,
    /// STREAM-like triad, bytes per second, all threads.
    pub triad: f64,
    /// The threads that ran the kernels.
    pub threads: usize,
}

impl Bandwidth {
    /// The better of copy and triad, bytes per second.
    pub fn best(&self) -> f64 {
        self.copy.max(self.triad)
    }

    /// The better reading of each kernel from two measurements (on a shared
    /// machine one of them may have been slowed by other programs).
    pub fn best_of(self, other: Bandwidth) -> Bandwidth {
        Bandwidth {
            copy: self.copy.max(other.copy),
            triad: self.triad.max(other.triad),
            threads: self.threads.max(other.threads),
        }
    }

    /// The share of this bandwidth that moving `bytes` in `seconds` uses,
    /// in percent; `None` for a time that is not positive and finite.
    ///
    /// ```
    /// use parallel_course::machine::Bandwidth;
    /// let bw = Bandwidth { copy: 10e9, triad: 12e9, threads: 2 };
    /// assert_eq!(bw.percent(6e9, 1.0), Some(50.0));
    /// assert_eq!(bw.percent(1.0, 0.0), None);
    /// ```
    pub fn percent(&self, bytes: f64, seconds: f64) -> Option<f64> {
        (seconds.is_finite() && seconds > 0.0 && self.best() > 0.0)
            .then(|| 100.0 * bytes / seconds / self.best())
    }
}

impl fmt::Display for Bandwidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "memory bandwidth: copy {:.1} GB/s, triad {:.1} GB/s on {} threads",
            self.copy / 1e9,
            self.triad / 1e9,
            self.threads
        )
    }
}

/// Measures the memory bandwidth: `passes` timed passes of each kernel
/// (after one untimed pass that touches every page), the best kept.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for 0 or more than 100 passes;
/// [`Error::Resources`] when the machine has not 384 MiB available.
pub fn memory_bandwidth(passes: usize) -> Result<Bandwidth> {
    if !(1..=100).contains(&passes) {
        return Err(Error::invalid("passes", passes, "1 to 100 passes"));
    }
    crate::limits::memory_for(
        "arrays",
        format!("3 arrays of {STREAM_LEN} values"),
        "the bandwidth's three arrays",
        3 * STREAM_LEN as u128,
        8,
    )?;
    let chunk = 1 << 16;
    let mut a = vec![0.0f64; STREAM_LEN];
    let mut b = vec![0.0f64; STREAM_LEN];
    let mut c = vec![0.0f64; STREAM_LEN];
    // Touch every page on the threads that will use it.
    a.par_chunks_mut(chunk).for_each(|x| x.fill(1.0));
    b.par_chunks_mut(chunk).for_each(|x| x.fill(2.0));
    c.par_chunks_mut(chunk).for_each(|x| x.fill(0.5));
    let bytes = (STREAM_LEN * 8) as f64;
    let (mut copy, mut triad) = (0.0f64, 0.0f64);
    for pass in 0..=passes {
        crate::interrupt::check("the bandwidth measurement");
        let t = Instant::now();
        a.par_chunks_mut(chunk)
            .zip(b.par_chunks(chunk))
            .for_each(|(a, b)| a.copy_from_slice(b));
        let copy_s = t.elapsed().as_secs_f64();
        black_box(&a);
        let t = Instant::now();
        a.par_chunks_mut(chunk)
            .zip(b.par_chunks(chunk).zip(c.par_chunks(chunk)))
            .for_each(|(a, (b, c))| {
                for ((a, b), c) in a.iter_mut().zip(b).zip(c) {
                    *a = b + 3.0 * c;
                }
            });
        let triad_s = t.elapsed().as_secs_f64();
        black_box(&a);
        if pass > 0 {
            copy = copy.max(2.0 * bytes / copy_s);
            triad = triad.max(3.0 * bytes / triad_s);
        }
    }
    Ok(Bandwidth {
        copy,
        triad,
        threads: rayon::current_num_threads(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bandwidth_is_measured_and_bad_passes_refused() {
        let bw = memory_bandwidth(1).unwrap();
        assert!(bw.copy > 1e8 && bw.triad > 1e8, "{bw}");
        assert!(bw.best() >= bw.copy && bw.best() >= bw.triad);
        for bad in [0, 101, usize::MAX] {
            let err = memory_bandwidth(bad).unwrap_err().to_string();
            assert!(err.contains("1 to 100 passes"), "{err}");
        }
    }
}
