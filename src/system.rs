//! The machine: how many cores it has, and how busy each one is.
//!
//! [`core_counts`] answers psutil's `cpu_count(logical=False)` and
//! `cpu_count(logical=True)`. [`monitor_cpus`] samples the utilisation of
//! every core while a closure runs and plots one line per core: the
//! in-notebook answer to "how do we know we are running in parallel?",
//! where one would otherwise watch `htop` in a terminal.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use sysinfo::{CpuRefreshKind, RefreshKind, System};

use crate::error::{Error, Result};
use crate::plot::{Figure, LineChart};
use crate::sampling::{Sampled, run_sampled};

/// The number of physical cores, or `None` if the platform does not say.
///
/// ```
/// if let Some(n) = parallel_course::system::physical_cores() {
///     assert!(n >= 1);
/// }
/// ```
pub fn physical_cores() -> Option<usize> {
    System::physical_core_count().ok().filter(|&n| n > 0)
}

/// The number of logical cores this process may use: what rayon sizes its
/// default pool by. It honours CPU affinity and container quotas.
///
/// ```
/// assert!(parallel_course::system::logical_cores() >= 1);
/// ```
pub fn logical_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Physical and logical core counts together.
///
/// ```
/// let c = parallel_course::system::core_counts();
/// println!("{c}"); // e.g. "4 physical cores, 8 logical cores"
/// assert!(c.logical >= 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoreCounts {
    /// Physical cores, if known.
    pub physical: Option<usize>,
    /// Logical cores (hardware threads) available to this process.
    pub logical: usize,
}

/// Counts the cores; see [`physical_cores`] and [`logical_cores`].
pub fn core_counts() -> CoreCounts {
    CoreCounts {
        physical: physical_cores(),
        logical: logical_cores(),
    }
}

impl CoreCounts {
    /// Logical cores per physical core: 2 with hyper-threading (SMT), 1
    /// without, `None` if the physical count is unknown.
    pub fn threads_per_core(&self) -> Option<f64> {
        self.physical.map(|p| self.logical as f64 / p as f64)
    }

    /// Shows the counts in the notebook.
    pub fn evcxr_display(&self) {
        crate::display::emit(&[("text/plain", &self.to_string())]);
    }
}

impl std::fmt::Display for CoreCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        match self.physical {
            Some(p) => write!(f, "{p} physical core{}, ", plural(p))?,
            None => write!(f, "physical cores unknown, ")?,
        }
        write!(f, "{} logical core{}", self.logical, plural(self.logical))
    }
}

/// The smallest interval between CPU readings, and the default: 200 ms
/// on Linux, macOS and Windows. Utilisation is the difference of two
/// readings of the operating system's counters; sysinfo ignores readings
/// taken closer together than this.
pub const MIN_CPU_INTERVAL: Duration = sysinfo::MINIMUM_CPU_UPDATE_INTERVAL;

/// One reading of every core: seconds since the start, and each core's
/// utilisation in percent (0–100) over the preceding interval.
#[derive(Debug, Clone, PartialEq)]
pub struct CpuSample {
    /// Seconds since the monitor started.
    pub time: f64,
    /// Utilisation per core, in percent.
    pub per_core: Vec<f32>,
}

/// The result of [`monitor_cpus`]: per-core utilisation over time, and
/// the closure's value.
///
/// Its `Display` draws one row per core with a bar per reading and the
/// mean, e.g. `cpu 0 ▁▇███▇▁  mean  81 %`. Its `evcxr_display` shows the
/// plot.
#[derive(Debug, Clone)]
pub struct CpuProfile<T> {
    /// The readings, one every interval while the closure ran.
    pub samples: Vec<CpuSample>,
    /// The interval between readings.
    pub interval: Duration,
    /// Wall-clock duration of the run.
    pub wall: Duration,
    /// What the closure returned.
    pub value: T,
}

impl<T> CpuProfile<T> {
    /// The number of cores monitored.
    pub fn cores(&self) -> usize {
        self.samples.first().map_or(0, |s| s.per_core.len())
    }

    /// Each core's mean utilisation over the run, in percent.
    pub fn mean_per_core(&self) -> Vec<f64> {
        (0..self.cores())
            .map(|c| {
                let xs: Vec<f64> = self
                    .samples
                    .iter()
                    .filter_map(|s| s.per_core.get(c).map(|&u| u as f64))
                    .collect();
                crate::stats::mean(&xs).unwrap_or(0.0)
            })
            .collect()
    }

    /// How many cores were busy on average: the sum of the per-core means
    /// divided by 100. About 1 for a serial program, close to the core
    /// count for a well-parallelised one.
    pub fn busy_cores(&self) -> f64 {
        self.mean_per_core().iter().sum::<f64>() / 100.0
    }

