//! The CPU: how many cores the machine has, and how busy each one is.
//!
//! [`core_counts`] answers psutil's `cpu_count(logical=False)` and
//! `cpu_count(logical=True)`. [`monitor_cpus`] samples the utilisation of
//! every core while a closure runs and plots one line per core: the
//! in-notebook answer to "how do we know we are running in parallel?",
//! where one would otherwise watch `htop` in a terminal.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use sysinfo::{CpuRefreshKind, RefreshKind, System};

use crate::error::{Error, Result};
use crate::plot::{Figure, LineChart};
use crate::sampling::{Sampled, run_sampled};

/// The number of physical cores, or `None` if the platform does not say.
///
/// ```
/// if let Some(n) = parallel_course::cpu::physical_cores() {
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
/// assert!(parallel_course::cpu::logical_cores() >= 1);
/// ```
pub fn logical_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Physical and logical core counts together.
///
/// ```
/// let c = parallel_course::cpu::core_counts();
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

/// The smallest interval between CPU readings on this platform: 20 ms on
/// Linux, where the monitor reads the kernel's per-core tick counters in
/// `/proc/stat` directly (they advance every 10 ms); elsewhere sysinfo's
/// 200 ms, below which it ignores a refresh.
pub const MIN_CPU_INTERVAL: Duration = if cfg!(target_os = "linux") {
    Duration::from_millis(20)
} else {
    sysinfo::MINIMUM_CPU_UPDATE_INTERVAL
};

/// The default interval between readings: 50 ms on Linux (five ticks of the
/// kernel's counters, so a reading moves in steps of at most 20 %), the
/// minimum elsewhere.
pub const DEFAULT_CPU_INTERVAL: Duration = if cfg!(target_os = "linux") {
    Duration::from_millis(50)
} else {
    MIN_CPU_INTERVAL
};

/// The default least number of readings: a closure that ends sooner is run
/// again until the monitor has this many, so every plot has a line, not a
/// dot.
pub const DEFAULT_MIN_READINGS: usize = 20;

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
    /// Wall-clock duration of all the runs together.
    pub wall: Duration,
    /// How many times the closure ran: more than once when one run was too
    /// short for the least number of readings.
    pub runs: usize,
    /// What the closure returned (in its last run).
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
        let runs = match self.runs {
            1 => String::new(),
            n => format!(" ({n} runs of the closure)"),
        };
        writeln!(
            f,
            "CPU use per core: {} readings, one every {} ms over {}{runs}:",
            self.samples.len(),
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

/// Builder for the per-core CPU monitor: how often to read, and how many
/// readings at least.
///
/// ```
/// use std::time::Duration;
/// use parallel_course::cpu::CpuMonitor;
///
/// let p = CpuMonitor::new()
///     .interval(Duration::from_millis(250))
///     .min_readings(2)
///     .run(|| std::thread::sleep(Duration::from_millis(600)))?;
/// assert_eq!(p.samples.len(), 2);
/// assert_eq!(p.runs, 1);
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CpuMonitor {
    interval: Duration,
    min_readings: usize,
}

impl Default for CpuMonitor {
    fn default() -> Self {
        CpuMonitor::new()
    }
}

impl CpuMonitor {
    /// A monitor reading every [`DEFAULT_CPU_INTERVAL`] (50 ms on Linux)
    /// until it has at least [`DEFAULT_MIN_READINGS`] (20) readings.
    pub fn new() -> Self {
        CpuMonitor {
            interval: DEFAULT_CPU_INTERVAL,
            min_readings: DEFAULT_MIN_READINGS,
        }
    }

    /// Sets the interval between readings ([`MIN_CPU_INTERVAL`] or more;
    /// checked by [`run`](CpuMonitor::run)).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets the least number of readings (1 to 100 000; checked by
    /// [`run`](CpuMonitor::run)). A closure that ends before the monitor has
    /// them is run again, as often as needed.
    pub fn min_readings(mut self, readings: usize) -> Self {
        self.min_readings = readings;
        self
    }

    /// Runs `f`, as many times as it takes to get the least number of
    /// readings, while reading every core's utilisation. A panic in `f`
    /// stops the monitor thread and then continues.
    ///
    /// A reading covers one whole interval; the partial interval after the
    /// last run of `f` is dropped. The value is that of the last run.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an interval under
    /// [`MIN_CPU_INTERVAL`] or a least number of readings outside 1 to
    /// 100 000 (`f` is not run then), [`Error::Worker`] if the platform has
    /// no CPU statistics.
    pub fn run<T, F: FnMut() -> T>(&self, mut f: F) -> Result<CpuProfile<T>> {
        crate::limits::interval("interval", self.interval)?;
        if self.interval < MIN_CPU_INTERVAL {
            return Err(Error::invalid(
                "interval",
                format!("{:?}", self.interval),
                if cfg!(target_os = "linux") {
                    "20 ms or more (the kernel's CPU counters advance every 10 ms)"
                } else {
                    "200 ms or more (the operating system's CPU counters need that long between readings)"
                },
            ));
        }
        if !(1..=100_000).contains(&self.min_readings) {
            return Err(Error::invalid(
                "min_readings",
                self.min_readings,
                "1 to 100 000 readings",
            ));
        }
        let mut counters = CpuCounters::open()?;
        let interval = self.interval;
        let mut live = crate::display::Live::start(
            "cpu-monitor",
            "CPU use per core: the first readings are coming",
            Duration::from_millis(500),
        );
        let taken = Arc::new(AtomicUsize::new(0));
        let taken_by_monitor = Arc::clone(&taken);
        let monitor = move |start: Instant, stop: mpsc::Receiver<()>| {
            let mut samples = Vec::new();
            let mut read = |samples: &mut Vec<CpuSample>| {
                let per_core = counters.read();
                samples.push(CpuSample {
                    time: start.elapsed().as_secs_f64(),
                    per_core,
                });
                taken_by_monitor.store(samples.len(), Ordering::Release);
                if let Some(view) = live.as_mut().filter(|v| v.due()) {
                    show_live(view, samples, interval, start.elapsed(), false);
                }
            };
            let mut last = Instant::now();
            loop {
                let next = last + interval;
                let wait = next.saturating_duration_since(Instant::now());
                match stop.recv_timeout(wait) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        read(&mut samples);
                        last = Instant::now();
                    }
                    _ => break,
                }
            }
            if let Some(view) = live.as_mut() {
                show_live(view, &samples, interval, start.elapsed(), true);
            }
            samples
        };
        let min_readings = self.min_readings;
        let repeated = move || {
            let mut runs = 1;
            let mut value = f();
            while taken.load(Ordering::Acquire) < min_readings {
                crate::interrupt::check("the CPU monitor");
                value = f();
                runs += 1;
            }
            (value, runs)
        };
        let Sampled {
            value: (value, runs),
            readings: samples,
            wall,
        } = run_sampled("cpu-monitor", monitor, repeated)?;
        Ok(CpuProfile {
            samples,
            interval,
            wall,
            runs,
            value,
        })
    }
}

