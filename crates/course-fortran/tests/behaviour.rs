//! The Fortran integral agrees with the Rust one, serially and with any
//! number of OpenMP threads, and bad sizes are refused. Without gfortran
//! the functions say how to install it (and under `CI=true` that fails).

use course_fortran::*;
use parallel_course::workloads::integral::{agree, integral_serial};

fn fortran_or_skip() -> bool {
    match available() {
        Ok(()) => true,
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("SKIPPED: {e}");
            false
        }
        Err(e) => panic!("under CI=true gfortran must be installed: {e}"),
    }
}

#[test]
fn fortran_serial_and_openmp_agree_with_rust_for_every_team_size() {
    if !fortran_or_skip() {
        return;
    }
    let rust = integral_serial(1_000);
    assert!(agree(integral_fortran(1_000).unwrap(), rust));
    for threads in [1, 2, 3, 8] {
        set_omp_threads(threads).unwrap();
        assert_eq!(omp_threads().unwrap(), threads);
        assert!(
            agree(integral_fortran_omp(1_000).unwrap(), rust),
            "{threads} threads"
        );
    }
}

#[test]
fn sizes_and_team_sizes_that_cannot_work_are_refused() {
    if !fortran_or_skip() {
        return;
    }
    assert!(integral_fortran(0).is_err());
    assert!(integral_fortran_omp(MAX_N + 1).is_err());
    assert!(set_omp_threads(0).is_err());
    assert!(set_omp_threads(5_000).is_err());
    assert!(SOURCE.contains("!$omp parallel do"));
}
