//! Timing code from a notebook cell, the way IPython's `%timeit` and
//! `%time` do it.
//!
//! * [`time_it`] (and the [`timeit!`](crate::timeit) macro) runs a closure
//!   many times and reports the mean and standard deviation per loop, in
//!   the line IPython users know:
//!   `12.3 ms ± 456 µs per loop (mean ± std. dev. of 7 runs, 10 loops each)`.
//! * [`Timer`] is the builder for the rest: a fixed number of loops (`-n`),
//!   of runs (`-r`), or a shorter calibration target.
//! * [`time_once`] (and [`time!`](crate::time)) runs a closure once and
//!   reports wall-clock and CPU time, like `%time`, returning the value.
//!
//! Results are values: store them, compare them ([`Timing::speedup_over`]),
//! collect them in a [`TimingTable`].

mod once;
mod table;

pub use once::{CpuTimes, Stopwatch, Timed, cpu_times, time_once};
pub use table::TimingTable;

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::format::{format_seconds, thousands};

/// The default number of runs, as in IPython (`-r 7`).
pub const DEFAULT_REPEATS: usize = 7;

/// The default calibration target: the loop count grows by tens until one
/// run takes at least this long (IPython uses 0.2 s).
pub const DEFAULT_MIN_RUN_TIME: Duration = Duration::from_millis(200);

/// The result of [`time_it`]: per-loop statistics over several runs.
///
/// All times are in seconds, as `f64`, so that sub-nanosecond loops keep
/// their precision. `mean`, `std_dev`, `best` and `worst` are per loop;
/// `all_runs` holds the total of each run, as in IPython's `TimeitResult`.
///
/// Its `Display` is IPython's line, preceded by IPython's warning when the
/// slowest run took more than four times as long as the fastest:
///
/// ```
/// use parallel_course::timing::Timing;
///
/// let t = Timing::from_runs(&[0.123, 0.125, 0.120], 10);
/// assert_eq!(
///     t.to_string(),
///     "12.3 ms ± 205 µs per loop (mean ± std. dev. of 3 runs, 10 loops each)"
/// );
/// assert_eq!(t.loops, 10);
/// assert_eq!(t.repeats, 3);
/// assert!((t.best - 0.0120).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// Mean time per loop, in seconds.
    pub mean: f64,
    /// Population standard deviation of the per-loop times, in seconds.
    pub std_dev: f64,
    /// Fastest run divided by the loop count, in seconds.
    pub best: f64,
    /// Slowest run divided by the loop count, in seconds.
    pub worst: f64,
    /// Total seconds of each run (not per loop).
    pub all_runs: Vec<f64>,
    /// Loops per run.
    pub loops: u64,
    /// Number of runs.
    pub repeats: usize,
}

impl Timing {
    /// Builds a result from the total seconds of each run and the loop
    /// count of every run.
    ///
    /// # Panics
    ///
    /// Panics if `all_runs` is empty or holds a time that is negative, NaN
    /// or infinite, or if `loops` is zero ([`Timer::run`] never produces
    /// any of these), saying which and what is allowed.
    pub fn from_runs(all_runs: &[f64], loops: u64) -> Timing {
        if all_runs.is_empty() {
            panic!(
                "invalid `all_runs`: no runs; allowed: the times of one run or more, in seconds"
            );
        }
        if let Some(bad) = all_runs.iter().find(|t| !(t.is_finite() && **t >= 0.0)) {
            panic!(
                "invalid `all_runs`: a time of {bad}; allowed: finite times of 0 s or more"
            );
        }
        if loops == 0 {
            panic!("invalid `loops`: 0; allowed: 1 or more loops per run");
        }
        let per_loop: Vec<f64> = all_runs.iter().map(|t| t / loops as f64).collect();
        let (best, worst) = crate::stats::min_max(&per_loop).unwrap_or_default();
        Timing {
            mean: crate::stats::mean(&per_loop).unwrap_or_default(),
            std_dev: crate::stats::std_dev(&per_loop).unwrap_or_default(),
            best,
            worst,
            all_runs: all_runs.to_vec(),
            loops,
            repeats: all_runs.len(),
        }
    }

