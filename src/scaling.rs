//! Scaling studies: how the run time of a workload changes with the
//! number of threads.
//!
//! [`scaling_study`] runs a workload with 1, 2, … N threads, each time on
//! a fresh rayon thread pool of that size (never the global pool, which
//! cannot be resized once started). The result is a table of time,
//! speed-up and efficiency, plus a fit of Amdahl's law that estimates the
//! workload's serial fraction, and a plot of speed-up against threads with
//! the ideal line and the fitted curve.
//!
//! Amdahl's law: if a fraction `s` of the work is serial, `n` threads give
//! at most a speed-up of `1 / (s + (1 - s) / n)`. The fit uses only thread
//! counts up to the physical cores (a second hardware thread of a core, or
//! a thread with no core of its own, slows down for reasons that are not
//! the serial part), and only when there are at least [`MIN_FIT_POINTS`]
//! of them: two points on a shared machine fit its noise, not the
//! workload.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::format::format_seconds;
use crate::plot::{Figure, LineChart};
use crate::table::Table;
use crate::timing::{Timer, Timing};

/// The most threads a study accepts.
pub const MAX_THREADS: usize = crate::limits::MAX_THREADS;

/// The fewest thread counts, 1 included, up to the physical cores, that
/// an Amdahl fit is made from. With fewer (on a 2-core machine there are
/// only 1 and 2), no fit is made: the serial fraction of two points moves
/// with every other program on the machine.
///
/// ```
/// use parallel_course::scaling::MIN_FIT_POINTS;
/// // 1, 2, 3 and 4 threads on a machine with 4 physical cores, or more.
/// assert_eq!(MIN_FIT_POINTS, 4);
/// ```
pub const MIN_FIT_POINTS: usize = 4;

/// One row of a scaling study.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingPoint {
    /// Threads in the pool.
    pub threads: usize,
    /// The timing with that many threads.
    pub timing: Timing,
    /// Time with one thread divided by time with `threads`.
    pub speedup: f64,
    /// `speedup / threads`: 1.0 is perfect scaling.
    pub efficiency: f64,
}

/// The result of [`scaling_study`].
///
/// As the last expression of a cell it shows as a table; call
/// [`plot`](Scaling::plot) for the figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaling {
    /// One point per thread count, in increasing order; the first has one
    /// thread.
    pub points: Vec<ScalingPoint>,
    /// The serial fraction `s` of Amdahl's law fitted to the speed-ups
    /// (least squares on `1/speedup`), between 0 and 1. Only thread counts
    /// up to [`fit_limit`](Scaling::fit_limit) take part, and only when
    /// there are at least [`MIN_FIT_POINTS`] of them; otherwise `None`, and
    /// [`fit_note`](Scaling::fit_note) says why.
    pub serial_fraction: Option<f64>,
    /// The largest thread count the fit may use: the machine's physical
    /// cores (the logical cores this process may use, if fewer).
    pub fit_limit: usize,
}

/// The speed-up Amdahl's law predicts for serial fraction `s` on `n`
/// threads.
///
/// ```
/// use parallel_course::scaling::amdahl_speedup;
/// assert_eq!(amdahl_speedup(0.0, 8.0), 8.0);
/// assert_eq!(amdahl_speedup(1.0, 8.0), 1.0);
/// assert!((amdahl_speedup(0.1, 4.0) - 3.077).abs() < 1e-3);
/// ```
pub fn amdahl_speedup(s: f64, n: f64) -> f64 {
    1.0 / (s + (1.0 - s) / n)
}

/// Fits Amdahl's serial fraction to `(threads, speedup)` pairs.
///
/// `1/S(n) = 1/n + s (1 - 1/n)` is linear in `s`, so the least-squares
/// estimate has a closed form. The result is clamped to `[0, 1]`. Returns
/// `None` unless at least one point has more than one thread.
///
/// ```
/// use parallel_course::scaling::{amdahl_speedup, fit_serial_fraction};
/// let pts: Vec<(usize, f64)> =
///     (1..=8).map(|n| (n, amdahl_speedup(0.2, n as f64))).collect();
/// assert!((fit_serial_fraction(&pts).unwrap() - 0.2).abs() < 1e-9);
/// ```
pub fn fit_serial_fraction(points: &[(usize, f64)]) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for &(n, speedup) in points {
        if n < 2 || speedup.is_nan() || speedup <= 0.0 {
            continue;
        }
        let inv_n = 1.0 / n as f64;
        let a = 1.0 / speedup - inv_n;
        let b = 1.0 - inv_n;
        num += a * b;
        den += b * b;
    }
    (den > 0.0).then(|| (num / den).clamp(0.0, 1.0))
}

