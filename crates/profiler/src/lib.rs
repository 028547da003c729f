//! Where the time goes: profile a closure and see a flame graph in the
//! notebook.
//!
//! [`profile`] runs a closure while the operating system interrupts the
//! process up to 997 times a second of CPU time (many Linux kernels deliver at
//! most 250); at each interrupt
//! the [pprof](https://docs.rs/pprof) sampler records which functions were
//! on the stack. Functions that were on the stack in many samples took much
//! of the time. The result draws as a **flame graph**: each box is a
//! function, as wide as its share of the samples, stacked on the function
//! that called it.
//!
//! No `perf`, no root and no second program: the sampler runs inside the
//! kernel's process. It lives in its own crate because it takes a minute to
//! compile; a notebook loads it in the cell that needs it:
//!
//! ```text
//! :dep course_profiler = { path = "../profiler" }
//! course_profiler::profile(|| my_function())?
//! ```
//!
//! Functions the compiler *inlined* into their caller have no frame of
//! their own, so they show as part of the caller: mark a function
//! `#[inline(never)]` to see it separately.

use std::fmt;
use std::time::{Duration, Instant};

use base64::Engine as _;
use pprof::flamegraph;

/// What went wrong while profiling.
#[derive(Debug)]
pub enum Error {
    /// An argument was outside its allowed range.
    InvalidArgument {
        /// The argument's name.
        name: &'static str,
        /// The value given.
        value: String,
        /// What is allowed, in words.
        allowed: &'static str,
    },
    /// The sampler could not start or report (for example, another profile
    /// is running in this process).
    Sampler(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument {
                name,
                value,
                allowed,
            } => write!(f, "invalid `{name}`: {value}; allowed: {allowed}"),
            Error::Sampler(msg) => write!(f, "the profiler failed: {msg}"),
        }
    }
}

impl std::error::Error for Error {}

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Libraries whose code is not sampled: unwinding through them inside a
/// signal handler can deadlock, and their frames are not what a learner
/// looks for. pprof matches these as parts of a library's path, so they must
/// not match the kernel's cell libraries (`libcode_3.so`): plain `"libc"`
/// would, and every sample of a cell's own code would be dropped.
const BLOCKLIST: [&str; 4] = ["/libc.so", "/libgcc_s.so", "/libpthread.so", "linux-vdso"];

/// The name of the frame every profiled closure runs under; stacks are cut
/// there so the graph starts at the closure, not at the kernel's machinery.
const ROOT: &str = "profiled closure";

/// Profiles `f` at 997 samples per second of CPU time (a prime, so the
/// samples do not beat in step with a loop) and returns its value, the
/// samples and the flame graph.
///
/// ```
/// use course_profiler::profile;
///
/// #[inline(never)]
/// fn busy(n: u64) -> u64 {
///     (0..n).fold(0u64, |acc, x| std::hint::black_box(acc ^ x.wrapping_mul(x)))
/// }
/// let p = profile(|| busy(300_000_000))?;
/// assert_eq!(p.value, busy(300_000_000));
/// assert!(p.samples > 0);
/// # Ok::<(), course_profiler::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Sampler`] if the sampler cannot start (another profile is
/// running) or report.
pub fn profile<T>(f: impl FnOnce() -> T) -> Result<Profile<T>> {
    Profiler::new().run(f)
}

/// Builder for a profile with another sampling rate.
///
/// ```
/// use course_profiler::Profiler;
///
/// let err = Profiler::new().frequency(0).run(|| ()).unwrap_err();
/// assert!(err.to_string().contains("1 to 10 000"));
/// ```
#[derive(Debug, Clone)]
pub struct Profiler {
    frequency: u32,
}

impl Default for Profiler {
    fn default() -> Self {
        Profiler::new()
    }
}

impl Profiler {
    /// A profiler taking 997 samples per second of CPU time.
    pub fn new() -> Self {
        Profiler { frequency: 997 }
    }