    /// The time per loop of each run, in seconds (IPython's `timings`).
    pub fn timings(&self) -> Vec<f64> {
        self.all_runs
            .iter()
            .map(|t| t / self.loops as f64)
            .collect()
    }

    /// The mean time per loop as a [`Duration`] (rounded to nanoseconds).
    pub fn mean_duration(&self) -> Duration {
        Duration::from_secs_f64(self.mean.max(0.0))
    }

    /// How many times faster `self` is than `baseline`, by mean time per
    /// loop: `baseline.mean / self.mean`.
    ///
    /// ```
    /// use parallel_course::timing::Timing;
    /// let serial = Timing::from_runs(&[2.0], 1);
    /// let parallel = Timing::from_runs(&[0.5], 1);
    /// assert_eq!(parallel.speedup_over(&serial), 4.0);
    /// ```
    pub fn speedup_over(&self, baseline: &Timing) -> f64 {
        baseline.mean / self.mean
    }

    /// IPython's caching warning, when it applies: the slowest run took
    /// more than four times as long as the fastest (and over a microsecond).
    pub fn warning(&self) -> Option<String> {
        (self.worst > 4.0 * self.best && self.best > 0.0 && self.worst > 1e-6).then(
            || {
                format!(
                    "The slowest run took {:.2} times longer than the fastest. \
                     This could mean that an intermediate result is being cached.",
                    self.worst / self.best
                )
            },
        )
    }

    /// Shows the result in the notebook as plain text.
    pub fn evcxr_display(&self) {
        crate::display::emit(&[("text/plain", &self.to_string())]);
    }
}

impl std::fmt::Display for Timing {
    /// IPython's line. A precision (`{:.4}`) sets the significant digits
    /// (default 3).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = f.precision().unwrap_or(3);
        if let Some(w) = self.warning() {
            writeln!(f, "{w}")?;
        }
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        write!(
            f,
            "{} ± {} per loop (mean ± std. dev. of {} run{}, {} loop{} each)",
            format_seconds(self.mean, p),
            format_seconds(self.std_dev, p),
            self.repeats,
            plural(self.repeats as u64),
            thousands(self.loops),
            plural(self.loops),
        )
    }
}

/// Builder for repeated timing, for when the defaults of [`time_it`] do
/// not fit.
///
/// ```
/// use parallel_course::timing::Timer;
///
/// // Like `%timeit -n 100 -r 3 ...`
/// let t = Timer::new().loops(100).repeats(3).run(|| (0..1000u64).sum::<u64>())?;
/// assert_eq!((t.loops, t.repeats), (100, 3));
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Timer {
    loops: Option<u64>,
    repeats: usize,
    min_run_time: Duration,
}

impl Default for Timer {
    fn default() -> Self {
        Timer::new()
    }
}

impl Timer {
    /// IPython's defaults: 7 runs, loops chosen so one run takes 0.2 s.
    pub fn new() -> Timer {
        Timer {
            loops: None,
            repeats: DEFAULT_REPEATS,
            min_run_time: DEFAULT_MIN_RUN_TIME,
        }
    }

    /// A fixed number of loops per run (IPython's `-n`); no calibration.
    /// Must be 1 or more, checked by [`run`](Timer::run).
    pub fn loops(mut self, loops: u64) -> Timer {
        self.loops = Some(loops);
        self
    }

    /// The number of runs (IPython's `-r`). Must be 1 or more, checked by
    /// [`run`](Timer::run).
    pub fn repeats(mut self, repeats: usize) -> Timer {
        self.repeats = repeats;
        self
    }

    /// The calibration target: loops grow 1, 10, 100, … until one run
    /// takes at least this long (default 0.2 s). A shorter target makes
    /// cells quicker and the numbers noisier.
    pub fn min_run_time(mut self, target: Duration) -> Timer {
        self.min_run_time = target;
        self
    }

