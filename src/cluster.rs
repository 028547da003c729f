//! Beyond one machine (episode 8): MPI programs started with `mpirun`
//! from a cell, and the Slurm job script that runs the same program on a
//! cluster.
//!
//! The kernel never initialises MPI itself: a cell starts `mpirun`, which
//! starts `K` copies (ranks) of an MPI program, and this module collects
//! what they print, each rank's lines together, with the wall time of the
//! whole run.
//!
//! ```no_run
//! use parallel_course::cluster::{mpi_program, mpirun};
//!
//! let run = mpirun(mpi_program("integral-mpi")?, 2, ["10000"])?;
//! println!("{run}");
//! let total = run.value("total"); // the program printed `total = …`
//! # Ok::<(), parallel_course::Error>(())
//! ```
//!
//! On a cluster the same program is started by the batch system:
//! [`SlurmJob`] writes the job script.

use std::ffi::OsString;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How to get OpenMPI on Debian or Ubuntu, for error messages.
const INSTALL: &str = "Install OpenMPI (Debian/Ubuntu: `sudo apt-get install openmpi-bin \
     libopenmpi-dev libclang-dev`), then run `./lab --setup-only` in the course folder, \
     which builds the course's MPI programs";

/// The course's MPI program `name` (`integral-mpi`), which `./lab` builds
/// into `target/mpi/release/` when OpenMPI is installed.
///
/// ```no_run
/// let program = parallel_course::cluster::mpi_program("integral-mpi")?;
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Setup`] saying how to build it when it is not built.
pub fn mpi_program(name: &str) -> Result<PathBuf> {
    let program = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("mpi")
        .join("release")
        .join(name);
    if program.is_file() {
        Ok(program)
    } else {
        Err(Error::Setup(format!(
            "the MPI program {} is not built. {INSTALL}.",
            program.display()
        )))
    }
}

/// Starts `ranks` copies of `program` with `mpirun` and waits for them:
/// the common case of [`Mpirun`].
///
/// # Errors
///
/// As for [`Mpirun::run`].
pub fn mpirun<I, S>(
    program: impl Into<PathBuf>,
    ranks: usize,
    args: I,
) -> Result<MpiOutput>
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    Mpirun::new(program).ranks(ranks).args(args).run()
}

/// An `mpirun` command being put together: the program, its arguments,
/// the number of ranks and a time limit.
///
/// The command adds what `mpirun` needs on a workstation or in a
/// container: `--oversubscribe` when there are more ranks than cores,
/// `--allow-run-as-root` when run as root, and shared-memory transport
/// without the kernel's cross-memory attach (which containers often
/// forbid).
///
/// ```no_run
/// use parallel_course::cluster::{Mpirun, mpi_program};
/// use std::time::Duration;
///
/// let run = Mpirun::new(mpi_program("integral-mpi")?)
///     .ranks(4)
///     .arg("2000")
///     .time_limit(Duration::from_secs(60))
///     .run()?;
/// assert_eq!(run.ranks(), 4);
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Mpirun {
    launcher: PathBuf,
    program: PathBuf,
    args: Vec<OsString>,
    ranks: usize,
    time_limit: Duration,
}

