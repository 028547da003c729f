//! A flood on a grid (a memory-bound stencil): water spreading over a
//! height map, one time step after another.
//!
//! The land is an `n × n` grid of cells, each with a ground height `z`
//! and a water depth `h` (both in metres; the water's surface is `z + h`).
//! In one time step, water flows across each of a cell's four edges from
//! the higher surface to the lower one: a fraction [`FLOW`] of the
//! difference in surface, but never more water than the giving cell holds.
//! The edges of the map are walls. A cell's new depth depends on its own
//! and its four neighbours' old values: a **5-point stencil**.
//!
//! Each step needs the whole previous step, so time cannot be split among
//! workers; space can. Every version here computes each cell with the same
//! function ([`step_row`]) from the same neighbours, so they agree **bit
//! for bit**, whoever computes which cell:
//!
//! | function | who computes which cells |
//! |---|---|
//! | [`flood_serial`] | one loop over every row, step after step |
//! | [`flood_rows_par`] | rayon, one task per row of the new step |
//! | [`flood_tiles_par`] | rayon, one task per band of tiles; each tile takes a border of `depth` cells and does `depth` steps in cache before writing back (temporal blocking) |
//! | [`flood_ranks`] | one thread per "rank", each owning a block of rows and trading its edge rows (halos) with its neighbours every step: the MPI program's scheme, in one process |
//!
//! The MPI program `flood-mpi` (the course's `crates/mpi/`) runs the same
//! blocks on MPI ranks, on one machine or on the cluster's nodes.
//!
//! ```
//! use parallel_course::workloads::flood::{Flood, flood_rows_par, flood_serial};
//! let start = Flood::dam_break(64, 7)?;
//! let serial = flood_serial(&start, 20)?;
//! assert_eq!(flood_rows_par(&start, 20)?, serial); // every bit
//! assert!((serial.water_total() - start.water_total()).abs() < 1e-9);
//! # Ok::<(), parallel_course::Error>(())
//! ```
//!
//! | module | what |
//! |---|---|
//! | this one | [`Flood`], the kernel [`step_row`], serial, rows and tiles |
//! | `ranks` | [`Block`], [`Link`], [`flood_ranks`], the reference [`exchange_halos`] |
//! | `picture` | [`FloodPicture`] and [`FloodFilm`]: the field drawn |

mod picture;
mod ranks;

use std::ops::Range;

use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::error::{Error, Result};

pub use picture::{FloodFilm, FloodPicture};
pub use ranks::{Block, Link, MAX_RANKS, RanksRun, exchange_halos, flood_ranks, links};

/// The fraction of the difference in water surface that flows across an
/// edge in one step. At most ¼, so that a cell never gives away more water
/// than it holds (four edges).
pub const FLOW: f64 = 0.2;

/// The largest side of a grid: 4096 cells (16.8 million cells, 128 MiB
/// per field).
pub const MAX_SIDE: usize = 4096;

/// The most steps one call runs.
pub const MAX_STEPS: usize = 100_000;

/// Bytes one step moves per cell, counted as STREAM's triad counts: the
/// old depth and the ground read, the new depth written (8 bytes each).
pub const BYTES_PER_CELL: f64 = 24.0;

/// The water level of the reservoir at the top of the map, in metres.
const RESERVOIR_LEVEL: f64 = 1.08;

/// The reservoir: rows in the top fraction of the map.
const RESERVOIR_ROWS: f64 = 0.18;

/// Hills on the valley floor.
const HILLS: usize = 14;

/// A round hill on the map: centre, height and radius, in units of the
/// map's side.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Hill {
    x: f64,
    y: f64,
    height: f64,
    radius: f64,
}

/// The land of a map of side `n` from `seed`: a valley sloping down from
/// the top edge (a ridge on either side), with hills on its floor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Terrain {
    n: usize,
    hills: Vec<Hill>,
}

impl Terrain {
    pub(crate) fn new(n: usize, seed: u64) -> Terrain {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
        let hills = (0..HILLS)
            .map(|_| Hill {
                x: rng.random_range(0.15..0.85),
                y: rng.random_range(0.25..0.95),
                height: rng.random_range(0.05..0.35),
                radius: rng.random_range(0.03..0.10),
            })
            .collect();
        Terrain { n, hills }
    }

