//! The 2-D integral under Numba, timed by Python in its own process, for
//! the comparison with Rust in `./lab bench`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use parallel_course::format::format_seconds;
use parallel_course::timing::Timing;

use crate::cases::Case;

/// Runs `crates/bench/numba/integral2d.py` with `python` and returns its two
/// rows (`integral2d/numba_serial`, `integral2d/numba_par`), each the
/// best of `repeats` runs after a first, compiling call.
pub fn run(
    python: &Path,
    n: usize,
    repeats: usize,
) -> anyhow::Result<Vec<(Case, Timing)>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("numba/integral2d.py");
    let out = Command::new(python)
        .arg(&script)
        .args([n.to_string(), repeats.to_string()])
        .output()
        .with_context(|| format!("could not start {}", python.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed ({}): {}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .with_context(|| format!("{} printed no JSON", script.display()))?;
    let version = json["numba_version"].as_str().unwrap_or("?");
    let threads = json["numba_threads"].as_u64().unwrap_or(0);
    for result in json["results"].as_array().into_iter().flatten() {
        let r = result.as_f64().unwrap_or(f64::NAN);
        if !parallel_course::workloads::integral::agree(r, 0.0) {
            bail!("Numba's integral came out as {r:e}, not 0 up to rounding");
        }
    }
    let what_serial = format!("the loop under Numba {version} @njit (Python)");
    let what_par = format!("Numba prange over rows, {threads} threads (Python)");
    let mut rows = Vec::new();
    for (variant, what) in [("numba_serial", what_serial), ("numba_par", what_par)] {
        let key = format!("integral2d/{variant}");
        let best = json[&key]
            .as_f64()
            .with_context(|| format!("{} printed no {key}", script.display()))?;
        let case = Case {
            workload: "integral2d",
            variant,
            what,
            baseline: false,
            run: Box::new(|| Ok(())),
        };
        rows.push((case, Timing::from_runs(&[best], 1)));
    }
    Ok(rows)
}

/// "Rust's best against Numba's parallel loop", when both were measured
/// (the C variant is not Rust, so it does not count).
pub fn comparison(results: &[(&Case, Timing)]) -> Option<String> {
    let numba = results
        .iter()
        .find(|(c, _)| c.workload == "integral2d" && c.variant == "numba_par")?;
    let (best, timing) = results
        .iter()
        .filter(|(c, _)| {
            c.workload == "integral2d"
                && c.variant != "c"
                && !c.variant.starts_with("numba")
        })
        .min_by(|a, b| a.1.best.total_cmp(&b.1.best))?;
    Some(format!(
        "integral2d: Rust's best ({}, {}) ÷ Numba's parallel loop ({}) = {:.2}",
        best.variant,
        format_seconds(timing.best, 3),
        format_seconds(numba.1.best, 3),
        timing.best / numba.1.best
    ))
}
