//! Delayed evaluation: build a graph of tasks first, run it later
//! (episode 5, the Rust counterpart of `dask.delayed`).
//!
//! [`delayed`] wraps a closure and the tasks whose results it needs into a
//! [`Delayed`] value, a *promise*: nothing runs when it is made. Promises
//! combine into a graph, which draws itself as a diagram (the last
//! expression of a cell shows it) and runs with
//! [`compute`](Delayed::compute):
//!
//! * every task runs as soon as all its inputs are ready, independent
//!   branches at the same time on rayon's threads;
//! * a task that several others need runs **once** per `compute`;
//! * each `compute` starts afresh: computing two promises one after the
//!   other runs the tasks they share twice, so call `compute` once, at the
//!   end, on a promise that gathers everything you want.
//!
//! ```
//! use parallel_course::delayed::delayed;
//!
//! let x_p = delayed("x", (), |()| 1 + 2);
//! let y_p = delayed("y", &x_p, |x| x + 3);
//! let z_p = delayed("z", (&x_p, &y_p), |(x, y)| x + y);
//! assert_eq!(z_p.compute(), 9); // x ran once although y and z both need it
//! assert_eq!(z_p.len(), 3);
//! ```
//!
//! [`compute_timed`](Delayed::compute_timed) also measures each task and
//! returns a [`TaskGraph`] of the run: the
//! graph of episode 1, with measured durations, so its critical path and
//! schedules say what more cores could gain.

use std::any::Any;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::display::emit;
use crate::taskgraph::{Diagram, TaskGraph, TaskId};

/// A task's result, type-erased so that one graph can hold tasks of
/// different types.
type Value = Arc<dyn Any + Send + Sync>;

/// What a task does with its inputs' values (in the order of `inputs`).
type Run = Box<dyn Fn(&[Value]) -> Value + Send + Sync>;

/// One task of a graph (internal; reached through [`Delayed`]).
#[doc(hidden)]
pub struct Node {
    name: String,
    inputs: Vec<Arc<Node>>,
    run: Run,
}

impl Drop for Node {
    /// Drops long chains without recursion: a chain of thousands of
    /// promises would otherwise overflow the stack when freed.
    fn drop(&mut self) {
        let mut pending = std::mem::take(&mut self.inputs);
        while let Some(input) = pending.pop() {
            if let Ok(mut node) = Arc::try_unwrap(input) {
                pending.append(&mut node.inputs);
            }
        }
    }
}

/// A promise of a value of type `T`: a task and everything it depends on,
/// not yet run.
///
/// Cloning a `Delayed` is cheap and gives the same task (not a copy of it),
/// so a clone used twice in a graph still runs once per compute.
///
/// As the last expression of a notebook cell it shows its graph.
pub struct Delayed<T> {
    node: Arc<Node>,
    _value: PhantomData<fn() -> T>,
}

impl<T> Clone for Delayed<T> {
    fn clone(&self) -> Self {
        Delayed {
            node: Arc::clone(&self.node),
            _value: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Delayed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tasks = self.len();
        write!(
            f,
            "Delayed<{}>(\"{}\", {} task{} in its graph)",
            std::any::type_name::<T>(),
            self.node.name,
            tasks,
            if tasks == 1 { "" } else { "s" }
        )
    }
}

/// What a task waits for: nothing (`()`), one promise (`&x_p`), a tuple of
/// two or three promises (`(&x_p, &y_p)`), or a slice or vector of
/// promises of one type (`&promises`, giving a `Vec` of their values).
///
/// The task's closure receives the values in the same shape.
pub trait Inputs {
    /// The values the task's closure receives.
    type Values;
    /// The tasks, in order.
    #[doc(hidden)]
    fn nodes(&self) -> Vec<Arc<Node>>;
    /// Turns the tasks' results (in the order of `nodes`) into `Values`.
    #[doc(hidden)]
    fn values(results: &[Value]) -> Self::Values;
}

/// Clones a result out of its type-erased box. The graph only ever pairs a
/// result with the type its promise was made with, so the cast succeeds.
fn take<A: Clone + 'static>(value: &Value) -> A {
    match value.downcast_ref::<A>() {
        Some(a) => a.clone(),
        None => unreachable!("a task's result has the type of its promise"),
    }
}

