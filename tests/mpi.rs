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

/// The field `flood-mpi --out` wrote, as depths.
fn field_in(path: &std::path::Path) -> Vec<f64> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

#[test]
fn the_flood_on_1_2_and_4_ranks_equals_the_serial_run_bit_for_bit() {
    use parallel_course::workloads::flood::{Flood, flood_serial};
    let Some(program) =
        common::present_or_skip(mpi_program("flood-mpi"), "the MPI program")
    else {
        return;
    };
    let (n, steps) = (90, 40);
    let serial = flood_serial(&Flood::dam_break(n, 3).unwrap(), steps).unwrap();
    for ranks in [1, 2, 4] {
        let out = std::env::temp_dir()
            .join(format!("course-flood-{}-{ranks}.f64", std::process::id()));
        let run = Mpirun::new(&program)
            .ranks(ranks)
            .args([n.to_string(), steps.to_string()])
            .args(["--seed", "3", "--out"])
            .arg(&out)
            .run()
            .unwrap();
        let field = field_in(&out);
        std::fs::remove_file(&out).unwrap();
        let same = field
            .iter()
            .zip(&serial.water)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(
            same && field.len() == n * n,
            "{ranks} ranks differ from serial:\n{run}"
        );
        let halo = run.value("halo share").expect("a halo share line");
        assert!((0.0..=1.0).contains(&halo), "{run}");
        assert!(
            run.lines().iter().any(|l| l.contains(&serial.checksum())),
            "{run}"
        );
    }
}

#[test]
fn ranks_on_two_nodes_of_the_cluster_talk_over_tcp_and_agree_with_serial() {
    use parallel_course::cluster::{SlurmJob, slurm_status};
    use parallel_course::workloads::flood::{Flood, flood_serial};
    let Some(program) =
        common::present_or_skip(mpi_program("flood-mpi"), "the MPI program")
    else {
        return;
    };
    if common::present_or_skip(slurm_status(), "the course's Slurm cluster").is_none() {
        return;
    }
    let dir =
        std::env::temp_dir().join(format!("course-mpi-nodes-{}", std::process::id()));
    let out = dir.join("field.f64");
    std::fs::create_dir_all(&dir).unwrap();
    // The emulated nodes share one machine, where OpenMPI would pass
    // messages through shared memory: TCP only, as between machines.
    let report = SlurmJob::new("flood-nodes", program.display().to_string())
        .args(["64", "25", "--seed", "5", "--out"])
        .arg(out.display().to_string())
        .nodes(2)
        .tasks_per_node(1)
        .env("OMPI_MCA_btl", "self,tcp")
        .env("OMPI_MCA_btl_tcp_if_include", "lo")
        .minutes(2)
        .submit(&dir)
        .unwrap()
        .wait()
        .unwrap();
    assert!(report.succeeded(), "{report}");
    let on: Vec<&str> = report
        .output
        .lines()
        .filter(|l| l.starts_with("rank "))
        .filter_map(|l| l.split(" on ").nth(1)?.split(':').next())
        .collect();
    assert_eq!(on.len(), 2, "{report}");
    assert_ne!(on[0], on[1], "the two ranks ran on two nodes:\n{report}");
    let serial = flood_serial(&Flood::dam_break(64, 5).unwrap(), 25).unwrap();
    let field = field_in(&out);
    assert!(
        field.len() == serial.water.len()
            && field
                .iter()
                .zip(&serial.water)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
        "{report}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
