//! The innermost level of parallelism: SIMD lanes inside one core.
//!
//! A core's vector registers hold several `f64` at once (two in SSE2's
//! 128 bits, four in AVX2's 256, eight in AVX-512's 512) and one instruction
//! works on all of them: the **lanes**. Cores run threads; lanes run inside
//! each thread. The two multiply: [`mandelbrot_lanes_par`] is lanes × rayon.
//!
//! The code here is written in **lane arrays**: `[f64; LANES]` values and
//! short loops over their lanes, which the compiler turns into vector
//! instructions. Which ones depends on the CPU features it may use. The
//! crate is compiled for the generic x86-64 baseline (SSE2 only), so each
//! kernel is compiled three times, for AVX-512, for AVX2 and for the
//! baseline, and the best one the CPU has is chosen at run time
//! ([`simd`] says which). Nothing else in the crate changes: no global
//! `-C target-cpu=native` is needed.
//!
//! | function | what |
//! |---|---|
//! | [`simd`] | the instruction set chosen on this CPU and its lane width |
//! | [`escape_lanes`] | the Mandelbrot kernel for [`LANES`] pixels at once, with a masked escape |
//! | [`mandelbrot_lanes`], [`mandelbrot_lanes_par`] | the image in lanes, on one core and on rayon |
//! | [`sin_lanes`] | a sine of [`LANES`] arguments: range reduction and a polynomial |
//! | [`integral_lanes`], [`integral_lanes_par`] | the 2-D integral with that sine, on one core and on rayon |
//!
//! The Mandelbrot images are the same as
//! [`mandelbrot_serial`](super::fractal::mandelbrot_serial)'s, pixel for
//! pixel: the lanes do the same operations in the same order, only several
//! pixels at a time. The integral differs from
//! [`integral_serial`](super::integral::integral_serial) by the sine's
//! error ([`SIN_MAX_ERROR`]) and the order of the additions, far within
//! [`agree`](super::integral::agree)'s tolerance.
//!
//! ```
//! use parallel_course::workloads::fractal::{BoundingBox, mandelbrot_serial};
//! use parallel_course::workloads::lanes::{mandelbrot_lanes, simd};
//!
//! println!("{}", simd()); // e.g. "AVX-512: 8 f64 lanes per register"
//! let bbox = BoundingBox::zoom(64, 48);
//! assert_eq!(mandelbrot_lanes(&bbox, 256)?, mandelbrot_serial(&bbox, 256)?);
//! # Ok::<(), parallel_course::Error>(())
//! ```

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use rayon::prelude::*;

use super::fractal::{
    BoundingBox, Complex64, FractalImage, STEPS_PER_CHECK, by_rows, by_rows_par,
};
use crate::error::Result;

/// How many values the lane arrays of this module hold: 8 `f64`, one
/// AVX-512 register, two AVX2 registers or four SSE2 registers. The same
/// width everywhere means the same results on every machine.
///
/// ```
/// use parallel_course::workloads::lanes::{sin_lanes, LANES};
/// let x: [f64; LANES] = std::array::from_fn(|l| l as f64);
/// assert_eq!(sin_lanes(x).len(), 8);
/// ```
pub const LANES: usize = 8;

/// The instruction set the kernels of this module run with on this CPU,
/// chosen at run time by [`simd`].
///
/// ```
/// use parallel_course::workloads::lanes::{simd, Simd};
/// let s = simd();
/// println!("{s} ({} bits)", s.f64_lanes() * 64);
/// assert_eq!(Simd::Avx512.to_string(), "AVX-512: 8 f64 lanes per register");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Simd {
    /// x86-64 with AVX-512 (`avx512f`): 512-bit registers, 8 `f64` lanes.
    Avx512,
    /// x86-64 with AVX2: 256-bit registers, 4 `f64` lanes.
    Avx2,
    /// The x86-64 baseline, SSE2: 128-bit registers, 2 `f64` lanes.
    Sse2,
    /// Another architecture: the code the compiler makes of the lane
    /// arrays for that target's baseline, without run-time dispatch.
    Portable,
}

