//! Rust called from Python (episode 9): the course's PyO3 module
//! `course_rust` (the crate in `crates/from-python`), built with maturin,
//! and the Python scripts that import it, run from a cell.
//!
//! maturin comes from the course's own environment: `./lab` installs it in
//! `.course/maturin-venv` from a lock with hashes, and builds the module
//! once. [`build_module`] runs `maturin develop --release`, which compiles
//! the crate into `target/from-python/` (incrementally: with nothing
//! changed it takes a second or two) and installs the module into that
//! environment; [`run_script`] starts that environment's Python on a
//! script. Each child leads a process group of its own: an interrupt, or
//! its time limit, stops it and everything it started.
//!
//! ```no_run
//! use parallel_course::python::{build_module, crate_file, run_script};
//! println!("{}", crate_file("src/lib.rs")?); // the Rust that Python calls
//! println!("{}", build_module()?); // compiled, or up to date
//! let run = run_script("gil_threads.py").args(["--threads", "2"]).run()?;
//! assert!(run.stdout.contains("Every call returned"));
//! # Ok::<(), parallel_course::Error>(())
//! ```

use std::ffi::OsString;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use course_kernel_runtime::paths::{
    FROM_PYTHON_CRATE, FROM_PYTHON_LOCK, FROM_PYTHON_TARGET, MATURIN_ARGS, MATURIN_VENV,
};

use crate::child::{Finished, run_in_group};
use crate::error::{Error, Result};

/// The Python module the crate builds: `import course_rust`.
pub const MODULE: &str = "course_rust";

/// The crate Python calls, relative to the course's folder.
pub const CRATE_DIR: &str = FROM_PYTHON_CRATE;

/// Where Cargo builds that crate, relative to the course's folder.
pub const TARGET_DIR: &str = FROM_PYTHON_TARGET;

/// The longest a build may take: a first build compiles PyO3 (about a
/// minute on two busy cores).
const BUILD_TIME_LIMIT: Duration = Duration::from_secs(15 * 60);

/// The course's folder.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The program `name` of the course's maturin environment.
fn venv_program(name: &str) -> Result<PathBuf> {
    let program = root().join(MATURIN_VENV).join("bin").join(name);
    if program.is_file() {
        Ok(program)
    } else {
        Err(Error::Setup(format!(
            "maturin's environment is not installed ({} is missing). Run `./lab --setup-only` \
             in the course folder: it installs maturin into {MATURIN_VENV}.",
            program.display()
        )))
    }
}

/// The `maturin` program of the course's environment.
///
/// # Errors
///
/// [`Error::Setup`] if it is not installed, with the command that installs it.
pub fn maturin_program() -> Result<PathBuf> {
    venv_program("maturin")
}

/// The `python` of the course's maturin environment: the one that can
/// import [`MODULE`] once [`build_module`] has installed it.
///
/// # Errors
///
/// [`Error::Setup`] if it is not installed, with the command that installs it.
pub fn python_program() -> Result<PathBuf> {
    venv_program("python")
}

/// A file of the crate Python calls, shown in the notebook as highlighted
/// code: `src/lib.rs` (the Rust), `gil_threads.py` (the Python that times
/// it), `Cargo.toml`, `pyproject.toml`.
///
/// ```
/// let lib = parallel_course::python::crate_file("src/lib.rs")?;
/// assert!(lib.text().contains("fn sum_range_nogil"));
/// assert_eq!(lib.language(), "rust");
/// assert!(parallel_course::python::crate_file("../../Cargo.toml").is_err());
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for an empty, absolute or climbing (`..`)
/// name; [`Error::Io`] if the file cannot be read.
pub fn crate_file(name: &str) -> Result<CrateFile> {
    let path = in_crate(name)?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    Ok(CrateFile {
        name: name.to_string(),
        text,
    })
}

/// `name`'s path in the crate's folder, if `name` is a plain relative path.
fn in_crate(name: &str) -> Result<PathBuf> {
    let relative = Path::new(name);
    let plain = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    if name.is_empty() || !plain {
        return Err(Error::invalid(
            "name",
            format!("{name:?}"),
            "a file of crates/from-python, named from that folder (\"src/lib.rs\", \
             \"gil_threads.py\")",
        ));
    }
    Ok(root().join(CRATE_DIR).join(relative))
}

/// A file of `crates/from-python`, as [`crate_file`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateFile {
    name: String,
    text: String,
}

