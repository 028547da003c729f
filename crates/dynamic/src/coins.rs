//! Making change: in how many ways can an amount be paid with given coins?
//!
//! `ways(a, k)`, the number of ways to pay `a` with the first `k + 1` coins,
//! either uses coin `k` at least once or never uses it:
//!
//! ```text
//! ways(a, k) = ways(a - coin[k], k) + ways(a, k - 1)
//! ```
//!
//! Written as a plain recursion, the same `(a, k)` is reached along many
//! paths and computed again each time ([`ways_naive`] counts the calls).
//! Remembering each answer (memoisation, [`ways_memo`]) computes every key
//! once; filling the table in order, smallest amounts first, is the same
//! computation without recursion ([`ways_table`]), the reference for the rest.
//!
//! Many amounts at once share their sub-problems. [`ways_par_racy`] shares a
//! `Mutex<HashMap>` between rayon's threads and looks up, computes and
//! inserts in three steps, so two threads that miss the same key both compute
//! it; [`ways_par_once`] gives every key a `OnceLock`, so a thread that finds
//! a key being computed waits for it instead. Both count their computations.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use parallel_course::rayon::prelude::*;
use parallel_course::{Error, Result};

/// The coins of the pound sterling, in pence: 1p, 2p, 5p, 10p, 20p, 50p, £1 and £2.
pub const UK_COINS: [u32; 8] = [1, 2, 5, 10, 20, 50, 100, 200];

/// The largest amount the recursive forms accept: each coin of 2 or more
/// adds a level of recursion per use, and 10 000 levels stay well inside a
/// thread's stack.
pub const MAX_AMOUNT: u32 = 10_000;

/// Refuses what the recursions cannot handle, before any work.
fn check(amount: u32, coins: &[u32]) -> Result<()> {
    if coins.is_empty() {
        return Err(Error::InvalidArgument {
            name: "coins",
            value: "[]".into(),
            allowed: "at least one coin",
        });
    }
    if coins.contains(&0) {
        return Err(Error::InvalidArgument {
            name: "coins",
            value: format!("{coins:?}"),
            allowed: "coins worth 1 or more (a coin worth 0 pays nothing, endlessly)",
        });
    }
    if amount > MAX_AMOUNT {
        return Err(Error::InvalidArgument {
            name: "amount",
            value: amount.to_string(),
            allowed: "0 to 10 000 (deeper recursions would overflow a thread's stack)",
        });
    }
    Ok(())
}

/// One step of the recurrence: the ways to pay `a` with the first `k + 1`
/// coins, from the ways of smaller keys, which `ways` gives (by recursion,
/// from a memo, from a cell per key: what the forms below differ in).
fn step(
    a: u32,
    k: usize,
    coins: &[u32],
    mut ways: impl FnMut(u32, usize) -> u128,
) -> u128 {
    if k == 0 {
        return u128::from(a.is_multiple_of(coins[0]));
    }
    let using_k = if coins[k] <= a {
        ways(a - coins[k], k)
    } else {
        0
    };
    using_k + ways(a, k - 1)
}

/// The plain recursion: the number of ways to pay `amount` with `coins`,
/// and the number of calls it made to find it.
///
/// ```
/// use course_dynamic::coins::{ways_naive, UK_COINS};
/// let (ways, calls) = ways_naive(20, &UK_COINS)?;
/// assert_eq!(ways, 41);
/// assert!(calls > 41);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for no coins, a coin of 0 or an amount above [`MAX_AMOUNT`].
pub fn ways_naive(amount: u32, coins: &[u32]) -> Result<(u128, u64)> {
    check(amount, coins)?;
    fn ways(a: u32, k: usize, coins: &[u32], calls: &mut u64) -> u128 {
        *calls += 1;
        step(a, k, coins, |a, k| ways(a, k, coins, calls))
    }
    let mut calls = 0;
    let n = ways(amount, coins.len() - 1, coins, &mut calls);
    Ok((n, calls))
}

/// The recursion with a memo: every `(amount, coin)` computed once and
/// remembered. Returns the ways and the number of computations (entries in the memo).
///
/// ```
/// use course_dynamic::coins::{ways_memo, ways_naive, UK_COINS};
/// let (memo, computed) = ways_memo(100, &UK_COINS)?;
/// let (naive, calls) = ways_naive(100, &UK_COINS)?;
/// assert_eq!(memo, naive);
/// assert!(computed < calls);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// As [`ways_naive`].
pub fn ways_memo(amount: u32, coins: &[u32]) -> Result<(u128, u64)> {
    check(amount, coins)?;
    fn ways(
        a: u32,
        k: usize,
        coins: &[u32],
        memo: &mut HashMap<(u32, usize), u128>,
    ) -> u128 {
        if let Some(&n) = memo.get(&(a, k)) {
            return n;
        }
        let n = step(a, k, coins, |a, k| ways(a, k, coins, memo));
        memo.insert((a, k), n);
        n
    }
    let mut memo = HashMap::new();
    let n = ways(amount, coins.len() - 1, coins, &mut memo);
    Ok((n, memo.len() as u64))
}

