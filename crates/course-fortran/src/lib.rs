//! Episode 9's Fortran: the 2-D integral of episode 8 written in Fortran,
//! serially and with OpenMP, compiled by gfortran (`-O2 -fopenmp`) and
//! called through `bind(C)`, beside the same loop in Rust and on rayon.
//!
//! OpenMP sizes its team of threads from `OMP_NUM_THREADS`, read once when
//! the process first uses OpenMP, or from [`set_omp_threads`], which sets
//! it for the calling thread only: every other thread (a rayon worker, say)
//! keeps the default of one OpenMP thread per core.
//!
//! ```
//! use course_fortran::{integral_fortran, integral_fortran_omp};
//! use parallel_course::workloads::integral::{agree, integral_serial};
//! # if course_fortran::available().is_err() { return Ok(()); }
//! assert!(agree(integral_fortran(300)?, integral_serial(300)));
//! assert!(agree(integral_fortran_omp(300)?, integral_serial(300)));
//! # Ok::<(), parallel_course::Error>(())
//! ```

use parallel_course::{Error, Result};

/// The largest grid: n² sines, 10¹⁰ at most (about a minute on one core).
pub const MAX_N: usize = 100_000;

#[cfg(not(course_no_fortran))]
mod ffi {
    unsafe extern "C" {
        /// The integral on an n × n grid, serially (`fortran/integral.f90`).
        pub fn integral_fortran(n: i64) -> f64;
        /// The same loop with an OpenMP `parallel do` over the rows.
        pub fn integral_fortran_omp(n: i64) -> f64;
        /// OpenMP's thread count for the calling thread's next parallel region.
        pub fn omp_set_num_threads(n: i32);
        /// The size of the team the calling thread's next parallel region would get.
        pub fn omp_get_max_threads() -> i32;
    }
}

/// Without gfortran: the same names, never called, because every public
/// function asks [`available`] first.
#[cfg(course_no_fortran)]
mod ffi {
    const NEVER: &str = "available() refuses before any call";
    pub unsafe fn integral_fortran(_n: i64) -> f64 {
        unreachable!("{NEVER}")
    }
    pub unsafe fn integral_fortran_omp(_n: i64) -> f64 {
        unreachable!("{NEVER}")
    }
    pub unsafe fn omp_set_num_threads(_n: i32) {
        unreachable!("{NEVER}")
    }
    pub unsafe fn omp_get_max_threads() -> i32 {
        unreachable!("{NEVER}")
    }
}

/// `Ok` when the crate was built with gfortran; else how to install it.
///
/// # Errors
///
/// [`Error::Setup`] when gfortran was missing as the crate was built.
pub fn available() -> Result<()> {
    if cfg!(course_no_fortran) {
        Err(Error::Setup(
            "gfortran was not found when this crate was built. Install it (`sudo apt-get install \
             gfortran` on Debian/Ubuntu; `./lab` does it as root), then restart \
             the kernel and run the cell again."
                .into(),
        ))
    } else {
        Ok(())
    }
}

fn checked(n: usize) -> Result<i64> {
    available()?;
    if n == 0 || n > MAX_N {
        return Err(Error::InvalidArgument {
            name: "n",
            value: n.to_string(),
            allowed: "1 to 100 000 rows",
        });
    }
    Ok(n as i64)
}

/// The integral in serial Fortran.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for `n` of 0 or above [`MAX_N`];
/// [`Error::Setup`] without gfortran.
pub fn integral_fortran(n: usize) -> Result<f64> {
    let n = checked(n)?;
    // SAFETY: the function reads only its argument and returns a number.
    Ok(unsafe { ffi::integral_fortran(n) })
}

/// The integral in Fortran with OpenMP threads (as many as
/// [`omp_threads`] says for the calling thread).
///
/// # Errors
///
/// As [`integral_fortran`].
pub fn integral_fortran_omp(n: usize) -> Result<f64> {
    let n = checked(n)?;
    // SAFETY: the function reads only its argument; OpenMP's threads
    // share nothing with Rust's.
    Ok(unsafe { ffi::integral_fortran_omp(n) })
}

/// Sets the OpenMP team size for parallel regions started from the calling
/// thread, as `OMP_NUM_THREADS` does for the whole process at its start.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for 0 or more than 1024 threads;
/// [`Error::Setup`] without gfortran.
pub fn set_omp_threads(threads: usize) -> Result<()> {
    available()?;
    if threads == 0 || threads > 1024 {
        return Err(Error::InvalidArgument {
            name: "threads",
            value: threads.to_string(),
            allowed: "1 to 1024",
        });
    }
    // SAFETY: sets a per-thread value in libgomp; any count from 1 is valid.
    unsafe { ffi::omp_set_num_threads(threads as i32) };
    Ok(())
}

/// The OpenMP team size a parallel region started from the calling thread
/// would get.
///
/// # Errors
///
/// [`Error::Setup`] without gfortran.
pub fn omp_threads() -> Result<usize> {
    available()?;
    // SAFETY: reads a per-thread value in libgomp.
    Ok(unsafe { ffi::omp_get_max_threads() }.max(1) as usize)
}

/// The Fortran source, to show in a cell.
pub const SOURCE: &str = include_str!("../fortran/integral.f90");
