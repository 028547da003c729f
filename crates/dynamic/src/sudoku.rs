//! Sudoku by backtracking, serial and in parallel.
//!
//! A [`Board`] keeps, besides its 81 cells, which digits each row, column and
//! 3×3 box already holds (one bit per digit), so the candidates of a cell
//! are three bit operations away. The search fills the first empty cell with
//! each candidate in turn and recurses; a dead end (a cell without
//! candidates) sends it back. [`Board::solve`] is that search in reading
//! order, the reference; [`solve_par`] tries the candidates near the root in
//! parallel with rayon's `find_map_any` and searches serially below a depth
//! threshold; [`Board::solve_fewest_first`] picks the cell with the fewest
//! candidates instead, a better algorithm rather than more cores.
//!
//! The puzzles the course ships ([`puzzles`]) were made by [`generate`] and
//! each has exactly one solution.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use parallel_course::rand::rngs::SmallRng;
use parallel_course::rand::seq::SliceRandom;
use parallel_course::rand::{Rng, SeedableRng};
use parallel_course::rayon::prelude::*;

/// A sudoku grid, solved or not: 81 cells in reading order, 0 for empty.
///
/// ```
/// use course_dynamic::sudoku::Board;
/// let board: Board = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79".parse()?;
/// assert_eq!(board.clues(), 30);
/// let solved = board.solve().expect("a solution");
/// assert!(solved.check_solution_of(&board).is_ok());
/// # Ok::<(), course_dynamic::sudoku::ParseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Board {
    cells: [u8; 81],
    rows: [u16; 9],
    cols: [u16; 9],
    boxes: [u16; 9],
}

/// Why a text is not a sudoku.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

const ALL: u16 = 0b11_1111_1110;

fn box_of(cell: usize) -> usize {
    (cell / 27) * 3 + (cell % 9) / 3
}

impl Board {
    /// The empty grid.
    ///
    /// ```
    /// assert_eq!(course_dynamic::sudoku::Board::empty().clues(), 0);
    /// ```
    pub fn empty() -> Self {
        Board {
            cells: [0; 81],
            rows: [0; 9],
            cols: [0; 9],
            boxes: [0; 9],
        }
    }

    /// The digit in `cell` (0 to 80, reading order), 0 if empty.
    pub fn get(&self, cell: usize) -> u8 {
        self.cells[cell]
    }

    /// The number of filled cells.
    pub fn clues(&self) -> usize {
        self.cells.iter().filter(|&&d| d != 0).count()
    }

    /// The digits that can go in `cell` without repeating one in its row,
    /// column or box (none if the cell is filled).
    ///
    /// ```
    /// use course_dynamic::sudoku::Board;
    /// let board = Board::empty().with(0, 5);
    /// assert_eq!(board.candidates(1).collect::<Vec<_>>(), [1, 2, 3, 4, 6, 7, 8, 9]);
    /// assert_eq!(board.candidates(0).count(), 0);
    /// ```
    pub fn candidates(&self, cell: usize) -> Digits {
        if self.cells[cell] != 0 {
            return Digits(0);
        }
        Digits(
            ALL & !(self.rows[cell / 9] | self.cols[cell % 9] | self.boxes[box_of(cell)]),
        )
    }

    /// The first empty cell in reading order, `None` if the grid is full.
    pub fn first_empty(&self) -> Option<usize> {
        self.cells.iter().position(|&d| d == 0)
    }

    /// The empty cell with the fewest candidates (the first of them), `None`
    /// if the grid is full.
    pub fn fewest_candidates(&self) -> Option<usize> {
        (0..81)
            .filter(|&c| self.cells[c] == 0)
            .min_by_key(|&c| self.candidates(c).count())
    }

    /// A copy with `digit` written in `cell`. The caller takes it from
    /// [`candidates`](Self::candidates); anything else is a bug, caught in
    /// debug builds.
    pub fn with(&self, cell: usize, digit: u8) -> Board {
        let mut next = *self;
        next.place(cell, digit);
        next
    }

    fn place(&mut self, cell: usize, digit: u8) {
        debug_assert!(self.cells[cell] == 0 && (1..=9).contains(&digit));
        let bit = 1 << digit;
        self.cells[cell] = digit;
        self.rows[cell / 9] |= bit;
        self.cols[cell % 9] |= bit;
        self.boxes[box_of(cell)] |= bit;
    }

    fn clear(&mut self, cell: usize) {
        let bit = !(1u16 << self.cells[cell]);
        self.cells[cell] = 0;
        self.rows[cell / 9] &= bit;
        self.cols[cell % 9] &= bit;
        self.boxes[box_of(cell)] &= bit;
    }

    /// Backtracking in reading order: the first solution, or `None` if there
    /// is none. The serial reference.
    pub fn solve(&self) -> Option<Board> {
        self.solve_counting().0
    }

