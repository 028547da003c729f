//! The CPU monitor against the load this test makes itself. The monitor
//! reads every core of the machine, so another program's work shows in it
//! too; the test therefore measures its own CPU time in each phase
//! (`getrusage`) and checks the monitor saw at least that much, whatever
//! else runs. This file holds a single test, so no other test of this
//! crate runs beside it.

#![cfg(target_os = "linux")]

use std::time::{Duration, Instant};

use parallel_course::cpu::{CpuMonitor, CpuProfile, logical_cores};

/// Keeps the calling thread busy for `d`.
fn spin(d: Duration) {
    let start = Instant::now();
    let mut x = 0u64;
    while start.elapsed() < d {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

/// CPU seconds this process has used so far, in every thread.
fn own_cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the struct it is given and nothing
    // else; a zeroed rusage is a valid value to pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// Mean busy cores over the readings taken between `from` and `to`
/// seconds.
fn busy_between(p: &CpuProfile<Phases>, from: f64, to: f64) -> f64 {
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

/// What the closure measured of itself: each phase's busy cores (its own
/// CPU seconds over the phase's wall time).
#[derive(Debug, Clone, Copy)]
struct Phases {
    one: f64,
    all: f64,
}

#[test]
fn the_monitor_sees_at_least_the_cores_this_test_keeps_busy() {
    let cores = logical_cores();
    let phase = Duration::from_millis(600);
    let p = CpuMonitor::new()
        .min_readings(1)
        .run(|| {
            let (t0, c0) = (Instant::now(), own_cpu_seconds());
            spin(phase);
            let (t1, c1) = (Instant::now(), own_cpu_seconds());
            std::thread::scope(|s| {
                for _ in 0..cores {
                    s.spawn(|| spin(phase));
                }
            });
            let (t2, c2) = (Instant::now(), own_cpu_seconds());
            Phases {
                one: (c1 - c0) / (t1 - t0).as_secs_f64(),
                all: (c2 - c1) / (t2 - t1).as_secs_f64(),
            }
        })
        .expect("the monitor runs");
    assert_eq!(p.runs, 1);
    // 50 ms readings over 1.2 s.
    assert!(p.samples.len() >= 20, "{p}");
    for s in &p.samples {
        assert_eq!(s.per_core.len(), cores, "{p}");
        assert!(
            s.per_core.iter().all(|u| (0.0..=100.0).contains(u)),
            "a reading outside 0–100 %: {s:?}"
        );
    }
    let own = p.value;
    // The spinning thread ran nearly all of phase one, unless another
    // program took its core: then the bar below drops with it.
    assert!(own.one > 0.3, "the test's own thread barely ran: {own:?}");
    // Skip the readings next to the switch between phases; a reading is
    // whole ticks of 10 ms, hence the slack.
    let first = busy_between(&p, 0.1, 0.5);
    let second = busy_between(&p, 0.75, 1.15);
    assert!(
        first >= 0.8 * own.one - 0.2,
        "phase 1: the monitor saw {first:.2} busy cores, the test alone kept {:.2} busy\n{p}",
        own.one
    );
    assert!(
        second >= 0.8 * own.all - 0.2,
        "phase 2: the monitor saw {second:.2} busy cores, the test alone kept {:.2} busy\n{p}",
        own.all
    );
    assert!(
        first <= cores as f64 + 0.01 && second <= cores as f64 + 0.01,
        "more busy cores than the machine has: {first:.2}, {second:.2} of {cores}"
    );
}
