//! A rectangle of the complex plane sampled on a grid of pixels, and the
//! tiles it can be cut into.

use std::ops::Range;

use super::MAX_SIDE;
use super::kernel::Complex64;
use crate::error::{Error, Result};
use crate::interrupt;

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
        let bbox = BoundingBox {
            width,
            height,
            center,
            extent,
        };
        bbox.check()?;
        Ok(bbox)
    }

    /// Checks what [`new`](BoundingBox::new) checks, for a box written as a
    /// struct literal (its fields are public): every helper that takes a
    /// box calls it before any work.
    ///
    /// # Errors
    ///
    /// As for [`new`](BoundingBox::new).
    pub(crate) fn check(&self) -> Result<()> {
        for (name, v) in [("width", self.width), ("height", self.height)] {
            if v == 0 || v > MAX_SIDE {
                return Err(Error::invalid(name, v, "1 to 16384 pixels"));
            }
        }
        let ok = |x: f64| x.is_finite() && x > 0.0;
        if !(ok(self.extent.re) && ok(self.extent.im)) {
            return Err(Error::invalid(
                "extent",
                self.extent,
                "finite and positive real and imaginary parts",
            ));
        }
        if !(self.center.re.is_finite() && self.center.im.is_finite()) {
            return Err(Error::invalid(
                "center",
                self.center,
                "a finite complex number",
            ));
        }
        Ok(())
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

    /// How many tiles of `size` pixels a side cover the image (`size` ≥ 1,
    /// sides checked).
    pub(crate) fn tile_count(&self, size: usize) -> usize {
        self.width.div_ceil(size) * self.height.div_ceil(size)
    }

    /// The number of pixels (`usize::MAX` for a box written with more than
    /// fit in a `usize`).
    pub fn pixels(&self) -> usize {
        self.width.saturating_mul(self.height)
    }

    /// Cuts the image into tiles of at most `size × size` pixels, row by
    /// row of tiles; together they cover every pixel once.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for `size` 0 or a box that
    /// [`new`](BoundingBox::new) would refuse; [`Error::Resources`] when
    /// the list of tiles needs more memory than a helper may take
    /// ([`limits::memory`](crate::limits::memory): one-pixel tiles of the
    /// largest image are 268 million tiles, 8.6 GB).
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
        self.check()?;
        crate::error::positive("size", size, "1 or more pixels")?;
        let count = self.tile_count(size);
        crate::limits::memory_for(
            "size",
            size,
            &format!("the list of {count} tiles"),
            count as u128,
            std::mem::size_of::<Tile>(),
        )?;
        let mut tiles = Vec::with_capacity(count);
        for r in (0..self.height).step_by(size) {
            interrupt::check("cutting tiles");
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