impl Simd {
    /// The number of `f64` one register holds with this instruction set
    /// (1 for [`Simd::Portable`], whose width this crate does not know).
    ///
    /// ```
    /// use parallel_course::workloads::lanes::Simd;
    /// assert_eq!(Simd::Avx512.f64_lanes(), 8);
    /// assert_eq!(Simd::Sse2.f64_lanes(), 2);
    /// ```
    pub fn f64_lanes(self) -> usize {
        match self {
            Simd::Avx512 => 8,
            Simd::Avx2 => 4,
            Simd::Sse2 => 2,
            Simd::Portable => 1,
        }
    }

    /// The instruction set's usual name (`"AVX-512"`, `"AVX2"`, `"SSE2"`,
    /// `"portable"`).
    ///
    /// ```
    /// use parallel_course::workloads::lanes::Simd;
    /// assert_eq!(Simd::Avx2.name(), "AVX2");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Simd::Avx512 => "AVX-512",
            Simd::Avx2 => "AVX2",
            Simd::Sse2 => "SSE2",
            Simd::Portable => "portable",
        }
    }
}

impl fmt::Display for Simd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Simd::Portable => write!(
                f,
                "portable: lane arrays as this target's baseline compiles them"
            ),
            s => write!(f, "{}: {} f64 lanes per register", s.name(), s.f64_lanes()),
        }
    }
}

/// The best instruction set this CPU has among those the kernels are
/// compiled for, detected once (with `is_x86_feature_detected!`) and
/// remembered.
///
/// ```
/// use parallel_course::workloads::lanes::{simd, Simd};
/// let s = simd();
/// assert!(matches!(s, Simd::Avx512 | Simd::Avx2 | Simd::Sse2 | Simd::Portable));
/// println!("{s}");
/// ```
pub fn simd() -> Simd {
    static CHOSEN: OnceLock<Simd> = OnceLock::new();
    *CHOSEN.get_or_init(detect)
}

