//! The Mandelbrot and Julia sets (episode 7): a region of the complex
//! plane, the escape-time kernel, images, and reference versions of the
//! parallel strategies the exercise compares.
//!
//! A point `c` belongs to the Mandelbrot set when `z ← z² + c`, started at
//! `z = 0`, stays bounded. [`mandelbrot`] counts the steps before `|z|`
//! exceeds 2 (at most `max_iter`); points in the set take all `max_iter`
//! steps, so their cost is highest and varies wildly across the image:
//! the load-balancing problem of the episode.
//!
//! ```
//! use parallel_course::workloads::fractal::{BoundingBox, FractalImage, mandelbrot};
//!
//! let bbox = BoundingBox::overview(64, 64);
//! let mut image = FractalImage::new(&bbox, 256)?;
//! for (row, pixels) in image.rows_mut().enumerate() {
//!     for (col, value) in pixels.iter_mut().enumerate() {
//!         *value = mandelbrot(bbox.point(col, row), 256);
//!     }
//! }
//! assert_eq!(image, parallel_course::workloads::fractal::mandelbrot_serial(&bbox, 256)?);
//! # Ok::<(), parallel_course::Error>(())
//! ```

use std::ops::Range;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::display::{emit, escape_html};
use crate::error::{Error, Result};

/// The number of steps of `z ← z² + c`, from `z = 0`, that stay inside the
/// circle of radius 2 before one leaves it, or `max_iter` if none does
/// within `max_iter` steps.
///
/// ```
/// use parallel_course::workloads::fractal::{mandelbrot, Complex64};
///
/// assert_eq!(mandelbrot(Complex64::new(0.0, 0.0), 100), 100); // in the set
/// assert_eq!(mandelbrot(Complex64::new(1.0, 0.0), 100), 2);   // 1, 2, then 5: out
/// ```
#[inline]
pub fn mandelbrot(c: Complex64, max_iter: u32) -> u32 {
    escape(Complex64::new(0.0, 0.0), c, max_iter)
}

/// The Julia set's kernel: like [`mandelbrot`], but `z ← z² + c` starts at
/// the pixel's own `z`, and `c` is fixed for the whole image.
///
/// ```
/// use parallel_course::workloads::fractal::{julia, Complex64};
///
/// let c = Complex64::new(-0.5, 0.6);
/// assert_eq!(julia(Complex64::new(3.0, 0.0), c, 100), 0); // starts outside
/// ```
#[inline]
pub fn julia(z: Complex64, c: Complex64, max_iter: u32) -> u32 {
    escape(z, c, max_iter)
}

#[inline(always)]
fn escape(mut z: Complex64, c: Complex64, max_iter: u32) -> u32 {
    for k in 0..max_iter {
        z = z * z + c;
        if z.norm_sqr() > 4.0 {
            return k;
        }
    }
    max_iter
}

/// Complex numbers with `f64` parts (from the `num-complex` crate).
pub use num_complex::Complex64;

/// A rectangle of the complex plane sampled on a grid of pixels: the
/// lesson's `BoundingBox`. Pixel `(col, row)` maps to
/// `center + ((col − width/2) + i·(row − height/2)) · scale`, rows going
/// up (row 0 is the bottom).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    /// Pixels across.
    pub width: usize,
    /// Pixels down.
    pub height: usize,
    /// The point at the centre of the image.
    pub center: Complex64,
    /// The width (real part) and height (imaginary part) of the region.
    pub extent: Complex64,
}

impl BoundingBox {
    /// A region of `width × height` pixels around `center`, `extent` wide
    /// and high.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a zero width or height, more than
    /// 16 384 pixels a side, or an extent that is not finite and positive.
    pub fn new(
        width: usize,
        height: usize,
        center: Complex64,
        extent: Complex64,
    ) -> Result<BoundingBox> {
        for (name, v) in [("width", width), ("height", height)] {
            if v == 0 || v > MAX_SIDE {
                return Err(Error::invalid(name, v, "1 to 16384 pixels"));
            }
        }
        let ok = |x: f64| x.is_finite() && x > 0.0;
        if !(ok(extent.re) && ok(extent.im)) {
            return Err(Error::invalid(
                "extent",
                extent,
                "finite and positive real and imaginary parts",
            ));
        }
        if !(center.re.is_finite() && center.im.is_finite()) {
            return Err(Error::invalid("center", center, "a finite complex number"));
        }
        Ok(BoundingBox {
            width,
            height,
            center,
            extent,
        })
    }

