//! The engine: one thread that owns evcxr's `CommandContext` and runs
//! jobs from the shell channel in order: cells (with their magics and
//! `%rebuild`), completions and documentation lookups.
//!
//! evcxr starts the cell process from this thread and starts it again from
//! here after it dies, so that process's "die with the kernel" tie
//! (`PR_SET_PDEATHSIG`, see [`crate::roles`]) holds for as long as the
//! kernel lives.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use course_kernel_core::display::is_unit_result;
use course_kernel_core::history::History;
use course_kernel_core::magics::{self, Cell};
use course_kernel_core::outcome::{self, Phase, Verdict};
use course_kernel_core::procfs;
use course_kernel_core::text;
use course_kernel_core::wire::{Message, Session};
use evcxr::CommandContext;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::errors::{self, Failure};
use crate::interrupt;
use crate::outputs;
use crate::preload::{self, Preloaded};
use crate::shared::{InputRequest, Iopub, Job, Shared, lock};

/// Starts the engine thread; returns where to send it jobs.
pub fn start(
    iopub: Iopub,
    session: Session,
    shared: Arc<Shared>,
    input: tokio::sync::mpsc::UnboundedSender<InputRequest>,
) -> std::sync::mpsc::Sender<Job> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("engine".into())
        .spawn(move || run(rx, iopub, session, shared, input))
        .expect("the engine thread starts");
    tx
}

