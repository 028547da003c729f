//! Task graphs with durations: which steps depend on which, how long the
//! whole takes, and how much more workers help.
//!
//! Episode 1 asks how long the pea soup takes to cook alone and with a
//! friend. A [`TaskGraph`] answers with numbers: its
//! [`critical_path`](TaskGraph::critical_path) is the longest chain of
//! dependent steps, which no number of cooks can beat, and
//! [`schedule`](TaskGraph::schedule) plays the recipe out with a given
//! number of workers. Steps that run by themselves once started (simmering
//! on the stove, resting overnight) are *unattended*: they need no worker.
//!
//! ```
//! use parallel_course::taskgraph::TaskGraph;
//!
//! let mut g = TaskGraph::new();
//! let a = g.task("write", 3.0, &[])?;
//! let b = g.task("review", 2.0, &[])?;
//! g.task("merge", 1.0, &[a, b])?;
//! assert_eq!(g.critical_path().length, 4.0); // write, then merge
//! assert_eq!(g.schedule(1)?.makespan, 6.0); // one worker does everything
//! assert_eq!(g.schedule(2)?.makespan, 4.0); // two workers: the critical path
//! # Ok::<(), parallel_course::Error>(())
//! ```

use crate::display::{emit, escape_html};
use crate::error::{Error, Result};
use crate::table::Table;

/// Refers to a task of the graph that created it. It carries that
/// graph's identity, so another graph refuses it.
///
/// ```
/// use parallel_course::taskgraph::TaskGraph;
///
/// let mut g = TaskGraph::new();
/// let a = g.task("a", 1.0, &[])?;
/// assert_eq!(format!("{a:?}"), "TaskId(0)");
/// let mut other = TaskGraph::new();
/// other.task("b", 1.0, &[])?;
/// assert!(other.task("c", 1.0, &[a]).is_err());
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    graph: u64,
    index: usize,
}

impl std::fmt::Debug for TaskId {
    /// `TaskId(n)`: the task's position in its graph.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TaskId({})", self.index)
    }
}

/// A number no other graph of this process has (copies of a graph share
/// it: ids of the original are valid in the copy).
fn new_graph_identity() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// One step: a name, a duration, whether it needs a worker, and the steps
/// that must finish before it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// What the step is.
    pub name: String,
    /// How long it takes, in any unit (the same for all tasks).
    pub duration: f64,
    /// Whether a worker is busy for the whole step (false for steps that
    /// run by themselves, like simmering).
    pub needs_worker: bool,
    /// Steps that must be finished first.
    pub after: Vec<TaskId>,
}

/// A set of tasks and their dependencies. Tasks can only depend on tasks
/// added before them, so a graph never has a cycle.
///
/// Two graphs are equal when they hold the same tasks with the same
/// dependencies, whichever graph made them.
///
/// ```
/// use parallel_course::taskgraph::TaskGraph;
///
/// let build = || -> parallel_course::Result<TaskGraph> {
///     let mut g = TaskGraph::new();
///     let a = g.task("a", 1.0, &[])?;
///     g.task("b", 2.0, &[a])?;
///     Ok(g)
/// };
/// assert_eq!(build()?, build()?);
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TaskGraph {
    identity: u64,
    tasks: Vec<Task>,
}

impl Default for TaskGraph {
    fn default() -> Self {
        TaskGraph {
            identity: new_graph_identity(),
            tasks: Vec::new(),
        }
    }
}

impl PartialEq for TaskGraph {
    fn eq(&self, other: &Self) -> bool {
        let same_task = |a: &Task, b: &Task| {
            a.name == b.name
                && a.duration == b.duration
                && a.needs_worker == b.needs_worker
                && a.after.len() == b.after.len()
                && a.after
                    .iter()
                    .zip(&b.after)
                    .all(|(x, y)| x.index == y.index)
        };
        self.tasks.len() == other.tasks.len()
            && self
                .tasks
                .iter()
                .zip(&other.tasks)
                .all(|(a, b)| same_task(a, b))
    }
}

/// The longest chain of dependent tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct CriticalPath {
    /// Its total duration: the shortest possible finishing time.
    pub length: f64,
    /// The tasks on it, in order.
    pub tasks: Vec<String>,
}