    /// Times `f`: calibrates the loop count (unless fixed), then makes the
    /// runs. The value `f` returns is passed through
    /// [`black_box`] so the compiler cannot skip the work.
    ///
    /// `f` may return anything, a `Result` too, and every value is timed
    /// alike. For code that can fail use [`try_run`](Timer::try_run), which
    /// stops at the first error, as `timeit!` does.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `loops` or `repeats` is zero.
    pub fn run<T, F: FnMut() -> T>(&self, mut f: F) -> Result<Timing> {
        if self.repeats > MAX_REPEATS {
            return Err(Error::invalid(
                "repeats",
                self.repeats,
                "at most 10 000 runs (IPython's -r; 7 is the default)",
            ));
        }
        if self.loops.is_some_and(|n| n > MAX_LOOPS) {
            return Err(Error::invalid(
                "loops",
                self.loops.unwrap_or_default(),
                "at most 1 000 000 000 loops per run (IPython's -n)",
            ));
        }
        if self.min_run_time > crate::limits::MAX_INTERVAL {
            return Err(Error::invalid(
                "min_run_time",
                format!("{:?}", self.min_run_time),
                "at most 60 s per calibrated run (0.2 s is IPython's)",
            ));
        }
        if self.repeats == 0 {
            return Err(Error::invalid("repeats", 0, "1 or more (IPython's -r)"));
        }
        if self.loops == Some(0) {
            return Err(Error::invalid("loops", 0, "1 or more (IPython's -n)"));
        }
        let loops = match self.loops {
            Some(n) => n,
            None => calibrate(&mut f, self.min_run_time),
        };
        let runs: Vec<f64> = (0..self.repeats)
            .map(|_| run_loops(&mut f, loops).as_secs_f64())
            .collect();
        Ok(Timing::from_runs(&runs, loops))
    }

    /// Times `f`, which can fail: the first `Err` stops the measurement and
    /// is returned, because timing a failure would tell how fast the code
    /// fails, not how fast it works. The same rule as `timeit!`.
    ///
    /// ```
    /// use parallel_course::timing::Timer;
    /// use parallel_course::workloads::pi::pi_threads;
    ///
    /// let quick = Timer::new().loops(2).repeats(2);
    /// let t = quick.try_run(|| pi_threads(10_000, 1, 2))?;
    /// assert_eq!(t.loops, 2);
    /// let err = quick.try_run(|| pi_threads(10_000, 1, 0)).unwrap_err();
    /// assert!(err.to_string().contains("nothing to time"), "{err}");
    /// assert!(err.to_string().contains("`threads`"), "{err}");
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `loops` or `repeats` is zero;
    /// [`Error::Measured`] with the closure's own error if it fails.
    pub fn try_run<T, E, F>(&self, mut f: F) -> Result<Timing>
    where
        E: std::fmt::Display,
        F: FnMut() -> std::result::Result<T, E>,
    {
        // A first call outside the timing: most failures (bad arguments)
        // show here, before any calibration.
        if let Err(e) = f() {
            return Err(Error::Measured(e.to_string()));
        }
        let mut failure: Option<String> = None;
        let timing = self.run(|| {
            if failure.is_none()
                && let Err(e) = f()
            {
                failure = Some(e.to_string());
            }
        })?;
        match failure {
            Some(message) => Err(Error::Measured(message)),
            None => Ok(timing),
        }
    }
}

/// Times `f` with IPython's `%timeit` defaults: loops 1, 10, 100, … until
/// one run takes at least 0.2 s, then 7 runs of that many loops.
///
/// ```
/// use parallel_course::timing::time_it;
///
/// let t = time_it(|| (1..=20u64).product::<u64>());
/// println!("{t}"); // e.g. "2.35 ns ± 0.0128 ns per loop (mean ± ...)"
/// assert_eq!(t.repeats, 7);
/// assert!(t.best <= t.mean && t.mean <= t.worst);
/// ```
pub fn time_it<T, F: FnMut() -> T>(f: F) -> Timing {
    let timer = Timer::new();
    match timer.run(f) {
        Ok(t) => t,
        // The default settings are valid, so `run` cannot fail here.
        Err(e) => unreachable!("default timer settings rejected: {e}"),
    }
}

