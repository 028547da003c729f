//! Support crate for **Parallel Programming in Rust**, a course taught in
//! JupyterLab on a Rust kernel.
//!
//! A notebook loads this crate in its first cell and imports the prelude:
//!
//! ```text
//! :dep parallel_course = { path = ".." }
//! use parallel_course::prelude::*;
//! ```
//!
//! # What is here
//!
//! * **Measuring**, mirroring the tools of the Python lesson:
//!   - [`timeit!`] / [`time_it`](timing::time_it): IPython's `%timeit`, the
//!     same auto-ranging and the same output line; [`Timer`](timing::Timer)
//!     for fixed loops and runs.
//!   - [`time!`] / [`time_once`](timing::time_once): `%time`, wall and CPU
//!     time of one run.
//!   - [`memory_usage`](memory::memory_usage): memory_profiler's sampler,
//!     with an exact peak on Linux, plotted with
//!     [`MemoryChart`](memory::MemoryChart).
//!   - [`core_counts`](cpu::core_counts) and the per-core CPU monitor
//!     [`monitor_cpus`](cpu::monitor_cpus): are we really parallel?
//!   - [`scaling_study`](scaling::scaling_study): time, speed-up and
//!     efficiency over thread counts, with an Amdahl fit.
//!   - [`memory_bandwidth`](machine::memory_bandwidth): what the memory can
//!     move, the yardstick of a memory-bound loop.
//! * **Plots and tables**: [`Figure`](plot::Figure),
//!   [`LineChart`](plot::LineChart) and [`BarChart`](plot::BarChart), SVG
//!   drawn by plotters, shown inline; [`Table`](table::Table) for results
//!   that are not timings. [`display`] holds the kernel's output protocol
//!   they all use.
//! * **Workloads**, serial and parallel, in [`workloads`]: sums, π, shared
//!   counters, worker processes, word counts over public-domain books, the
//!   Mandelbrot and Julia sets, and a flood on a grid (a stencil from
//!   serial to halo exchange).
//! * **Task graphs**: with durations (the pea soup) in [`taskgraph`]; of
//!   closures, built first and run later on rayon, in [`delayed`].
//! * **Other tools the course drives**: Snakemake workflows in [`workflow`];
//!   the PyO3 module that Python calls, built with maturin, and the scripts
//!   that time it, in [`python`].
//! * **Source**: [`source`](source::source) shows any item's code in the
//!   notebook, with a link to its documentation.
//! * **Build check**: [`build_info()`] proves timings come from optimised
//!   code.
//!
//! The crates notebooks need are re-exported ([`rayon`], [`rand`],
//! [`plotters`]), because a crate that is only a dependency of this one is
//! not visible in cells.
//!
//! # Errors
//!
//! Helpers that take counts or intervals return [`Error`] on bad input
//! (zero repeats, zero threads, a zero interval), with a message naming
//! the argument and the values allowed.
//!
//! # Conventions
//!
//! The toolkit keeps a few rules everywhere, so that one part teaches the
//! habits of the others:
//!
//! * **One call for the common case, a builder for the rest**:
//!   [`timeit!`] / [`Timer`](timing::Timer), [`memory_usage`](memory::memory_usage) /
//!   [`MemorySampler`](memory::MemorySampler), [`monitor_cpus`](cpu::monitor_cpus) /
//!   [`CpuMonitor`](cpu::CpuMonitor), [`scaling_study`](scaling::scaling_study) /
//!   [`ScalingStudy`](scaling::ScalingStudy).
//! * **Anything that can fail returns [`Result`]**, including the one-call
//!   forms; the macros, which have no `?` to hand to, panic with the same
//!   message. Code under measurement that fails is never timed:
//!   `timeit!` stops, [`Timer::try_run`](timing::Timer::try_run) returns the error.
//! * **Times**: a span measured once (a run's wall time, CPU time, a sampling
//!   interval) is a [`Duration`](std::time::Duration); numbers made to
//!   compute with (a timing's mean and spread, as in IPython's
//!   `TimeitResult`, points on a plot's axis) are `f64` seconds.
//! * **Builders take `self`, tables take `&mut self`**: a chart or a
//!   measurement is configured in one expression and consumed
//!   (`MemoryChart::new().add(…).add(…).draw()`); a table grows a row at a
//!   time, across statements and cells (`table.add(…)`, `table.row(…)`).
//! * **Results are values**: every measurement returns a struct with public
//!   fields, whose `Display` is the line a person wants to read and whose
//!   notebook display is a table or a plot.

