//! `./lab room`: JupyterHub for a workshop on one server, so that every
//! learner, whatever their laptop, follows the course in a browser.
//!
//! One install, one learner per Unix user: the kernel, its kernelspec and
//! the course are installed once ([`install`]), owned by root and
//! read-only to learners; each learner logs in with their own Unix account
//! ([`learners`]) and gets a JupyterLab of their own, as themselves, in
//! their home, with their own `work/` ([`home`]). JupyterHub and its proxy
//! run detached with their state in `.course/room/state/` ([`hub`]); the
//! spawners (`kernel-ext/room/course_room.py`) put each learner in memory
//! and CPU limits of their own, kernels on Unix sockets in the learner's
//! private runtime folder, and idle servers are culled. With `--slurm`
//! each learner's JupyterLab is a Slurm job on the course's cluster.
//!
//! | module | what |
//! |---|---|
//! | [`learners`] | the learners file, the Unix users, the password sheet |
//! | [`install`] | the room's one read-only install |
//! | [`home`] | a learner's home made ready, as that learner |
//! | [`hub`] | JupyterHub started, asked and stopped |

pub mod home;
pub mod hub;
pub mod install;
pub mod learners;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::kernel::runner;
use crate::project::Project;
use crate::setup::{self, For, Later, Warm};
use crate::system;
use install::RoomPaths;

/// How to use `./lab room`.
pub const USAGE: &str = "\
Usage: ./lab room --learners FILE [--port N] [--memory SIZE] [--cull MINUTES]
                  [--instructor NAME] [--slurm]      start a room (as root)
       ./lab room --status                            who is logged in, busy, memory
       ./lab room --restart NAME                      restart a learner's server
       ./lab room --stop [--remove-learners]          stop the room

FILE lists one username per line. As root, the room makes one Unix user per learner
(and the instructor, an admin of the hub, default name `instructor`), writes their
passwords to a sheet readable by root only, and starts JupyterHub on 127.0.0.1:8000.
--memory is each learner's memory limit (default 2G), --cull the minutes after which
an idle server stops (default 60), --slurm runs each learner's JupyterLab as a job on
the course's Slurm cluster.";

/// What `./lab room` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomCommand {
    /// Start a room.
    Start(StartOptions),
    /// Report who is logged in.
    Status,
    /// Restart one learner's server.
    Restart(String),
    /// Stop the room; remove the users it made when asked.
    Stop {
        /// Also remove the learners' accounts and homes.
        remove_learners: bool,
    },
    /// Print the usage.
    Help,
}

/// How to start a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartOptions {
    /// The learners file.
    pub learners: PathBuf,
    /// The hub's port (the hub also takes the next two).
    pub port: u16,
    /// Each learner's memory limit, in bytes.
    pub memory: u64,
    /// Minutes of inactivity after which a server is stopped.
    pub cull_minutes: u32,
    /// The instructor's account (an admin of the hub).
    pub instructor: String,
    /// Learners' servers as Slurm jobs.
    pub slurm: bool,
}

/// The room's default port.
pub const DEFAULT_PORT: u16 = 8000;

