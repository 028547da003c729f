//! MPI programs started with `mpirun` from a cell, and what their ranks
//! printed.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::child::run_in_group;
use crate::error::{Error, Result};

/// How to get OpenMPI on Debian or Ubuntu, for error messages.
const INSTALL: &str = "Install OpenMPI (Debian/Ubuntu: `sudo apt-get install openmpi-bin \
     libopenmpi-dev libclang-dev`), then run `./lab --setup-only` in the course folder, \
     which builds the course's MPI programs";

/// The course's MPI program `name` (`integral-mpi`), which `./lab` builds
/// into `crates/mpi/target/release/` (Cargo's default target folder of
/// that workspace) when OpenMPI is installed.
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
        .join("crates/mpi/target/release")
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
        // mpirun leads a process group of its own, holding its ranks, so
        // that a time limit or an interrupt stops them all together; and
        // it dies with the cell that started it.
        command
            .args(self.launcher_options())
            .arg(&self.program)
            .args(&self.args)
            .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none");
        let spawn_error = |e: std::io::Error| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Setup(format!(
                    "`{}` was not found. {INSTALL}.",
                    self.launcher.display()
                ))
            } else {
                Error::io(format!("starting {}", self.launcher.display()), e)
            }
        };
        let done =
            run_in_group(&mut command, self.time_limit, "mpirun", false, spawn_error)?
                .ok_or_else(|| {
                    Error::Worker(format!(
                        "`{}` did not finish within {:?}; every rank was stopped",
                        self.command_line(),
                        self.time_limit
                    ))
                })?;
        let (status, wall, out, err) = (done.status, done.wall, done.stdout, done.stderr);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

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
}