/// The largest thread count an Amdahl fit uses on this machine: its
/// physical cores, or the logical cores this process may use if fewer.
fn machine_fit_limit() -> usize {
    let logical = crate::cpu::logical_cores();
    crate::cpu::physical_cores().map_or(logical, |p| p.min(logical))
}

impl Scaling {
    fn from_timings(timings: Vec<(usize, Timing)>, fit_limit: usize) -> Scaling {
        let base = timings.first().map_or(f64::NAN, |(_, t)| t.mean);
        let points: Vec<ScalingPoint> = timings
            .into_iter()
            .map(|(threads, timing)| {
                let speedup = base / timing.mean;
                ScalingPoint {
                    threads,
                    speedup,
                    efficiency: speedup / threads as f64,
                    timing,
                }
            })
            .collect();
        let pairs: Vec<(usize, f64)> = points
            .iter()
            .filter(|p| p.threads <= fit_limit)
            .map(|p| (p.threads, p.speedup))
            .collect();
        let serial_fraction = if pairs.len() >= MIN_FIT_POINTS {
            fit_serial_fraction(&pairs)
        } else {
            None
        };
        Scaling {
            serial_fraction,
            fit_limit,
            points,
        }
    }

    /// The line under the table: the fitted serial fraction and the limit
    /// it sets, or why there is no fit.
    ///
    /// ```
    /// use parallel_course::scaling::ScalingStudy;
    /// let study = ScalingStudy::new().threads([1, 2]).repeats(1).run(|| ())?;
    /// // Two thread counts are never enough for a fit.
    /// assert!(study.serial_fraction.is_none());
    /// assert!(study.fit_note().starts_with("No Amdahl fit"));
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    pub fn fit_note(&self) -> String {
        let usable = self
            .points
            .iter()
            .filter(|p| p.threads <= self.fit_limit)
            .count();
        match self.serial_fraction {
            Some(s) => format!(
                "Amdahl fit to the {usable} thread counts up to the {} physical cores: {}.",
                self.fit_limit,
                amdahl_limit(s)
            ),
            None => format!(
                "No Amdahl fit: it needs at least {MIN_FIT_POINTS} thread counts up to the physical \
                 cores, and this study has {usable} (the machine has {} physical cores); from fewer \
                 points the fitted serial fraction follows the machine's other work, not the workload's.",
                self.fit_limit
            ),
        }
    }

    /// The table: threads, mean time ± std. dev., speed-up, efficiency.
    pub fn table(&self) -> Table {
        let mut t = Table::new(["threads", "time", "speed-up", "efficiency"]);
        for p in &self.points {
            t.row([
                p.threads.to_string(),
                format!(
                    "{} ± {}",
                    format_seconds(p.timing.mean, 3),
                    format_seconds(p.timing.std_dev, 3)
                ),
                format!("{:.2}×", p.speedup),
                format!("{:.0} %", p.efficiency * 100.0),
            ]);
        }
        t
    }

    /// Plots speed-up against threads, with the ideal (speed-up = threads)
    /// and the fitted Amdahl curve, if there is a fit.
    ///
    /// # Errors
    ///
    /// [`Error::Plot`] if drawing fails.
    pub fn plot(&self) -> Result<Figure> {
        let max = self.points.last().map_or(1, |p| p.threads) as f64;
        let mut chart = LineChart::new("Speed-up against threads", "threads", "speed-up")
            .legend_at(plotters::chart::SeriesLabelPosition::LowerRight)
            .line_with_markers(
                "measured",
                self.points.iter().map(|p| (p.threads as f64, p.speedup)),
            )
            .dashed("ideal", [(1.0, 1.0), (max, max)]);
        if let Some(s) = self.serial_fraction {
            let curve = (0..=100).map(|i| {
                let n = 1.0 + (max - 1.0) * i as f64 / 100.0;
                (n, amdahl_speedup(s, n))
            });
            chart = chart.dashed(format!("Amdahl, serial fraction {s:.2}"), curve);
        }
        chart.draw()
    }

    /// Shows the table in the notebook.
    pub fn evcxr_display(&self) {
        let mut html = self.table().to_html();
        html.push_str(&format!("<p>{}</p>", self.fit_note()));
        crate::display::emit(&[("text/plain", &self.to_string()), ("text/html", &html)]);
    }
}

/// What the fitted serial fraction `s` means: the speed-up it caps every
/// thread count at (`1 / s`). A fraction that rounds to zero caps nothing
/// worth a number.
fn amdahl_limit(s: f64) -> String {
    if s < 0.0005 {
        format!(
            "serial fraction {s:.3}, so no limit from the serial part at these thread counts"
        )
    } else {
        format!(
            "serial fraction {s:.3}, so at most {:.1}× on any number of threads",
            1.0 / s
        )
    }
}