/// Draws the readings so far in the live view: the chart as it grows, and
/// the text rows; the last view says the final chart follows.
fn show_live(
    view: &mut crate::display::Live,
    samples: &[CpuSample],
    interval: Duration,
    wall: Duration,
    last: bool,
) {
    let so_far = CpuProfile {
        samples: samples.to_vec(),
        interval,
        wall,
        runs: 1,
        value: (),
    };
    let text = if last {
        format!("{so_far}\n(done: the result follows)")
    } else {
        format!("{so_far}\n(live, while the work runs)")
    };
    match so_far.plot() {
        Ok(fig) if !last => {
            view.now(&[("text/plain", &text), ("text/html", &fig.to_html())])
        }
        _ => view.now(&[("text/plain", &text)]),
    }
}

/// The per-core busy and total time counters, read twice to give the
/// utilisation in between.
enum CpuCounters {
    /// Linux: `/proc/stat`, in ticks of 10 ms; the previous reading.
    #[cfg(target_os = "linux")]
    ProcStat(Vec<CoreTicks>),
    /// Elsewhere: sysinfo, which keeps the previous reading itself.
    Sysinfo(Box<System>),
}

impl CpuCounters {
    fn open() -> Result<Self> {
        #[cfg(target_os = "linux")]
        if let Some(ticks) = read_proc_stat() {
            return Ok(CpuCounters::ProcStat(ticks));
        }
        let kind =
            RefreshKind::nothing().with_cpu(CpuRefreshKind::nothing().with_usage());
        let sys = System::new_with_specifics(kind)
            .map_err(|e| Error::Worker(format!("cannot read CPU statistics: {e}")))?;
        Ok(CpuCounters::Sysinfo(Box::new(sys)))
    }

