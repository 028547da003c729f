//! The escape-time kernels: how many steps a point takes to leave the
//! circle of radius 2.

use super::STEPS_PER_CHECK;

/// The number of steps of `z ← z² + c`, from `z = 0`, that stay inside the
/// circle of radius 2 before one leaves it, or `max_iter` if none does
/// within `max_iter` steps. A large `max_iter` stops when the learner
/// presses ■ (in the course kernel).
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

/// The escape loop, in blocks of [`STEPS_PER_CHECK`] steps with a look for
/// an interrupt between them (so a large `max_iter` stops when asked; up
/// to 65 536 steps it is one plain loop).
#[inline(always)]
fn escape(mut z: Complex64, c: Complex64, max_iter: u32) -> u32 {
    let mut k = 0u32;
    loop {
        let end = max_iter.min(k.saturating_add(STEPS_PER_CHECK));
        while k < end {
            z = z * z + c;
            if z.norm_sqr() > 4.0 {
                return k;
            }
            k += 1;
        }
        // After an interrupt the first point to look stops the work; the
        // others return at once, their counts thrown away with it.
        if k == max_iter || crate::interrupt::stop_requested("the fractal") {
            return k;
        }
    }
}

/// Complex numbers with `f64` parts (from the `num-complex` crate).
pub use num_complex::Complex64;