impl Mpirun {
    /// `mpirun -n 1 program`, with a time limit of 10 minutes.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Mpirun {
            launcher: PathBuf::from("mpirun"),
            program: program.into(),
            args: Vec::new(),
            ranks: 1,
            time_limit: Duration::from_secs(600),
        }
    }

    /// The number of ranks (copies of the program), 1 to 1024.
    pub fn ranks(mut self, ranks: usize) -> Self {
        self.ranks = ranks;
        self
    }

    /// Adds one argument for the program.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments for the program.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Stops the run (and every rank) after this long; more than zero.
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = limit;
        self
    }

    /// Another launcher instead of `mpirun` on the `PATH` (`mpiexec`, or a
    /// full path).
    pub fn launcher(mut self, launcher: impl Into<PathBuf>) -> Self {
        self.launcher = launcher.into();
        self
    }

    /// The command line as a person would type it.
    ///
    /// ```
    /// use parallel_course::cluster::Mpirun;
    /// let cmd = Mpirun::new("integral-mpi").ranks(2).arg("10000").command_line();
    /// assert!(cmd.starts_with("mpirun -n 2 "));
    /// assert!(cmd.ends_with("integral-mpi 10000"));
    /// ```
    pub fn command_line(&self) -> String {
        let mut words = vec![self.launcher.display().to_string()];
        words.extend(self.launcher_options());
        words.push(self.program.display().to_string());
        words.extend(self.args.iter().map(|a| a.to_string_lossy().into_owned()));
        words.join(" ")
    }

    fn launcher_options(&self) -> Vec<String> {
        let mut options = vec!["-n".to_string(), self.ranks.to_string()];
        if self.ranks > crate::cpu::logical_cores() {
            options.push("--oversubscribe".into());
        }
        if running_as_root() {
            options.push("--allow-run-as-root".into());
        }
        options
    }

    /// Runs the program on its ranks and waits for all of them.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for 0 or more than 1024 ranks or a zero
    /// time limit; [`Error::Setup`] if `mpirun` or the program is
    /// missing; [`Error::Worker`] if the run fails (with what it printed
    /// on standard error) or passes its time limit (every rank is then
    /// stopped).
    pub fn run(&self) -> Result<MpiOutput> {
        let ranks = crate::error::positive("ranks", self.ranks, "1 to 1024")?;
        if ranks > 1024 {
            return Err(Error::InvalidArgument {
                name: "ranks",
                value: ranks.to_string(),
                allowed: "1 to 1024",
            });
        }
        if self.time_limit.is_zero() {
            return Err(Error::InvalidArgument {
                name: "time_limit",
                value: "0 s".into(),
                allowed: "more than zero",
            });
        }
        if !self.program.is_file() {
            return Err(Error::Setup(format!(
                "the MPI program {} does not exist. {INSTALL}.",
                self.program.display()
            )));
        }
        let mut command = Command::new(&self.launcher);
        command
            .args(self.launcher_options())
            .arg(&self.program)
            .args(&self.args)
            .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let mut child = command.spawn().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Setup(format!(
                    "`{}` was not found. {INSTALL}.",
                    self.launcher.display()
                ))
            } else {
                Error::io(format!("starting {}", self.launcher.display()), e)
            }
        })?;
        let stdout = reader(child.stdout.take());
        let stderr = reader(child.stderr.take());
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if start.elapsed() > self.time_limit => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Error::Worker(format!(
                        "`{}` did not finish within {:?}; every rank was stopped",
                        self.command_line(),
                        self.time_limit
                    )));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(Error::io("waiting for mpirun", e)),
            }
        };
        let wall = start.elapsed();
        let out = stdout.join().unwrap_or_default();
        let err = stderr.join().unwrap_or_default();
        if !status.success() {
            return Err(Error::Worker(format!(
                "`{}` failed ({status}): {}",
                self.command_line(),
                err.trim()
            )));
        }
        Ok(MpiOutput {
            command: self.command_line(),
            ranks,
            wall,
            lines: by_rank(&out),
        })
    }
}

/// Reads a pipe to the end on its own thread, so that a rank printing a
/// lot never blocks on a full pipe while the run is waited for.
fn reader<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

#[cfg(unix)]
fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[cfg(not(unix))]
fn running_as_root() -> bool {
    false
}

