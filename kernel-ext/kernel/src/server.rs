//! Jupyter's five channels: shell (cells, completions), control
//! (interrupts, shutdown), stdin (input a cell asks for), IOPub (outputs and
//! status, in one ordered queue) and the heartbeat.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use course_kernel_core::completeness;
use course_kernel_core::console_history::{self, ConsoleHistory};
use course_kernel_core::wire::{Message, Session, Signer};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use zeromq::{PubSocket, RepSocket, RouterSocket, SocketRecv, SocketSend};

use crate::connection::{ConnectionInfo, recv, send};
use crate::engine;
use crate::interrupt;
use crate::shared::{InputRequest, Iopub, Job, Shared};

/// Runs the kernel on the connection file at `path` until Jupyter asks it
/// to shut down.
pub fn run(path: &str) -> anyhow::Result<()> {
    let info = ConnectionInfo::read(path)?;
    // Checked before evcxr starts: a kernel that would refuse its key
    // should not compile anything first.
    Signer::new(&info.key)?;
    let prepared = prepare(crate::parent::Watch::Parent);
    serve_prepared(info, prepared)
}

/// Serves Jupyter on `info`'s sockets with a kernel prepared earlier.
pub fn serve_prepared(info: ConnectionInfo, prepared: Prepared) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(serve(info, prepared))
}

/// What a kernel is before it has Jupyter's sockets: the engine (evcxr,
/// starting at once in a thread of its own, then the support crate) and
/// the queues between the engine and the sockets.
pub struct Prepared {
    session: Session,
    shared: Arc<Shared>,
    /// Where the engine takes jobs.
    pub jobs: std::sync::mpsc::Sender<Job>,
    iopub_tx: mpsc::UnboundedSender<Message>,
    iopub_rx: mpsc::UnboundedReceiver<Message>,
    input_rx: mpsc::UnboundedReceiver<InputRequest>,
}

impl Prepared {
    /// What the kernel's threads share.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

/// Starts the engine and the parent watch (see [`crate::parent::Watch`]).
pub fn prepare(watch: crate::parent::Watch) -> Prepared {
    let session = Session::new("course-kernel");
    let (iopub_tx, iopub_rx) = mpsc::unbounded_channel();
    let (input_tx, input_rx) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared::default());
    crate::parent::watch(shared.clone(), watch);
    *crate::shared::lock(&shared.console_history) = ConsoleHistory::default_file()
        .and_then(|file| match ConsoleHistory::open(&file) {
            Ok(history) => Some(history),
            Err(e) => {
                eprintln!("course-kernel: no input history ({}): {e}", file.display());
                None
            }
        });
    let jobs = engine::start(iopub_tx.clone(), session.clone(), shared.clone(), input_tx);
    Prepared {
        session,
        shared,
        jobs,
        iopub_tx,
        iopub_rx,
        input_rx,
    }
}

async fn serve(info: ConnectionInfo, prepared: Prepared) -> anyhow::Result<()> {
    let Prepared {
        session,
        shared,
        jobs,
        iopub_tx,
        iopub_rx,
        input_rx,
    } = prepared;
    let signer = Signer::new(&info.key)?;
    let shell: RouterSocket = info.bind(info.shell_port).await?;
    let control: RouterSocket = info.bind(info.control_port).await?;
    let stdin: RouterSocket = info.bind(info.stdin_port).await?;
    let iopub: PubSocket = info.bind(info.iopub_port).await?;
    let heartbeat: RepSocket = info.bind(info.hb_port).await?;

    tokio::spawn(publish(iopub, signer.clone(), iopub_rx));
    tokio::spawn(beat(heartbeat));
    tokio::spawn(answer_input(
        stdin,
        signer.clone(),
        session.clone(),
        input_rx,
    ));
    tokio::spawn(control_loop(
        control,
        signer.clone(),
        session.clone(),
        shared.clone(),
        iopub_tx.clone(),
    ));
    shell_loop(shell, signer, session, jobs, iopub_tx, shared).await
}

/// Sends the IOPub queue's messages, in order.
async fn publish(
    mut socket: PubSocket,
    signer: Signer,
    mut queue: mpsc::UnboundedReceiver<Message>,
) {
    while let Some(message) = queue.recv().await {
        if let Err(e) = send(&mut socket, &signer, &message).await {
            eprintln!("course-kernel: IOPub: {e:#}");
        }
    }
}

