//! The CPU monitor against a known pattern of load. This file holds a
//! single test, so no other test of this crate runs beside it and adds load.

#![cfg(target_os = "linux")]

use std::time::{Duration, Instant};

use parallel_course::cpu::{CpuMonitor, logical_cores};

/// Keeps the calling thread busy for `d`.
fn spin(d: Duration) {
    let start = Instant::now();
    let mut x = 0u64;
    while start.elapsed() < d {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

/// Mean busy cores over the readings taken between `from` and `to`
/// seconds.
fn busy_between(p: &parallel_course::cpu::CpuProfile<()>, from: f64, to: f64) -> f64 {
    let readings: Vec<f64> = p
        .samples
        .iter()
        .filter(|s| s.time > from && s.time <= to)
        .map(|s| s.per_core.iter().map(|&u| u as f64).sum::<f64>() / 100.0)
        .collect();
    assert!(
        readings.len() >= 4,
        "too few readings in {from}–{to} s: {p}"
    );
    readings.iter().sum::<f64>() / readings.len() as f64
}

#[test]
fn one_busy_thread_then_all_cores_busy_shows_as_one_then_all() {
    let cores = logical_cores();
    let phase = Duration::from_millis(600);
    let p = CpuMonitor::new()
        .min_readings(1)
        .run(|| {
            spin(phase);
            std::thread::scope(|s| {
                for _ in 0..cores {
                    s.spawn(|| spin(phase));
                }
            });
        })
        .expect("the monitor runs");
    assert_eq!(p.runs, 1);
    // 50 ms readings over 1.2 s.
    assert!(p.samples.len() >= 20, "{p}");
    // Skip the readings next to the switch between phases.
    let first = busy_between(&p, 0.1, 0.5);
    let second = busy_between(&p, 0.75, 1.15);
    assert!(
        (0.6..1.6).contains(&first),
        "phase 1: {first:.2} busy cores\n{p}"
    );
    assert!(
        second > 0.75 * cores as f64,
        "phase 2: {second:.2} busy cores of {cores}\n{p}"
    );
    if cores >= 2 {
        assert!(
            second > first + 0.5,
            "phase 1 {first:.2}, phase 2 {second:.2}\n{p}"
        );
    }
}
