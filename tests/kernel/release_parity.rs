//! The release-parity workload in a release build: Monte-Carlo π over
//! 10^7 samples. `tests/kernel/release-parity.ipynb` starts this program
//! once and asks it for one timed run between each of its own in-kernel
//! runs of the same workload, so both sides are warm processes timed in
//! the same moments of a possibly noisy machine.
//!
//! Usage: `release_parity [RUNS]`: one warm-up run, then RUNS timed runs
//! (default 1), each printed as `RUN <seconds>`.
//! `release_parity --serve [CPU]`: one warm-up run, then one timed run for
//! each line read from standard input, printed as `RUN <seconds>`, until
//! the input ends; with CPU, every run on that CPU (the one the notebook's
//! own runs are held on: see `parallel_course::cpu::PinnedThread`).

use std::io::{BufRead, Write};
use std::time::Instant;

use parallel_course::workloads::pi::pi_loop;

/// The workload both sides time.
const SAMPLES: u64 = 10_000_000;

/// One timed run of the workload, in seconds.
fn timed_run() -> f64 {
    let start = Instant::now();
    std::hint::black_box(pi_loop(SAMPLES, 42));
    start.elapsed().as_secs_f64()
}

fn main() {
    let arg = std::env::args().nth(1);
    if arg.as_deref() == Some("--serve") {
        let cpu = std::env::args().nth(2).map(|c| c.parse::<usize>());
        let _pinned = match cpu {
            None => None,
            Some(Ok(cpu)) => Some(parallel_course::cpu::PinnedThread::to(cpu)),
            Some(Err(_)) => {
                eprintln!("usage: release_parity --serve [CPU] (CPU a number from 0)");
                std::process::exit(2);
            }
        };
        std::hint::black_box(pi_loop(SAMPLES, 42));
        let stdout = std::io::stdout();
        for line in std::io::stdin().lock().lines() {
            if line.is_err() {
                break;
            }
            let mut out = stdout.lock();
            if writeln!(out, "RUN {}", timed_run())
                .and_then(|()| out.flush())
                .is_err()
            {
                break;
            }
        }
        return;
    }
    std::hint::black_box(pi_loop(SAMPLES, 42));
    let runs: usize = match arg.map(|a| a.parse()) {
        None => 1,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!(
                "usage: release_parity [RUNS] (RUNS a number of 1 or more), or release_parity --serve"
            );
            std::process::exit(2);
        }
    };
    for _ in 0..runs {
        println!("RUN {}", timed_run());
    }
}
