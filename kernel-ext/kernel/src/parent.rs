//! The kernel ends with the process that started it, as IPython's does:
//! a Jupyter server that crashes, is killed, or is culled without shutting
//! its kernels down would otherwise leave each kernel running (some 600 MB
//! each) with nobody to talk to. A thread asks once a second whether the
//! parent is gone ([`course_kernel_core::parent`]); then the kernel stops
//! its cell process and everything that started, as a shutdown request
//! does, and exits.

use std::sync::Arc;
use std::time::Duration;

use course_kernel_core::parent::Parent;

use crate::interrupt;
use crate::shared::Shared;

/// How often the parent is looked for.
const EVERY: Duration = Duration::from_secs(1);

/// What a kernel watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    /// Its parent and the Jupyter server (`JPY_PARENT_PID`): a kernel
    /// started by Jupyter.
    Parent,
    /// Only the Jupyter server, if one is named: a spare kernel, started
    /// by another kernel that may end first.
    ServerOnly,
}

/// Starts the watch.
pub fn watch(shared: Arc<Shared>, what: Watch) {
    let server = std::env::var("JPY_PARENT_PID").ok();
    match what {
        Watch::Parent => watch_this(shared, Parent::now(server.as_deref())),
        Watch::ServerOnly => watch_server(shared, server.as_deref()),
    }
}

/// Watches only the Jupyter server `server` names (`JPY_PARENT_PID`'s
/// text), if it names one.
pub fn watch_server(shared: Arc<Shared>, server: Option<&str>) {
    if let Some(parent) = Parent::server_only(server) {
        watch_this(shared, parent);
    }
}

fn watch_this(shared: Arc<Shared>, parent: Parent) {
    let spawned = std::thread::Builder::new()
        .name("parent-watch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EVERY);
                if let Some(why) = parent.gone() {
                    eprintln!(
                        "course-kernel: {why}: stopping the cell process and exiting"
                    );
                    interrupt::stop_cell_processes(&shared);
                    std::process::exit(0);
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!("course-kernel: cannot watch for the parent's end: {e}");
    }
}
