//! Memory profiling of a closure, like memory_profiler's `memory_usage`
//! and `%memit`.
//!
//! [`memory_usage`] runs a closure once while a sampler thread reads the
//! process's resident memory (RSS) every 10 ms. The result holds the
//! samples (MiB against seconds), the baseline before the run, the peak and
//! the increment, and the closure's own value.
//!
//! On Linux the peak is exact even for an allocation that lives shorter
//! than the sampling interval: the kernel's high-water mark (`VmHWM`) is
//! reset before the run and read after it. Where that is not possible, a
//! run that sets a new lifetime record (`getrusage`'s `ru_maxrss`) still
//! gets its exact peak; otherwise the peak is the largest sample.
//!
//! Note that freed memory is not always handed back to the operating
//! system straight away, so the curve may stay high after a buffer is
//! dropped. Large buffers (over a few hundred KiB) usually are returned.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::plot::{Figure, LineChart};
use crate::sampling::{Sampled, run_sampled};

const MIB: f64 = 1024.0 * 1024.0;

/// The default sampling interval, 10 ms (memory_profiler's `%memit`
/// default is 100 ms; RSS reads here cost microseconds, so we sample
/// finer).
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(10);

/// The smallest sampling interval accepted.
pub const MIN_INTERVAL: Duration = Duration::from_millis(1);

/// The resident memory of this process, in MiB, or `None` where the
/// platform does not report it.
///
/// ```
/// let now = parallel_course::memory::resident_mib();
/// # if let Some(m) = now { assert!(m > 0.0); }
/// ```
pub fn resident_mib() -> Option<f64> {
    memory_stats::memory_stats().map(|s| s.physical_mem as f64 / MIB)
}

/// One reading: seconds since the run started, resident memory in MiB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemorySample {
    /// Seconds since the start of the run.
    pub time: f64,
    /// Resident memory of the process, in MiB.
    pub mib: f64,
}

/// The result of [`memory_usage`].
///
/// Its `Display` is `%memit`'s line:
/// `peak memory: 873.45 MiB, increment: 762.94 MiB`.
#[derive(Debug, Clone)]
pub struct MemoryProfile<T> {
    /// The readings, the first taken just before the closure started and
    /// the last just after it returned.
    pub samples: Vec<MemorySample>,
    /// Resident memory just before the run, in MiB.
    pub baseline: f64,
    /// The highest resident memory during the run, in MiB.
    pub peak: f64,
    /// `peak - baseline`, in MiB: what the closure added at its worst.
    pub increment: f64,
    /// Whether `peak` comes from the kernel's high-water mark (exact) or
    /// from the samples (may miss a peak shorter than the interval).
    pub exact_peak: bool,
    /// The sampling interval used.
    pub interval: Duration,
    /// Wall-clock duration of the run.
    pub wall: Duration,
    /// What the closure returned.
    pub value: T,
}

impl<T> MemoryProfile<T> {
    /// The samples as `(seconds, MiB)` points, ready to plot.
    pub fn points(&self) -> Vec<(f64, f64)> {
        self.samples.iter().map(|s| (s.time, s.mib)).collect()
    }

    /// Returns the closure's value, dropping the profile.
    pub fn into_value(self) -> T {
        self.value
    }

    /// Plots memory against time.
    ///
    /// # Errors
    ///
    /// [`Error::Plot`] if drawing fails.
    pub fn plot(&self) -> Result<Figure> {
        MemoryChart::new().add("run", self).draw()
    }

    /// Shows `%memit`'s line in the notebook.
    pub fn evcxr_display(&self) {
        crate::display::emit(&[("text/plain", &self.to_string())]);
    }
}

impl<T> std::fmt::Display for MemoryProfile<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "peak memory: {:.2} MiB, increment: {:.2} MiB",
            self.peak, self.increment
        )
    }
}

/// Builder for memory profiling with a chosen sampling interval.
///
/// ```
/// use std::time::Duration;
/// use parallel_course::memory::MemorySampler;
///
/// let p = MemorySampler::new()
///     .interval(Duration::from_millis(5))
///     .run(|| vec![1u8; 50 << 20].len())?;
/// assert_eq!(p.value, 50 << 20);
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MemorySampler {
    interval: Duration,
}

