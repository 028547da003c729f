//! Domain decomposition with halo exchange, in one process: each "rank"
//! is a thread that owns a block of rows and talks to the ranks above and
//! below it only by messages, as MPI ranks on different machines do.
//!
//! A rank's block carries one extra row above and below, its **halos**:
//! copies of the neighbours' edge rows, which the stencil needs for the
//! block's own edge rows. Before every step each rank sends its top row
//! to the rank above and its bottom row to the rank below, and receives
//! their edge rows into its halos. Then it steps its own rows.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use super::{Flood, Row, Terrain, check_side, check_steps, step_row};
use crate::error::{Error, Result};
use crate::workloads::block_ranges;

/// How long a rank waits for a neighbour's row before giving up.
const LINK_WAIT: Duration = Duration::from_secs(10);

/// The most ranks [`flood_ranks`] starts.
pub const MAX_RANKS: usize = 64;

/// One rank's share of the grid: its rows, with a halo row above and below
/// (kept even at the map's walls, where they are never read).
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// The rank that owns the block.
    pub rank: usize,
    /// The number of ranks.
    pub ranks: usize,
    /// The grid's row of the block's first own row.
    pub first_row: usize,
    /// The block's own rows.
    pub rows: usize,
    /// Cells per row.
    pub cols: usize,
    /// Water depths: the halo above, the own rows, the halo below.
    pub water: Vec<f64>,
    /// Ground heights, laid out as [`water`](Self::water); they never
    /// change, so the halos' ground is filled once, at the start.
    pub ground: Vec<f64>,
    next: Vec<f64>,
}

impl Block {
    /// Rank `rank`'s block of `start` among `ranks` ranks: rows cut as
    /// [`rows_of_part`](crate::workloads::integral::rows_of_part) cuts them,
    /// with halos holding the neighbours' rows of `start`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for no ranks, more ranks than rows or
    /// than [`MAX_RANKS`], or a rank past the last.
    pub fn of(start: &Flood, rank: usize, ranks: usize) -> Result<Block> {
        let rows = block_rows(start.rows, rank, ranks)?;
        let cols = start.cols;
        let with_halos = rows.start.saturating_sub(1)..(rows.end + 1).min(start.rows);
        let mut water = vec![0.0; (rows.len() + 2) * cols];
        let mut ground = vec![0.0; (rows.len() + 2) * cols];
        for i in with_halos {
            let local = i + 1 - rows.start;
            let row = start.row(i);
            water[local * cols..(local + 1) * cols].copy_from_slice(row.water);
            ground[local * cols..(local + 1) * cols].copy_from_slice(row.ground);
        }
        Ok(Block::from_parts(
            rank,
            ranks,
            rows.start,
            rows.len(),
            cols,
            water,
            ground,
        ))
    }

