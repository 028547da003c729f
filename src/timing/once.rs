//! One-shot timing, like IPython's `%time`.

use std::time::{Duration, Instant};

/// CPU time used by the whole process (all its threads), split like
/// `getrusage` reports it.
///
/// When the CPU time of a parallel run is larger than its wall time, more
/// than one core was busy: the ratio is roughly the number of busy cores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    /// Time spent running the process's own code.
    pub user: Duration,
    /// Time the kernel spent working for the process.
    pub system: Duration,
}

impl CpuTimes {
    /// `user + system`.
    ///
    /// ```
    /// use parallel_course::timing::CpuTimes;
    /// use std::time::Duration;
    ///
    /// let t = CpuTimes { user: Duration::from_millis(30), system: Duration::from_millis(5) };
    /// assert_eq!(t.total(), Duration::from_millis(35));
    /// ```
    pub fn total(&self) -> Duration {
        self.user + self.system
    }
}

impl std::ops::Sub for CpuTimes {
    type Output = CpuTimes;
    fn sub(self, earlier: CpuTimes) -> CpuTimes {
        CpuTimes {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }
}

/// The CPU time used so far by this process, or `None` where the platform
/// does not report it.
///
/// ```
/// use parallel_course::timing::cpu_times;
///
/// if cfg!(unix) {
///     let before = cpu_times().expect("Unix reports CPU time");
///     let work: u64 = (0..20_000_000u64).map(std::hint::black_box).sum();
///     let used = cpu_times().expect("Unix reports CPU time") - before;
///     assert_eq!(work, 199_999_990_000_000);
///     assert!(used.total() > std::time::Duration::ZERO, "{used:?}");
/// }
/// ```
pub fn cpu_times() -> Option<CpuTimes> {
    #[cfg(unix)]
    {
        let usage = crate::os::rusage_self()?;
        let tv = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec.max(0) as u64)
                + Duration::from_micros(t.tv_usec.max(0) as u64)
        };
        Some(CpuTimes {
            user: tv(usage.ru_utime),
            system: tv(usage.ru_stime),
        })
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The result of [`time_once`]: the closure's value and how long one run
/// took, in wall-clock time and in CPU time.
///
/// Its `Display` is `%time`'s report:
///
/// ```text
/// CPU times: user 1.98 s, sys: 12 ms, total: 1.99 s
/// Wall time: 1.01 s
/// ```
#[derive(Debug, Clone)]
pub struct Timed<T> {
    /// What the closure returned.
    pub value: T,
    /// Elapsed wall-clock time.
    pub wall: Duration,
    /// CPU time of the whole process during the run (all threads), if the
    /// platform reports it.
    pub cpu: Option<CpuTimes>,
}

impl<T> Timed<T> {
    /// Returns the closure's value, dropping the timings.
    pub fn into_value(self) -> T {
        self.value
    }

    /// CPU time divided by wall time: about 1 for a serial run, about the
    /// number of busy cores for a parallel one.
    ///
    /// ```
    /// use parallel_course::timing::{CpuTimes, Timed};
    /// use std::time::Duration;
    ///
    /// let t = Timed {
    ///     value: (),
    ///     wall: Duration::from_secs(2),
    ///     cpu: Some(CpuTimes { user: Duration::from_secs(3), system: Duration::from_secs(1) }),
    /// };
    /// assert_eq!(t.cpu_utilisation(), Some(2.0));
    /// assert_eq!(Timed { cpu: None, ..t }.cpu_utilisation(), None);
    /// ```
    pub fn cpu_utilisation(&self) -> Option<f64> {
        let wall = self.wall.as_secs_f64();
        self.cpu
            .filter(|_| wall > 0.0)
            .map(|c| c.total().as_secs_f64() / wall)
    }

    /// Shows the report in the notebook as plain text.
    pub fn evcxr_display(&self) {
        crate::display::emit(&[("text/plain", &self.to_string())]);
    }
}

impl<T> std::fmt::Display for Timed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cpu = self.cpu.map(|c| (c.user, c.system));
        f.write_str(&crate::format::time_report(cpu, self.wall))
    }
}