impl std::fmt::Display for CriticalPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "critical path {}: {}",
            self.length,
            self.tasks.join(" → ")
        )
    }
}

impl CriticalPath {
    /// Shows the path in the notebook.
    pub fn evcxr_display(&self) {
        emit(&[("text/plain", &self.to_string())]);
    }
}

/// When each task ran in a [`schedule`](TaskGraph::schedule).
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// The task's name.
    pub task: String,
    /// The worker that did it (numbered from 1), or `None` if unattended.
    pub worker: Option<usize>,
    /// Start time.
    pub start: f64,
    /// End time.
    pub end: f64,
}

/// The result of playing a task graph out with some number of workers.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The number of workers.
    pub workers: usize,
    /// When the last task finished.
    pub makespan: f64,
    /// One entry per task, in the order they started.
    pub slots: Vec<Slot>,
}

impl Schedule {
    fn table(&self) -> Table {
        let mut t = Table::new(["start", "end", "who", "task"]);
        for s in &self.slots {
            t.row([
                format!("{}", s.start),
                format!("{}", s.end),
                s.worker
                    .map_or("(unattended)".into(), |w| format!("worker {w}")),
                s.task.clone(),
            ]);
        }
        t
    }

    /// Shows the timetable in the notebook.
    pub fn evcxr_display(&self) {
        let text = self.to_string();
        let html = format!(
            "<p>{} worker{}: finished at <b>{}</b></p>{}",
            self.workers,
            if self.workers == 1 { "" } else { "s" },
            self.makespan,
            self.table().to_html()
        );
        emit(&[("text/plain", &text), ("text/html", &html)]);
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} worker{}: finished at {}",
            self.workers,
            if self.workers == 1 { "" } else { "s" },
            self.makespan
        )?;
        write!(f, "{}", self.table())
    }
}

/// A dependency diagram in Mermaid syntax, which JupyterLab draws. The
/// course's diagrams open with an `accTitle` and an `accDescr` line: the
/// diagram's text alternative, which Mermaid puts into the drawing as its
/// `<title>` and `<desc>` for screen readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagram(pub String);

impl Diagram {
    /// The first lines of a left-to-right flowchart with its text
    /// alternative: a title, and a description of every step in words.
    ///
    /// ```
    /// use parallel_course::taskgraph::Diagram;
    ///
    /// let steps = ["a needs nothing".to_string(), "b comes after a".to_string()];
    /// let head = Diagram::flowchart_head("Two steps", &steps);
    /// assert_eq!(
    ///     head,
    ///     "flowchart LR\n    accTitle: Two steps\n    accDescr: a needs nothing. b comes after a.\n"
    /// );
    /// ```
    pub fn flowchart_head(title: &str, steps: &[String]) -> String {
        // Mermaid reads each of these to the end of its line.
        let line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        let description: Vec<String> =
            steps.iter().map(|s| format!("{}.", line(s))).collect();
        format!(
            "flowchart LR\n    accTitle: {}\n    accDescr: {}\n",
            line(title),
            description.join(" ")
        )
    }

    /// Shows the diagram in the notebook (`text/vnd.mermaid`, drawn by
    /// JupyterLab 4.1 and later; other front ends show the text).
    pub fn evcxr_display(&self) {
        emit(&[("text/plain", &self.0), ("text/vnd.mermaid", &self.0)]);
    }
}

