//! Command-line parsing: raw arguments into a validated [`Command`].

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Context, bail};

pub const USAGE: &str = "\
Usage: ./lab [OPTIONS]           set up what is missing, then start JupyterLab
       ./lab test [OPTIONS]      set up, run the crate tests, execute every notebook
       ./lab execute NOTEBOOK... execute notebooks through the kernel (outputs kept)
       ./lab bench [OPTIONS]     time every workload at the lesson's sizes (release build)
       ./lab publish             the course as a static site in target/site/ (learner and
                                 instructor editions), from notebooks executed by the kernel
       ./lab lint                cargo fmt --check and clippy -D warnings on every workspace
       ./lab rehearse --yes      as root: remove the course's packages and caches, then run
                                 the README's two commands in a fresh clone (see README)
       ./lab room [OPTIONS]      JupyterHub for a workshop (see ./lab room --help)
       ./lab learner-home --course DIR
                                 (run by the room, as a learner: fill ~/work and the cache)

Options for starting JupyterLab:
  --setup-only     set everything up but do not start the server
  --port N         listen on port N (default: the first free port from 8888)
  --no-browser     do not open a browser tab

Options for `test`:
  --crate-only       run only the crate tests
  --notebooks-only   run only the notebooks (and the release-parity check, the site)
  --browser-only     only publish the site and check it and JupyterLab in Chromium
                     (executes the notebooks that have no up-to-date executed copy)

Options for `bench` (see ./lab bench --help):
  --json             one JSON object of best seconds, keyed workload/variant
  --only LIST        only these workloads, comma-separated (--list shows them)

Exit status: 0 success, 1 a test failed, 2 set-up or usage error.";