    /// Sets the samples per second of CPU time (1 to 10 000; checked by
    /// [`run`](Profiler::run)). More samples see shorter functions but
    /// disturb the program more.
    pub fn frequency(mut self, per_second: u32) -> Self {
        self.frequency = per_second;
        self
    }

    /// Runs `f` once under the sampler.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a frequency outside 1 to 10 000 (`f`
    /// is not run then); [`Error::Sampler`] if the sampler cannot start or
    /// report.
    pub fn run<T>(&self, f: impl FnOnce() -> T) -> Result<Profile<T>> {
        if !(1..=10_000).contains(&self.frequency) {
            return Err(Error::InvalidArgument {
                name: "frequency",
                value: self.frequency.to_string(),
                allowed: "1 to 10 000 samples per second",
            });
        }
        let guard = pprof::ProfilerGuardBuilder::default()
            .frequency(self.frequency as i32)
            .blocklist(&BLOCKLIST)
            .build()
            .map_err(|e| Error::Sampler(e.to_string()))?;
        let start = Instant::now();
        let value = profiled_closure(f);
        let wall = start.elapsed();
        let report = guard
            .report()
            .build()
            .map_err(|e| Error::Sampler(e.to_string()))?;
        drop(guard);
        let stacks: Vec<(Vec<String>, usize)> = report
            .data
            .iter()
            .map(|(frames, &count)| {
                // pprof lists the innermost frame first, and within a frame
                // the innermost inlined function first.
                let names: Vec<String> = frames
                    .frames
                    .iter()
                    .rev()
                    .flat_map(|frame| frame.iter().rev().map(|s| s.name()))
                    .collect();
                (trim_stack(names), count.max(0) as usize)
            })
            .collect();
        Ok(Profile {
            value,
            samples: stacks.iter().map(|(_, n)| n).sum(),
            wall,
            stacks,
        })
    }
}

/// Runs `f` in a frame of its own, so that samples taken inside it can be
/// recognised and cut at this point.
#[inline(never)]
fn profiled_closure<T>(f: impl FnOnce() -> T) -> T {
    std::hint::black_box(f())
}

/// A stack, root first, cut to start at the profiled closure; stacks of
/// other threads (rayon's workers, say) start at the thread's own code.
fn trim_stack(names: Vec<String>) -> Vec<String> {
    // The kernel compiles cells into a crate called `ctx`: a learner's
    // `draw_point` reads better without the prefix.
    let names: Vec<String> = names
        .into_iter()
        .map(|n| n.strip_prefix("ctx::").map_or(n.clone(), String::from))
        .collect();
    if let Some(at) = names.iter().rposition(|n| n.contains("profiled_closure")) {
        let mut stack = vec![ROOT.to_string()];
        stack.extend(names[at + 1..].iter().cloned());
        return stack;
    }
    let start = names
        .iter()
        .rposition(|n| n.contains("__rust_begin_short_backtrace"))
        .map_or(0, |at| at + 1);
    let mut stack = vec!["other threads".to_string()];
    stack.extend(names[start..].iter().cloned());
    stack
}

/// The result of [`profile`]: the closure's value, the samples and where
/// they fell.
///
/// Its `Display` lists the functions that were running (not waiting for a
/// function they called) in the most samples; in the notebook it shows the
/// flame graph.
#[derive(Debug, Clone)]
pub struct Profile<T> {
    /// What the closure returned.
    pub value: T,
    /// The number of samples taken.
    pub samples: usize,
    /// Wall-clock time of the run.
    pub wall: Duration,
    /// Each distinct stack, root first, with its number of samples.
    pub stacks: Vec<(Vec<String>, usize)>,
}