impl std::fmt::Display for Scaling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n{}", self.table(), self.fit_note())
    }
}

/// Builder for a scaling study.
///
/// ```
/// use parallel_course::scaling::ScalingStudy;
/// use rayon::prelude::*;
///
/// let study = ScalingStudy::new()
///     .threads([1, 2])
///     .repeats(2)
///     .run(|| (0..200_000u64).into_par_iter().map(|x| x % 7).sum::<u64>())?;
/// assert_eq!(study.points.len(), 2);
/// assert_eq!(study.points[0].speedup, 1.0);
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ScalingStudy {
    threads: Vec<usize>,
    repeats: usize,
    min_run_time: Duration,
}

impl Default for ScalingStudy {
    fn default() -> Self {
        ScalingStudy::new()
    }
}

impl ScalingStudy {
    /// Thread counts 1 to the number of logical cores, 3 runs each, each
    /// run at least 50 ms long.
    pub fn new() -> Self {
        ScalingStudy {
            threads: (1..=crate::cpu::logical_cores()).collect(),
            repeats: 3,
            min_run_time: Duration::from_millis(50),
        }
    }

    /// The thread counts to try. They are sorted and de-duplicated, and 1
    /// is added if missing, since speed-up is measured against it. Each
    /// must be between 1 and 1024; checked by [`run`](ScalingStudy::run).
    pub fn threads(mut self, threads: impl IntoIterator<Item = usize>) -> Self {
        self.threads = threads.into_iter().collect();
        self
    }

    /// Runs per thread count (default 3; 1 or more).
    pub fn repeats(mut self, repeats: usize) -> Self {
        self.repeats = repeats;
        self
    }

    /// The calibration target per run (default 50 ms): loops grow by tens
    /// until one run takes this long, as in [`Timer::min_run_time`].
    pub fn min_run_time(mut self, target: Duration) -> Self {
        self.min_run_time = target;
        self
    }

    /// Runs the study. The workload runs inside
    /// [`ThreadPool::install`](rayon::ThreadPool::install), so its rayon
    /// calls (`par_iter`, `join`, `scope`) use the pool of that size. The
    /// pool is dropped after each thread count, so no threads are left
    /// behind.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty list, a thread count of 0
    /// or above 1024, or 0 repeats; [`Error::Worker`] if a pool cannot be
    /// built.
    pub fn run<T, F: Fn() -> T + Sync>(&self, f: F) -> Result<Scaling> {
        if self.threads.is_empty() {
            return Err(Error::invalid(
                "threads",
                "an empty list",
                "one or more counts from 1 to 1024",
            ));
        }
        if let Some(&bad) = self.threads.iter().find(|&&n| n == 0 || n > MAX_THREADS) {
            return Err(Error::invalid("threads", bad, "counts from 1 to 1024"));
        }
        crate::error::positive("repeats", self.repeats, "1 or more")?;
        let mut counts = self.threads.clone();
        counts.push(1);
        counts.sort_unstable();
        counts.dedup();
        let timer = Timer::new()
            .repeats(self.repeats)
            .min_run_time(self.min_run_time);
        let mut timings = Vec::with_capacity(counts.len());
        let total = counts.len();
        let started = std::time::Instant::now();
        let mut live = crate::display::Live::start(
            "scaling",
            &format!("scaling study: timing 1 thread (0 of {total} pool sizes done)"),
            Duration::ZERO,
        );
        for n in counts {
            if let (Some(view), Some((m, t))) = (live.as_mut(), timings.last()) {
                let threads = if n == 1 { "thread" } else { "threads" };
                view.text(&format!(
                    "scaling study: timing {n} {threads} ({} of {total} pool sizes done; {m} \
                     threads: {t})",
                    timings.len()
                ));
            }
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .thread_name(|i| format!("scaling-worker-{i}"))
                .build()
                .map_err(|e| {
                    Error::Worker(format!("cannot build a pool of {n} threads: {e}"))
                })?;
            let timing = pool.install(|| timer.run(&f))?;
            timings.push((n, timing));
        }
        if let Some(view) = live.as_mut() {
            view.now(&[(
                "text/plain",
                &format!(
                    "scaling study: {total} pool sizes timed in {} (done: the result follows)",
                    crate::format::format_seconds(started.elapsed().as_secs_f64(), 3)
                ),
            )]);
        }
        Ok(Scaling::from_timings(timings, machine_fit_limit()))
    }
}

