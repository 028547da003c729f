//! `./lab rehearse`: the fresh-machine rehearsal. A developer's machine is
//! not a new machine: packages, caches and builds left by earlier runs can
//! hide a missing set-up step. The rehearsal takes them away, then does
//! what a new user does, and reports each command's time and result.
//!
//! As root it
//! 1. purges every system package the course installs ([`packages::NEEDS`])
//!    with apt-get, and the packages only they brought, and empties
//!    apt-get's cache of downloaded packages;
//! 2. removes the caches a new machine lacks: `~/.cache/parallel-course`
//!    (the kernel's build), `~/.cache/evcxr`, pip's cache and Cargo's
//!    downloaded crates (`~/.cargo/registry`, `~/.cargo/git`);
//! 3. clones the checkout's current commit into a new folder (so no `.venv`,
//!    `.course` or `target/` comes along; uncommitted changes do not
//!    either, and it says so);
//! 4. runs the README's first command there, `./lab --no-browser`, until
//!    JupyterLab answers, then stops it with SIGTERM and checks that
//!    nothing it started is left;
//! 5. runs the README's test command, `./lab test`, with `CI=true`.
//!
//! Each command's output goes to a log beside the clone.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::project::Project;
use crate::setup::{apt, packages};
use crate::steps;
use crate::system;

/// How long `./lab` may take to set up and start JupyterLab.
const LAB_LIMIT: Duration = Duration::from_secs(45 * 60);

/// What one README command did.
struct Outcome {
    command: &'static str,
    took: Duration,
    passed: bool,
    detail: String,
    log: PathBuf,
}

