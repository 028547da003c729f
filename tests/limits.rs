//! Mistyped sizes are refused before anything is done: every helper that
//! takes a size, a count, an interval or a duration says what was wrong
//! and what is allowed, instead of aborting the process (an allocation
//! that fails), running out of threads or processes, or hanging.
//! `tests/prelude_inputs.rs` generates such calls for every
//! parameterised helper of the prelude, and `tests/kernel_behaviour.py`
//! runs them in the course kernel, checking that the kernel's variables
//! survive them.

use std::panic::catch_unwind;
use std::time::Duration;

use parallel_course::prelude::*;
use parallel_course::workloads::sum::vec_with_huge_pages;

fn refused<T: std::fmt::Debug>(result: Result<T, Error>, words: &str) {
    let message = result.expect_err("should be refused").to_string();
    assert!(message.contains(words), "{message:?} should say {words:?}");
}

fn panics_with(f: impl FnOnce() + std::panic::UnwindSafe, words: &str) {
    let payload = catch_unwind(f).expect_err("should refuse with a panic");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(message.contains(words), "{message:?} should say {words:?}");
}

#[test]
fn sizes_beyond_the_machines_memory_are_refused_before_allocating() {
    panics_with(
        || {
            let _ = sum_materialised(1_000_000_000_000);
        },
        "`n` = 1000000000000 needs 7.28 TiB of memory",
    );
    panics_with(
        || {
            let _ = sum_materialised_par(u64::MAX);
        },
        "allowed: at most",
    );
    panics_with(
        || {
            let _ = sum_materialised_small_pages(u64::MAX / 8);
        },
        "allowed: at most",
    );
    panics_with(
        || drop(vec_with_huge_pages::<u64>(usize::MAX)),
        "`capacity` = 18446744073709551615",
    );
    refused(
        sum_chunked(1 << 40, 1 << 40),
        "`chunk_len` = 1099511627776 needs 8 TiB",
    );
    refused(BoundingBox::overview(16, 16).tiles(0), "`size`");
}

#[test]
fn thread_and_process_counts_are_bounded() {
    refused(pi_threads(1_000, 1, 1_000_000), "1 to 1024 threads");
    refused(pi_threads(1_000, 1, 0), "1 to 1024 threads");
    refused(pi_mutex(1_000, 1, 5_000), "1 to 1024 threads");
    refused(integral_threads(100, 2_000), "1 to 1024 threads");
    refused(sum_split(&[1, 2, 3], 1 << 20), "1 to 1024 threads");
    refused(
        integral_processes(1_000, 100_000),
        "1 to 256 worker processes",
    );
    refused(pi_processes(1_000, 1, 0), "1 to 256 worker processes");
    refused(pea_soup().schedule(1 << 40), "1 to 1024 threads");
    refused(scaling_study(0, || 1), "1");
}

#[test]
fn intervals_and_repeats_are_bounded() {
    refused(
        CpuMonitor::new().interval(Duration::MAX).run(|| 1),
        "at most 60 s",
    );
    refused(
        MemorySampler::new()
            .interval(Duration::from_secs(3600))
            .run(|| 1),
        "at most 60 s",
    );
    refused(
        Timer::new().repeats(1_000_000).run(|| 1),
        "at most 10 000 runs",
    );
    refused(
        Timer::new().loops(u64::MAX).run(|| 1),
        "at most 1 000 000 000 loops",
    );
    refused(
        Timer::new().min_run_time(Duration::MAX).run(|| 1),
        "at most 60 s",
    );
    refused(Timer::new().repeats(0).run(|| 1), "1 or more");
}

#[test]
fn not_a_number_and_empty_inputs_are_refused() {
    refused(TaskGraph::new().task("soup", f64::NAN, &[]), "duration");
    refused(TaskGraph::new().task("soup", -1.0, &[]), "duration");
    refused(sum_chunked(10, 0), "chunk_len");
    refused(
        BoundingBox::new(
            100,
            100,
            Complex64::new(f64::NAN, 0.0),
            Complex64::new(1.0, 1.0),
        ),
        "center",
    );
    refused(top_words_chart(&WordCounts::new(), 10, "nothing"), "");
    assert_eq!(sum_slice(&[]), 0);
}

#[test]
fn slurm_fields_cannot_smuggle_in_commands() {
    let job = SlurmJob::new("j", "./p");
    refused(job.clone().module("OpenMPI\nrm -rf ~").script(), "module");
    refused(job.clone().account("x\nrm -rf ~").script(), "account");
    refused(job.clone().partition("a b").script(), "partition");
    refused(job.arg("\nrm -rf ~").script(), "line breaks");
}