    /// As [`solve`](Self::solve), with the number of cells filled in on the
    /// way (the nodes of the search tree): the work, independent of the machine.
    ///
    /// ```
    /// use course_dynamic::sudoku::Board;
    /// let (solution, nodes) = Board::empty().solve_counting();
    /// assert_eq!(solution.map(|s| s.clues()), Some(81));
    /// assert!(nodes >= 81);
    /// ```
    pub fn solve_counting(&self) -> (Option<Board>, u64) {
        let mut board = *self;
        let mut nodes = 0;
        let solved = search(&mut board, &mut nodes, Board::first_empty);
        (solved.then_some(board), nodes)
    }

    /// Backtracking that always fills the cell with the fewest candidates
    /// next: far fewer nodes on hard puzzles. Returns the solution and the nodes.
    ///
    /// ```
    /// use course_dynamic::sudoku::puzzles;
    /// let puzzle = puzzles()[0];
    /// let (fast, few) = puzzle.solve_fewest_first();
    /// let (plain, many) = puzzle.solve_counting();
    /// assert_eq!(fast, plain);
    /// assert!(few < many);
    /// ```
    pub fn solve_fewest_first(&self) -> (Option<Board>, u64) {
        let mut board = *self;
        let mut nodes = 0;
        let solved = search(&mut board, &mut nodes, Board::fewest_candidates);
        (solved.then_some(board), nodes)
    }

    /// The number of solutions, counting no further than `limit` (2 tells a
    /// puzzle with one solution from one with several).
    ///
    /// ```
    /// use course_dynamic::sudoku::Board;
    /// assert_eq!(Board::empty().count_solutions(2), 2);
    /// ```
    pub fn count_solutions(&self, limit: usize) -> usize {
        fn count(board: &mut Board, limit: usize, found: &mut usize) {
            let Some(cell) = board.fewest_candidates() else {
                *found += 1;
                return;
            };
            for digit in board.candidates(cell) {
                board.place(cell, digit);
                count(board, limit, found);
                board.clear(cell);
                if *found >= limit {
                    return;
                }
            }
        }
        let mut board = *self;
        let mut found = 0;
        if limit > 0 {
            count(&mut board, limit, &mut found);
        }
        found
    }

    /// Checks that `self` is a complete, valid grid that keeps every clue of
    /// `puzzle`; the error says what is wrong.
    ///
    /// ```
    /// use course_dynamic::sudoku::Board;
    /// let puzzle = Board::empty().with(0, 9);
    /// let solution = puzzle.solve().expect("a solution");
    /// assert!(solution.check_solution_of(&puzzle).is_ok());
    /// assert!(solution.check_solution_of(&Board::empty().with(0, 1)).is_err());
    /// ```
    pub fn check_solution_of(&self, puzzle: &Board) -> Result<(), String> {
        if let Some(cell) = self.first_empty() {
            return Err(format!(
                "cell {} (row {}, column {}) is empty",
                cell,
                cell / 9 + 1,
                cell % 9 + 1
            ));
        }
        for (kind, masks) in [
            ("row", &self.rows),
            ("column", &self.cols),
            ("box", &self.boxes),
        ] {
            if let Some(i) = masks.iter().position(|&m| m != ALL) {
                return Err(format!("{kind} {} repeats a digit", i + 1));
            }
        }
        match (0..81).find(|&c| puzzle.cells[c] != 0 && puzzle.cells[c] != self.cells[c])
        {
            Some(c) => Err(format!(
                "clue {} at row {}, column {} was changed",
                puzzle.cells[c],
                c / 9 + 1,
                c % 9 + 1
            )),
            None => Ok(()),
        }
    }

    /// The grid as one line of 81 characters, `.` for empty cells.
    pub fn to_line(&self) -> String {
        self.cells
            .iter()
            .map(|&d| if d == 0 { '.' } else { char::from(b'0' + d) })
            .collect()
    }
}

fn search(board: &mut Board, nodes: &mut u64, next: fn(&Board) -> Option<usize>) -> bool {
    let Some(cell) = next(board) else { return true };
    for digit in board.candidates(cell) {
        *nodes += 1;
        board.place(cell, digit);
        if search(board, nodes, next) {
            return true;
        }
        board.clear(cell);
    }
    false
}

/// The candidate digits of a cell, smallest first.
#[derive(Debug, Clone, Copy)]
pub struct Digits(u16);

