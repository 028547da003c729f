//! Makes `puzzles.txt`: generates puzzles from seeds `0..SEEDS` with
//! `course_dynamic::sudoku::generate`, keeps the `KEEP` that the reading-order
//! search needs most nodes for, and prints them with their seed and nodes.
//!
//! ```text
//! cargo run --release -p course_dynamic --example make_puzzles > crates/dynamic/puzzles.txt
//! ```

use course_dynamic::sudoku::generate;
use parallel_course::rayon::prelude::*;

const SEEDS: u64 = 20_000;
const KEEP: usize = 10;

fn main() {
    let mut found: Vec<(u64, u64, String, usize)> = (0..SEEDS)
        .into_par_iter()
        .map(|seed| {
            let puzzle = generate(seed);
            let (_, nodes) = puzzle.solve_counting();
            (nodes, seed, puzzle.to_line(), puzzle.clues())
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    println!("# Sudoku puzzles for episode 13, each with exactly one solution.");
    println!(
        "# Made by course_dynamic::sudoku::generate(seed) for seeds 0..{SEEDS}: the {KEEP}"
    );
    println!(
        "# the reading-order search (Board::solve) needs most nodes for, hardest first."
    );
    println!(
        "# Regenerate: cargo run --release -p course_dynamic --example make_puzzles > crates/dynamic/puzzles.txt"
    );
    println!("# puzzle  seed  clues  nodes");
    for (nodes, seed, line, clues) in found.into_iter().take(KEEP) {
        println!("{line}  {seed}  {clues}  {nodes}");
    }
}