#[cfg(target_arch = "x86_64")]
fn detect() -> Simd {
    if std::arch::is_x86_feature_detected!("avx512f") {
        Simd::Avx512
    } else if std::arch::is_x86_feature_detected!("avx2") {
        Simd::Avx2
    } else {
        Simd::Sse2
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> Simd {
    Simd::Portable
}

/// Calls `$body(args)` compiled for the instruction set `$level` (a
/// [`Simd`]): the same `#[inline(always)]` code, inlined into a function
/// compiled with AVX-512, one compiled with AVX2, or the baseline's. A
/// level the CPU does not have falls back to the baseline.
macro_rules! dispatch {
    ($level:expr; $body:ident($($arg:ident: $ty:ty),*) -> $ret:ty) => {{
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f")]
        fn with_avx512($($arg: $ty),*) -> $ret {
            $body($($arg),*)
        }
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        fn with_avx2($($arg: $ty),*) -> $ret {
            $body($($arg),*)
        }
        match $level {
            #[cfg(target_arch = "x86_64")]
            Simd::Avx512 if std::arch::is_x86_feature_detected!("avx512f") => {
                // SAFETY: the CPU has AVX-512F, checked on the line above.
                unsafe { with_avx512($($arg),*) }
            }
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2 if std::arch::is_x86_feature_detected!("avx2") => {
                // SAFETY: the CPU has AVX2, checked on the line above.
                unsafe { with_avx2($($arg),*) }
            }
            _ => $body($($arg),*),
        }
    }};
}

// ---------------------------------------------------------------- Mandelbrot

/// The Mandelbrot kernel for [`LANES`] points at once: for each `c`, the
/// number of steps of `z ← z² + c` that stay inside the circle of radius
/// 2, as [`mandelbrot`](super::fractal::mandelbrot) counts them.
///
/// Every lane takes every step together (one instruction per operation);
/// a lane whose point has left the circle is **masked**: it still
/// computes, but its count no longer grows. The loop ends when no lane is
/// active, or after `max_iter` steps.
///
/// ```
/// use parallel_course::workloads::fractal::{mandelbrot, Complex64};
/// use parallel_course::workloads::lanes::{escape_lanes, LANES};
///
/// let c: [Complex64; LANES] = std::array::from_fn(|l| Complex64::new(-2.0 + 0.4 * l as f64, 0.1));
/// let counts = escape_lanes(c, 500);
/// for l in 0..LANES {
///     assert_eq!(counts[l], mandelbrot(c[l], 500));
/// }
/// ```
pub fn escape_lanes(c: [Complex64; LANES], max_iter: u32) -> [u32; LANES] {
    escape_on(simd(), c.map(|c| c.re), c.map(|c| c.im), max_iter)
}

fn escape_on(
    level: Simd,
    cr: [f64; LANES],
    ci: [f64; LANES],
    max_iter: u32,
) -> [u32; LANES] {
    dispatch!(level; escape_body(cr: [f64; LANES], ci: [f64; LANES], max_iter: u32) -> [u32; LANES])
}

/// The lane-array kernel: the same operations as the scalar one, in the
/// same order (`a·a − b·b + cᵣ`, `a·b + b·a + cᵢ`, `|z|² > 4`), so every
/// lane gives exactly the scalar count.
#[inline(always)]
fn escape_body(cr: [f64; LANES], ci: [f64; LANES], max_iter: u32) -> [u32; LANES] {
    let (mut zr, mut zi) = ([0.0; LANES], [0.0; LANES]);
    let mut count = [0u32; LANES];
    let mut active = [true; LANES];
    // In blocks of steps, with a look for an interrupt between them (one
    // block up to 65 536 steps), as the scalar kernel does.
    let mut done = 0;
    while done < max_iter {
        let block = (max_iter - done).min(STEPS_PER_CHECK);
        for _ in 0..block {
            let mut any = false;
            for l in 0..LANES {
                let (a, b) = (zr[l], zi[l]);
                zr[l] = a * a - b * b + cr[l];
                zi[l] = a * b + b * a + ci[l];
                let escaped = zr[l] * zr[l] + zi[l] * zi[l] > 4.0;
                active[l] &= !escaped; // the mask: once out, out for good
                count[l] += u32::from(active[l]);
                any |= active[l];
            }
            if !any {
                return count;
            }
        }
        done += block;
        if done < max_iter && crate::interrupt::stop_requested("the fractal") {
            break;
        }
    }
    count
}

/// Fills `pixels` with the counts of row `row` from column `first_col`,
/// [`LANES`] pixels at a time (the last group padded with copies of its
/// last point).
#[inline(always)]
fn span_body(
    bbox: &BoundingBox,
    max_iter: u32,
    row: usize,
    first_col: usize,
    pixels: &mut [u32],
) {
    for (g, group) in pixels.chunks_mut(LANES).enumerate() {
        let col0 = first_col + g * LANES;
        let last = group.len() - 1;
        let (mut cr, mut ci) = ([0.0; LANES], [0.0; LANES]);
        for l in 0..LANES {
            let c = bbox.point(col0 + l.min(last), row);
            (cr[l], ci[l]) = (c.re, c.im);
        }
        let counts = escape_body(cr, ci, max_iter);
        group.copy_from_slice(&counts[..group.len()]);
    }
}

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
    dispatch!(simd(); span_body(bbox: &BoundingBox, max_iter: u32, row: usize, first_col: usize, pixels: &mut [u32]) -> ())
}

/// The Mandelbrot image on one core, [`LANES`] pixels at a time
/// ([`escape_lanes`]): the same image as
/// [`mandelbrot_serial`](super::fractal::mandelbrot_serial).
///
/// ```
/// use parallel_course::workloads::fractal::{BoundingBox, mandelbrot_serial};
/// use parallel_course::workloads::lanes::mandelbrot_lanes;
///
/// let bbox = BoundingBox::overview(100, 60);
/// assert_eq!(mandelbrot_lanes(&bbox, 300)?, mandelbrot_serial(&bbox, 300)?);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for `max_iter` 0.
pub fn mandelbrot_lanes(bbox: &BoundingBox, max_iter: u32) -> Result<FractalImage> {
    by_rows(bbox, max_iter, |row, pixels| {
        fill_span(bbox, max_iter, row, 0, pixels)
    })
}

/// Lanes × cores: one rayon task per row, each row computed
/// [`LANES`] pixels at a time. The same image as
/// [`mandelbrot_serial`](super::fractal::mandelbrot_serial).
///
/// ```
/// use parallel_course::workloads::fractal::{BoundingBox, mandelbrot_serial};
/// use parallel_course::workloads::lanes::mandelbrot_lanes_par;
///
/// let bbox = BoundingBox::zoom(90, 70);
/// assert_eq!(mandelbrot_lanes_par(&bbox, 1024)?, mandelbrot_serial(&bbox, 1024)?);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for `max_iter` 0.
pub fn mandelbrot_lanes_par(bbox: &BoundingBox, max_iter: u32) -> Result<FractalImage> {
    by_rows_par(bbox, max_iter, |row, pixels| {
        fill_span(bbox, max_iter, row, 0, pixels)
    })
}

// ---------------------------------------------------------------- the sine

/// The largest difference between [`sin_lanes`] and `f64::sin` for
/// arguments in `[-2π, 2π]` (the integral uses `(0, 2π)`), as measured by
/// this module's tests on a million points: below 2.3 × 10⁻¹⁶, one unit
/// in the last place of a value near 1 (and at most 2 units in the last
/// place of any value on `(0, 2π)`).
///
/// ```
/// use parallel_course::workloads::lanes::{sin_lanes, SIN_MAX_ERROR};
/// let s = sin_lanes([1.0; 8]);
/// assert!((s[0] - 1f64.sin()).abs() <= SIN_MAX_ERROR);
/// ```
pub const SIN_MAX_ERROR: f64 = 2.3e-16;

/// Beyond this `|x|` [`sin_lanes`] hands the lane to `f64::sin`: the
/// three-part π of the range reduction is exact for multiples up to 2²⁶.
const SIN_REDUCTION_LIMIT: f64 = 1.0e7;

/// π in three parts of at most 27 significant bits (the last one rounded):
/// `k · PI_1` and `k · PI_2` are exact for `k < 2²⁶`.
const PI_1: f64 = 3.141592651605606;
const PI_2: f64 = 1.9841871479187034e-9;
const PI_3: f64 = 1.1442377452219664e-17;

/// The odd Taylor coefficients of the sine, `(-1)^m / (2m+1)!` for
/// `m = 1..=10`; after `r²¹` the series' next term is below 1.3 × 10⁻¹⁸
/// for `|r| ≤ π/2`.
const SIN_TAYLOR: [f64; 10] = [
    -0.16666666666666666,
    0.008333333333333333,
    -0.0001984126984126984,
    2.7557319223985893e-6,
    -2.505210838544172e-8,
    1.6059043836821613e-10,
    -7.647163731819816e-13,
    2.8114572543455206e-15,
    -8.22063524662433e-18,
    1.9572941063391263e-20,
];

/// `sin` of [`LANES`] arguments at once, as lane arrays: the argument is
/// reduced to `r = x − kπ` with `|r| ≤ π/2` (`k` the nearest integer to
/// `x/π`, π in three parts so that the subtraction is exact), then
/// `sin x = (−1)ᵏ · sin r`, with `sin r` from its Taylor series to the
/// `r²¹` term by Horner's rule.
///
/// Within [`SIN_MAX_ERROR`] of `f64::sin` on `[-2π, 2π]` (tested); lanes
/// with `|x|` above 10⁷, infinite or NaN get `f64::sin` itself.
///
/// ```
/// use parallel_course::workloads::lanes::{sin_lanes, SIN_MAX_ERROR};
///
/// let x = [0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let s = sin_lanes(x);
/// for (x, s) in x.iter().zip(s) {
///     assert!((s - x.sin()).abs() <= SIN_MAX_ERROR);
/// }
/// assert!(sin_lanes([f64::NAN; 8])[0].is_nan());
/// ```
pub fn sin_lanes(x: [f64; LANES]) -> [f64; LANES] {
    sin_on(simd(), x)
}

fn sin_on(level: Simd, x: [f64; LANES]) -> [f64; LANES] {
    dispatch!(level; sin_body(x: [f64; LANES]) -> [f64; LANES])
}

#[inline(always)]
fn sin_body(x: [f64; LANES]) -> [f64; LANES] {
    // Adding 1.5 · 2⁵² rounds to an integer (ties to even) in the last
    // bits of the mantissa: k without a rounding instruction, and k's
    // parity in the lowest bit.
    const ROUND: f64 = 6755399441055744.0;
    let mut s = [0.0; LANES];
    let mut far = false;
    for l in 0..LANES {
        let t = x[l] * std::f64::consts::FRAC_1_PI + ROUND;
        let k = t - ROUND;
        let r = ((x[l] - k * PI_1) - k * PI_2) - k * PI_3;
        let r2 = r * r;
        let mut p = SIN_TAYLOR[9];
        for c in SIN_TAYLOR[..9].iter().rev() {
            p = p * r2 + c;
        }
        let sin_r = r + r * r2 * p;
        let odd = t.to_bits() << 63; // the sign bit when k is odd
        s[l] = f64::from_bits(sin_r.to_bits() ^ odd);
        let near = x[l].abs() <= SIN_REDUCTION_LIMIT; // false for NaN too
        far |= !near;
    }
    if far {
        for l in 0..LANES {
            if x[l].abs().is_nan() || x[l].abs() > SIN_REDUCTION_LIMIT {
                s[l] = x[l].sin();
            }
        }
    }
    s
}

// ---------------------------------------------------------------- the integral

/// Groups of [`LANES`] cells between two looks for an interrupt within a
/// row (65 536 cells).
const GROUPS_PER_CHECK: usize = (1 << 16) / LANES;

/// The sum over the rows `rows` of the `n × n` grid, like
/// [`integral_rows`](super::integral::integral_rows), [`LANES`] cells of a
/// row at a time with [`sin_lanes`]'s sine; each lane keeps its own
/// partial sum, added up at the end of the row.
///
/// ```
/// use parallel_course::workloads::integral::{agree, integral_rows};
/// use parallel_course::workloads::lanes::integral_rows_lanes;
///
/// let n = 1_001;
/// assert!(agree(integral_rows_lanes(n, 0..300), integral_rows(n, 0..300)));
/// ```
pub fn integral_rows_lanes(n: usize, rows: Range<usize>) -> f64 {
    rows_on(simd(), n, rows)
}

fn rows_on(level: Simd, n: usize, rows: Range<usize>) -> f64 {
    dispatch!(level; rows_body(n: usize, rows: Range<usize>) -> f64)
}

#[inline(always)]
fn rows_body(n: usize, rows: Range<usize>) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let h = std::f64::consts::PI / n as f64;
    let full = n - n % LANES;
    let mut total = 0.0;
    for i in rows.start..rows.end.min(n) {
        if crate::interrupt::stop_requested("the integral") {
            break;
        }
        let x = (i as f64 + 0.5) * h;
        // (j + ½) for the lanes' columns j, exact in f64, stepped by LANES.
        let mut jf: [f64; LANES] = std::array::from_fn(|l| l as f64 + 0.5);
        let mut acc = [0.0; LANES];
        // In blocks of groups, with a look for an interrupt between them:
        // one row of a huge grid is already a long piece of work.
        let groups = full / LANES;
        let mut g = 0;
        while g < groups {
            let end = groups.min(g.saturating_add(GROUPS_PER_CHECK));
            for _ in g..end {
                let s = sin_body(std::array::from_fn(|l| x + jf[l] * h));
                for l in 0..LANES {
                    acc[l] += s[l];
                    jf[l] += LANES as f64;
                }
            }
            g = end;
            if g < groups && crate::interrupt::stop_requested("the integral") {
                return 0.0;
            }
        }
        if full < n {
            let s = sin_body(std::array::from_fn(|l| x + jf[l] * h));
            for (l, s) in s.iter().enumerate().take(n - full) {
                acc[l] += s;
            }
        }
        total += acc.iter().sum::<f64>();
    }
    total * h * h
}

