//! The computations the course measures, each in serial and parallel
//! forms that are tested to agree.
//!
//! Parallel versions carry the suffix `_par` and use rayon, so they run on
//! whichever pool they are called in (the global one by default, or a
//! pool of a chosen size inside a [scaling study](crate::scaling)).

pub mod fractal;
pub mod patterns;
pub mod pi;
pub mod processes;
pub mod sharing;
pub mod sum;
pub mod wordcount;
