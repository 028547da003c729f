//! What the integration tests share: running only where a component of the
//! course (OpenMPI, Slurm, Snakemake) is there, and failing under `CI=true`
//! where it must be.

/// `Some` of what `found` holds; without it, says why and gives `None`
/// (the test then passes without checking), except under `CI=true`, where
/// every part of the course must run: there it panics.
pub fn present_or_skip<T, E: std::fmt::Display>(
    found: Result<T, E>,
    what: &str,
) -> Option<T> {
    match found {
        Ok(value) => Some(value),
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("SKIPPED: {e}");
            None
        }
        Err(e) => panic!("under CI=true {what} must be there: {e}"),
    }
}

/// A fresh folder `course-NAME-PID-slow` in the temporary folder, holding
/// a Snakefile whose one rule sleeps for `config["seconds"]` (60 unless
/// given) before it writes `slow.txt`: a run to stop midway.
#[allow(dead_code)] // not every test file that shares this module uses it
pub fn slow_workflow(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("course-{name}-{}-slow", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    std::fs::write(
        dir.join("Snakefile"),
        "SECONDS = config.get(\"seconds\", 60)\n\
         rule slow:\n    output: \"slow.txt\"\n    shell: f\"sleep {SECONDS} && touch {{output}}\"\n",
    )
    .expect("the Snakefile is written");
    dir
}
