//! Jobs submitted to the course's one-node Slurm cluster, which `./lab
//! test` starts before the crate tests: `srun` starts one process per
//! task, `direct()` one in all, a job Slurm cannot run is refused with
//! Slurm's reason, and the report reads the output. Without a cluster the
//! test says so and passes, except under `CI=true`.

use parallel_course::cluster::{SlurmJob, slurm_status};

mod common;

fn cluster_or_skip() -> bool {
    common::present_or_skip(slurm_status(), "the course's Slurm cluster").is_some()
}

fn jobs_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("course-slurm-{}", std::process::id()))
}

#[test]
fn srun_starts_a_process_per_task_and_direct_runs_one() {
    if !cluster_or_skip() {
        return;
    }
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dir = jobs_dir();
    let each = SlurmJob::new("echo-each", "/bin/echo")
        .arg("hello from a task")
        .tasks_per_node(cpus)
        .minutes(1);
    let report = each.submit(&dir).unwrap().wait().unwrap();
    assert!(report.succeeded(), "{report}");
    assert_eq!(
        report
            .output
            .lines()
            .filter(|l| *l == "hello from a task")
            .count(),
        cpus,
        "{report}"
    );
    assert_eq!(report.cpus as usize, cpus);

    let once = SlurmJob::new("echo-once", "/bin/echo")
        .arg("just once")
        .tasks_per_node(cpus)
        .minutes(1)
        .direct();
    let report = once.submit(&dir).unwrap().wait().unwrap();
    assert!(report.succeeded(), "{report}");
    assert_eq!(
        report.output.lines().filter(|l| *l == "just once").count(),
        1,
        "{report}"
    );
    assert!(
        report
            .timeline
            .iter()
            .any(|(state, _)| state == "COMPLETED")
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_job_the_cluster_cannot_run_is_refused_with_slurms_reason() {
    if !cluster_or_skip() {
        return;
    }
    let too_big = SlurmJob::new("too-big", "/bin/true")
        .nodes(64)
        .tasks_per_node(1)
        .minutes(1);
    let message = too_big.submit(jobs_dir()).unwrap_err().to_string();
    assert!(message.contains("sbatch"), "{message}");
    let failing = SlurmJob::new("failing", "/bin/false")
        .minutes(1)
        .submit(jobs_dir())
        .unwrap()
        .wait()
        .unwrap();
    assert!(!failing.succeeded());
    assert_eq!(failing.state, "FAILED", "{failing}");
}
