//! `course-bench`: times every course workload at the Python lesson's
//! sizes, each variant against its serial baseline, in one run.
//!
//! Run it through `./lab bench` (which builds it in release mode):
//!
//! * `./lab bench` prints a table with a progress bar;
//! * `./lab bench --json` prints one JSON object of best times in seconds,
//!   keyed `workload/variant` (e.g. `pi/par`, `mandelbrot/tiles`);
//! * `./lab bench --only pi,mandelbrot` runs some workloads only.
//!
//! With `--numba-python PATH` (which `./lab bench` passes when it could
//! set up Numba), the 2-D integral also runs under Numba, serially and
//! with `prange`, in its own Python process (`crates/bench/numba/integral2d.py`),
//! and the table compares Rust's best with Numba's parallel loop.

mod cases;
mod numba;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use parallel_course::format::format_seconds;
use parallel_course::table::Table;
use parallel_course::timing::{Timer, Timing};

const USAGE: &str = "\
Usage: course-bench [--json] [--only WORKLOAD,...] [--repeats N] [--list]

  --json            print one JSON object of best times in seconds, keyed workload/variant
  --only LIST       run only these workloads (comma-separated; see --list)
  --repeats N       timed runs per variant (default 5); the best run is reported
  --list            list the workloads and variants, then stop
  --numba-python P  also time the 2-D integral with Numba, using Python P (a venv with numba)";

struct Options {
    json: bool,
    only: Option<Vec<String>>,
    repeats: usize,
    list: bool,
    numba_python: Option<std::path::PathBuf>,
}

fn parse() -> anyhow::Result<Option<Options>> {
    use lexopt::prelude::*;
    let mut opts = Options {
        json: false,
        only: None,
        repeats: 5,
        list: false,
        numba_python: None,
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("json") => opts.json = true,
            Long("list") => opts.list = true,
            Long("numba-python") => opts.numba_python = Some(parser.value()?.into()),
            Long("only") => {
                let v = parser.value()?.string()?;
                opts.only = Some(v.split(',').map(|s| s.trim().to_string()).collect());
            }
            Long("repeats") => {
                let v = parser.value()?.string()?;
                opts.repeats = v.parse().ok().filter(|&n| n > 0).with_context(|| {
                    format!("--repeats {v}: give a whole number of 1 or more")
                })?;
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    Ok(Some(opts))
}

fn main() -> ExitCode {
    match parse() {
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Some(opts)) => match run(&opts) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("course-bench: error: {e:#}");
                ExitCode::from(1)
            }
        },
        Err(e) => {
            eprintln!("course-bench: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(opts: &Options) -> anyhow::Result<()> {
    let all = cases::all()?;
    if opts.list {
        for c in &all {
            println!("{}/{}  {}", c.workload, c.variant, c.what);
        }
        return Ok(());
    }
    let chosen: Vec<&cases::Case> = match &opts.only {
        None => all.iter().collect(),
        Some(names) => {
            for n in names {
                if !all.iter().any(|c| c.workload == n) {
                    let known: std::collections::BTreeSet<&str> =
                        all.iter().map(|c| c.workload).collect();
                    bail!(
                        "--only {n}: no such workload; known: {}",
                        known.into_iter().collect::<Vec<_>>().join(", ")
                    );
                }
            }
            all.iter()
                .filter(|c| names.iter().any(|n| n == c.workload))
                .collect()
        }
    };
    // Every variant is first checked and calibrated (loops per run so that
    // one run takes at least 100 ms); then the runs are interleaved, one
    // run of each variant in turn, so that a machine that speeds up or
    // slows down during the benchmark affects all variants alike.
    let bar = indicatif::ProgressBar::new((chosen.len() * (opts.repeats + 1)) as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} runs {msg} ({elapsed})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut loops = Vec::with_capacity(chosen.len());
    for case in &chosen {
        bar.set_message(format!("calibrating {}/{}", case.workload, case.variant));
        (case.run)()
            .with_context(|| format!("{}/{} failed", case.workload, case.variant))?;
        let calibration = Timer::new()
            .repeats(1)
            .min_run_time(Duration::from_millis(100))
            .run(|| (case.run)())?;
        loops.push(calibration.loops);
        bar.inc(1);
    }
    let mut runs: Vec<Vec<f64>> = vec![Vec::with_capacity(opts.repeats); chosen.len()];
    for _ in 0..opts.repeats {
        for (i, case) in chosen.iter().enumerate() {
            bar.set_message(format!("{}/{}", case.workload, case.variant));
            let run = Timer::new()
                .loops(loops[i])
                .repeats(1)
                .run(|| (case.run)())?;
            runs[i].extend(run.all_runs);
            bar.inc(1);
        }
    }
    let mut results: Vec<(&cases::Case, Timing)> = chosen
        .iter()
        .zip(&runs)
        .zip(&loops)
        .map(|((case, r), &n)| (*case, Timing::from_runs(r, n)))
        .collect();
    let numba_cases;
    if let Some(python) = &opts.numba_python
        && chosen.iter().any(|c| c.workload == "integral2d")
    {
        bar.set_message("integral2d under Numba (its own process)");
        match numba::run(python, cases::INTEGRAL_N, opts.repeats) {
            Ok(measured) => {
                numba_cases = measured;
                results.extend(numba_cases.iter().map(|(c, t)| (c, t.clone())));
            }
            Err(e) => {
                bar.println(format!("Numba rows left out: {e:#}"));
            }
        }
    }
    bar.finish_and_clear();
    if opts.json {
        let mut map = serde_json::Map::new();
        for (c, t) in &results {
            map.insert(format!("{}/{}", c.workload, c.variant), t.best.into());
        }
        println!("{}", serde_json::Value::Object(map));
    } else {
        print_table(&results, opts.repeats);
    }
    Ok(())
}

fn print_table(results: &[(&cases::Case, Timing)], repeats: usize) {
    let cores = parallel_course::cpu::logical_cores();
    println!(
        "Course workloads at the Python lesson's sizes on {cores} logical core{}, release build; \
         best of {repeats} runs, the variants' runs interleaved.",
        if cores == 1 { "" } else { "s" }
    );
    let mut t = Table::new(["key", "what", "best", "mean", "speed-up"]);
    for (c, timing) in results {
        let baseline = results
            .iter()
            .find(|(b, _)| b.workload == c.workload && b.baseline)
            .map(|(_, t)| t.best);
        let ratio =
            baseline.map_or("—".to_string(), |b| format!("{:.2}×", b / timing.best));
        t.row([
            format!("{}/{}", c.workload, c.variant),
            c.what.to_string(),
            format_seconds(timing.best, 3),
            format_seconds(timing.mean, 3),
            ratio,
        ]);
    }
    println!("{t}");
    println!(
        "speed-up: the workload's serial baseline (marked 1.00×) divided by this variant, same run."
    );
    if let Some(line) = numba::comparison(results) {
        println!("{line}");
    }
}
