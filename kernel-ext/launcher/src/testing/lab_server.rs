//! The lab server's own checks: `./lab`'s JupyterLab answers its token,
//! refuses requests without it, and no command line shows the token.

use anyhow::Context;

use crate::cli::LabOptions;
use crate::env::Env;
use crate::project::Project;
use crate::server;

/// Starts JupyterLab as `./lab --no-browser` does and checks its token:
/// it is on no process's command line, the server accepts it and refuses
/// a request without it.
pub fn check(project: &Project, env: &Env) -> anyhow::Result<bool> {
    let opts = LabOptions {
        no_browser: true,
        ..LabOptions::default()
    };
    let mut server = server::Server::start(&project.notebooks_dir(), env, &opts, false)?;
    let checked = check_lab_server(&server);
    let exited = server.exited();
    server.stop()?;
    match exited {
        Some(status) => {
            checked.with_context(|| format!("JupyterLab had stopped ({status})"))
        }
        None => checked,
    }
}

fn check_lab_server(server: &server::Server) -> anyhow::Result<bool> {
    let mut ok = true;
    println!("JupyterLab listens on port {}", server.port);
    match command_lines() {
        Some(lines) => {
            let own = lines.iter().find(|(pid, _)| *pid == server.pid());
            if own.is_none_or(|(_, cmd)| !cmd.contains("--ServerApp.ip=127.0.0.1")) {
                println!("FAILED: the server's own command line was not found in /proc");
                ok = false;
            }
            let showing: Vec<u32> = lines
                .iter()
                .filter(|(_, cmd)| cmd.contains(&server.token))
                .map(|(pid, _)| *pid)
                .collect();
            if showing.is_empty() {
                println!(
                    "the token is on none of the {} processes' command lines",
                    lines.len()
                );
            } else {
                println!(
                    "FAILED: the token is on the command line of processes {showing:?}"
                );
                ok = false;
            }
        }
        None => println!(
            "SKIPPED the command-line check: this system has no /proc to list \
             command lines from"
        ),
    }
    let with = http_status(server.port, Some(&server.token))?;
    let without = http_status(server.port, None)?;
    println!("GET /api/status: {with} with the token, {without} without it");
    if with != 200 || without != 403 {
        println!("FAILED: expected 200 with the token and 403 without it");
        ok = false;
    }
    Ok(ok)
}

/// Every process's id and command line (arguments joined by spaces), from
/// `/proc`; `None` where there is no `/proc`.
fn command_lines() -> Option<Vec<(u32, String)>> {
    let entries = std::fs::read_dir("/proc").ok()?;
    let lines = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let raw = std::fs::read(e.path().join("cmdline")).ok()?;
            let text = String::from_utf8_lossy(&raw).replace('\0', " ");
            Some((pid, text))
        })
        .collect();
    Some(lines)
}

/// The status code of `GET /api/status` on the local server, with the
/// token in the `Authorization` header if given.
fn http_status(port: u16, token: Option<&str>) -> anyhow::Result<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect((std::net::Ipv4Addr::LOCALHOST, port))
        .with_context(|| format!("connecting to JupyterLab on port {port}"))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    let auth = token.map_or(String::new(), |t| format!("Authorization: token {t}\r\n"));
    write!(
        stream,
        "GET /api/status HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n{auth}\r\n"
    )?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    let reply = String::from_utf8_lossy(&reply);
    let status_line = reply.lines().next().unwrap_or_default();
    status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| {
            format!("JupyterLab answered {status_line:?}, not an HTTP status")
        })
}

/// `./lab` stopped by a signal, as closing its terminal (SIGHUP) or a
/// service manager (SIGTERM) stops it: for each, `./lab --no-browser` is
/// started until its JupyterLab answers, the signal is sent, and the check
/// passes when `./lab` has ended and none of what it started is left: its
/// JupyterLab and every other process below it, and the cluster's daemons,
/// which leave the process tree when they start (found by the checkout's
/// `.course/slurm/` on their command lines or in their environment). Linux, where `/proc` lists
/// processes; elsewhere skipped with a message.
pub fn stops_on_signals(project: &Project) -> anyhow::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        let mut ok = true;
        for (name, signal) in [("SIGTERM", libc::SIGTERM), ("SIGHUP", libc::SIGHUP)] {
            ok &= stop_lab_with(project, name, signal)?;
        }
        Ok(ok)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = project;
        println!("SKIPPED the signal check: it lists processes from /proc (Linux)");
        Ok(true)
    }
}