impl Default for MemorySampler {
    fn default() -> Self {
        MemorySampler::new()
    }
}

impl MemorySampler {
    /// A sampler with the default 10 ms interval.
    pub fn new() -> Self {
        MemorySampler {
            interval: DEFAULT_INTERVAL,
        }
    }

    /// Sets the sampling interval (1 ms or more; checked by
    /// [`run`](MemorySampler::run)).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Runs `f` once while sampling resident memory.
    ///
    /// If `f` panics, the sampler thread is stopped and joined first and
    /// then the panic continues, so no thread is left behind.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the interval is below 1 ms; `f` is
    /// not run in that case.
    pub fn run<T, F: FnOnce() -> T>(&self, f: F) -> Result<MemoryProfile<T>> {
        crate::limits::interval("interval", self.interval)?;
        if self.interval < MIN_INTERVAL {
            return Err(Error::invalid(
                "interval",
                format!("{:?}", self.interval),
                "1 ms or more (the default is 10 ms)",
            ));
        }
        let interval = self.interval;
        let lifetime_peak_before = high_water::lifetime_peak_mib();
        let high_water_reset = high_water::reset();
        let baseline = resident_mib().unwrap_or(0.0);
        let mut live = crate::display::Live::start(
            "memory",
            "memory: sampling",
            Duration::from_millis(250),
        );
        let sampler = move |start: Instant, stop: mpsc::Receiver<()>| {
            let mut samples = Vec::new();
            let mut peak = baseline;
            loop {
                if let Some(mib) = resident_mib() {
                    samples.push(MemorySample {
                        time: start.elapsed().as_secs_f64(),
                        mib,
                    });
                    peak = peak.max(mib);
                    if let Some(view) = live.as_mut() {
                        view.text(&format!(
                            "memory after {:.1} s: {mib:.1} MiB now, {peak:.1} MiB at most so far \
                             (live, while the work runs)",
                            start.elapsed().as_secs_f64()
                        ));
                    }
                }
                match stop.recv_timeout(interval) {
                    Err(mpsc::RecvTimeoutError::Timeout) => continue,
                    _ => break,
                }
            }
            if let Some(view) = live.as_mut() {
                view.now(&[(
                    "text/plain",
                    &format!(
                        "memory: {} readings (done: the result follows)",
                        samples.len()
                    ),
                )]);
            }
            samples
        };
        let Sampled {
            value,
            readings: mut samples,
            wall,
        } = run_sampled("memory-sampler", sampler, f)?;
        let end_mib = resident_mib();
        if let Some(mib) = end_mib {
            samples.push(MemorySample {
                time: wall.as_secs_f64(),
                mib,
            });
        }
        samples.insert(
            0,
            MemorySample {
                time: 0.0,
                mib: baseline,
            },
        );
        let sampled_peak = samples.iter().map(|s| s.mib).fold(baseline, f64::max);
        // The exact peak: the kernel's high-water mark if it could be reset;
        // else the lifetime peak, if this run raised it (then the run's own
        // peak is that new lifetime peak); else only the samples.
        let hwm = high_water_reset
            .then(high_water::read_mib)
            .flatten()
            .or_else(|| {
                let after = high_water::lifetime_peak_mib()?;
                (after > lifetime_peak_before? + 0.01).then_some(after)
            });
        let peak = hwm.map_or(sampled_peak, |h| h.max(sampled_peak));
        Ok(MemoryProfile {
            samples,
            baseline,
            peak,
            increment: (peak - baseline).max(0.0),
            exact_peak: hwm.is_some(),
            interval,
            wall,
            value,
        })
    }
}