    /// The whole set: centre −0.8, extent 3 + 3i (the lesson's first
    /// picture, at 256 × 256 there).
    ///
    /// # Panics
    ///
    /// For a zero size or a side above 16 384 pixels.
    pub fn overview(width: usize, height: usize) -> BoundingBox {
        Self::fixed(
            width,
            height,
            Complex64::new(-0.8, 0.0),
            Complex64::new(3.0, 3.0),
        )
    }

    /// The lesson's zoom: centre −1.1195 + 0.2718i, extent 0.005 + 0.005i,
    /// where most of the image needs many iterations (use `max_iter`
    /// 1024; the lesson's timings are at 1024 × 1024).
    ///
    /// # Panics
    ///
    /// For a zero size or a side above 16 384 pixels.
    pub fn zoom(width: usize, height: usize) -> BoundingBox {
        Self::fixed(
            width,
            height,
            Complex64::new(-1.1195, 0.2718),
            Complex64::new(0.005, 0.005),
        )
    }

    /// The Julia sets' usual window: centre 0, extent 4 + 3i.
    ///
    /// # Panics
    ///
    /// For a zero size or a side above 16 384 pixels.
    pub fn julia_view(width: usize, height: usize) -> BoundingBox {
        Self::fixed(
            width,
            height,
            Complex64::new(0.0, 0.0),
            Complex64::new(4.0, 3.0),
        )
    }

    fn fixed(width: usize, height: usize, center: Complex64, extent: Complex64) -> Self {
        match Self::new(width, height, center, extent) {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        }
    }

    /// The distance between neighbouring pixels: the larger of
    /// `extent.re / width` and `extent.im / height`, so the whole extent
    /// fits.
    pub fn scale(&self) -> f64 {
        (self.extent.re / self.width as f64).max(self.extent.im / self.height as f64)
    }

    /// The point of the plane at pixel `(col, row)`.
    ///
    /// ```
    /// use parallel_course::workloads::fractal::{BoundingBox, Complex64};
    ///
    /// let b = BoundingBox::new(4, 4, Complex64::new(0.0, 0.0), Complex64::new(4.0, 4.0))?;
    /// assert_eq!(b.point(2, 2), Complex64::new(0.0, 0.0));
    /// assert_eq!(b.point(0, 0), Complex64::new(-2.0, -2.0));
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    #[inline]
    pub fn point(&self, col: usize, row: usize) -> Complex64 {
        let s = self.scale();
        let x = col as f64 - (self.width / 2) as f64;
        let y = row as f64 - (self.height / 2) as f64;
        self.center + Complex64::new(x * s, y * s)
    }

    /// The number of pixels.
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }

    /// Cuts the image into tiles of at most `size × size` pixels, row by
    /// row of tiles; together they cover every pixel once.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for `size` 0.
    ///
    /// ```
    /// use parallel_course::workloads::fractal::BoundingBox;
    ///
    /// let tiles = BoundingBox::overview(100, 50).tiles(32)?;
    /// assert_eq!(tiles.len(), 4 * 2);
    /// assert_eq!(tiles.iter().map(|t| t.pixels()).sum::<usize>(), 100 * 50);
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    pub fn tiles(&self, size: usize) -> Result<Vec<Tile>> {
        crate::error::positive("size", size, "1 or more pixels")?;
        let mut tiles = Vec::new();
        for r in (0..self.height).step_by(size) {
            for c in (0..self.width).step_by(size) {
                tiles.push(Tile {
                    rows: r..(r + size).min(self.height),
                    cols: c..(c + size).min(self.width),
                });
            }
        }
        Ok(tiles)
    }
}

const MAX_SIDE: usize = 16_384;

/// The largest side of a picture shown in the notebook.
const DISPLAY_SIDE: usize = 512;

