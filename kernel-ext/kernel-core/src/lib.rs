//! The course kernel's decisions, kept apart from evcxr so that they can be
//! read and tested quickly: the kernel binary (`kernel-ext/kernel`) wires
//! them to Jupyter's sockets and to evcxr.
//!
//! | module | what |
//! |---|---|
//! | [`wire`] | Jupyter's messages: frames, signatures, headers |
//! | [`magics`] | IPython's `%time`, `%%time`, `%timeit`, `%%timeit` and the kernel's own `%rebuild`, translated |
//! | [`display`] | the live display lines of the cell's process, read back |
//! | [`procfs`] | the cell's process seen from outside: caught signals, CPU time, memory, descendants |
//! | [`history`] | the cells that made the variables, to rebuild them after the cell's process was stopped |

pub mod display;
pub mod history;
pub mod magics;
pub mod procfs;
pub mod wire;