impl std::fmt::Display for Diagram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TaskGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(
        &mut self,
        name: &str,
        duration: f64,
        needs_worker: bool,
        after: &[TaskId],
    ) -> Result<TaskId> {
        if !(duration.is_finite() && duration >= 0.0) {
            return Err(Error::invalid(
                "duration",
                duration,
                "a finite number of 0 or more",
            ));
        }
        if let Some(bad) = after
            .iter()
            .find(|id| id.graph != self.identity || id.index >= self.tasks.len())
        {
            return Err(Error::invalid(
                "after",
                format!("{bad:?} of another graph"),
                "ids returned by this graph's own task() or unattended()",
            ));
        }
        let mut after = after.to_vec();
        after.sort_unstable();
        after.dedup();
        self.tasks.push(Task {
            name: name.to_string(),
            duration,
            needs_worker,
            after,
        });
        Ok(TaskId {
            graph: self.identity,
            index: self.tasks.len() - 1,
        })
    }

    /// Adds a step that keeps a worker busy, to start after `after`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a negative or non-finite duration,
    /// or an id from another graph.
    pub fn task(
        &mut self,
        name: &str,
        duration: f64,
        after: &[TaskId],
    ) -> Result<TaskId> {
        self.push(name, duration, true, after)
    }

    /// Adds a step that runs by itself once started (it needs no worker).
    ///
    /// # Errors
    ///
    /// As for [`task`](TaskGraph::task).
    pub fn unattended(
        &mut self,
        name: &str,
        duration: f64,
        after: &[TaskId],
    ) -> Result<TaskId> {
        self.push(name, duration, false, after)
    }

    /// The tasks, in the order they were added.
    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }

    /// The time one worker takes doing every step one after the other,
    /// waiting for each (the sum of all durations).
    pub fn serial_time(&self) -> f64 {
        self.tasks.iter().map(|t| t.duration).sum()
    }

    /// Earliest finish of each task with unlimited workers.
    fn earliest_finish(&self) -> Vec<f64> {
        let mut finish = vec![0.0; self.tasks.len()];
        for (i, t) in self.tasks.iter().enumerate() {
            let start = t.after.iter().map(|d| finish[d.index]).fold(0.0, f64::max);
            finish[i] = start + t.duration;
        }
        finish
    }

    /// The longest chain of dependent steps: the finishing time with as
    /// many workers as you like.
    pub fn critical_path(&self) -> CriticalPath {
        let finish = self.earliest_finish();
        let Some((mut i, &length)) = finish
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
        else {
            return CriticalPath {
                length: 0.0,
                tasks: Vec::new(),
            };
        };
        let mut path = vec![self.tasks[i].name.clone()];
        loop {
            let t = &self.tasks[i];
            let start = finish[i] - t.duration;
            match t
                .after
                .iter()
                .find(|d| (finish[d.index] - start).abs() < 1e-9)
            {
                Some(d) => {
                    i = d.index;
                    path.push(self.tasks[i].name.clone());
                }
                None => break,
            }
        }
        path.reverse();
        CriticalPath {
            length,
            tasks: path,
        }
    }

    /// How long each task and everything after it takes at least: the
    /// priority of list scheduling (longest remaining path first).
    fn remaining(&self) -> Vec<f64> {
        let mut rest: Vec<f64> = self.tasks.iter().map(|t| t.duration).collect();
        for i in (0..self.tasks.len()).rev() {
            for d in &self.tasks[i].after {
                rest[d.index] = rest[d.index].max(self.tasks[d.index].duration + rest[i]);
            }
        }
        rest
    }

    /// Plays the graph out with `workers` workers: whenever a worker is
    /// free it takes the ready step with the longest chain still behind
    /// it; unattended steps start as soon as they are ready. Steps are
    /// never interrupted.
    ///
    /// This greedy plan is optimal for the small graphs of the course
    /// (chains and a few branches); for large graphs it is a good plan,
    /// not always the best one.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `workers` is 0.
    pub fn schedule(&self, workers: usize) -> Result<Schedule> {
        crate::limits::threads("workers", workers)?;
        let n = self.tasks.len();
        let rest = self.remaining();
        let mut end: Vec<Option<f64>> = vec![None; n];
        let mut started = vec![false; n];
        let mut free_at = vec![0.0f64; workers];
        let mut slots = Vec::with_capacity(n);
        let mut now = 0.0f64;
        while slots.len() < n {
            let ready_at = |i: usize, end: &[Option<f64>]| -> Option<f64> {
                self.tasks[i]
                    .after
                    .iter()
                    .try_fold(0.0f64, |m, d| end[d.index].map(|e| m.max(e)))
            };
            let mut ready: Vec<usize> = (0..n)
                .filter(|&i| {
                    !started[i] && ready_at(i, &end).is_some_and(|t| t <= now + 1e-12)
                })
                .collect();
            ready.sort_by(|&a, &b| rest[b].total_cmp(&rest[a]).then(a.cmp(&b)));
            let mut progressed = false;
            for i in ready {
                let t = &self.tasks[i];
                let worker = if t.needs_worker {
                    match free_at.iter().position(|&f| f <= now + 1e-12) {
                        Some(w) => Some(w),
                        None => continue,
                    }
                } else {
                    None
                };
                let finish = now + t.duration;
                if let Some(w) = worker {
                    free_at[w] = finish;
                }
                started[i] = true;
                end[i] = Some(finish);
                slots.push(Slot {
                    task: t.name.clone(),
                    worker: worker.map(|w| w + 1),
                    start: now,
                    end: finish,
                });
                progressed = true;
            }
            if progressed {
                continue;
            }
            // Jump to the next moment something finishes.
            now = end
                .iter()
                .flatten()
                .chain(free_at.iter())
                .copied()
                .filter(|&t| t > now + 1e-12)
                .fold(f64::INFINITY, f64::min);
            if !now.is_finite() {
                break;
            }
        }
        let makespan = slots.iter().map(|s| s.end).fold(0.0, f64::max);
        Ok(Schedule {
            workers,
            makespan,
            slots,
        })
    }

    /// The dependency diagram as a Mermaid flowchart, left to right, with
    /// each step's duration and unattended steps drawn rounded.
    pub fn diagram(&self) -> Diagram {
        let steps: Vec<String> = self
            .tasks
            .iter()
            .map(|t| {
                let how = if t.needs_worker { "" } else { ", unattended," };
                let after: Vec<&str> = t
                    .after
                    .iter()
                    .map(|d| self.tasks[d.index].name.as_str())
                    .collect();
                let when = match after.as_slice() {
                    [] => "can start at once".to_string(),
                    names => format!("comes after {}", names.join(" and ")),
                };
                format!("{} ({}){how} {when}", t.name, t.duration)
            })
            .collect();
        let title = format!("Task graph of {} steps", self.tasks.len());
        let mut out = Diagram::flowchart_head(&title, &steps);
        for (i, t) in self.tasks.iter().enumerate() {
            let label = escape_html(&format!("{} ({})", t.name, t.duration))
                .replace('"', "#quot;");
            if t.needs_worker {
                out.push_str(&format!("    t{i}[\"{label}\"]\n"));
            } else {
                out.push_str(&format!("    t{i}([\"{label}\"])\n"));
            }
        }
        for (i, t) in self.tasks.iter().enumerate() {
            for d in &t.after {
                out.push_str(&format!("    t{} --> t{i}\n", d.index));
            }
        }
        Diagram(out)
    }

    /// Shows the diagram in the notebook.
    pub fn evcxr_display(&self) {
        self.diagram().evcxr_display();
    }
}