/// One run: `loops` calls of `f` bracketed by a single pair of clock reads.
/// The calls go in blocks of 1024, with a look for an interrupt between
/// blocks (one atomic load per block, nothing per call).
fn run_loops<T, F: FnMut() -> T>(f: &mut F, loops: u64) -> Duration {
    let start = Instant::now();
    let mut left = loops;
    while left > 0 {
        crate::interrupt::check("timeit");
        let block = left.min(1024);
        for _ in 0..block {
            black_box(f());
        }
        left -= block;
    }
    start.elapsed()
}

/// IPython's auto-ranging: 10^k loops for k = 0..10 until one run reaches
/// the target. The calibration runs are discarded (they warm up caches).
fn calibrate<T, F: FnMut() -> T>(f: &mut F, target: Duration) -> u64 {
    calibrate_with(|loops| run_loops(f, loops), target)
}

/// [`calibrate`] with the run timed by `time_run(loops)`.
fn calibrate_with(mut time_run: impl FnMut(u64) -> Duration, target: Duration) -> u64 {
    let mut loops = 1;
    for _ in 0..10 {
        if time_run(loops) >= target {
            break;
        }
        loops *= 10;
    }
    loops.min(MAX_LOOPS)
}

/// The most runs a [`Timer`] makes.
const MAX_REPEATS: usize = 10_000;

/// The most loops per run a [`Timer`] makes (calibration stops there too).
const MAX_LOOPS: u64 = 1_000_000_000;

/// Times an expression like IPython's `%timeit`, returning a [`Timing`].
///
/// `timeit!(expr)` uses the defaults of [`time_it`]. If `expr` is a
/// `Result` and comes out as `Err`, timing stops with a panic that shows
/// the error: the time it takes to fail is not worth reporting. IPython's flags can
/// come first: `-n` fixes the loops per run and `-r` the number of runs.
/// Their values must be literal numbers of 1 or more; zero is rejected
/// when the cell compiles.
///
/// ```
/// use parallel_course::timeit;
///
/// let v: Vec<u64> = (0..1000).collect();
/// let t = timeit!(v.iter().sum::<u64>());
/// assert_eq!(t.repeats, 7);
///
/// let t = timeit!(-n 10 -r 3 v.iter().max());
/// assert_eq!((t.loops, t.repeats), (10, 3));
/// ```
///
/// ```compile_fail
/// let t = parallel_course::timeit!(-r 0 1 + 1); // zero runs: rejected
/// ```
#[macro_export]
macro_rules! timeit {
    (-n $loops:literal -r $repeats:literal $($e:tt)+) => {
        $crate::timing::__timed_fixed(
            const { $crate::timing::__check_count($loops, $crate::timing::__N_MSG) },
            const { $crate::timing::__check_count($repeats, $crate::timing::__R_MSG) }
                as usize,
            $crate::__checked!($($e)+),
        )
    };
    (-r $repeats:literal -n $loops:literal $($e:tt)+) => {
        $crate::timeit!(-n $loops -r $repeats $($e)+)
    };
    (-n $loops:literal $($e:tt)+) => {
        $crate::timing::__timed_fixed(
            const { $crate::timing::__check_count($loops, $crate::timing::__N_MSG) },
            $crate::timing::DEFAULT_REPEATS,
            $crate::__checked!($($e)+),
        )
    };
    (-r $repeats:literal $($e:tt)+) => {
        $crate::timing::__timed_runs(
            const { $crate::timing::__check_count($repeats, $crate::timing::__R_MSG) }
                as usize,
            $crate::__checked!($($e)+),
        )
    };
    ($($e:tt)+) => {
        $crate::timing::time_it($crate::__checked!($($e)+))
    };
}

/// Wraps a timed expression in a closure that stops with a clear message
/// if the expression evaluates to `Err`: timing a failure would report
/// how fast the program fails, not how fast it works.
#[doc(hidden)]
#[macro_export]
macro_rules! __checked {
    ($($e:tt)+) => {
        || {
            let value = { $($e)+ };
            #[allow(unused_imports)]
            use $crate::timing::{__NotAResult as _, __ResultCheck as _};
            (&value).__timeit_check();
            value
        }
    };
}

