//! A worker process for episode 4: counts the points inside the circle for
//! a range of chunks of a Monte-Carlo π run, and writes the count to
//! standard output, where the parent reads it through a pipe.
//!
//! Usage:
//!
//! * `pi-worker SAMPLES SEED [FIRST_CHUNK END_CHUNK]`: one job, given as
//!   arguments; without the chunks, all of them (`pi-worker 0 0` does no
//!   work: useful to time start-up alone).
//! * `pi-worker` with no arguments: jobs read from standard input, one a
//!   line in the same form (`SAMPLES SEED [FIRST_CHUNK END_CHUNK]`), each
//!   answered with one line as soon as it is done, until the input ends.
//!   One process can so serve many jobs, as a process pool's workers do.
//!
//! A job that is not two or four whole numbers is refused with a message
//! on standard error and exit status 2.

use std::io::{BufRead, Write};

use parallel_course::workloads::pi::{chunk_count, count_chunks};

const USAGE: &str = "usage: pi-worker SAMPLES SEED [FIRST_CHUNK END_CHUNK] \
    (two or four whole numbers), or no arguments to read such jobs from \
    standard input, one a line";

/// The count of points inside for one job's words, or `None` if they are
/// not two or four whole numbers.
fn run_job<S: AsRef<str>>(words: &[S]) -> Option<u64> {
    let numbers: Vec<u64> = words
        .iter()
        .map(|w| w.as_ref().parse())
        .collect::<Result<_, _>>()
        .ok()?;
    match numbers[..] {
        [samples, seed] => Some(count_chunks(samples, seed, 0..chunk_count(samples))),
        [samples, seed, first, end] => Some(count_chunks(samples, seed, first..end)),
        _ => None,
    }
}

fn refuse(job: &str) -> ! {
    eprintln!("pi-worker: cannot read the job {job:?}; {USAGE}");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.is_empty() {
        let Some(count) = run_job(&args) else {
            refuse(&args.join(" "))
        };
        println!("{count}");
        return;
    }
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else {
            refuse("(unreadable input)")
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let Some(count) = run_job(&words) else {
            refuse(&line)
        };
        // Answer at once, so that a parent can wait for it before it sends
        // the next job; a closed pipe means the parent is gone: stop.
        if writeln!(out, "{count}").and_then(|()| out.flush()).is_err() {
            return;
        }
    }
}
