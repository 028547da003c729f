//! The iteration counts of a whole image, and how they are drawn.

use super::MAX_ITER;
use super::region::{BoundingBox, Tile};
use crate::display::{emit, escape_html};
use crate::error::{Error, Result};

/// The largest side of a picture shown in the notebook.
const DISPLAY_SIDE: usize = 512;

pub(crate) fn encode_png(width: usize, height: usize, rgb: &[u8]) -> Result<Vec<u8>> {
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

/// Iteration counts, one per pixel, row by row from the bottom row: what
/// the fractal computations produce. Shown in the notebook as a picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FractalImage {
    width: usize,
    height: usize,
    max_iter: u32,
    values: Vec<u32>,
    /// The part of the plane it shows, in words, for its text alternative.
    region: String,
}

impl FractalImage {
    /// An image for `bbox` with every count 0, to be filled in. Every
    /// fractal helper starts here, so what it checks holds for all.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for `max_iter` 0 or above
    /// [`MAX_ITER`], or a box that [`BoundingBox::new`] would refuse (a
    /// struct literal of 10⁶ pixels a side, say); [`Error::Resources`]
    /// when the counts need more memory than a helper may take
    /// ([`limits::memory`](crate::limits::memory)).
    pub fn new(bbox: &BoundingBox, max_iter: u32) -> Result<FractalImage> {
        if max_iter == 0 || max_iter > MAX_ITER {
            return Err(Error::invalid(
                "max_iter",
                max_iter,
                "1 to 16777216 (2^24) steps per point; the lesson uses 256 and 1024",
            ));
        }
        bbox.check()?;
        crate::limits::memory_for(
            "bbox",
            format!("{} × {} pixels", bbox.width, bbox.height),
            "the image's counts",
            bbox.pixels() as u128,
            std::mem::size_of::<u32>(),
        )?;
        let (low, high) = (
            bbox.point(0, 0),
            bbox.point(bbox.width - 1, bbox.height - 1),
        );
        let n = |v: f64| crate::format::significant(v, 4).replace('-', "\u{2212}");
        Ok(FractalImage {
            width: bbox.width,
            height: bbox.height,
            max_iter,
            values: vec![0; bbox.pixels()],
            region: format!(
                "real part {} to {}, imaginary part {} to {}",
                n(low.re),
                n(high.re),
                n(low.im),
                n(high.im)
            ),
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
    /// If the pixel is outside the image, saying which coordinate and
    /// what the image has.
    pub fn get(&self, col: usize, row: usize) -> u32 {
        let outside = |name: &str, value: usize, len: usize, side: &str| -> ! {
            panic!(
                "invalid `{name}`: {value}; allowed: 0 to {} (the image is {len} pixels {side})",
                len - 1
            )
        };
        if col >= self.width {
            outside("col", col, self.width, "wide");
        }
        if row >= self.height {
            outside("row", row, self.height, "high");
        }
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

    /// What the picture shows, in words: its text alternative (the `alt`
    /// of [`to_html`](FractalImage::to_html)).
    ///
    /// ```
    /// use parallel_course::workloads::fractal::{BoundingBox, mandelbrot_serial};
    ///
    /// let image = mandelbrot_serial(&BoundingBox::overview(64, 64), 50)?;
    /// let text = image.description();
    /// assert!(text.starts_with("Picture of the complex plane, real part \u{2212}2.3 to 0.653"), "{text}");
    /// assert!(text.contains("black where the point never escaped"), "{text}");
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    pub fn description(&self) -> String {
        let inside = self.values.iter().filter(|&&v| v >= self.max_iter).count();
        format!(
            "Picture of the complex plane, {}, {} \u{d7} {} pixels: each pixel coloured by the \
             iterations its point took to escape, from dark purple for few through red and \
             orange to pale yellow for many (max_iter {}); black where the point never escaped, \
             {:.1} % of the pixels.",
            self.region,
            self.width,
            self.height,
            self.max_iter,
            100.0 * inside as f64 / self.values.len().max(1) as f64,
        )
    }

    /// The picture as an HTML `<img>` with the PNG inlined as a data URL
    /// (drawn in trusted and untrusted notebooks alike), shrunk to at most
    /// 512 pixels a side, with its [`description`](FractalImage::description)
    /// as `alt` text; [`save_png`](FractalImage::save_png) keeps every
    /// pixel.
    ///
    /// # Errors
    ///
    /// As for [`to_png`](FractalImage::to_png).
    pub fn to_html(&self) -> Result<String> {
        use base64::Engine as _;
        Ok(format!(
            r#"<img alt="{}" src="data:image/png;base64,{}"/>"#,
            escape_html(&self.description()),
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