impl<T> Profile<T> {
    /// The functions that were running when the samples were taken (the top
    /// of each stack), with their share of the samples, largest first.
    ///
    /// ```
    /// # let p = course_profiler::profile(|| (0..50_000_000u64).map(std::hint::black_box).sum::<u64>())?;
    /// let top = p.self_time();
    /// let shares: f64 = top.iter().map(|(_, share)| share).sum();
    /// assert!(p.samples == 0 || (shares - 1.0).abs() < 1e-9);
    /// # Ok::<(), course_profiler::Error>(())
    /// ```
    pub fn self_time(&self) -> Vec<(String, f64)> {
        let mut by_function: Vec<(String, usize)> = Vec::new();
        for (stack, count) in &self.stacks {
            let name = stack.last().cloned().unwrap_or_default();
            match by_function.iter_mut().find(|(n, _)| *n == name) {
                Some((_, c)) => *c += count,
                None => by_function.push((name, *count)),
            }
        }
        by_function.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let total = self.samples.max(1) as f64;
        by_function
            .into_iter()
            .map(|(name, count)| (name, count as f64 / total))
            .collect()
    }

    /// The share of samples whose stack passes through a function whose
    /// name contains `name` (the function itself or anything it called).
    ///
    /// ```
    /// # let p = course_profiler::profile(|| (0..50_000_000u64).map(std::hint::black_box).sum::<u64>())?;
    /// assert!(p.share_of("profiled closure") > 0.99 || p.samples == 0);
    /// # Ok::<(), course_profiler::Error>(())
    /// ```
    pub fn share_of(&self, name: &str) -> f64 {
        let hits: usize = self
            .stacks
            .iter()
            .filter(|(stack, _)| stack.iter().any(|f| f.contains(name)))
            .map(|(_, n)| n)
            .sum();
        hits as f64 / self.samples.max(1) as f64
    }

    /// The flame graph as SVG. Opened as a file it is interactive (click a
    /// box to zoom); shown as an image, as in the notebook, it is a picture.
    ///
    /// # Errors
    ///
    /// [`Error::Sampler`] if there are no samples (the closure ran too
    /// briefly: run it on more data, or several times) or drawing fails.
    pub fn flame_graph_svg(&self) -> Result<String> {
        if self.samples == 0 {
            return Err(Error::Sampler(
                "no samples: the closure ran too briefly to be sampled; give it more work \
                 (a run of 0.2 s or more gives about 200 samples)"
                    .into(),
            ));
        }
        let lines: Vec<String> = self
            .stacks
            .iter()
            .map(|(stack, n)| format!("{} {n}", stack.join(";")))
            .collect();
        let mut options = flamegraph::Options::default();
        options.title = format!(
            "Where the time goes: {} samples over {:.2} s",
            self.samples,
            self.wall.as_secs_f64()
        );
        options.count_name = "samples".into();
        options.image_width = Some(960);
        options.deterministic = true;
        options.hash = true;
        let mut svg = Vec::new();
        flamegraph::from_lines(&mut options, lines.iter().map(String::as_str), &mut svg)
            .map_err(|e| Error::Sampler(format!("drawing the flame graph: {e}")))?;
        String::from_utf8(svg).map_err(|e| Error::Sampler(e.to_string()))
    }

    /// Shows the flame graph in the notebook (as an `<img>`, which every
    /// notebook viewer draws), with the text summary as fallback.
    pub fn evcxr_display(&self) {
        let text = self.to_string();
        let mut out =
            format!("EVCXR_BEGIN_CONTENT text/plain\n{text}\nEVCXR_END_CONTENT\n");
        if let Ok(svg) = self.flame_graph_svg() {
            let data = base64::engine::general_purpose::STANDARD.encode(svg);
            out.push_str(&format!(
                "EVCXR_BEGIN_CONTENT text/html\n<img alt=\"{}\" \
                 src=\"data:image/svg+xml;base64,{data}\"/>\nEVCXR_END_CONTENT\n",
                escape_attribute(&self.description())
            ));
        }
        print!("{out}");
    }