/// Parses the words after `room`.
///
/// # Errors
///
/// Says what was wrong and what is allowed.
pub fn parse(args: Vec<OsString>) -> anyhow::Result<RoomCommand> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let (mut learners, mut port, mut memory, mut cull) =
        (None, DEFAULT_PORT, 2u64 << 30, 60u32);
    let mut instructor = "instructor".to_string();
    let (mut slurm, mut stop, mut status, mut remove, mut restart) =
        (false, false, false, false, None);
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(RoomCommand::Help),
            Long("learners") => learners = Some(PathBuf::from(parser.value()?)),
            Long("port") => {
                let v = parser.value()?.string()?;
                port = v
                    .parse::<u16>()
                    .ok()
                    .filter(|p| (1024..=65533).contains(p))
                    .with_context(|| {
                        format!("--port {v}: give a port from 1024 to 65533 (the hub takes the next two too)")
                    })?;
            }
            Long("memory") => {
                let v = parser.value()?.string()?;
                memory = parse_size(&v)?;
            }
            Long("cull") => {
                let v = parser.value()?.string()?;
                cull = v
                    .parse::<u32>()
                    .ok()
                    .filter(|m| (1..=24 * 60).contains(m))
                    .with_context(|| {
                        format!("--cull {v}: give minutes from 1 to 1440")
                    })?;
            }
            Long("instructor") => {
                let v = parser.value()?.string()?;
                if !learners::valid_name(&v) {
                    bail!("--instructor {v:?}: not a username the room can make");
                }
                instructor = v;
            }
            Long("slurm") => slurm = true,
            Long("stop") => stop = true,
            Long("status") => status = true,
            Long("remove-learners") => remove = true,
            Long("restart") => restart = Some(parser.value()?.string()?),
            _ => return Err(arg.unexpected().into()),
        }
    }
    let actions = [learners.is_some(), stop, status, restart.is_some()]
        .iter()
        .filter(|a| **a)
        .count();
    if actions != 1 {
        bail!(
            "give exactly one of --learners FILE, --status, --restart NAME, --stop\n\n{USAGE}"
        );
    }
    if remove && !stop {
        bail!("--remove-learners goes with --stop");
    }
    if let Some(name) = restart {
        return Ok(RoomCommand::Restart(name));
    }
    if status {
        return Ok(RoomCommand::Status);
    }
    if stop {
        return Ok(RoomCommand::Stop {
            remove_learners: remove,
        });
    }
    Ok(RoomCommand::Start(StartOptions {
        learners: learners.context("no learners file")?,
        port,
        memory,
        cull_minutes: cull,
        instructor,
        slurm,
    }))
}

/// `2G`, `1500M`, `512m`, or bytes; at least 512 MiB (a kernel needs
/// about that) and at most 1 TiB.
///
/// # Errors
///
/// Says what sizes are allowed.
pub fn parse_size(text: &str) -> anyhow::Result<u64> {
    let t = text.trim();
    let (number, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&t[..i], t[i..].to_ascii_uppercase()),
        None => (t, String::new()),
    };
    let factor: u64 = match unit.trim_end_matches(['B', 'I']) {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => bail!("--memory {text}: give a size like 2G or 1500M"),
    };
    let value: f64 = number
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v > 0.0)
        .with_context(|| format!("--memory {text}: give a size like 2G or 1500M"))?;
    let bytes = value * factor as f64;
    if !(512.0 * (1 << 20) as f64..=(1u64 << 40) as f64).contains(&bytes) {
        bail!("--memory {text}: give from 512M (one kernel needs about that) to 1T");
    }
    Ok(bytes as u64)
}

/// Runs `./lab room`.
pub fn run(project: &Project, command: RoomCommand) -> anyhow::Result<ExitCode> {
    let paths = RoomPaths::of(project);
    match command {
        RoomCommand::Help => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        RoomCommand::Start(opts) => start(project, &paths, &opts),
        RoomCommand::Status => status(&paths),
        RoomCommand::Restart(name) => restart(&paths, &name),
        RoomCommand::Stop { remove_learners } => stop(project, &paths, remove_learners),
    }
}

fn require_root() -> anyhow::Result<()> {
    if !cfg!(target_os = "linux") || !system::running_as_root() {
        bail!(
            "a room runs as root on Linux: it makes a Unix user per learner, starts JupyterHub \
             (which logs learners in with their Unix passwords) and sets each learner's memory \
             limit. Run it with sudo on the room's server."
        );
    }
    Ok(())
}

/// The room's settings a running hub was started with.
#[derive(Debug)]
struct Running {
    port: u16,
    status_token: String,
    learners: Vec<String>,
    instructor: String,
    slurm: bool,
}

impl Running {
    fn to_json(&self) -> String {
        serde_json::json!({
            "port": self.port,
            "status_token": self.status_token,
            "learners": self.learners,
            "instructor": self.instructor,
            "slurm": self.slurm,
        })
        .to_string()
    }

