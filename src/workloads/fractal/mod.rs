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
//!
//! | module | what |
//! |---|---|
//! | `kernel` | the escape-time kernels [`mandelbrot`] and [`julia`] |
//! | `region` | [`BoundingBox`], the rectangle of the plane, and its [`Tile`]s |
//! | `image` | [`FractalImage`], the counts shown as a picture |
//! | `strategies` | the reference versions: serial, by rows, by tiles, static blocks, Julia |

mod image;
mod kernel;
mod region;
mod strategies;

pub use image::FractalImage;
pub(crate) use image::encode_png;
pub use kernel::{Complex64, julia, mandelbrot};
pub use region::{BoundingBox, Tile};
pub(crate) use strategies::{by_rows, by_rows_par};
pub use strategies::{
    julia_par, mandelbrot_rows_par, mandelbrot_serial, mandelbrot_static,
    mandelbrot_tiles_par,
};

/// The largest side of an image, in pixels, that [`BoundingBox`] and
/// [`FractalImage`] accept.
const MAX_SIDE: usize = 16_384;

/// The largest `max_iter` an image accepts: 2²⁴ steps, where a point in
/// the set costs some 50 ms (the lesson uses 256 and 1024).
pub const MAX_ITER: u32 = 1 << 24;

/// Steps of the escape loops between two looks for an interrupt: a point
/// in the set takes every one of `max_iter` steps, and a few billion take
/// seconds.
pub(crate) const STEPS_PER_CHECK: u32 = 1 << 16;

#[cfg(test)]
mod tests;
