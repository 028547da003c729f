//! What the user sees while set-up runs: numbered steps, streamed output
//! of long commands, a spinner with elapsed time for silent ones, and
//! errors that say what failed and what to do.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};

/// Numbered steps: each prints its header (`[3/7] Installing
/// evcxr_jupyter 0.22.0`), does its work, then prints its outcome and how
/// long it took, indented under the header.
pub struct Steps {
    done: usize,
    total: usize,
}

impl Steps {
    pub fn new(total: usize) -> Steps {
        Steps { done: 0, total }
    }

    /// Runs the next step. `work` returns its value and the outcome line.
    pub fn run<T>(
        &mut self,
        title: &str,
        work: impl FnOnce() -> anyhow::Result<(T, String)>,
    ) -> anyhow::Result<T> {
        self.done += 1;
        println!("[{}/{}] {title}", self.done, self.total);
        let _ = std::io::stdout().flush();
        let ((value, outcome), took) = timed(work)?;
        println!("      {outcome} ({})", seconds(took));
        Ok(value)
    }
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
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("      {spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.set_message(message.to_string());
    spinner.enable_steady_tick(Duration::from_millis(200));
    let output = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("could not start `{what}`. {hint}"));
    spinner.finish_and_clear();
    let output = output?;
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
