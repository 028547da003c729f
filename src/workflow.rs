//! Workflows with Snakemake (episode 12): run a Snakefile's rules from a
//! cell, read which jobs ran and why, and draw the graph of jobs.
//!
//! Snakemake comes from the course's own environment (`./lab` installs it
//! in `.course/snakemake-venv` from a lock with hashes). Its jobs find the
//! course's helper programs, such as `course-step`, on their `PATH`. A run
//! leads a process group of its own: an interrupt, or its time limit,
//! stops Snakemake and every job it started.
//!
//! ```no_run
//! use parallel_course::workflow::snakemake;
//! let run = snakemake("soup").jobs(2).run()?;
//! println!("{run}"); // which rules ran, why, and how long it took
//! # Ok::<(), parallel_course::Error>(())
//! ```

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

use course_kernel_runtime::paths::SNAKEMAKE_VENV;

use crate::child::run_in_group;
use crate::display::escape_html;
use crate::error::{Error, Result};
use crate::taskgraph::Diagram;

/// The most jobs a run may start at once.
pub const MAX_JOBS: usize = 256;

/// The `snakemake` program of the course's environment.
///
/// # Errors
///
/// [`Error::Setup`] if it is not installed, with the command that installs it.
pub fn snakemake_program() -> Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let program = root.join(SNAKEMAKE_VENV).join("bin").join("snakemake");
    if program.is_file() {
        Ok(program)
    } else {
        Err(Error::Setup(format!(
            "Snakemake is not installed ({} is missing). Run `./lab --setup-only` in the course \
             folder: it installs Snakemake into {SNAKEMAKE_VENV} (Python 3.11 or newer is needed).",
            program.display()
        )))
    }
}

/// A Snakemake run to start in `dir` (the folder with the `Snakefile`):
/// one job at a time unless [`jobs`](Snakemake::jobs) says otherwise.
///
/// ```
/// use parallel_course::workflow::snakemake;
/// let run = snakemake("soup").jobs(2).arg("--forceall");
/// assert_eq!(run.command_line(), "snakemake -j 2 --forceall  (in soup)");
/// ```
pub fn snakemake(dir: impl AsRef<Path>) -> Snakemake {
    Snakemake {
        dir: dir.as_ref().to_path_buf(),
        jobs: 1,
        args: Vec::new(),
        time_limit: Duration::from_secs(600),
        slurm: false,
    }
}

/// A Snakemake command, built by [`snakemake`].
#[derive(Debug, Clone)]
pub struct Snakemake {
    dir: PathBuf,
    jobs: usize,
    args: Vec<OsString>,
    time_limit: Duration,
    slurm: bool,
}

/// Seconds Slurm's executor waits before it first asks `sacct` about its
/// jobs (40 unless told): the course's jobs take seconds, not hours.
const SLURM_FIRST_CHECK: &str = "2";

