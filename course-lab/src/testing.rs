//! The test command: crate tests, then every notebook through the real
//! kernel, the kernel's own behaviour (cache, interrupts), then the
//! in-kernel against release-build comparison.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::Context;

use crate::cli::{LabOptions, TestOptions};
use crate::kernelspec;
use crate::lab;
use crate::project::Project;
use crate::setup::Env;
use crate::steps;

/// Marker line printed by the parity notebook.
const PARITY_MARKER: &str = "RELEASE_PARITY_RATIO";

pub fn run(project: &Project, env: &Env, opts: &TestOptions) -> anyhow::Result<ExitCode> {
    if opts.browser_only {
        return browser_only(project, env);
    }
    let mut failures = Vec::new();
    let ok = section(
        "Lab server",
        "(./lab's JupyterLab answers its token, refuses requests without it, and no command line shows it)",
        || lab_server(project, env),
    )?;
    if !ok {
        failures.push("lab server");
    }
    if opts.crate_tests {
        let ok = section("Crate tests", "(cargo test --workspace)", || {
            Ok(Command::new(&env.cargo)
                .args(["test", "--workspace"])
                .current_dir(&project.root)
                .status()
                .context("could not run cargo test")?
                .success())
        })?;
        if !ok {
            failures.push("crate tests");
        }
    }
    if opts.notebooks {
        let mut notebooks = project.notebooks()?;
        if !crate::mpi::program(project).is_file() {
            let (mpi, others): (Vec<PathBuf>, Vec<PathBuf>) =
                notebooks.into_iter().partition(|nb| runs_mpi(nb));
            notebooks = others;
            let names: Vec<String> = mpi
                .iter()
                .filter_map(|nb| nb.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .collect();
            println!(
                "\n!! SKIPPING {}: OpenMPI or the MPI program is missing (see the set-up's \
                 OpenMPI step). Install OpenMPI with `{}`, then run ./lab test again.",
                names.join(", "),
                crate::mpi::install_command()
            );
            if std::env::var_os("CI").is_some_and(|v| v == "true") {
                println!("!! Under CI=true every notebook must run: this is a failure.");
                failures.push("MPI notebooks not run");
            }
        }
        notebooks.extend(project.kernel_check_notebooks()?);
        let detail = format!(
            "through the \"{}\" kernel, each from a fresh kernel",
            kernelspec::NAME
        );
        let ok = section("Notebooks", &detail, || execute(project, env, &notebooks))?;
        let behaviour = section(
            "Kernel behaviour",
            "(an edit to the crate reaches a fresh kernel; one rayon pool per kernel; an interrupt keeps the kernel usable)",
            || {
                Ok(Command::new(&env.python)
                    .arg(project.root.join("tests/kernel_behaviour.py"))
                    .arg("--kernel")
                    .arg(kernelspec::NAME)
                    .arg(&project.root)
                    .current_dir(&project.root)
                    .status()
                    .context("could not run the kernel checks")?
                    .success())
            },
        )?;
        if !behaviour {
            failures.push("kernel behaviour");
        }
        if ok {
            let site = section(
                "Published site in a browser",
                "(./lab publish from this run's notebooks; every page of both editions, then \
                 00-setup-check run in JupyterLab, in headless Chromium)",
                || site_in_browser(project, env),
            )?;
            if !site {
                failures.push("site and browser");
            }
        }
        if !ok {
            failures.push("notebooks");
        } else {
            println!(
                "\n== In-kernel against release build (same workload, same machine)"
            );
            match parity(project) {
                Ok(line) => println!("{line}"),
                Err(e) => {
                    println!("could not compare: {e:#}");
                    failures.push("release parity");
                }
            }
        }
    }
    if failures.is_empty() {
        steps::done("All tests passed.");
        Ok(ExitCode::SUCCESS)
    } else {
        steps::done(&format!("FAILED: {}.", failures.join(", ")));
        Ok(ExitCode::from(1))
    }
}

/// `./lab test --browser-only`: executes the notebooks that have no
/// up-to-date executed copy, then the browser section alone.
fn browser_only(project: &Project, env: &Env) -> anyhow::Result<ExitCode> {
    let stale = crate::publish::stale_notebooks(project)?;
    if !stale.is_empty() {
        println!(
            "\nExecuting {} notebooks without an executed copy newer than the notebook",
            stale.len()
        );
        if !execute(project, env, &stale)? {
            steps::done("FAILED: notebooks (see above).");
            return Ok(ExitCode::from(1));
        }
    }
    let ok = section(
        "Published site in a browser",
        "(every page of both editions, then 00-setup-check run in JupyterLab)",
        || site_in_browser(project, env),
    )?;
    steps::done(if ok {
        "All tests passed."
    } else {
        "FAILED: site and browser."
    });
    Ok(ExitCode::from(if ok { 0 } else { 1 }))
}

/// Runs one part of the tests between a header and a line saying whether
/// it passed and how long it took.
fn section(
    name: &str,
    detail: &str,
    run: impl FnOnce() -> anyhow::Result<bool>,
) -> anyhow::Result<bool> {
    println!("\n== {name} {detail}");
    let (ok, took) = steps::timed(run)?;
    let verdict = if ok { "passed" } else { "FAILED" };
    println!("== {name} {verdict} in {}", steps::seconds(took));
    Ok(ok)
}

/// Starts JupyterLab as `./lab --no-browser` does and checks its token:
/// it is on no process's command line, the server accepts it and refuses
/// a request without it.
fn lab_server(project: &Project, env: &Env) -> anyhow::Result<bool> {
    let opts = LabOptions {
        no_browser: true,
        ..LabOptions::default()
    };
    let mut server = lab::Server::start(project, env, &opts, false)?;
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

fn check_lab_server(server: &lab::Server) -> anyhow::Result<bool> {
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

/// Whether a notebook starts MPI programs (it asks for one with
/// `mpi_program(`), so it needs OpenMPI.
fn runs_mpi(notebook: &Path) -> bool {
    std::fs::read_to_string(notebook).is_ok_and(|text| text.contains("mpi_program("))
}

/// The browser the site and JupyterLab are checked in: `COURSE_CHROMIUM`
/// if set, else Debian's `chromium` or another Chromium on the PATH.
fn find_chromium() -> Option<PathBuf> {
    if let Some(chosen) = std::env::var_os("COURSE_CHROMIUM") {
        return Some(PathBuf::from(chosen));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Whether a missing browser fails the tests: in CI (`CI=true`) it does.
fn browser_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// JupyterLab settings for the browser test: no autosave (the run's outputs
/// must not reach the committed notebook) and no news or update checks.
const LAB_SETTINGS: [(&str, &str); 2] = [
    (
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings",
        r#"{ "autosave": false }"#,
    ),
    (
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings",
        r#"{ "fetchNews": "false", "checkForUpdates": false }"#,
    ),
];

/// Publishes the site from the executed notebooks, then checks it and a
/// JupyterLab started as `./lab --no-browser` does in headless Chromium
/// (`tests/browser_test.py`). Screenshots go to `target/browser/`.
fn site_in_browser(project: &Project, env: &Env) -> anyhow::Result<bool> {
    if let Err(e) = crate::publish::render(project, env) {
        println!("FAILED: {e:#}");
        return Ok(false);
    }
    let Some(chromium) = find_chromium() else {
        if browser_required() {
            println!(
                "FAILED: Chromium was not found, and CI must run the browser test. Install it \
                 (Debian/Ubuntu: apt-get install -y chromium) or name it in COURSE_CHROMIUM."
            );
            return Ok(false);
        }
        println!(
            "SKIPPED the browser test: Chromium was not found. Install it to run it \
             (Debian/Ubuntu: sudo apt-get install -y chromium), or name it in COURSE_CHROMIUM."
        );
        return Ok(true);
    };
    let state = project.root.join("target/browser/lab-state");
    let settings = state.join("settings");
    let workspaces = state.join("workspaces");
    for (file, content) in LAB_SETTINGS {
        let path = settings.join(file);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, content)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    std::fs::create_dir_all(&workspaces)
        .with_context(|| format!("creating {}", workspaces.display()))?;
    let notebook = project.notebooks_dir().join("00-setup-check.ipynb");
    let before = std::fs::read(&notebook)
        .with_context(|| format!("reading {}", notebook.display()))?;
    let opts = LabOptions {
        no_browser: true,
        ..LabOptions::default()
    };
    let started = lab::Server::start_with_env(
        project,
        env,
        &opts,
        false,
        &[
            ("JUPYTERLAB_SETTINGS_DIR", &settings),
            ("JUPYTERLAB_WORKSPACES_DIR", &workspaces),
        ],
    );
    let server = match started {
        Ok(server) => server,
        Err(e) => {
            println!("FAILED: JupyterLab did not start for the browser test: {e:#}");
            return Ok(false);
        }
    };
    let checked = Command::new(&env.python)
        .arg(project.root.join("tests/browser_test.py"))
        .arg("--site")
        .arg(crate::publish::site_dir(project))
        .arg("--notebooks")
        .arg(project.notebooks_dir())
        .arg("--shots")
        .arg(project.root.join("target/browser"))
        .arg("--chromium")
        .arg(&chromium)
        // The address carries the token: in the environment, never on a
        // command line.
        .env("COURSE_LAB_URL", server.url())
        .current_dir(&project.root)
        .status()
        .context("could not run the browser test (tests/browser_test.py)");
    server.stop()?;
    let mut ok = checked?.success();
    if std::fs::read(&notebook).ok().as_deref() != Some(before.as_slice()) {
        println!(
            "FAILED: JupyterLab saved {} during the browser test; it is put back as it was",
            notebook.display()
        );
        std::fs::write(&notebook, &before)
            .with_context(|| format!("restoring {}", notebook.display()))?;
        ok = false;
    }
    Ok(ok)
}

/// Where executed copies of the notebooks go (with outputs), for reading
/// and publishing.
pub fn executed_dir(project: &Project) -> PathBuf {
    project.root.join("target/executed-notebooks")
}

/// Executes `notebooks` through the runner, each from a fresh kernel, and
/// writes their executed copies to [`executed_dir`]; `false` if one failed.
pub fn execute(
    project: &Project,
    env: &Env,
    notebooks: &[PathBuf],
) -> anyhow::Result<bool> {
    let status = Command::new(&env.python)
        .arg(project.root.join("tests/run_notebooks.py"))
        .arg("--kernel")
        .arg(kernelspec::NAME)
        .arg("--out")
        .arg(executed_dir(project))
        .args(notebooks)
        .current_dir(&project.root)
        .status()
        .context("could not run the notebook runner")?;
    Ok(status.success())
}

/// `./lab execute`: run the given notebooks and keep their outputs.
pub fn execute_notebooks(
    project: &Project,
    env: &Env,
    notebooks: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    for nb in notebooks {
        if !nb.is_file() {
            anyhow::bail!("{} is not a file", nb.display());
        }
    }
    let ok = execute(project, env, notebooks)?;
    println!("Executed copies are in {}", executed_dir(project).display());
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Reads the in-kernel against release-build ratio that the parity
/// notebook measured (it runs the release example between its own runs).
fn parity(project: &Project) -> anyhow::Result<String> {
    let executed = executed_dir(project).join("release-parity.ipynb");
    let ratio = marker_in_notebook(&executed)?;
    Ok(format!(
        "Monte-Carlo pi, 10^7 samples, best of 15 alternating runs: \
         in-kernel / release build = {ratio:.3}"
    ))
}

fn marker_in_text(text: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(PARITY_MARKER))
        .and_then(|v| v.trim().parse().ok())
}

fn marker_in_notebook(path: &Path) -> anyhow::Result<f64> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {}", path.display()))?;
    let nb: serde_json::Value = serde_json::from_str(&text)?;
    let outputs = nb["cells"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["outputs"].as_array().into_iter().flatten());
    for out in outputs {
        let text = match &out["text"] {
            serde_json::Value::Array(parts) => {
                parts.iter().filter_map(|p| p.as_str()).collect()
            }
            serde_json::Value::String(s) => s.clone(),
            _ => continue,
        };
        if let Some(v) = marker_in_text(&text) {
            return Ok(v);
        }
    }
    anyhow::bail!(
        "{} has no {PARITY_MARKER} line in its outputs",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parity_marker_is_found_in_output_text() {
        assert_eq!(marker_in_text("x\nRELEASE_PARITY_RATIO 1.02\n"), Some(1.02));
        assert_eq!(marker_in_text("nothing"), None);
    }
}
