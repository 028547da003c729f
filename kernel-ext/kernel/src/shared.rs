//! What the kernel's threads share: the engine's jobs, the state the
//! control channel (interrupts) and the output thread read, and the queues
//! to IOPub and stdin. A module of its own, so that the engine, the server,
//! interrupts and outputs all depend on it and not on each other.

use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use course_kernel_core::wire::Message;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

/// The sending end of the IOPub queue: every output, status and broadcast
/// goes through it, in order.
pub type Iopub = mpsc::UnboundedSender<Message>;

/// A request for input on the stdin channel, with where to send the
/// answer (empty if the client gave none).
pub type InputRequest = (Message, oneshot::Sender<String>);

/// A job for the engine, with where to send the reply's content.
pub enum Job {
    /// An `execute_request`.
    Execute {
        /// The request.
        request: Message,
        /// Where the `execute_reply` content goes.
        reply: oneshot::Sender<Value>,
    },
    /// A `complete_request`.
    Complete {
        /// The cell's code.
        code: String,
        /// The cursor, in code points.
        cursor: usize,
        /// Where the reply content goes.
        reply: oneshot::Sender<Value>,
    },
    /// Answered as soon as the engine takes jobs (evcxr started, the
    /// support crate loaded): a spare kernel waits for it before it offers
    /// itself.
    Ready {
        /// Where the (empty) answer goes.
        reply: oneshot::Sender<Value>,
    },
    /// A spare kernel taken by a notebook, which has moved to the
    /// notebook's folder itself: the cell process moves there too. Sent
    /// before any cell; a failure is said with the next cell.
    Adopt {
        /// The notebook's folder, the kernel's working directory already.
        cwd: std::path::PathBuf,
    },
    /// An `inspect_request` (documentation at the cursor).
    Inspect {
        /// The cell's code.
        code: String,
        /// The cursor, in code points.
        cursor: usize,
        /// Where the reply content goes.
        reply: oneshot::Sender<Value>,
    },
}

/// What the engine shares with the control channel (interrupts) and the
/// output thread.
#[derive(Default)]
pub struct Shared {
    /// The request whose cell is running: outputs are its children.
    pub current: Mutex<Option<Message>>,
    /// Whether a cell runs, and what an interrupt did to it.
    pub cell: Mutex<CellState>,
    /// evcxr's handle on the cell process (the same handle across restarts).
    pub process: Mutex<Option<Arc<Mutex<Child>>>>,
    /// Set while `%rebuild` re-runs cells: their outputs are not shown.
    pub quiet: AtomicBool,
    /// Output lines taken from evcxr and not yet queued on IOPub.
    pub in_flight: AtomicUsize,
    /// When the last output line was passed on.
    pub last_output: Mutex<Option<Instant>>,
    /// The last flush mark written into the cell process's stderr pipe.
    pub marks_written: std::sync::atomic::AtomicU64,
    /// The last flush mark read back from that pipe, after every line
    /// before it was queued on IOPub.
    pub marks_read: std::sync::atomic::AtomicU64,
    /// The first panic message the running cell printed, if any: the
    /// message of the cell's error when evcxr says the cell's own code
    /// panicked (it catches the panic and goes on).
    pub panic: Mutex<Option<String>>,
    /// The kernel's build folder (about 70 MB), removed at shutdown.
    pub build_dir: Mutex<Option<std::path::PathBuf>>,
    /// The learner's inputs, for the console's up arrow (`None` when the
    /// history file cannot be used).
    pub console_history:
        Mutex<Option<course_kernel_core::console_history::ConsoleHistory>>,
}

/// A cell's state, as interrupts see it.
#[derive(Debug, Default, Clone, Copy)]
pub struct CellState {
    /// Counts cells, so that an interrupt meant for one cell never stops
    /// the next.
    pub number: u64,
    /// A cell is running in the cell process.
    pub running: bool,
    /// The cell process's id when the cell started.
    pub pid: Option<u32>,
    /// The cell process was asked to stop (`SIGINT`).
    pub asked: bool,
    /// The cell process was stopped (`SIGKILL`) because the cell did not.
    pub stopped: bool,
}

/// Locks `mutex`, taking the value even if a thread panicked holding it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