#[doc(hidden)]
pub trait __ResultCheck {
    fn __timeit_check(&self);
}

impl<T, E: std::fmt::Display> __ResultCheck for std::result::Result<T, E> {
    #[inline(always)]
    fn __timeit_check(&self) {
        if let Err(e) = self {
            panic!(
                "timeit!: the expression returned an error, so there is nothing to time: {e}"
            );
        }
    }
}

#[doc(hidden)]
pub trait __NotAResult {
    fn __timeit_check(&self) {}
}

impl<T> __NotAResult for &T {}

#[doc(hidden)]
pub const __N_MSG: &str = "timeit!: -n (loops per run) must be 1 or more";
#[doc(hidden)]
pub const __R_MSG: &str = "timeit!: -r (number of runs) must be 1 or more";

#[doc(hidden)]
pub const fn __check_count(n: u64, what: &str) -> u64 {
    if n == 0 {
        panic!("{}", what);
    }
    n
}

#[doc(hidden)]
pub fn __timed_fixed<T, F: FnMut() -> T>(loops: u64, repeats: usize, f: F) -> Timing {
    let timer = Timer::new().loops(loops.max(1)).repeats(repeats.max(1));
    match timer.run(f) {
        Ok(t) => t,
        Err(e) => unreachable!("checked timer settings rejected: {e}"),
    }
}

