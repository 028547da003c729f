//! Episode 13's workloads agree with their serial references.

use course_dynamic::prelude::*;
use course_dynamic::sudoku::PUZZLES_TXT;
use parallel_course::workloads::pi::{CHUNK, pi_chunked};

#[test]
fn memoised_ways_equal_the_naive_recursion_and_the_table() {
    let table = ways_table(300, &UK_COINS).unwrap();
    for amount in [0, 1, 2, 7, 50, 123, 200, 300] {
        let (naive, calls) = ways_naive(amount, &UK_COINS).unwrap();
        let (memo, computed) = ways_memo(amount, &UK_COINS).unwrap();
        assert_eq!(naive, table[amount as usize], "amount {amount}");
        assert_eq!(memo, naive, "amount {amount}");
        assert!(computed <= calls);
    }
    assert_eq!(ways_naive(200, &UK_COINS).unwrap().0, 73_682);
}

#[test]
fn parallel_memos_give_every_amount_and_once_computes_each_key_once() {
    let table = ways_table(2_000, &UK_COINS).unwrap();
    let (racy, racy_work) = ways_par_racy(2_000, &UK_COINS).unwrap();
    let (once, once_work) = ways_par_once(2_000, &UK_COINS).unwrap();
    assert_eq!(racy, table);
    assert_eq!(once, table);
    assert_eq!(once_work.computed, once_work.keys);
    assert_eq!(racy_work.keys, once_work.keys);
    assert!(racy_work.computed >= racy_work.keys);
}

#[test]
fn coin_helpers_refuse_what_they_cannot_compute() {
    assert!(ways_naive(10, &[]).is_err());
    assert!(ways_memo(10, &[1, 0]).is_err());
    assert!(ways_par_once(10_001, &UK_COINS).is_err());
    assert!(ways_table(10, &[0]).is_err());
    let message = ways_par_racy(1_000_000, &UK_COINS).unwrap_err().to_string();
    assert!(
        message.contains("amount") && message.contains("10 000"),
        "{message}"
    );
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("course-dynamic-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("pi.bin")
}

#[test]
fn a_run_resumed_after_crashes_equals_the_uninterrupted_run() {
    let path = scratch("resume");
    let n = 40 * CHUNK + 123;
    let mut crashes = 0;
    let pi = loop {
        match pi_resumable(n, 11, &path, 3, Some(2)) {
            Ok(pi) => break pi,
            Err(_) => {
                crashes += 1;
                let saved: PiProgress = load_checkpoint(&path)
                    .unwrap()
                    .expect("a checkpoint after a crash");
                assert_eq!(saved.next_chunk, 6 * crashes);
            }
        }
    };
    assert_eq!(crashes, 6);
    assert_eq!(pi, pi_chunked(n, 11));
    assert!(
        !path.exists(),
        "the checkpoint is removed once the run is complete"
    );
}

#[test]
fn a_checkpoint_of_another_run_or_a_damaged_one_is_refused_and_kept() {
    let path = scratch("refuse");
    save_checkpoint(&path, &PiProgress::start(1_000, 1)).unwrap();
    let message = pi_resumable(2_000, 1, &path, 1, None)
        .unwrap_err()
        .to_string();
    assert!(message.contains("n = 1000"), "{message}");
    std::fs::write(&path, [0xff; 3]).unwrap();
    let message = pi_resumable(1_000, 1, &path, 1, None)
        .unwrap_err()
        .to_string();
    assert!(message.contains("move it away"), "{message}");
    assert_eq!(std::fs::read(&path).unwrap(), [0xff; 3]);
    assert!(pi_resumable(0, 1, scratch("zero"), 1, None).is_err());
    assert!(pi_resumable(10, 1, scratch("zero-step"), 0, None).is_err());
}

#[test]
fn every_shipped_puzzle_has_one_solution_that_keeps_its_clues() {
    let set = puzzles();
    let listed = PUZZLES_TXT
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count();
    assert_eq!(set.len(), listed, "every puzzle line parses");
    assert!(set.len() >= 8);
    for puzzle in &set {
        assert_eq!(puzzle.count_solutions(2), 1, "{puzzle:?}");
        let solution = puzzle.solve().expect("a solution");
        solution.check_solution_of(puzzle).unwrap();
        assert_eq!(puzzle.solve_fewest_first().0, Some(solution));
    }
}

#[test]
fn shipped_puzzles_are_the_generators_output_for_their_seeds() {
    for line in PUZZLES_TXT.lines().filter(|l| !l.starts_with('#')).take(3) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let seed: u64 = fields[1].parse().unwrap();
        assert_eq!(generate(seed).to_line(), fields[0]);
    }
}

#[test]
fn the_parallel_search_finds_the_serial_solution_at_every_threshold() {
    let puzzle = puzzles()[5];
    let expected = puzzle.solve();
    for threshold in [0, 1, 2, 5, 81] {
        assert_eq!(
            solve_par(&puzzle, threshold).0,
            expected,
            "threshold {threshold}"
        );
    }
    // Row 1 holds 1 to 8 and the cell below its last holds 9: no digit fits cell 8.
    let mut stuck = Board::empty();
    for (cell, digit) in [
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
        (4, 5),
        (5, 6),
        (6, 7),
        (7, 8),
        (17, 9),
    ] {
        stuck = stuck.with(cell, digit);
    }
    assert_eq!(stuck.solve(), None, "cell 8 has no candidate");
    assert_eq!(solve_par(&stuck, 3).0, None);
}

#[test]
fn bad_sudoku_text_is_refused_with_the_reason() {
    let too_short = "123".parse::<Board>().unwrap_err().to_string();
    assert!(too_short.contains("3 cells"), "{too_short}");
    let repeated = format!("11{}", ".".repeat(79))
        .parse::<Board>()
        .unwrap_err()
        .to_string();
    assert!(repeated.contains("row 1, column 2"), "{repeated}");
    let letter = format!("x{}", ".".repeat(80))
        .parse::<Board>()
        .unwrap_err()
        .to_string();
    assert!(letter.contains("'x'"), "{letter}");
    assert!(".".repeat(82).parse::<Board>().is_err());
}
