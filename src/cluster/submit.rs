//! Submitting a [`SlurmJob`] to Slurm from a cell: `sbatch`, the queue
//! while it waits and runs, its output once it is done.
//!
//! The commands (`sbatch`, `squeue`, `scontrol`, `scancel`, `sacct`) are
//! Slurm's own. When no `SLURM_CONF` is set and the course's cluster is
//! configured in this checkout (`./lab` starts it where Slurm is
//! installed), they talk to that cluster; on a real cluster's login node
//! they talk to the site's.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use course_kernel_runtime::paths::SLURM_CONF;

use super::SlurmJob;
use crate::display::Live;
use crate::error::{Error, Result};

/// Says how to get a cluster, for a machine without Slurm.
const NO_SLURM: &str = "Slurm's commands (sbatch, squeue) were not found or no cluster answers. \
    On Debian/Ubuntu as root, `./lab` installs Slurm and starts the course's cluster of emulated \
    nodes (`sudo apt-get install slurm-wlm munge slurmdbd mariadb-server`, then run ./lab again); \
    on a cluster, run this on its login node.";

/// The course cluster's configuration, when no other cluster is
/// configured (`SLURM_CONF` unset) and this checkout's cluster has one.
pub fn course_slurm_conf() -> Option<PathBuf> {
    if std::env::var_os("SLURM_CONF").is_some() {
        return None;
    }
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join(SLURM_CONF);
    conf.is_file().then_some(conf)
}

/// A Slurm command aimed at the course's cluster when no other is
/// configured.
pub(super) fn slurm(program: &str) -> Command {
    let mut command = Command::new(program);
    if let Some(conf) = course_slurm_conf() {
        command.env("SLURM_CONF", conf);
    }
    command
}

/// Why `SLURM_CONF` (set by the learner or their site) cannot work: it
/// names a file that is not there. Slurm's commands would otherwise retry
/// for about a minute before saying they cannot load it.
///
/// ```
/// use parallel_course::cluster::slurm_conf_problem;
/// assert_eq!(slurm_conf_problem(None), None);
/// let why = slurm_conf_problem(Some("/no/such/slurm.conf".as_ref())).unwrap();
/// assert!(why.contains("/no/such/slurm.conf"));
/// ```
pub fn slurm_conf_problem(conf: Option<&std::ffi::OsStr>) -> Option<String> {
    let conf = Path::new(conf?);
    (!conf.is_file()).then(|| {
        format!(
            "SLURM_CONF names {}, which is not a file: unset it (`unset SLURM_CONF` in the shell that \
             starts JupyterLab) to use the course's cluster, or point it at your cluster's \
             slurm.conf",
            conf.display()
        )
    })
}