impl Snakemake {
    /// At most `jobs` jobs at once (`-j`), 1 to [`MAX_JOBS`].
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs;
        self
    }

    /// One more argument for Snakemake, such as `--forceall` or a target file.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// More arguments for Snakemake.
    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Runs every job as a Slurm job of its own (`--executor slurm`):
    /// Snakemake submits each with `sbatch` and follows it through Slurm's
    /// accounting (`sacct`), up to [`jobs`](Self::jobs) at once. Aimed at
    /// the course's cluster when no other is configured, as
    /// [`SlurmJob::submit`](crate::cluster::SlurmJob::submit) is.
    ///
    /// ```
    /// use parallel_course::workflow::snakemake;
    /// let run = snakemake("words").on_slurm().jobs(4);
    /// assert!(run.command_line().starts_with("snakemake --executor slurm -j 4"));
    /// ```
    pub fn on_slurm(mut self) -> Self {
        self.slurm = true;
        self
    }

    /// Stops the run, and every job of it, after `limit` (10 minutes unless set).
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = limit;
        self
    }

    /// The command as a person would type it, and the folder it runs in.
    pub fn command_line(&self) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let mut line = if self.slurm {
            format!("snakemake --executor slurm -j {}", self.jobs)
        } else {
            format!("snakemake -j {}", self.jobs)
        };
        for arg in args {
            line.push(' ');
            line.push_str(&arg);
        }
        format!("{line}  (in {})", self.dir.display())
    }

    fn check(&self) -> Result<()> {
        if self.jobs == 0 || self.jobs > MAX_JOBS {
            return Err(Error::invalid("jobs", self.jobs, "1 to 256 jobs at once"));
        }
        if self.time_limit.is_zero() {
            return Err(Error::invalid("time_limit", "0 s", "more than zero"));
        }
        if !self.dir.join("Snakefile").is_file() {
            return Err(Error::invalid(
                "dir",
                self.dir.display(),
                "a folder with a file named Snakefile (write one with %%writefile DIR/Snakefile)",
            ));
        }
        Ok(())
    }

    /// Runs Snakemake with `extra` arguments before the others; returns its
    /// exit status, standard output and standard error.
    fn start(&self, extra: &[&str]) -> Result<(bool, String, String, Duration)> {
        self.check()?;
        wait_for_unlock();
        let program = snakemake_program()?;
        let mut command = Command::new(&program);
        command
            .current_dir(&self.dir)
            .args(extra)
            .arg("-j")
            .arg(self.jobs.to_string())
            .args(&self.args)
            .env("PATH", job_path(&program));
        if self.slurm {
            command.args([
                "--executor",
                "slurm",
                "--slurm-init-seconds-before-status-checks",
                SLURM_FIRST_CHECK,
            ]);
            if let Some(conf) = crate::cluster::course_slurm_conf() {
                if let Some(bin) = srun_naming(&conf, &self.dir)? {
                    let mut dirs = vec![bin];
                    dirs.extend(std::env::split_paths(&job_path(&program)));
                    command.env("PATH", std::env::join_paths(dirs).unwrap_or_default());
                }
                command.env("SLURM_CONF", conf);
            }
        }
        // Declared before the run, so dropped after its group: once a
        // stopped run's processes are gone, its lock on the folder is
        // released.
        let mut unlock = UnlockOnDrop(Some((program.clone(), self.dir.clone())));
        let done =
            run_in_group(&mut command, self.time_limit, "snakemake", false, |e| {
                Error::io(format!("starting {}", program.display()), e)
            })?
            .ok_or_else(|| {
                Error::Worker(format!(
                    "`{}` did not finish within {:?}; it and its jobs were stopped",
                    self.command_line(),
                    self.time_limit
                ))
            })?;
        unlock.0 = None; // Snakemake ended by itself and released its lock
        Ok((done.status.success(), done.stdout, done.stderr, done.wall))
    }

    /// Runs the workflow and waits for it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for 0 or more than [`MAX_JOBS`] jobs, a
    /// zero time limit or a folder without a `Snakefile`; [`Error::Setup`]
    /// if Snakemake is not installed; [`Error::Worker`] if the workflow
    /// fails (with Snakemake's account of the failed jobs) or passes its
    /// time limit.
    pub fn run(&self) -> Result<SnakemakeRun> {
        let (ok, _out, log, wall) = self.start(&[])?;
        if !ok {
            return Err(Error::Worker(format!(
                "`{}` failed after {:.1} s:\n{}",
                self.command_line(),
                wall.as_secs_f64(),
                failure_report(&log)
            )));
        }
        Ok(SnakemakeRun {
            command: self.command_line(),
            wall,
            jobs: jobs_in(&log),
            log,
        })
    }

    /// The graph of the jobs the run would do (`snakemake --dag`), as a
    /// diagram: dashed boxes are jobs that would run, solid ones are up to date.
    ///
    /// # Errors
    ///
    /// As [`run`](Snakemake::run), and [`Error::Worker`] if Snakemake's
    /// graph cannot be read.
    pub fn dag(&self) -> Result<Diagram> {
        let (ok, dot, log, _) = self.start(&["--dag"])?;
        if !ok {
            return Err(Error::Worker(format!(
                "`snakemake --dag` failed in {}:\n{}",
                self.dir.display(),
                failure_report(&log)
            )));
        }
        dot_to_mermaid(&dot)
    }
}