#[cfg(target_os = "linux")]
fn stop_lab_with(project: &Project, name: &str, signal: i32) -> anyhow::Result<bool> {
    use std::time::{Duration, Instant};
    let daemons_marker = project.root.join(".course/slurm").display().to_string();
    let daemons = || -> Vec<(u32, String)> {
        command_lines()
            .unwrap_or_default()
            .into_iter()
            .filter(|(pid, cmd)| {
                // slurmctld, slurmd and slurmdbd find the course's files
                // through SLURM_CONF, in their environment.
                let environ =
                    std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
                *pid != std::process::id()
                    && (cmd.contains(&daemons_marker)
                        || String::from_utf8_lossy(&environ).contains(&daemons_marker))
            })
            .collect()
    };
    // A cluster of this checkout already running (another ./lab) would be
    // counted as left behind: say so rather than blame this ./lab.
    let before = daemons();
    if !before.is_empty() {
        println!(
            "{name}: the cluster's daemons of this checkout already run (pids {:?}); \
             checking JupyterLab and ./lab's own processes only",
            before.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
    }
    let port = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port();
    let log_path = project.logs_dir().join(format!("lab-{name}.log"));
    std::fs::create_dir_all(project.logs_dir())?;
    let log = std::fs::File::create(&log_path)?;
    // The README's command itself (`lab` execs cargo, which execs the
    // launcher: one process, which gets the signal).
    let mut lab = std::process::Command::new(project.root.join("lab"))
        .args(["--no-browser", "--port", &port.to_string()])
        .current_dir(&project.root)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("could not start ./lab")?;
    let pid = lab.id();
    let tail = || {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    };
    let started = Instant::now();
    let answering =
        || std::net::TcpStream::connect((std::net::Ipv4Addr::LOCALHOST, port)).is_ok();
    while !answering() {
        if let Some(status) = lab.try_wait()? {
            println!(
                "FAILED: {name}: ./lab ended ({status}) before its JupyterLab answered:\n{}",
                tail()
            );
            return Ok(false);
        }
        if started.elapsed() > Duration::from_secs(600) {
            // SAFETY: kill has no memory effects; the pid is our own child.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            let _ = lab.wait();
            println!(
                "FAILED: {name}: ./lab's JupyterLab did not answer within 10 min:\n{}",
                tail()
            );
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let up = started.elapsed();
    // What ./lab started: the processes below it, and the daemons that
    // left its tree.
    let mut started_by_lab: Vec<(u32, String)> = {
        let below = course_kernel_core::procfs::descendants(pid);
        command_lines()
            .unwrap_or_default()
            .into_iter()
            .filter(|(p, _)| below.contains(p))
            .collect()
    };
    for daemon in daemons() {
        if !before.iter().any(|(p, _)| *p == daemon.0)
            && !started_by_lab.contains(&daemon)
        {
            started_by_lab.push(daemon);
        }
    }
    let signalled = Instant::now();
    // SAFETY: kill has no memory effects; the pid is our own child.
    unsafe { libc::kill(pid as i32, signal) };
    let ended = loop {
        if let Some(status) = lab.try_wait()? {
            break Some(status);
        }
        if signalled.elapsed() > Duration::from_secs(60) {
            // SAFETY: as above.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            let _ = lab.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let Some(status) = ended else {
        println!(
            "FAILED: {name}: ./lab was still running 60 s after the signal:\n{}",
            tail()
        );
        return Ok(false);
    };
    let took = signalled.elapsed();
    // The same pid with the same command line is the same process.
    let left = || -> Vec<(u32, String)> {
        let now = command_lines().unwrap_or_default();
        started_by_lab
            .iter()
            .filter(|p| now.contains(p))
            .cloned()
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while !left().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let left = left();
    let expected = 128 + signal;
    let status_ok = status.code() == Some(expected);
    let short = |cmd: &str| {
        cmd.split_whitespace()
            .next()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string()
    };
    let names: Vec<String> = started_by_lab.iter().map(|(_, c)| short(c)).collect();
    if left.is_empty() && status_ok && !answering() {
        println!(
            "{name}: ./lab answered in {:.1} s; after the signal it ended in {:.1} s (status {expected}) \
             and none of the {} processes it started is left ({})",
            up.as_secs_f64(),
            took.as_secs_f64(),
            started_by_lab.len(),
            names.join(", ")
        );
        Ok(true)
    } else {
        println!(
            "FAILED: {name}: ./lab ended with {status} (expected {expected}); JupyterLab's port {} \
             answers: {}; left: {:?}\n{}",
            port,
            answering(),
            left.iter()
                .map(|(p, c)| format!("{p} {}", short(c)))
                .collect::<Vec<_>>(),
            tail()
        );
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    /// Starts and signals this checkout's real `./lab` (about a minute):
    /// `cargo test -- --ignored lab_stopped_by_a_signal`.
    #[cfg(target_os = "linux")]
    #[test]
    #[ignore = "starts this checkout's ./lab, its cluster and JupyterLab"]
    fn lab_stopped_by_a_signal_leaves_nothing() {
        let project = crate::project::Project::locate().expect("run inside the course");
        assert!(super::stops_on_signals(&project).expect("the check ran"));
    }
}
