//! Episode 13 of *Parallel Programming in Rust*: dynamic programming.
//!
//! Three workloads, each with the serial reference the notebook's parallel
//! code is checked against:
//!
//! - [`coins`]: the number of ways to make an amount from coins, a recursion
//!   that repeats work unless it is memoised; the parallel forms share one
//!   cache and count how often each entry was computed.
//! - [`checkpoint`]: a long computation (π by chunks) that saves its progress
//!   with `serde` and `postcard`, and resumes from the last save after a crash.
//! - [`sudoku`]: a backtracking search, serial and parallel with rayon's
//!   `find_map_any`, and puzzles generated with a checked unique solution.
//!
//! ```
//! use course_dynamic::prelude::*;
//! assert_eq!(ways_table(200, &UK_COINS)?[200], 73_682);
//! # Ok::<(), parallel_course::Error>(())
//! ```

pub mod checkpoint;
pub mod coins;
pub mod sudoku;

pub use postcard;
pub use serde;

/// Everything the episode's notebook uses, in one import.
///
/// ```
/// use course_dynamic::prelude::*;
/// let puzzle: Board = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79".parse()?;
/// assert!(puzzle.solve().is_some());
/// # Ok::<(), course_dynamic::sudoku::ParseError>(())
/// ```
pub mod prelude {
    pub use crate::checkpoint::{
        PiProgress, load_checkpoint, pi_resumable, save_checkpoint,
    };
    pub use crate::coins::{
        Computations, UK_COINS, ways_memo, ways_naive, ways_par_once, ways_par_racy,
        ways_table,
    };
    pub use crate::sudoku::{Board, generate, puzzles, solve_par};
}
