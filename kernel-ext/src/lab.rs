//! Starting JupyterLab on `notebooks/`, bound to 127.0.0.1 with a token.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::{Ipv4Addr, TcpListener};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

use crate::cli::LabOptions;
use crate::project::Project;
use crate::setup::Env;

/// The first port tried, Jupyter's usual one.
const FIRST_PORT: u16 = 8888;

pub fn start(
    project: &Project,
    env: &Env,
    opts: &LabOptions,
) -> anyhow::Result<ExitCode> {
    let port = match opts.port {
        Some(p) if port_is_free(p) => p,
        Some(p) => bail!("port {p} is in use; pick another with --port or leave it out"),
        None => (FIRST_PORT..FIRST_PORT + 100)
            .find(|&p| port_is_free(p))
            .context("no free port between 8888 and 8987; choose one with --port")?,
    };
    let token = random_token();
    let mut cmd = Command::new(&env.jupyter);
    cmd.arg("lab")
        .arg("--ServerApp.ip=127.0.0.1")
        .arg(format!("--ServerApp.port={port}"))
        .arg("--ServerApp.port_retries=0")
        .arg(format!("--IdentityProvider.token={token}"))
        .arg(format!(
            "--ServerApp.root_dir={}",
            project.notebooks_dir().display()
        ))
        .env("JUPYTER_PLATFORM_DIRS", "1");
    if opts.no_browser {
        cmd.arg("--no-browser");
    }
    if running_as_root() {
        // Jupyter refuses to start as root unless told to; containers and
        // CI machines often run as root.
        cmd.arg("--allow-root");
    }
    println!(
        "\nJupyterLab is starting on notebooks/ with the kernel \"{}\".\n\
         Open:  http://127.0.0.1:{port}/lab?token={token}\n\
         Stop it with Ctrl-C.\n",
        crate::kernelspec::DISPLAY_NAME
    );
    run_in_foreground(cmd)
}

fn running_as_root() -> bool {
    cfg!(unix)
        && crate::steps::capture(Command::new("id").arg("-u"))
            .is_some_and(|uid| uid.trim() == "0")
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

/// 128 random bits as hex, from the operating system's randomness that
/// seeds the standard library's hash maps.
fn random_token() -> String {
    let mut token = String::new();
    for _ in 0..2 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(std::process::id() as u64);
        token.push_str(&format!("{:016x}", h.finish()));
    }
    token
}

/// Hands the terminal to JupyterLab: on Unix the launcher is replaced by
/// it, so Ctrl-C goes straight to Jupyter.
#[cfg(unix)]
fn run_in_foreground(mut cmd: Command) -> anyhow::Result<ExitCode> {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    bail!(
        "could not start JupyterLab ({}): {err}",
        cmd.get_program().to_string_lossy()
    )
}

#[cfg(not(unix))]
fn run_in_foreground(mut cmd: Command) -> anyhow::Result<ExitCode> {
    let status = cmd.status().context("could not start JupyterLab")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_hex_and_differ() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn a_bound_port_is_not_free() {
        let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = l.local_addr().unwrap().port();
        assert!(!port_is_free(port));
    }
}