impl CrateFile {
    /// The file's name in the crate's folder (`src/lib.rs`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The language its highlighting uses, from its extension (`rust`,
    /// `python`, `toml`; `text` for others).
    pub fn language(&self) -> &'static str {
        match Path::new(&self.name).extension().and_then(|e| e.to_str()) {
            Some("rs") => "rust",
            Some("py") => "python",
            Some("toml") => "toml",
            _ => "text",
        }
    }

    /// Shows the file in the notebook, highlighted, under its path.
    pub fn evcxr_display(&self) {
        crate::display::show_code(
            &format!("{CRATE_DIR}/{}", self.name),
            self.language(),
            &self.text,
        );
    }
}

impl fmt::Display for CrateFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Builds the crate with `maturin develop --release` and installs the
/// module [`MODULE`] into the course's maturin environment. Cargo compiles
/// only what changed since the last build, into [`TARGET_DIR`]; a build
/// started while another runs (another kernel, the set-up) waits for it.
///
/// # Errors
///
/// [`Error::Setup`] if maturin is not installed; [`Error::Worker`] if the
/// build fails (with the end of its log) or takes more than 15 minutes.
pub fn build_module() -> Result<ModuleBuild> {
    let maturin = maturin_program()?;
    let venv = root().join(MATURIN_VENV);
    let target = root().join(TARGET_DIR);
    std::fs::create_dir_all(&target)
        .map_err(|e| Error::io(format!("creating {}", target.display()), e))?;
    let lock_path = root().join(FROM_PYTHON_LOCK);
    let lock = std::fs::File::create(&lock_path)
        .map_err(|e| Error::io(format!("creating {}", lock_path.display()), e))?;
    // Held until the end of this function: pip must not install the
    // module twice at once into one environment.
    lock.lock()
        .map_err(|e| Error::io(format!("locking {}", lock_path.display()), e))?;
    let mut command = Command::new(&maturin);
    command
        .args(MATURIN_ARGS)
        .current_dir(root().join(CRATE_DIR))
        .env("VIRTUAL_ENV", &venv)
        .env("PATH", path_with(&venv.join("bin")))
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("CONDA_PREFIX");
    let done = run_child(command, BUILD_TIME_LIMIT, "maturin", false)?;
    let log = format!("{}{}", done.stdout, done.stderr);
    if !done.status.success() {
        return Err(Error::Worker(format!(
            "`maturin develop --release` failed in {CRATE_DIR} after {:.1} s:\n{}",
            done.wall.as_secs_f64(),
            last_lines(&log, 30)
        )));
    }
    Ok(ModuleBuild {
        compiled: log
            .lines()
            .any(|l| l.trim_start().starts_with("Compiling ")),
        wall: done.wall,
        log,
    })
}

/// A finished [`build_module`].
#[derive(Debug, Clone)]
pub struct ModuleBuild {
    /// Whether Cargo compiled anything (`false`: the build was up to date
    /// and maturin only installed it again).
    pub compiled: bool,
    /// Wall time of the whole build and install.
    pub wall: Duration,
    /// What maturin and Cargo wrote.
    pub log: String,
}

impl ModuleBuild {
    /// Shows the build in the notebook, as its `Display` text.
    pub fn evcxr_display(&self) {
        crate::display::emit(&[("text/plain", &self.to_string())]);
    }
}

impl fmt::Display for ModuleBuild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.compiled {
            "compiled"
        } else {
            "up to date (nothing compiled)"
        };
        write!(
            f,
            "{MODULE}: {what}, installed in {MATURIN_VENV} in {:.1} s",
            self.wall.as_secs_f64()
        )
    }
}

/// A Python script to run with the course's maturin environment, which can
/// import [`MODULE`]: a script of `crates/from-python` by its name there
/// (`gil_threads.py`), else a path from the current folder (a script of your
/// own, written with `%%writefile`). It runs in the current folder.
///
/// ```
/// use parallel_course::python::run_script;
/// let script = run_script("gil_threads.py").args(["--threads", "4"]);
/// assert_eq!(script.command_line(), "python gil_threads.py --threads 4");
/// ```
pub fn run_script(name: impl AsRef<Path>) -> PythonScript {
    PythonScript {
        name: name.as_ref().to_path_buf(),
        args: Vec::new(),
        time_limit: Duration::from_secs(600),
    }
}

/// A Python command, built by [`run_script`].
#[derive(Debug, Clone)]
pub struct PythonScript {
    name: PathBuf,
    args: Vec<OsString>,
    time_limit: Duration,
}

impl PythonScript {
    /// One more argument for the script.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// More arguments for the script.
    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Stops the script, and every process it started, after `limit` (10
    /// minutes unless set).
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = limit;
        self
    }

    /// The command as a person would type it (in the environment).
    pub fn command_line(&self) -> String {
        let mut line = format!("python {}", self.name.display());
        for arg in &self.args {
            line.push(' ');
            line.push_str(&arg.to_string_lossy());
        }
        line
    }

