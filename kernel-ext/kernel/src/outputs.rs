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
    let mut mark = 0;
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
        } else if name == "stderr"
            && let Some(n) = line.strip_prefix(MARK).and_then(|n| n.parse::<u64>().ok())
        {
            mark = mark.max(n);
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
    // Only now: every line before the mark is queued.
    shared.marks_read.fetch_max(mark, Ordering::SeqCst);
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

/// The start of the line the kernel writes into the cell process's own
/// stderr pipe when a cell ends (never shown).
const MARK: &str = "\u{1}course-kernel-flush ";

/// The longest a reply waits for its flush mark to come back through the
/// stderr pipe (a loaded machine may hold the pipe's reader back for a
/// while; an idle one returns it within a millisecond).
const MAX_MARK_WAIT: Duration = Duration::from_secs(5);

/// Waits until everything the cell wrote is queued on IOPub, so that the
/// reply and the idle status come after it. The cell process's stdout
/// comes back in order (evcxr reads it up to its end-of-cell line), but
/// its stderr has a pipe and a reader thread of its own, which a loaded
/// machine can hold back for longer than any fixed quiet time: an error
/// printed by the cell would then land in the next cell's outputs. So
/// the kernel writes a numbered mark into that same pipe (on Linux,
/// through `/proc/PID/fd/2`) and waits until the mark has been read back;
/// a pipe keeps order, so every line the cell wrote before is then
/// queued. Where the mark cannot be written (another system, or stderr
/// is not a pipe) the quiet time alone decides, as before.
pub fn wait_for_cell_output(shared: &Shared, pid: Option<u32>) {
    if let Some(n) = pid.and_then(|pid| write_mark(shared, pid)) {
        let start = Instant::now();
        while shared.marks_read.load(Ordering::SeqCst) < n
            && start.elapsed() < MAX_MARK_WAIT
        {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    wait_until_flushed(shared, Instant::now());
}

/// Writes the next flush mark into the cell process's stderr pipe;
/// returns its number, or `None` when it could not be written.
#[cfg(target_os = "linux")]
fn write_mark(shared: &Shared, pid: u32) -> Option<u64> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let fd = format!("/proc/{pid}/fd/2");
    // Only a pipe: a cell that sent its stderr to a file keeps it clean.
    let target = std::fs::read_link(&fd).ok()?;
    if !target.to_string_lossy().starts_with("pipe:") {
        return None;
    }
    let n = shared.marks_written.fetch_add(1, Ordering::SeqCst) + 1;
    let mut pipe = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fd)
        .ok()?;
    // Shorter than PIPE_BUF, so written whole or not at all.
    pipe.write_all(format!("{MARK}{n}\n").as_bytes()).ok()?;
    Some(n)
}

#[cfg(not(target_os = "linux"))]
fn write_mark(_shared: &Shared, _pid: u32) -> Option<u64> {
    None
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
