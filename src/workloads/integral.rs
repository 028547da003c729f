//! The 2-D integral of episode 8: `sin(x + y)` over `[0, π]²`, from one
//! core to many machines.
//!
//! The square is cut into an `n × n` grid of cells of side `h = π / n`;
//! each cell contributes `sin(x + y) · h²` at its midpoint. The exact
//! integral is 0 (the grid is symmetric about `x + y = π`, where the sine
//! changes sign), so what an answer shows is rounding, of order 10⁻¹².
//! The course uses `n = 10⁴`: 10⁸ sines.
//!
//! Every variant splits the work by **rows** (`i`, the x index): a block
//! of rows is what a thread, a process or an MPI rank computes. The sum
//! of one block is [`integral_rows`]; the variants differ only in who
//! computes which block.
//!
//! | function | who computes the blocks |
//! |---|---|
//! | [`integral_serial`] | one loop over every row |
//! | [`integral_threads`] | one scoped thread per block of rows |
//! | [`integral_par`] | rayon, one task per row |
//! | [`integral_processes`] | one worker process per block (the program `integral-worker`) |
//!
//! The MPI version is the program `integral-mpi` in the course's `crates/mpi/`
//! folder, run with [`cluster::mpirun`](crate::cluster::mpirun); it calls
//! [`integral_rows`] on each rank's block.
//!
//! Blocks are added in a different order from the serial loop, so the
//! variants agree to about 10⁻¹², not bit for bit: compare them with
//! [`agree`].

use std::ops::Range;

use rayon::prelude::*;

use crate::error::Result;
use crate::workloads::block_ranges;
use crate::workloads::processes::{helper_program, run_workers, spawn_worker};

/// The grid size the course uses: a 10⁴ × 10⁴ grid, 10⁸ sines.
pub const N: usize = 10_000;

/// How far apart two answers for the same `n` may be and still count as
/// the same result: 10⁻⁹, far above rounding (about 10⁻¹²), far below
/// any real mistake (a missing row of `n = 10⁴` changes the sum by about
/// 10⁻⁴).
pub const TOLERANCE: f64 = 1e-9;

/// True when `a` and `b` are the same integral up to rounding
/// ([`TOLERANCE`]).
///
/// ```
/// use parallel_course::workloads::integral::{agree, integral_par, integral_serial};
/// assert!(agree(integral_serial(500), integral_par(500)));
/// assert!(!agree(0.0, 1e-6));
/// ```
pub fn agree(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOLERANCE
}

/// The sum over the rows `rows` of an `n × n` grid: every cell
/// `(i, j)` with `i` in `rows` contributes `sin(x_i + y_j) · h²` with
/// `x_i = (i + ½) h`, `y_j = (j + ½) h`, `h = π / n`.
///
/// Rows past `n` are ignored, so a block may end beyond the grid.
///
/// ```
/// use parallel_course::workloads::integral::integral_rows;
/// let n = 1_000;
/// let whole = integral_rows(n, 0..n);
/// let halves = integral_rows(n, 0..n / 2) + integral_rows(n, n / 2..n);
/// assert!((whole - halves).abs() < 1e-12);
/// ```
pub fn integral_rows(n: usize, rows: Range<usize>) -> f64 {
    if n == 0 {
        return 0.0; // no cells (and h would be infinite: 0 · ∞ is NaN)
    }
    let h = std::f64::consts::PI / n as f64;
    let mut total = 0.0;
    for i in rows.start..rows.end.min(n) {
        if crate::interrupt::stop_requested("the integral") {
            break;
        }
        let x = (i as f64 + 0.5) * h;
        let mut row = 0.0;
        // In blocks of columns, with a look for an interrupt between them:
        // one row of a huge grid is already a long piece of work.
        let mut j0 = 0;
        while j0 < n {
            let end = n.min(j0.saturating_add(COLUMNS_PER_CHECK));
            for j in j0..end {
                let y = (j as f64 + 0.5) * h;
                row += (x + y).sin();
            }
            j0 = end;
            if j0 < n && crate::interrupt::stop_requested("the integral") {
                return 0.0;
            }
        }
        total += row;
    }
    total * h * h
}

/// Cells of a row between two looks for an interrupt.
const COLUMNS_PER_CHECK: usize = 1 << 16;

/// The rows that part `part` of `parts` computes: `0..n` cut into `parts`
/// consecutive blocks whose sizes differ by at most one. Thread `t`, worker
/// process `t` and MPI rank `t` all get `rows_of_part(n, t, parts)`; a part
/// beyond the last gets an empty range.
///
/// ```
/// use parallel_course::workloads::integral::rows_of_part;
/// assert_eq!(rows_of_part(10, 0, 3), 0..4);
/// assert_eq!(rows_of_part(10, 2, 3), 7..10);
/// assert!(rows_of_part(10, 5, 3).is_empty());
/// ```
pub fn rows_of_part(n: usize, part: usize, parts: usize) -> Range<usize> {
    if part >= parts {
        return n..n;
    }
    // The block `block_ranges` gives, computed directly rather than by
    // stepping through `part` blocks (a huge `part` would take minutes).
    let (base, extra) = (n / parts, n % parts);
    let start = part * base + part.min(extra);
    start..start + base + usize::from(part < extra)
}