    /// The ground height of cell `(i, j)`: row `i` from the top.
    pub(crate) fn ground(&self, i: usize, j: usize) -> f64 {
        let side = self.n as f64;
        let (x, y) = ((j as f64 + 0.5) / side, (i as f64 + 0.5) / side);
        let valley = 1.0 - 0.8 * y + 0.9 * (2.0 * x - 1.0).powi(2);
        self.hills.iter().fold(valley, |z, h| {
            let d2 = (x - h.x).powi(2) + (y - h.y).powi(2);
            z + h.height * (-d2 / (h.radius * h.radius)).exp()
        })
    }

    /// The water depth of cell `(i, j)` at the start: the reservoir filled
    /// to its level, dry land elsewhere.
    pub(crate) fn water(&self, i: usize, ground: f64) -> f64 {
        let y = (i as f64 + 0.5) / self.n as f64;
        if y < RESERVOIR_ROWS {
            (RESERVOIR_LEVEL - ground).max(0.0)
        } else {
            0.0
        }
    }
}

/// The state of the flood: ground heights and water depths of an
/// `rows × cols` grid, row after row (row 0 at the top of the map).
#[derive(Debug, Clone, PartialEq)]
pub struct Flood {
    /// Rows of cells.
    pub rows: usize,
    /// Cells per row.
    pub cols: usize,
    /// Ground height of each cell, in metres; it never changes.
    pub ground: Vec<f64>,
    /// Water depth of each cell, in metres.
    pub water: Vec<f64>,
}

/// Checks a grid side and the memory a run needs: `fields` arrays of
/// `n × n` values.
pub(crate) fn check_side(n: usize, fields: u128) -> Result<()> {
    if !(8..=MAX_SIDE).contains(&n) {
        return Err(Error::invalid("n", n, "a grid side from 8 to 4096 cells"));
    }
    crate::limits::memory_for("n", n, "the flood's grids", fields * (n * n) as u128, 8)
}

/// Checks a number of steps.
pub(crate) fn check_steps(steps: usize) -> Result<()> {
    if steps > MAX_STEPS {
        return Err(Error::invalid("steps", steps, "0 to 100 000 steps"));
    }
    Ok(())
}

impl Flood {
    /// A dam break: an `n × n` map (`n` from 8 to [`MAX_SIDE`]) of a valley
    /// drawn from `seed`, with a full reservoir at its top edge that starts
    /// to empty down the valley at step 0.
    ///
    /// ```
    /// use parallel_course::workloads::flood::Flood;
    /// let flood = Flood::dam_break(128, 1)?;
    /// assert!(flood.water_total() > 0.0);
    /// assert_eq!(flood, Flood::dam_break(128, 1)?); // the same map for the same seed
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a side outside 8 to 4096;
    /// [`Error::Resources`] when the machine lacks the memory.
    pub fn dam_break(n: usize, seed: u64) -> Result<Flood> {
        check_side(n, 2)?;
        let terrain = Terrain::new(n, seed);
        let mut flood = Flood {
            rows: n,
            cols: n,
            ground: vec![0.0; n * n],
            water: vec![0.0; n * n],
        };
        flood
            .ground
            .par_chunks_mut(n)
            .zip(flood.water.par_chunks_mut(n))
            .enumerate()
            .for_each(|(i, (g, w))| {
                for j in 0..n {
                    g[j] = terrain.ground(i, j);
                    w[j] = terrain.water(i, g[j]);
                }
            });
        Ok(flood)
    }