/// Runs `f` once and measures it, like IPython's `%time`: wall-clock time
/// plus the user and system CPU time of the process.
///
/// ```
/// use parallel_course::timing::time_once;
///
/// let t = time_once(|| (1..=10u64).product::<u64>());
/// assert_eq!(t.value, 3_628_800);
/// let report = t.to_string(); // CPU times: user ..., sys: ..., total: ...\nWall time: ...
/// assert_eq!(report.starts_with("CPU times: user "), t.cpu.is_some());
/// assert!(report.lines().last().is_some_and(|l| l.starts_with("Wall time: ")));
/// ```
pub fn time_once<T, F: FnOnce() -> T>(f: F) -> Timed<T> {
    let watch = Stopwatch::start();
    let value = std::hint::black_box(f());
    watch.stop(value)
}

/// A running measurement of wall and CPU time, for timing code that is not
/// a closure (the [`time!`](crate::time) macro uses it, so that `?` inside
/// the timed expression returns from the cell as usual).
///
/// ```
/// use parallel_course::timing::Stopwatch;
///
/// let watch = Stopwatch::start();
/// let total: u64 = (0..1000).sum();
/// let timed = watch.stop(total);
/// assert_eq!(timed.value, 499_500);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    start: Instant,
    cpu: Option<CpuTimes>,
}

impl Stopwatch {
    /// Reads the clocks.
    pub fn start() -> Stopwatch {
        let cpu = cpu_times();
        Stopwatch {
            start: Instant::now(),
            cpu,
        }
    }

    /// Reads the clocks again and pairs the elapsed times with `value`.
    pub fn stop<T>(self, value: T) -> Timed<T> {
        let wall = self.start.elapsed();
        let cpu = cpu_times()
            .zip(self.cpu)
            .map(|(after, before)| after - before);
        Timed { value, wall, cpu }
    }
}

/// Runs an expression once, prints `%time`'s report, and evaluates to the
/// expression's value, as `%time expr` does in IPython.
///
/// The expression is not wrapped in a closure, so `?` inside it returns
/// from the surrounding function (or notebook cell) as usual.
///
/// ```
/// use parallel_course::time;
///
/// let total = time!((0..1_000u64).sum::<u64>());
/// assert_eq!(total, 499_500);
///
/// fn halve(x: u64) -> Result<u64, String> {
///     let half = time!(x.checked_div(2).ok_or("no")?);
///     Ok(half)
/// }
/// assert_eq!(halve(10), Ok(5));
/// ```
#[macro_export]
macro_rules! time {
    ($($e:tt)+) => {{
        let watch = $crate::timing::Stopwatch::start();
        let value = ::std::hint::black_box({ $($e)+ });
        let timed = watch.stop(value);
        ::std::println!("{}", timed);
        timed.value
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_value_and_a_wall_time() {
        let t = time_once(|| {
            std::thread::sleep(Duration::from_millis(5));
            42
        });
        assert_eq!(t.value, 42);
        assert!(t.wall >= Duration::from_millis(5));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn busy_work_shows_up_as_user_cpu_time() {
        // This thread's own CPU clock, read apart from `time_once`: the loop
        // spins until the thread has had 30 ms of CPU, however loaded the
        // machine (a wall-clock loop gets less CPU on a busy machine).
        fn thread_cpu() -> Duration {
            let mut ts = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: `ts` is a valid, writable timespec.
            let rc =
                unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
            assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
            Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
        }
        let wanted = Duration::from_millis(30);
        let t = time_once(|| {
            let start = thread_cpu();
            let give_up = Instant::now() + Duration::from_secs(60);
            let mut x = 0u64;
            while thread_cpu() - start < wanted && Instant::now() < give_up {
                for _ in 0..10_000 {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            x
        });
        let cpu = t.cpu.expect("getrusage works on Linux");
        assert!(cpu.total() >= wanted, "{cpu:?}");
    }

    #[test]
    fn report_has_the_time_magic_shape() {
        let t = Timed {
            value: (),
            wall: Duration::from_millis(1010),
            cpu: Some(CpuTimes {
                user: Duration::from_millis(1980),
                system: Duration::from_millis(12),
            }),
        };
        assert_eq!(
            t.to_string(),
            "CPU times: user 1.98 s, sys: 12 ms, total: 1.99 s\nWall time: 1.01 s"
        );
        assert!((t.cpu_utilisation().unwrap() - 1.972).abs() < 0.01);
    }
}