/// Runs a Slurm command and returns its standard output.
pub(super) fn output(command: &mut Command, what: &str) -> Result<String> {
    if let Some(why) = slurm_conf_problem(std::env::var_os("SLURM_CONF").as_deref()) {
        return Err(Error::Setup(why));
    }
    let out = command.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Setup(NO_SLURM.into())
        } else {
            Error::io(format!("running {what}"), e)
        }
    })?;
    if !out.status.success() {
        return Err(Error::Worker(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The cluster's partitions and nodes in one line each (`sinfo`), or
/// [`Error::Setup`] saying how to get a cluster.
///
/// ```no_run
/// println!("{}", parallel_course::cluster::slurm_status()?);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Setup`] when Slurm is missing or no controller answers.
pub fn slurm_status() -> Result<String> {
    let text = output(
        slurm("sinfo").args(["-h", "-o", "partition %P: %a, %D node(s) of %c CPUs, %t"]),
        "sinfo",
    )
    .map_err(|e| match e {
        Error::Worker(why) => Error::Setup(format!("{NO_SLURM} ({why})")),
        other => other,
    })?;
    Ok(text.trim().to_string())
}

/// The queue as `squeue` shows it: every job waiting or running.
///
/// # Errors
///
/// As [`slurm_status`].
pub fn squeue() -> Result<String> {
    output(
        slurm("squeue").args(["-o", "%.6i %.9P %.14j %.8u %.9T %.8M %.5D %R"]),
        "squeue",
    )
}

/// The cluster's nodes, one line each (`sinfo -N`): name, state, CPUs,
/// memory in MiB and partition.
///
/// ```no_run
/// println!("{}", parallel_course::cluster::slurm_nodes()?);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// As [`slurm_status`].
pub fn slurm_nodes() -> Result<String> {
    output(
        slurm("sinfo").args(["-N", "-o", "%.8N %.6t %.5c %.8m %.10P"]),
        "sinfo",
    )
    .map_err(|e| match e {
        Error::Worker(why) => Error::Setup(format!("{NO_SLURM} ({why})")),
        other => other,
    })
}

impl SlurmJob {
    /// Writes the script to `dir/NAME.slurm` and submits it with `sbatch`
    /// from `dir`, where the job's output will be written. Returns at once:
    /// [`SubmittedJob::wait`] waits for it.
    ///
    /// # Errors
    ///
    /// As [`script`](Self::script) and [`write`](Self::write);
    /// [`Error::Setup`] without Slurm; [`Error::Worker`] if `sbatch`
    /// refuses the job (its message says why: too many tasks for the
    /// cluster, an unknown partition, …).
    pub fn submit(&self, dir: impl AsRef<Path>) -> Result<SubmittedJob> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let script = self.write(dir.join(format!("{}.slurm", self.name)))?;
        let file = script
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| script.clone());
        let text = output(
            slurm("sbatch").arg("--parsable").arg(file).current_dir(dir),
            "sbatch",
        )?;
        let id: u64 = text
            .trim()
            .split(';')
            .next()
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| {
                Error::Worker(format!("sbatch answered {text:?}, not a job id"))
            })?;
        Ok(SubmittedJob {
            id,
            name: self.name.clone(),
            output: dir.join(format!("{}-{id}.out", self.name)),
            // `script` (through `write`) bounds the minutes; saturating
            // keeps the sum from wrapping whatever they are.
            limit: Duration::from_secs(
                self.minutes.saturating_mul(60).saturating_add(120),
            ),
        })
    }
}

/// A job in Slurm's hands.
#[derive(Debug, Clone)]
pub struct SubmittedJob {
    /// Slurm's number for it.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// The file its output goes to.
    pub output: PathBuf,
    limit: Duration,
}

/// States after which a job does not run again.
const FINAL: [&str; 7] = [
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "TIMEOUT",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
    "PREEMPTED",
];

impl SubmittedJob {
    /// The job's state (`PENDING`, `RUNNING`, `COMPLETED`, …) and exit code
    /// (`0:0` is success), from `scontrol show job`.
    ///
    /// # Errors
    ///
    /// As [`slurm_status`]; [`Error::Worker`] if Slurm no longer knows the job.
    pub fn state(&self) -> Result<(String, String)> {
        let text = output(
            slurm("scontrol").args(["show", "job", "-o", &self.id.to_string()]),
            "scontrol show job",
        )?;
        let field = |name: &str| {
            text.split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .map(str::to_string)
        };
        let state = field("JobState=")
            .ok_or_else(|| Error::Worker(format!("Slurm has no job {}", self.id)))?;
        Ok((state, field("ExitCode=").unwrap_or_default()))
    }

    /// Cancels the job (`scancel`); nothing happens to a job that has ended.
    ///
    /// # Errors
    ///
    /// As [`slurm_status`].
    pub fn cancel(&self) -> Result<()> {
        output(slurm("scancel").arg(self.id.to_string()), "scancel").map(|_| ())
    }