impl Inputs for () {
    type Values = ();
    fn nodes(&self) -> Vec<Arc<Node>> {
        Vec::new()
    }
    fn values(_: &[Value]) {}
}

impl<A: Clone + Send + Sync + 'static> Inputs for &Delayed<A> {
    type Values = A;
    fn nodes(&self) -> Vec<Arc<Node>> {
        vec![Arc::clone(&self.node)]
    }
    fn values(results: &[Value]) -> A {
        take(&results[0])
    }
}

impl<A, B> Inputs for (&Delayed<A>, &Delayed<B>)
where
    A: Clone + Send + Sync + 'static,
    B: Clone + Send + Sync + 'static,
{
    type Values = (A, B);
    fn nodes(&self) -> Vec<Arc<Node>> {
        vec![Arc::clone(&self.0.node), Arc::clone(&self.1.node)]
    }
    fn values(results: &[Value]) -> (A, B) {
        (take(&results[0]), take(&results[1]))
    }
}

impl<A, B, C> Inputs for (&Delayed<A>, &Delayed<B>, &Delayed<C>)
where
    A: Clone + Send + Sync + 'static,
    B: Clone + Send + Sync + 'static,
    C: Clone + Send + Sync + 'static,
{
    type Values = (A, B, C);
    fn nodes(&self) -> Vec<Arc<Node>> {
        vec![
            Arc::clone(&self.0.node),
            Arc::clone(&self.1.node),
            Arc::clone(&self.2.node),
        ]
    }
    fn values(results: &[Value]) -> (A, B, C) {
        (take(&results[0]), take(&results[1]), take(&results[2]))
    }
}

impl<A: Clone + Send + Sync + 'static> Inputs for &[Delayed<A>] {
    type Values = Vec<A>;
    fn nodes(&self) -> Vec<Arc<Node>> {
        self.iter().map(|d| Arc::clone(&d.node)).collect()
    }
    fn values(results: &[Value]) -> Vec<A> {
        results.iter().map(take).collect()
    }
}

impl<A: Clone + Send + Sync + 'static> Inputs for &Vec<Delayed<A>> {
    type Values = Vec<A>;
    fn nodes(&self) -> Vec<Arc<Node>> {
        self.as_slice().nodes()
    }
    fn values(results: &[Value]) -> Vec<A> {
        <&[Delayed<A>]>::values(results)
    }
}

/// Makes a promise: a task called `name` that runs `f` on the values of
/// `inputs` once they are computed. Nothing runs now.
///
/// `inputs` is `()` for a task that needs nothing, `&x_p` for one promise,
/// `(&x_p, &y_p)` for two, or `&promises` (a slice or `Vec`) for many of one
/// type; `f` receives `()`, the value, a tuple or a `Vec` accordingly.
///
/// ```
/// use parallel_course::delayed::delayed;
///
/// let squares: Vec<_> = (0..4u64)
///     .map(|i| delayed("square", (), move |()| i * i))
///     .collect();
/// let total = delayed("sum", &squares, |values: Vec<u64>| values.iter().sum::<u64>());
/// assert_eq!(total.compute(), 14);
/// ```
pub fn delayed<I, T, F>(name: impl Into<String>, inputs: I, f: F) -> Delayed<T>
where
    I: Inputs,
    T: Send + Sync + 'static,
    F: Fn(I::Values) -> T + Send + Sync + 'static,
{
    let run: Run = Box::new(move |results: &[Value]| {
        let value: Value = Arc::new(f(I::values(results)));
        value
    });
    Delayed {
        node: Arc::new(Node {
            name: name.into(),
            inputs: inputs.nodes(),
            run,
        }),
        _value: PhantomData,
    }
}