fn encode_png(width: usize, height: usize, rgb: &[u8]) -> Result<Vec<u8>> {
    let fail = |e: png::EncodingError| Error::Plot(format!("PNG encoding failed: {e}"));
    let w = u32::try_from(width).map_err(|_| Error::Plot("image too wide".into()))?;
    let h = u32::try_from(height).map_err(|_| Error::Plot("image too high".into()))?;
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Balanced);
        let mut writer = encoder.write_header().map_err(fail)?;
        writer.write_image_data(rgb).map_err(fail)?;
    }
    Ok(bytes)
}

/// A rectangle of pixels: rows `rows`, columns `cols`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tile {
    /// The rows it covers.
    pub rows: Range<usize>,
    /// The columns it covers.
    pub cols: Range<usize>,
}

impl Tile {
    /// The number of pixels in the tile.
    pub fn pixels(&self) -> usize {
        self.rows.len() * self.cols.len()
    }

    /// Every pixel of the tile as `(col, row)`, row by row.
    pub fn coordinates(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.rows
            .clone()
            .flat_map(move |r| self.cols.clone().map(move |c| (c, r)))
    }
}

/// Iteration counts, one per pixel, row by row from the bottom row: what
/// the fractal computations produce. Shown in the notebook as a picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FractalImage {
    width: usize,
    height: usize,
    max_iter: u32,
    values: Vec<u32>,
}

impl FractalImage {
    /// An image for `bbox` with every count 0, to be filled in.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for `max_iter` 0.
    pub fn new(bbox: &BoundingBox, max_iter: u32) -> Result<FractalImage> {
        if max_iter == 0 {
            return Err(Error::invalid("max_iter", 0, "1 or more"));
        }
        Ok(FractalImage {
            width: bbox.width,
            height: bbox.height,
            max_iter,
            values: vec![0; bbox.pixels()],
        })
    }

    /// Pixels across.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Pixels down.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The iteration limit the image was made for.
    pub fn max_iter(&self) -> u32 {
        self.max_iter
    }

    /// All counts, row by row.
    pub fn values(&self) -> &[u32] {
        &self.values
    }

    /// All counts, row by row, to fill in: cut it with
    /// `chunks_mut(width)` (or rayon's `par_chunks_mut`) to get rows.
    pub fn values_mut(&mut self) -> &mut [u32] {
        &mut self.values
    }

