//! A worker process for episode 4: counts the points inside the circle for
//! a range of chunks of a Monte-Carlo π run, and writes the count to
//! standard output, where the parent reads it through a pipe.
//!
//! Usage: `pi-worker SAMPLES SEED FIRST_CHUNK END_CHUNK`
//! (`pi-worker 0 0 0 0` does no work: useful to time start-up alone).

use parallel_course::workloads::pi::count_chunks;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    let [samples, seed, first, end] = args[..] else {
        eprintln!(
            "usage: pi-worker SAMPLES SEED FIRST_CHUNK END_CHUNK (four whole numbers)"
        );
        std::process::exit(2);
    };
    println!("{}", count_chunks(samples, seed, first..end));
}