    /// Each core's utilisation in percent since the previous call.
    fn read(&mut self) -> Vec<f32> {
        match self {
            #[cfg(target_os = "linux")]
            CpuCounters::ProcStat(previous) => {
                let Some(now) = read_proc_stat() else {
                    return vec![0.0; previous.len()];
                };
                let usage = now
                    .iter()
                    .zip(previous.iter())
                    .map(|(n, p)| n.utilisation_since(p))
                    .collect();
                *previous = now;
                usage
            }
            CpuCounters::Sysinfo(sys) => {
                sys.refresh_cpu_usage();
                sys.cpus().iter().map(|c| c.usage()).collect()
            }
        }
    }
}

/// One core's counters from `/proc/stat`, in ticks since boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CoreTicks {
    /// Ticks spent running anything: user, nice, system, irq, softirq, steal.
    busy: u64,
    /// All ticks, idle and I/O wait included.
    total: u64,
}

impl CoreTicks {
    /// Percent of the ticks between `earlier` and `self` that were busy; 0
    /// if no tick passed.
    fn utilisation_since(&self, earlier: &CoreTicks) -> f32 {
        let total = self.total.saturating_sub(earlier.total);
        let busy = self.busy.saturating_sub(earlier.busy).min(total);
        if total == 0 {
            0.0
        } else {
            (busy as f64 * 100.0 / total as f64) as f32
        }
    }
}

#[cfg(target_os = "linux")]
fn read_proc_stat() -> Option<Vec<CoreTicks>> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let cores = parse_proc_stat(&text);
    (!cores.is_empty()).then_some(cores)
}