/// Runs `snakemake --unlock` in a folder whose run was stopped (an
/// interrupt, a time limit): a killed Snakemake leaves its lock behind, and
/// the next run would refuse to start.
///
/// The unlock starts Snakemake again, which takes a second or two, so it
/// runs on a thread of its own: the stopped cell ends at once (a cell that
/// took more than the kernel's 3 s grace to stop would lose its
/// variables), and the next run waits for the unlock first
/// ([`wait_for_unlock`]).
struct UnlockOnDrop(Option<(PathBuf, PathBuf)>);

/// The unlock of the last stopped run, while it may still be running.
static PENDING_UNLOCK: Mutex<Option<JoinHandle<()>>> = Mutex::new(None);

impl Drop for UnlockOnDrop {
    fn drop(&mut self) {
        if let Some((program, dir)) = self.0.take() {
            let unlock = std::thread::spawn(move || {
                let mut command = Command::new(program);
                course_kernel_runtime::children::die_with_parent(&mut command)
                    .arg("--unlock")
                    .current_dir(dir)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                let _ = command.status();
            });
            let earlier = pending_unlock().replace(unlock);
            if let Some(earlier) = earlier {
                let _ = earlier.join();
            }
        }
    }
}

fn pending_unlock() -> std::sync::MutexGuard<'static, Option<JoinHandle<()>>> {
    PENDING_UNLOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// Waits for the unlock of a stopped run to finish, looking for an
/// interrupt while it waits.
fn wait_for_unlock() {
    let Some(unlock) = pending_unlock().take() else {
        return;
    };
    while !unlock.is_finished() {
        if crate::interrupt::interrupted() {
            // Leave it for the next run to wait for.
            *pending_unlock() = Some(unlock);
            crate::interrupt::check("waiting for Snakemake's unlock");
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = unlock.join();
}

/// `PATH` for Snakemake's jobs: the course's helper programs first, then
/// Snakemake's environment, then the cell's own `PATH`.
/// Snakemake's job-step executor runs each rule inside its job with
/// `srun`, after dropping every `SLURM_*` variable but the job's identity
/// (clusters keep their configuration in `/etc/slurm`). The course's
/// cluster keeps its own elsewhere, so an `srun` that names it goes first
/// on the jobs' `PATH`: a script in the workflow's `.snakemake/` folder.
/// `None` when no `srun` is installed.
fn srun_naming(conf: &Path, dir: &Path) -> Result<Option<PathBuf>> {
    let Some(srun) = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("srun"))
        .find(|p| p.is_file())
    else {
        return Ok(None);
    };
    // Absolute: the jobs run in the workflow's folder, where a relative
    // entry of `PATH` would name another place.
    let bin = std::path::absolute(dir.join(".snakemake/course-slurm-bin"))
        .map_err(|e| Error::io(format!("finding the folder {}", dir.display()), e))?;
    let quote =
        |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
    let script = format!(
        "#!/bin/sh\n# srun with the course cluster's configuration (written by the course).\n\
         SLURM_CONF={} exec {} \"$@\"\n",
        quote(conf),
        quote(&srun)
    );
    let written = std::fs::create_dir_all(&bin)
        .and_then(|()| std::fs::write(bin.join("srun"), script))
        .and_then(|()| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                bin.join("srun"),
                std::fs::Permissions::from_mode(0o755),
            )
        });
    written
        .map_err(|e| Error::io(format!("writing {}", bin.join("srun").display()), e))?;
    Ok(Some(bin))
}

