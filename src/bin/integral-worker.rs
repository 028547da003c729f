//! A worker process for episode 8: integrates one block of rows of the
//! 2-D integral and writes the block's sum to standard output, where the
//! parent reads it through a pipe.
//!
//! Usage: `integral-worker N FIRST_ROW END_ROW`

use parallel_course::workloads::integral::integral_rows;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    let [n, first, end] = args[..] else {
        eprintln!("usage: integral-worker N FIRST_ROW END_ROW (three whole numbers)");
        std::process::exit(2);
    };
    // `{:e}` with no precision prints the shortest text that reads back
    // as the same f64, so the parent gets the exact sum.
    println!("{:e}", integral_rows(n, first..end));
}