    /// Row `i` of the grid.
    ///
    /// # Panics
    ///
    /// For a row past the last.
    pub fn row(&self, i: usize) -> Row<'_> {
        assert!(
            i < self.rows,
            "invalid `i`: row {i} of a grid of {} rows; allowed: 0 to {}",
            self.rows,
            self.rows - 1
        );
        let at = i * self.cols..(i + 1) * self.cols;
        Row {
            water: &self.water[at.clone()],
            ground: &self.ground[at],
        }
    }

    /// The water on the map, in cubic metres per square metre of cell: the
    /// sum of the depths. The walls keep it constant, up to rounding.
    pub fn water_total(&self) -> f64 {
        self.water.iter().sum()
    }

    /// Cells under more than 1 cm of water.
    pub fn flooded_cells(&self) -> usize {
        self.water.iter().filter(|&&h| h > 0.01).count()
    }

    /// A copy of the rectangle `rows × cols` of the grid: a tile with its
    /// border, to be stepped on its own.
    ///
    /// # Panics
    ///
    /// For a rectangle that is empty or reaches past the grid.
    pub fn window(&self, rows: Range<usize>, cols: Range<usize>) -> Flood {
        self.check_rectangle("window", &rows, &cols);
        let mut ground = Vec::with_capacity(rows.len() * cols.len());
        let mut water = Vec::with_capacity(rows.len() * cols.len());
        for i in rows.clone() {
            let at = i * self.cols;
            ground.extend_from_slice(&self.ground[at + cols.start..at + cols.end]);
            water.extend_from_slice(&self.water[at + cols.start..at + cols.end]);
        }
        Flood {
            rows: rows.len(),
            cols: cols.len(),
            ground,
            water,
        }
    }

    /// The tile `rows × cols` after `depth` steps, computed on its own: the
    /// tile is copied with a border of `depth` cells (fewer at the map's
    /// walls), the copy is stepped `depth` times (its outer cells go wrong,
    /// one cell further in at each step, since their outside neighbours
    /// are missing; the walls stay right), and the tile's cells, which the
    /// wrong ones never reach, are returned. The building block of
    /// [`flood_tiles_par`].
    ///
    /// ```
    /// use parallel_course::workloads::flood::{Flood, flood_serial};
    /// let start = Flood::dam_break(64, 2)?;
    /// let tile = start.stepped_tile(16..32, 40..64, 5);
    /// assert_eq!(tile, flood_serial(&start, 5)?.window(16..32, 40..64));
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    ///
    /// # Panics
    ///
    /// As [`window`](Self::window), and for a `depth` above 64 (as
    /// [`flood_tiles_par`] refuses it).
    pub fn stepped_tile(
        &self,
        rows: Range<usize>,
        cols: Range<usize>,
        depth: usize,
    ) -> Flood {
        self.check_rectangle("tile", &rows, &cols);
        assert!(
            depth <= 64,
            "invalid `depth`: {depth}; allowed: 0 to 64 steps (a tile is stepped on its own)"
        );
        let (top, left) = (rows.start.min(depth), cols.start.min(depth));
        let mut window = self.window(
            rows.start - top..rows.end.saturating_add(depth).min(self.rows),
            cols.start - left..cols.end.saturating_add(depth).min(self.cols),
        );
        let mut next = vec![0.0; window.water.len()];
        for _ in 0..depth {
            window.step_into(&mut next);
            std::mem::swap(&mut window.water, &mut next);
        }
        window.window(top..top + rows.len(), left..left + cols.len())
    }

    /// One step of the whole grid into `next` (a buffer of the same size),
    /// row after row: the serial step.
    ///
    /// # Panics
    ///
    /// When `next` is not `rows × cols` long.
    pub fn step_into(&self, next: &mut [f64]) {
        assert_eq!(next.len(), self.water.len(), "the new depths' buffer");
        for (i, out) in next.chunks_mut(self.cols).enumerate() {
            step_row(self.north(i), self.row(i), self.south(i), out);
        }
    }

    /// Row `i`'s northern neighbour row, `None` for the top row.
    pub fn north(&self, i: usize) -> Option<Row<'_>> {
        (i > 0).then(|| self.row(i - 1))
    }

    /// Row `i`'s southern neighbour row, `None` for the bottom row.
    pub fn south(&self, i: usize) -> Option<Row<'_>> {
        (i.checked_add(1)? < self.rows).then(|| self.row(i + 1))
    }

    /// Panics, saying what is allowed, unless `rows × cols` is a
    /// non-empty rectangle inside the grid.
    fn check_rectangle(&self, what: &str, rows: &Range<usize>, cols: &Range<usize>) {
        assert!(
            !rows.is_empty()
                && !cols.is_empty()
                && rows.end <= self.rows
                && cols.end <= self.cols,
            "invalid `rows` × `cols` of a {what}: {rows:?} × {cols:?} of a {}×{} grid; \
             allowed: non-empty ranges within 0..{} × 0..{}",
            self.rows,
            self.cols,
            self.rows,
            self.cols
        );
    }

    /// Where `self` and `other` first differ in any bit: the cell `(row,
    /// col)` and both depths; `None` when they are the same bit for bit.
    pub fn first_difference(&self, other: &Flood) -> Option<(usize, usize, f64, f64)> {
        if (self.rows, self.cols) != (other.rows, other.cols) {
            return Some((self.rows, self.cols, f64::NAN, f64::NAN));
        }
        self.water
            .iter()
            .zip(&other.water)
            .position(|(a, b)| a.to_bits() != b.to_bits())
            .map(|k| (k / self.cols, k % self.cols, self.water[k], other.water[k]))
    }

    /// [`checksum`] of the water depths, as 16 hexadecimal digits: what
    /// `flood-mpi` prints.
    pub fn checksum(&self) -> String {
        format!("{:016x}", checksum(&self.water))
    }

    /// A picture of the field: ground in shades of green and brown, water in
    /// blues by depth.
    pub fn picture(&self) -> FloodPicture {
        FloodPicture::of(self, "")
    }
}

