//! The cell's output, passed on as it comes: evcxr hands over each line
//! the cell process writes; lines of text go out as `stream` messages
//! (lines that arrive together as one message), display lines
//! (`course_kernel_runtime::display`) as `display_data` or
//! `update_display_data`, all through the one ordered IOPub queue.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use course_kernel_core::display;
use course_kernel_core::wire::Session;
use crossbeam_channel::{Receiver, Select};
use serde_json::json;

use crate::shared::{Iopub, Shared, lock};

/// At most this much text goes into one `stream` message.
const MAX_BATCH_BYTES: usize = 64 * 1024;

/// How long the output must be quiet before a cell's reply is sent.
pub const QUIET: Duration = Duration::from_millis(5);

/// The longest a reply waits for output still arriving (from a thread
/// the cell left running, say).
const MAX_WAIT: Duration = Duration::from_millis(250);

/// Starts the thread that passes evcxr's output on.
pub fn forward(
    outputs: evcxr::EvalContextOutputs,
    iopub: Iopub,
    session: Session,
    shared: Arc<Shared>,
) {
    std::thread::Builder::new()
        .name("outputs".into())
        .spawn(move || {
            let channels = [(&outputs.stdout, "stdout"), (&outputs.stderr, "stderr")];
            let mut select = Select::new();
            for (rx, _) in &channels {
                select.recv(rx);
            }
            loop {
                let op = select.select();
                let (rx, name) = channels[op.index()];
                let Ok(line) = op.recv(rx) else {
                    return;
                };
                shared.in_flight.fetch_add(1, Ordering::SeqCst);
                let taken = pass_on(line, rx, name, &iopub, &session, &shared);
                *lock(&shared.last_output) = Some(Instant::now());
                shared.in_flight.fetch_sub(taken, Ordering::SeqCst);
            }
        })
        .expect("the output thread starts");
}

/// The kernel's display key, made when it starts.
static DISPLAY_KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Sets the display key (once, at start).
pub fn set_display_key(key: String) {
    let _ = DISPLAY_KEY.set(key);
}

/// The display key; empty (no line counts) if none was set.
fn display_key() -> &'static str {
    DISPLAY_KEY.get().map_or("", String::as_str)
}

/// Sends `first` and the lines waiting behind it on `rx`; returns how
/// many lines it took.
fn pass_on(
    first: String,
    rx: &Receiver<String>,
    name: &str,
    iopub: &Iopub,
    session: &Session,
    shared: &Shared,
) -> usize {
    let parent = lock(&shared.current).clone();
    let quiet = shared.quiet.load(Ordering::SeqCst);
    let mut taken = 1;
    let mut text = String::new();
    let mut next = Some(first);
    while let Some(line) = next.take() {
        if name == "stdout"
            && let Some(shown) = display::read_line(&line, display_key())
        {
            flush_text(&mut text, name, iopub, session, parent.as_ref(), quiet);
            if !quiet {
                let message = match shown {
                    Ok(d) => session.broadcast(parent.as_ref(), d.msg_type(), d.content()),
                    Err(e) => session.broadcast(
                        parent.as_ref(),
                        "stream",
                        json!({ "name": "stderr", "text": format!("(the kernel could not show an output: {e})\n") }),
                    ),
                };
                let _ = iopub.send(message);
            }
        } else {
            if name == "stderr" {
                note_panic(&line, shared);
            }
            text.push_str(&line);
            text.push('\n');
        }
        if text.len() < MAX_BATCH_BYTES
            && let Ok(line) = rx.try_recv()
        {
            shared.in_flight.fetch_add(1, Ordering::SeqCst);
            taken += 1;
            next = Some(line);
        }
    }
    flush_text(&mut text, name, iopub, session, parent.as_ref(), quiet);
    taken
}

/// Remembers the first panic of the running cell: Rust's panic message is
/// `thread '…' panicked at FILE:LINE:COL:` followed by the message.
fn note_panic(line: &str, shared: &Shared) {
    let mut panic = lock(&shared.panic);
    match panic.as_mut() {
        None if line.starts_with("thread '") && line.contains(" panicked at ") => {
            *panic = Some(line.to_string());
        }
        // The line after the location is the message itself.
        Some(first) if !first.contains('\n') => {
            first.push('\n');
            first.push_str(line);
        }
        _ => {}
    }
}

fn flush_text(
    text: &mut String,
    name: &str,
    iopub: &Iopub,
    session: &Session,
    parent: Option<&course_kernel_core::wire::Message>,
    quiet: bool,
) {
    if !text.is_empty() && !quiet {
        let _ = iopub.send(session.broadcast(
            parent,
            "stream",
            json!({ "name": name, "text": text }),
        ));
    }
    text.clear();
}

/// Waits until every line taken from evcxr is queued on IOPub and the
/// output has been quiet for a moment since `since` (the end of the cell)
/// and since the last line: stderr comes from its own pipe and may trail
/// the end of the cell. At most [`MAX_WAIT`].
pub fn wait_until_flushed(shared: &Shared, since: Instant) {
    let start = Instant::now();
    while start.elapsed() < MAX_WAIT {
        let last = lock(&shared.last_output).map_or(since, |t| t.max(since));
        let quiet = last.elapsed() >= QUIET;
        if shared.in_flight.load(Ordering::SeqCst) == 0 && quiet {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
