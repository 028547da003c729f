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
//! set up Numba), the Python lesson's compiled variants run too, each in a
//! Python process of its own (`crates/bench/numba/`): the 2-D integral and
//! the Mandelbrot zoom under Numba, serially and with `prange` (the zoom's
//! iteration-count total checked against Rust's), and NumPy's
//! `np.arange(10**8).sum()`. The table then compares Rust's best with
//! Numba's parallel loop (and with NumPy for the sum).
//!
//! The `limit` column sets each row against what the machine can do,
//! measured in the same run ([`limits`]): memory bandwidth (a STREAM-like
//! copy and triad) for the sums, the peak of fused multiply-adds in the
//! widest lanes on all cores for the Mandelbrot image and the integral.
//!
//! Rows that fill fresh memory (`sum/materialised`, `sum/small_pages`,
//! `sum/materialised_par`) run once, untimed, straight before each timed
//! run, as `%timeit` and NumPy's timing loop run back to back: on a
//! virtual machine whose hypervisor takes freed memory back (free page
//! reporting), memory left free for a few seconds, while the other rows
//! run, costs up to ten times more to touch again; see [`fresh_memory`].

mod cases;
mod limits;
mod numba;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use parallel_course::format::format_seconds;
use parallel_course::table::Table;
use parallel_course::timing::{Timer, Timing};
use parallel_course::workloads::fractal;