    /// The rows, bottom first, to fill in one by one.
    pub fn rows_mut(&mut self) -> std::slice::ChunksMut<'_, u32> {
        self.values.chunks_mut(self.width)
    }

    /// The count at pixel `(col, row)`.
    ///
    /// # Panics
    ///
    /// If the pixel is outside the image.
    pub fn get(&self, col: usize, row: usize) -> u32 {
        assert!(
            col < self.width && row < self.height,
            "pixel ({col}, {row}) is outside the image"
        );
        self.values[row * self.width + col]
    }

    /// Copies a tile's counts (row by row, as [`Tile::coordinates`] lists
    /// them) into the image.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the tile is outside the image or
    /// `values` does not hold one count per pixel of the tile.
    pub fn paste(&mut self, tile: &Tile, values: &[u32]) -> Result<()> {
        if tile.rows.end > self.height || tile.cols.end > self.width {
            return Err(Error::invalid(
                "tile",
                format!("{tile:?}"),
                "rows and columns inside the image",
            ));
        }
        if values.len() != tile.pixels() {
            return Err(Error::invalid(
                "values",
                format!("{} counts", values.len()),
                "one count per pixel of the tile",
            ));
        }
        for (r, chunk) in tile.rows.clone().zip(values.chunks(tile.cols.len())) {
            let start = r * self.width + tile.cols.start;
            self.values[start..start + chunk.len()].copy_from_slice(chunk);
        }
        Ok(())
    }

    /// The sum of the counts in each row, bottom first: the work each row
    /// takes, which is what makes an even split of rows uneven in time.
    pub fn work_per_row(&self) -> Vec<u64> {
        self.values
            .chunks(self.width)
            .map(|r| r.iter().map(|&v| u64::from(v)).sum())
            .collect()
    }

    /// The total number of iterations: the work of the whole image.
    pub fn total_work(&self) -> u64 {
        self.values.iter().map(|&v| u64::from(v)).sum()
    }

    /// The image as RGB pixels, top row first: counts mapped through the
    /// cube root (which spreads the many low counts, as the lesson does)
    /// onto the magma colour map; points that never escaped are black.
    pub fn to_rgb(&self) -> Vec<u8> {
        let mut rgb = Vec::with_capacity(self.values.len() * 3);
        let top = f64::from(self.max_iter).cbrt();
        for row in self.values.chunks(self.width).rev() {
            for &v in row {
                if v >= self.max_iter {
                    rgb.extend_from_slice(&[0, 0, 0]);
                } else {
                    let t = f64::from(v).cbrt() / top;
                    let c = colorous::MAGMA.eval_continuous(0.1 + 0.9 * t);
                    rgb.extend_from_slice(&[c.r, c.g, c.b]);
                }
            }
        }
        rgb
    }

    /// The picture as PNG bytes, at full size.
    ///
    /// # Errors
    ///
    /// [`Error::Plot`] if the encoder fails.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        encode_png(self.width, self.height, &self.to_rgb())
    }

    /// The picture as PNG bytes, shrunk (each block of pixels averaged)
    /// until neither side exceeds `max_side`: what the notebook shows, so
    /// a 1024 × 1024 picture does not weigh a megabyte in the notebook.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for `max_side` 0; [`Error::Plot`] if the
    /// encoder fails.
    pub fn to_png_fitting(&self, max_side: usize) -> Result<Vec<u8>> {
        crate::error::positive("max_side", max_side, "1 or more pixels")?;
        let k = self.width.max(self.height).div_ceil(max_side).max(1);
        if k == 1 {
            return self.to_png();
        }
        let rgb = self.to_rgb();
        let (w, h) = (self.width.div_ceil(k), self.height.div_ceil(k));
        let mut small = Vec::with_capacity(w * h * 3);
        for by in 0..h {
            for bx in 0..w {
                let mut sum = [0u32; 3];
                let mut n = 0u32;
                for y in by * k..((by + 1) * k).min(self.height) {
                    for x in bx * k..((bx + 1) * k).min(self.width) {
                        let at = (y * self.width + x) * 3;
                        for (s, &v) in sum.iter_mut().zip(&rgb[at..at + 3]) {
                            *s += u32::from(v);
                        }
                        n += 1;
                    }
                }
                small.extend(sum.iter().map(|s| (s / n.max(1)) as u8));
            }
        }
        encode_png(w, h, &small)
    }

    /// Writes the picture to a PNG file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be written.
    pub fn save_png(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_png()?)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))
    }

    /// The picture as an HTML `<img>` with the PNG inlined as a data URL
    /// (drawn in trusted and untrusted notebooks alike), shrunk to at most
    /// 512 pixels a side; [`save_png`](FractalImage::save_png) keeps every
    /// pixel.
    ///
    /// # Errors
    ///
    /// As for [`to_png`](FractalImage::to_png).
    pub fn to_html(&self) -> Result<String> {
        use base64::Engine as _;
        Ok(format!(
            r#"<img alt="{}" src="data:image/png;base64,{}"/>"#,
            escape_html(&self.to_string()),
            base64::engine::general_purpose::STANDARD
                .encode(self.to_png_fitting(DISPLAY_SIDE)?)
        ))
    }

    /// Shows the picture in the notebook.
    pub fn evcxr_display(&self) {
        match self.to_html() {
            Ok(html) => emit(&[("text/plain", &self.to_string()), ("text/html", &html)]),
            Err(e) => emit(&[("text/plain", &format!("{self} (not drawn: {e})"))]),
        }
    }
}

impl std::fmt::Display for FractalImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inside = self.values.iter().filter(|&&v| v >= self.max_iter).count();
        write!(
            f,
            "{}×{} image, max_iter {}: {:.1} % of pixels never escaped, {} iterations in all",
            self.width,
            self.height,
            self.max_iter,
            100.0 * inside as f64 / self.values.len().max(1) as f64,
            crate::format::thousands(self.total_work()),
        )
    }
}