/// The lines a run printed, in rank order: ranks print at the same time,
/// so their lines arrive interleaved. A line starting `rank K` belongs to
/// rank K; the others (such as rank 0's summary) keep their place after
/// the ranks' lines.
fn by_rank(text: &str) -> Vec<String> {
    let rank_of = |line: &str| -> Option<usize> {
        let rest = line.strip_prefix("rank ")?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.sort_by_key(|l| rank_of(l).unwrap_or(usize::MAX));
    lines.into_iter().map(str::to_string).collect()
}

/// What an MPI run printed and how long it took from start to end,
/// `mpirun`'s own start-up included.
#[derive(Debug, Clone, PartialEq)]
pub struct MpiOutput {
    command: String,
    ranks: usize,
    wall: Duration,
    lines: Vec<String>,
}

impl MpiOutput {
    /// The command that was run.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// How many ranks ran.
    pub fn ranks(&self) -> usize {
        self.ranks
    }

    /// Wall time from starting `mpirun` to its end, start-up included.
    pub fn wall(&self) -> Duration {
        self.wall
    }

    /// The lines the ranks printed, each rank's together, in rank order.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The number on the line `name = number …` that the program printed
    /// (the first such line), e.g. `total = -3.1e-13` or
    /// `time = 0.512 s`.
    ///
    /// ```
    /// # use parallel_course::cluster::MpiOutput;
    /// let out = MpiOutput::from_text(2, "rank 1 of 2: …\ntotal = -1.5e-13\ntime = 0.50 s\n");
    /// assert_eq!(out.value("total"), Some(-1.5e-13));
    /// assert_eq!(out.value("time"), Some(0.5));
    /// assert_eq!(out.value("mean"), None);
    /// ```
    pub fn value(&self, name: &str) -> Option<f64> {
        self.lines.iter().find_map(|line| {
            let rest = line.strip_prefix(name)?.trim_start().strip_prefix('=')?;
            rest.split_whitespace().next()?.parse().ok()
        })
    }

    /// An output built from text, as if `ranks` ranks had printed it
    /// (zero wall time): for examples and tests.
    pub fn from_text(ranks: usize, text: &str) -> Self {
        MpiOutput {
            command: String::new(),
            ranks,
            wall: Duration::ZERO,
            lines: by_rank(text),
        }
    }

    /// Shows the output in the notebook.
    pub fn evcxr_display(&self) {
        let html = format!(
            "<pre>$ {}\n{}</pre><p>{} ranks, wall time {} (mpirun's start-up included)</p>",
            crate::display::escape_html(&self.command),
            crate::display::escape_html(&self.lines.join("\n")),
            self.ranks,
            crate::format::format_seconds(self.wall.as_secs_f64(), 3),
        );
        crate::display::emit(&[("text/plain", &self.to_string()), ("text/html", &html)]);
    }
}

impl fmt::Display for MpiOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "$ {}", self.command)?;
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        write!(
            f,
            "{} ranks, wall time {} (mpirun's start-up included)",
            self.ranks,
            crate::format::format_seconds(self.wall.as_secs_f64(), 3)
        )
    }
}

/// A Slurm batch script that runs an MPI program on a cluster: `sbatch
/// job.sh` queues it, and Slurm's `srun` starts one rank per task on the
/// nodes it was given.
///
/// The lines every site does differently (the account to charge, the
/// partition, the modules that provide MPI) are written as comments to
/// fill in, or set with [`account`](Self::account),
/// [`partition`](Self::partition) and [`module`](Self::module).
///
/// ```
/// use parallel_course::cluster::SlurmJob;
///
/// let job = SlurmJob::new("integral", "./integral-mpi")
///     .arg("10000")
///     .nodes(2)
///     .tasks_per_node(4)
///     .minutes(10);
/// let script = job.script()?;
/// assert!(script.starts_with("#!/bin/bash\n"));
/// assert!(script.contains("#SBATCH --nodes=2\n"));
/// assert!(script.contains("#SBATCH --time=00:10:00\n"));
/// assert!(script.contains("srun ./integral-mpi 10000\n"));
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SlurmJob {
    name: String,
    program: String,
    args: Vec<String>,
    nodes: usize,
    tasks_per_node: usize,
    minutes: u64,
    account: Option<String>,
    partition: Option<String>,
    modules: Vec<String>,
}

impl SlurmJob {
    /// A job called `name` that runs `program` on 1 node with 1 task for
    /// 10 minutes.
    pub fn new(name: impl Into<String>, program: impl Into<String>) -> Self {
        SlurmJob {
            name: name.into(),
            program: program.into(),
            args: Vec::new(),
            nodes: 1,
            tasks_per_node: 1,
            minutes: 10,
            account: None,
            partition: None,
            modules: Vec::new(),
        }
    }

    /// Adds one argument for the program.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// How many machines (nodes) to ask for, 1 or more.
    pub fn nodes(mut self, nodes: usize) -> Self {
        self.nodes = nodes;
        self
    }

    /// How many ranks (tasks) to start on each node, 1 or more: usually
    /// the number of cores a node has.
    pub fn tasks_per_node(mut self, tasks: usize) -> Self {
        self.tasks_per_node = tasks;
        self
    }

