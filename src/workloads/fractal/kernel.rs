//! The escape-time kernels: how many steps a point takes to leave the
//! circle of radius 2.

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