    /// Returns the closure's value, dropping the profile.
    pub fn into_value(self) -> T {
        self.value
    }

    /// Plots utilisation against time, one line per core.
    ///
    /// # Errors
    ///
    /// [`Error::Plot`] if there are no readings or drawing fails.
    pub fn plot(&self) -> Result<Figure> {
        let mut chart = LineChart::new("CPU use per core", "time [s]", "utilisation [%]")
            .y_max(100.0)
            .legend_at(plotters::chart::SeriesLabelPosition::MiddleRight);
        for c in 0..self.cores() {
            chart = chart.line_with_markers(
                format!("cpu {c}"),
                self.samples
                    .iter()
                    .map(|s| (s.time, s.per_core.get(c).copied().unwrap_or(0.0) as f64)),
            );
        }
        chart.draw()
    }

    /// Shows the plot in the notebook, with the text rows as fallback.
    pub fn evcxr_display(&self) {
        let text = self.to_string();
        match self.plot() {
            Ok(fig) => crate::display::emit(&[
                ("text/plain", &text),
                ("text/html", &fig.to_html()),
            ]),
            Err(_) => crate::display::emit(&[("text/plain", &text)]),
        }
    }
}

impl<T> std::fmt::Display for CpuProfile<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
        writeln!(
            f,
            "CPU use per core, one reading every {} ms over {}:",
            self.interval.as_millis(),
            crate::format::format_seconds(self.wall.as_secs_f64(), 3)
        )?;
        let means = self.mean_per_core();
        let width = self.cores().saturating_sub(1).to_string().len();
        for (c, mean) in means.iter().enumerate() {
            let bars: String = self
                .samples
                .iter()
                .map(|s| {
                    let u = s.per_core.get(c).copied().unwrap_or(0.0).clamp(0.0, 100.0);
                    BARS[((u / 100.0) * 7.0).round() as usize]
                })
                .collect();
            writeln!(f, "cpu {c:>width$} {bars}  mean {mean:>3.0} %")?;
        }
        write!(f, "busy cores on average: {:.2}", self.busy_cores())
    }
}

/// Builder for the per-core CPU monitor.
///
/// ```
/// use std::time::Duration;
/// use parallel_course::system::CpuMonitor;
///
/// let p = CpuMonitor::new()
///     .interval(Duration::from_millis(250))
///     .run(|| std::thread::sleep(Duration::from_millis(600)))?;
/// assert_eq!(p.samples.len(), 2);
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CpuMonitor {
    interval: Duration,
}

impl Default for CpuMonitor {
    fn default() -> Self {
        CpuMonitor::new()
    }
}

impl CpuMonitor {
    /// A monitor reading every [`MIN_CPU_INTERVAL`] (200 ms).
    pub fn new() -> Self {
        CpuMonitor {
            interval: MIN_CPU_INTERVAL,
        }
    }

    /// Sets the interval between readings ([`MIN_CPU_INTERVAL`] or more;
    /// checked by [`run`](CpuMonitor::run)).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Runs `f` once while reading every core's utilisation. A panic in
    /// `f` stops the monitor thread and then continues.
    ///
    /// A reading covers one whole interval. When `f` ends, the partial
    /// interval is dropped, except for a run shorter than one interval:
    /// then the monitor completes the interval and reports that one
    /// reading, idle tail included.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an interval under
    /// [`MIN_CPU_INTERVAL`] (`f` is not run then), [`Error::Worker`] if
    /// the platform has no CPU statistics.
    pub fn run<T, F: FnOnce() -> T>(&self, f: F) -> Result<CpuProfile<T>> {
        if self.interval < MIN_CPU_INTERVAL {
            return Err(Error::invalid(
                "interval",
                format!("{:?}", self.interval),
                "200 ms or more (the operating system's CPU counters need that long between readings)",
            ));
        }
        let kind =
            RefreshKind::nothing().with_cpu(CpuRefreshKind::nothing().with_usage());
        let mut sys = System::new_with_specifics(kind)
            .map_err(|e| Error::Worker(format!("cannot read CPU statistics: {e}")))?;
        let interval = self.interval;
        let monitor = move |start: Instant, stop: mpsc::Receiver<()>| {
            let mut samples = Vec::new();
            let read = |sys: &mut System, samples: &mut Vec<CpuSample>| {
                sys.refresh_cpu_usage();
                samples.push(CpuSample {
                    time: start.elapsed().as_secs_f64(),
                    per_core: sys.cpus().iter().map(|c| c.usage()).collect(),
                });
            };
            let mut last = Instant::now();
            loop {
                let next = last + interval;
                let wait = next.saturating_duration_since(Instant::now());
                match stop.recv_timeout(wait) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        read(&mut sys, &mut samples);
                        last = Instant::now();
                    }
                    _ => {
                        if samples.is_empty() {
                            std::thread::sleep(
                                next.saturating_duration_since(Instant::now()),
                            );
                            read(&mut sys, &mut samples);
                        }
                        break samples;
                    }
                }
            }
        };
        let Sampled {
            value,
            readings: samples,
            wall,
        } = run_sampled("cpu-monitor", monitor, f)?;
        Ok(CpuProfile {
            samples,
            interval,
            wall,
            value,
        })
    }
}