    /// The time limit in minutes, 1 or more: Slurm stops the job after
    /// it, and a shorter limit often starts sooner.
    pub fn minutes(mut self, minutes: u64) -> Self {
        self.minutes = minutes;
        self
    }

    /// The project account the site charges the core hours to.
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// The partition (queue) to run in.
    pub fn partition(mut self, partition: impl Into<String>) -> Self {
        self.partition = Some(partition.into());
        self
    }

    /// A module to load before the run (e.g. `"OpenMPI/4.1.4"`; the name
    /// is the site's).
    pub fn module(mut self, module: impl Into<String>) -> Self {
        self.modules.push(module.into());
        self
    }

    /// How many ranks the job runs: nodes × tasks per node.
    pub fn ranks(&self) -> usize {
        self.nodes.saturating_mul(self.tasks_per_node)
    }

    /// The job script.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for zero nodes, tasks or minutes, or a
    /// name that is empty or holds anything but letters, digits, `-`,
    /// `_` and `.`.
    pub fn script(&self) -> Result<String> {
        let name_ok = !self.name.is_empty()
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !name_ok {
            return Err(Error::InvalidArgument {
                name: "name",
                value: format!("{:?}", self.name),
                allowed: "letters, digits, `-`, `_` and `.`, at least one",
            });
        }
        crate::error::positive("nodes", self.nodes, "1 or more")?;
        crate::error::positive("tasks_per_node", self.tasks_per_node, "1 or more")?;
        if self.minutes == 0 {
            return Err(Error::InvalidArgument {
                name: "minutes",
                value: "0".into(),
                allowed: "1 or more",
            });
        }
        let mut s = String::from("#!/bin/bash\n");
        let mut sbatch = |option: String| s.push_str(&format!("#SBATCH {option}\n"));
        sbatch(format!("--job-name={}", self.name));
        sbatch(format!("--nodes={}", self.nodes));
        sbatch(format!("--ntasks-per-node={}", self.tasks_per_node));
        sbatch(format!(
            "--time={:02}:{:02}:00",
            self.minutes / 60,
            self.minutes % 60
        ));
        sbatch(format!("--output={}-%j.out", self.name));
        match &self.account {
            Some(a) => sbatch(format!("--account={a}")),
            None => s.push_str(
                "##SBATCH --account=YOUR_PROJECT   (your site: remove one #)\n",
            ),
        }
        match &self.partition {
            Some(p) => s.push_str(&format!("#SBATCH --partition={p}\n")),
            None => {
                s.push_str("##SBATCH --partition=QUEUE       (your site: remove one #)\n")
            }
        }
        s.push('\n');
        if self.modules.is_empty() {
            s.push_str(
                "# Load the site's MPI, the one the program was built with, e.g.:\n",
            );
            s.push_str("# module load OpenMPI\n");
        } else {
            s.push_str("module purge\n");
            for m in &self.modules {
                s.push_str(&format!("module load {m}\n"));
            }
        }
        s.push_str("\n# One rank per task, on every node of the job.\n");
        s.push_str("srun ");
        s.push_str(&shell_words(
            std::iter::once(&self.program).chain(&self.args),
        ));
        s.push('\n');
        Ok(s)
    }

    /// Writes the script to `path` (executable on Unix), returns the
    /// path.
    ///
    /// # Errors
    ///
    /// As for [`script`](Self::script), and [`Error::Io`] if the file
    /// cannot be written.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<PathBuf> {
        let path = path.as_ref();
        let script = self.script()?;
        std::fs::write(path, script)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| {
                    Error::io(format!("making {} executable", path.display()), e)
                })?;
        }
        Ok(path.to_path_buf())
    }

    /// Shows the script in the notebook (or the error, if it has none).
    pub fn evcxr_display(&self) {
        let text = match self.script() {
            Ok(script) => script,
            Err(e) => format!("Error: {e}"),
        };
        let html = format!("<pre>{}</pre>", crate::display::escape_html(&text));
        crate::display::emit(&[("text/plain", &text), ("text/html", &html)]);
    }
}

