//! Starting JupyterLab on a folder (the learners' `work/`), bound to
//! 127.0.0.1 with a token.
//!
//! The token is generated from the operating system's random source and
//! handed to Jupyter in the `JUPYTER_TOKEN` environment variable, which
//! only the user's own processes can read, never on the command line,
//! which every user can list (`ps`, `/proc/*/cmdline`). Jupyter binds the
//! port itself, trying the next one while a port is taken; the launcher
//! reads the port it got from its log and prints the address to open.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStderr, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::cli::LabOptions;
use crate::env::Env;
use crate::kernel::spec::DISPLAY_NAME;
use crate::project::Project;
use crate::system::running_as_root;

/// The first port tried, Jupyter's usual one.
const FIRST_PORT: u16 = 8888;

/// How many further ports Jupyter tries when no port was asked for.
const PORT_RETRIES: u16 = 99;

/// How long JupyterLab may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(180);

/// A running JupyterLab started by [`Server::start`].
pub struct Server {
    child: Child,
    /// The port Jupyter listens on.
    pub port: u16,
    /// The token that opens it.
    pub token: String,
}

impl Server {
    /// Starts JupyterLab and waits until it listens. In the `foreground`
    /// its log is copied to standard error as it comes, for as long as it
    /// runs, and Ctrl-C is left to it (the launcher ignores it from then
    /// on); otherwise the log is kept until it listens, for messages.
    pub fn start(
        root: &Path,
        env: &Env,
        opts: &LabOptions,
        foreground: bool,
    ) -> anyhow::Result<Server> {
        Server::start_with_env(root, env, opts, foreground, &[])
    }

    /// [`Server::start`] with extra environment variables for JupyterLab
    /// (the browser test gives it settings and workspaces of its own).
    pub fn start_with_env(
        root: &Path,
        env: &Env,
        opts: &LabOptions,
        foreground: bool,
        extra_env: &[(&str, &Path)],
    ) -> anyhow::Result<Server> {
        let token = random_token()?;
        let mut cmd = jupyter_command(root, env, opts, &token);
        for (name, value) in extra_env {
            cmd.env(name, value);
        }
        let mut child = cmd.spawn().with_context(|| {
            format!(
                "could not start JupyterLab ({})",
                cmd.get_program().to_string_lossy()
            )
        })?;
        if foreground {
            ignore_interrupts();
        }
        let Some(stderr) = child.stderr.take() else {
            bail!("JupyterLab's log could not be read");
        };
        let log = follow_log(stderr, foreground);
        let mut seen = Vec::new();
        loop {
            match log.recv_timeout(START_TIMEOUT) {
                Ok(line) => {
                    let port = port_in_log_line(&line);
                    seen.push(line);
                    if let Some(port) = port {
                        let mut server = Server { child, port, token };
                        server.wait_until_accepting()?;
                        return Ok(server);
                    }
                }
                Err(e) => {
                    let _ = child.kill();
                    let status = child.wait().ok();
                    let log = if foreground { &[][..] } else { &seen[..] };
                    return Err(start_failure(e, status, opts.port, log));
                }
            }
        }
    }

    /// Waits until the port accepts connections: Jupyter names the port
    /// in its log a moment before it accepts them.
    fn wait_until_accepting(&mut self) -> anyhow::Result<()> {
        let address = (std::net::Ipv4Addr::LOCALHOST, self.port);
        for _ in 0..600 {
            if std::net::TcpStream::connect(address).is_ok() {
                return Ok(());
            }
            if let Some(status) = self.exited() {
                bail!("JupyterLab stopped ({status}) before accepting connections");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        bail!(
            "JupyterLab named port {} but accepted no connection there within 60 s",
            self.port
        )
    }

    /// The address to open in a browser.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/lab?token={}", self.port, self.token)
    }

    /// The process id of the Jupyter server.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How JupyterLab exited, if it has.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits for JupyterLab to exit.
    pub fn wait(mut self) -> anyhow::Result<std::process::ExitStatus> {
        self.child.wait().context("waiting for JupyterLab")
    }

    /// Asks JupyterLab to shut down (SIGTERM on Unix) and waits for it,
    /// killing it if it has not stopped after 20 s.
    pub fn stop(mut self) -> anyhow::Result<()> {
        #[cfg(unix)]
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: sends SIGTERM to the child this struct owns and has
            // not yet waited for, so the pid still names it.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            for _ in 0..200 {
                if self.child.try_wait()?.is_some() {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        self.child
            .wait()
            .context("waiting for JupyterLab to stop")?;
        Ok(())
    }
}

/// The `jupyter lab` command: bound to 127.0.0.1, serving `root`, the
/// token in its environment, `--allow-root` for root.
fn jupyter_command(root: &Path, env: &Env, opts: &LabOptions, token: &str) -> Command {
    let (first, retries) = match opts.port {
        Some(p) => (p, 0),
        None => (FIRST_PORT, PORT_RETRIES),
    };
    let mut cmd = Command::new(&env.jupyter);
    cmd.arg("lab")
        .arg("--ServerApp.ip=127.0.0.1")
        .arg(format!("--ServerApp.port={first}"))
        .arg(format!("--ServerApp.port_retries={retries}"))
        .arg(format!("--ServerApp.root_dir={}", root.display()))
        .env("JUPYTER_TOKEN", token)
        .env("JUPYTER_PLATFORM_DIRS", "1")
        // Each notebook opened after the first gets a warm spare kernel.
        .env(crate::kernel::spec::SPARES_ENV, "1")
        .stderr(Stdio::piped());
    // JupyterLab ends with the launcher, however the launcher ends.
    crate::system::end_with_launcher(&mut cmd);
    if opts.no_browser {
        cmd.arg("--no-browser");
    }
    if running_as_root() {
        // Jupyter refuses to start as root unless told to; containers and
        // CI machines often run as root.
        println!(
            "Running as root: JupyterLab is started with --allow-root, which it needs \
             to run as root."
        );
        cmd.arg("--allow-root");
    }
    cmd
}

/// Reads JupyterLab's log to its end on a thread of its own, so that
/// Jupyter never blocks on a full pipe: copied to standard error in the
/// `foreground`, and sent line by line until the line naming its port.
fn follow_log(stderr: ChildStderr, foreground: bool) -> mpsc::Receiver<String> {
    let (lines, log) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut line = String::new();
        let mut listening = false;
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
            if foreground {
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
            if !listening {
                listening = port_in_log_line(&line).is_some();
                let _ = lines.send(line.trim_end().to_string());
            }
            line.clear();
        }
    });
    log
}

