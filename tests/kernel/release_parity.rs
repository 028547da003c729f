//! The release-parity workload in a release build: Monte-Carlo π over
//! 10^7 samples. `tests/kernel/release-parity.ipynb` runs this program
//! between its own in-kernel runs of the same workload, so both are timed
//! in the same moments of a possibly noisy machine.
//!
//! Usage: `release_parity [RUNS]`: one warm-up run, then RUNS timed runs
//! (default 1), each printed as `RUN <seconds>`.

use std::time::Instant;

use parallel_course::workloads::pi::pi_loop;

/// The workload both sides time.
const SAMPLES: u64 = 10_000_000;

fn main() {
    let runs: usize = match std::env::args().nth(1).map(|a| a.parse()) {
        None => 1,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: release_parity [RUNS], RUNS a number of 1 or more");
            std::process::exit(2);
        }
    };
    std::hint::black_box(pi_loop(SAMPLES, 42));
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(pi_loop(SAMPLES, 42));
        println!("RUN {}", start.elapsed().as_secs_f64());
    }
}