impl Iterator for Digits {
    type Item = u8;
    fn next(&mut self) -> Option<u8> {
        if self.0 == 0 {
            return None;
        }
        let digit = self.0.trailing_zeros() as u8;
        self.0 &= self.0 - 1;
        Some(digit)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.0.count_ones() as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Digits {}

impl FromStr for Board {
    type Err = ParseError;

    /// Reads 81 cells in reading order: digits `1`–`9`, and `.` or `0` for an
    /// empty cell; spaces, line breaks and the grid lines `|`, `-`, `+` are skipped.
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let mut board = Board::empty();
        let mut cell = 0;
        for ch in text.chars() {
            let digit = match ch {
                '1'..='9' => ch as u8 - b'0',
                '.' | '0' => 0,
                c if c.is_whitespace() || "|-+".contains(c) => continue,
                c => {
                    return Err(ParseError(format!(
                        "unexpected {c:?}: a sudoku has digits 1-9 and . or 0 for empty cells"
                    )));
                }
            };
            if cell == 81 {
                return Err(ParseError("more than 81 cells".into()));
            }
            if digit != 0 {
                if board.candidates(cell).all(|d| d != digit) {
                    return Err(ParseError(format!(
                        "{digit} at row {}, column {} repeats a digit of its row, column or box",
                        cell / 9 + 1,
                        cell % 9 + 1
                    )));
                }
                board.place(cell, digit);
            }
            cell += 1;
        }
        if cell < 81 {
            return Err(ParseError(format!("{cell} cells; a sudoku has 81")));
        }
        Ok(board)
    }
}

impl fmt::Display for Board {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for row in 0..9 {
            if row % 3 == 0 && row > 0 {
                writeln!(f, "------+-------+------")?;
            }
            for col in 0..9 {
                match col {
                    0 => {}
                    3 | 6 => f.write_str(" | ")?,
                    _ => f.write_str(" ")?,
                }
                match self.cells[row * 9 + col] {
                    0 => f.write_str(".")?,
                    d => write!(f, "{d}")?,
                }
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Board {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Board(\"{}\")", self.to_line())
    }
}

/// The parallel search: below `depth` levels from the root (the first
/// `threshold` cells filled in this call), the candidates are tried in
/// parallel and the first branch to find a solution stops the others
/// (`find_map_any`); deeper, the serial [`Board::solve`]. Also returns the
/// nodes visited by every thread, wasted branches included.
///
/// ```
/// use course_dynamic::sudoku::{puzzles, solve_par};
/// let puzzle = puzzles()[0];
/// let (solution, _nodes) = solve_par(&puzzle, 3);
/// assert_eq!(solution, puzzle.solve());
/// ```
pub fn solve_par(board: &Board, threshold: usize) -> (Option<Board>, u64) {
    fn go(
        board: &Board,
        depth: usize,
        threshold: usize,
        nodes: &AtomicU64,
    ) -> Option<Board> {
        if depth >= threshold {
            let (solution, n) = board.solve_counting();
            nodes.fetch_add(n, Ordering::Relaxed);
            return solution;
        }
        let Some(cell) = board.first_empty() else {
            return Some(*board);
        };
        let digits: Vec<u8> = board.candidates(cell).collect();
        nodes.fetch_add(digits.len() as u64, Ordering::Relaxed);
        digits
            .into_par_iter()
            .find_map_any(|d| go(&board.with(cell, d), depth + 1, threshold, nodes))
    }
    let nodes = AtomicU64::new(0);
    let solution = go(board, 0, threshold, &nodes);
    (solution, nodes.into_inner())
}

/// A puzzle with exactly one solution, made from `seed`: a random full grid,
/// then its cells emptied in random order, each only if the puzzle keeps a
/// single solution. The same seed gives the same puzzle.
///
/// ```
/// use course_dynamic::sudoku::generate;
/// let puzzle = generate(1);
/// assert_eq!(puzzle, generate(1));
/// assert_eq!(puzzle.count_solutions(2), 1);
/// assert!(puzzle.clues() < 40);
/// ```
pub fn generate(seed: u64) -> Board {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut full = Board::empty();
    fill_randomly(&mut full, &mut rng);
    let mut order: Vec<usize> = (0..81).collect();
    order.shuffle(&mut rng);
    let mut puzzle = full;
    for cell in order {
        let mut fewer = puzzle;
        fewer.clear(cell);
        if fewer.count_solutions(2) == 1 {
            puzzle = fewer;
        }
    }
    puzzle
}

fn fill_randomly(board: &mut Board, rng: &mut SmallRng) -> bool {
    let Some(cell) = board.fewest_candidates() else {
        return true;
    };
    let mut digits: Vec<u8> = board.candidates(cell).collect();
    digits.shuffle(rng);
    for digit in digits {
        board.place(cell, digit);
        if fill_randomly(board, rng) {
            return true;
        }
        board.clear(cell);
    }
    let _ = rng.next_u32();
    false
}

/// The puzzle set of episode 13, from `puzzles.txt` in this crate (where
/// each line says how it was made): puzzles from [`generate`] that the
/// reading-order search finds hardest, each with one solution.
///
/// ```
/// use course_dynamic::sudoku::puzzles;
/// let set = puzzles();
/// assert!(set.len() >= 8);
/// assert!(set.iter().all(|p| p.count_solutions(2) == 1));
/// ```
pub fn puzzles() -> Vec<Board> {
    PUZZLES_TXT
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| word.len() == 81)
        .filter_map(|word| word.parse().ok())
        .collect()
}

/// The text of `puzzles.txt`.
pub const PUZZLES_TXT: &str = include_str!("../puzzles.txt");
