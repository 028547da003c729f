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
