//! Checkpoints: a long computation that saves its progress and, after a
//! crash or an interrupt, starts again from its last save instead of from zero.
//!
//! The computation is episode 3's π estimate, cut into the same chunks as
//! [`pi_chunked`](parallel_course::workloads::pi::pi_chunked): every chunk has
//! its own random stream, so the count of a chunk does not depend on when or
//! where it runs, and a resumed run gives exactly the uninterrupted result.
//! Each step counts a batch of chunks in parallel with rayon, then writes a
//! [`PiProgress`] with `serde` and `postcard`, atomically: to a temporary
//! file first, renamed over the old checkpoint only once it is complete, so
//! a crash while saving leaves the previous checkpoint intact.

use std::fs;
use std::io::Write;
use std::path::Path;

use parallel_course::interrupt::check_interrupt;
use parallel_course::rayon::prelude::*;
use parallel_course::workloads::pi::{chunk_count, count_chunks, estimate_from};
use parallel_course::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// How far a π run has come: what it is computing, the next chunk to count
/// and the points inside the circle so far.
///
/// ```
/// use course_dynamic::checkpoint::PiProgress;
/// let start = PiProgress::start(1_000_000, 7);
/// assert_eq!((start.next_chunk, start.inside), (0, 0));
/// assert!(!start.is_done());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiProgress {
    /// Samples in the whole run.
    pub n: u64,
    /// The run's seed.
    pub seed: u64,
    /// The first chunk not counted yet.
    pub next_chunk: u64,
    /// Points inside the circle in chunks `0..next_chunk`.
    pub inside: u64,
}

impl PiProgress {
    /// A run of `n` samples with `seed`, nothing counted yet.
    pub fn start(n: u64, seed: u64) -> Self {
        PiProgress {
            n,
            seed,
            next_chunk: 0,
            inside: 0,
        }
    }

    /// Whether every chunk has been counted.
    pub fn is_done(&self) -> bool {
        self.next_chunk >= chunk_count(self.n)
    }

    /// The estimate from the chunks counted so far (the final one once done).
    pub fn estimate(&self) -> f64 {
        let counted =
            (self.next_chunk * parallel_course::workloads::pi::CHUNK).min(self.n);
        estimate_from(self.inside, counted.max(1))
    }
}

/// Writes `value` to `path` with postcard, atomically: into `path` with
/// `.tmp` appended, flushed to disk, then renamed over `path`. Creates the
/// folder if needed.
///
/// ```
/// use course_dynamic::checkpoint::{load_checkpoint, save_checkpoint, PiProgress};
/// let path = std::env::temp_dir().join(format!("doc-save-{}.bin", std::process::id()));
/// save_checkpoint(&path, &PiProgress::start(10, 1))?;
/// assert_eq!(load_checkpoint::<PiProgress>(&path)?, Some(PiProgress::start(10, 1)));
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Io`] if the folder or file cannot be written; [`Error::Worker`]
/// if the value cannot be encoded.
pub fn save_checkpoint<T: Serialize>(path: impl AsRef<Path>, value: &T) -> Result<()> {
    let path = path.as_ref();
    let io = |action: &str, e| Error::Io {
        action: format!("{action} {}", path.display()),
        source: e,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| io("creating the folder of", e))?;
    }
    let bytes = postcard::to_allocvec(value)
        .map_err(|e| Error::Worker(format!("encoding a checkpoint: {e}")))?;
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = Path::new(&tmp_name);
    let mut file = fs::File::create(tmp).map_err(|e| io("writing", e))?;
    file.write_all(&bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io("writing", e))?;
    fs::rename(tmp, path).map_err(|e| io("replacing", e))
}

/// Reads a checkpoint written by [`save_checkpoint`]: `Ok(None)` if there is
/// none yet.
///
/// ```
/// use course_dynamic::checkpoint::{load_checkpoint, PiProgress};
/// assert_eq!(load_checkpoint::<PiProgress>("no/such/checkpoint.bin")?, None);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Io`] if the file exists but cannot be read; [`Error::Setup`] if
/// it is not a checkpoint of this type (written by other code, or damaged):
/// the message names the file, which is left as it is.
pub fn load_checkpoint<T: DeserializeOwned>(path: impl AsRef<Path>) -> Result<Option<T>> {
    let path = path.as_ref();
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Io {
                action: format!("reading {}", path.display()),
                source: e,
            });
        }
    };
    postcard::from_bytes(&bytes).map(Some).map_err(|e| {
        Error::Setup(format!(
            "{} is not a checkpoint this code can read ({e}); move it away to start afresh",
            path.display()
        ))
    })
}

/// π from `n` samples with `seed`, saving a checkpoint to `path` after every
/// `chunks_per_step` chunks (counted in parallel) and starting from the
/// checkpoint if one is there. `crash_after` simulates a crash: the run stops
/// with an error after that many steps of this call. The checkpoint is
/// removed once the run is complete. An interrupt stops it between steps,
/// with its progress saved.
///
/// ```
/// use course_dynamic::checkpoint::pi_resumable;
/// use parallel_course::workloads::pi::pi_chunked;
/// let path = std::env::temp_dir().join(format!("doc-pi-{}.bin", std::process::id()));
/// assert!(pi_resumable(2_000_000, 5, &path, 2, Some(1)).is_err()); // crashes after one step
/// assert!(path.exists());
/// assert_eq!(pi_resumable(2_000_000, 5, &path, 2, None)?, pi_chunked(2_000_000, 5));
/// assert!(!path.exists());
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for `n` or `chunks_per_step` of 0, or a
/// checkpoint at `path` for another `n` or seed; [`Error::Worker`] for the
/// simulated crash; the errors of [`save_checkpoint`] and [`load_checkpoint`].
pub fn pi_resumable(
    n: u64,
    seed: u64,
    path: impl AsRef<Path>,
    chunks_per_step: u64,
    crash_after: Option<u64>,
) -> Result<f64> {
    let path = path.as_ref();
    if n == 0 || chunks_per_step == 0 {
        let (name, value) = if n == 0 {
            ("n", n)
        } else {
            ("chunks_per_step", chunks_per_step)
        };
        return Err(Error::InvalidArgument {
            name,
            value: value.to_string(),
            allowed: "1 or more",
        });
    }
    let mut progress = match load_checkpoint::<PiProgress>(path)? {
        Some(p) if (p.n, p.seed) != (n, seed) => {
            return Err(Error::InvalidArgument {
                name: "path",
                value: format!(
                    "{} (a run with n = {}, seed = {})",
                    path.display(),
                    p.n,
                    p.seed
                ),
                allowed: "a checkpoint of the same n and seed, or none: move it away to start this run afresh",
            });
        }
        Some(p) => p,
        None => PiProgress::start(n, seed),
    };
    let mut steps = 0;
    while !progress.is_done() {
        check_interrupt();
        if crash_after.is_some_and(|limit| steps >= limit) {
            return Err(Error::Worker(format!(
                "simulated crash after {steps} steps, at chunk {} of {}",
                progress.next_chunk,
                chunk_count(n)
            )));
        }
        let end = (progress.next_chunk + chunks_per_step).min(chunk_count(n));
        progress.inside += (progress.next_chunk..end)
            .into_par_iter()
            .map(|chunk| count_chunks(n, seed, chunk..chunk + 1))
            .sum::<u64>();
        progress.next_chunk = end;
        save_checkpoint(path, &progress)?;
        steps += 1;
    }
    fs::remove_file(path).map_err(|e| Error::Io {
        action: format!("removing {}", path.display()),
        source: e,
    })?;
    Ok(progress.estimate())
}