/// Bottom-up: the ways to pay every amount from 0 to `amount`, one coin at a
/// time, without recursion (so without its limit on the amount; the counts
/// wrap past `u128::MAX`, far beyond any amount a cell could wait for).
///
/// ```
/// use course_dynamic::coins::{ways_table, UK_COINS};
/// let table = ways_table(200, &UK_COINS)?;
/// assert_eq!((table[0], table[5], table[200]), (1, 4, 73_682));
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for no coins or a coin of 0.
pub fn ways_table(amount: u32, coins: &[u32]) -> Result<Vec<u128>> {
    check(0, coins)?;
    let mut table = vec![0u128; amount as usize + 1];
    table[0] = 1;
    for &coin in coins {
        for a in coin as usize..table.len() {
            table[a] = table[a].wrapping_add(table[a - coin as usize]);
        }
    }
    Ok(table)
}

/// How much work a memoised computation did: how many values it computed,
/// against how many distinct keys there are.
///
/// ```
/// use course_dynamic::coins::Computations;
/// let c = Computations { computed: 12, keys: 10 };
/// assert_eq!(c.repeated(), 2);
/// assert_eq!(c.to_string(), "12 computations of 10 keys (2 repeated)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Computations {
    /// Values computed, counting each time a key was computed.
    pub computed: u64,
    /// Distinct keys: the least work a perfect memo does.
    pub keys: u64,
}

impl Computations {
    /// Computations beyond one per key: work done twice.
    pub fn repeated(&self) -> u64 {
        self.computed.saturating_sub(self.keys)
    }
}

impl fmt::Display for Computations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} computations of {} keys ({} repeated)",
            self.computed,
            self.keys,
            self.repeated()
        )
    }
}

/// Every amount from 0 to `max_amount` at once, on rayon's threads, sharing
/// one `Mutex<HashMap>` memo: look up (lock, read, unlock), compute on a miss,
/// insert (lock, write, unlock). Between the look-up and the insert another
/// thread can miss the same key and compute it too: correct, but repeated.
///
/// ```
/// use course_dynamic::coins::{ways_par_racy, ways_table, UK_COINS};
/// let (ways, work) = ways_par_racy(300, &UK_COINS)?;
/// assert_eq!(ways, ways_table(300, &UK_COINS)?);
/// assert!(work.computed >= work.keys);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// As [`ways_naive`].
pub fn ways_par_racy(
    max_amount: u32,
    coins: &[u32],
) -> Result<(Vec<u128>, Computations)> {
    check(max_amount, coins)?;
    struct Shared<'a> {
        coins: &'a [u32],
        memo: Mutex<HashMap<(u32, usize), u128>>,
        computed: AtomicU64,
    }
    fn ways(a: u32, k: usize, s: &Shared) -> u128 {
        let known = s
            .memo
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(a, k))
            .copied();
        if let Some(n) = known {
            return n;
        }
        s.computed.fetch_add(1, Ordering::Relaxed);
        let n = step(a, k, s.coins, |a, k| ways(a, k, s));
        s.memo
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((a, k), n);
        n
    }
    let shared = Shared {
        coins,
        memo: Mutex::new(HashMap::new()),
        computed: AtomicU64::new(0),
    };
    let top = coins.len() - 1;
    let all: Vec<u128> = (0..=max_amount)
        .into_par_iter()
        .map(|a| ways(a, top, &shared))
        .collect();
    let keys = shared.memo.lock().unwrap_or_else(|p| p.into_inner()).len() as u64;
    Ok((
        all,
        Computations {
            computed: shared.computed.into_inner(),
            keys,
        },
    ))
}

/// Every amount from 0 to `max_amount` at once, on rayon's threads, with one
/// `OnceLock` per key in a table: `get_or_init` computes a key once, and a
/// thread that asks for a key another thread is computing waits for it. The
/// recursion only ever waits for smaller keys, so no two threads wait for
/// each other.
///
/// ```
/// use course_dynamic::coins::{ways_par_once, ways_table, UK_COINS};
/// let (ways, work) = ways_par_once(300, &UK_COINS)?;
/// assert_eq!(ways, ways_table(300, &UK_COINS)?);
/// assert_eq!(work.repeated(), 0);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// As [`ways_naive`].
pub fn ways_par_once(
    max_amount: u32,
    coins: &[u32],
) -> Result<(Vec<u128>, Computations)> {
    check(max_amount, coins)?;
    struct Shared<'a> {
        coins: &'a [u32],
        memo: Vec<OnceLock<u128>>,
        computed: AtomicU64,
    }
    fn ways(a: u32, k: usize, s: &Shared) -> u128 {
        *s.memo[a as usize * s.coins.len() + k].get_or_init(|| {
            s.computed.fetch_add(1, Ordering::Relaxed);
            step(a, k, s.coins, |a, k| ways(a, k, s))
        })
    }
    let keys = (max_amount as usize + 1) * coins.len();
    let shared = Shared {
        coins,
        memo: (0..keys).map(|_| OnceLock::new()).collect(),
        computed: AtomicU64::new(0),
    };
    let top = coins.len() - 1;
    let all: Vec<u128> = (0..=max_amount)
        .into_par_iter()
        .map(|a| ways(a, top, &shared))
        .collect();
    let keys = shared
        .memo
        .iter()
        .filter(|cell| cell.get().is_some())
        .count() as u64;
    Ok((
        all,
        Computations {
            computed: shared.computed.into_inner(),
            keys,
        },
    ))
}