/// Words joined for a shell command line, each quoted when it holds
/// anything but safe characters.
fn shell_words<'a>(words: impl Iterator<Item = &'a String>) -> String {
    words
        .map(|w| {
            let safe = !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+%@".contains(c));
            if safe {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_grouped_by_rank_with_the_summary_last() {
        let text = "rank 1 of 3: b\ntotal = 1\nrank 10 of 11: z\nrank 0 of 3: a\n\nrank 1 of 3: c\n";
        let out = MpiOutput::from_text(3, text);
        assert_eq!(
            out.lines(),
            [
                "rank 0 of 3: a",
                "rank 1 of 3: b",
                "rank 1 of 3: c",
                "rank 10 of 11: z",
                "total = 1"
            ]
        );
    }

    #[test]
    fn values_are_read_from_name_equals_number_lines_only() {
        let out = MpiOutput::from_text(1, "totals = 5\ntotal = x\ntotal = 2.5e0 s\n");
        assert_eq!(out.value("total"), Some(2.5));
        assert_eq!(out.value("totals"), Some(5.0));
    }

    #[test]
    fn bad_rank_counts_and_time_limits_are_refused_before_starting_anything() {
        let run = |m: Mpirun| m.run().unwrap_err().to_string();
        let m = Mpirun::new("/nonexistent/program").launcher("/nonexistent/mpirun");
        assert_eq!(
            run(m.clone().ranks(0)),
            "invalid `ranks`: 0; allowed: 1 to 1024"
        );
        assert_eq!(
            run(m.clone().ranks(5000)),
            "invalid `ranks`: 5000; allowed: 1 to 1024"
        );
        assert_eq!(
            run(m.clone().time_limit(Duration::ZERO)),
            "invalid `time_limit`: 0 s; allowed: more than zero"
        );
        assert!(run(m).contains("does not exist. Install OpenMPI"));
    }

    #[cfg(unix)]
    #[test]
    fn a_missing_launcher_says_how_to_install_openmpi() {
        let err = Mpirun::new("/bin/sh")
            .launcher("/nonexistent/mpirun")
            .run()
            .unwrap_err()
            .to_string();
        assert!(err.contains("was not found. Install OpenMPI"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_run_past_its_time_limit_is_stopped_and_reported() {
        // `sh -c 'sleep 30' …`: a stand-in launcher that never ends.
        let dir =
            std::env::temp_dir().join(format!("cluster-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let launcher = dir.join("slow-mpirun");
        std::fs::write(&launcher, "#!/bin/sh\nexec sleep 30\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let start = Instant::now();
        let err = Mpirun::new("/bin/sh")
            .launcher(&launcher)
            .time_limit(Duration::from_millis(200))
            .run()
            .unwrap_err()
            .to_string();
        assert!(err.contains("did not finish within 200ms"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(20));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_slurm_script_asks_for_nodes_tasks_and_time_and_runs_srun() {
        let script = SlurmJob::new("integral", "./integral-mpi")
            .arg("10000")
            .nodes(2)
            .tasks_per_node(16)
            .minutes(90)
            .account("proj-42")
            .module("OpenMPI/4.1.4")
            .script()
            .unwrap();
        for line in [
            "#SBATCH --job-name=integral",
            "#SBATCH --nodes=2",
            "#SBATCH --ntasks-per-node=16",
            "#SBATCH --time=01:30:00",
            "#SBATCH --account=proj-42",
            "##SBATCH --partition=QUEUE",
            "module load OpenMPI/4.1.4",
            "srun ./integral-mpi 10000",
        ] {
            assert!(
                script.lines().any(|l| l.starts_with(line)),
                "{line} in\n{script}"
            );
        }
    }

    #[test]
    fn slurm_scripts_quote_odd_arguments_and_refuse_bad_settings() {
        let job = SlurmJob::new("j", "./prog").arg("a b").arg("it's");
        assert!(
            job.script()
                .unwrap()
                .contains("srun ./prog 'a b' 'it'\\''s'\n")
        );
        let err = |j: SlurmJob| j.script().unwrap_err().to_string();
        assert!(err(job.clone().nodes(0)).contains("`nodes`: 0"));
        assert!(err(job.clone().tasks_per_node(0)).contains("`tasks_per_node`: 0"));
        assert!(err(job.clone().minutes(0)).contains("`minutes`: 0"));
        assert!(err(SlurmJob::new("my job", "p")).contains("`name`: \"my job\""));
    }
}
