//! The Rust toolchain: cargo, and the `rust-src` component the kernel's
//! type inference needs.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use anyhow::bail;

use crate::steps::{self, capture};
use crate::system::home_dir;

/// Cargo: the one running us (`CARGO`), else `cargo` on the PATH.
pub fn find_cargo() -> anyhow::Result<OsString> {
    let candidates = std::env::var_os("CARGO")
        .into_iter()
        .chain([OsString::from("cargo")]);
    for c in candidates {
        if capture(Command::new(&c).arg("--version")).is_some() {
            return Ok(c);
        }
    }
    bail!(
        "cargo was not found. Install Rust with rustup (https://rustup.rs), open a new \
         terminal so that ~/.cargo/bin is on your PATH, and run ./lab again."
    )
}

/// `program flag`'s first line, for the outcome of a step; the program's
/// name if it says nothing.
pub fn describe_version(program: &OsString, flag: &str) -> String {
    capture(Command::new(program).arg(flag))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| program.to_string_lossy().into_owned())
}

/// Adds `rust-src` to the toolchain with rustup unless it is there.
/// Returns the outcome line.
pub fn ensure_rust_src() -> anyhow::Result<String> {
    let Some(installed) =
        capture(Command::new("rustup").args(["component", "list", "--installed"]))
    else {
        return Ok("rustup not found: skipped (install rust-src by hand if your Rust has no rustup)".into());
    };
    if installed.lines().any(|l| l.starts_with("rust-src")) {
        return Ok("already installed".into());
    }
    println!(
        "      Adding rust-src to your Rust toolchain with `rustup component add rust-src`: \
         it is installed for the toolchain, so every project using it has it too."
    );
    steps::run_streamed(
        Command::new("rustup").args(["component", "add", "rust-src"]),
        "rustup could not add rust-src; check your network connection and run ./lab again.",
    )?;
    Ok("installed".into())
}

/// The directory `cargo install` puts binaries in.
pub fn cargo_bin_dir() -> Option<PathBuf> {
    if let Some(root) = std::env::var_os("CARGO_INSTALL_ROOT") {
        return Some(PathBuf::from(root).join("bin"));
    }
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Some(PathBuf::from(home).join("bin"));
    }
    home_dir().map(|h| h.join(".cargo").join("bin"))
}
