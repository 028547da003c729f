//! Running a closure while a background thread takes readings: the engine
//! shared by the memory sampler and the CPU monitor.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// What [`run_sampled`] hands back.
pub(crate) struct Sampled<T, S> {
    /// The closure's value.
    pub value: T,
    /// What the sampler thread returned.
    pub readings: S,
    /// Wall time of the closure.
    pub wall: Duration,
}

/// Starts a thread named `name` running `sampler`, runs `f`, then tells the
/// sampler to stop (its receiver disconnects) and joins it.
///
/// The sampler gets the start instant and a receiver to wait on between
/// readings: `recv_timeout` returns `Timeout` while it should go on, and
/// anything else once it must stop. If `f` panics, the sampler is stopped
/// and joined first, then the panic continues: no thread is left behind.
pub(crate) fn run_sampled<T, S, F, G>(
    name: &str,
    sampler: G,
    f: F,
) -> Result<Sampled<T, S>>
where
    F: FnOnce() -> T,
    G: FnOnce(Instant, mpsc::Receiver<()>) -> S + Send + 'static,
    S: Send + 'static,
{
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let start = Instant::now();
    let handle = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || sampler(start, stop_rx))
        .map_err(|e| Error::io(format!("starting the {name} thread"), e))?;
    let outcome = catch_unwind(AssertUnwindSafe(f));
    let wall = start.elapsed();
    drop(stop_tx);
    let readings = handle.join();
    let value = match outcome {
        Ok(v) => v,
        Err(panic) => resume_unwind(panic),
    };
    let readings =
        readings.map_err(|_| Error::Worker(format!("the {name} thread panicked")))?;
    Ok(Sampled {
        value,
        readings,
        wall,
    })
}
