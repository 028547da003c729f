//! The MPI program of episode 8, run through `mpirun` as a notebook runs
//! it. Needs OpenMPI and the program `./lab` builds into `crates/mpi/target/`;
//! without them the test says so and passes, except under `CI=true`,
//! where every part of the course must run.

use parallel_course::cluster::{Mpirun, mpi_program, mpirun};
use parallel_course::workloads::integral::{agree, integral_rows, integral_serial};

mod common;

fn program_or_skip() -> Option<std::path::PathBuf> {
    common::present_or_skip(mpi_program("integral-mpi"), "the MPI program")
}

#[test]
fn every_rank_reports_its_block_and_rank_0_the_reduced_total() {
    let Some(program) = program_or_skip() else {
        return;
    };
    let n = 600;
    let run = mpirun(&program, 3, [n.to_string()]).unwrap();
    assert_eq!(run.ranks(), 3);
    let ranks: Vec<&String> = run
        .lines()
        .iter()
        .filter(|l| l.starts_with("rank "))
        .collect();
    assert_eq!(ranks.len(), 3, "{run}");
    for (k, (line, rows)) in ranks.iter().zip([0..200, 200..400, 400..600]).enumerate() {
        assert!(line.starts_with(&format!("rank {k} of 3")), "{line}");
        assert!(
            line.contains(&format!("rows {}..{}", rows.start, rows.end)),
            "{line}"
        );
        let sum: f64 = line
            .split("sum = ")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no sum in {line}"));
        assert!((sum - integral_rows(n, rows)).abs() < 1e-12, "{line}");
    }
    let total = run.value("total").expect("a total line");
    assert!(agree(total, integral_serial(n)), "{total}");
    assert!(run.value("time").is_some_and(|t| t > 0.0));
}

#[test]
fn more_ranks_than_cores_still_run_oversubscribed() {
    let Some(program) = program_or_skip() else {
        return;
    };
    let ranks = parallel_course::cpu::logical_cores() + 1;
    let run = Mpirun::new(&program).ranks(ranks).arg("100").run().unwrap();
    assert!(
        run.command().contains("--oversubscribe"),
        "{}",
        run.command()
    );
    assert!(agree(run.value("total").unwrap(), integral_serial(100)));
}

#[test]
fn a_bad_argument_fails_the_run_with_the_programs_message() {
    let Some(program) = program_or_skip() else {
        return;
    };
    let err = mpirun(&program, 1, ["zero"]).unwrap_err().to_string();
    assert!(err.contains("usage: integral-mpi"), "{err}");
}