    /// Rank `rank`'s block of [`Flood::dam_break`]`(n, seed)`, made without
    /// the rest of the grid: what an MPI rank builds for itself.
    ///
    /// ```
    /// use parallel_course::workloads::flood::{Block, Flood};
    /// let whole = Flood::dam_break(40, 2)?;
    /// assert_eq!(Block::dam_break(40, 2, 1, 3)?, Block::of(&whole, 1, 3)?);
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Flood::dam_break`] and [`Block::of`].
    pub fn dam_break(n: usize, seed: u64, rank: usize, ranks: usize) -> Result<Block> {
        check_side(n, 0)?;
        let rows = block_rows(n, rank, ranks)?;
        crate::limits::memory_for(
            "n",
            n,
            "the block's rows",
            3 * ((rows.len() + 2) * n) as u128,
            8,
        )?;
        let terrain = Terrain::new(n, seed);
        let mut water = vec![0.0; (rows.len() + 2) * n];
        let mut ground = vec![0.0; (rows.len() + 2) * n];
        for i in rows.start.saturating_sub(1)..(rows.end + 1).min(n) {
            let local = i + 1 - rows.start;
            for j in 0..n {
                let g = terrain.ground(i, j);
                ground[local * n + j] = g;
                water[local * n + j] = terrain.water(i, g);
            }
        }
        Ok(Block::from_parts(
            rank,
            ranks,
            rows.start,
            rows.len(),
            n,
            water,
            ground,
        ))
    }

    fn from_parts(
        rank: usize,
        ranks: usize,
        first_row: usize,
        rows: usize,
        cols: usize,
        water: Vec<f64>,
        ground: Vec<f64>,
    ) -> Block {
        Block {
            rank,
            ranks,
            first_row,
            rows,
            cols,
            next: vec![0.0; rows * cols],
            water,
            ground,
        }
    }

    /// Whether a rank lies above this one (otherwise the map's top wall).
    pub fn has_above(&self) -> bool {
        self.rank > 0
    }

    /// Whether a rank lies below this one (otherwise the bottom wall).
    pub fn has_below(&self) -> bool {
        self.rank + 1 < self.ranks
    }

    /// Local row `l` (0 is the halo above, `rows + 1` the halo below).
    fn local(&self, l: usize) -> Row<'_> {
        let at = l * self.cols..(l + 1) * self.cols;
        Row {
            water: &self.water[at.clone()],
            ground: &self.ground[at],
        }
    }

    /// The water of the block's first own row: what the rank above needs
    /// for its halo below.
    pub fn top_row(&self) -> &[f64] {
        &self.water[self.cols..2 * self.cols]
    }

    /// The water of the block's last own row: what the rank below needs for
    /// its halo above.
    pub fn bottom_row(&self) -> &[f64] {
        &self.water[self.rows * self.cols..(self.rows + 1) * self.cols]
    }

    /// Puts the row received from the rank above into the halo above.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a row of another length.
    pub fn set_halo_above(&mut self, row: &[f64]) -> Result<()> {
        self.check_row(row)?;
        self.water[..self.cols].copy_from_slice(row);
        Ok(())
    }

    /// Puts the row received from the rank below into the halo below.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a row of another length.
    pub fn set_halo_below(&mut self, row: &[f64]) -> Result<()> {
        self.check_row(row)?;
        let at = (self.rows + 1) * self.cols;
        self.water[at..at + self.cols].copy_from_slice(row);
        Ok(())
    }

    fn check_row(&self, row: &[f64]) -> Result<()> {
        if row.len() == self.cols {
            Ok(())
        } else {
            Err(Error::invalid(
                "row",
                format!("{} cells", row.len()),
                "a row as long as the block's rows (Block::cols cells)",
            ))
        }
    }

    /// One step of the block's own rows, reading the halos (the rows of
    /// the neighbours' previous step, which must have been received).
    pub fn step(&mut self) {
        let mut next = std::mem::take(&mut self.next);
        for (r, out) in next.chunks_mut(self.cols).enumerate() {
            let l = r + 1;
            let north = (r > 0 || self.has_above()).then(|| self.local(l - 1));
            let south =
                (r + 1 < self.rows || self.has_below()).then(|| self.local(l + 1));
            step_row(north, self.local(l), south, out);
        }
        let own = self.cols..(self.rows + 1) * self.cols;
        self.water[own].copy_from_slice(&next);
        self.next = next;
    }

    /// The water of the block's own rows.
    pub fn own_water(&self) -> &[f64] {
        &self.water[self.cols..(self.rows + 1) * self.cols]
    }
}

/// Rank `rank`'s rows of `n` among `ranks`, or the reason they cannot be.
fn block_rows(n: usize, rank: usize, ranks: usize) -> Result<std::ops::Range<usize>> {
    if ranks == 0 || ranks > n.min(MAX_RANKS) {
        return Err(Error::invalid(
            "ranks",
            ranks,
            "1 to 64 ranks, and no more than the grid has rows",
        ));
    }
    if rank >= ranks {
        return Err(Error::invalid("rank", rank, "0 to ranks − 1"));
    }
    block_ranges(n, ranks)
        .nth(rank)
        .ok_or_else(|| Error::invalid("rank", rank, "0 to ranks − 1"))
}

/// One end of the line between two neighbouring ranks: rows go out to the
/// neighbour and come in from it, one message per row, in order.
///
/// A message waits in the line until the neighbour takes it (one at a
/// time: a second send waits for the first to be taken), as MPI's
/// buffered sends do.
#[derive(Debug)]
pub struct Link {
    rank: usize,
    neighbour: usize,
    to: SyncSender<Vec<f64>>,
    from: Receiver<Vec<f64>>,
}

impl Link {
    /// The rank at the other end.
    pub fn neighbour(&self) -> usize {
        self.neighbour
    }

    /// Sends a copy of `row` to the neighbour.
    ///
    /// # Errors
    ///
    /// [`Error::Worker`] when the neighbour has stopped.
    pub fn send(&self, row: &[f64]) -> Result<()> {
        self.to.send(row.to_vec()).map_err(|_| {
            Error::Worker(format!(
                "rank {} could not send to rank {}: it has stopped",
                self.rank, self.neighbour
            ))
        })
    }

    /// Waits for the neighbour's next row.
    ///
    /// # Errors
    ///
    /// [`Error::Worker`] when the neighbour has stopped, or sent nothing
    /// for 10 s (both ranks waiting for each other: each must send before
    /// it waits).
    pub fn recv(&self) -> Result<Vec<f64>> {
        let start = Instant::now();
        loop {
            if crate::interrupt::stop_requested("the ranks") {
                return Err(Error::Worker("interrupted".into()));
            }
            match self.from.recv_timeout(Duration::from_millis(100)) {
                Ok(row) => return Ok(row),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Error::Worker(format!(
                        "rank {} waited for a row from rank {}, which has stopped",
                        self.rank, self.neighbour
                    )));
                }
                Err(RecvTimeoutError::Timeout) if start.elapsed() > LINK_WAIT => {
                    return Err(Error::Worker(format!(
                        "rank {} waited {} s for a row from rank {} and none came: is rank {} \
                         waiting for rank {} too? Each rank must send its rows before it waits \
                         for its neighbours'",
                        self.rank,
                        LINK_WAIT.as_secs(),
                        self.neighbour,
                        self.neighbour,
                        self.rank
                    )));
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }
}

/// The links of `ranks` ranks in a column: for each rank, its link to the
/// rank above (`None` for rank 0) and to the rank below (`None` for the
/// last).
pub fn links(ranks: usize) -> Vec<(Option<Link>, Option<Link>)> {
    let mut all: Vec<(Option<Link>, Option<Link>)> =
        (0..ranks).map(|_| (None, None)).collect();
    for upper in 0..ranks.saturating_sub(1) {
        let lower = upper + 1;
        let (down_tx, down_rx) = sync_channel(1);
        let (up_tx, up_rx) = sync_channel(1);
        all[upper].1 = Some(Link {
            rank: upper,
            neighbour: lower,
            to: down_tx,
            from: up_rx,
        });
        all[lower].0 = Some(Link {
            rank: lower,
            neighbour: upper,
            to: up_tx,
            from: down_rx,
        });
    }
    all
}

/// The reference halo exchange: send the top row up and the bottom row
/// down, then receive the neighbours' rows into the halos. Sending first
/// means no rank waits for a row its neighbour has not sent.
///
/// # Errors
///
/// As [`Link::send`], [`Link::recv`] and [`Block::set_halo_above`].
pub fn exchange_halos(
    block: &mut Block,
    above: Option<&Link>,
    below: Option<&Link>,
) -> Result<()> {
    if let Some(link) = above {
        link.send(block.top_row())?;
    }
    if let Some(link) = below {
        link.send(block.bottom_row())?;
    }
    if let Some(link) = above {
        block.set_halo_above(&link.recv()?)?;
    }
    if let Some(link) = below {
        block.set_halo_below(&link.recv()?)?;
    }
    Ok(())
}

/// What [`flood_ranks`] did: the field put back together, and each rank's
/// time in the exchange (waits included) and in its steps.
#[derive(Debug, Clone)]
pub struct RanksRun {
    /// The grid after the steps, every rank's rows in place.
    pub flood: Flood,
    /// Each rank's time exchanging halos.
    pub halo: Vec<Duration>,
    /// Each rank's time stepping its rows.
    pub compute: Vec<Duration>,
    /// The wall time of the whole run.
    pub wall: Duration,
}

impl RanksRun {
    /// The share of the slowest rank's time spent on halos.
    pub fn halo_share(&self) -> f64 {
        self.halo
            .iter()
            .zip(&self.compute)
            .map(|(h, c)| {
                h.as_secs_f64() / (h.as_secs_f64() + c.as_secs_f64()).max(1e-12)
            })
            .fold(0.0, f64::max)
    }
}

/// `steps` steps of `start` on `ranks` threads, each owning a block of
/// rows and calling `exchange` before each of its steps, as an MPI rank
/// would. Give it [`exchange_halos`] or your own.
///
/// ```
/// use parallel_course::workloads::flood::{Flood, exchange_halos, flood_ranks, flood_serial};
/// let start = Flood::dam_break(48, 9)?;
/// let run = flood_ranks(&start, 10, 3, exchange_halos)?;
/// assert_eq!(run.flood, flood_serial(&start, 10)?);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// As [`Block::of`] and [`flood_serial`](super::flood_serial);
/// [`Error::Worker`] with the first rank's error when an exchange fails.
pub fn flood_ranks<F>(
    start: &Flood,
    steps: usize,
    ranks: usize,
    exchange: F,
) -> Result<RanksRun>
where
    F: Fn(&mut Block, Option<&Link>, Option<&Link>) -> Result<()> + Sync,
{
    check_steps(steps)?;
    let blocks = (0..ranks)
        .map(|r| Block::of(start, r, ranks))
        .collect::<Result<Vec<_>>>()?;
    let t0 = Instant::now();
    let exchange = &exchange;
    let runs = crate::workloads::on_scoped_threads(
        blocks.into_iter().zip(links(ranks)),
        "rank",
        move |(mut block, (above, below))| -> Result<(Block, Duration, Duration)> {
            let (mut halo, mut compute) = (Duration::ZERO, Duration::ZERO);
            for _ in 0..steps {
                if crate::interrupt::stop_requested("the ranks") {
                    return Err(Error::Worker("interrupted".into()));
                }
                let t = Instant::now();
                exchange(&mut block, above.as_ref(), below.as_ref())?;
                let exchanged = Instant::now();
                block.step();
                halo += exchanged - t;
                compute += exchanged.elapsed();
            }
            Ok((block, halo, compute))
        },
    )?;
    crate::interrupt::check("the ranks");
    let wall = t0.elapsed();
    let mut flood = start.clone();
    let (mut halo, mut compute) = (Vec::new(), Vec::new());
    let mut errors = Vec::new();
    for run in runs {
        match run {
            Ok((block, h, c)) => {
                let at = block.first_row * block.cols;
                flood.water[at..at + block.rows * block.cols]
                    .copy_from_slice(block.own_water());
                halo.push(h);
                compute.push(c);
            }
            Err(e) => errors.push(e),
        }
    }
    // The cause, rather than its neighbours noticing that a rank stopped.
    if let Some(k) = errors
        .iter()
        .position(|e| !e.to_string().contains("has stopped"))
        .or((!errors.is_empty()).then_some(0))
    {
        return Err(errors.swap_remove(k));
    }
    Ok(RanksRun {
        flood,
        halo,
        compute,
        wall,
    })
}