/// What the user asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    Lab(LabOptions),
    Test(TestOptions),
    Execute(Vec<PathBuf>),
    /// `./lab publish`: the static site, from executed notebooks.
    Publish,
    /// `./lab lint`: format and lint checks of every workspace.
    Lint,
    /// `./lab bench`: the arguments are passed on to the benchmark program.
    Bench(Vec<OsString>),
    /// `./lab rehearse`: the fresh-machine rehearsal; `yes` confirms it.
    Rehearse {
        yes: bool,
    },
    /// `./lab room`: the arguments are parsed by [`crate::room::parse`].
    Room(Vec<OsString>),
    /// `./lab learner-home --course DIR`: a learner's home made ready.
    LearnerHome(PathBuf),
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct LabOptions {
    pub setup_only: bool,
    pub port: Option<u16>,
    pub no_browser: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub struct TestOptions {
    pub crate_tests: bool,
    pub notebooks: bool,
    /// Only the published site and JupyterLab in a browser.
    pub browser_only: bool,
}

pub fn parse(args: impl IntoIterator<Item = OsString>) -> anyhow::Result<Command> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut sub: Option<String> = None;
    let mut lab = LabOptions::default();
    let mut test = TestOptions {
        crate_tests: true,
        notebooks: true,
        browser_only: false,
    };
    let mut files = Vec::new();
    let mut yes = false;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Long("setup-only") => lab.setup_only = true,
            Long("no-browser") => lab.no_browser = true,
            Long("port") => {
                let value = parser.value()?.string()?;
                let port: u16 =
                    value.parse().ok().filter(|&p| p > 0).with_context(|| {
                        format!("--port {value}: give a port from 1 to 65535")
                    })?;
                lab.port = Some(port);
            }
            Long("crate-only") => test.notebooks = false,
            Long("notebooks-only") => test.crate_tests = false,
            Long("browser-only") => test.browser_only = true,
            Long("yes") if sub.as_deref() == Some("rehearse") => yes = true,
            Value(v) if sub.is_none() => {
                let v = v.string()?;
                match v.as_str() {
                    "bench" => {
                        if lab != LabOptions::default()
                            || !(test.crate_tests && test.notebooks)
                            || test.browser_only
                        {
                            bail!("`bench` takes its own options after the word bench");
                        }
                        return Ok(Command::Bench(parser.raw_args()?.collect()));
                    }
                    "room" => {
                        if lab != LabOptions::default()
                            || !(test.crate_tests && test.notebooks)
                            || test.browser_only
                        {
                            bail!("`room` takes its own options after the word room");
                        }
                        return Ok(Command::Room(parser.raw_args()?.collect()));
                    }
                    "learner-home" => {
                        let mut course = None;
                        while let Some(arg) = parser.next()? {
                            match arg {
                                Long("course") => {
                                    course = Some(PathBuf::from(parser.value()?))
                                }
                                _ => return Err(arg.unexpected().into()),
                            }
                        }
                        return Ok(Command::LearnerHome(
                            course.context("learner-home needs --course DIR")?,
                        ));
                    }
                    "lab" | "test" | "execute" | "publish" | "lint" | "rehearse"
                    | "help" => sub = Some(v),
                    other => bail!("unknown command `{other}`"),
                }
            }
            Value(v) if sub.as_deref() == Some("execute") => files.push(PathBuf::from(v)),
            _ => return Err(arg.unexpected().into()),
        }
    }
    let lab_flags = lab != LabOptions::default();
    let test_flags = !(test.crate_tests && test.notebooks) || test.browser_only;
    match sub.as_deref() {
        None | Some("lab") if !test_flags => Ok(Command::Lab(lab)),
        Some("test") if !lab_flags => {
            if !test.crate_tests && !test.notebooks {
                bail!("--crate-only and --notebooks-only together leave nothing to run");
            }
            if test.browser_only && !(test.crate_tests && test.notebooks) {
                bail!("--browser-only goes alone: it runs only the browser test");
            }
            Ok(Command::Test(test))
        }
        Some("execute") if !lab_flags && !test_flags => {
            if files.is_empty() {
                bail!("`execute` needs at least one notebook path");
            }
            Ok(Command::Execute(files))
        }
        Some("publish") if !lab_flags && !test_flags => Ok(Command::Publish),
        Some("lint") if !lab_flags && !test_flags => Ok(Command::Lint),
        Some("rehearse") if !lab_flags && !test_flags => Ok(Command::Rehearse { yes }),
        Some("help") => Ok(Command::Help),
        _ if test_flags => {
            bail!("--crate-only, --notebooks-only and --browser-only go with `test`")
        }
        _ => bail!("--setup-only, --port and --no-browser go with starting the lab"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> anyhow::Result<Command> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn bench_passes_its_options_on() {
        assert_eq!(
            p(&["bench", "--json", "--only", "pi"]).unwrap(),
            Command::Bench(vec!["--json".into(), "--only".into(), "pi".into()])
        );
        assert_eq!(p(&["bench"]).unwrap(), Command::Bench(vec![]));
        assert!(p(&["--port", "9000", "bench"]).is_err());
    }

    #[test]
    fn no_arguments_starts_the_lab() {
        assert_eq!(p(&[]).unwrap(), Command::Lab(LabOptions::default()));
        assert_eq!(p(&["lab"]).unwrap(), Command::Lab(LabOptions::default()));
    }

    #[test]
    fn setup_only_flag() {
        let Command::Lab(o) = p(&["--setup-only"]).unwrap() else {
            panic!()
        };
        assert!(o.setup_only);
    }

    #[test]
    fn port_flag_accepts_a_port_and_rejects_nonsense() {
        let Command::Lab(o) = p(&["--port", "9000"]).unwrap() else {
            panic!()
        };
        assert_eq!(o.port, Some(9000));
        let err = p(&["--port", "0"]).unwrap_err().to_string();
        assert!(err.contains("1 to 65535"), "{err}");
        assert!(p(&["--port", "http"]).is_err());
    }

    #[test]
    fn no_browser_flag() {
        let Command::Lab(o) = p(&["--no-browser"]).unwrap() else {
            panic!()
        };
        assert!(o.no_browser);
    }

    #[test]
    fn test_runs_everything_by_default() {
        assert_eq!(
            p(&["test"]).unwrap(),
            Command::Test(TestOptions {
                crate_tests: true,
                notebooks: true,
                browser_only: false
            })
        );
    }

    #[test]
    fn test_can_be_narrowed_but_not_to_nothing() {
        assert_eq!(
            p(&["test", "--crate-only"]).unwrap(),
            Command::Test(TestOptions {
                crate_tests: true,
                notebooks: false,
                browser_only: false
            })
        );
        assert_eq!(
            p(&["test", "--notebooks-only"]).unwrap(),
            Command::Test(TestOptions {
                crate_tests: false,
                notebooks: true,
                browser_only: false
            })
        );
        assert!(p(&["test", "--crate-only", "--notebooks-only"]).is_err());
    }

    #[test]
    fn browser_only_runs_alone() {
        assert_eq!(
            p(&["test", "--browser-only"]).unwrap(),
            Command::Test(TestOptions {
                crate_tests: true,
                notebooks: true,
                browser_only: true
            })
        );
        assert!(p(&["test", "--browser-only", "--crate-only"]).is_err());
        assert!(p(&["--browser-only"]).is_err());
    }

    #[test]
    fn execute_takes_paths() {
        assert_eq!(
            p(&["execute", "a.ipynb", "b.ipynb"]).unwrap(),
            Command::Execute(vec!["a.ipynb".into(), "b.ipynb".into()])
        );
        assert!(p(&["execute"]).is_err());
    }

    #[test]
    fn flags_of_one_command_are_refused_on_another() {
        assert!(p(&["test", "--port", "9000"]).is_err());
        assert!(p(&["--crate-only"]).is_err());
        let err = p(&["tset"]).unwrap_err().to_string();
        assert!(err.contains("unknown command `tset`"), "{err}");
    }

    #[test]
    fn publish_takes_no_options() {
        assert_eq!(p(&["publish"]).unwrap(), Command::Publish);
        assert!(p(&["publish", "--port", "9000"]).is_err());
        assert!(p(&["publish", "--crate-only"]).is_err());
        assert!(p(&["publish", "x.ipynb"]).is_err());
    }

    #[test]
    fn lint_takes_no_options() {
        assert_eq!(p(&["lint"]).unwrap(), Command::Lint);
        assert!(p(&["lint", "--crate-only"]).is_err());
    }

    #[test]
    fn rehearse_asks_for_yes_and_nothing_else() {
        assert_eq!(p(&["rehearse"]).unwrap(), Command::Rehearse { yes: false });
        assert_eq!(
            p(&["rehearse", "--yes"]).unwrap(),
            Command::Rehearse { yes: true }
        );
        assert!(p(&["--yes"]).is_err());
        assert!(p(&["test", "--yes"]).is_err());
        assert!(p(&["rehearse", "--crate-only"]).is_err());
    }

    #[test]
    fn room_passes_its_options_on() {
        assert_eq!(
            p(&["room", "--status"]).unwrap(),
            Command::Room(vec!["--status".into()])
        );
        assert_eq!(
            p(&["learner-home", "--course", "/srv/c"]).unwrap(),
            Command::LearnerHome("/srv/c".into())
        );
        assert!(p(&["learner-home"]).is_err());
    }

    #[test]
    fn help_wins() {
        assert_eq!(p(&["test", "--help"]).unwrap(), Command::Help);
    }
}