    /// Waits for the job to end, showing its state as it changes (in the
    /// course kernel), and returns its report with the output. An
    /// interrupt cancels the job.
    ///
    /// # Errors
    ///
    /// As [`state`](Self::state); [`Error::Worker`] if the job is still
    /// there two minutes after its own time limit (it is then cancelled).
    pub fn wait(&self) -> Result<JobReport> {
        let guard = CancelOnDrop(Some(self));
        let start = Instant::now();
        let mut usage = JobCpu::default();
        let mut timeline: Vec<(String, Duration)> = Vec::new();
        let mut live = Live::start(
            "slurm-job",
            &format!("job {} submitted", self.id),
            Duration::from_millis(200),
        );
        let (state, exit_code) = loop {
            crate::interrupt::check("the Slurm job");
            let (state, exit_code) = self.state()?;
            if state == "RUNNING" {
                usage.sample(self.id);
            }
            if timeline.last().is_none_or(|(s, _)| *s != state) {
                timeline.push((state.clone(), start.elapsed()));
            }
            if let Some(live) = live.as_mut() {
                live.text(&format!(
                    "job {} ({}): {state} after {:.1} s",
                    self.id,
                    self.name,
                    start.elapsed().as_secs_f64()
                ));
            }
            if FINAL.contains(&state.as_str()) {
                break (state, exit_code);
            }
            if start.elapsed() > self.limit {
                return Err(Error::Worker(format!(
                    "job {} was still {state} after {:.0} s, past its time limit; it was cancelled",
                    self.id,
                    start.elapsed().as_secs_f64()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        std::mem::forget(guard);
        let output = self.read_output()?;
        let cpus = self.allocated_cpus().unwrap_or(0);
        // The accounting of a job that just ended arrives a moment later.
        let accounting = super::job_accounting(self.id, Duration::from_secs(15)).ok();
        let report = JobReport {
            id: self.id,
            name: self.name.clone(),
            state,
            exit_code,
            timeline,
            output,
            cpus,
            cpu_seconds: usage.seconds(),
            accounting,
        };
        if let Some(mut live) = live {
            let ended =
                format!("job {} ({}) ended: {}", self.id, self.name, report.state);
            live.now(&[("text/plain", &ended)]);
        }
        Ok(report)
    }

    /// The CPUs Slurm gave the job (`NumCPUs`).
    fn allocated_cpus(&self) -> Option<u32> {
        let text = output(
            slurm("scontrol").args(["show", "job", "-o", &self.id.to_string()]),
            "scontrol show job",
        )
        .ok()?;
        text.split_whitespace()
            .find_map(|w| w.strip_prefix("NumCPUs="))
            .and_then(|n| n.parse().ok())
    }

    /// The job's output so far (empty before it starts writing).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file exists and cannot be read.
    pub fn read_output(&self) -> Result<String> {
        match std::fs::read_to_string(&self.output) {
            Ok(text) => Ok(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(e) => Err(Error::io(format!("reading {}", self.output.display()), e)),
        }
    }
}

/// Cancels a job whose wait is abandoned (an interrupt, an error).
struct CancelOnDrop<'a>(Option<&'a SubmittedJob>);

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(job) = self.0.take() {
            let _ = job.cancel();
        }
    }
}

/// What became of a job: its last state, exit code, when each state began,
/// and everything it wrote.
#[derive(Debug, Clone)]
pub struct JobReport {
    /// Slurm's number for the job.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its last state: `COMPLETED` for success.
    pub state: String,
    /// Slurm's exit code, `status:signal` (`0:0` for success).
    pub exit_code: String,
    /// Each state the job was seen in, with the time from submission.
    pub timeline: Vec<(String, Duration)>,
    /// Its output file's text.
    pub output: String,
    /// The CPUs Slurm gave it (0 if Slurm did not say).
    pub cpus: u32,
    /// CPU seconds its processes used as `wait` saw them in `/proc` while
    /// the job ran (Linux, a node that is this machine); `None` otherwise.
    /// A check on [`accounting`](Self::accounting), and what is left when a
    /// cluster keeps none.
    pub cpu_seconds: Option<f64>,
    /// What Slurm's accounting kept of the job (`sacct`): elapsed and CPU
    /// time, largest resident memory, the `seff` efficiencies; `None` on a
    /// cluster without accounting.
    pub accounting: Option<super::JobAccounting>,
}

impl JobReport {
    /// Whether the job completed with exit code 0.
    pub fn succeeded(&self) -> bool {
        self.state == "COMPLETED" && self.exit_code == "0:0"
    }

    /// How long the job ran (from `RUNNING` to its end, as seen by the polling).
    pub fn running_time(&self) -> Option<Duration> {
        let start = self.timeline.iter().find(|(s, _)| s == "RUNNING")?.1;
        let end = self.timeline.last()?.1;
        (end > start).then(|| end - start)
    }

    /// How many of its CPUs the job kept busy on average: CPU time ÷
    /// elapsed time, what `seff` reports as CPU efficiency × CPUs. From the
    /// accounting when the cluster keeps it, otherwise from what `wait` saw
    /// in `/proc`.
    pub fn busy_cpus(&self) -> Option<f64> {
        self.accounting
            .as_ref()
            .and_then(super::JobAccounting::busy_cpus)
            .or_else(|| self.busy_cpus_seen())
    }

    /// Busy CPUs from `/proc` alone: CPU seconds `wait` saw ÷ the running
    /// time it saw.
    pub fn busy_cpus_seen(&self) -> Option<f64> {
        Some(self.cpu_seconds? / self.running_time()?.as_secs_f64())
    }

    fn summary(&self) -> String {
        let steps: Vec<String> = self
            .timeline
            .iter()
            .map(|(s, t)| format!("{s} at {:.1} s", t.as_secs_f64()))
            .collect();
        format!(
            "job {} ({}): {}, exit code {}",
            self.id,
            self.name,
            steps.join(" → "),
            self.exit_code
        )
    }

    /// Shows the report in the notebook.
    pub fn evcxr_display(&self) {
        crate::display::emit(&[("text/plain", &self.to_string())]);
    }
}

impl fmt::Display for JobReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary())?;
        if let Some(acct) = &self.accounting {
            writeln!(f, "ran on {}", acct.job.nodes)?;
            f.write_str(&acct.seff())?;
        }
        if let Some(busy) = self.busy_cpus() {
            writeln!(
                f,
                "busy CPUs on average: {busy:.2} of the {} it was given",
                self.cpus
            )?;
        }
        writeln!(f, "--- its output ---")?;
        f.write_str(&self.output)
    }
}

