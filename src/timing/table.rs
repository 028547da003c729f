//! A side-by-side table of several timings with ratios to a baseline.

use crate::format::format_seconds;
use crate::table::Table;
use crate::timing::Timing;

/// Several named [`Timing`]s measured in one session, shown as a table
/// with each one's speed-up over the first (the baseline).
///
/// ```
/// use parallel_course::timing::{Timing, TimingTable};
///
/// let mut table = TimingTable::new();
/// table.add("serial", Timing::from_runs(&[0.40], 1));
/// table.add("parallel", Timing::from_runs(&[0.10], 1));
/// assert_eq!(table.speedups(), vec![1.0, 4.0]);
/// println!("{table}");
/// ```
#[derive(Debug, Clone, Default)]
pub struct TimingTable {
    entries: Vec<(String, Timing)>,
}

impl TimingTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a row; the first row is the baseline for the ratios.
    pub fn add(&mut self, name: impl Into<String>, timing: Timing) -> &mut Self {
        self.entries.push((name.into(), timing));
        self
    }

    /// The rows, in the order they were added.
    pub fn entries(&self) -> &[(String, Timing)] {
        &self.entries
    }

    /// Each row's speed-up over the first row (mean time per loop).
    pub fn speedups(&self) -> Vec<f64> {
        match self.entries.first() {
            Some((_, base)) => self
                .entries
                .iter()
                .map(|(_, t)| t.speedup_over(base))
                .collect(),
            None => Vec::new(),
        }
    }

    fn table(&self) -> Table {
        let mut table = Table::new(["variant", "mean ± std. dev.", "best", "speed-up"]);
        for ((name, t), s) in self.entries.iter().zip(self.speedups()) {
            table.row([
                name.clone(),
                format!(
                    "{} ± {}",
                    format_seconds(t.mean, 3),
                    format_seconds(t.std_dev, 3)
                ),
                format_seconds(t.best, 3),
                format!("{s:.2}×"),
            ]);
        }
        table
    }

    /// Shows the table in the notebook.
    pub fn evcxr_display(&self) {
        self.table().evcxr_display();
    }
}

impl std::fmt::Display for TimingTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.table().fmt(f)
    }
}
