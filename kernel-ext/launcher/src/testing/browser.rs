//! The published site and JupyterLab in headless Chromium
//! (`tests/browser_test.py`): every page of both editions, with axe-core's
//! accessibility checks in light and dark mode, the keyboard and narrow
//! screens, then `00-setup-check` run through JupyterLab's *Run* menu.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Context;

use crate::cli::LabOptions;
use crate::env::Env;
use crate::project::Project;
use crate::{publish, server, system, work};

/// The browser the site and JupyterLab are checked in: `COURSE_CHROMIUM`
/// if set, else Debian's `chromium` or another Chromium on the PATH.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(chosen) = std::env::var_os("COURSE_CHROMIUM") {
        return Some(PathBuf::from(chosen));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// JupyterLab settings for the browser test: no autosave (the run's outputs
/// must not reach the committed notebook) and no news or update checks.
const LAB_SETTINGS: [(&str, &str); 2] = [
    (
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings",
        r#"{ "autosave": false }"#,
    ),
    (
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings",
        r#"{ "fetchNews": "false", "checkForUpdates": false }"#,
    ),
];

/// Publishes the site from the executed notebooks, then checks it and a
/// JupyterLab started as `./lab --no-browser` does in headless Chromium
/// (`tests/browser_test.py`). Screenshots go to `target/browser/`.
pub fn check(project: &Project, env: &Env) -> anyhow::Result<bool> {
    if let Err(e) = publish::render(project, env) {
        println!("FAILED: {e:#}");
        return Ok(false);
    }
    let Some(chromium) = find_chromium() else {
        if system::under_ci() {
            println!(
                "FAILED: Chromium was not found, and CI must run the browser test. Install it \
                 (Debian/Ubuntu: apt-get install -y chromium) or name it in COURSE_CHROMIUM."
            );
            return Ok(false);
        }
        println!(
            "SKIPPED the browser test: Chromium was not found. Install it to run it \
             (Debian/Ubuntu: sudo apt-get install -y chromium), or name it in COURSE_CHROMIUM."
        );
        return Ok(true);
    };
    let state = project.root.join("target/browser/lab-state");
    let settings = state.join("settings");
    let workspaces = state.join("workspaces");
    for (file, content) in LAB_SETTINGS {
        let path = settings.join(file);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, content)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    std::fs::create_dir_all(&workspaces)
        .with_context(|| format!("creating {}", workspaces.display()))?;
    // JupyterLab opens a learners' folder made as `./lab` makes `work/` (a
    // fresh one, beside `work/` so that the notebooks' relative paths hold,
    // hidden and ignored by git), and runs the notebook a learner opens
    // first.
    let notebooks = project.course_notebooks()?;
    let folder = project.root.join(".browser-test-work");
    if folder.exists() {
        std::fs::remove_dir_all(&folder)
            .with_context(|| format!("removing {}", folder.display()))?;
    }
    work::prepare(project, &folder)?;
    let first = notebooks[0].file_name().unwrap_or_default();
    let notebook = folder.join(first);
    let committed = &notebooks[0];
    let before = std::fs::read(committed)
        .with_context(|| format!("reading {}", committed.display()))?;
    let opts = LabOptions {
        no_browser: true,
        ..LabOptions::default()
    };
    let started = server::Server::start_with_env(
        &folder,
        env,
        &opts,
        false,
        &[
            ("JUPYTERLAB_SETTINGS_DIR", &settings),
            ("JUPYTERLAB_WORKSPACES_DIR", &workspaces),
        ],
    );
    let server = match started {
        Ok(server) => server,
        Err(e) => {
            println!("FAILED: JupyterLab did not start for the browser test: {e:#}");
            return Ok(false);
        }
    };
    let checked = Command::new(&env.python)
        .arg(project.root.join("tests/browser_test.py"))
        .arg("--site")
        .arg(publish::site_dir(project))
        .arg("--lab-notebook")
        .arg(&notebook)
        .arg("--notebooks")
        .args(&notebooks)
        .arg("--shots")
        .arg(project.root.join("target/browser"))
        .arg("--chromium")
        .arg(&chromium)
        // axe-core, pinned with its integrity by the committed npm lock,
        // installed once into the checkout's own folder.
        .arg("--npm-lock")
        .arg(project.root.join("tests/browser/package-lock.json"))
        .arg("--npm-dir")
        .arg(project.root.join(".course/npm"))
        // The address carries the token: in the environment, never on a
        // command line.
        .env("COURSE_LAB_URL", server.url())
        .current_dir(&project.root)
        .status()
        .context("could not run the browser test (tests/browser_test.py)");
    server.stop()?;
    let mut ok = checked?.success();
    if std::fs::read(committed).ok().as_deref() != Some(before.as_slice()) {
        println!(
            "FAILED: {} changed during the browser test; JupyterLab must work on the learners' \
             folder only",
            committed.display()
        );
        ok = false;
    }
    Ok(ok)
}