    fn from_json(v: &serde_json::Value) -> Option<Running> {
        Some(Running {
            port: u16::try_from(v["port"].as_u64()?).ok()?,
            status_token: v["status_token"].as_str()?.to_string(),
            learners: v["learners"]
                .as_array()?
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect(),
            instructor: v["instructor"].as_str()?.to_string(),
            slurm: v["slurm"].as_bool()?,
        })
    }
}

fn running_file(paths: &RoomPaths) -> PathBuf {
    paths.state().join("room.json")
}

fn read_running(paths: &RoomPaths) -> anyhow::Result<Running> {
    let file = running_file(paths);
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("no room runs here ({} is missing)", file.display()))?;
    serde_json::from_str(&text)
        .ok()
        .and_then(|v| Running::from_json(&v))
        .with_context(|| format!("{} is damaged; stop the room by hand", file.display()))
}

fn random_hex() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random bytes: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn start(
    project: &Project,
    paths: &RoomPaths,
    opts: &StartOptions,
) -> anyhow::Result<ExitCode> {
    require_root()?;
    let text = std::fs::read_to_string(&opts.learners).with_context(|| {
        format!("reading the learners file {}", opts.learners.display())
    })?;
    let names = learners::parse(&text)?;
    if names.contains(&opts.instructor) {
        bail!(
            "{} is the instructor's account; take it out of the learners file or choose \
             another with --instructor",
            opts.instructor
        );
    }
    if let Ok(running) = read_running(paths)
        && hub::request(running.port, "GET", "/hub/health", None, None).is_ok()
    {
        bail!(
            "a room of this checkout runs already, on port {}: stop it first with \
             ./lab room --stop",
            running.port
        );
    }
    if hub::request(opts.port, "GET", "/hub/health", None, None).is_ok() {
        bail!(
            "something answers on port {} already (a room?): stop it with ./lab room --stop, \
             or choose another --port",
            opts.port
        );
    }
    let env = setup::set_up(project, Warm::Yes, For::Room, Later::Now)?.env;
    if opts.slurm {
        // The learners' servers are jobs on the course's cluster, which must
        // outlive this command; `--stop` stops it.
        let cluster = crate::cluster::for_notebooks(project, &env.slurm)?.context(
            "--slurm needs the course's Slurm cluster, which cannot run here (see above)",
        )?;
        cluster.detach();
    }
    let mut steps = crate::steps::Steps::new(4);
    steps.run(
        "The room's install (JupyterHub, the proxy, the toolchain, the crates)",
        || Ok(((), install::ensure(project, &env, paths)?)),
    )?;
    steps.run(
        "The room's warm cache (the support crate and what each notebook loads, compiled once for everyone)",
        || Ok(((), warm_shared_cache(project, paths)?)),
    )?;
    let mut everyone = names.clone();
    everyone.push(opts.instructor.clone());
    let sheet = paths.state().join("passwords.txt");
    steps.run("Learners' accounts and the password sheet", || {
        let new = learners::ensure_users(
            &everyone,
            &paths.state().join("learners.json"),
            &sheet,
            "Parallel Programming in Rust, room account",
        )?;
        Ok((
            (),
            format!(
                "{} accounts ({} new); passwords in {}",
                everyone.len(),
                new.len(),
                sheet.display()
            ),
        ))
    })?;
    let running = Running {
        port: opts.port,
        status_token: random_hex()?,
        learners: names.clone(),
        instructor: opts.instructor.clone(),
        slurm: opts.slurm,
    };
    steps.run("JupyterHub", || {
        let log = paths.state().join("hub.log");
        // A new room starts from a new database: no server of the last one
        // runs (--stop saw to that), and its users are not this room's.
        let _ = std::fs::remove_file(paths.state().join("jupyterhub.sqlite"));
        let hub_env = hub_env(project, paths, opts, &running, &names)?;
        let pid = hub::start(
            &paths.venv().join("bin/jupyterhub"),
            &project.kernel_ext().join("room/jupyterhub_config.py"),
            &paths.state(),
            &hub_env,
            &log,
        )?;
        learners::write_private(&running_file(paths), &(running.to_json() + "\n"))?;
        hub::wait_until_up(opts.port, pid, &log)?;
        Ok((
            (),
            format!("running (pid {pid}); its log: {}", log.display()),
        ))
    })?;
    println!(
        "\nThe room is open: http://127.0.0.1:{port}/ ({} learners{}).\n\
         Passwords: {} (hand each learner their line).\n\
         Instructor: log in as {} for the hub's admin page (http://127.0.0.1:{port}/hub/admin).\n\
         See who is in: ./lab room --status    Stop it: ./lab room --stop\n\
         For a real room, put it behind TLS (README, \"A room\").",
        names.len(),
        if opts.slurm {
            "; their servers run as Slurm jobs"
        } else {
            ""
        },
        sheet.display(),
        opts.instructor,
        port = opts.port
    );
    Ok(ExitCode::SUCCESS)
}

