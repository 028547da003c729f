//! What the user sees while set-up runs: numbered steps, streamed output
//! of long commands, a spinner with elapsed time for silent ones, work
//! that runs in the background with its output in a log, and errors that
//! say what failed and what to do.

use std::cell::RefCell;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};

/// Numbered steps: each prints its header (`[3/7] Installing
/// evcxr_jupyter 0.22.0`), does its work, then prints its outcome and how
/// long it took, indented under the header. Each step's time is kept for
/// the summary ([`Steps::summary`]).
pub struct Steps {
    done: usize,
    total: usize,
    started: Instant,
    /// Each step's number, title, start (since `started`) and duration.
    timings: Vec<Timing>,
}

/// When a step started and how long it took.
#[derive(Debug, Clone)]
pub struct Timing {
    /// The step's number, as its header showed it.
    pub number: usize,
    /// Its title.
    pub title: String,
    /// When it started, counted from the start of set-up.
    pub start: Duration,
    /// How long it ran.
    pub took: Duration,
    /// Whether it ran in the background, beside the steps after it.
    pub background: bool,
}

impl Steps {
    pub fn new(total: usize) -> Steps {
        Steps {
            done: 0,
            total,
            started: Instant::now(),
            timings: Vec::new(),
        }
    }

    /// Prints the next step's header and returns its number.
    fn header(&mut self, title: &str, note: &str) -> usize {
        self.done += 1;
        println!("[{}/{}] {title}{note}", self.done, self.total);
        let _ = std::io::stdout().flush();
        self.done
    }

    /// Runs the next step. `work` returns its value and the outcome line.
    pub fn run<T>(
        &mut self,
        title: &str,
        work: impl FnOnce() -> anyhow::Result<(T, String)>,
    ) -> anyhow::Result<T> {
        let number = self.header(title, "");
        let start = self.started.elapsed();
        let ((value, outcome), took) = timed(work)?;
        println!("      {outcome} ({})", seconds(took));
        self.timings.push(Timing {
            number,
            title: title.to_string(),
            start,
            took,
            background: false,
        });
        Ok(value)
    }

    /// Starts the next step in a thread of `scope` and returns at once.
    /// The commands it runs write to `log` instead of the terminal (and so
    /// does [`say`]); [`Steps::wait`] waits for it and shows its outcome.
    pub fn start<'scope, T: Send + 'scope>(
        &mut self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        title: &str,
        log: &Path,
        work: impl FnOnce() -> anyhow::Result<(T, String)> + Send + 'scope,
    ) -> anyhow::Result<Background<'scope, T>> {
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating {}", dir.display()))?;
        }
        let file = File::create(log)
            .with_context(|| format!("creating the log {}", log.display()))?;
        let number = self.header(
            title,
            &format!(
                ": started in the background (its output: {})",
                log.display()
            ),
        );
        let start = self.started.elapsed();
        let began = Instant::now();
        let handle = scope.spawn(move || {
            LOG.with(|l| *l.borrow_mut() = Some(file));
            let result = work();
            LOG.with(|l| *l.borrow_mut() = None);
            result.map(|(value, outcome)| (value, outcome, began.elapsed()))
        });
        Ok(Background {
            number,
            title: title.to_string(),
            log: log.to_path_buf(),
            start,
            handle,
        })
    }

    /// Waits for a step started with [`Steps::start`], showing the last
    /// line of its log meanwhile, then prints its outcome.
    pub fn wait<T>(&mut self, job: Background<'_, T>) -> anyhow::Result<T> {
        println!(
            "[{}/{}] Waiting for step {}: {}",
            job.number, self.total, job.number, job.title
        );
        let waited = Instant::now();
        let spinner = spinner("");
        while !job.handle.is_finished() {
            spinner.set_message(last_line(&job.log));
            std::thread::sleep(Duration::from_millis(200));
        }
        spinner.finish_and_clear();
        let result = job
            .handle
            .join()
            .map_err(|_| anyhow::anyhow!("step {} stopped with a panic", job.number))?;
        let (value, outcome, took) = result.with_context(|| {
            format!(
                "step {} ({}) failed; its whole output is in {}",
                job.number,
                job.title,
                job.log.display()
            )
        })?;
        println!(
            "      {outcome} ({}, of which {} waited here)",
            seconds(took),
            seconds(waited.elapsed())
        );
        self.timings.push(Timing {
            number: job.number,
            title: job.title,
            start: job.start,
            took,
            background: true,
        });
        Ok(value)
    }

    /// Where the time went: one line per step, in the order they started,
    /// then the total.
    pub fn summary(&self) -> String {
        summarise(&self.timings, self.started.elapsed())
    }
}

/// A step running in the background ([`Steps::start`]).
pub struct Background<'scope, T> {
    number: usize,
    title: String,
    log: PathBuf,
    start: Duration,
    handle: std::thread::ScopedJoinHandle<'scope, anyhow::Result<(T, String, Duration)>>,
}

