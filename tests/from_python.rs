//! Episode 9's Rust called from Python: maturin builds the PyO3 module, a
//! second build compiles nothing, the sum with the GIL released gives on
//! threads what it gives serially, bad input is refused with Python's
//! errors, and the timing script runs to its end. maturin is installed by
//! `./lab`; without it the test says so and passes, except under `CI=true`.

use std::process::Command;

use parallel_course::python::{
    build_module, maturin_program, python_program, run_script,
};

mod common;

/// Run by the environment's Python: the released sum on four threads
/// against the serial sum, and the errors for bad input.
const CHECK: &str = r#"
import threading, course_rust
high = 3_000_000
serial = course_rust.sum_range(high)
assert serial == high * (high - 1) // 2, serial
results = [None] * 4
def work(k):
    results[k] = course_rust.sum_range_nogil(high)
threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
for t in threads: t.start()
for t in threads: t.join()
assert results == [serial] * 4, results
for bad, error in ((-1, OverflowError), (10**10, ValueError)):
    try:
        course_rust.sum_range_nogil(bad)
    except error:
        pass
    else:
        raise AssertionError(f"{bad} was accepted")
print("threads agree")
"#;

#[test]
fn the_module_builds_once_and_its_released_sum_on_threads_equals_the_serial_one() {
    if common::present_or_skip(maturin_program(), "maturin").is_none() {
        return;
    }
    build_module().unwrap();
    let again = build_module().unwrap();
    assert!(
        !again.compiled,
        "a second build compiled again:\n{}",
        again.log
    );

    let out = Command::new(python_program().unwrap())
        .args(["-c", CHECK])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    assert_eq!(stdout.trim(), "threads agree");

    let run = run_script("gil_threads.py")
        .args(["--threads", "3", "--repeats", "1"])
        .args(["--high-python", "1000", "--high-rust", "100000"])
        .run()
        .unwrap();
    assert!(run.stdout.contains("Every call returned"), "{}", run.stdout);
    assert!(run.stdout.contains("Rust releasing the GIL, 3 threads"));
    assert!(
        run_script("gil_threads.py")
            .arg("--threads=0")
            .run()
            .is_err()
    );
}