/// The hub's environment: where everything is, and the room's settings.
fn hub_env(
    project: &Project,
    paths: &RoomPaths,
    opts: &StartOptions,
    running: &Running,
    names: &[String],
) -> anyhow::Result<Vec<(String, String)>> {
    let lab = std::env::current_exe().context("cannot tell where the launcher is")?;
    let mut env = vec![
        (
            "PATH".into(),
            format!(
                "{}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
                paths.venv().join("bin").display()
            ),
        ),
        (
            "COURSE_ROOM_STATE".into(),
            paths.state().display().to_string(),
        ),
        (
            "COURSE_ROOM_VENV".into(),
            paths.venv().display().to_string(),
        ),
        ("COURSE_ROOM_PORT".into(), opts.port.to_string()),
        ("COURSE_ROOM_LEARNERS".into(), names.join(",")),
        ("COURSE_ROOM_ADMINS".into(), opts.instructor.clone()),
        (
            "COURSE_ROOM_PROXY".into(),
            paths.proxy().display().to_string(),
        ),
        ("COURSE_ROOM_PROXY_TOKEN".into(), random_hex()?),
        (
            "COURSE_ROOM_STATUS_TOKEN".into(),
            running.status_token.clone(),
        ),
        ("COURSE_ROOM_MEMORY".into(), opts.memory.to_string()),
        (
            "COURSE_ROOM_CULL".into(),
            (u64::from(opts.cull_minutes) * 60).to_string(),
        ),
        (
            "COURSE_ROOM_MODE".into(),
            if opts.slurm { "slurm" } else { "local" }.into(),
        ),
        ("COURSE_ROOM_LAB".into(), lab.display().to_string()),
        (
            "COURSE_ROOM_COURSE".into(),
            project.root.display().to_string(),
        ),
        ("LANG".into(), "C.UTF-8".into()),
    ];
    if opts.slurm {
        env.push((
            "SLURM_CONF".into(),
            project
                .root
                .join(course_kernel_runtime::paths::SLURM_CONF)
                .display()
                .to_string(),
        ));
    }
    Ok(env)
}

