//! gfortran for episode 9: Debian's package (it brings OpenMP's libgomp),
//! installed when `./lab` runs as root, or the exact command printed.
//! Without it the course still builds; episode 9's Fortran cells say how
//! to install it, and under `CI=true` the crate tests fail.

use std::process::Command;

use crate::setup::apt;
use crate::steps::capture;

/// Makes sure gfortran is there (installing it when allowed); returns the
/// outcome line.
pub fn ensure() -> anyhow::Result<String> {
    let version = || {
        capture(Command::new("gfortran").arg("--version"))
            .and_then(|v| v.lines().next().map(str::to_string))
    };
    if let Some(found) = version() {
        return Ok(found);
    }
    if !apt::allowed() {
        return Ok("SKIPPED: gfortran is missing. Episode 9 compiles Fortran with OpenMP; install it \
                   with `sudo apt-get install gfortran` (Debian/Ubuntu), then run ./lab again."
            .into());
    }
    apt::install(&["gfortran"])?;
    Ok(format!(
        "installed Debian's gfortran: {}",
        version().unwrap_or_default()
    ))
}