/// The 2-D integral on an `n × n` grid on one core, in lanes
/// ([`integral_rows_lanes`]); `n = 0` gives 0.
///
/// ```
/// use parallel_course::workloads::integral::{agree, integral_serial};
/// use parallel_course::workloads::lanes::integral_lanes;
/// assert!(agree(integral_lanes(1_000), integral_serial(1_000)));
/// ```
pub fn integral_lanes(n: usize) -> f64 {
    integral_rows_lanes(n, 0..n)
}

/// Lanes × cores: one rayon task per row, each row in lanes.
///
/// ```
/// use parallel_course::workloads::integral::{agree, integral_serial};
/// use parallel_course::workloads::lanes::integral_lanes_par;
/// assert!(agree(integral_lanes_par(1_000), integral_serial(1_000)));
/// ```
pub fn integral_lanes_par(n: usize) -> f64 {
    (0..n)
        .into_par_iter()
        .panic_fuse() // after an interrupt, no row starts
        .map(|i| integral_rows_lanes(n, i..i + 1))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::fractal::{BoundingBox, mandelbrot, mandelbrot_serial};
    use crate::workloads::integral::{agree, integral_serial};

    /// Every level the kernels are compiled for; one this CPU lacks runs
    /// the baseline instead.
    const LEVELS: [Simd; 3] = [Simd::Avx512, Simd::Avx2, Simd::Sse2];

    #[test]
    fn the_lanes_image_is_the_serial_image_pixel_for_pixel() {
        for (bbox, max_iter) in [
            (BoundingBox::zoom(97, 61), 1024),
            (BoundingBox::overview(64, 64), 200),
            (BoundingBox::overview(3, 5), 50),
        ] {
            let serial = mandelbrot_serial(&bbox, max_iter).unwrap();
            assert_eq!(mandelbrot_lanes(&bbox, max_iter).unwrap(), serial);
            assert_eq!(mandelbrot_lanes_par(&bbox, max_iter).unwrap(), serial);
        }
    }

    #[test]
    fn the_zoom_at_full_size_takes_84_613_311_steps() {
        let zoom = BoundingBox::zoom(1024, 1024);
        let image = mandelbrot_lanes_par(&zoom, 1024).unwrap();
        assert_eq!(image.total_work(), 84_613_311);
        assert_eq!(image, mandelbrot_serial(&zoom, 1024).unwrap());
    }

    #[test]
    fn every_instruction_set_gives_the_scalar_counts() {
        let points: Vec<Complex64> = (0..400)
            .map(|k| Complex64::new(-2.2 + 0.0077 * k as f64, 1.1 - 0.0055 * k as f64))
            .collect();
        for chunk in points.chunks_exact(LANES) {
            let c: [Complex64; LANES] = std::array::from_fn(|l| chunk[l]);
            let expected = c.map(|c| mandelbrot(c, 700));
            assert_eq!(escape_lanes(c, 700), expected);
            let (cr, ci) = (c.map(|c| c.re), c.map(|c| c.im));
            for level in LEVELS {
                assert_eq!(escape_on(level, cr, ci, 700), expected, "{level}");
            }
        }
    }

    #[test]
    fn zero_iterations_are_refused_like_the_serial_version() {
        let bbox = BoundingBox::overview(8, 8);
        let e = mandelbrot_lanes(&bbox, 0).unwrap_err().to_string();
        assert_eq!(e, mandelbrot_serial(&bbox, 0).unwrap_err().to_string());
        assert!(mandelbrot_lanes_par(&bbox, 0).is_err());
    }

    fn sin_error_on(lo: f64, hi: f64, points: usize) -> f64 {
        let step = (hi - lo) / points as f64;
        let mut worst: f64 = 0.0;
        for start in (0..points).step_by(LANES) {
            let x: [f64; LANES] = std::array::from_fn(|l| lo + (start + l) as f64 * step);
            for level in LEVELS {
                let s = sin_on(level, x);
                for l in 0..LANES {
                    worst = worst.max((s[l] - x[l].sin()).abs());
                }
            }
        }
        worst
    }

    #[test]
    fn the_sine_is_within_its_stated_error_of_f64_sin() {
        let tau = std::f64::consts::TAU;
        let worst = sin_error_on(-tau, tau, 1_000_000);
        assert!(worst <= SIN_MAX_ERROR, "{worst:e}");
        // In units in the last place, on the integral's range (0, 2π).
        for start in (1..200_000).step_by(LANES) {
            let x: [f64; LANES] = std::array::from_fn(|l| (start + l) as f64 * tau / 2e5);
            for (s, x) in sin_lanes(x).iter().zip(x) {
                let ulps = (s.to_bits() as i64 - x.sin().to_bits() as i64).abs();
                assert!(ulps <= 2, "{ulps} ulps at {x}");
            }
        }
        // Far from 0 the reduction still holds (relative to 1).
        assert!(sin_error_on(1e5, 1e5 + 10.0, 10_000) < 1e-11);
    }

    #[test]
    fn the_sine_is_exact_at_zero_odd_and_passes_far_or_bad_arguments_on() {
        let s = sin_lanes([0.0, -0.0, 1e-300, 1e8, -1e300, f64::INFINITY, f64::NAN, 3.0]);
        assert_eq!(s[0], 0.0);
        assert_eq!(s[2], 1e-300);
        assert_eq!(s[3], 1e8f64.sin());
        assert_eq!(s[4], (-1e300f64).sin());
        assert!(s[5].is_nan() && s[6].is_nan());
        let x = [0.3, 1.2, 2.5, 3.3, 4.4, 5.1, 6.0, 0.01];
        let minus = sin_lanes(x.map(|x| -x));
        for (a, b) in sin_lanes(x).iter().zip(minus) {
            assert_eq!(*a, -b);
        }
    }

    #[test]
    fn the_lanes_integral_agrees_with_the_serial_loop() {
        assert_eq!((integral_lanes(0), integral_serial(0)), (0.0, 0.0));
        for n in [1, 7, 8, 9, 100, 1_003] {
            let serial = integral_serial(n);
            assert!(agree(integral_lanes(n), serial), "n = {n}");
            assert!(agree(integral_lanes_par(n), serial), "n = {n}");
        }
        let one_level = rows_on(LEVELS[0], 333, 0..333);
        for level in LEVELS {
            // Same lanes, same order of additions: the same bits on every level.
            assert_eq!(rows_on(level, 333, 0..333), one_level, "{level}");
        }
        let n = 1_000;
        let half = integral_rows_lanes(n, 0..n / 2);
        assert!((half - 2.0).abs() < 1e-5, "{half}");
        assert_eq!(integral_rows_lanes(10, 20..30), 0.0);
    }

    #[test]
    fn the_chosen_instruction_set_is_one_the_cpu_has() {
        let s = simd();
        #[cfg(target_arch = "x86_64")]
        {
            assert_ne!(s, Simd::Portable);
            if s == Simd::Avx512 {
                assert!(std::arch::is_x86_feature_detected!("avx512f"));
            }
        }
        assert!(s.to_string().contains(s.name()));
    }
}