/// Compiles what the notebooks load in kernels that run as a learner's
/// would (the room's kernelspec, toolchain and crates), into the room's
/// shared cache; each learner's cache starts from it.
fn warm_shared_cache(project: &Project, paths: &RoomPaths) -> anyhow::Result<String> {
    let notebooks = project.course_notebooks()?;
    let key = crate::kernel::warm::key(project, &notebooks)?;
    let stamp = paths.dir.join("cache.stamp");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == key)
        && holds_compiled_crates(&paths.cache().join("evcxr"))
    {
        return Ok("already warm".into());
    }
    install::make_dir(&paths.cache(), 0o755)?;
    // What this machine's own kernels compiled serves the room's too
    // (evcxr's cache keys leave Cargo's home out): the warm-up below then
    // compiles only what is missing.
    let seeded = match system::cache_home() {
        // Copies: learners cannot read this machine's own cache.
        Some(own) => home::add_cache_entries(
            &own.join("evcxr"),
            &paths.cache().join("evcxr"),
            home::Compiled::Copied,
        )?,
        None => 0,
    };
    // Outside the checkout: a kernel's build folder inside it would be
    // taken by Cargo for a member of the course's workspace.
    // A fresh home each time: a build folder left there by an earlier warm-up
    // would satisfy the kernels without compiling, and leave the shared cache
    // empty (then every learner compiles the support crate at once).
    let home = system::course_cache()?.join("room-warm-home");
    if home.exists() {
        std::fs::remove_dir_all(&home).with_context(|| {
            format!("removing the warm-up's old home {}", home.display())
        })?;
    }
    install::make_dir(&home, 0o700)?;
    let python = paths.venv().join("bin/python");
    let mut cmd = std::process::Command::new(&python);
    cmd.arg(runner::script(project))
        .args(["--kernel", crate::kernel::spec::NAME, "--log-dir"])
        .arg(project.logs_dir())
        .arg("--warm")
        .args(&notebooks)
        .current_dir(&project.root)
        .env("XDG_CACHE_HOME", paths.cache())
        .env("HOME", &home)
        .env("JUPYTER_PATH", paths.venv().join("share/jupyter"))
        .env_remove("JUPYTER_CONFIG_DIR")
        .env_remove("JUPYTER_DATA_DIR");
    crate::steps::run_with_spinner(
        &mut cmd,
        "compiling in the room's kernels",
        "The room's kernels could not compile what the notebooks load; see .course/logs/.",
    )?;
    if !holds_compiled_crates(&paths.cache().join("evcxr")) {
        bail!(
            "the room's warm-up ran but left nothing in {}: the learners' kernels would each \
             compile the support crate at once. See the warm-up's logs in {}.",
            paths.cache().join("evcxr").display(),
            project.logs_dir().display()
        );
    }
    std::fs::write(&stamp, key)?;
    // Readable by every learner.
    crate::steps::run_streamed(
        std::process::Command::new("chmod")
            .args(["-R", "go-w,a+rX"])
            .arg(paths.cache()),
        "could not open the room's cache to learners",
    )?;
    Ok(format!(
        "compiled into {} ({seeded} crates taken from this machine's own kernels' cache)",
        paths.cache().display()
    ))
}

/// Whether evcxr's cache folder holds compiled crates (a folder per crate),
/// not only the kernels' lock files (`.course-kernel-locks`).
fn holds_compiled_crates(cache: &std::path::Path) -> bool {
    std::fs::read_dir(cache).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| !e.file_name().to_string_lossy().starts_with('.'))
    })
}

fn status(paths: &RoomPaths) -> anyhow::Result<ExitCode> {
    require_root()?;
    let running = read_running(paths)?;
    let users = hub::request(
        running.port,
        "GET",
        "/hub/api/users",
        Some(&running.status_token),
        None,
    )
    .context(
        "the room's hub does not answer: is it running? (./lab room --learners FILE)",
    )?;
    if users.status != 200 {
        bail!(
            "the hub refused the status request ({}): {}",
            users.status,
            users.body
        );
    }
    let users = users.json()?;
    println!(
        "{:<20} {:<10} {:<22} {:>8} {:>10}",
        "learner", "server", "last active", "kernels", "memory"
    );
    let mut logged_in = 0;
    for user in users.as_array().into_iter().flatten() {
        let name = user["name"].as_str().unwrap_or("?");
        let server = &user["servers"][""];
        let state = if server.is_object() {
            if server["ready"].as_bool().unwrap_or(false) {
                "running"
            } else {
                "starting"
            }
        } else {
            "stopped"
        };
        if server.is_object() {
            logged_in += 1;
        }
        let kernels = if state == "running" {
            kernel_states(running.port, &running.status_token, name)
        } else {
            "—".into()
        };
        let memory = hub::memory_of(name)
            .map(|b| format!("{} MiB", b >> 20))
            .unwrap_or_else(|| "—".into());
        let last = user["last_activity"].as_str().unwrap_or("never");
        println!(
            "{name:<20} {state:<10} {:<22} {kernels:>8} {memory:>10}",
            last.split('.').next().unwrap_or(last)
        );
    }
    println!(
        "{logged_in} of {} accounts have a server. Admin page: http://127.0.0.1:{}/hub/admin",
        users.as_array().map_or(0, Vec::len),
        running.port
    );
    Ok(ExitCode::SUCCESS)
}