/// The CPU time of a running job's processes, read from `/proc`: every
/// process whose environment holds the job's `SLURM_JOB_ID`, its latest
/// user + system time kept (a process that ends between two readings
/// loses the time since the last one).
#[derive(Debug, Default)]
struct JobCpu {
    seen: std::collections::HashMap<u32, f64>,
    watched: bool,
}

impl JobCpu {
    #[cfg(target_os = "linux")]
    fn sample(&mut self, job: u64) {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return;
        };
        self.watched = true;
        // SAFETY: sysconf has no preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let marker = format!("SLURM_JOB_ID={job}\0");
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
                continue;
            };
            if !environ
                .windows(marker.len())
                .any(|w| w == marker.as_bytes())
            {
                continue;
            }
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // Fields after the command's closing parenthesis: utime and stime
            // are the 12th and 13th of them.
            let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            let fields: Vec<&str> = after.split_whitespace().collect();
            let time = |i: usize| {
                fields
                    .get(i)
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            self.seen.insert(pid, (time(11) + time(12)) / ticks);
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn sample(&mut self, _job: u64) {}

    fn seconds(&self) -> Option<f64> {
        (self.watched && !self.seen.is_empty()).then(|| self.seen.values().sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_limit_that_would_overflow_is_refused_before_sbatch_runs() {
        let dir =
            std::env::temp_dir().join(format!("submit-minutes-{}", std::process::id()));
        let err = SlurmJob::new("j", "./p")
            .minutes(u64::MAX)
            .submit(&dir)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid `minutes`: 18446744073709551615"),
            "{err}"
        );
        assert!(!dir.join("j.slurm").exists(), "nothing was written");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