/// The graph below one promise, in an order where every task comes after
/// its inputs.
struct Plan {
    nodes: Vec<Arc<Node>>,
    /// For each task, the positions of its inputs in `nodes`, in the order
    /// its closure receives them (a promise given twice appears twice).
    inputs: Vec<Vec<usize>>,
    /// For each task, the positions of the different tasks it waits for.
    waits_for: Vec<Vec<usize>>,
    /// For each task, the positions of the tasks that need it.
    users: Vec<Vec<usize>>,
}

/// A task's identity: its address, unique while the graph holds it. (Not a
/// counter in a `static`: in the notebook every cell has its own copy of
/// this crate's statics, so two cells would hand out the same numbers.)
fn id(node: &Arc<Node>) -> usize {
    Arc::as_ptr(node) as usize
}

impl Plan {
    fn of(root: &Arc<Node>) -> Plan {
        let mut position: HashMap<usize, usize> = HashMap::new();
        let mut nodes: Vec<Arc<Node>> = Vec::new();
        // Depth-first, inputs before the task; an explicit stack so deep
        // chains cannot overflow the call stack.
        let mut stack: Vec<(Arc<Node>, bool)> = vec![(Arc::clone(root), false)];
        while let Some((node, inputs_done)) = stack.pop() {
            if position.contains_key(&id(&node)) {
                continue;
            }
            if inputs_done {
                position.insert(id(&node), nodes.len());
                nodes.push(node);
            } else {
                stack.push((Arc::clone(&node), true));
                for input in node.inputs.iter().rev() {
                    if !position.contains_key(&id(input)) {
                        stack.push((Arc::clone(input), false));
                    }
                }
            }
        }
        let inputs: Vec<Vec<usize>> = nodes
            .iter()
            .map(|n| n.inputs.iter().map(|i| position[&id(i)]).collect())
            .collect();
        let waits_for: Vec<Vec<usize>> = inputs
            .iter()
            .map(|ins| {
                let mut distinct = ins.clone();
                distinct.sort_unstable();
                distinct.dedup();
                distinct
            })
            .collect();
        let mut users = vec![Vec::new(); nodes.len()];
        for (i, ins) in waits_for.iter().enumerate() {
            for &j in ins {
                users[j].push(i);
            }
        }
        Plan {
            nodes,
            inputs,
            waits_for,
            users,
        }
    }

    /// Runs every task once, each as soon as its inputs are ready, on the
    /// current rayon pool. Returns the results and when each task ran,
    /// measured from `start`.
    fn run(&self, start: Instant) -> (Vec<Value>, Vec<(Duration, Duration)>) {
        let n = self.nodes.len();
        let results: Vec<OnceLock<Value>> = (0..n).map(|_| OnceLock::new()).collect();
        let spans: Vec<OnceLock<(Duration, Duration)>> =
            (0..n).map(|_| OnceLock::new()).collect();
        let waiting: Vec<AtomicUsize> = self
            .waits_for
            .iter()
            .map(|ins| AtomicUsize::new(ins.len()))
            .collect();
        // A task that panics stops the run; the first panic is re-raised
        // once every started task has finished.
        let panic: Mutex<Option<Box<dyn Any + Send>>> = Mutex::new(None);
        let ctx = RunContext {
            plan: self,
            results: &results,
            spans: &spans,
            waiting: &waiting,
            panic: &panic,
            start,
        };
        rayon::scope(|scope| {
            for i in (0..n).filter(|&i| self.inputs[i].is_empty()) {
                let ctx = &ctx;
                scope.spawn(move |s| ctx.run_task(s, i));
            }
        });
        if let Some(payload) = panic.into_inner().unwrap_or_else(|e| e.into_inner()) {
            std::panic::resume_unwind(payload);
        }
        let values = results
            .into_iter()
            .map(|r| match r.into_inner() {
                Some(v) => v,
                None => unreachable!("every task runs when no task panics"),
            })
            .collect();
        let spans = spans
            .into_iter()
            .map(|s| s.into_inner().unwrap_or_default())
            .collect();
        (values, spans)
    }
}