thread_local! {
    /// The log of the background step this thread runs, if it runs one.
    static LOG: RefCell<Option<File>> = const { RefCell::new(None) };
}

/// Sends this thread's command output and [`say`] lines to `log` from now
/// on (for work done in a thread of its own).
pub fn log_to(log: File) {
    LOG.with(|l| *l.borrow_mut() = Some(log));
}

/// The current background step's log, for a command's output.
fn log_file() -> Option<File> {
    LOG.with(|l| l.borrow().as_ref().and_then(|f| f.try_clone().ok()))
}

/// Prints a line of a step's own: to the terminal, or to the log when the
/// step runs in the background.
pub fn say(text: &str) {
    match log_file() {
        Some(mut log) => {
            let _ = writeln!(log, "{text}");
        }
        None => println!("{text}"),
    }
}

/// The summary's text: steps in the order they started, with when each
/// started and how long it took; background steps say so.
fn summarise(timings: &[Timing], total: Duration) -> String {
    let mut rows: Vec<&Timing> = timings.iter().collect();
    rows.sort_by_key(|t| (t.start, t.number));
    let mut out = format!("Where set-up's {} went:\n", seconds(total));
    for t in rows {
        let clock = |d: Duration| format!("{}:{:02}", d.as_secs() / 60, d.as_secs() % 60);
        out.push_str(&format!(
            "  {:>2}. {:<62} {:>5} → {:>5}  {:>10}{}\n",
            t.number,
            shorten(&t.title, 62),
            clock(t.start),
            clock(t.start + t.took),
            seconds(t.took),
            if t.background {
                "  (in the background)"
            } else {
                ""
            }
        ));
    }
    out
}

/// `text`, cut to `width` characters with an ellipsis.
fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

/// The last non-empty line of a log, for a spinner's message.
fn last_line(log: &Path) -> String {
    let Ok(text) = std::fs::read(log) else {
        return String::new();
    };
    let start = text.len().saturating_sub(4096);
    String::from_utf8_lossy(&text[start..])
        .split(['\n', '\r'])
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .map(|l| shorten(l, 70))
        .unwrap_or_default()
}

fn spinner(message: &str) -> ProgressBar {
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("      {spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.set_message(message.to_string());
    spinner.enable_steady_tick(Duration::from_millis(200));
    spinner
}

/// Runs `work` and returns its value with how long it took.
pub fn timed<T>(
    work: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<(T, Duration)> {
    let started = Instant::now();
    let value = work()?;
    Ok((value, started.elapsed()))
}

/// Prints a final line.
pub fn done(text: &str) {
    println!("\n{text}");
}

pub fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(60) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} min {} s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

/// Describes a command for messages: `python3 -m venv .venv`.
pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs a command with its output shown as it comes (pip's and cargo's
/// own progress). `hint` says what to do if it fails.
pub fn run_streamed(cmd: &mut Command, hint: &str) -> anyhow::Result<()> {
    let what = describe(cmd);
    if let Some(log) = log_file() {
        let err = log.try_clone()?;
        let mut head = log.try_clone()?;
        let _ = writeln!(head, "$ {what}");
        cmd.stdout(log).stderr(err);
        crate::system::end_with_launcher(cmd);
    }
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{what}`. {hint}"))?;
    if !status.success() {
        bail!("`{what}` failed ({status}). {hint}");
    }
    Ok(())
}

/// Runs a command that prints little for a long time, with a spinner
/// showing the elapsed time. Its output is captured and shown only if it
/// fails.
pub fn run_with_spinner(
    cmd: &mut Command,
    message: &str,
    hint: &str,
) -> anyhow::Result<Output> {
    let what = describe(cmd);
    let log = log_file();
    if log.is_some() {
        crate::system::end_with_launcher(cmd);
    }
    let spinner = match &log {
        // A step in the background draws nothing: the foreground owns
        // the terminal.
        Some(_) => ProgressBar::hidden(),
        None => spinner(message),
    };
    let output = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("could not start `{what}`. {hint}"));
    spinner.finish_and_clear();
    let output = output?;
    if let Some(mut log) = log {
        let _ = writeln!(log, "$ {what}");
        let _ = log.write_all(&output.stdout);
        let _ = log.write_all(&output.stderr);
    }
    if !output.status.success() {
        bail!(
            "`{what}` failed ({}). {hint}\n--- its output ---\n{}{}",
            output.status,
            tail(&String::from_utf8_lossy(&output.stdout), 40),
            tail(&String::from_utf8_lossy(&output.stderr), 40)
        );
    }
    Ok(output)
}

/// Runs a quick command and returns its stdout, or `None` if it could not
/// run or failed.
pub fn capture(cmd: &mut Command) -> Option<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    let mut out = all[start..].join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out
}