/// Runs `f` on pools of 1 to `max_threads` threads (3 runs each) and
/// reports time, speed-up and efficiency; see [`ScalingStudy`] for more
/// control.
///
/// ```
/// use parallel_course::scaling::scaling_study;
/// use rayon::prelude::*;
///
/// let s = scaling_study(2, || (0..100_000u64).into_par_iter().sum::<u64>())?;
/// println!("{s}");
/// assert_eq!(s.points.len(), 2);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] if `max_threads` is 0 or above 1024.
pub fn scaling_study<T, F: Fn() -> T + Sync>(
    max_threads: usize,
    f: F,
) -> Result<Scaling> {
    if !(1..=MAX_THREADS).contains(&max_threads) {
        return Err(Error::invalid("max_threads", max_threads, "1 to 1024"));
    }
    ScalingStudy::new().threads(1..=max_threads).run(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_threads_is_rejected() {
        let err = scaling_study(0, || ()).unwrap_err();
        assert!(err.to_string().contains("`max_threads`: 0"), "{err}");
        let err = ScalingStudy::new().threads([2, 0]).run(|| ()).unwrap_err();
        assert!(err.to_string().contains("`threads`: 0"), "{err}");
        let err = ScalingStudy::new().threads([]).run(|| ()).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn each_count_runs_on_a_pool_of_that_size() {
        let seen = std::sync::Mutex::new(Vec::new());
        let s = ScalingStudy::new()
            .threads([3, 2])
            .repeats(1)
            .min_run_time(Duration::ZERO)
            .run(|| seen.lock().unwrap().push(rayon::current_num_threads()))
            .unwrap();
        let counts: Vec<usize> = s.points.iter().map(|p| p.threads).collect();
        assert_eq!(counts, vec![1, 2, 3]);
        let seen = seen.into_inner().unwrap();
        for n in [1, 2, 3] {
            assert!(seen.contains(&n), "{seen:?}");
        }
    }

    #[test]
    fn speedup_and_efficiency_follow_from_the_timings() {
        let s = Scaling::from_timings(
            vec![
                (1, Timing::from_runs(&[4.0], 1)),
                (2, Timing::from_runs(&[2.5], 1)),
                (4, Timing::from_runs(&[1.6], 1)),
            ],
            4,
        );
        assert_eq!(s.points[1].speedup, 1.6);
        assert_eq!(s.points[1].efficiency, 0.8);
        assert_eq!(s.points[2].speedup, 2.5);
        let pairs: Vec<(usize, f64)> =
            s.points.iter().map(|p| (p.threads, p.speedup)).collect();
        let f = fit_serial_fraction(&pairs).unwrap();
        assert!(f > 0.1 && f < 0.35, "{f}");
    }

    #[test]
    fn more_than_1024_threads_is_rejected_naming_max_threads() {
        let err = scaling_study(MAX_THREADS + 1, || ()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid `max_threads`: 1025; allowed: 1 to 1024"
        );
        let err = ScalingStudy::new()
            .threads([2, 1025])
            .run(|| ())
            .unwrap_err();
        assert!(err.to_string().contains("`threads`: 1025"), "{err}");
    }

    #[test]
    fn a_zero_serial_fraction_reads_as_no_limit() {
        let text = amdahl_limit(0.0);
        assert!(text.contains("no limit from the serial part"), "{text}");
        assert!(!text.contains("at most"), "{text}");
        assert!(amdahl_limit(0.25).contains("at most 4.0×"));
    }

    #[test]
    fn fit_is_none_without_a_multi_thread_point() {
        assert_eq!(fit_serial_fraction(&[(1, 1.0)]), None);
    }

    /// Timings of a workload with serial fraction 0.1 on 1 to `max` threads.
    fn amdahl_timings(max: usize) -> Vec<(usize, Timing)> {
        (1..=max)
            .map(|n| {
                (
                    n,
                    Timing::from_runs(&[1.0 / amdahl_speedup(0.1, n as f64)], 1),
                )
            })
            .collect()
    }

    #[test]
    fn a_fit_needs_four_thread_counts_up_to_the_physical_cores() {
        let fitted = Scaling::from_timings(amdahl_timings(8), 4);
        let s = fitted
            .serial_fraction
            .expect("four counts up to four cores: a fit");
        assert!((s - 0.1).abs() < 1e-9, "{s}");
        assert!(
            fitted
                .fit_note()
                .contains("fit to the 4 thread counts up to the 4 physical cores"),
            "{}",
            fitted.fit_note()
        );
        // Two cores: 1 and 2 threads are all the fit could use, however many
        // thread counts above the cores the study timed.
        let two_cores = Scaling::from_timings(amdahl_timings(8), 2);
        assert_eq!(two_cores.serial_fraction, None);
        let note = two_cores.fit_note();
        assert!(
            note.starts_with("No Amdahl fit") && note.contains("this study has 2"),
            "{note}"
        );
        assert!(two_cores.to_string().ends_with(&note));
        // Three counts on a large machine are still too few.
        assert_eq!(
            Scaling::from_timings(amdahl_timings(3), 16).serial_fraction,
            None
        );
    }
}