/// Runs `f` once while reading every core's utilisation every 200 ms.
///
/// ```
/// use parallel_course::system::monitor_cpus;
///
/// let p = monitor_cpus(|| (0..50_000_000u64).map(|x| x ^ (x >> 3)).sum::<u64>())?;
/// println!("{p}");
/// assert!(p.cores() >= 1);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Worker`] if the platform has no CPU statistics.
pub fn monitor_cpus<T, F: FnOnce() -> T>(f: F) -> Result<CpuProfile<T>> {
    CpuMonitor::new().run(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_short_interval_is_rejected() {
        let err = CpuMonitor::new()
            .interval(Duration::from_millis(1))
            .run(|| ())
            .unwrap_err();
        assert!(err.to_string().contains("200 ms or more"), "{err}");
    }

    #[test]
    fn a_run_shorter_than_one_interval_still_gets_one_reading() {
        let p = monitor_cpus(|| 1 + 1).unwrap();
        assert_eq!(p.samples.len(), 1);
        assert!(p.samples[0].time >= MIN_CPU_INTERVAL.as_secs_f64() * 0.99);
    }

    /// The CPUs this process may run on (its affinity mask).
    #[cfg(target_os = "linux")]
    fn allowed_cpus() -> Vec<usize> {
        // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            if libc::sched_getaffinity(
                0,
                std::mem::size_of::<libc::cpu_set_t>(),
                &mut set,
            ) != 0
            {
                return Vec::new();
            }
            (0..libc::CPU_SETSIZE as usize)
                .filter(|&c| libc::CPU_ISSET(c, &set))
                .collect()
        }
    }

    /// Keeps one thread, pinned to `cpu`, busy for 700 ms under the monitor.
    #[cfg(target_os = "linux")]
    fn monitor_a_thread_pinned_to(cpu: usize) -> CpuProfile<bool> {
        monitor_cpus(|| {
            std::thread::spawn(move || {
                // SAFETY: cpu_set_t is plain data; the call pins this thread.
                let pinned = unsafe {
                    let mut set: libc::cpu_set_t = std::mem::zeroed();
                    libc::CPU_SET(cpu, &mut set);
                    libc::sched_setaffinity(
                        0,
                        std::mem::size_of::<libc::cpu_set_t>(),
                        &set,
                    ) == 0
                };
                let start = Instant::now();
                let mut x = 0u64;
                while start.elapsed() < Duration::from_millis(700) {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
                pinned
            })
            .join()
            .unwrap_or(false)
        })
        .unwrap()
    }

    /// A thread pinned to the first allowed core, then to the last, shows
    /// as that core busy each time: a monitor that mixed up or averaged
    /// the cores would fail whenever the other cores are not saturated.
    /// Other load cannot make the pinned core look idle (it only adds to
    /// the busy thread), so the check holds on a loaded machine too.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_pinned_to_a_core_shows_as_that_core_busy() {
        let cpus = allowed_cpus();
        let (Some(&first), Some(&last)) = (cpus.first(), cpus.last()) else {
            panic!("cannot read this process's CPU affinity");
        };
        for cpu in [first, last] {
            let p = monitor_a_thread_pinned_to(cpu);
            assert!(p.value, "could not pin a thread to CPU {cpu}");
            assert!(p.samples.len() >= 3);
            let means = p.mean_per_core();
            assert!(
                cpu < means.len(),
                "CPU {cpu} not among {} monitored",
                means.len()
            );
            assert!(means[cpu] > 80.0, "CPU {cpu} was pinned busy: {means:?}");
            assert!(p.busy_cores() > 0.8, "{p}");
        }
    }

    #[test]
    fn core_counts_read_like_psutil() {
        let c = CoreCounts {
            physical: Some(4),
            logical: 8,
        };
        assert_eq!(c.to_string(), "4 physical cores, 8 logical cores");
        assert_eq!(c.threads_per_core(), Some(2.0));
        let c = CoreCounts {
            physical: None,
            logical: 1,
        };
        assert_eq!(c.to_string(), "physical cores unknown, 1 logical core");
    }
}