const USAGE: &str = "\
Usage: course-bench [--json] [--only WORKLOAD,...] [--repeats N] [--list]

  --json            print one JSON object of best times in seconds, keyed workload/variant
  --only LIST       run only these workloads (comma-separated; see --list)
  --repeats N       timed runs per variant (default 5); the best run is reported
  --list            list the workloads and variants, then stop
  --numba-python P  also time the Python lesson's Numba and NumPy variants (integral, Mandelbrot
                    zoom, arange().sum()) with Python P (a venv with numba)";

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
    bar.set_message("the machine's limits: memory bandwidth, peak FMA rate");
    let machine = limits::measure(opts.repeats.max(10));
    let mut runs: Vec<Vec<f64>> = vec![Vec::with_capacity(opts.repeats); chosen.len()];
    for _ in 0..opts.repeats {
        for (i, case) in chosen.iter().enumerate() {
            bar.set_message(format!("{}/{}", case.workload, case.variant));
            if fresh_memory(case) {
                (case.run)()?;
            }
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
    let runs_workload = |w: &str| chosen.iter().any(|c| c.workload == w);
    let zoom = fractal::BoundingBox::zoom(MANDELBROT_SIDE, MANDELBROT_SIDE);
    let mandelbrot_iterations = if runs_workload("mandelbrot") {
        Some(fractal::mandelbrot_serial(&zoom, MANDELBROT_MAX_ITER)?.total_work())
    } else {
        None
    };
    let sizes = limits::Sizes {
        sum_n: SUM_N,
        mandelbrot_iterations,
        integral_n: cases::INTEGRAL_N as u64,
    };
    let mut python_rows = Vec::new();
    if let Some(python) = &opts.numba_python {
        let r = opts.repeats;
        if runs_workload("sum") {
            bar.set_message("np.arange(10**8).sum() (its own process)");
            match numba::numpy_sum(python, SUM_N, r) {
                Ok(rows) => python_rows.extend(rows),
                Err(e) => bar.println(format!("NumPy row left out of sum: {e:#}")),
            }
        }
        if let Some(total) = mandelbrot_iterations {
            bar.set_message("mandelbrot under Numba (its own process)");
            match numba::mandelbrot(python, &zoom, MANDELBROT_MAX_ITER, total, r) {
                Ok(rows) => python_rows.extend(rows),
                Err(e) => {
                    bar.println(format!("Numba rows left out of mandelbrot: {e:#}"))
                }
            }
        }
        if runs_workload("integral2d") {
            bar.set_message("integral2d under Numba (its own process)");
            match numba::integral(python, cases::INTEGRAL_N, r) {
                Ok(rows) => python_rows.extend(rows),
                Err(e) => {
                    bar.println(format!("Numba rows left out of integral2d: {e:#}"))
                }
            }
        }
    }
    bar.set_message("the machine's limits again");
    let machine = machine.best_of(limits::measure(opts.repeats.max(10)));
    // Each Python row goes after the last row of its workload.
    for (case, timing) in &python_rows {
        let at = results
            .iter()
            .rposition(|(c, _)| c.workload == case.workload)
            .map_or(results.len(), |i| i + 1);
        results.insert(at, (case, timing.clone()));
    }
    bar.finish_and_clear();
    let percents: Vec<Option<f64>> = results
        .iter()
        .map(|(c, t)| {
            limits::percent(limits::work(c.workload, &sizes)?, t.best, &machine)
        })
        .collect();
    if opts.json {
        let mut map = serde_json::Map::new();
        let mut percent_map = serde_json::Map::new();
        for ((c, t), p) in results.iter().zip(&percents) {
            let key = format!("{}/{}", c.workload, c.variant);
            if let Some(p) = p {
                percent_map.insert(key.clone(), (*p).into());
            }
            map.insert(key, t.best.into());
        }
        map.insert("machine".into(), machine_json(&machine));
        map.insert("percent_of_machine".into(), percent_map.into());
        map.insert("rust_vs_python".into(), numba::ratios(&results).into());
        println!("{}", serde_json::Value::Object(map));
    } else {
        print_table(&results, &percents, &machine, opts.repeats);
    }
    Ok(())
}

/// Numbers summed by the `sum` rows (the same as in `cases.rs`).
const SUM_N: u64 = 100_000_000;
/// The Mandelbrot rows' image: the lesson's zoom, 1024 × 1024 pixels,
/// `max_iter` 1024 (the same as in `cases.rs`).
const MANDELBROT_SIDE: usize = 1024;
const MANDELBROT_MAX_ITER: u32 = 1024;

/// Whether a row fills memory fresh from the operating system on every
/// run; such a row runs once, untimed, straight before each timed run.
///
/// Why: the first write to each page of fresh memory costs a page fault
/// (the kernel clears the page), which NumPy's `arange` pays as well. On a
/// virtual machine with free page reporting (a virtio balloon that hands
/// free memory back to the hypervisor, as here), memory that stays free
/// for a few seconds is given back, and touching it again costs the
/// hypervisor's page faults too: 0.4 to 2 s instead of 0.1 s for 800 MB.
/// In an interleaved run the other rows take those few seconds, so every
/// timed run of these rows paid it, while a timing loop that runs back to
/// back (NumPy's here, `%timeit` in a notebook) reuses memory just freed.
/// Running the row once just before brings it to the same footing.
fn fresh_memory(case: &cases::Case) -> bool {
    case.workload == "sum"
        && matches!(
            case.variant,
            "materialised" | "small_pages" | "materialised_par"
        )
}

fn machine_json(m: &limits::Machine) -> serde_json::Value {
    serde_json::json!({
        "copy_bytes_per_s": m.copy,
        "triad_bytes_per_s": m.triad,
        "peak_flops": m.flops,
        "lanes_f64": m.lanes,
        "threads": m.threads,
    })
}

fn print_table(
    results: &[(&cases::Case, Timing)],
    percents: &[Option<f64>],
    machine: &limits::Machine,
    repeats: usize,
) {
    let cores = parallel_course::cpu::logical_cores();
    println!(
        "Course workloads at the Python lesson's sizes on {cores} logical core{}, release build; \
         best of {repeats} runs, the variants' runs interleaved.",
        if cores == 1 { "" } else { "s" }
    );
    let mut t = Table::new(["key", "what", "best", "mean", "speed-up", "limit"]);
    for ((c, timing), percent) in results.iter().zip(percents) {
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
            percent.map_or("—".to_string(), |p| format!("{p:.0} %")),
        ]);
    }
    println!("{t}");
    println!(
        "speed-up: the workload's serial baseline (marked 1.00×) divided by this variant, same run."
    );
    let limit = format!(
        "limit: this row's speed as a share of what the machine did in this run (the better of a \
         measurement before and one after the workloads). Memory: the sums \
         move 16 bytes per number (8 written, 8 read), against a STREAM-like copy/triad on {} \
         threads, best {:.1} GB/s (copy {:.1}, triad {:.1}); the chunked sums stay in cache and can \
         pass 100 %. Arithmetic: Mandelbrot counted as {} flops per step, the integral as {} per \
         point (a sine as 20), against fused multiply-adds in {} f64 lanes on every core, {:.1} \
         GFLOP/s. π, delayed and wordcount are integer work with no single limit (—).",
        machine.threads,
        machine.bandwidth() / 1e9,
        machine.copy / 1e9,
        machine.triad / 1e9,
        limits::FLOPS_PER_MANDELBROT_STEP,
        limits::FLOPS_PER_INTEGRAL_POINT,
        machine.lanes,
        machine.flops / 1e9,
    );
    let fresh = "fresh memory: the materialised sums run once, untimed, straight before each timed \
                 run, so that each gets memory just freed, as NumPy's back-to-back runs do (on a \
                 virtual machine, memory left free for a few seconds goes back to the hypervisor and \
                 costs far more to touch again).";
    for paragraph in [limit.as_str(), fresh] {
        for line in wrap(paragraph, 110) {
            println!("{line}");
        }
    }
    for line in numba::comparisons(results) {
        println!("{line}");
    }
}

/// Cuts `text` into lines of at most `width` characters at spaces (a word
/// longer than `width` gets a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_every_word_and_the_width() {
        let text = "one two three four five six seven eight nine ten";
        let lines = wrap(text, 12);
        assert!(lines.iter().all(|l| l.chars().count() <= 12), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert_eq!(wrap("a-very-long-word b", 5), ["a-very-long-word", "b"]);
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn only_the_materialised_sums_get_an_untimed_run_first() {
        let case = |workload, variant| cases::Case {
            workload,
            variant,
            what: String::new(),
            baseline: false,
            run: Box::new(|| Ok(())),
        };
        for v in ["materialised", "small_pages", "materialised_par"] {
            assert!(fresh_memory(&case("sum", v)), "{v}");
        }
        assert!(!fresh_memory(&case("sum", "chunked")));
        assert!(!fresh_memory(&case("pi", "materialised")));
    }
}