/// The integral on an `n × n` grid in one loop (`n = 0` gives 0).
///
/// ```
/// use parallel_course::workloads::integral::integral_serial;
/// assert!(integral_serial(1_000).abs() < 1e-9);
/// ```
pub fn integral_serial(n: usize) -> f64 {
    integral_rows(n, 0..n)
}

/// The integral with one rayon task per row, the row sums added by
/// rayon's `sum`.
///
/// ```
/// use parallel_course::workloads::integral::{agree, integral_par, integral_serial};
/// assert!(agree(integral_par(1_000), integral_serial(1_000)));
/// ```
pub fn integral_par(n: usize) -> f64 {
    (0..n)
        .into_par_iter()
        .panic_fuse() // after an interrupt, no row starts
        .map(|i| integral_rows(n, i..i + 1))
        .sum()
}

/// The integral with the rows cut into `threads` blocks of (nearly)
/// equal size, one scoped thread per block.
///
/// ```
/// use parallel_course::workloads::integral::{agree, integral_serial, integral_threads};
/// assert!(agree(integral_threads(1_000, 3)?, integral_serial(1_000)));
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `threads` is 0, [`Error::Worker`](crate::Error::Worker) if a
/// thread panics.
pub fn integral_threads(n: usize, threads: usize) -> Result<f64> {
    let threads = crate::limits::threads("threads", threads)?;
    let blocks = block_ranges(n, threads);
    let sums =
        super::on_scoped_threads(blocks, "integrating", |rows| integral_rows(n, rows))?;
    Ok(sums.into_iter().sum())
}

/// The integral shared out among `processes` worker processes (the
/// program `integral-worker`, which `./lab` builds), each computing one
/// block of rows and writing its sum to a pipe, the episode-4 way.
///
/// ```no_run
/// use parallel_course::workloads::integral::integral_processes;
/// let total = integral_processes(10_000, 2)?;
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `processes` is 0, [`Error::Setup`](crate::Error::Setup) if
/// the worker program is not built, [`Error::Worker`](crate::Error::Worker) if a worker fails.
pub fn integral_processes(n: usize, processes: usize) -> Result<f64> {
    let processes = crate::limits::processes("processes", processes)?;
    let program = helper_program("integral-worker")?;
    let sums: Vec<f64> = run_workers(block_ranges(n, processes), |rows| {
        spawn_worker(&program, [n, rows.start, rows.end])
    })?;
    Ok(sums.into_iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_integral_is_zero_up_to_rounding() {
        for n in [1, 2, 7, 100, 1_000] {
            assert!(integral_serial(n).abs() < 1e-12, "n = {n}");
        }
    }

    #[test]
    fn one_block_of_rows_is_not_zero_but_the_blocks_cancel() {
        let n = 1_000;
        let first_half = integral_rows(n, 0..n / 2);
        // ∫₀^{π/2} ∫₀^π sin(x + y) dy dx = 2.
        assert!((first_half - 2.0).abs() < 1e-5, "{first_half}");
        assert!(agree(first_half + integral_rows(n, n / 2..n), 0.0));
    }

    #[test]
    fn every_variant_agrees_with_the_serial_loop() {
        let n = 600;
        let serial = integral_serial(n);
        assert!(agree(integral_par(n), serial));
        for threads in [1, 2, 3, 7, 1_000] {
            assert!(agree(integral_threads(n, threads).unwrap(), serial));
        }
    }

    #[test]
    fn rows_past_the_grid_are_ignored() {
        assert_eq!(integral_rows(10, 5..50), integral_rows(10, 5..10));
        assert_eq!(integral_rows(10, 20..30), 0.0);
    }

    #[test]
    fn zero_threads_or_processes_are_refused_with_the_allowed_range() {
        let e = integral_threads(10, 0).unwrap_err().to_string();
        assert!(
            e.starts_with("invalid `threads`: 0; allowed: 1 to 1024 threads"),
            "{e}"
        );
        let e = integral_processes(10, 0).unwrap_err().to_string();
        assert!(
            e.starts_with("invalid `processes`: 0; allowed: 1 to 256 worker processes"),
            "{e}"
        );
    }

    #[test]
    fn rows_of_part_is_each_block_of_block_ranges_even_for_huge_counts() {
        for (n, parts) in [(10, 3), (10, 1), (3, 5), (0, 2), (10_000, 7)] {
            let blocks: Vec<_> = block_ranges(n, parts).collect();
            for (part, block) in blocks.iter().enumerate() {
                assert_eq!(rows_of_part(n, part, parts), *block, "n {n} parts {parts}");
            }
            assert!(rows_of_part(n, parts, parts).is_empty());
        }
        // At once, where stepping through the parts would take minutes.
        assert_eq!(rows_of_part(10, usize::MAX - 1, usize::MAX), 10..10);
        assert_eq!(
            rows_of_part(usize::MAX, 1, 2),
            usize::MAX / 2 + 1..usize::MAX
        );
        assert!(rows_of_part(10, 0, 0).is_empty());
    }

    #[test]
    fn agreement_is_within_the_tolerance_only() {
        assert!(agree(1.0, 1.0 + TOLERANCE / 2.0));
        assert!(!agree(1.0, 1.0 + TOLERANCE * 2.0));
    }
}
