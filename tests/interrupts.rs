//! Long work stops within a moment when the learner presses ■: each
//! helper below, given a size that would run for minutes or hours, is
//! interrupted 100 ms after it starts (the flag the kernel's `SIGINT`
//! sets) and must stop, by unwinding with the interrupt, well within the
//! kernel's 3 s grace period.
//!
//! The flag is one per process, so these tests take turns (and live in
//! a test program of their own, away from the crate's other tests).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use course_kernel_runtime::interrupt;
use parallel_course::interrupt::Interrupted;
use parallel_course::prelude::*;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// This test's turn: every test holds it throughout, since any of the
/// crate's work running beside an interrupt would see it too.
fn turn() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

/// The longest a helper may take to stop after the request.
const WITHIN: Duration = Duration::from_millis(1000);

/// Runs `work`, asks it to stop after 100 ms, and checks that it stopped
/// by an interrupt within [`WITHIN`]. The caller holds its [`turn`].
fn stops_when_interrupted<T>(what: &str, work: impl FnOnce() -> T) {
    interrupt::clear();
    let asked = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(100));
        interrupt::request_for_test();
        Instant::now()
    });
    let result = catch_unwind(AssertUnwindSafe(|| drop(work())));
    let stopped = Instant::now();
    let asked = asked.join().unwrap();
    interrupt::clear();
    let payload = result
        .err()
        .unwrap_or_else(|| panic!("{what} finished: it was not long work"));
    assert!(
        payload.is::<Interrupted>(),
        "{what} stopped by something else than the interrupt"
    );
    let took = stopped.saturating_duration_since(asked);
    assert!(took < WITHIN, "{what} took {took:?} to stop");
}

#[test]
fn fibonacci_of_a_huge_n_stops() {
    let _turn = turn();
    stops_when_interrupted("fibonacci", || fibonacci(u64::MAX));
}

#[test]
fn pi_iter_of_a_huge_n_stops() {
    let _turn = turn();
    stops_when_interrupted("pi_iter", || pi_iter(u64::MAX, 1));
}

#[test]
fn one_point_with_billions_of_steps_stops() {
    let _turn = turn();
    let in_the_set = Complex64::new(0.0, 0.0);
    stops_when_interrupted("mandelbrot", || mandelbrot(in_the_set, u32::MAX));
    stops_when_interrupted("julia", || julia(in_the_set, in_the_set, u32::MAX));
    stops_when_interrupted("escape_lanes", || {
        escape_lanes([in_the_set; LANES], u32::MAX)
    });
}

#[test]
fn an_image_of_points_in_the_set_at_the_largest_max_iter_stops_within_a_row() {
    let _turn = turn();
    use parallel_course::workloads::fractal::MAX_ITER;
    // Every point of this box is in the set: each takes all 2^24 steps.
    let inside =
        BoundingBox::new(64, 64, Complex64::new(-0.1, 0.0), Complex64::new(0.2, 0.2))
            .unwrap();
    stops_when_interrupted("mandelbrot_serial", || mandelbrot_serial(&inside, MAX_ITER));
    stops_when_interrupted("mandelbrot_rows_par", || {
        mandelbrot_rows_par(&inside, MAX_ITER)
    });
    stops_when_interrupted("mandelbrot_lanes", || mandelbrot_lanes(&inside, MAX_ITER));
    stops_when_interrupted("julia_par", || {
        julia_par(&inside, Complex64::new(0.0, 0.0), MAX_ITER)
    });
}

#[test]
fn one_row_of_a_huge_integral_grid_stops() {
    let _turn = turn();
    let n = 1 << 40;
    stops_when_interrupted("integral_rows", || integral_rows(n, 0..1));
    stops_when_interrupted("integral_rows_lanes", || integral_rows_lanes(n, 0..1));
    stops_when_interrupted("integral_serial", || integral_serial(n));
    stops_when_interrupted("integral_par", || integral_par(n));
    stops_when_interrupted("integral_lanes_par", || integral_lanes_par(n));
    stops_when_interrupted("integral_threads", || integral_threads(n, 2));
}

#[test]
fn huge_sample_counts_stop() {
    let _turn = turn();
    let n = u64::MAX;
    stops_when_interrupted("pi_loop", || pi_loop(n, 1));
    stops_when_interrupted("pi_par", || pi_par(n, 1));
    stops_when_interrupted("pi_threads", || pi_threads(n, 1, 2));
    stops_when_interrupted("pi_mutex", || pi_mutex(n, 1, 2));
    stops_when_interrupted("sum_chunked", || sum_chunked(n, 1 << 16));
    stops_when_interrupted("sum_chunked_par", || sum_chunked_par(n, 1 << 16));
    stops_when_interrupted("logistic_map", || logistic_map(0.1, 3.7, n));
}

mod common;

#[test]
fn a_snakemake_run_stops_at_once_and_the_next_run_finds_no_lock() {
    let _turn = turn();
    use parallel_course::workflow::{snakemake, snakemake_program};
    if common::present_or_skip(snakemake_program(), "Snakemake").is_none() {
        return;
    }
    let dir = common::slow_workflow("interrupt");
    // Stopping does not wait for Snakemake to start again to unlock the
    // folder (a second or two, which the kernel's grace cannot spare).
    stops_when_interrupted("a Snakemake run", || snakemake(&dir).run());
    // The next run waits for that unlock, then finds the folder free.
    let after = snakemake(&dir)
        .args(["--config", "seconds=0"])
        .run()
        .unwrap();
    assert_eq!(after.rules_run(), ["slow"], "{after}");
    std::fs::remove_dir_all(&dir).unwrap();
}
