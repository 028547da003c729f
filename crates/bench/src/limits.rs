//! What this machine can do, measured in the same run as the workloads,
//! and how close each workload comes to it (the bench's `limit` column).
//!
//! * **Memory bandwidth**: the support crate's STREAM-like copy and triad
//!   ([`parallel_course::machine::memory_bandwidth`]) on all cores over
//!   arrays of 128 MiB each, best of several passes, counted as STREAM
//!   counts: 16 bytes per element for the copy, 24 for the triad. The
//!   better of the two is the machine's bandwidth.
//! * **Peak arithmetic**: fused multiply-adds on independent vectors in the
//!   widest lanes the processor has (AVX-512, else AVX2 with FMA, else
//!   plain), on every core at once: 2 floating-point operations per lane per
//!   FMA. No real workload reaches it; it is the ceiling.
//!
//! The bench measures both before and after the workloads and keeps the
//! better reading of each. A workload's share is its work ÷ time ÷ the
//! limit; the work of each row is counted by [`work`].

use std::hint::black_box;
use std::time::Instant;

/// The limits measured on this machine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Machine {
    /// STREAM-like copy bandwidth, bytes per second, all cores.
    pub copy: f64,
    /// STREAM-like triad bandwidth, bytes per second, all cores.
    pub triad: f64,
    /// Peak of fused multiply-adds, floating-point operations per second,
    /// all cores.
    pub flops: f64,
    /// The lane width used for the peak, in `f64` lanes (8 for AVX-512).
    pub lanes: usize,
    /// The threads used for both.
    pub threads: usize,
}

impl Machine {
    /// The better reading of each limit from two measurements (on a shared
    /// machine one of them may have been slowed by other programs).
    pub fn best_of(self, other: Machine) -> Machine {
        Machine {
            copy: self.copy.max(other.copy),
            triad: self.triad.max(other.triad),
            flops: self.flops.max(other.flops),
            lanes: self.lanes.max(other.lanes),
            threads: self.threads.max(other.threads),
        }
    }

    /// The memory bandwidth a memory-bound row is compared with: the better
    /// of copy and triad.
    pub fn bandwidth(&self) -> f64 {
        self.copy.max(self.triad)
    }
}

/// What a row does, counted so that it can be set against a limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Work {
    /// Bytes written plus bytes read.
    Bytes(f64),
    /// Floating-point operations.
    Flops(f64),
}

/// Counts used by [`work`] that the run measures (the Mandelbrot image's
/// iteration total) or fixes (the sizes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizes {
    /// Numbers summed by the `sum` rows.
    pub sum_n: u64,
    /// Total of the Mandelbrot image's iteration counts, if computed.
    pub mandelbrot_iterations: Option<u64>,
    /// Grid side of the 2-D integral.
    pub integral_n: u64,
}

/// Floating-point operations of one Mandelbrot step `z ← z² + c` with its
/// test `|z|² > 4`: 6 multiplications and 5 additions.
pub const FLOPS_PER_MANDELBROT_STEP: f64 = 11.0;

/// Floating-point operations counted per point of the 2-D integral: 4 for
/// the point and the running sum, 20 for the sine (a range reduction and a
/// polynomial, as vectorised sines compute it). A convention, not a
/// measurement: a sine has no fixed cost.
pub const FLOPS_PER_INTEGRAL_POINT: f64 = 24.0;

/// The work of row `workload/variant`, or `None` where no simple machine
/// limit applies (random numbers, hashing and merging words are integer
/// work, and the π rows' cost is mostly the random-number generator).
///
/// The `sum` rows move 16 bytes per number: 8 written, 8 read back (the
/// chunked rows too, but in a buffer that stays in cache, so they can pass
/// 100 % of the memory bandwidth). The kernel's clearing of fresh pages is
/// not counted.
pub fn work(workload: &str, sizes: &Sizes) -> Option<Work> {
    match workload {
        "sum" => Some(Work::Bytes(16.0 * sizes.sum_n as f64)),
        "mandelbrot" => sizes
            .mandelbrot_iterations
            .map(|i| Work::Flops(FLOPS_PER_MANDELBROT_STEP * i as f64)),
        "integral2d" => Some(Work::Flops(
            FLOPS_PER_INTEGRAL_POINT * (sizes.integral_n as f64).powi(2),
        )),
        _ => None,
    }
}

/// The row's speed as a percentage of the machine's limit for its kind of
/// work, or `None` for a time that is not positive and finite.
pub fn percent(work: Work, seconds: f64, machine: &Machine) -> Option<f64> {
    if !(seconds.is_finite() && seconds > 0.0) {
        return None;
    }
    let (amount, limit) = match work {
        Work::Bytes(b) => (b, machine.bandwidth()),
        Work::Flops(f) => (f, machine.flops),
    };
    (limit > 0.0).then(|| 100.0 * amount / seconds / limit)
}

/// Measures the limits: `passes` timed passes of each kernel (after one
/// untimed pass that touches the memory), the best kept.
pub fn measure(passes: usize) -> Machine {
    let threads = parallel_course::rayon::current_num_threads();
    let (copy, triad) = stream(passes.max(1));
    let (flops, lanes) = peak_flops(threads, passes.max(1));
    Machine {
        copy,
        triad,
        flops,
        lanes,
        threads,
    }
}

