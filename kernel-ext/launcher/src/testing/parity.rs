//! The in-kernel against release-build comparison: the ratio the kernel's
//! parity notebook (`tests/kernel/release-parity.ipynb`) measured.

use std::path::Path;

use anyhow::Context;

use crate::executed;
use crate::project::Project;

/// Marker line printed by the parity notebook.
const PARITY_MARKER: &str = "RELEASE_PARITY_RATIO";

/// Reads the in-kernel against release-build ratio that the parity
/// notebook measured (it runs the release example between its own runs).
pub fn read(project: &Project) -> anyhow::Result<String> {
    let executed = executed::dir(project).join("release-parity.ipynb");
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
