//! The Slurm batch script that runs an MPI program on a cluster.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The longest time limit a job script asks for: a year, in minutes.
const MAX_MINUTES: u64 = 365 * 24 * 60;

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
    pub(super) name: String,
    program: String,
    args: Vec<String>,
    nodes: usize,
    tasks_per_node: usize,
    cpus_per_task: Option<usize>,
    pub(super) minutes: u64,
    account: Option<String>,
    partition: Option<String>,
    modules: Vec<String>,
    env: Vec<(String, String)>,
    srun: bool,
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
            cpus_per_task: None,
            minutes: 10,
            account: None,
            partition: None,
            modules: Vec::new(),
            env: Vec::new(),
            srun: true,
        }
    }

    /// Runs the program once, as a plain command, instead of through
    /// `srun`: the mistake of a script that forgets `srun`. The job still
    /// holds every task it asked for, but only one process runs in it
    /// (an MPI program then runs as a single rank).
    ///
    /// ```
    /// use parallel_course::cluster::SlurmJob;
    /// let script = SlurmJob::new("oops", "./integral-mpi").tasks_per_node(2).direct().script()?;
    /// assert!(script.contains("\n./integral-mpi\n"));
    /// assert!(!script.contains("srun ./integral-mpi"));
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    pub fn direct(mut self) -> Self {
        self.srun = false;
        self
    }

    /// Adds one argument for the program.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments for the program.
    ///
    /// ```
    /// use parallel_course::cluster::SlurmJob;
    /// let script = SlurmJob::new("f", "./flood-mpi").args(["256", "100"]).script()?;
    /// assert!(script.contains("srun ./flood-mpi 256 100\n"));
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
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

    /// CPUs for each task, 1 or more: a hybrid job, each rank running this
    /// many threads. The script asks for them (`--cpus-per-task`), hands
    /// them to `srun` (since Slurm 22.05 it no longer takes them from the
    /// job by itself), and every script sets `RAYON_NUM_THREADS` from
    /// `SLURM_CPUS_PER_TASK`, 1 when the job did not ask: a job that
    /// forgets this line runs one thread per rank.
    ///
    /// ```
    /// use parallel_course::cluster::SlurmJob;
    /// let job = SlurmJob::new("hybrid", "./integral-mpi").nodes(2).cpus_per_task(4);
    /// let script = job.script()?;
    /// assert!(script.contains("#SBATCH --cpus-per-task=4\n"));
    /// assert!(script.contains("srun --cpus-per-task=4 ./integral-mpi\n"));
    /// assert_eq!(job.cpus(), 8);
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    pub fn cpus_per_task(mut self, cpus: usize) -> Self {
        self.cpus_per_task = Some(cpus);
        self
    }

    /// The time limit in minutes, 1 to 525 600 (a year; checked by
    /// [`script`](Self::script)): Slurm stops the job after it, and a
    /// shorter limit often starts sooner.
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

    /// Sets an environment variable for the program (`export NAME=VALUE`
    /// in the script, before `srun`).
    ///
    /// ```
    /// use parallel_course::cluster::SlurmJob;
    /// let script = SlurmJob::new("j", "./prog").env("OMPI_MCA_btl", "self,tcp").script()?;
    /// assert!(script.contains("export OMPI_MCA_btl=self,tcp\n"));
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// How many ranks the job runs: nodes × tasks per node.
    pub fn ranks(&self) -> usize {
        self.nodes.saturating_mul(self.tasks_per_node)
    }

    /// How many CPUs the job holds: ranks × CPUs per task.
    pub fn cpus(&self) -> usize {
        self.ranks().saturating_mul(self.cpus_per_task.unwrap_or(1))
    }

    /// The job script.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for zero nodes, tasks or minutes; for a
    /// name that is empty or holds anything but letters, digits, `-`, `_`
    /// and `.`; for an account, partition or module name that is empty or
    /// holds anything but those and `/`, `+`, `@`, `=`, `:` and `,`; for a
    /// program or an argument with a line break or another control
    /// character (the script is one command per line: a line break would
    /// start a command of its own). Arguments are quoted for the shell.
    pub fn script(&self) -> Result<String> {
        let word = |value: &str, extra: &str| {
            !value.is_empty()
                && value.chars().all(|c| {
                    c.is_ascii_alphanumeric() || "-_.".contains(c) || extra.contains(c)
                })
        };
        if !word(&self.name, "") {
            return Err(Error::InvalidArgument {
                name: "name",
                value: format!("{:?}", self.name),
                allowed: "letters, digits, `-`, `_` and `.`, at least one",
            });
        }
        let site_names = [("account", &self.account), ("partition", &self.partition)];
        for (field, value) in site_names {
            if let Some(v) = value.as_deref().filter(|v| !word(v, "/+@=:,")) {
                return Err(Error::invalid(
                    field,
                    format!("{v:?}"),
                    "letters, digits and `-_./+@=:,`, at least one: a name the site gave you",
                ));
            }
        }
        if let Some(m) = self.modules.iter().find(|m| !word(m, "/+@=:,")) {
            return Err(Error::invalid(
                "module",
                format!("{m:?}"),
                "a module name: letters, digits and `-_./+@=:,`, at least one (e.g. \"OpenMPI/4.1.4\")",
            ));
        }
        let env_name = |n: &str| {
            n.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if let Some((n, _)) = self.env.iter().find(|(n, _)| !env_name(n)) {
            return Err(Error::invalid(
                "env",
                format!("{n:?}"),
                "a variable name: letters, digits and `_`, not starting with a digit",
            ));
        }
        let controls = |v: &String| v.chars().any(char::is_control);
        if let Some(a) = std::iter::once(&self.program)
            .chain(&self.args)
            .chain(self.env.iter().map(|(_, v)| v))
            .find(|a| controls(a))
        {
            return Err(Error::invalid(
                "arg",
                format!("{a:?}"),
                "text without line breaks or other control characters",
            ));
        }
        crate::error::positive("nodes", self.nodes, "1 or more")?;
        crate::error::positive("tasks_per_node", self.tasks_per_node, "1 or more")?;
        if let Some(cpus) = self.cpus_per_task {
            crate::error::positive("cpus_per_task", cpus, "1 or more")?;
        }
        if self.minutes == 0 || self.minutes > MAX_MINUTES {
            return Err(Error::invalid(
                "minutes",
                self.minutes,
                "1 to 525600 (a year; sites cap jobs at days)",
            ));
        }
        let mut s = String::from("#!/bin/bash\n");
        let mut sbatch = |option: String| s.push_str(&format!("#SBATCH {option}\n"));
        sbatch(format!("--job-name={}", self.name));
        sbatch(format!("--nodes={}", self.nodes));
        sbatch(format!("--ntasks-per-node={}", self.tasks_per_node));
        if let Some(cpus) = self.cpus_per_task {
            sbatch(format!("--cpus-per-task={cpus}"));
        }
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
        s.push_str(
            "\n# Threads per rank: the CPUs Slurm gave each task, 1 if the job asked for none.\n",
        );
        s.push_str("export RAYON_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}\n");
        for (name, value) in &self.env {
            s.push_str(&format!(
                "export {name}={}\n",
                shell_words(std::iter::once(value))
            ));
        }
        if self.srun {
            s.push_str("\n# One rank per task, on every node of the job.\n");
            s.push_str("srun ");
            if let Some(cpus) = self.cpus_per_task {
                s.push_str(&format!("--cpus-per-task={cpus} "));
            }
        } else {
            s.push_str("\n# Without srun: one process, whatever the job asked for.\n");
        }
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
    fn a_time_limit_beyond_a_year_is_refused_with_the_range() {
        let job = SlurmJob::new("j", "./p");
        for minutes in [0, MAX_MINUTES + 1, u64::MAX] {
            let err = job
                .clone()
                .minutes(minutes)
                .script()
                .unwrap_err()
                .to_string();
            assert_eq!(
                err,
                format!(
                    "invalid `minutes`: {minutes}; allowed: 1 to 525600 (a year; sites cap jobs at days)"
                )
            );
        }
        let year = job.minutes(MAX_MINUTES).script().unwrap();
        assert!(year.contains("#SBATCH --time=8760:00:00\n"), "{year}");
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
        assert!(err(job.clone().cpus_per_task(0)).contains("`cpus_per_task`: 0"));
        assert!(err(job.clone().minutes(0)).contains("`minutes`: 0"));
        assert!(err(SlurmJob::new("my job", "p")).contains("`name`: \"my job\""));
        assert!(err(job.clone().module("OpenMPI\nrm -rf ~")).contains("`module`"));
        assert!(err(job.clone().account("proj; rm -rf ~")).contains("`account`"));
        assert!(err(job.clone().partition("")).contains("`partition`"));
        assert!(err(job.clone().arg("x\nrm -rf ~")).contains("`arg`"));
        assert!(err(job.clone().env("1X", "v")).contains("`env`"));
        assert!(err(job.clone().env("A B", "v")).contains("`env`"));
        assert!(err(job.clone().env("X", "a\nrm -rf ~")).contains("`arg`"));
        assert!(
            job.clone()
                .env("X", "two words")
                .script()
                .unwrap()
                .contains("export X='two words'\n")
        );
        assert!(job.module("OpenMPI/4.1.4-GCC-12.2.0").script().is_ok());
    }
}