/// Why JupyterLab did not start listening, with what to do and the log
/// lines `seen` (empty when the log went to the terminal already).
fn start_failure(
    e: mpsc::RecvTimeoutError,
    status: Option<std::process::ExitStatus>,
    port: Option<u16>,
    seen: &[String],
) -> anyhow::Error {
    let why = match (e, status) {
        (mpsc::RecvTimeoutError::Timeout, _) => format!(
            "JupyterLab did not start listening within {} s",
            START_TIMEOUT.as_secs()
        ),
        (mpsc::RecvTimeoutError::Disconnected, Some(s)) => {
            format!("JupyterLab stopped before listening ({s})")
        }
        (mpsc::RecvTimeoutError::Disconnected, None) => {
            "JupyterLab stopped before listening".into()
        }
    };
    let taken = match port {
        Some(p) => format!("port {p} may be in use: pick another with --port"),
        None => format!(
            "ports {FIRST_PORT} to {} may all be in use: pick one with --port",
            FIRST_PORT + PORT_RETRIES
        ),
    };
    let tail = if seen.is_empty() {
        String::new()
    } else {
        format!("\n--- its log ---\n{}", seen.join("\n"))
    };
    anyhow::anyhow!("{why}; its log says why ({taken}).{tail}")
}

/// `./lab`: starts JupyterLab on `root`, prints the address to open, and
/// stays until JupyterLab exits. Ctrl-C reaches JupyterLab, which asks
/// whether to shut down; the launcher ignores it and keeps copying
/// JupyterLab's log. SIGTERM and SIGHUP stop JupyterLab too (see
/// [`crate::system::stop_on_signals`]).
pub fn start(
    _project: &Project,
    env: &Env,
    opts: &LabOptions,
    root: &Path,
) -> anyhow::Result<ExitCode> {
    println!(
        "\nJupyterLab is starting on {} with the kernel \"{}\".",
        root.display(),
        DISPLAY_NAME
    );
    let server = Server::start(root, env, opts, true)?;
    println!(
        "\nJupyterLab is running on {} with the kernel \"{}\".\n\
         Open:  {}\n\
         Stop it with Ctrl-C.\n",
        root.display(),
        DISPLAY_NAME,
        server.url()
    );
    let status = server.wait()?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Leaves Ctrl-C to JupyterLab: the launcher must outlive it to keep
/// copying its log, and Jupyter's own handler asks before stopping.
fn ignore_interrupts() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to "ignore" runs no code in
    // the handler and is sound at any time.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
}

/// The port in a Jupyter log line announcing where it listens, such as
/// `[I ... ServerApp] http://127.0.0.1:8889/lab?token=...`.
fn port_in_log_line(line: &str) -> Option<u16> {
    let rest = line.split("http://127.0.0.1:").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    rest[digits.len()..].starts_with('/').then_some(())?;
    digits.parse().ok()
}

/// 128 bits from the operating system's random source, as hex.
fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("could not read random bytes for the token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_bit_hex_and_differ() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_port_is_read_from_jupyters_announcement() {
        let line =
            "[I 2026-11-23 09:00:00.000 ServerApp] http://127.0.0.1:8890/lab?token=...";
        assert_eq!(port_in_log_line(line), Some(8890));
        assert_eq!(
            port_in_log_line("        http://127.0.0.1:8888/lab?token=abc"),
            Some(8888)
        );
        assert_eq!(port_in_log_line("[I ServerApp] Serving notebooks"), None);
        assert_eq!(port_in_log_line("http://127.0.0.1:99999999/"), None);
        assert_eq!(port_in_log_line("http://127.0.0.1:80x/"), None);
    }
}