/// Fills `pixels` with the counts of row `row`, columns from `first_col`.
fn fill_span(
    bbox: &BoundingBox,
    max_iter: u32,
    row: usize,
    first_col: usize,
    pixels: &mut [u32],
) {
    for (i, v) in pixels.iter_mut().enumerate() {
        *v = mandelbrot(bbox.point(first_col + i, row), max_iter);
    }
}

fn fill_row(bbox: &BoundingBox, max_iter: u32, row: usize, pixels: &mut [u32]) {
    fill_span(bbox, max_iter, row, 0, pixels);
}

/// The reference: every pixel, one after the other, on one core.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for `max_iter` 0.
pub fn mandelbrot_serial(bbox: &BoundingBox, max_iter: u32) -> Result<FractalImage> {
    let mut image = FractalImage::new(bbox, max_iter)?;
    for (row, pixels) in image.rows_mut().enumerate() {
        fill_row(bbox, max_iter, row, pixels);
    }
    Ok(image)
}

/// One rayon task per row: rayon's work stealing balances rows of unequal
/// cost across threads.
///
/// # Errors
///
/// As for [`mandelbrot_serial`].
pub fn mandelbrot_rows_par(bbox: &BoundingBox, max_iter: u32) -> Result<FractalImage> {
    let mut image = FractalImage::new(bbox, max_iter)?;
    let width = image.width;
    image
        .values_mut()
        .par_chunks_mut(width)
        .enumerate()
        .for_each(|(row, pixels)| fill_row(bbox, max_iter, row, pixels));
    Ok(image)
}