/// The per-core lines of `/proc/stat` (`cpu0 …`, `cpu1 …`, not the `cpu`
/// total), in order. Fields: user nice system idle iowait irq softirq steal
/// (guest time is already counted in user).
fn parse_proc_stat(text: &str) -> Vec<CoreTicks> {
    text.lines()
        .filter(|line| {
            line.strip_prefix("cpu")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .map(|line| {
            let fields: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .take(8)
                .map(|x| x.parse().unwrap_or(0))
                .collect();
            let field = |i: usize| fields.get(i).copied().unwrap_or(0);
            let idle = field(3) + field(4);
            let total: u64 = fields.iter().sum();
            CoreTicks {
                busy: total - idle,
                total,
            }
        })
        .collect()
}

/// Runs `f` while reading every core's utilisation every 50 ms (on Linux;
/// 200 ms elsewhere), running it again if needed until there are at least
/// 20 readings. See [`CpuMonitor`] to choose other values.
///
/// ```
/// use parallel_course::cpu::monitor_cpus;
///
/// let p = monitor_cpus(|| (0..5_000_000u64).map(|x| x ^ (x >> 3)).sum::<u64>())?;
/// println!("{p}");
/// assert!(p.cores() >= 1);
/// assert!(p.samples.len() >= 20);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Worker`] if the platform has no CPU statistics.
pub fn monitor_cpus<T, F: FnMut() -> T>(f: F) -> Result<CpuProfile<T>> {
    CpuMonitor::new().run(f)
}

/// The calling thread held on one CPU until this value is dropped, when
/// the CPUs it was allowed before are given back.
///
/// For a comparison of two timings: on a virtual machine whose CPUs are
/// shared with other machines, one CPU can run at two thirds of another's
/// speed for seconds at a time, so two measurements taken on different
/// CPUs differ by more than what they compare. Holding both on one CPU
/// takes that out. Linux only; elsewhere nothing is held and
/// [`cpu`](Self::cpu) is `None`.
///
/// ```
/// use parallel_course::cpu::PinnedThread;
/// let pinned = PinnedThread::here();
/// if let Some(cpu) = pinned.cpu() {
///     // Start the other side of the comparison with `cpu`, and hold it there with PinnedThread::to(cpu).
///     assert!(cpu < 4096);
/// }
/// drop(pinned); // the thread may run anywhere again
/// ```
#[derive(Debug)]
pub struct PinnedThread {
    cpu: Option<usize>,
    #[cfg(target_os = "linux")]
    before: Option<Box<libc::cpu_set_t>>,
}

impl PinnedThread {
    /// Holds the calling thread on the CPU it is running on now.
    pub fn here() -> PinnedThread {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: sched_getcpu has no arguments and no memory effects.
            let cpu = unsafe { libc::sched_getcpu() };
            match usize::try_from(cpu) {
                Ok(cpu) => PinnedThread::to(cpu),
                Err(_) => PinnedThread::none(),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            PinnedThread::none()
        }
    }

    /// Holds the calling thread on CPU `cpu`; holds nothing (and
    /// [`cpu`](Self::cpu) is `None`) when this thread may not run there.
    pub fn to(cpu: usize) -> PinnedThread {
        #[cfg(target_os = "linux")]
        {
            if cpu >= libc::CPU_SETSIZE as usize {
                return PinnedThread::none();
            }
            let size = std::mem::size_of::<libc::cpu_set_t>();
            // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it
            // and sched_setaffinity reads it, for this thread (0).
            unsafe {
                let mut before: Box<libc::cpu_set_t> = Box::new(std::mem::zeroed());
                if libc::sched_getaffinity(0, size, &mut *before) != 0 {
                    return PinnedThread::none();
                }
                let mut one: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(cpu, &mut one);
                if libc::sched_setaffinity(0, size, &one) != 0 {
                    return PinnedThread::none();
                }
                PinnedThread {
                    cpu: Some(cpu),
                    before: Some(before),
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = cpu;
            PinnedThread::none()
        }
    }

    fn none() -> PinnedThread {
        PinnedThread {
            cpu: None,
            #[cfg(target_os = "linux")]
            before: None,
        }
    }

    /// The CPU the thread is held on, if it is held.
    pub fn cpu(&self) -> Option<usize> {
        self.cpu
    }
}

impl Drop for PinnedThread {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some(before) = &self.before {
            // SAFETY: as in `to`: gives this thread its earlier CPUs back.
            unsafe {
                libc::sched_setaffinity(
                    0,
                    std::mem::size_of::<libc::cpu_set_t>(),
                    &**before,
                );
            }
        }
    }
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
        assert!(err.to_string().contains("ms or more"), "{err}");
    }

    #[test]
    fn zero_min_readings_is_rejected_without_running_the_closure() {
        let mut ran = false;
        let err = CpuMonitor::new()
            .min_readings(0)
            .run(|| ran = true)
            .unwrap_err();
        assert!(err.to_string().contains("1 to 100 000"), "{err}");
        assert!(!ran);
    }

    #[test]
    fn a_closure_shorter_than_one_interval_runs_until_the_first_reading() {
        let p = CpuMonitor::new().min_readings(1).run(|| 1 + 1).unwrap();
        assert_eq!(p.samples.len(), 1);
        assert!(p.runs > 1, "{p}");
        assert!(p.samples[0].time >= DEFAULT_CPU_INTERVAL.as_secs_f64() * 0.99);
    }

    #[test]
    fn a_short_closure_is_repeated_until_there_are_enough_readings() {
        let mut calls = 0;
        let p = CpuMonitor::new()
            .interval(MIN_CPU_INTERVAL)
            .min_readings(5)
            .run(|| {
                calls += 1;
                std::thread::sleep(MIN_CPU_INTERVAL);
                calls
            })
            .unwrap();
        assert!(p.samples.len() >= 5, "{p}");
        assert!(p.runs >= 2, "{p}");
        assert_eq!(p.value, p.runs);
        assert!(
            p.to_string()
                .contains(&format!("({} runs of the closure)", p.runs))
        );
    }

    #[test]
    fn proc_stat_lines_become_busy_and_total_ticks_per_core() {
        let text = "cpu  10 0 10 80 0 0 0 0 0 0\n\
                    cpu0 4 1 3 90 2 0 0 0 0 0\n\
                    cpu1 6 0 7 70 0 1 1 5 0 0\n\
                    intr 123\nctxt 456\n";
        let cores = parse_proc_stat(text);
        assert_eq!(
            cores,
            vec![
                CoreTicks {
                    busy: 8,
                    total: 100
                },
                CoreTicks {
                    busy: 20,
                    total: 90
                },
            ]
        );
        let later = CoreTicks {
            busy: 13,
            total: 110,
        };
        assert_eq!(later.utilisation_since(&cores[0]), 50.0);
        assert_eq!(cores[0].utilisation_since(&cores[0]), 0.0);
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

    #[cfg(target_os = "linux")]
    #[test]
    fn a_pinned_thread_runs_on_its_cpu_and_gets_its_cpus_back() {
        let all = allowed_cpus();
        let &last = all.last().expect("this process may run somewhere");
        {
            let pinned = PinnedThread::to(last);
            assert_eq!(pinned.cpu(), Some(last));
            assert_eq!(allowed_cpus(), vec![last]);
            // SAFETY: no arguments, no memory effects.
            assert_eq!(unsafe { libc::sched_getcpu() }, last as i32);
        }
        assert_eq!(allowed_cpus(), all);
        assert_eq!(PinnedThread::to(1 << 20).cpu(), None);
        assert_eq!(allowed_cpus(), all);
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
