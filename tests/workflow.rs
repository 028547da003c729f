//! Snakemake runs the course's `course-step` program: jobs are read back
//! with their reasons, a rerun does nothing, a changed input reruns only
//! what depends on it, and a failed job is reported with its message and
//! leaves the finished jobs in place. Snakemake is installed by `./lab`;
//! without it the test says so and passes, except under `CI=true`.

use std::path::{Path, PathBuf};

use parallel_course::workflow::{snakemake, snakemake_program};

mod common;

fn installed() -> bool {
    common::present_or_skip(snakemake_program(), "Snakemake").is_some()
}

/// A fresh folder with a Snakefile counting the words of two small books.
fn workflow(name: &str) -> PathBuf {
    workflow_in(&std::env::temp_dir(), name)
}

/// The same, in `base` (a relative path, as notebooks name their folders,
/// gives a relative folder).
fn workflow_in(base: &Path, name: &str) -> PathBuf {
    let dir = base.join(format!("course-workflow-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("texts")).unwrap();
    std::fs::write(dir.join("texts/a.txt"), "the cat and the hat\n").unwrap();
    std::fs::write(dir.join("texts/b.txt"), "the dog\n").unwrap();
    std::fs::write(
        dir.join("Snakefile"),
        r#"BOOKS = glob_wildcards("texts/{book}.txt").book
rule top:
    input: expand("counts/{book}.tsv", book=BOOKS)
    output: "top.tsv"
    shell: "course-step top-words --top 2 --out {output} {input}"
rule count:
    input: "texts/{book}.txt"
    output: "counts/{book}.tsv"
    shell: "course-step count-words {input} --out {output}"
"#,
    )
    .unwrap();
    dir
}

/// Lets the jobs find this build's `course-step` when no release build is
/// there; once, before either test starts Snakemake.
fn with_test_build_on_path() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(put_test_build_on_path);
}

fn put_test_build_on_path() {
    let built = Path::new(env!("CARGO_BIN_EXE_course-step"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![built];
    dirs.extend(std::env::split_paths(&path));
    // SAFETY: called once, under `Once`, before any Snakemake is started;
    // the test harness's threads do not read PATH.
    unsafe { std::env::set_var("PATH", std::env::join_paths(dirs).unwrap()) };
}

#[test]
fn a_workflow_runs_reruns_nothing_and_resumes_after_a_failure() {
    if !installed() {
        return;
    }
    with_test_build_on_path();
    let dir = workflow("all");
    let first = snakemake(&dir).jobs(2).run().unwrap();
    let mut rules = first.rules_run();
    rules.sort();
    assert_eq!(rules, ["count", "count", "top"], "{first}");
    assert_eq!(
        std::fs::read_to_string(dir.join("top.tsv")).unwrap(),
        "the\t3\nand\t1\n"
    );
    assert!(snakemake(&dir).run().unwrap().nothing_to_do());

    std::fs::write(dir.join("texts/b.txt"), "the dog and the bone\n").unwrap();
    let changed = snakemake(&dir).run().unwrap();
    assert_eq!(changed.rules_run(), ["count", "top"], "{changed}");
    assert_eq!(changed.jobs[0].wildcards, "book=b");

    std::fs::write(dir.join("texts/c.txt"), [0xff, 0xfe]).unwrap();
    let failure = snakemake(&dir)
        .arg("--keep-going")
        .run()
        .unwrap_err()
        .to_string();
    assert!(failure.contains("not UTF-8"), "{failure}");
    assert!(
        !dir.join("counts/c.tsv").exists(),
        "a failed job leaves no output"
    );
    std::fs::write(dir.join("texts/c.txt"), "a cat\n").unwrap();
    assert_eq!(snakemake(&dir).run().unwrap().rules_run(), ["count", "top"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_graph_marks_the_jobs_a_changed_input_would_rerun() {
    if !installed() {
        return;
    }
    with_test_build_on_path();
    let dir = workflow("dag");
    snakemake(&dir).run().unwrap();
    std::fs::write(dir.join("texts/a.txt"), "a new text\n").unwrap();
    let diagram = snakemake(&dir).dag().unwrap().0;
    let to_run: Vec<&str> = diagram
        .lines()
        .filter(|l| l.trim_start().starts_with("class "))
        .collect();
    assert_eq!(to_run.len(), 2, "{diagram}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_run_stopped_at_its_time_limit_leaves_no_lock_behind() {
    if !installed() {
        return;
    }
    let dir = common::slow_workflow("workflow");
    let stopped = snakemake(&dir)
        .time_limit(std::time::Duration::from_secs(4))
        .run()
        .unwrap_err()
        .to_string();
    assert!(stopped.contains("did not finish"), "{stopped}");
    // The same output again: a lock left by the stopped run would refuse it.
    let after = snakemake(&dir)
        .args(["--config", "seconds=0"])
        .run()
        .unwrap();
    assert_eq!(after.rules_run(), ["slow"], "{after}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn slurms_executor_runs_a_two_rule_workflow_as_jobs_of_the_cluster() {
    use parallel_course::cluster::{job_accounting, slurm_status};
    if !installed()
        || common::present_or_skip(slurm_status(), "the course's Slurm cluster").is_none()
    {
        return;
    }
    with_test_build_on_path();
    // Named relative to the test's folder, as a notebook names its
    // workflows: the jobs, which run inside it, must still find `srun`.
    let dir = workflow_in(Path::new("target"), "slurm");
    assert!(dir.is_relative());
    let run = snakemake(&dir)
        .on_slurm()
        .jobs(4)
        .time_limit(std::time::Duration::from_secs(300))
        .run()
        .unwrap();
    let mut rules = run.rules_run();
    rules.sort();
    assert_eq!(rules, ["count", "count", "top"], "{run}\n{}", run.log);
    assert_eq!(
        std::fs::read_to_string(dir.join("top.tsv")).unwrap(),
        "the\t3\nand\t1\n"
    );
    let ids = run.slurm_jobs();
    assert_eq!(ids.len(), 3, "one Slurm job per rule's job:\n{}", run.log);
    for id in &ids {
        let acct = job_accounting(*id, std::time::Duration::from_secs(30)).unwrap();
        assert_eq!(acct.job.state, "COMPLETED", "{acct}");
    }
    // Each of Snakemake's jobs knows its Slurm job, and the accounting
    // table has one finished row for each, with its node and memory.
    let mut matched: Vec<u64> = run.jobs.iter().filter_map(|j| j.slurm_job).collect();
    matched.sort_unstable();
    let mut submitted = ids.clone();
    submitted.sort_unstable();
    assert_eq!(matched, submitted, "{run}");
    let table = run.slurm_accounting().unwrap();
    assert_eq!(table.rows().len(), 3, "{table}");
    for row in table.rows() {
        assert!(
            row[0] == "top" || row[0].starts_with("count [book="),
            "{table}"
        );
        assert!(row[2].starts_with("node"), "{table}");
        assert!(row[5].ends_with("MiB"), "MaxRSS recorded:\n{table}");
        assert_eq!(row[6], "COMPLETED", "{table}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
