//! Memory sampling catches short-lived peaks, and both sampler threads
//! (memory and CPU) stop cleanly when the measured code panics.
//!
//! These run in their own test binary so that no other test allocates
//! while they measure.

use std::time::Duration;

use parallel_course::memory::{MemorySampler, memory_usage};

/// The tests in this file measure the whole process, so they take turns.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

const BUFFER: usize = 400_000_000;
const BUFFER_MIB: f64 = BUFFER as f64 / (1024.0 * 1024.0);

fn threads_named(wanted: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(|t| {
                    let comm = t.ok()?.path().join("comm");
                    std::fs::read_to_string(comm).ok()
                })
                .filter(|name| name.trim() == wanted)
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_400_mb_buffer_filled_and_dropped_is_seen_within_5_percent() {
    let _turn = exclusive();
    let p = memory_usage(|| {
        let buf = vec![1u8; BUFFER];
        std::hint::black_box(&buf);
        buf.len()
    })
    .expect("the sampler starts");
    assert_eq!(p.value, BUFFER);
    let error = (p.increment - BUFFER_MIB).abs() / BUFFER_MIB;
    assert!(
        error < 0.05,
        "increment {:.1} MiB vs buffer {BUFFER_MIB:.1} MiB ({:.1} % off); exact peak: {}",
        p.increment,
        error * 100.0,
        p.exact_peak
    );
}

#[test]
fn sampled_curve_alone_sees_a_buffer_that_lives_longer_than_the_interval() {
    let _turn = exclusive();
    let p = MemorySampler::new()
        .interval(Duration::from_millis(5))
        .run(|| {
            let buf = vec![1u8; BUFFER / 4];
            std::thread::sleep(Duration::from_millis(60));
            std::hint::black_box(&buf).len()
        })
        .unwrap();
    let top = p.samples.iter().map(|s| s.mib).fold(0.0, f64::max);
    assert!(top - p.baseline > 0.9 * BUFFER_MIB / 4.0, "{:?}", p.samples);
}

#[test]
fn a_panicking_closure_stops_the_sampler_and_the_panic_propagates() {
    let _turn = exclusive();
    let before = threads_named("memory-sampler");
    let outcome = std::panic::catch_unwind(|| {
        memory_usage(|| -> usize { panic!("boom in the measured code") })
    });
    let payload = outcome.expect_err("the panic must reach the caller");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"boom in the measured code")
    );
    assert_eq!(
        threads_named("memory-sampler"),
        before,
        "the sampler thread was left running"
    );
    // The sampler still works afterwards.
    assert_eq!(memory_usage(|| 5).expect("the sampler starts").value, 5);
}

#[test]
fn a_panicking_closure_stops_the_cpu_monitor_and_the_panic_propagates() {
    let _turn = exclusive();
    let before = threads_named("cpu-monitor");
    let outcome = std::panic::catch_unwind(|| {
        parallel_course::cpu::monitor_cpus(|| -> u8 { panic!("boom while monitored") })
    });
    let payload = outcome.expect_err("the panic must reach the caller");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"boom while monitored")
    );
    assert_eq!(
        threads_named("cpu-monitor"),
        before,
        "the monitor thread was left running"
    );
}