#![deny(missing_docs)]

pub mod build_info;
mod child;
pub mod cluster;
pub mod cpu;
pub mod delayed;
pub mod display;
pub mod error;
pub mod format;
pub mod interrupt;
pub mod limits;
pub mod machine;
pub mod memory;
mod os;
pub mod plot;
pub mod python;
mod sampling;
pub mod scaling;
pub mod source;
pub mod stats;
pub mod table;
pub mod taskgraph;
pub mod timing;
pub mod workflow;
pub mod workloads;

pub use build_info::{BuildInfo, build_info};
pub use error::{Error, Result};

pub use plotters;
pub use rand;
pub use rayon;

/// Everything a notebook cell needs, in one import:
/// `use parallel_course::prelude::*;`
pub mod prelude {
    pub use crate::build_info::{BuildInfo, build_info};
    pub use crate::cluster::{
        JobAccounting, JobReport, MpiOutput, Mpirun, SlurmJob, SubmittedJob, mpi_program,
        mpirun, sacct, slurm_nodes, slurm_status, squeue,
    };
    pub use crate::cpu::{
        CoreCounts, CpuMonitor, CpuProfile, core_counts, logical_cores, monitor_cpus,
        physical_cores,
    };
    pub use crate::delayed::{Delayed, delayed};
    pub use crate::display::ShowDebug;
    pub use crate::error::Error;
    pub use crate::format::format_seconds;
    pub use crate::interrupt::check_interrupt;
    pub use crate::machine::{Bandwidth, memory_bandwidth};
    pub use crate::memory::{MemoryChart, MemoryProfile, MemorySampler, memory_usage};
    pub use crate::plot::{BarChart, Figure, LineChart};
    pub use crate::scaling::{Scaling, ScalingStudy, scaling_study};
    pub use crate::source::{Source, source};
    pub use crate::table::Table;
    pub use crate::taskgraph::{TaskGraph, TaskId, pea_soup};
    pub use crate::timing::{Timed, Timer, Timing, TimingTable, time_it, time_once};
    pub use crate::workflow::{Snakemake, SnakemakeRun, snakemake};
    pub use crate::workloads::flood::{
        Block, Flood, FloodFilm, Link, exchange_halos, flood_ranks, flood_rows_par,
        flood_serial, flood_tiles_par, step_row,
    };
    pub use crate::workloads::fractal::{
        BoundingBox, Complex64, FractalImage, Tile, julia, julia_par, mandelbrot,
        mandelbrot_rows_par, mandelbrot_serial, mandelbrot_static, mandelbrot_tiles_par,
    };
    pub use crate::workloads::integral::{
        integral_par, integral_processes, integral_rows, integral_serial,
        integral_threads, rows_of_part,
    };
    pub use crate::workloads::lanes::{
        LANES, SIN_MAX_ERROR, Simd, escape_lanes, integral_lanes, integral_lanes_par,
        integral_rows_lanes, mandelbrot_lanes, mandelbrot_lanes_par, simd, sin_lanes,
    };
    pub use crate::workloads::patterns::{
        fibonacci, fibonacci_fast, logistic_map, squares, squares_par, sum_split,
    };
    pub use crate::workloads::pi::{
        chunk_rng, count_inside, pi_batched, pi_chunked, pi_iter, pi_loop, pi_par,
        pi_std_rng, pi_threads, standard_error,
    };
    pub use crate::workloads::processes::{helper_program, pi_processes};
    pub use crate::workloads::sharing::{
        pi_atomic, pi_false_sharing, pi_mutex, pi_padded, pi_partials,
    };
    pub use crate::workloads::sum::{
        huge_pages_available, sum_chunked, sum_chunked_par, sum_materialised,
        sum_materialised_par, sum_materialised_small_pages, sum_range, sum_slice,
        sum_slice_par, triangular, vec_with_huge_pages,
    };
    pub use crate::workloads::wordcount::{
        Book, WordCounts, add_word, books, books_table, count_books_par, count_words,
        count_words_par, merge_counts, normalise, top_words, top_words_chart, words,
    };
    pub use crate::{time, timeit};

    pub use crate::{plotters, rand, rayon};
    pub use rand::rngs::{SmallRng, StdRng};
    pub use rand::{Rng, RngExt, SeedableRng};
    pub use rayon::prelude::*;
    pub use std::hint::black_box;
    pub use std::time::{Duration, Instant};
}