fn run(
    jobs: std::sync::mpsc::Receiver<Job>,
    iopub: Iopub,
    session: Session,
    shared: Arc<Shared>,
    input: tokio::sync::mpsc::UnboundedSender<InputRequest>,
) {
    let started = Instant::now();
    let trace = std::env::var_os("COURSE_KERNEL_TRACE").is_some();
    // When the support crate is loaded at once, that is evcxr's first
    // compile; evcxr's own (`42`) would only add a fifth of a second.
    let started_evcxr = if preload::course_root().is_some() {
        CommandContext::new_without_first_eval()
    } else {
        CommandContext::new()
    };
    let (mut ctx, outputs) = match started_evcxr {
        Ok(pair) => pair,
        Err(e) => return refuse_all(jobs, &format!("evcxr could not start: {e}")),
    };
    if trace {
        eprintln!(
            "course-kernel: evcxr started in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
    outputs::forward(outputs, iopub.clone(), session.clone(), shared.clone());
    *lock(&shared.process) = Some(ctx.process_handle());
    let notes = ctx
        .execute(":load_config")
        .err()
        .map(|why| {
            format!("The kernel's configuration (kernel-ext/kernel/init.evcxr) failed: {why}\n")
        })
        .into_iter()
        .collect();
    let build_dir = preload::build_dir(&mut ctx);
    if let Some(dir) = &build_dir {
        crate::slots::hold_live_lock(dir);
    }
    *lock(&shared.build_dir) = build_dir;
    let preloaded = preload::preload(&mut ctx);
    eprintln!(
        "course-kernel: ready in {:.1} s{}",
        started.elapsed().as_secs_f64(),
        match &preloaded {
            Some(p) => format!(" (support crate loaded from {})", p.root.display()),
            None => String::new(),
        }
    );
    let mut engine = Engine {
        ctx,
        iopub,
        session,
        shared,
        input,
        count: 0,
        history: History::default(),
        preloaded,
        notes,
    };
    for job in jobs {
        match job {
            Job::Execute { request, reply } => {
                let _ = reply.send(engine.execute(&request));
                // After the reply, so that the learner does not wait for it.
                if crate::alloc::chosen().trims_after_cells() {
                    let started = Instant::now();
                    engine.ctx.release_analysis_memory();
                    crate::alloc::give_back_freed();
                    if trace {
                        eprintln!(
                            "course-kernel: analysis memory released in {:.1} ms",
                            started.elapsed().as_secs_f64() * 1000.0
                        );
                    }
                }
            }
            Job::Complete {
                code,
                cursor,
                reply,
            } => {
                let _ = reply.send(engine.complete(&code, cursor));
            }
            Job::Inspect {
                code,
                cursor,
                reply,
            } => {
                let _ = reply.send(engine.inspect(&code, cursor));
            }
            Job::Ready { reply } => {
                let _ = reply.send(json!({}));
            }
            Job::Adopt { cwd } => engine.adopt(&cwd),
        }
    }
}

/// Answers every job with `why` when evcxr could not start.
fn refuse_all(jobs: std::sync::mpsc::Receiver<Job>, why: &str) {
    eprintln!("course-kernel: {why}");
    let error = Failure::other("KernelError", why.to_string()).reply(0);
    for job in jobs {
        let reply = match job {
            Job::Execute { reply, .. }
            | Job::Complete { reply, .. }
            | Job::Inspect { reply, .. }
            | Job::Ready { reply } => reply,
            // No cell process to move.
            Job::Adopt { .. } => continue,
        };
        let _ = reply.send(error.clone());
    }
}

struct Engine {
    ctx: CommandContext,
    iopub: Iopub,
    session: Session,
    shared: Arc<Shared>,
    input: tokio::sync::mpsc::UnboundedSender<InputRequest>,
    count: u64,
    history: History,
    preloaded: Option<Preloaded>,
    /// What went wrong before any cell (`:load_config` failed, a spare's
    /// cell process could not move to the notebook's folder), said once
    /// on the stderr of the next cell.
    notes: Vec<String>,
}

impl Engine {
    fn execute(&mut self, request: &Message) -> Value {
        let code = request.content["code"].as_str().unwrap_or("").to_string();
        let silent = request.content["silent"].as_bool().unwrap_or(false);
        if request.content["store_history"]
            .as_bool()
            .unwrap_or(!silent)
        {
            self.count += 1;
            if let Some(history) = lock(&self.shared.console_history).as_mut()
                && let Err(e) = history.add(&code)
            {
                eprintln!("course-kernel: the input history was not written: {e}");
            }
        }
        let count = self.count;
        *lock(&self.shared.current) = Some(request.clone());
        if !silent {
            self.broadcast(
                request,
                "execute_input",
                json!({ "code": code, "execution_count": count }),
            );
        }
        for note in std::mem::take(&mut self.notes) {
            self.stream(request, "stderr", &note);
        }
        let result = match magics::translate(&code) {
            Err(e) => Err(Failure::other("UsageError", e.to_string())),
            Ok(Cell::Code(code)) => self.run(request, &code, count, false),
            Ok(Cell::TimeCell(body)) => self.run(request, &body, count, true),
            Ok(Cell::Rebuild) => self.rebuild(request),
            Ok(Cell::WriteFile { path, append, text }) => {
                self.write_file(request, &path, append, &text)
            }
        };
        self.flush_outputs();
        let reply = match result {
            Ok(()) => {
                json!({ "status": "ok", "execution_count": count, "user_expressions": {} })
            }
            Err(failure) => {
                self.broadcast(request, "error", failure.content());
                failure.reply(count)
            }
        };
        *lock(&self.shared.current) = None;
        reply
    }

    /// `%%writefile`: writes or appends `text` to `path` (relative to the
    /// kernel's folder, the notebook's), creating its folder, and says what
    /// it did in IPython's words.
    fn write_file(
        &mut self,
        request: &Message,
        path: &str,
        append: bool,
        text: &str,
    ) -> Result<(), Failure> {
        let file = std::path::Path::new(path);
        let existed = file.exists();
        let written = (|| {
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let mut out = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(append)
                .truncate(!append)
                .open(file)?;
            std::io::Write::write_all(&mut out, text.as_bytes())
        })();
        if let Err(e) = written {
            return Err(Failure::other(
                "OSError",
                format!("%%writefile {path}: {e}"),
            ));
        }
        let what = match (append, existed) {
            (true, _) => "Appending to",
            (false, true) => "Overwriting",
            (false, false) => "Writing",
        };
        self.stream(request, "stdout", &format!("{what} {path}\n"));
        Ok(())
    }

    /// Runs one cell's code; with `timed`, reports its execution time as
    /// `%%time` does.
    fn run(
        &mut self,
        request: &Message,
        code: &str,
        count: u64,
        timed: bool,
    ) -> Result<(), Failure> {
        // A learner's copy of a notebook outside the course (a room's, in
        // their home) still means the course's crates.
        let resolved = match (&self.preloaded, std::env::current_dir()) {
            (Some(p), Ok(cwd)) => course_kernel_core::deps::resolve_course_paths(
                code,
                &cwd,
                &p.root.join("notebooks"),
            ),
            _ => Cow::Borrowed(code),
        };
        let code: &str = &resolved;
        let code: Cow<str> = match &self.preloaded {
            Some(p) => {
                if p.loads_another_copy(code)
                    && let Some(dir) = lock(&self.shared.build_dir).as_deref()
                {
                    crate::slots::taint(dir);
                }
                p.strip_dep_lines(code)
            }
            None => Cow::Borrowed(code),
        };
        let before = self.variables();
        let oom_before = procfs::memory_cgroup().map(|m| m.oom_kills);
        let pid = self.cell_pid();
        let cpu_before = pid.and_then(procfs::cpu_times);
        lock(&self.shared.panic).take();
        interrupt::begin_cell(&self.shared, pid);
        let input = self.input.clone();
        let parent = request.clone();
        let result = self.ctx.execute_with_callbacks(
            &code,
            &mut evcxr::EvalCallbacks {
                input_reader: &|asked| {
                    ask_for_input(&input, &parent, &asked.prompt, asked.is_password)
                },
            },
        );
        let state = interrupt::end_cell(&self.shared);
        outputs::wait_for_cell_output(&self.shared, self.cell_pid());
        if std::env::var_os("COURSE_KERNEL_TRACE").is_some() {
            let phases = match &result {
                Ok(out) => out
                    .phases
                    .iter()
                    .map(|p| format!("{} {:.3} s", p.name, p.duration.as_secs_f64()))
                    .collect::<Vec<_>>()
                    .join(", "),
                Err(e) => format!("failed: {e}"),
            };
            eprintln!("course-kernel: cell {count}: {phases}; {state:?}");
        }
        match result {
            Ok(out) => {
                let panicked = out.panicked;
                let phases: Vec<Phase> = out
                    .phases
                    .iter()
                    .map(|p| Phase {
                        name: p.name.clone(),
                        duration: p.duration,
                    })
                    .collect();
                if timed {
                    let cpu =
                        outcome::cpu_spent(cpu_before, pid.and_then(procfs::cpu_times));
                    let wall = outcome::execution_time(&phases);
                    let report = course_kernel_runtime::format::time_report(cpu, wall);
                    self.stream(request, "stdout", &format!("{report}\n"));
                }
                if let Some(took) = out.timing.filter(|_| !phases.is_empty()) {
                    let line = outcome::timing_line(took, &phases);
                    self.stream(request, "stdout", &format!("{line}\n"));
                }
                if !out.is_empty() && !is_unit_result(&out.content_by_mime_type) {
                    self.broadcast(
                        request,
                        "execute_result",
                        json!({
                            "execution_count": count,
                            "data": mime_bundle(out.content_by_mime_type),
                            "metadata": {},
                        }),
                    );
                }
                // A panic the cell caught (a thread's, seen by `join`)
                // printed its message too; only evcxr knows whether the
                // cell's own code unwound.
                let noted = lock(&self.shared.panic).take();
                let panic = panicked.then(|| {
                    noted.unwrap_or_else(|| {
                        "the cell panicked (no message was printed)".into()
                    })
                });
                match outcome::after_run(state.asked, panic) {
                    Verdict::InterruptedKept => {
                        Err(Failure::interrupted_kept(&self.variable_names()))
                    }
                    Verdict::Panicked(message) => {
                        Err(Failure::panicked(&message, &self.variable_names()))
                    }
                    _ => {
                        let after = self.variables();
                        self.history
                            .record(&code, &as_refs(&before), &as_refs(&after));
                        Ok(())
                    }
                }
            }
            Err(evcxr::Error::SubprocessTerminated(why)) => {
                let lost: Vec<String> =
                    before.into_iter().map(|(name, _)| name).collect();
                let rebuildable = self.history.rebuild_plan().len();
                let verdict = outcome::after_process_ended(
                    state.stopped,
                    oom_before,
                    procfs::memory_cgroup(),
                    &why,
                );
                Err(match verdict {
                    Verdict::StoppedByKernel => {
                        Failure::interrupted_lost(&lost, rebuildable)
                    }
                    Verdict::OutOfMemory { limit } => {
                        Failure::out_of_memory(limit, &lost, rebuildable)
                    }
                    _ => Failure::process_died(&why, &lost, rebuildable),
                })
            }
            Err(evcxr::Error::CompilationErrors(list)) => {
                Err(errors::compilation(&list, &code, count))
            }
            Err(e) => Err(Failure::other("Error", e.to_string())),
        }
    }

    /// A spare kernel taken by a notebook (the kernel is in the notebook's
    /// folder already): the cell process moves there too, where the
    /// learner's relative paths (`books/`, `../crates/…`) start. If it
    /// cannot, the next cell says so.
    fn adopt(&mut self, cwd: &std::path::Path) {
        let moved = cwd
            .to_str()
            .ok_or_else(|| "the folder is not UTF-8".to_string())
            .and_then(|text| {
                let code = format!(
                    "std::env::set_current_dir({text:?}).expect(\"the notebook's folder\");"
                );
                self.shared.quiet.store(true, Ordering::SeqCst);
                let result = self.ctx.execute(&code);
                self.shared.quiet.store(false, Ordering::SeqCst);
                result.map(|_| ()).map_err(|e| e.to_string())
            });
        if let Err(e) = moved {
            eprintln!("course-kernel: the cell process stays in the spare's folder: {e}");
            self.notes.push(format!(
                "This kernel's cell process could not move to the notebook's folder {} ({e}), \
                 so relative paths in cells are not read from there. Restart the kernel.\n",
                cwd.display()
            ));
        }
    }

    /// `%rebuild`: re-runs, quietly and in order, the cells that defined
    /// variables, and says what each made.
    fn rebuild(&mut self, request: &Message) -> Result<(), Failure> {
        let plan = self.history.rebuild_plan().to_vec();
        if plan.is_empty() {
            self.stream(
                request,
                "stdout",
                "Nothing to rebuild: no cell has defined a variable yet.\n",
            );
            return Ok(());
        }
        let present = self.variable_names();
        self.stream(
            request,
            "stdout",
            &format!("Re-running {} cells that define variables, in order, without their outputs:\n", plan.len()),
        );
        let history = std::mem::take(&mut self.history);
        let mut failed = Vec::new();
        self.shared.quiet.store(true, Ordering::SeqCst);
        for (i, step) in plan.iter().enumerate() {
            let outcome = self.run(request, &step.code, self.count, false);
            self.flush_outputs();
            let verdict = match &outcome {
                Ok(()) => "ok".to_string(),
                Err(f) => {
                    failed.push(i + 1);
                    format!("FAILED: {}", f.evalue)
                }
            };
            self.shared.quiet.store(false, Ordering::SeqCst);
            self.stream(
                request,
                "stdout",
                &format!(
                    "  {}. makes {}: {verdict}\n",
                    i + 1,
                    step.defines.join(", ")
                ),
            );
            self.shared.quiet.store(true, Ordering::SeqCst);
        }
        self.shared.quiet.store(false, Ordering::SeqCst);
        // The cells re-run are the history still.
        self.history = history;
        let now = self.variable_names();
        let made = now.iter().filter(|v| !present.contains(v)).count();
        self.stream(
            request,
            "stdout",
            &format!(
                "{made} variables made again; variables now: {}. Changes made by other cells (a \
                 push onto a vector, say) are not replayed.\n",
                if now.is_empty() { "none".to_string() } else { now.join(", ") }
            ),
        );
        if failed.is_empty() {
            Ok(())
        } else {
            Err(Failure::other(
                "RebuildError",
                format!(
                    "cells {failed:?} of the rebuild failed; their messages are above"
                ),
            ))
        }
    }

    fn complete(&mut self, code: &str, cursor: usize) -> Value {
        let at = text::byte_offset(code, cursor);
        match self.ctx.completions(code, at) {
            Ok(found) => {
                let start = text::char_offset(code, found.start_offset);
                let end = text::char_offset(code, found.end_offset);
                let matches: Vec<&str> =
                    found.completions.iter().map(|c| c.code.as_str()).collect();
                let types: Vec<Value> = found
                    .completions
                    .iter()
                    .map(|c| json!({ "text": c.label, "type": c.kind, "start": start, "end": end }))
                    .collect();
                json!({
                    "status": "ok",
                    "matches": matches,
                    "cursor_start": start,
                    "cursor_end": end,
                    "metadata": { "_jupyter_types_experimental": types },
                })
            }
            Err(e) => {
                json!({ "status": "error", "ename": "CompletionError", "evalue": e.to_string(), "traceback": [] })
            }
        }
    }

    fn inspect(&mut self, code: &str, cursor: usize) -> Value {
        let at = text::byte_offset(code, cursor);
        match self.ctx.hover_at(code, at) {
            Ok((plain, html)) if plain != "No documentation found" => json!({
                "status": "ok",
                "found": true,
                "data": { "text/plain": plain, "text/html": html },
                "metadata": {},
            }),
            _ => json!({ "status": "ok", "found": false, "data": {}, "metadata": {} }),
        }
    }

    fn variables(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = self
            .ctx
            .variables_and_types()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        all.sort();
        all
    }

    fn variable_names(&self) -> Vec<String> {
        self.variables().into_iter().map(|(n, _)| n).collect()
    }

    fn cell_pid(&self) -> Option<u32> {
        let handle = lock(&self.shared.process).clone()?;
        let child = lock(&handle);
        Some(child.id())
    }

    /// Waits until every line the cell printed is queued on IOPub, so that
    /// the reply and the idle status come after the outputs.
    fn flush_outputs(&self) {
        outputs::wait_until_flushed(&self.shared, Instant::now() - outputs::QUIET);
    }

    fn broadcast(&self, parent: &Message, msg_type: &str, content: Value) {
        let _ = self
            .iopub
            .send(self.session.broadcast(Some(parent), msg_type, content));
    }

    fn stream(&self, parent: &Message, name: &str, text: &str) {
        self.broadcast(parent, "stream", json!({ "name": name, "text": text }));
    }
}

fn as_refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect()
}

/// evcxr's outputs as a Jupyter MIME bundle (JSON types parsed).
fn mime_bundle(content: HashMap<String, String>) -> Value {
    let mut data = serde_json::Map::new();
    for (mime, text) in content {
        let value = if mime.contains("json") {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        } else {
            Value::String(text)
        };
        data.insert(mime, value);
    }
    Value::Object(data)
}

/// Asks the client for a line of input on behalf of the cell `parent`;
/// empty when the client does not take input.
fn ask_for_input(
    input: &tokio::sync::mpsc::UnboundedSender<InputRequest>,
    parent: &Message,
    prompt: &str,
    password: bool,
) -> String {
    if parent.content["allow_stdin"].as_bool() != Some(true) {
        return String::new();
    }
    let mut request = parent.clone();
    request.content = json!({ "prompt": prompt, "password": password });
    let (tx, rx) = oneshot::channel();
    if input.send((request, tx)).is_err() {
        return String::new();
    }
    rx.blocking_recv().unwrap_or_default()
}