fn job_path(program: &Path) -> OsString {
    let mut dirs = vec![crate::workloads::processes::helpers_dir()];
    dirs.extend(program.parent().map(Path::to_path_buf));
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// A finished Snakemake run: the jobs it ran, in the order they started.
#[derive(Debug, Clone)]
pub struct SnakemakeRun {
    /// The command, as [`Snakemake::command_line`] writes it.
    pub command: String,
    /// Wall time from start to end, Snakemake's own start-up included.
    pub wall: Duration,
    /// The jobs that ran.
    pub jobs: Vec<Job>,
    /// Everything Snakemake wrote to standard error.
    pub log: String,
}

/// One job of a run: a rule applied to one set of files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The rule's name.
    pub rule: String,
    /// The wildcards' values (`book=moby`), empty if the rule has none.
    pub wildcards: String,
    /// The files it wrote.
    pub output: String,
    /// Why Snakemake ran it (`Missing output files: …`, `Updated input files: …`).
    pub reason: String,
    /// Its Slurm job number, when Slurm's executor ran it
    /// ([`Snakemake::on_slurm`]): `Job 3 has been submitted with SLURM
    /// jobid 17` in the log, matched to the job by Snakemake's `jobid: 3`.
    pub slurm_job: Option<u64>,
}

impl Job {
    /// The rule and its wildcards, as `block [part=0, parts=4]`.
    pub fn label(&self) -> String {
        if self.wildcards.is_empty() {
            self.rule.clone()
        } else {
            format!("{} [{}]", self.rule, self.wildcards)
        }
    }
}

impl SnakemakeRun {
    /// The rules of the jobs that ran, in order (a rule with wildcards once per job).
    pub fn rules_run(&self) -> Vec<&str> {
        self.jobs.iter().map(|j| j.rule.as_str()).collect()
    }

