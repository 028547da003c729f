//! Reference versions of the parallel strategies the exercise compares.

use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::image::FractalImage;
use super::kernel::{Complex64, julia, mandelbrot};
use super::region::{BoundingBox, Tile};
use crate::error::{Error, Result};

/// Fills `pixels` with the counts of row `row`, columns from `first_col`.
fn fill_span(
    bbox: &BoundingBox,
    max_iter: u32,
    row: usize,
    first_col: usize,
    pixels: &mut [u32],
) {
    if crate::interrupt::stop_requested("the fractal") {
        return;
    }
    for (i, v) in pixels.iter_mut().enumerate() {
        *v = mandelbrot(bbox.point(first_col + i, row), max_iter);
    }
}

fn fill_row(bbox: &BoundingBox, max_iter: u32, row: usize, pixels: &mut [u32]) {
    fill_span(bbox, max_iter, row, 0, pixels);
}

/// An image of `bbox` whose rows `fill(row, pixels)` computes, one after
/// the other on this thread. The Mandelbrot kernels (scalar and in lanes)
/// share it.
pub(crate) fn by_rows(
    bbox: &BoundingBox,
    max_iter: u32,
    fill: impl Fn(usize, &mut [u32]),
) -> Result<FractalImage> {
    let mut image = FractalImage::new(bbox, max_iter)?;
    for (row, pixels) in image.rows_mut().enumerate() {
        fill(row, pixels);
    }
    Ok(image)
}

/// As [`by_rows`], with one rayon task per row.
pub(crate) fn by_rows_par(
    bbox: &BoundingBox,
    max_iter: u32,
    fill: impl Fn(usize, &mut [u32]) + Sync,
) -> Result<FractalImage> {
    let mut image = FractalImage::new(bbox, max_iter)?;
    let width = image.width();
    image
        .values_mut()
        .par_chunks_mut(width)
        .enumerate()
        .for_each(|(row, pixels)| fill(row, pixels));
    Ok(image)
}

/// The reference: every pixel, one after the other, on one core.
///
/// # Errors
///
/// As for [`FractalImage::new`]: a `max_iter` of 0 or above
/// [`MAX_ITER`](super::MAX_ITER), a box that [`BoundingBox::new`] would
/// refuse, or an image too large for memory.
pub fn mandelbrot_serial(bbox: &BoundingBox, max_iter: u32) -> Result<FractalImage> {
    by_rows(bbox, max_iter, |row, pixels| {
        fill_row(bbox, max_iter, row, pixels)
    })
}

/// One rayon task per row: rayon's work stealing balances rows of unequal
/// cost across threads.
///
/// # Errors
///
/// As for [`mandelbrot_serial`].
pub fn mandelbrot_rows_par(bbox: &BoundingBox, max_iter: u32) -> Result<FractalImage> {
    by_rows_par(bbox, max_iter, |row, pixels| {
        fill_row(bbox, max_iter, row, pixels)
    })
}

/// One rayon task per square tile of `tile` pixels a side, pasted into the
/// image afterwards (the lesson's domain splitting).
///
/// # Errors
///
/// As for [`mandelbrot_serial`], and for `tile` 0; [`Error::Resources`]
/// when the tiles and their counts need more memory than a helper may take
/// (one-pixel tiles of a large image).
pub fn mandelbrot_tiles_par(
    bbox: &BoundingBox,
    max_iter: u32,
    tile: usize,
) -> Result<FractalImage> {
    crate::error::positive("tile", tile, "1 or more pixels a side")?;
    let mut image = FractalImage::new(bbox, max_iter)?;
    // Besides the image: the list of tiles, and each tile's own vector of
    // counts (its header, the allocator's bookkeeping, its pixels).
    let count = bbox.tile_count(tile) as u128;
    let per_tile = std::mem::size_of::<Tile>() + std::mem::size_of::<Vec<u32>>() + 16;
    crate::limits::memory(
        "tile",
        tile,
        &format!("{count} tiles, each with its own vector of counts"),
        count * per_tile as u128 + bbox.pixels() as u128 * 4,
    )?;
    let tiles = bbox.tiles(tile)?;
    let blocks: Vec<Vec<u32>> = tiles
        .par_iter()
        .panic_fuse() // after an interrupt, no tile starts
        .map(|t| {
            let mut block = vec![0; t.pixels()];
            for (row, values) in t.rows.clone().zip(block.chunks_mut(t.cols.len())) {
                fill_span(bbox, max_iter, row, t.cols.start, values);
            }
            block
        })
        .collect();
    for (t, block) in tiles.iter().zip(&blocks) {
        image.paste(t, block)?;
    }
    Ok(image)
}

/// The static split: `threads` scoped threads, each given one block of
/// consecutive rows of equal height, no stealing. Returns the image and
/// how long each thread was busy, which shows the imbalance.
///
/// # Errors
///
/// As for [`mandelbrot_serial`], and for `threads` 0;
/// [`Error::Worker`] if a thread panics.
pub fn mandelbrot_static(
    bbox: &BoundingBox,
    max_iter: u32,
    threads: usize,
) -> Result<(FractalImage, Vec<Duration>)> {
    crate::limits::threads("threads", threads)?;
    let mut image = FractalImage::new(bbox, max_iter)?;
    let width = image.width();
    let rows_each = image.height().div_ceil(threads);
    let busy = std::thread::scope(|s| {
        let handles: Vec<_> = image
            .values_mut()
            .chunks_mut(rows_each * width)
            .enumerate()
            .map(|(block, values)| {
                s.spawn(move || {
                    let start = Instant::now();
                    for (i, pixels) in values.chunks_mut(width).enumerate() {
                        fill_row(bbox, max_iter, block * rows_each + i, pixels);
                    }
                    start.elapsed()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| Error::Worker("a row block panicked".into()))
            })
            .collect::<Result<Vec<Duration>>>()
    })?;
    Ok((image, busy))
}

/// The Julia set of `c` on `bbox`, with rayon over rows.
///
/// # Errors
///
/// As for [`mandelbrot_serial`].
pub fn julia_par(
    bbox: &BoundingBox,
    c: Complex64,
    max_iter: u32,
) -> Result<FractalImage> {
    by_rows_par(bbox, max_iter, |row, pixels| {
        for (col, v) in pixels.iter_mut().enumerate() {
            *v = julia(bbox.point(col, row), c, max_iter);
        }
    })
}