/// The pea soup of the course's first episode, durations in minutes:
/// bring water, split peas and a bay leaf to the boil (1); skim and
/// simmer (60, on the stove); clean and chop the vegetables (15); remove
/// the bay leaf, add the vegetables and simmer (20, on the stove); leave
/// for a day (1440), then reheat and serve.
///
/// ```
/// use parallel_course::taskgraph::pea_soup;
/// let soup = pea_soup();
/// assert_eq!(soup.serial_time(), 1536.0);
/// assert_eq!(soup.critical_path().length, 1521.0);
/// ```
pub fn pea_soup() -> TaskGraph {
    let mut soup = TaskGraph::new();
    let steps = (|| -> Result<()> {
        let boil = soup.task("bring peas to the boil", 1.0, &[])?;
        let simmer = soup.unattended("skim and simmer the peas", 60.0, &[boil])?;
        let chop = soup.task("clean and chop the vegetables", 15.0, &[])?;
        let veg = soup.unattended("add vegetables, simmer", 20.0, &[simmer, chop])?;
        soup.unattended("rest for a day, reheat", 1440.0, &[veg])?;
        Ok(())
    })();
    debug_assert!(steps.is_ok());
    soup
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pea_soup_with_one_cook_chops_while_the_peas_simmer() {
        let soup = pea_soup();
        let one = soup.schedule(1).unwrap();
        assert_eq!(one.makespan, 1521.0);
        let two = soup.schedule(2).unwrap();
        assert_eq!(two.makespan, 1521.0, "a second cook does not help");
        assert_eq!(soup.serial_time(), 1536.0);
        let path = soup.critical_path();
        assert_eq!(
            path.tasks,
            vec![
                "bring peas to the boil",
                "skim and simmer the peas",
                "add vegetables, simmer",
                "rest for a day, reheat"
            ]
        );
    }

    #[test]
    fn attended_tasks_share_workers() {
        let mut g = TaskGraph::new();
        for name in ["a", "b", "c", "d"] {
            g.task(name, 10.0, &[]).unwrap();
        }
        assert_eq!(g.schedule(1).unwrap().makespan, 40.0);
        assert_eq!(g.schedule(2).unwrap().makespan, 20.0);
        assert_eq!(g.schedule(3).unwrap().makespan, 20.0);
        assert_eq!(g.schedule(4).unwrap().makespan, 10.0);
        assert_eq!(g.critical_path().length, 10.0);
    }

    #[test]
    fn longest_remaining_chain_goes_first() {
        // With one worker free, starting the long chain first wins.
        let mut g = TaskGraph::new();
        let short = g.task("short", 1.0, &[]).unwrap();
        let head = g.task("head", 1.0, &[]).unwrap();
        g.unattended("long wait", 10.0, &[head]).unwrap();
        let _ = short;
        assert_eq!(g.schedule(1).unwrap().makespan, 11.0);
    }

    #[test]
    fn bad_input_is_rejected() {
        let mut g = TaskGraph::new();
        assert!(g.task("negative", -1.0, &[]).is_err());
        assert!(g.task("nan", f64::NAN, &[]).is_err());
        let mut other = TaskGraph::new();
        let foreign = other.task("x", 1.0, &[]).unwrap();
        let err = g.task("y", 1.0, &[foreign]).unwrap_err();
        assert!(err.to_string().contains("`after`"), "{err}");
        assert!(g.schedule(0).is_err());
    }

    #[test]
    fn an_id_from_another_graph_is_rejected_even_where_its_index_exists() {
        let mut g = TaskGraph::new();
        g.task("first", 1.0, &[]).unwrap();
        g.task("second", 1.0, &[]).unwrap();
        let mut other = TaskGraph::new();
        let foreign = other.task("x", 1.0, &[]).unwrap();
        let err = g.task("y", 1.0, &[foreign]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid `after`: TaskId(0) of another graph; allowed: ids returned by \
             this graph's own task() or unattended()"
        );
        assert_eq!(g.tasks().len(), 2, "a rejected task is not added");
    }

    #[test]
    fn ids_of_a_graph_stay_valid_in_its_copy() {
        let mut g = TaskGraph::new();
        let a = g.task("a", 1.0, &[]).unwrap();
        let mut copy = g.clone();
        assert!(copy.task("b", 1.0, &[a]).is_ok());
    }

    #[test]
    fn empty_graph_takes_no_time() {
        let g = TaskGraph::new();
        assert_eq!(g.critical_path().length, 0.0);
        assert_eq!(g.schedule(2).unwrap().makespan, 0.0);
    }

    #[test]
    fn diagram_is_a_mermaid_flowchart_with_every_edge() {
        let d = pea_soup().diagram().0;
        assert!(d.starts_with("flowchart LR\n"));
        assert_eq!(d.matches("-->").count(), 4);
        assert!(d.contains("t1([\"skim and simmer the peas (60)\"])"));
    }

    #[test]
    fn diagram_carries_a_text_alternative_naming_every_step_and_what_it_waits_for() {
        let d = pea_soup().diagram().0;
        let mut lines = d.lines();
        assert_eq!(lines.next(), Some("flowchart LR"));
        assert_eq!(lines.next(), Some("    accTitle: Task graph of 5 steps"));
        let description = lines.next().unwrap_or_default();
        for part in [
            "    accDescr: bring peas to the boil (1) can start at once.",
            "skim and simmer the peas (60), unattended, comes after bring peas to the boil.",
            "add vegetables, simmer (20), unattended, comes after skim and simmer the peas and \
             clean and chop the vegetables.",
        ] {
            assert!(
                description.contains(part),
                "{part:?} missing from {description:?}"
            );
        }
    }
}
