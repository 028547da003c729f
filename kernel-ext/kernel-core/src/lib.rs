//! The course kernel's decisions, kept apart from evcxr so that they can be
//! read and tested quickly: the kernel binary (`kernel-ext/kernel`) wires
//! them to Jupyter's sockets and to evcxr.
//!
//! | module | what |
//! |---|---|
//! | [`wire`] | Jupyter's messages: frames, signatures, headers |
//! | [`build_cache`] | locks that keep kernels started together from reading each other's half-written cache entries |
//! | [`deps`] | evcxr's `:dep` lines, read |
//! | [`magics`] | IPython's `%time`, `%%time`, `%timeit`, `%%timeit` and the kernel's own `%rebuild`, translated |
//! | [`display`] | the live display lines of the cell's process, read back |
//! | [`procfs`] | the cell's process seen from outside: caught signals, CPU time, memory, descendants |
//! | [`text`] | cursor positions in code points and bytes |
//! | [`history`] | the cells that made the variables, to rebuild them after the cell's process was stopped |

pub mod build_cache;
pub mod deps;
pub mod display;
pub mod history;
pub mod magics;
pub mod procfs;
pub mod text;
pub mod wire;