/// A learner's kernels as `busy`/`idle` counts, from their server's API.
fn kernel_states(port: u16, token: &str, name: &str) -> String {
    let path = format!("/user/{name}/api/kernels");
    match hub::request(port, "GET", &path, Some(token), None).and_then(|r| r.json()) {
        Ok(kernels) => {
            let list = kernels.as_array().cloned().unwrap_or_default();
            let busy = list
                .iter()
                .filter(|k| k["execution_state"] == "busy")
                .count();
            format!("{busy} busy/{}", list.len())
        }
        Err(_) => "?".into(),
    }
}

fn restart(paths: &RoomPaths, name: &str) -> anyhow::Result<ExitCode> {
    require_root()?;
    let running = read_running(paths)?;
    let path = format!("/hub/api/users/{name}/server");
    let token = Some(running.status_token.as_str());
    let stopped = hub::request(running.port, "DELETE", &path, token, None)?;
    if !matches!(stopped.status, 202 | 204 | 400) {
        bail!(
            "the hub would not stop {name}'s server ({}): {}",
            stopped.status,
            stopped.body
        );
    }
    for _ in 0..300 {
        let user = hub::request(
            running.port,
            "GET",
            &format!("/hub/api/users/{name}"),
            token,
            None,
        )?
        .json()?;
        if !user["servers"][""].is_object() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let started = hub::request(running.port, "POST", &path, token, Some("{}"))?;
    if !matches!(started.status, 201 | 202) {
        bail!(
            "the hub would not start {name}'s server ({}): {}",
            started.status,
            started.body
        );
    }
    println!("{name}'s server was restarted; their files are as they were.");
    Ok(ExitCode::SUCCESS)
}

fn stop(
    project: &Project,
    paths: &RoomPaths,
    remove_learners: bool,
) -> anyhow::Result<ExitCode> {
    require_root()?;
    let running = read_running(paths).ok();
    let hub_stopped = hub::stop_pid_file(
        &paths.state().join("jupyterhub.pid"),
        "jupyterhub",
        Duration::from_secs(30),
    );
    let proxy_stopped = hub::stop_pid_file(
        &paths.state().join("proxy.pid"),
        "configurable-http-proxy",
        Duration::from_secs(10),
    );
    let mut killed = 0;
    let mut names: Vec<String> = learners::made(&paths.state().join("learners.json"))
        .into_iter()
        .collect();
    if let Some(r) = &running {
        names.extend(r.learners.iter().cloned());
        names.sort();
        names.dedup();
        if r.slurm {
            let conf = project.root.join(course_kernel_runtime::paths::SLURM_CONF);
            for name in &names {
                let _ = std::process::Command::new("scancel")
                    .args(["-u", name])
                    .env("SLURM_CONF", &conf)
                    .status();
            }
            std::thread::sleep(Duration::from_secs(2));
            crate::cluster::stop(project);
        }
    }
    for name in &names {
        killed += hub::clear_cgroups(name);
    }
    let _ = std::fs::remove_file(running_file(paths));
    if remove_learners {
        learners::remove_users(&names, &paths.state().join("learners.json"))?;
    }
    println!(
        "The room is stopped: JupyterHub {}, the proxy {}; {killed} learners' processes were \
         left and are gone{}.",
        if hub_stopped {
            "stopped"
        } else {
            "was not running"
        },
        if proxy_stopped {
            "stopped"
        } else {
            "was not running"
        },
        if remove_learners {
            "; the learners' accounts and homes are removed"
        } else {
            "; the learners' accounts and homes are kept"
        }
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> anyhow::Result<RoomCommand> {
        parse(args.iter().map(OsString::from).collect())
    }

    #[test]
    fn the_rooms_cache_is_seeded_with_copies_of_whole_entries_it_lacks() {
        let dir = std::env::temp_dir().join(format!("room-seed-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let own = dir.join("own");
        let entry = |name: &str, hits: &str| {
            let e = own.join(name);
            std::fs::create_dir_all(&e).unwrap();
            std::fs::write(e.join("hits"), hits).unwrap();
            std::fs::write(e.join("librayon-1.rlib"), format!("compiled {name}"))
                .unwrap();
        };
        entry("111", "3");
        entry("222", ""); // torn: a kernel stopped while writing its count
        entry("333", "1");
        entry(".course-kernel-locks", "0");
        let room = dir.join("room");
        std::fs::create_dir_all(room.join("333")).unwrap();
        std::fs::write(room.join("333/hits"), "9").unwrap();
        assert_eq!(
            home::add_cache_entries(&own, &room, home::Compiled::Copied).unwrap(),
            1
        );
        let rlib = room.join("111/librayon-1.rlib");
        assert!(
            std::fs::symlink_metadata(&rlib)
                .unwrap()
                .file_type()
                .is_file()
        );
        assert_eq!(std::fs::read_to_string(&rlib).unwrap(), "compiled 111");
        assert!(!room.join("222").exists(), "a torn entry was copied");
        assert!(!room.join(".course-kernel-locks").exists());
        assert_eq!(std::fs::read_to_string(room.join("333/hits")).unwrap(), "9");
        // Nothing half-made is left, and a second seeding adds nothing.
        let names: Vec<_> = std::fs::read_dir(&room)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert_eq!(
            home::add_cache_entries(&own, &room, home::Compiled::Copied).unwrap(),
            0
        );
        assert_eq!(
            home::add_cache_entries(&dir.join("absent"), &room, home::Compiled::Copied)
                .unwrap(),
            0
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_room_starts_from_a_learners_file_with_defaults() {
        let RoomCommand::Start(o) = p(&["--learners", "l.txt"]).unwrap() else {
            panic!()
        };
        assert_eq!(o.port, DEFAULT_PORT);
        assert_eq!(o.memory, 2 << 30);
        assert_eq!(o.cull_minutes, 60);
        assert_eq!(o.instructor, "instructor");
        assert!(!o.slurm);
    }

    #[test]
    fn one_action_at_a_time() {
        assert!(p(&[]).is_err());
        assert!(p(&["--stop", "--status"]).is_err());
        assert_eq!(p(&["--status"]).unwrap(), RoomCommand::Status);
        assert_eq!(
            p(&["--stop", "--remove-learners"]).unwrap(),
            RoomCommand::Stop {
                remove_learners: true
            }
        );
        assert!(p(&["--status", "--remove-learners"]).is_err());
        assert_eq!(
            p(&["--restart", "ada"]).unwrap(),
            RoomCommand::Restart("ada".into())
        );
    }

    #[test]
    fn sizes_ports_and_minutes_are_checked() {
        assert_eq!(parse_size("2G").unwrap(), 2 << 30);
        assert_eq!(parse_size("1500M").unwrap(), 1500 << 20);
        assert_eq!(parse_size("1.5GiB").unwrap(), 3 << 29);
        for bad in ["0", "-1G", "NaNG", "100M", "2X", "", "5T"] {
            let err = parse_size(bad).unwrap_err().to_string();
            assert!(err.contains("--memory"), "{bad}: {err}");
        }
        assert!(p(&["--learners", "l", "--port", "80"]).is_err());
        assert!(p(&["--learners", "l", "--port", "65535"]).is_err());
        assert!(p(&["--learners", "l", "--cull", "0"]).is_err());
        assert!(p(&["--learners", "l", "--instructor", "Bad Name"]).is_err());
    }
}