/// Runs the rehearsal; `yes` confirms the removals.
pub fn run(project: &Project, yes: bool) -> anyhow::Result<ExitCode> {
    if !system::running_as_root() || !apt::allowed() {
        bail!(
            "the rehearsal removes system packages, so it runs as root on a machine with \
             apt-get (Debian/Ubuntu); here it cannot. Run it on a disposable machine."
        );
    }
    let home = system::home_dir().context("HOME is not set")?;
    let caches: Vec<PathBuf> = [
        system::course_cache().ok(),
        system::cache_home().map(|c| c.join("evcxr")),
        // The kernels' view of the standard library (evcxr patch 8).
        system::cache_home().map(|c| c.join("evcxr-library")),
        system::cache_home().map(|c| c.join("pip")),
        Some(home.join(".cargo/registry")),
        Some(home.join(".cargo/git")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let purge = packages::packages_of(packages::NEEDS.iter());
    println!(
        "The rehearsal will\n  purge the Debian packages {}\n  remove {}\n  clone this \
         checkout's HEAD into a new folder and run `./lab --no-browser`, then `CI=true ./lab \
         test` there.",
        purge.join(" "),
        caches
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !yes {
        println!("Nothing was done. Run `./lab rehearse --yes` to go ahead.");
        return Ok(ExitCode::from(2));
    }
    if dirty(project) {
        println!(
            "!! The working tree has uncommitted changes: the rehearsal tests the last commit \
             only."
        );
    }
    let commit = git(project, &["rev-parse", "HEAD"])?;
    let started = Instant::now();
    steps::run_streamed(
        Command::new("apt-get")
            .args(["purge", "-y", "-q", "--auto-remove"])
            .args(&purge)
            .env("DEBIAN_FRONTEND", "noninteractive"),
        "apt-get could not remove the course's packages; its messages are above.",
    )?;
    // A new machine has not downloaded them either.
    steps::run_streamed(
        Command::new("apt-get").arg("clean"),
        "apt-get could not empty its cache of downloaded packages.",
    )?;
    for cache in &caches {
        if cache.exists() {
            std::fs::remove_dir_all(cache)
                .with_context(|| format!("removing {}", cache.display()))?;
        }
    }
    let base = std::env::temp_dir().join(format!(
        "course-rehearsal-{}",
        &commit[..commit.len().min(12)]
    ));
    if base.exists() {
        std::fs::remove_dir_all(&base).with_context(|| {
            format!("removing the last rehearsal's {}", base.display())
        })?;
    }
    std::fs::create_dir_all(&base)?;
    let clone = base.join("course");
    steps::run_streamed(
        Command::new("git")
            .args(["clone", "--quiet", "--no-hardlinks"])
            .arg(&project.root)
            .arg(&clone),
        "git could not clone the checkout.",
    )?;
    steps::run_streamed(
        Command::new("git")
            .args(["checkout", "--quiet", "--detach", &commit])
            .current_dir(&clone),
        "git could not check out the commit.",
    )?;
    println!(
        "Removed in {}; rehearsing commit {} in {}",
        steps::seconds(started.elapsed()),
        &commit[..12.min(commit.len())],
        clone.display()
    );
    let lab = start_lab(&clone, &base.join("lab.log"))?;
    let test = run_tests(&clone, &base.join("test.log"))?;
    println!("\nFresh-machine rehearsal of {commit}:");
    let mut all = true;
    for o in [&lab, &test] {
        all &= o.passed;
        println!(
            "  {:<28} {:<6} in {:>12}  {}  (log: {})",
            o.command,
            if o.passed { "passed" } else { "FAILED" },
            steps::seconds(o.took),
            o.detail,
            o.log.display()
        );
    }
    for o in [&lab, &test] {
        if let Some(summary) = setup_summary(&o.log) {
            println!("\n{}:\n{summary}", o.command);
        }
    }
    Ok(if all {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A command as a new user's shell would run it: the toolchain on `PATH`,
/// none of the variables Cargo sets for the program it runs.
fn fresh_command(program: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir).env_clear();
    for name in [
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "TERM", "SHELL", "TMPDIR",
    ] {
        if let Some(value) = std::env::var_os(name) {
            cmd.env(name, value);
        }
    }
    cmd
}

/// README command 1: `./lab --no-browser`, until JupyterLab answers; then
/// SIGTERM, and nothing of it may be left.
fn start_lab(clone: &Path, log: &Path) -> anyhow::Result<Outcome> {
    println!("\n== ./lab --no-browser (output in {})", log.display());
    let file = std::fs::File::create(log)?;
    let started = Instant::now();
    let mut child = fresh_command("./lab", clone)
        .arg("--no-browser")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(file.try_clone()?)
        .spawn()
        .context("could not start ./lab in the clone")?;
    let stdout = child.stdout.take().context("no output from ./lab")?;
    let (lines, read) = std::sync::mpsc::channel();
    let mut copy = file;
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = std::io::Write::write_all(&mut copy, format!("{line}\n").as_bytes());
            let _ = lines.send(line);
        }
    });
    let mut url = None;
    while url.is_none() && started.elapsed() < LAB_LIMIT {
        match read.recv_timeout(Duration::from_secs(5)) {
            Ok(line) => {
                if let Some(rest) = line.trim().strip_prefix("Open:") {
                    url = Some(rest.trim().to_string());
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let took = started.elapsed();
    let answered = url.as_deref().is_some_and(answers);
    // SIGTERM, as closing a terminal or a service manager sends.
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: signals the child this function started and has not
        // yet waited for.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
    let stopped = wait_with_limit(&mut child, Duration::from_secs(60));
    std::thread::sleep(Duration::from_secs(2));
    let left = processes_under(clone);
    for pid in &left {
        // SAFETY: kills a leftover process of the clone, found by its
        // working folder or command line.
        #[cfg(unix)]
        unsafe {
            libc::kill(*pid, libc::SIGKILL)
        };
    }
    let passed = answered && stopped && left.is_empty();
    let detail = format!(
        "JupyterLab {}; SIGTERM {}; {}",
        if answered {
            "answered"
        } else {
            "did NOT answer"
        },
        if stopped {
            "stopped ./lab"
        } else {
            "did NOT stop ./lab within 60 s"
        },
        if left.is_empty() {
            "nothing left running".to_string()
        } else {
            format!(
                "{} processes LEFT RUNNING (killed now): {left:?}",
                left.len()
            )
        }
    );
    Ok(Outcome {
        command: "./lab --no-browser",
        took,
        passed,
        detail,
        log: log.to_path_buf(),
    })
}

/// README command 2: `./lab test` under `CI=true`.
fn run_tests(clone: &Path, log: &Path) -> anyhow::Result<Outcome> {
    println!("\n== CI=true ./lab test (output in {})", log.display());
    let file = std::fs::File::create(log)?;
    let started = Instant::now();
    let status = fresh_command("./lab", clone)
        .arg("test")
        .env("CI", "true")
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()
        .context("could not run ./lab test in the clone")?;
    let took = started.elapsed();
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let last = text
        .lines()
        .rev()
        .find(|l| l.starts_with("All tests passed") || l.starts_with("FAILED"))
        .unwrap_or("no verdict in its output")
        .to_string();
    Ok(Outcome {
        command: "CI=true ./lab test",
        took,
        passed: status.success(),
        detail: format!("{status}; {last}"),
        log: log.to_path_buf(),
    })
}

/// The set-up summary a run printed (`Where set-up's … went:` and its
/// lines).
fn setup_summary(log: &Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    let start = text.find("Where set-up's")?;
    let block: Vec<&str> = text[start..]
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .collect();
    Some(block.join("\n"))
}

/// Whether an address answers an HTTP request with a status line.
fn answers(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let Ok(mut stream) = std::net::TcpStream::connect(host) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!("GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
    if std::io::Write::write_all(&mut stream, request.as_bytes()).is_err() {
        return false;
    }
    let mut first = String::new();
    BufReader::new(stream).read_line(&mut first).is_ok() && first.starts_with("HTTP/1.")
}

/// Waits up to `limit` for `child`; whether it ended.
fn wait_with_limit(child: &mut std::process::Child, limit: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

/// Processes whose working folder or command line is inside `dir`
/// (Linux: read from `/proc`; elsewhere none are found).
fn processes_under(dir: &Path) -> Vec<i32> {
    let mut found = Vec::new();
    #[cfg(target_os = "linux")]
    {
        let text = dir.to_string_lossy().into_owned();
        let me = std::process::id() as i32;
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            if pid == me {
                continue;
            }
            let cwd = std::fs::read_link(entry.path().join("cwd")).unwrap_or_default();
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if cwd.starts_with(dir) || String::from_utf8_lossy(&cmdline).contains(&text) {
                found.push(pid);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dir;
    found
}

/// Whether the checkout has uncommitted changes to tracked files.
fn dirty(project: &Project) -> bool {
    git(project, &["status", "--porcelain", "--untracked-files=no"])
        .is_ok_and(|s| !s.is_empty())
}

fn git(project: &Project, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(&project.root)
        .output()
        .context("could not run git")?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setup_summary_is_read_from_a_log() {
        let dir =
            std::env::temp_dir().join(format!("course-rehearse-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("lab.log");
        std::fs::write(
            &log,
            "[1/2] x\nWhere set-up's 8 min 1 s went:\n   1. a  0:00 → 0:01  1.0 s\n\nlater\n",
        )
        .unwrap();
        let summary = setup_summary(&log).unwrap();
        assert!(summary.starts_with("Where set-up's 8 min 1 s went:"));
        assert!(summary.ends_with("1.0 s"), "{summary}");
        assert!(!summary.contains("later"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_address_nobody_serves_does_not_answer() {
        assert!(!answers("http://127.0.0.1:9/lab"));
        assert!(!answers("not a url"));
    }
}