struct RunContext<'a> {
    plan: &'a Plan,
    results: &'a [OnceLock<Value>],
    spans: &'a [OnceLock<(Duration, Duration)>],
    waiting: &'a [AtomicUsize],
    panic: &'a Mutex<Option<Box<dyn Any + Send>>>,
    start: Instant,
}

impl<'a> RunContext<'a> {
    fn run_task<'s>(&'s self, scope: &rayon::Scope<'s>, i: usize) {
        if self.panic.lock().map(|p| p.is_some()).unwrap_or(true) {
            return;
        }
        let inputs: Vec<Value> = self.plan.inputs[i]
            .iter()
            .map(|&j| match self.results[j].get() {
                Some(v) => Arc::clone(v),
                None => unreachable!("a task starts only after its inputs"),
            })
            .collect();
        let began = self.start.elapsed();
        let node = &self.plan.nodes[i];
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::interrupt::check("compute");
            (node.run)(&inputs)
        }));
        let ended = self.start.elapsed();
        match outcome {
            Ok(value) => {
                let _ = self.results[i].set(value);
                let _ = self.spans[i].set((began, ended));
                for &user in &self.plan.users[i] {
                    if self.waiting[user].fetch_sub(1, Ordering::AcqRel) == 1 {
                        scope.spawn(move |s| self.run_task(s, user));
                    }
                }
            }
            Err(payload) => {
                if let Ok(mut slot) = self.panic.lock() {
                    slot.get_or_insert(payload);
                }
            }
        }
    }
}

impl<T: Clone + Send + Sync + 'static> Delayed<T> {
    /// Runs the graph and returns this promise's value. Every task runs
    /// once, as soon as its inputs are ready; independent tasks run at the
    /// same time on the current rayon pool.
    ///
    /// # Panics
    ///
    /// If a task panics, no new task starts, and the panic is passed on
    /// once the running ones have finished.
    pub fn compute(&self) -> T {
        let plan = Plan::of(&self.node);
        let (values, _) = plan.run(Instant::now());
        take(&values[values.len() - 1])
    }

    /// Like [`compute`](Delayed::compute), and also measures each task:
    /// the result holds the value, the wall time, and the run as a
    /// [`TaskGraph`] with each task's measured duration in milliseconds.
    ///
    /// ```
    /// use parallel_course::delayed::delayed;
    ///
    /// let a = delayed("a", (), |()| 2);
    /// let b = delayed("b", &a, |x| x * 10);
    /// let run = b.compute_timed();
    /// assert_eq!(run.value, 20);
    /// assert_eq!(run.graph.tasks().len(), 2);
    /// ```
    pub fn compute_timed(&self) -> TimedRun<T> {
        let plan = Plan::of(&self.node);
        let start = Instant::now();
        let (values, spans) = plan.run(start);
        let wall = start.elapsed();
        let mut graph = TaskGraph::new();
        let mut ids: Vec<TaskId> = Vec::with_capacity(plan.nodes.len());
        for (i, node) in plan.nodes.iter().enumerate() {
            let (began, ended) = spans[i];
            let ms = (ended.saturating_sub(began)).as_secs_f64() * 1e3;
            let after: Vec<TaskId> = plan.inputs[i].iter().map(|&j| ids[j]).collect();
            match graph.task(&node.name, ms, &after) {
                Ok(id) => ids.push(id),
                Err(_) => unreachable!("durations are finite and inputs come first"),
            }
        }
        TimedRun {
            value: take(&values[values.len() - 1]),
            wall,
            graph,
        }
    }
}

impl<T> Delayed<T> {
    /// The name given to this promise's task.
    pub fn name(&self) -> &str {
        &self.node.name
    }

    /// The number of distinct tasks in the graph below (and including)
    /// this promise: what one [`compute`](Delayed::compute) runs.
    pub fn len(&self) -> usize {
        Plan::of(&self.node).nodes.len()
    }