/// Sends a reply on the shell or control channel. A client that went
/// away before its reply (Jupyter's server probes a new kernel with
/// short-lived connections) costs only that reply: the kernel, and every
/// other client's requests, go on.
async fn reply(socket: &mut RouterSocket, signer: &Signer, message: &Message) {
    if let Err(e) = send(socket, signer, message).await {
        eprintln!(
            "course-kernel: the {} could not be sent (its client has gone?): {e:#}",
            message.msg_type()
        );
    }
}

/// Answers each heartbeat with the same bytes. A ping from a client that
/// went away is skipped; only a socket with no peers left to hear from
/// ends the heartbeat.
async fn beat(mut socket: RepSocket) {
    loop {
        match socket.recv().await {
            Ok(ping) => {
                let _ = socket.send(ping).await;
            }
            Err(zeromq::ZmqError::NoMessage) => break,
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Asks the client for input on the stdin channel, one request at a time.
async fn answer_input(
    mut socket: RouterSocket,
    signer: Signer,
    session: Session,
    mut requests: mpsc::UnboundedReceiver<InputRequest>,
) {
    while let Some((request, answer)) = requests.recv().await {
        let message =
            session.message(Some(&request), "input_request", request.content.clone());
        let value = match send(&mut socket, &signer, &message).await {
            Ok(()) => match recv(&mut socket, &signer).await {
                Ok(reply) => reply.content["value"].as_str().unwrap_or("").to_string(),
                Err(_) => String::new(),
            },
            Err(_) => String::new(),
        };
        let _ = answer.send(value);
    }
}

fn status(session: &Session, parent: &Message, state: &str) -> Message {
    session.broadcast(Some(parent), "status", json!({ "execution_state": state }))
}

async fn shell_loop(
    mut socket: RouterSocket,
    signer: Signer,
    session: Session,
    jobs: std::sync::mpsc::Sender<Job>,
    iopub: Iopub,
    shared: Arc<Shared>,
) -> anyhow::Result<()> {
    // After a cell fails with stop_on_error, the requests already waiting
    // are answered "aborted" without running, as IPython does: Run All
    // stops at an error or an interrupt. They are taken off the socket
    // before the failed cell's reply goes out, so a request sent after the
    // reply (however quickly) runs.
    let mut queued_behind_error: VecDeque<Message> = VecDeque::new();
    loop {
        let (message, aborting) = match queued_behind_error.pop_front() {
            Some(waiting) => (waiting, true),
            None => (recv(&mut socket, &signer).await?, false),
        };
        let _ = iopub.send(status(&session, &message, "busy"));
        let content = match message.msg_type() {
            "kernel_info_request" => Some(kernel_info()),
            "execute_request" if aborting => {
                Some(json!({ "status": "aborted", "execution_count": null }))
            }
            "execute_request" => {
                let reply = ask(&jobs, |tx| Job::Execute {
                    request: message.clone(),
                    reply: tx,
                })
                .await;
                let stop_on_error =
                    message.content["stop_on_error"].as_bool().unwrap_or(true);
                if stop_on_error && reply["status"] == "error" {
                    while let Some(waiting) = ready_now(recv(&mut socket, &signer)).await
                    {
                        queued_behind_error.push_back(waiting?);
                    }
                }
                Some(reply)
            }
            "complete_request" => Some(
                ask(&jobs, |tx| Job::Complete {
                    code: text(&message, "code"),
                    cursor: cursor(&message),
                    reply: tx,
                })
                .await,
            ),
            "inspect_request" => Some(
                ask(&jobs, |tx| Job::Inspect {
                    code: text(&message, "code"),
                    cursor: cursor(&message),
                    reply: tx,
                })
                .await,
            ),
            "is_complete_request" => {
                Some(completeness::judge(&text(&message, "code")).reply())
            }
            "comm_info_request" => Some(json!({ "status": "ok", "comms": {} })),
            "history_request" => Some(history_reply(&message, &shared)),
            "comm_open" => {
                let id = message.content["comm_id"].clone();
                let _ = iopub.send(session.broadcast(
                    Some(&message),
                    "comm_close",
                    json!({ "comm_id": id, "data": {} }),
                ));
                None
            }
            "shutdown_request" => {
                shut_down(&mut socket, &signer, &session, &message, &shared).await;
                None
            }
            other => {
                eprintln!("course-kernel: no answer to a {other} on the shell channel");
                None
            }
        };
        if let Some(content) = content {
            reply(&mut socket, &signer, &session.reply(&message, content)).await;
        }
        let _ = iopub.send(status(&session, &message, "idle"));
    }
}

async fn control_loop(
    mut socket: RouterSocket,
    signer: Signer,
    session: Session,
    shared: Arc<Shared>,
    iopub: Iopub,
) -> anyhow::Result<()> {
    loop {
        let message = recv(&mut socket, &signer).await?;
        match message.msg_type() {
            "kernel_info_request" => {
                reply(
                    &mut socket,
                    &signer,
                    &session.reply(&message, kernel_info()),
                )
                .await;
            }
            "interrupt_request" => {
                let shared = shared.clone();
                std::thread::spawn(move || interrupt::interrupt(&shared));
                reply(
                    &mut socket,
                    &signer,
                    &session.reply(&message, json!({ "status": "ok" })),
                )
                .await;
            }
            "shutdown_request" => {
                let _ = iopub.send(status(&session, &message, "busy"));
                shut_down(&mut socket, &signer, &session, &message, &shared).await;
            }
            other => {
                eprintln!("course-kernel: no answer to a {other} on the control channel")
            }
        }
    }
}

/// The learner's inputs a `history_request` asks for (the console's up
/// arrow): `[session, line, input]` each, oldest first.
fn history_reply(message: &Message, shared: &Shared) -> Value {
    let history = crate::shared::lock(&shared.console_history);
    let entries = match (
        history.as_ref(),
        console_history::Request::from_content(&message.content),
    ) {
        (Some(h), Some(request)) => h.answer(&request),
        _ => Vec::new(),
    };
    let rows: Vec<Value> = entries
        .into_iter()
        .map(|(session, line, input)| json!([session, line, input]))
        .collect();
    json!({ "status": "ok", "history": rows })
}

/// Stops the cell process and every process it started, answers, and
/// ends the kernel.
async fn shut_down(
    socket: &mut RouterSocket,
    signer: &Signer,
    session: &Session,
    request: &Message,
    shared: &Shared,
) {
    interrupt::stop_cell_processes(shared);
    let restart = request.content["restart"].as_bool().unwrap_or(false);
    let reply = session.reply(request, json!({ "status": "ok", "restart": restart }));
    let _ = send(socket, signer, &reply).await;
    // Let the reply leave before the process ends.
    tokio::time::sleep(Duration::from_millis(50)).await;
    std::process::exit(0);
}

/// The future's output if it is ready at the first poll, else `None` (the
/// future is dropped): what is already waiting, without waiting.
async fn ready_now<F: std::future::Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        std::task::Poll::Ready(match future.as_mut().poll(cx) {
            std::task::Poll::Ready(value) => Some(value),
            std::task::Poll::Pending => None,
        })
    })
    .await
}

