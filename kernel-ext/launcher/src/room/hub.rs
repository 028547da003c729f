//! JupyterHub as the room runs it: started detached with its state in
//! `.course/room/state/`, asked over its REST API, and stopped.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

/// How long the hub may take to answer its health check.
const START_LIMIT: Duration = Duration::from_secs(120);

/// An HTTP response: status code and body.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body, as text.
    pub body: String,
}

impl Response {
    /// The body as JSON.
    pub fn json(&self) -> anyhow::Result<Value> {
        serde_json::from_str(&self.body)
            .context("the hub answered with something not JSON")
    }
}

/// One HTTP/1.0 request to `127.0.0.1:port` (the hub listens there), with
/// the API token `token` if given.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> anyhow::Result<Response> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))
        .with_context(|| format!("nothing answers on 127.0.0.1:{port}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n");
    if let Some(token) = token {
        head.push_str(&format!("Authorization: token {token}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() || method != "GET" {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("the hub's answer has no status line")?;
    Ok(Response {
        status,
        body: body.to_string(),
    })
}

/// Starts JupyterHub detached (a session of its own, so that it outlives
/// the launcher), with its output in `log`.
pub fn start(
    jupyterhub: &Path,
    config: &Path,
    state: &Path,
    env: &[(String, String)],
    log: &Path,
) -> anyhow::Result<u32> {
    let file = std::fs::File::create(log)
        .with_context(|| format!("creating {}", log.display()))?;
    let mut cmd = Command::new(jupyterhub);
    cmd.arg("-f")
        .arg(config)
        .current_dir(state)
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file);
    for (k, v) in env {
        cmd.env(k, v);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe and changes only the new
        // process, between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    let child = cmd
        .spawn()
        .with_context(|| format!("could not start {}", jupyterhub.display()))?;
    Ok(child.id())
}

/// Waits until the hub on `port` answers its health check, or the process
/// `pid` ends, or [`START_LIMIT`] passes.
pub fn wait_until_up(port: u16, pid: u32, log: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    while started.elapsed() < START_LIMIT {
        if let Ok(r) = request(port, "GET", "/hub/health", None, None)
            && r.status == 200
        {
            return Ok(());
        }
        if !alive(pid) {
            bail!(
                "JupyterHub stopped while starting; the end of its log ({}):\n{}",
                log.display(),
                tail(log, 25)
            );
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    bail!(
        "JupyterHub did not answer on port {port} within {} s; its log ({}) ends:\n{}",
        START_LIMIT.as_secs(),
        log.display(),
        tail(log, 25)
    )
}

/// Stops the process named in `pid_file` (SIGTERM, then SIGKILL after
/// `grace`), if it is still the program `expect` names; returns whether
/// one was stopped.
pub fn stop_pid_file(pid_file: &Path, expect: &str, grace: Duration) -> bool {
    let Some(pid) = std::fs::read_to_string(pid_file)
        .ok()
        .and_then(|t| t.trim().parse::<u32>().ok())
    else {
        return false;
    };
    let ours = std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|c| String::from_utf8_lossy(&c).contains(expect));
    if !ours {
        let _ = std::fs::remove_file(pid_file);
        return false;
    }
    signal(pid, libc::SIGTERM);
    let started = Instant::now();
    while alive(pid) && started.elapsed() < grace {
        std::thread::sleep(Duration::from_millis(100));
    }
    if alive(pid) {
        signal(pid, libc::SIGKILL);
    }
    let _ = std::fs::remove_file(pid_file);
    true
}

/// Whether process `pid` exists (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit(')')
            .next()
            .is_some_and(|r| !r.trim_start().starts_with('Z'))
    })
}

fn signal(pid: u32, signal: i32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill has no memory effects.
        unsafe { libc::kill(pid, signal) };
    }
}

/// The last `lines` lines of a file.
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The processes in a learner's cgroups (v1, `parallel-course/NAME` under
/// the memory and CPU controllers).
pub fn cgroup_dirs(user: &str) -> Vec<PathBuf> {
    ["memory", "cpu"]
        .iter()
        .map(|c| {
            Path::new("/sys/fs/cgroup")
                .join(c)
                .join("parallel-course")
                .join(user)
        })
        .collect()
}

/// Kills every process in a learner's cgroups and removes the cgroups;
/// returns how many processes it killed.
pub fn clear_cgroups(user: &str) -> usize {
    let mut killed = 0;
    for _ in 0..50 {
        let pids: Vec<u32> = cgroup_dirs(user)
            .iter()
            .filter_map(|d| std::fs::read_to_string(d.join("cgroup.procs")).ok())
            .flat_map(|t| {
                t.split_whitespace()
                    .filter_map(|p| p.parse().ok())
                    .collect::<Vec<u32>>()
            })
            .collect();
        if pids.is_empty() {
            break;
        }
        for pid in pids {
            signal(pid, libc::SIGKILL);
            killed += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for dir in cgroup_dirs(user) {
        let _ = std::fs::remove_dir(dir);
    }
    killed
}

/// A learner's memory in use, from their memory cgroup, in bytes.
pub fn memory_of(user: &str) -> Option<u64> {
    let dir = &cgroup_dirs(user)[0];
    std::fs::read_to_string(dir.join("memory.usage_in_bytes"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_to_nobody_says_so() {
        let err = request(9, "GET", "/hub/health", None, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("nothing answers"), "{err}");
    }

    #[test]
    fn a_pid_file_naming_another_program_is_left_alone() {
        let dir = std::env::temp_dir().join(format!("room-pid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("hub.pid");
        // This test's own process is not a JupyterHub.
        std::fs::write(&file, std::process::id().to_string()).unwrap();
        assert!(!stop_pid_file(&file, "jupyterhub", Duration::from_secs(1)));
        assert!(alive(std::process::id()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_end_of_a_log_is_its_last_lines() {
        let dir = std::env::temp_dir().join(format!("room-tail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("log");
        std::fs::write(&log, "a\nb\nc\n").unwrap();
        assert_eq!(tail(&log, 2), "b\nc");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
