//! The in-kernel against release-build comparison: the ratio the kernel's
//! parity notebook (`tests/kernel/release-parity.ipynb`) measured, with
//! both sides warm and their runs interleaved. It must lie in [`BAND`]:
//! the kernel's timings are then those of a release build.

use std::ops::RangeInclusive;
use std::path::Path;

use anyhow::{Context, bail};

use crate::executed;
use crate::project::Project;

/// Marker line printed by the parity notebook.
const PARITY_MARKER: &str = "RELEASE_PARITY_RATIO";

/// The ratios (in-kernel over release build) that pass: within 10 %.
pub const BAND: RangeInclusive<f64> = 0.90..=1.10;

/// Reads the in-kernel against release-build ratio that the parity
/// notebook measured (it asks the warm release binary for one run between
/// each of its own runs), and checks it lies in [`BAND`].
///
/// # Errors
///
/// When the notebook has no ratio, or the ratio is outside the band.
pub fn read(project: &Project) -> anyhow::Result<String> {
    let executed = executed::dir(project).join("release-parity.ipynb");
    let ratio = marker_in_notebook(&executed)?;
    judge(ratio)
}

/// The line to print for `ratio`, or why it fails.
fn judge(ratio: f64) -> anyhow::Result<String> {
    let line = format!(
        "Monte-Carlo pi, 10^7 samples, best of 15 alternating runs, both warm: \
         in-kernel / release build = {ratio:.3} (allowed {:.2}–{:.2})",
        BAND.start(),
        BAND.end()
    );
    if !BAND.contains(&ratio) {
        bail!(
            "{line}: outside the band. Below it, the release binary is slower than the \
             kernel (is target/release built with release settings?); above it, cells are \
             compiled with weaker settings than a release build (see the kernelspec's \
             environment and kernel-ext/kernel/build-folder.toml)."
        );
    }
    Ok(line)
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
    fn ratios_outside_ten_percent_fail() {
        assert!(judge(1.004).is_ok());
        assert!(judge(0.95).is_ok());
        let slow_release = judge(0.718).unwrap_err().to_string();
        assert!(slow_release.contains("outside the band"), "{slow_release}");
        assert!(judge(1.25).is_err());
        assert!(judge(f64::NAN).is_err());
    }

    #[test]
    fn parity_marker_is_found_in_output_text() {
        assert_eq!(marker_in_text("x\nRELEASE_PARITY_RATIO 1.02\n"), Some(1.02));
        assert_eq!(marker_in_text("nothing"), None);
    }
}