/// Sends a job to the engine and waits for its reply content.
async fn ask(
    jobs: &std::sync::mpsc::Sender<Job>,
    job: impl FnOnce(oneshot::Sender<Value>) -> Job,
) -> Value {
    let (tx, rx) = oneshot::channel();
    if jobs.send(job(tx)).is_err() {
        return engine_gone();
    }
    rx.await.unwrap_or_else(|_| engine_gone())
}

fn engine_gone() -> Value {
    json!({
        "status": "error",
        "ename": "KernelError",
        "evalue": "the kernel's engine stopped; restart the kernel",
        "traceback": ["the kernel's engine stopped; restart the kernel (Kernel > Restart Kernel)"],
    })
}

fn text(message: &Message, key: &str) -> String {
    message.content[key].as_str().unwrap_or("").to_string()
}

fn cursor(message: &Message) -> usize {
    message.content["cursor_pos"].as_u64().unwrap_or(0) as usize
}

/// The kernel's self-description (`kernel_info_reply`).
fn kernel_info() -> Value {
    json!({
        "status": "ok",
        "protocol_version": course_kernel_core::wire::PROTOCOL_VERSION,
        "implementation": "course-kernel",
        "implementation_version": env!("CARGO_PKG_VERSION"),
        "language_info": {
            "name": "Rust",
            "version": "",
            "mimetype": "text/rust",
            "file_extension": ".rs",
            "pygments_lexer": "rust",
            "codemirror_mode": "rust",
        },
        "banner": "The course kernel for Parallel Programming in Rust (evcxr 0.22)",
        "help_links": [
            { "text": "Rust standard library", "url": "https://doc.rust-lang.org/stable/std/" },
            { "text": "evcxr's commands", "url": "https://github.com/evcxr/evcxr/blob/main/COMMON.md" },
        ],
    })
}