/// Runs `f` once while sampling resident memory every 10 ms; see
/// [`MemorySampler`] for another interval.
///
/// ```
/// use parallel_course::memory::memory_usage;
///
/// let p = memory_usage(|| {
///     let v = vec![7u64; 20_000_000]; // 160 MB, touched
///     v.iter().sum::<u64>()
/// })?;
/// assert_eq!(p.value, 140_000_000);
/// assert!(p.increment > 100.0, "{p}");
/// println!("{p}"); // peak memory: ... MiB, increment: ... MiB
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Io`] if the sampler thread cannot start (`f`
/// is not run then), like [`monitor_cpus`](crate::cpu::monitor_cpus).
pub fn memory_usage<T, F: FnOnce() -> T>(f: F) -> Result<MemoryProfile<T>> {
    MemorySampler::new().run(f)
}

/// Several memory profiles drawn on one chart, for comparison.
///
/// ```
/// use parallel_course::memory::{memory_usage, MemoryChart};
///
/// let big = memory_usage(|| vec![1u8; 64 << 20].len())?;
/// let small = memory_usage(|| vec![1u8; 1 << 20].len())?;
/// let fig = MemoryChart::new().add("64 MiB", &big).add("1 MiB", &small).draw()?;
/// assert!(fig.svg().contains("64 MiB"));
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MemoryChart {
    chart: LineChart,
}

impl Default for MemoryChart {
    fn default() -> Self {
        MemoryChart::new()
    }
}

impl MemoryChart {
    /// An empty chart titled "Memory usage".
    pub fn new() -> Self {
        MemoryChart {
            chart: LineChart::new("Memory usage", "time [s]", "resident memory [MiB]"),
        }
    }

    /// Adds one profile as a line.
    pub fn add<T>(mut self, label: &str, profile: &MemoryProfile<T>) -> Self {
        self.chart = self.chart.line_with_markers(label, profile.points());
        self
    }

    /// Draws the chart.
    ///
    /// # Errors
    ///
    /// [`Error::Plot`] if no profile was added or drawing fails.
    pub fn draw(&self) -> Result<Figure> {
        self.chart.draw()
    }
}

/// The kernel's resident-memory high-water mark, on Linux.
mod high_water {
    /// Resets the high-water mark to the current RSS. Returns whether it
    /// worked (it needs Linux 4.0+ and a writable `/proc/self/clear_refs`).
    pub(super) fn reset() -> bool {
        cfg!(target_os = "linux") && std::fs::write("/proc/self/clear_refs", "5").is_ok()
    }

    /// The largest resident size this process ever had (`ru_maxrss`), in
    /// MiB. It cannot be reset.
    pub(super) fn lifetime_peak_mib() -> Option<f64> {
        #[cfg(unix)]
        {
            let maxrss = crate::os::rusage_self()?.ru_maxrss as f64;
            // Kilobytes on Linux and the BSDs, bytes on macOS.
            let bytes = if cfg!(target_os = "macos") {
                maxrss
            } else {
                maxrss * 1024.0
            };
            Some(bytes / (1024.0 * 1024.0))
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    /// `VmHWM` from `/proc/self/status`, in MiB.
    pub(super) fn read_mib() -> Option<f64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_interval_is_rejected_without_running_the_closure() {
        let mut ran = false;
        let err = MemorySampler::new()
            .interval(Duration::ZERO)
            .run(|| ran = true)
            .unwrap_err();
        assert!(!ran);
        assert!(err.to_string().contains("`interval`"), "{err}");
        assert!(err.to_string().contains("1 ms or more"), "{err}");
    }

    #[test]
    fn the_sampler_thread_reads_memory_during_the_run_in_time_order() {
        let p = memory_usage(|| std::thread::sleep(Duration::from_millis(30))).unwrap();
        let wall = p.wall.as_secs_f64();
        // The first and last readings are taken around the run; the ones
        // between come from the sampler thread, which reads at once when
        // it starts.
        let during = &p.samples[1..p.samples.len() - 1];
        assert!(
            !during.is_empty(),
            "no reading from the sampler: {:?}",
            p.samples
        );
        for s in during {
            assert!(s.time >= 0.0 && s.time <= wall, "{s:?} outside 0..={wall}");
            assert!(s.mib > 1.0, "a process resident in under 1 MiB: {s:?}");
        }
        assert!(p.samples.windows(2).all(|w| w[0].time <= w[1].time));
    }

    #[test]
    fn display_is_the_memit_line() {
        let p = MemoryProfile {
            samples: vec![],
            baseline: 100.0,
            peak: 870.123,
            increment: 770.123,
            exact_peak: true,
            interval: DEFAULT_INTERVAL,
            wall: Duration::ZERO,
            value: (),
        };
        assert_eq!(
            p.to_string(),
            "peak memory: 870.12 MiB, increment: 770.12 MiB"
        );
    }
}