#[doc(hidden)]
pub fn __timed_runs<T, F: FnMut() -> T>(repeats: usize, f: F) -> Timing {
    match Timer::new().repeats(repeats.max(1)).run(f) {
        Ok(t) => t,
        Err(e) => unreachable!("checked timer settings rejected: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_that_are_no_times_are_refused_naming_what_and_what_is_allowed() {
        let said = |runs: &'static [f64], loops: u64| {
            let payload =
                std::panic::catch_unwind(|| Timing::from_runs(runs, loops)).unwrap_err();
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        };
        assert_eq!(
            said(&[], 1),
            "invalid `all_runs`: no runs; allowed: the times of one run or more, in seconds"
        );
        assert_eq!(
            said(&[0.5, f64::NAN], 1),
            "invalid `all_runs`: a time of NaN; allowed: finite times of 0 s or more"
        );
        assert!(said(&[-1.0], 1).contains("a time of -1"));
        assert_eq!(
            said(&[0.5], 0),
            "invalid `loops`: 0; allowed: 1 or more loops per run"
        );
        assert_eq!(Timing::from_runs(&[0.0], u64::MAX).best, 0.0);
    }

    #[test]
    fn zero_repeats_is_an_error_naming_the_flag() {
        let err = Timer::new().repeats(0).run(|| ()).unwrap_err();
        assert!(err.to_string().contains("repeats"));
        assert!(err.to_string().contains("1 or more"));
    }

    #[test]
    fn zero_loops_is_an_error_naming_the_flag() {
        let err = Timer::new().loops(0).run(|| ()).unwrap_err();
        assert!(err.to_string().contains("`loops`: 0"));
    }

    #[test]
    fn calibration_reaches_the_target_in_powers_of_ten() {
        // A run of `loops` loops is timed as 3 ms per loop: 1 loop is
        // short of 20 ms, 10 loops reach it.
        let mut tried = Vec::new();
        let per_loop = |loops: u64| {
            tried.push(loops);
            Duration::from_millis(3 * loops)
        };
        assert_eq!(calibrate_with(per_loop, Duration::from_millis(20)), 10);
        assert_eq!(tried, vec![1, 10]);
        let at_once = |_| Duration::from_millis(25);
        assert_eq!(calibrate_with(at_once, Duration::from_millis(20)), 1);
        let tiny = |loops| Duration::from_nanos(3 * loops);
        assert_eq!(
            calibrate_with(tiny, Duration::from_millis(200)),
            100_000_000
        );
    }

    #[test]
    fn calibration_stops_at_a_billion_loops() {
        let never = |_| Duration::ZERO;
        assert_eq!(
            calibrate_with(never, Duration::from_millis(200)),
            1_000_000_000
        );
    }

    #[test]
    fn calibrated_loops_are_a_power_of_ten_that_the_run_used() {
        let mut calls = 0u64;
        let t = Timer::new()
            .repeats(2)
            .min_run_time(Duration::from_micros(50))
            .run(|| calls += 1)
            .unwrap();
        let powers: Vec<u64> = (0..10).map(|k| 10u64.pow(k)).collect();
        assert!(powers.contains(&t.loops), "{}", t.loops);
        // Calibration ran 1, 10, ... up to t.loops; then two timed runs.
        let calibration: u64 = powers.iter().take_while(|&&p| p <= t.loops).sum();
        assert_eq!(calls, calibration + 2 * t.loops);
    }

    #[test]
    fn fixed_loops_and_repeats_are_kept() {
        let mut calls = 0u64;
        let t = Timer::new().loops(5).repeats(3).run(|| calls += 1).unwrap();
        assert_eq!((t.loops, t.repeats, t.all_runs.len()), (5, 3, 3));
        assert_eq!(calls, 15);
    }

    #[test]
    fn statistics_are_per_loop_with_population_std_dev() {
        let t = Timing::from_runs(&[1.0, 3.0], 2);
        assert_eq!(t.mean, 1.0);
        assert_eq!(t.std_dev, 0.5);
        assert_eq!((t.best, t.worst), (0.5, 1.5));
        assert_eq!(t.timings(), vec![0.5, 1.5]);
    }

    #[test]
    fn singular_run_and_loop_and_thousands_separator() {
        let t = Timing::from_runs(&[0.002], 1);
        assert_eq!(
            t.to_string(),
            "2 ms ± 0 ns per loop (mean ± std. dev. of 1 run, 1 loop each)"
        );
        let t = Timing::from_runs(&[0.5, 0.5], 1_000_000);
        assert!(t.to_string().ends_with("2 runs, 1,000,000 loops each)"));
    }

    #[test]
    fn slow_outlier_run_prints_the_caching_warning_first() {
        let t = Timing::from_runs(&[0.001, 0.001, 0.01], 1);
        let text = t.to_string();
        assert!(text.starts_with("The slowest run took 10.00 times longer"));
        assert!(text.lines().nth(1).unwrap().contains("per loop"));
        // Below a microsecond the warning is suppressed, as in IPython.
        assert!(Timing::from_runs(&[1e-8, 1e-7], 1).warning().is_none());
    }

    #[test]
    fn precision_flag_sets_significant_digits() {
        let t = Timing::from_runs(&[0.0123456], 1);
        assert!(format!("{t:.5}").starts_with("12.346 ms"));
    }

    #[test]
    fn timing_an_expression_that_fails_stops_with_its_error() {
        let failing = || -> std::result::Result<u32, String> { Err("no worker".into()) };
        let caught = std::panic::catch_unwind(|| crate::timeit!(-n 1 -r 1 failing()));
        let payload = caught.expect_err("timing an Err must not pass silently");
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(
            msg.contains("returned an error") && msg.contains("no worker"),
            "{msg}"
        );
        // Ok values and plain values are timed as usual.
        let ok = || -> std::result::Result<u32, String> { Ok(1) };
        assert_eq!(crate::timeit!(-n 2 -r 1 ok()).loops, 2);
        assert_eq!(crate::timeit!(-n 2 -r 1 7u8).loops, 2);
    }

    #[test]
    fn macro_forms_read_like_ipython_flags() {
        let t = crate::timeit!(-n 3 -r 2 1 + 1);
        assert_eq!((t.loops, t.repeats), (3, 2));
        let t = crate::timeit!(-r 2 -n 4 1 + 1);
        assert_eq!((t.loops, t.repeats), (4, 2));
        let t = crate::timeit!(-n 2 1 + 1);
        assert_eq!((t.loops, t.repeats), (2, DEFAULT_REPEATS));
    }
}