    /// What the flame graph shows, in words: its text alternative (the
    /// `alt` text of the picture in the notebook). The samples, and the
    /// functions that were running in the most of them.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let p = course_profiler::Profile {
    ///     value: (),
    ///     samples: 4,
    ///     wall: Duration::from_millis(40),
    ///     stacks: vec![
    ///         (vec!["main".into(), "sum".into()], 3),
    ///         (vec!["main".into(), "read".into()], 1),
    ///     ],
    /// };
    /// assert!(p.description().starts_with("Flame graph of 4 samples over 0.04 s"));
    /// assert!(p.description().ends_with("most samples: sum 75.0 %, read 25.0 %."));
    /// ```
    pub fn description(&self) -> String {
        let widest: Vec<String> = self
            .self_time()
            .into_iter()
            .take(5)
            .map(|(name, share)| format!("{name} {:.1} %", share * 100.0))
            .collect();
        format!(
            "Flame graph of {} samples over {:.2} s: each function a box as wide as its share of \
             the samples, stacked on the function that called it. Running in the most samples: {}.",
            self.samples,
            self.wall.as_secs_f64(),
            if widest.is_empty() {
                "none".to_string()
            } else {
                widest.join(", ")
            }
        )
    }
}

/// Text for an HTML attribute.
fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl<T> fmt::Display for Profile<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} samples over {:.2} s; running in the most samples:",
            self.samples,
            self.wall.as_secs_f64()
        )?;
        for (name, share) in self.self_time().into_iter().take(5) {
            writeln!(f, "{:>5.1} %  {name}", share * 100.0)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[inline(never)]
    fn spin_a_while(n: u64) -> u64 {
        (0..n).fold(1u64, |acc, x| {
            std::hint::black_box(acc.wrapping_mul(6364136223846793005).wrapping_add(x))
        })
    }

    #[test]
    fn a_function_that_takes_all_the_time_is_in_almost_every_sample() {
        let p = profile(|| spin_a_while(400_000_000)).unwrap();
        assert!(p.samples >= 20, "{p}");
        assert!(p.share_of("spin_a_while") > 0.8, "{p}");
        let shares: f64 = p.self_time().iter().map(|(_, s)| s).sum();
        assert!((shares - 1.0).abs() < 1e-9, "{p}");
        let svg = p.flame_graph_svg().unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("spin_a_while"));
    }

    #[test]
    fn the_blocklist_spares_the_kernels_cell_libraries() {
        let cell = "/home/me/.cache/kernels/.tmpAb12/target/debug/deps/libcode_3.so";
        assert!(BLOCKLIST.iter().all(|b| !cell.contains(b)));
        for system in [
            "/lib/x86_64-linux-gnu/libc.so.6",
            "/usr/lib/libgcc_s.so.1",
            "linux-vdso.so.1",
        ] {
            assert!(BLOCKLIST.iter().any(|b| system.contains(b)), "{system}");
        }
    }

    #[test]
    fn stacks_start_at_the_closure() {
        let names = [
            "_start",
            "main",
            "course_profiler::profiled_closure",
            "work",
            "inner",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(trim_stack(names), vec![ROOT, "work", "inner"]);
        let other = [
            "clone",
            "std::sys::backtrace::__rust_begin_short_backtrace",
            "worker",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(trim_stack(other), vec!["other threads", "worker"]);
    }

    #[test]
    fn a_zero_frequency_is_rejected_without_running_the_closure() {
        let mut ran = false;
        let err = Profiler::new().frequency(0).run(|| ran = true).unwrap_err();
        assert!(err.to_string().contains("`frequency`: 0"), "{err}");
        assert!(!ran);
    }

    #[test]
    fn no_samples_gives_advice_not_an_empty_picture() {
        let p = Profile {
            value: (),
            samples: 0,
            wall: Duration::ZERO,
            stacks: vec![],
        };
        assert!(
            p.flame_graph_svg()
                .unwrap_err()
                .to_string()
                .contains("more work")
        );
    }
}