/// One rayon task per square tile of `tile` pixels a side, pasted into the
/// image afterwards (the lesson's domain splitting).
///
/// # Errors
///
/// As for [`mandelbrot_serial`], and for `tile` 0.
pub fn mandelbrot_tiles_par(
    bbox: &BoundingBox,
    max_iter: u32,
    tile: usize,
) -> Result<FractalImage> {
    let mut image = FractalImage::new(bbox, max_iter)?;
    let tiles = bbox.tiles(tile)?;
    let blocks: Vec<Vec<u32>> = tiles
        .par_iter()
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
    crate::error::positive("threads", threads, "1 or more")?;
    let mut image = FractalImage::new(bbox, max_iter)?;
    let width = image.width;
    let rows_each = image.height.div_ceil(threads);
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
    let mut image = FractalImage::new(bbox, max_iter)?;
    let width = image.width;
    image
        .values_mut()
        .par_chunks_mut(width)
        .enumerate()
        .for_each(|(row, pixels)| {
            for (col, v) in pixels.iter_mut().enumerate() {
                *v = julia(bbox.point(col, row), c, max_iter);
            }
        });
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_points_take_known_iteration_counts() {
        let m = |re, im| mandelbrot(Complex64::new(re, im), 1000);
        assert_eq!(m(0.0, 0.0), 1000, "0 is in the set");
        assert_eq!(m(-1.0, 0.0), 1000, "-1 cycles 0, -1, 0");
        assert_eq!(m(-2.0, 0.0), 1000, "-2 sits on the boundary, |z| = 2");
        assert_eq!(m(0.0, 1.0), 1000, "i cycles");
        assert_eq!(m(1.0, 0.0), 2, "1, 2, then 5");
        assert_eq!(m(2.0, 0.0), 1, "2, then 6");
        assert_eq!(m(3.0, 0.0), 0, "3 at once");
        assert_eq!(m(0.5, 0.0), 4, ".5, .75, 1.0625, 1.6289, then 3.1533");
    }

    #[test]
    fn every_strategy_gives_the_serial_image() {
        let bbox = BoundingBox::zoom(96, 80);
        let serial = mandelbrot_serial(&bbox, 256).unwrap();
        assert!(serial.total_work() > 0);
        assert_eq!(mandelbrot_rows_par(&bbox, 256).unwrap(), serial);
        for tile in [1, 7, 32, 500] {
            assert_eq!(
                mandelbrot_tiles_par(&bbox, 256, tile).unwrap(),
                serial,
                "tile {tile}"
            );
        }
        for threads in [1, 3, 8, 200] {
            let (image, busy) = mandelbrot_static(&bbox, 256, threads).unwrap();
            assert_eq!(image, serial, "{threads} threads");
            assert!(busy.len() <= threads && !busy.is_empty());
        }
    }

    #[test]
    fn rows_go_up_from_the_bottom() {
        let b =
            BoundingBox::new(2, 2, Complex64::new(0.0, 0.0), Complex64::new(2.0, 2.0))
                .unwrap();
        assert!(b.point(0, 0).im < b.point(0, 1).im);
        assert!(b.point(0, 0).re < b.point(1, 0).re);
    }

    #[test]
    fn the_overview_is_symmetric_about_the_real_axis() {
        // Rows r and height - r mirror each other around the centre row.
        let bbox = BoundingBox::overview(64, 64);
        let img = mandelbrot_serial(&bbox, 200).unwrap();
        for r in 1..32 {
            for c in 0..64 {
                assert_eq!(img.get(c, 32 + r), img.get(c, 32 - r), "({c}, {r})");
            }
        }
    }

    #[test]
    fn julia_counts_agree_with_the_kernel() {
        let bbox = BoundingBox::julia_view(40, 30);
        let c = Complex64::new(-0.5, 0.6);
        let img = julia_par(&bbox, c, 128).unwrap();
        assert_eq!(img.get(5, 7), julia(bbox.point(5, 7), c, 128));
        assert!(img.values().contains(&128));
        assert!(img.values().iter().any(|&v| v < 5));
    }

    #[test]
    fn bad_sizes_and_limits_are_refused_with_the_argument_named() {
        let err =
            BoundingBox::new(0, 5, Complex64::new(0.0, 0.0), Complex64::new(1.0, 1.0))
                .unwrap_err();
        assert!(err.to_string().contains("`width`"), "{err}");
        let err =
            BoundingBox::new(5, 5, Complex64::new(0.0, 0.0), Complex64::new(0.0, 1.0))
                .unwrap_err();
        assert!(err.to_string().contains("`extent`"), "{err}");
        let bbox = BoundingBox::overview(8, 8);
        assert!(
            mandelbrot_serial(&bbox, 0)
                .unwrap_err()
                .to_string()
                .contains("`max_iter`")
        );
        assert!(bbox.tiles(0).is_err());
        assert!(mandelbrot_static(&bbox, 10, 0).is_err());
        let mut img = FractalImage::new(&bbox, 10).unwrap();
        let outside = Tile {
            rows: 6..10,
            cols: 0..2,
        };
        assert!(img.paste(&outside, &[0; 8]).is_err());
        let tile = Tile {
            rows: 0..2,
            cols: 0..2,
        };
        assert!(img.paste(&tile, &[0; 3]).is_err());
    }

    #[test]
    fn png_has_the_image_size_and_black_for_the_set() {
        let bbox = BoundingBox::overview(32, 16);
        let img = mandelbrot_serial(&bbox, 64).unwrap();
        let png = img.to_png().unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (32, 16));
        let rgb = img.to_rgb();
        // The centre pixel (-0.8 + 0i) is in the set: black. Row 8 from the
        // bottom is row 7 from the top.
        let at = (7 * 32 + 16) * 3;
        assert_eq!(img.get(16, 8), 64);
        assert_eq!(&rgb[at..at + 3], &[0, 0, 0]);
    }

    #[test]
    fn shown_pictures_are_shrunk_to_fit() {
        let bbox = BoundingBox::overview(100, 60);
        let img = mandelbrot_serial(&bbox, 32).unwrap();
        let size = |png: Vec<u8>| {
            let reader = png::Decoder::new(std::io::Cursor::new(png))
                .read_info()
                .unwrap();
            (reader.info().width, reader.info().height)
        };
        assert_eq!(size(img.to_png_fitting(40).unwrap()), (34, 20));
        assert_eq!(size(img.to_png_fitting(100).unwrap()), (100, 60));
        assert!(img.to_png_fitting(0).is_err());
    }
}