    /// The script's file: in the crate's folder, else from the current one.
    fn script(&self) -> Result<PathBuf> {
        let name = self.name.to_string_lossy();
        if let Ok(in_crate) = in_crate(&name)
            && in_crate.is_file()
        {
            return Ok(in_crate);
        }
        if self.name.is_file() {
            return Ok(self.name.clone());
        }
        Err(Error::invalid(
            "script",
            format!("{name:?}"),
            "a script of crates/from-python (\"gil_threads.py\") or a path to a Python \
             file from the current folder",
        ))
    }

    /// Runs the script and waits for it; its output appears in the cell as
    /// it is printed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a zero time limit or a script that
    /// is not there; [`Error::Setup`] if the environment is not installed;
    /// [`Error::Worker`] if the script fails (with its error message) or
    /// passes its time limit.
    pub fn run(&self) -> Result<ScriptRun> {
        if self.time_limit.is_zero() {
            return Err(Error::invalid("time_limit", "0 s", "more than zero"));
        }
        let script = self.script()?;
        let python = python_program()?;
        let mut command = Command::new(&python);
        command
            .arg(&script)
            .args(&self.args)
            .env("PYTHONUNBUFFERED", "1");
        let done = run_child(command, self.time_limit, "python", true)?;
        if !done.status.success() {
            let hint = if done.stderr.contains(&format!("No module named '{MODULE}'")) {
                format!(
                    "\n{MODULE} is not installed in {MATURIN_VENV}: build it first with \
                     parallel_course::python::build_module()."
                )
            } else {
                String::new()
            };
            return Err(Error::Worker(format!(
                "`{}` failed after {:.1} s:\n{}{hint}",
                self.command_line(),
                done.wall.as_secs_f64(),
                last_lines(&done.stderr, 30)
            )));
        }
        Ok(ScriptRun {
            command: self.command_line(),
            wall: done.wall,
            stdout: done.stdout,
            stderr: done.stderr,
        })
    }
}

/// A finished [`PythonScript`] run.
#[derive(Debug, Clone)]
pub struct ScriptRun {
    /// The command, as [`PythonScript::command_line`] writes it.
    pub command: String,
    /// Wall time from start to end, Python's start-up included.
    pub wall: Duration,
    /// What the script printed (shown in the cell as it ran).
    pub stdout: String,
    /// What it wrote to standard error (warnings), not shown.
    pub stderr: String,
}

impl fmt::Display for ScriptRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` finished in {:.1} s",
            self.command,
            self.wall.as_secs_f64()
        )
    }
}

/// Runs `command` to its end in a process group of its own (see
/// [`run_in_group`]), without the kernel's own settings, which are for the
/// cell's process, not for the programs it starts (a Cargo build would take
/// them for its own).
fn run_child(
    mut command: Command,
    time_limit: Duration,
    what: &'static str,
    echo: bool,
) -> Result<Finished> {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("EVCXR_") {
            command.env_remove(key);
        }
    }
    run_in_group(&mut command, time_limit, what, echo, |e| {
        Error::io(format!("starting {what}"), e)
    })?
    .ok_or_else(|| {
        Error::Worker(format!(
            "{what} did not finish within {time_limit:?}; it was stopped"
        ))
    })
}

/// `PATH` with `dir` first.
fn path_with(dir: &Path) -> OsString {
    let mut dirs = vec![dir.to_path_buf()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// The last `n` lines of `text`.
fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_files_are_read_and_named_paths_outside_are_refused() {
        let script = crate_file("gil_threads.py").unwrap();
        assert_eq!(script.language(), "python");
        assert!(script.text().contains("import course_rust"));
        for bad in ["", "../../Cargo.toml", "/etc/passwd", "src/../../x"] {
            let err = crate_file(bad).unwrap_err().to_string();
            assert!(err.contains("crates/from-python"), "{bad}: {err}");
        }
        assert!(matches!(crate_file("nope.py"), Err(Error::Io { .. })));
    }

    #[test]
    fn a_script_run_refuses_a_zero_limit_and_a_missing_script() {
        let zero = run_script("gil_threads.py")
            .time_limit(Duration::ZERO)
            .run();
        assert!(zero.unwrap_err().to_string().contains("time_limit"));
        let missing = run_script("no-such-script.py").run().unwrap_err();
        assert!(
            missing.to_string().contains("no-such-script.py"),
            "{missing}"
        );
    }

    #[test]
    fn the_end_of_a_long_log_is_kept() {
        let log: String = (1..=50).map(|i| format!("line {i}\n")).collect();
        let end = last_lines(&log, 3);
        assert_eq!(end, "line 48\nline 49\nline 50");
        assert_eq!(last_lines("one", 30), "one");
    }
}
