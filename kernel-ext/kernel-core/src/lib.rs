//! The course kernel's decisions, kept apart from evcxr so that they can be
//! read and tested quickly: the kernel binary (`kernel-ext/kernel`) wires
//! them to Jupyter's sockets and to evcxr.
//!
//! | module | what |
//! |---|---|
//! | [`wire`] | Jupyter's messages: frames, signatures, headers |
//! | [`completeness`] | whether a cell's code is finished, for the console's Shift+Enter |
//! | [`console_history`] | the learner's inputs across kernels, for the console's up arrow |
//! | [`build_cache`] | locks that keep kernels started together from reading each other's half-written cache entries |
//! | [`deps`] | evcxr's `:dep` lines, read |
//! | [`magics`] | IPython's `%time`, `%%time`, `%timeit`, `%%timeit` and the kernel's own `%rebuild`, translated |
//! | [`display`] | the live display lines of the cell's process, read back |
//! | [`procfs`] | the cell's process seen from outside: caught signals, CPU time, memory, descendants |
//! | [`text`] | cursor positions in code points and bytes |
//! | [`lockfile`] | the course's `Cargo.lock` laid over a kernel's |
//! | [`history`] | the cells that made the variables, to rebuild them after the cell's process was stopped |
//! | [`parent`] | whether the process that started the kernel is gone |
//! | [`allocator`] | which memory allocator the kernel runs on: mimalloc, or the system's, trimmed after each cell |
//! | [`outcome`] | what became of a cell (kept, interrupted, panicked, stopped, out of memory), and the `%%time` and `:timing` lines |

/// The environment variable, set by the kernelspec, that names the
/// course's folder: the kernel preloads the support crate from there.
pub const COURSE_ROOT_ENV: &str = "COURSE_ROOT";

/// The environment variable, set by the kernelspec, that names the real
/// `cargo` the kernel's own `cargo` (see [`lockfile`]) hands over to.
pub const REAL_CARGO_ENV: &str = "COURSE_REAL_CARGO";

/// The environment variable, set by the kernelspec, that names the
/// kernels' folder: where each kernel takes a slot to build cells in. The
/// cells' own `TMPDIR` is left as it is, so that a learner's temporary
/// files never land among the kernels' folders.
pub const KERNELS_DIR_ENV: &str = "COURSE_KERNELS_DIR";

/// The file, in a kernel's build folder, that the kernel holds locked for
/// as long as it lives: the launcher's clean-up leaves a folder alone while
/// its lock is held.
pub const LIVE_LOCK: &str = ".course-kernel-live";

/// The kernel slots: build folders `slot-N` under the kernels' folder, each
/// used by one kernel at a time (it holds `slot-N.lock`) and kept warm for
/// the next.
pub const SLOT_PREFIX: &str = "slot-";

pub mod allocator;
pub mod build_cache;
pub mod completeness;
pub mod console_history;
pub mod deps;
pub mod display;
pub mod history;
pub mod lockfile;
pub mod magics;
pub mod outcome;
pub mod parent;
pub mod procfs;
pub mod text;
pub mod wire;