    /// The Slurm job numbers of the jobs, when the run used Slurm's
    /// executor ([`Snakemake::on_slurm`]): read from its log's
    /// `… submitted with SLURM jobid N` lines, in order.
    ///
    /// ```
    /// use parallel_course::workflow::SnakemakeRun;
    /// let log = "Job 1 has been submitted with SLURM jobid 17 (log: x.log).\n";
    /// let run = SnakemakeRun { command: String::new(), wall: Default::default(),
    ///     jobs: Vec::new(), log: log.into() };
    /// assert_eq!(run.slurm_jobs(), [17]);
    /// ```
    pub fn slurm_jobs(&self) -> Vec<u64> {
        self.log
            .lines()
            .filter_map(|l| l.split("SLURM jobid ").nth(1))
            .filter_map(|rest| {
                let digits: String =
                    rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
            .collect()
    }

    /// Whether Snakemake found every output up to date and ran nothing.
    pub fn nothing_to_do(&self) -> bool {
        self.jobs.is_empty()
    }

    /// What Slurm's accounting (`sacct`) kept of each job of a run on
    /// Slurm's executor, one row per job: its rule and wildcards, its Slurm
    /// job number, the node it ran on, its elapsed time, its CPU time, its
    /// largest resident memory (MaxRSS, of any process of any step) and its
    /// state. Waits up to 30 s per job for lines that are not final yet.
    ///
    /// ```no_run
    /// use parallel_course::workflow::snakemake;
    /// let run = snakemake("integral").on_slurm().jobs(4).run()?;
    /// println!("{}", run.slurm_accounting()?);
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when no job of the run went to Slurm (a
    /// run without [`Snakemake::on_slurm`], or one with nothing to do); as
    /// [`job_accounting`](crate::cluster::job_accounting) when Slurm keeps
    /// no accounting or does not know a job.
    pub fn slurm_accounting(&self) -> Result<crate::table::Table> {
        let on_slurm: Vec<(&Job, u64)> = self
            .jobs
            .iter()
            .filter_map(|j| j.slurm_job.map(|id| (j, id)))
            .collect();
        if on_slurm.is_empty() {
            return Err(Error::invalid(
                "run",
                &self.command,
                "a run whose jobs went to Slurm: `.on_slurm()`, with something to do",
            ));
        }
        let mut table = crate::table::Table::new([
            "rule",
            "Slurm job",
            "node",
            "elapsed",
            "CPU time",
            "MaxRSS",
            "state",
        ]);
        for (job, id) in on_slurm {
            let acct = crate::cluster::job_accounting(id, Duration::from_secs(30))?;
            table.row((
                job.label(),
                id,
                acct.job.nodes.clone(),
                format!("{} s", acct.job.elapsed.as_secs()),
                format!("{:.2} s", acct.cpu_time().as_secs_f64()),
                acct.max_rss()
                    .map_or(String::from("not recorded"), |bytes| {
                        format!("{:.1} MiB", bytes as f64 / f64::from(1u32 << 20))
                    }),
                acct.job.state.clone(),
            ));
        }
        Ok(table)
    }

    /// Shows the run in the notebook, as its `Display` text.
    pub fn evcxr_display(&self) {
        crate::display::emit(&[("text/plain", &self.to_string())]);
    }
}

impl fmt::Display for SnakemakeRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let jobs = match self.jobs.len() {
            0 => "nothing to be done, every output up to date".to_string(),
            1 => "1 job".to_string(),
            n => format!("{n} jobs"),
        };
        writeln!(
            f,
            "{}: {jobs} in {:.2} s",
            self.command,
            self.wall.as_secs_f64()
        )?;
        for job in &self.jobs {
            let slurm = job
                .slurm_job
                .map_or(String::new(), |id| format!(", Slurm job {id}"));
            writeln!(
                f,
                "  {} → {}  ({}{slurm})",
                job.label(),
                job.output,
                job.reason
            )?;
        }
        Ok(())
    }
}

/// The jobs in Snakemake's log: each starts with a `rule NAME:` or
/// `localrule NAME:` line, followed by indented `key: value` lines. A job
/// sent to Slurm gets its job number from the line `Job N has been
/// submitted with SLURM jobid M`, where `N` is the `jobid: N` of its block.
fn jobs_in(log: &str) -> Vec<Job> {
    // Each job with Snakemake's own number for it.
    let mut jobs: Vec<(Job, String)> = Vec::new();
    let mut current: Option<(Job, String)> = None;
    for line in log.lines() {
        let header = line
            .strip_prefix("localrule ")
            .or_else(|| line.strip_prefix("rule "))
            .and_then(|r| r.strip_suffix(':'));
        if let Some(rule) = header {
            jobs.extend(current.take());
            current = Some((
                Job {
                    rule: rule.to_string(),
                    wildcards: String::new(),
                    output: String::new(),
                    reason: String::new(),
                    slurm_job: None,
                },
                String::new(),
            ));
            continue;
        }
        let Some((job, jobid)) = current.as_mut() else {
            continue;
        };
        match line.trim_start().split_once(": ") {
            Some(("output", v)) if line.starts_with("    ") => job.output = v.to_string(),
            Some(("wildcards", v)) if line.starts_with("    ") => {
                job.wildcards = v.to_string()
            }
            Some(("reason", v)) if line.starts_with("    ") => job.reason = v.to_string(),
            Some(("jobid", v)) if line.starts_with("    ") => {
                *jobid = v.trim().to_string()
            }
            _ if !line.starts_with("    ") => jobs.extend(current.take()),
            _ => {}
        }
    }
    jobs.extend(current);
    for line in log.lines() {
        let Some((snakemake_id, slurm_id)) = line
            .strip_prefix("Job ")
            .and_then(|rest| rest.split_once(" has been submitted with SLURM jobid "))
        else {
            continue;
        };
        let digits: String = slurm_id.chars().take_while(char::is_ascii_digit).collect();
        if let (Some((job, _)), Ok(id)) = (
            jobs.iter_mut().find(|(_, n)| n == snakemake_id),
            digits.parse(),
        ) {
            job.slurm_job = Some(id);
        }
    }
    jobs.into_iter().map(|(job, _)| job).collect()
}

/// The part of a failed run's log that says what failed: the `Error`
/// blocks and the failed jobs' own messages, else the last lines.
fn failure_report(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let mut report = Vec::new();
    let mut in_error = false;
    for line in &lines {
        if line.starts_with("Error")
            || line.starts_with("RuleException")
            || line.contains("course-step")
        {
            in_error = true;
        } else if line.starts_with('[')
            || line.starts_with("Shutting down")
            || line.starts_with("Complete log")
        {
            in_error = false;
        }
        if in_error && !line.trim().is_empty() {
            report.push(*line);
        }
    }
    if report.is_empty() {
        report = lines[lines.len().saturating_sub(15)..].to_vec();
    }
    let mut text = report.join("\n");
    if log.contains("Directory cannot be locked") {
        text.push_str(
            "\nAn earlier run in this folder was stopped without releasing its lock. If no other \
             Snakemake runs here, release it with `snakemake(DIR).arg(\"--unlock\").run()`.",
        );
    }
    text
}

/// Snakemake's `--dag` (Graphviz) as a Mermaid flowchart: dashed boxes for
/// jobs that would run, solid for those up to date (the other way round from
/// Snakemake's own drawing, so that the eye goes to the work to do).
///
/// ```
/// use parallel_course::workflow::dot_to_mermaid;
/// let dot = r#"digraph snakemake_dag {
///     0[label = "merge", color = "0.33 0.6 0.85", style="rounded"];
///     1[label = "count\nbook: moby", color = "0.0 0.6 0.85", style="rounded,dashed"];
///     1 -> 0
/// }"#;
/// let diagram = dot_to_mermaid(dot)?;
/// assert!(diagram.0.contains("j1[\"count<br/>book: moby\"]"));
/// assert!(diagram.0.contains("j1 --> j0"));
/// assert!(diagram.0.contains("class j0 torun"));
/// assert!(diagram.0.contains("accTitle: Snakemake's jobs: 2 in all, 1 to run\n"));
/// assert!(diagram.0.contains("accDescr: merge, to run, after count (book: moby). count (book: moby), up to date.\n"));
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Worker`] if the text has no graph in it.
pub fn dot_to_mermaid(dot: &str) -> Result<Diagram> {
    // (id, label, up to date)
    let mut jobs: Vec<(&str, &str, bool)> = Vec::new();
    let mut edges: Vec<(&str, &str)> = Vec::new();
    for line in dot.lines().map(str::trim) {
        if let Some((from, to)) = line.split_once(" -> ") {
            let (from, to) = (from.trim(), to.trim().trim_end_matches(';'));
            if from.chars().all(|c| c.is_ascii_digit())
                && to.chars().all(|c| c.is_ascii_digit())
            {
                edges.push((from, to));
            }
            continue;
        }
        let Some((id, attrs)) = line.split_once('[') else {
            continue;
        };
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let Some(label) = attrs
            .split_once("label = \"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(label, _)| label)
        else {
            continue;
        };
        // Snakemake draws the jobs that are up to date dashed.
        jobs.push((id, label, attrs.contains("dashed")));
    }
    if jobs.is_empty() {
        return Err(Error::Worker(format!(
            "no jobs in Snakemake's graph; it printed: {}",
            dot.lines().take(5).collect::<Vec<_>>().join(" ")
        )));
    }
    let name_of = |id: &str| {
        jobs.iter()
            .find(|j| j.0 == id)
            .map_or(id.to_string(), |j| job_words(j.1))
    };
    let steps: Vec<String> = jobs
        .iter()
        .map(|&(id, label, up_to_date)| {
            let state = if up_to_date { "up to date" } else { "to run" };
            let after: Vec<String> = edges
                .iter()
                .filter(|e| e.1 == id)
                .map(|e| name_of(e.0))
                .collect();
            let when = if after.is_empty() {
                String::new()
            } else {
                format!(", after {}", after.join(" and "))
            };
            format!("{}, {state}{when}", job_words(label))
        })
        .collect();
    let to_run = jobs.iter().filter(|j| !j.2).count();
    let title = format!("Snakemake's jobs: {} in all, {to_run} to run", jobs.len());
    let mut out = Diagram::flowchart_head(&title, &steps);
    out.push_str("    classDef torun stroke-dasharray: 5 4\n");
    for (id, label, _) in &jobs {
        let label = escape_html(label).replace("\\n", "<br/>");
        out.push_str(&format!("    j{id}[\"{label}\"]\n"));
    }
    for (from, to) in &edges {
        out.push_str(&format!("    j{from} --> j{to}\n"));
    }
    for (id, _, up_to_date) in &jobs {
        if !up_to_date {
            out.push_str(&format!("    class j{id} torun\n"));
        }
    }
    Ok(Diagram(out))
}

/// A job's label from Snakemake's graph in words: `count\nbook: moby`
/// (the rule, then its wildcards) as `count (book: moby)`.
fn job_words(label: &str) -> String {
    match label.split_once("\\n") {
        Some((rule, rest)) => format!("{rule} ({})", rest.replace("\\n", ", ")),
        None => label.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "Building DAG of jobs...
Execute 2 jobs...

[Tue Nov 24 20:16:16 2026]
localrule count:
    input: books/moby.txt
    output: counts/moby.tsv
    jobid: 2
    reason: Missing output files: counts/moby.tsv
    wildcards: book=moby
    resources: tmpdir=/tmp
[Tue Nov 24 20:16:17 2026]
Finished jobid: 2 (Rule: count)
1 of 2 steps (50%) done

[Tue Nov 24 20:16:17 2026]
rule merge:
    input: counts/moby.tsv
    output: top.tsv
    jobid: 0
    reason: Input files updated by another job: counts/moby.tsv
    resources: tmpdir=/tmp
[Tue Nov 24 20:16:17 2026]
Finished jobid: 0 (Rule: merge)
2 of 2 steps (100%) done
";

    #[test]
    fn jobs_are_read_from_the_log_with_their_wildcards_and_reasons() {
        let jobs = jobs_in(LOG);
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].rule, "count");
        assert_eq!(jobs[0].wildcards, "book=moby");
        assert_eq!(jobs[0].output, "counts/moby.tsv");
        assert_eq!(jobs[0].reason, "Missing output files: counts/moby.tsv");
        assert_eq!(jobs[1].rule, "merge");
        assert_eq!(
            jobs_in(
                "Nothing to be done (all requested files are present and up to date)."
            ),
            []
        );
    }

    #[test]
    fn a_job_sent_to_slurm_gets_its_slurm_job_number() {
        let log = "[Mon Dec  7 09:01:29 2026]
rule block:
    output: blocks/2-of-4.txt
    jobid: 3
    reason: Forced execution
    wildcards: part=2, parts=4
    resources: mem_mb=500, tmpdir=<TBD>
Job 3 has been submitted with SLURM jobid 14 (log: x/14.log).
[Mon Dec  7 09:01:29 2026]
rule block:
    output: blocks/1-of-4.txt
    jobid: 2
    reason: Forced execution
    wildcards: part=1, parts=4
Job 2 has been submitted with SLURM jobid 15 (log: x/15.log).
";
        let jobs = jobs_in(log);
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].slurm_job, Some(14));
        assert_eq!(jobs[1].slurm_job, Some(15));
        assert_eq!(jobs[1].label(), "block [part=1, parts=4]");
        let local = SnakemakeRun {
            command: "snakemake -j 2".into(),
            wall: Duration::ZERO,
            jobs: jobs_in(LOG),
            log: LOG.into(),
        };
        assert!(local.jobs.iter().all(|j| j.slurm_job.is_none()));
        let refused = local.slurm_accounting().unwrap_err().to_string();
        assert!(refused.contains("on_slurm"), "{refused}");
    }

    #[test]
    fn a_failure_report_keeps_the_error_and_the_jobs_message() {
        let log = "[Tue]\nlocalrule count:\n    output: x\nEnsure the file is valid\ncourse-step count-words: books/bad.txt is not UTF-8 text (byte 3)\n[Tue]\nError in rule count:\n    jobid: 1\n    output: x\nShutting down, this might take some time.\n";
        let report = failure_report(log);
        assert!(report.contains("not UTF-8"), "{report}");
        assert!(report.contains("Error in rule count"), "{report}");
        assert!(!report.contains("Shutting down"), "{report}");
    }

    #[test]
    fn bad_settings_are_refused_before_snakemake_starts() {
        let dir = std::env::temp_dir();
        assert!(snakemake(&dir).jobs(0).run().is_err());
        assert!(snakemake(&dir).jobs(MAX_JOBS + 1).run().is_err());
        assert!(snakemake(&dir).time_limit(Duration::ZERO).run().is_err());
        let none = snakemake("no/such/folder").run().unwrap_err().to_string();
        assert!(none.contains("Snakefile"), "{none}");
        assert!(dot_to_mermaid("not a graph").is_err());
    }
}
