//! The test command: crate tests, then every notebook through the real
//! kernel, the kernel's own behaviour (cache, interrupts), then the
//! in-kernel against release-build comparison.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::Context;

use crate::cli::TestOptions;
use crate::kernelspec;
use crate::project::Project;
use crate::setup::Env;
use crate::steps;

/// Marker line printed by the parity notebook.
const PARITY_MARKER: &str = "RELEASE_PARITY_RATIO";

pub fn run(project: &Project, env: &Env, opts: &TestOptions) -> anyhow::Result<ExitCode> {
    let mut failures = Vec::new();
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

/// Runs one part of the tests between a header and a line saying whether
/// it passed and how long it took.
fn section(
    name: &str,
    detail: &str,
    run: impl FnOnce() -> anyhow::Result<bool>,
) -> anyhow::Result<bool> {
    println!("\n== {name} {detail}");
    let t = Instant::now();
    let ok = run()?;
    let verdict = if ok { "passed" } else { "FAILED" };
    println!("== {name} {verdict} in {}", steps::seconds(t.elapsed()));
    Ok(ok)
}

/// Where executed copies of the notebooks go (with outputs), for reading
/// and publishing.
pub fn executed_dir(project: &Project) -> PathBuf {
    project.root.join("target/executed-notebooks")
}

fn execute(project: &Project, env: &Env, notebooks: &[PathBuf]) -> anyhow::Result<bool> {
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