impl std::fmt::Display for Flood {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}×{} flood: {:.3} m³ of water per m² of cell in all, {} cells under more than 1 cm",
            self.rows,
            self.cols,
            self.water_total(),
            self.flooded_cells()
        )
    }
}

/// A fingerprint of water depths, row after row: FNV-1a over every bit of
/// every value. Two fields with the same checksum are, all but certainly,
/// the same bit for bit; the MPI program prints its field's.
///
/// ```
/// use parallel_course::workloads::flood::checksum;
/// assert_eq!(checksum(&[1.0, 2.0]), checksum(&[1.0, 2.0]));
/// assert_ne!(checksum(&[1.0, 2.0]), checksum(&[2.0, 1.0]));
/// assert_ne!(checksum(&[0.0]), checksum(&[-0.0]));
/// ```
pub fn checksum(water: &[f64]) -> u64 {
    water
        .iter()
        .flat_map(|v| v.to_bits().to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
}

/// One row of the grid: its water depths and ground heights.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// Water depths, one per cell.
    pub water: &'a [f64],
    /// Ground heights, one per cell.
    pub ground: &'a [f64],
}

/// Water that flows from a cell (surface `w`, depth `h`) to a neighbour
/// (surface `wb`, depth `hb`) per unit of [`FLOW`]: the difference in
/// surface, but no more than the giver holds (negative: it flows in).
#[inline(always)]
fn outflow(w: f64, h: f64, wb: f64, hb: f64) -> f64 {
    let d = w - wb;
    let d = if d < -hb { -hb } else { d };
    if d > h { h } else { d }
}

/// The new depth of one cell from its depth, its surface and its
/// neighbours' (north, south, west, east; `None` at a wall), always summed
/// in that order.
#[inline(always)]
fn cell(
    h: f64,
    w: f64,
    north: Option<(f64, f64)>,
    south: Option<(f64, f64)>,
    west: Option<(f64, f64)>,
    east: Option<(f64, f64)>,
) -> f64 {
    let mut out = 0.0;
    if let Some((wb, hb)) = north {
        out += outflow(w, h, wb, hb);
    }
    if let Some((wb, hb)) = south {
        out += outflow(w, h, wb, hb);
    }
    if let Some((wb, hb)) = west {
        out += outflow(w, h, wb, hb);
    }
    if let Some((wb, hb)) = east {
        out += outflow(w, h, wb, hb);
    }
    h - FLOW * out
}

/// The neighbour at `j` of a row, as (surface, depth).
#[inline(always)]
fn at(row: Row<'_>, j: usize) -> (f64, f64) {
    (row.ground[j] + row.water[j], row.water[j])
}

/// The new water depths of one row from the old ones: the whole stencil.
/// `north` and `south` are the rows above and below (`None` at the map's
/// top and bottom walls); the row's first and last cells have a wall to
/// the west and east. Every version of the flood calls this for every
/// row, so they agree bit for bit.
///
/// ```
/// use parallel_course::workloads::flood::{Flood, step_row};
/// let flood = Flood::dam_break(32, 3)?;
/// let mut next = vec![0.0; 32];
/// step_row(flood.north(5), flood.row(5), flood.south(5), &mut next);
/// let mut whole = vec![0.0; 32 * 32];
/// flood.step_into(&mut whole);
/// assert_eq!(&whole[5 * 32..6 * 32], &next[..]);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Panics
///
/// When the rows and `out` differ in length.
pub fn step_row(
    north: Option<Row<'_>>,
    row: Row<'_>,
    south: Option<Row<'_>>,
    out: &mut [f64],
) {
    match (north, south) {
        (Some(n), Some(s)) => row_with::<true, true>(n, row, s, out),
        (Some(n), None) => row_with::<true, false>(n, row, n, out),
        (None, Some(s)) => row_with::<false, true>(s, row, s, out),
        (None, None) => row_with::<false, false>(row, row, row, out),
    }
}