    /// Always false: a promise is at least its own task.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The graph as a Mermaid flowchart (inputs on the left), which
    /// JupyterLab draws: the counterpart of Dask's `visualize()`.
    ///
    /// ```
    /// use parallel_course::delayed::delayed;
    ///
    /// let x = delayed("load", (), |()| 1);
    /// let y = delayed("clean", &x, |v| v + 1);
    /// let text = y.diagram().to_string();
    /// assert!(text.starts_with("flowchart LR"));
    /// assert_eq!(text.matches("-->").count(), 1);
    /// assert!(text.contains("accDescr: load needs no other task. clean waits for load, and gives the result."));
    /// ```
    pub fn diagram(&self) -> Diagram {
        let plan = Plan::of(&self.node);
        let last = plan.nodes.len() - 1;
        let steps: Vec<String> = plan
            .nodes
            .iter()
            .zip(&plan.waits_for)
            .enumerate()
            .map(|(i, (node, ins))| {
                let names: Vec<&str> =
                    ins.iter().map(|&j| plan.nodes[j].name.as_str()).collect();
                let when = match names.as_slice() {
                    [] => "needs no other task".to_string(),
                    names => format!("waits for {}", names.join(" and ")),
                };
                let result = if i == last {
                    ", and gives the result"
                } else {
                    ""
                };
                format!("{} {when}{result}", node.name)
            })
            .collect();
        let title = format!("Task graph of {} tasks", plan.nodes.len());
        let mut out = Diagram::flowchart_head(&title, &steps);
        for (i, node) in plan.nodes.iter().enumerate() {
            let label = crate::display::escape_html(&node.name).replace('"', "#quot;");
            if i == last {
                out.push_str(&format!("    t{i}[[\"{label}\"]]\n"));
            } else {
                out.push_str(&format!("    t{i}[\"{label}\"]\n"));
            }
        }
        for (i, ins) in plan.waits_for.iter().enumerate() {
            for j in ins {
                out.push_str(&format!("    t{j} --> t{i}\n"));
            }
        }
        Diagram(out)
    }

    /// Shows the graph in the notebook (a promise has no value to show
    /// until it is computed).
    pub fn evcxr_display(&self) {
        let d = self.diagram();
        let text = format!("{self:?}\n{d}");
        emit(&[("text/plain", &text), ("text/vnd.mermaid", &d.0)]);
    }
}

/// The result of [`Delayed::compute_timed`].
#[derive(Debug, Clone)]
pub struct TimedRun<T> {
    /// The promise's value.
    pub value: T,
    /// Wall time of the whole run.
    pub wall: Duration,
    /// The tasks that ran, with their measured durations in milliseconds,
    /// as a task graph: its [`serial_time`](TaskGraph::serial_time) is the
    /// work, its [`critical_path`](TaskGraph::critical_path) the time no
    /// number of cores can beat.
    pub graph: TaskGraph,
}

impl<T> TimedRun<T> {
    /// The sum of all task times divided by the wall time: how many cores
    /// were busy on average.
    pub fn parallelism(&self) -> f64 {
        self.graph.serial_time() / 1e3 / self.wall.as_secs_f64().max(1e-12)
    }
}

impl<T: std::fmt::Debug> std::fmt::Display for TimedRun<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let work = self.graph.serial_time() / 1e3;
        let critical = self.graph.critical_path().length / 1e3;
        write!(
            f,
            "value {:?}\nwall time {}, work {} in {} tasks (on average {:.2} cores busy), \
             critical path {}",
            self.value,
            crate::format::format_seconds(self.wall.as_secs_f64(), 3),
            crate::format::format_seconds(work, 3),
            self.graph.tasks().len(),
            self.parallelism(),
            crate::format::format_seconds(critical, 3),
        )
    }
}

