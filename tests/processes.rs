//! Worker processes give exactly the serial chunked answer, and failures
//! are reported, not hidden.

use std::path::Path;

use parallel_course::workloads::pi::pi_chunked;
use parallel_course::workloads::processes::pi_processes_with;

const WORKER: &str = env!("CARGO_BIN_EXE_pi-worker");

#[test]
fn processes_agree_with_the_serial_chunked_estimate() {
    let n = 1_000_003;
    for processes in [1, 2, 3, 50] {
        let pi = pi_processes_with(Path::new(WORKER), n, 5, processes).unwrap();
        assert_eq!(pi, pi_chunked(n, 5), "{processes} processes");
    }
}

#[test]
fn zero_processes_is_an_error() {
    let err = pi_processes_with(Path::new(WORKER), 10, 1, 0).unwrap_err();
    assert!(err.to_string().contains("`processes`: 0"), "{err}");
}

#[test]
fn a_missing_worker_program_says_how_to_build_it() {
    let err =
        pi_processes_with(Path::new("/nonexistent/pi-worker"), 10, 1, 2).unwrap_err();
    assert!(
        err.to_string()
            .contains("cargo build --release --bin pi-worker"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_failing_worker_is_reported_with_its_status_and_message() {
    // POSIX systems always have /bin/sh. Given the worker's arguments
    // (`10 1 0 5`), it tries to run a script file named `10`, finds none,
    // says so on standard error and exits with a failure status.
    let err = pi_processes_with(Path::new("/bin/sh"), 10, 1, 2).unwrap_err();
    let text = err.to_string();
    let rest = text
        .strip_prefix("a worker failed: worker process exited with exit status: ")
        .unwrap_or_else(|| panic!("not a worker failure: {text}"));
    let (code, message) = rest
        .split_once(": ")
        .unwrap_or_else(|| panic!("no message after the status: {text}"));
    assert!(code.parse::<i32>().is_ok_and(|c| c != 0), "{text}");
    assert!(
        message.contains("10"),
        "the worker's message is missing: {text}"
    );
}

#[test]
fn a_worker_answering_no_number_is_reported() {
    // The test program itself, given numbers as test-name filters, runs
    // no test and prints libtest's summary instead of a count.
    let me = std::env::current_exe().unwrap();
    let err = pi_processes_with(&me, 10, 1, 1).unwrap_err();
    assert!(err.to_string().contains("not a number"), "{err}");
}

#[test]
fn the_worker_rejects_bad_arguments() {
    let out = std::process::Command::new(WORKER)
        .arg("many")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: pi-worker"));
}

#[test]
fn helper_program_finds_a_built_worker_and_says_how_to_build_a_missing_one() {
    use parallel_course::workloads::processes::helper_program;
    let missing = helper_program("no-such-worker").unwrap_err().to_string();
    assert!(
        missing.contains("cargo build --release -p no-such-worker"),
        "{missing}"
    );
    let bad = helper_program("../pi-worker").unwrap_err().to_string();
    assert!(bad.contains("invalid `name`"), "{bad}");
    assert!(helper_program("").is_err());
}

#[test]
fn the_worker_answers_each_job_read_from_standard_input() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut worker = Command::new(WORKER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut jobs = worker.stdin.take().unwrap();
    // The whole run, then the same run cut into its two halves of chunks.
    writeln!(jobs, "200000 7\n\n200000 7 0 2\n200000 7 2 1000").unwrap();
    drop(jobs);
    let out = worker.wait_with_output().unwrap();
    assert!(out.status.success());
    let counts: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(counts.len(), 3, "{counts:?}");
    assert_eq!(counts[0], counts[1] + counts[2]);
    assert_eq!(4.0 * counts[0] as f64 / 200_000.0, pi_chunked(200_000, 7));
}

#[test]
fn the_worker_refuses_a_job_that_is_not_two_or_four_numbers() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut worker = Command::new(WORKER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(worker.stdin.take().unwrap(), "1000 7 3").unwrap();
    let out = worker.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("\"1000 7 3\""), "{message}");
    assert!(message.contains("usage: pi-worker"), "{message}");
}