/// [`step_row`] with the walls known at compile time, so that the loop
/// over the row's inner cells has no branch and vectorises.
#[inline(always)]
fn row_with<const N: bool, const S: bool>(
    north: Row<'_>,
    row: Row<'_>,
    south: Row<'_>,
    out: &mut [f64],
) {
    let len = row.water.len();
    assert!(
        row.ground.len() == len
            && out.len() == len
            && north.water.len() == len
            && north.ground.len() == len
            && south.water.len() == len
            && south.ground.len() == len,
        "rows of different lengths"
    );
    let ns = |j: usize| (N.then(|| at(north, j)), S.then(|| at(south, j)));
    let edge = |j: usize| {
        let (n, s) = ns(j);
        let west = (j > 0).then(|| at(row, j - 1));
        let east = (j + 1 < len).then(|| at(row, j + 1));
        let (w, h) = at(row, j);
        cell(h, w, n, s, west, east)
    };
    if len == 0 {
        return;
    }
    out[0] = edge(0);
    if len > 1 {
        out[len - 1] = edge(len - 1);
    }
    let inner = len.saturating_sub(1);
    for (j, slot) in out.iter_mut().enumerate().take(inner).skip(1) {
        let (n, s) = ns(j);
        let (w, h) = at(row, j);
        *slot = cell(h, w, n, s, Some(at(row, j - 1)), Some(at(row, j + 1)));
    }
}

/// `steps` steps on one core, one row after another.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for more than [`MAX_STEPS`] steps.
pub fn flood_serial(start: &Flood, steps: usize) -> Result<Flood> {
    check_steps(steps)?;
    let mut now = start.clone();
    let mut next = vec![0.0; now.water.len()];
    for _ in 0..steps {
        crate::interrupt::check("the flood");
        now.step_into(&mut next);
        std::mem::swap(&mut now.water, &mut next);
    }
    Ok(now)
}

/// `steps` steps with rayon: each step's new rows are computed in
/// parallel, one task per row, from the previous step's grid.
///
/// # Errors
///
/// As [`flood_serial`].
pub fn flood_rows_par(start: &Flood, steps: usize) -> Result<Flood> {
    check_steps(steps)?;
    let mut now = start.clone();
    let mut next = vec![0.0; now.water.len()];
    for _ in 0..steps {
        crate::interrupt::check("the flood");
        next.par_chunks_mut(now.cols)
            .enumerate()
            .for_each(|(i, out)| step_row(now.north(i), now.row(i), now.south(i), out));
        std::mem::swap(&mut now.water, &mut next);
    }
    Ok(now)
}

/// `steps` steps in tiles of `tile × tile` cells, `depth` steps at a time
/// (temporal blocking): each tile is copied with a border of `depth` cells
/// into a small grid that stays in cache, stepped `depth` times there
/// (the border's cells go wrong from its outer edge inward, one cell per
/// step, and never reach the tile), and its tile written back. The grid
/// is read and written once per `depth` steps instead of once per step,
/// at the price of computing the borders too. Bands of tiles run on
/// rayon.
///
/// ```
/// use parallel_course::workloads::flood::{Flood, flood_serial, flood_tiles_par};
/// let start = Flood::dam_break(100, 5)?;
/// assert_eq!(flood_tiles_par(&start, 13, 32, 4)?, flood_serial(&start, 13)?);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// As [`flood_serial`]; [`Error::InvalidArgument`] for `tile` or `depth`
/// 0, or a `depth` above 64.
pub fn flood_tiles_par(
    start: &Flood,
    steps: usize,
    tile: usize,
    depth: usize,
) -> Result<Flood> {
    check_steps(steps)?;
    crate::error::positive("tile", tile, "1 or more cells a side")?;
    if !(1..=64).contains(&depth) {
        return Err(Error::invalid("depth", depth, "1 to 64 steps per pass"));
    }
    // A tile larger than the grid is the whole grid.
    let tile = tile.min(start.rows.max(start.cols).max(1));
    let mut now = start.clone();
    let mut next = vec![0.0; now.water.len()];
    let mut done = 0;
    while done < steps {
        crate::interrupt::check("the flood");
        let k = depth.min(steps - done);
        let cols = now.cols;
        let grid = &now;
        next.par_chunks_mut(tile * cols)
            .enumerate()
            .for_each(|(band, out)| {
                let rows = band * tile..((band + 1) * tile).min(grid.rows);
                for c0 in (0..cols).step_by(tile) {
                    let stepped =
                        grid.stepped_tile(rows.clone(), c0..(c0 + tile).min(cols), k);
                    for (r, row) in stepped.water.chunks(stepped.cols).enumerate() {
                        out[r * cols + c0..r * cols + c0 + stepped.cols]
                            .copy_from_slice(row);
                    }
                }
            });
        std::mem::swap(&mut now.water, &mut next);
        done += k;
    }
    Ok(now)
}

#[cfg(test)]
mod tests;
