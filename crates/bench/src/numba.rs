//! The Python lesson's compiled variants, timed by Python in its own
//! process, for the comparison with Rust in `./lab bench`: the 2-D integral
//! and the Mandelbrot zoom under Numba (serial `njit` and `prange`), and
//! NumPy's `np.arange(n).sum()`.
//!
//! Each script in `crates/bench/numba/` prints one JSON object: best times
//! in seconds keyed like the bench's rows (`mandelbrot/numba_par`), plus
//! what the run computed, which is checked here against Rust's answer
//! before any time is shown.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use parallel_course::format::format_seconds;
use parallel_course::timing::Timing;
use serde_json::Value;

use crate::cases::Case;

/// Runs `crates/bench/numba/<script>` with `python` and `args`, and returns
/// the JSON object it printed.
fn run_script(python: &Path, script: &str, args: &[String]) -> anyhow::Result<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("numba")
        .join(script);
    let out = Command::new(python)
        .arg(&path)
        .args(args)
        .output()
        .with_context(|| format!("could not start {}", python.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed ({}): {}",
            path.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    serde_json::from_slice(&out.stdout)
        .with_context(|| format!("{} printed no JSON", path.display()))
}

/// The rows `workload/variant` that a script's JSON holds, each with what it
/// does in words; a missing or non-numeric time is an error.
pub fn rows(
    json: &Value,
    workload: &'static str,
    variants: Vec<(&'static str, String)>,
) -> anyhow::Result<Vec<(Case, Timing)>> {
    let mut rows = Vec::new();
    for (variant, what) in variants {
        let key = format!("{workload}/{variant}");
        let best = json[&key]
            .as_f64()
            .filter(|t| t.is_finite() && *t > 0.0)
            .with_context(|| format!("the Python script printed no time for {key}"))?;
        let case = Case {
            workload,
            variant,
            what,
            baseline: false,
            run: Box::new(|| Ok(())),
        };
        rows.push((case, Timing::from_runs(&[best], 1)));
    }
    Ok(rows)
}

fn numba_words(json: &Value, what: &str) -> Vec<(&'static str, String)> {
    let version = json["numba_version"].as_str().unwrap_or("?");
    let threads = json["numba_threads"].as_u64().unwrap_or(0);
    vec![
        (
            "numba_serial",
            format!("{what} under Numba {version} @njit (Python)"),
        ),
        (
            "numba_par",
            format!("Numba prange over rows, {threads} threads (Python)"),
        ),
    ]
}

/// The 2-D integral under Numba (`integral2d.py`): rows
/// `integral2d/numba_serial` and `integral2d/numba_par`, each the best of
/// `repeats` runs after a first, compiling call; both results must be 0 up
/// to rounding.
pub fn integral(
    python: &Path,
    n: usize,
    repeats: usize,
) -> anyhow::Result<Vec<(Case, Timing)>> {
    let json = run_script(
        python,
        "integral2d.py",
        &[n.to_string(), repeats.to_string()],
    )?;
    for result in json["results"].as_array().into_iter().flatten() {
        let r = result.as_f64().unwrap_or(f64::NAN);
        if !parallel_course::workloads::integral::agree(r, 0.0) {
            bail!("Numba's integral came out as {r:e}, not 0 up to rounding");
        }
    }
    rows(&json, "integral2d", numba_words(&json, "the loop"))
}

/// The Mandelbrot zoom under Numba (`mandelbrot.py`), the same region
/// and `max_iter` as Rust's rows: `mandelbrot/numba_serial` and
/// `mandelbrot/numba_par`. Both images must have Rust's iteration-count
/// total `expected_total` (the same image, pixel for pixel in practice).
pub fn mandelbrot(
    python: &Path,
    bbox: &parallel_course::workloads::fractal::BoundingBox,
    max_iter: u32,
    expected_total: u64,
    repeats: usize,
) -> anyhow::Result<Vec<(Case, Timing)>> {
    let args = [
        bbox.width.to_string(),
        bbox.height.to_string(),
        // `{:?}` prints the shortest text that reads back as the same f64.
        format!("{:?}", bbox.center.re),
        format!("{:?}", bbox.center.im),
        format!("{:?}", bbox.extent.re),
        format!("{:?}", bbox.extent.im),
        max_iter.to_string(),
        repeats.to_string(),
    ];
    let json = run_script(python, "mandelbrot.py", &args)?;
    check_totals(&json, expected_total)?;
    rows(&json, "mandelbrot", numba_words(&json, "the zoom"))
}

/// Both of Numba's images must count `expected` iterations in all.
fn check_totals(json: &Value, expected: u64) -> anyhow::Result<()> {
    let totals: Vec<Option<u64>> = json["totals"]
        .as_array()
        .map(|a| a.iter().map(Value::as_u64).collect())
        .unwrap_or_default();
    if totals.len() != 2 {
        bail!("mandelbrot.py printed no iteration totals");
    }
    for (name, total) in ["serial", "prange"].into_iter().zip(totals) {
        if total != Some(expected) {
            bail!(
                "Numba's {name} image counts {} iterations, Rust's {expected}: not the same image",
                total.map_or("no".to_string(), |t| t.to_string())
            );
        }
    }
    Ok(())
}

/// NumPy's `np.arange(n).sum()` (`numpy_sum.py`): row `sum/numpy`, the
/// best of `repeats` back-to-back calls after an untimed one; its sum must
/// be `n (n - 1) / 2`.
pub fn numpy_sum(
    python: &Path,
    n: u64,
    repeats: usize,
) -> anyhow::Result<Vec<(Case, Timing)>> {
    let json = run_script(
        python,
        "numpy_sum.py",
        &[n.to_string(), repeats.to_string()],
    )?;
    let want = parallel_course::workloads::sum::triangular(n);
    if json["result"].as_u64() != Some(want) {
        bail!("NumPy's sum came out as {}, not {want}", json["result"]);
    }
    let version = json["numpy_version"].as_str().unwrap_or("?");
    rows(
        &json,
        "sum",
        vec![(
            "numpy",
            format!(
                "np.arange(10^8).sum(), NumPy {version} (Python): also fills, then sums"
            ),
        )],
    )
}

/// Whether a row is one of the Python lesson's variants (timed by Python).
pub fn is_python(case: &Case) -> bool {
    case.variant.starts_with("numba") || case.variant == "numpy"
}

/// The Python row each workload is compared with: Numba's parallel loop,
/// or NumPy for the sum.
fn python_reference(workload: &str) -> Option<&'static str> {
    match workload {
        "mandelbrot" | "integral2d" => Some("numba_par"),
        "sum" => Some("numpy"),
        _ => None,
    }
}

/// One line per workload that has a Python row: Rust's best (over every
/// Rust row there is, whatever variants the run has; the C variant is not
/// Rust and does not count) divided by the Python reference. For the sum,
/// also the like-with-like ratio: `sum/materialised` (fresh memory,
/// filled then summed, one thread) against NumPy, which does the same.
pub fn comparisons(results: &[(&Case, Timing)]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut workloads: Vec<&str> = results.iter().map(|(c, _)| c.workload).collect();
    workloads.dedup();
    for workload in workloads {
        let Some(reference) = python_reference(workload) else {
            continue;
        };
        let Some((py, py_t)) = results
            .iter()
            .find(|(c, _)| c.workload == workload && c.variant == reference)
        else {
            continue;
        };
        let rust = results
            .iter()
            .filter(|(c, _)| c.workload == workload && c.variant != "c" && !is_python(c))
            .min_by(|a, b| a.1.best.total_cmp(&b.1.best));
        let Some((best, t)) = rust else { continue };
        lines.push(format!(
            "{workload}: Rust's best ({}, {}) ÷ {} ({}) = {:.2}",
            best.variant,
            format_seconds(t.best, 3),
            py.variant,
            format_seconds(py_t.best, 3),
            t.best / py_t.best
        ));
        if workload == "sum"
            && let Some((m, m_t)) = results
                .iter()
                .find(|(c, _)| c.workload == "sum" && c.variant == "materialised")
        {
            lines.push(format!(
                "sum, like with like: {} ({}) ÷ numpy ({}) = {:.2} (both write 10^8 integers \
                 to fresh memory, then read them, on one thread)",
                m.variant,
                format_seconds(m_t.best, 3),
                format_seconds(py_t.best, 3),
                m_t.best / py_t.best
            ));
        }
    }
    lines
}

/// The same ratios for `--json`: `workload` (or `sum/like_with_like`) →
/// Rust's best ÷ the Python reference.
pub fn ratios(results: &[(&Case, Timing)]) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    let best = |w: &str, v: &str| {
        results
            .iter()
            .find(|(c, _)| c.workload == w && c.variant == v)
            .map(|(_, t)| t.best)
    };
    let mut workloads: Vec<&str> = results.iter().map(|(c, _)| c.workload).collect();
    workloads.dedup();
    for w in workloads {
        let Some(py) = python_reference(w).and_then(|r| best(w, r)) else {
            continue;
        };
        let rust = results
            .iter()
            .filter(|(c, _)| c.workload == w && c.variant != "c" && !is_python(c))
            .map(|(_, t)| t.best)
            .min_by(f64::total_cmp);
        if let Some(r) = rust {
            map.insert(w.to_string(), (r / py).into());
        }
        if w == "sum"
            && let Some(m) = best("sum", "materialised")
        {
            map.insert("sum/like_with_like".to_string(), (m / py).into());
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(workload: &'static str, variant: &'static str, best: f64) -> (Case, Timing) {
        let case = Case {
            workload,
            variant,
            what: String::new(),
            baseline: false,
            run: Box::new(|| Ok(())),
        };
        (case, Timing::from_runs(&[best], 1))
    }

    #[test]
    fn rust_best_counts_every_rust_row_but_not_c_nor_python() {
        let owned = [
            row("integral2d", "serial", 0.9),
            row("integral2d", "c", 0.1),
            row("integral2d", "lanes_par", 0.2),
            row("integral2d", "numba_serial", 0.05),
            row("integral2d", "numba_par", 0.4),
        ];
        let results: Vec<(&Case, Timing)> =
            owned.iter().map(|(c, t)| (c, t.clone())).collect();
        let lines = comparisons(&results);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("lanes_par"), "{}", lines[0]);
        assert!(lines[0].ends_with("= 0.50"), "{}", lines[0]);
        let r = ratios(&results);
        assert!((r["integral2d"].as_f64().unwrap() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn the_sum_is_also_compared_like_with_like() {
        let owned = [
            row("sum", "materialised", 0.12),
            row("sum", "chunked_par", 0.012),
            row("sum", "numpy", 0.1),
            row("pi", "loop", 0.1),
        ];
        let results: Vec<(&Case, Timing)> =
            owned.iter().map(|(c, t)| (c, t.clone())).collect();
        let lines = comparisons(&results);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains("chunked_par") && lines[0].ends_with("= 0.12"));
        assert!(lines[1].contains("like with like") && lines[1].contains("= 1.20"));
        let r = ratios(&results);
        assert!((r["sum/like_with_like"].as_f64().unwrap() - 1.2).abs() < 1e-12);
        assert!(!r.contains_key("pi"));
    }

    #[test]
    fn no_line_without_the_python_row() {
        let owned = [
            row("mandelbrot", "serial", 0.3),
            row("mandelbrot", "tiles", 0.1),
        ];
        let results: Vec<(&Case, Timing)> =
            owned.iter().map(|(c, t)| (c, t.clone())).collect();
        assert!(comparisons(&results).is_empty());
        assert!(ratios(&results).is_empty());
    }

    #[test]
    fn rows_read_the_times_and_refuse_a_missing_one() {
        let json: Value = serde_json::from_str(
            r#"{"mandelbrot/numba_serial": 0.25, "mandelbrot/numba_par": 0.125,
                "numba_version": "0.68.1", "numba_threads": 2, "totals": [7, 7]}"#,
        )
        .unwrap();
        let got = rows(&json, "mandelbrot", numba_words(&json, "the zoom")).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0.variant, "numba_par");
        assert_eq!(got[1].1.best, 0.125);
        assert!(got[0].0.what.contains("0.68.1"), "{}", got[0].0.what);
        assert!(got[1].0.what.contains("2 threads"), "{}", got[1].0.what);
        check_totals(&json, 7).unwrap();
        let err = check_totals(&json, 8).unwrap_err().to_string();
        assert!(err.contains("not the same image"), "{err}");
        let bad: Value =
            serde_json::from_str(r#"{"mandelbrot/numba_serial": "fast"}"#).unwrap();
        let Err(err) = rows(&bad, "mandelbrot", numba_words(&bad, "x")) else {
            panic!("a time given as text was accepted");
        };
        let err = err.to_string();
        assert!(err.contains("mandelbrot/numba_serial"), "{err}");
    }
}