impl<T: std::fmt::Debug> TimedRun<T> {
    /// Shows the summary in the notebook.
    pub fn evcxr_display(&self) {
        emit(&[("text/plain", &self.to_string())]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn nothing_runs_until_compute() {
        let runs = Arc::new(AtomicU32::new(0));
        let r = Arc::clone(&runs);
        let x = delayed("x", (), move |()| {
            r.fetch_add(1, Ordering::SeqCst);
            5
        });
        let y = delayed("y", &x, |v| v * 2);
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        assert_eq!(y.compute(), 10);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_shared_input_runs_once_per_compute() {
        let runs = Arc::new(AtomicU32::new(0));
        let r = Arc::clone(&runs);
        let x = delayed("x", (), move |()| {
            r.fetch_add(1, Ordering::SeqCst);
            1 + 2
        });
        let y = delayed("y", &x, |x| x + 3);
        let z = delayed("z", (&x, &y), |(x, y)| x + y);
        assert_eq!(z.compute(), 9);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        // Separate computes start afresh, as in Dask.
        assert_eq!(y.compute(), 6);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn the_same_promise_twice_as_input_runs_once() {
        let runs = Arc::new(AtomicU32::new(0));
        let r = Arc::clone(&runs);
        let x = delayed("x", (), move |()| {
            r.fetch_add(1, Ordering::SeqCst);
            4
        });
        let sq = delayed("square", (&x, &x), |(a, b)| a * b);
        assert_eq!(sq.compute(), 16);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(sq.len(), 2);
    }

    #[test]
    fn gathering_keeps_the_order_of_the_inputs() {
        let parts: Vec<Delayed<u64>> = (0..10)
            .map(|n| delayed(format!("add({n}, {n})"), (), move |()| n + n))
            .collect();
        let all = delayed("gather", &parts, |v: Vec<u64>| v);
        assert_eq!(all.compute(), (0..10).map(|n| 2 * n).collect::<Vec<_>>());
        assert_eq!(all.len(), 11);
    }

    #[test]
    fn independent_tasks_run_at_the_same_time() {
        // Two tasks that each wait for the other to have started can only
        // finish if they run at the same time.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let (b1, b2) = (Arc::clone(&barrier), Arc::clone(&barrier));
        let a = delayed("a", (), move |()| {
            b1.wait();
            1
        });
        let b = delayed("b", (), move |()| {
            b2.wait();
            2
        });
        let both = delayed("both", (&a, &b), |(a, b)| a + b);
        assert_eq!(pool.install(|| both.compute()), 3);
    }

    #[test]
    fn a_panicking_task_stops_the_run_and_is_passed_on() {
        let later = Arc::new(AtomicU32::new(0));
        let l = Arc::clone(&later);
        let bad = delayed("bad", (), |()| -> u32 { panic!("task failed") });
        let after = delayed("after", &bad, move |v| {
            l.fetch_add(1, Ordering::SeqCst);
            v
        });
        let caught =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| after.compute()));
        assert!(caught.is_err());
        assert_eq!(later.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let mut p = delayed("start", (), |()| 0u64);
        for _ in 0..20_000 {
            p = delayed("step", &p, |v| v + 1);
        }
        assert_eq!(p.compute(), 20_000);
    }

    #[test]
    fn timed_run_is_a_task_graph_with_the_same_shape() {
        let x = delayed("x", (), |()| 1);
        let y = delayed("y", &x, |x| x + 1);
        let z = delayed("z", (&x, &y), |(x, y)| x + y);
        let run = z.compute_timed();
        assert_eq!(run.value, 3);
        let names: Vec<&str> =
            run.graph.tasks().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["x", "y", "z"]);
        assert_eq!(run.graph.tasks()[2].after.len(), 2);
        assert!(run.graph.critical_path().tasks == ["x", "y", "z"]);
    }

    #[test]
    fn diagram_has_one_box_per_task_and_one_arrow_per_dependency() {
        let x = delayed("x", (), |()| 1);
        let y = delayed("y", &x, |x| x + 3);
        let z = delayed("z", (&x, &y), |(x, y)| x + y);
        let d = z.diagram().0;
        assert_eq!(d.matches("\"]").count(), 3, "{d}");
        assert_eq!(d.matches("-->").count(), 3, "{d}");
        assert!(d.contains("t2[[\"z\"]]"), "the result is drawn apart: {d}");
    }
}
