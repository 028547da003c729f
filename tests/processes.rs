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

#[test]
fn a_failing_worker_is_reported_with_its_message() {
    // `false` exits with status 1 and prints nothing.
    let program = Path::new("/bin/false");
    if program.is_file() {
        let err = pi_processes_with(program, 10, 1, 2).unwrap_err();
        assert!(err.to_string().contains("worker process exited"), "{err}");
    }
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