/// The STREAM-like copy and triad (the support crate's, which the flood's
/// stencil is measured against too): bytes per second, best of `passes`.
fn stream(passes: usize) -> (f64, f64) {
    match parallel_course::machine::memory_bandwidth(passes.clamp(1, 100)) {
        Ok(bw) => (bw.copy, bw.triad),
        Err(e) => {
            eprintln!("memory bandwidth not measured: {e}");
            (0.0, 0.0)
        }
    }
}

/// Independent accumulators per thread: enough vectors in flight to keep
/// two FMA units busy through a latency of 4 or 5 cycles.
const ACCUMULATORS: usize = 12;
const FMA_STEPS: u64 = 20_000_000;

#[inline(always)]
fn fma_loop<const L: usize>(steps: u64, m: f64, a: f64) -> f64 {
    let mut acc = [[1.0f64; L]; ACCUMULATORS];
    for _ in 0..steps {
        for v in acc.iter_mut() {
            for x in v.iter_mut() {
                *x = x.mul_add(m, a);
            }
        }
    }
    acc.iter().flatten().sum()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn fma_avx512(steps: u64, m: f64, a: f64) -> f64 {
    fma_loop::<8>(steps, m, a)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn fma_avx2(steps: u64, m: f64, a: f64) -> f64 {
    fma_loop::<4>(steps, m, a)
}

/// One thread's FMA loop in the widest lanes there are: (result, lanes).
fn fma_widest(steps: u64) -> (f64, usize) {
    // m and a keep the values bounded (x → 0.5 x + 0.25 tends to 0.5).
    let (m, a) = (black_box(0.5), black_box(0.25));
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the processor has AVX-512F and FMA (checked above).
            return (unsafe { fma_avx512(steps, m, a) }, 8);
        }
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the processor has AVX2 and FMA (checked above).
            return (unsafe { fma_avx2(steps, m, a) }, 4);
        }
    }
    (fma_loop::<2>(steps, m, a), 2)
}

fn peak_flops(threads: usize, passes: usize) -> (f64, usize) {
    let threads = threads.max(1);
    let mut best = 0.0f64;
    let mut lanes = 1;
    for pass in 0..=passes {
        let t = Instant::now();
        let got: Vec<(f64, usize)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| s.spawn(|| fma_widest(FMA_STEPS / 4)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or((0.0, 1)))
                .collect()
        });
        let seconds = t.elapsed().as_secs_f64();
        black_box(&got);
        lanes = got.first().map_or(1, |g| g.1);
        let flops = 2.0 * (lanes * ACCUMULATORS) as f64 * (FMA_STEPS / 4) as f64;
        if pass > 0 {
            best = best.max(threads as f64 * flops / seconds);
        }
    }
    (best, lanes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MACHINE: Machine = Machine {
        copy: 10e9,
        triad: 12e9,
        flops: 100e9,
        lanes: 8,
        threads: 2,
    };

    #[test]
    fn memory_rows_are_measured_against_the_better_bandwidth() {
        let sizes = Sizes {
            sum_n: 100_000_000,
            mandelbrot_iterations: None,
            integral_n: 10_000,
        };
        let w = work("sum", &sizes).unwrap();
        assert_eq!(w, Work::Bytes(1.6e9));
        // 1.6 GB in 0.2 s is 8 GB/s, two thirds of 12 GB/s.
        let p = percent(w, 0.2, &MACHINE).unwrap();
        assert!((p - 100.0 * 8.0 / 12.0).abs() < 1e-9, "{p}");
    }

    #[test]
    fn compute_rows_are_measured_against_the_peak() {
        let sizes = Sizes {
            sum_n: 1,
            mandelbrot_iterations: Some(1_000_000_000),
            integral_n: 10_000,
        };
        let p = percent(work("mandelbrot", &sizes).unwrap(), 1.1, &MACHINE).unwrap();
        assert!((p - 10.0).abs() < 1e-9, "{p}");
        let w = work("integral2d", &sizes).unwrap();
        assert_eq!(w, Work::Flops(24.0 * 1e8));
    }

    #[test]
    fn best_of_two_measurements_keeps_each_better_reading() {
        let slower = Machine {
            copy: 20e9,
            triad: 6e9,
            flops: 50e9,
            ..MACHINE
        };
        let best = MACHINE.best_of(slower);
        assert_eq!((best.copy, best.triad, best.flops), (20e9, 12e9, 100e9));
    }

    #[test]
    fn rows_without_a_simple_limit_get_none() {
        let sizes = Sizes {
            sum_n: 1,
            mandelbrot_iterations: None,
            integral_n: 1,
        };
        for w in ["pi", "delayed", "wordcount", "mandelbrot"] {
            assert_eq!(work(w, &sizes), None, "{w}");
        }
        assert_eq!(percent(Work::Bytes(1.0), 0.0, &MACHINE), None);
        assert_eq!(percent(Work::Bytes(1.0), f64::NAN, &MACHINE), None);
    }

    #[test]
    fn the_fma_loop_computes_what_it_counts() {
        // x → 0.5 x + 0.25 from 1: after one step 0.75, after two 0.625.
        let (sum, lanes) = fma_widest(2);
        assert_eq!(sum, 0.625 * (lanes * ACCUMULATORS) as f64);
    }
}
