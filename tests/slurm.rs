//! Jobs submitted to the course's Slurm cluster of emulated nodes, which `./lab
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

#[test]
fn a_two_node_job_puts_one_task_on_each_node() {
    if !cluster_or_skip() {
        return;
    }
    let report = SlurmJob::new("where", "/bin/sh")
        .arg("-c")
        .arg("echo task $SLURM_PROCID on $SLURMD_NODENAME")
        .nodes(2)
        .tasks_per_node(1)
        .minutes(1)
        .submit(jobs_dir())
        .unwrap()
        .wait()
        .unwrap();
    assert!(report.succeeded(), "{report}");
    let mut nodes: Vec<&str> = report
        .output
        .lines()
        .filter(|l| l.starts_with("task "))
        .filter_map(|l| l.rsplit(' ').next())
        .collect();
    assert_eq!(nodes.len(), 2, "{report}");
    nodes.sort();
    nodes.dedup();
    assert_eq!(
        nodes.len(),
        2,
        "two tasks on two different nodes:\n{report}"
    );
    assert!(nodes.iter().all(|n| n.starts_with("node")), "{nodes:?}");
}

#[test]
fn a_finished_job_has_accounting_rows_with_cpu_time_and_max_rss() {
    if !cluster_or_skip() {
        return;
    }
    // 200 MiB touched and held, and a second of arithmetic: what MaxRSS
    // and TotalCPU must show.
    // One line (a job script's argument has no line breaks): `exec` reads
    // the `\n`s.
    let hold = r#"exec("import time\nblock = bytearray(b'x' * (200 << 20))\nend = time.process_time() + 1.5\nwhile time.process_time() < end: pass\ntime.sleep(1.5)\nprint(len(block))")"#;
    let report = SlurmJob::new("hold-memory", "python3")
        .arg("-c")
        .arg(hold)
        .minutes(2)
        .submit(jobs_dir())
        .unwrap()
        .wait()
        .unwrap();
    assert!(report.succeeded(), "{report}");
    let acct = common::present_or_skip(
        report
            .accounting
            .clone()
            .ok_or("the cluster keeps no accounting"),
        "Slurm's accounting",
    );
    let Some(acct) = acct else {
        return;
    };
    assert_eq!(acct.job.state, "COMPLETED", "{acct}");
    assert!(acct.job.elapsed.as_secs() >= 2, "{acct}");
    assert!(acct.cpu_time().as_secs_f64() >= 1.0, "{acct}");
    let rss = acct.max_rss().expect("MaxRSS of a step");
    assert!(
        rss >= 200 << 20,
        "MaxRSS {rss} below the 200 MiB held:\n{acct}"
    );
    let memory = acct.memory_efficiency().expect("ReqMem and MaxRSS");
    assert!(memory > 0.0 && memory < 1.0, "{memory}\n{acct}");
    let cpu = acct.cpu_efficiency().expect("elapsed time");
    assert!(cpu > 0.1 && cpu < 1.5, "{cpu}\n{acct}");
    let text = parallel_course::cluster::sacct(&[report.id]).unwrap();
    assert!(
        text.contains("MaxRSS") && text.contains("COMPLETED"),
        "{text}"
    );
    assert!(report.to_string().contains("Memory efficiency"), "{report}");
}
