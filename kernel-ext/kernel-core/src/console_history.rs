//! The inputs a learner ran, for the up arrow of JupyterLab's console
//! (`history_request`), kept across kernels as IPython keeps them.
//!
//! Each kernel is a session, numbered one above the last one in the file.
//! Every input stored in history (`store_history`) is appended as one
//! JSON line, `{"session": S, "line": N, "input": "…"}`, to a file of the
//! learner's own (`~/.local/share/parallel-course/history.jsonl`, made
//! readable by its owner only). The file keeps the last [`KEEP`] inputs.
//!
//! ```
//! use course_kernel_core::console_history::{ConsoleHistory, Request};
//!
//! let dir = std::env::temp_dir().join(format!("doc-history-{}", std::process::id()));
//! let file = dir.join("history.jsonl");
//! let mut first = ConsoleHistory::open(&file)?;
//! first.add("let x = 6 * 7;")?;
//! first.add("x")?;
//! let second = ConsoleHistory::open(&file)?; // the next kernel
//! let tail = second.answer(&Request::Tail { n: 10 });
//! assert_eq!(tail.len(), 2);
//! assert_eq!(tail[1].2, "x");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

/// How many inputs the file keeps.
pub const KEEP: usize = 1000;

/// What a `history_request` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// The last `n` inputs.
    Tail {
        /// How many.
        n: usize,
    },
    /// Lines `start..stop` of session `session` (0: this one; negative:
    /// counted back from this one).
    Range {
        /// The session.
        session: i64,
        /// First line, from 1.
        start: u64,
        /// One past the last line; 0 for to the end.
        stop: u64,
    },
    /// Inputs matching a glob pattern (`*` and `?`), the last `n`; only the
    /// latest of equal inputs when `unique`.
    Search {
        /// The pattern.
        pattern: String,
        /// How many at most.
        n: usize,
        /// Whether equal inputs appear once.
        unique: bool,
    },
}

impl Request {
    /// Reads a `history_request`'s content; `None` for a kind it does not
    /// know.
    pub fn from_content(content: &serde_json::Value) -> Option<Request> {
        let n = content["n"].as_u64().unwrap_or(100).min(KEEP as u64) as usize;
        match content["hist_access_type"].as_str()? {
            "tail" => Some(Request::Tail { n }),
            "range" => Some(Request::Range {
                session: content["session"].as_i64().unwrap_or(0),
                start: content["start"].as_u64().unwrap_or(1),
                stop: content["stop"].as_u64().unwrap_or(0),
            }),
            "search" => Some(Request::Search {
                pattern: content["pattern"].as_str().unwrap_or("*").to_string(),
                n,
                unique: content["unique"].as_bool().unwrap_or(false),
            }),
            _ => None,
        }
    }
}

/// One input: session, line, the code.
pub type Entry = (u64, u64, String);

/// This kernel's view of the learner's input history.
#[derive(Debug)]
pub struct ConsoleHistory {
    file: PathBuf,
    session: u64,
    line: u64,
    /// Earlier sessions' inputs, read at start, and this session's.
    entries: Vec<Entry>,
}

impl ConsoleHistory {
    /// Opens the history in `file` (made, with its folder, if missing) and
    /// starts a new session.
    ///
    /// # Errors
    ///
    /// When the folder cannot be made. A file that cannot be read counts as
    /// empty; a line that is not an entry is skipped.
    pub fn open(file: &Path) -> std::io::Result<ConsoleHistory> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let entries: Vec<Entry> = std::fs::read_to_string(file)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).ok()?;
                Some((
                    v["session"].as_u64()?,
                    v["line"].as_u64()?,
                    v["input"].as_str()?.to_string(),
                ))
            })
            .collect();
        let session = entries.iter().map(|e| e.0).max().unwrap_or(0) + 1;
        Ok(ConsoleHistory {
            file: file.to_path_buf(),
            session,
            line: 0,
            entries,
        })
    }

    /// The learner's history file: `$XDG_DATA_HOME/parallel-course/history.jsonl`,
    /// else `~/.local/share/parallel-course/history.jsonl`.
    pub fn default_file() -> Option<PathBuf> {
        let data = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share"))
            })?;
        Some(data.join("parallel-course").join("history.jsonl"))
    }

    /// This kernel's session number.
    pub fn session(&self) -> u64 {
        self.session
    }

    /// Adds an input of this session, and appends it to the file (one
    /// write of one line, so kernels writing at once do not mix lines).
    /// Blank inputs are not kept.
    ///
    /// # Errors
    ///
    /// When the file cannot be written; the input is kept for this session
    /// anyway.
    pub fn add(&mut self, input: &str) -> std::io::Result<()> {
        if input.trim().is_empty() {
            return Ok(());
        }
        self.line += 1;
        self.entries
            .push((self.session, self.line, input.to_string()));
        let line = serde_json::json!({
            "session": self.session,
            "line": self.line,
            "input": input,
        })
        .to_string()
            + "\n";
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&self.file)?;
        file.write_all(line.as_bytes())?;
        if self.entries.len() > 2 * KEEP {
            self.entries.drain(..self.entries.len() - KEEP);
            self.trim_file()?;
        }
        Ok(())
    }

    /// Rewrites the file with its last [`KEEP`] lines (to a new file, then
    /// renamed over it).
    fn trim_file(&self) -> std::io::Result<()> {
        let text = std::fs::read_to_string(&self.file)?;
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() <= KEEP {
            return Ok(());
        }
        let kept = lines[lines.len() - KEEP..].join("\n") + "\n";
        let partial = self.file.with_extension("jsonl.partial");
        std::fs::write(&partial, kept)?;
        std::fs::rename(&partial, &self.file)
    }

    /// The entries a request asks for, oldest first.
    pub fn answer(&self, request: &Request) -> Vec<Entry> {
        match request {
            Request::Tail { n } => last(&self.entries, *n),
            Request::Range {
                session,
                start,
                stop,
            } => {
                let wanted = if *session <= 0 {
                    self.session.saturating_sub(session.unsigned_abs())
                } else {
                    *session as u64
                };
                self.entries
                    .iter()
                    .filter(|e| {
                        e.0 == wanted && e.1 >= *start && (*stop == 0 || e.1 < *stop)
                    })
                    .cloned()
                    .collect()
            }
            Request::Search { pattern, n, unique } => {
                let mut found: Vec<Entry> = Vec::new();
                for e in self.entries.iter().rev() {
                    if !glob(pattern, &e.2) {
                        continue;
                    }
                    if *unique && found.iter().any(|f| f.2 == e.2) {
                        continue;
                    }
                    found.push(e.clone());
                    if found.len() == *n {
                        break;
                    }
                }
                found.reverse();
                found
            }
        }
    }
}

fn last(entries: &[Entry], n: usize) -> Vec<Entry> {
    entries[entries.len().saturating_sub(n)..].to_vec()
}

/// Whether `text` matches `pattern`, where `*` is any run of characters
/// and `?` any one.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut i, mut j) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while j < t.len() {
        if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("history-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("sub").join("history.jsonl")
    }

    #[test]
    fn inputs_survive_into_the_next_kernel_as_an_earlier_session() {
        let file = temp("sessions");
        let mut a = ConsoleHistory::open(&file).unwrap();
        a.add("let x = 1;").unwrap();
        a.add("   ").unwrap();
        a.add("x + 1").unwrap();
        let mut b = ConsoleHistory::open(&file).unwrap();
        assert_eq!(b.session(), a.session() + 1);
        b.add("x * 2").unwrap();
        let all = b.answer(&Request::Tail { n: 100 });
        let inputs: Vec<&str> = all.iter().map(|e| e.2.as_str()).collect();
        assert_eq!(inputs, ["let x = 1;", "x + 1", "x * 2"]);
        let this = b.answer(&Request::Range {
            session: 0,
            start: 1,
            stop: 0,
        });
        assert_eq!(this.len(), 1);
        let before = b.answer(&Request::Range {
            session: -1,
            start: 1,
            stop: 2,
        });
        assert_eq!(before, [(a.session(), 1, "let x = 1;".to_string())]);
        std::fs::remove_dir_all(file.parent().unwrap().parent().unwrap()).unwrap();
    }

    #[test]
    fn the_file_is_private_and_a_damaged_line_is_skipped() {
        let file = temp("private");
        let mut a = ConsoleHistory::open(&file).unwrap();
        a.add("secret()").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "mode {mode:o}");
        }
        std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap()
            .write_all(b"not json\n")
            .unwrap();
        let b = ConsoleHistory::open(&file).unwrap();
        assert_eq!(b.answer(&Request::Tail { n: 5 }).len(), 1);
        std::fs::remove_dir_all(file.parent().unwrap().parent().unwrap()).unwrap();
    }

    #[test]
    fn search_matches_globs_latest_first_kept_in_order() {
        let file = temp("search");
        let mut a = ConsoleHistory::open(&file).unwrap();
        for input in ["pi_par(10, 1)", "sum(3)", "pi_par(20, 1)", "pi_par(10, 1)"] {
            a.add(input).unwrap();
        }
        let found = a.answer(&Request::Search {
            pattern: "pi_*".into(),
            n: 10,
            unique: true,
        });
        let inputs: Vec<&str> = found.iter().map(|e| e.2.as_str()).collect();
        assert_eq!(inputs, ["pi_par(20, 1)", "pi_par(10, 1)"]);
        assert!(glob("a?c*", "abcdef"));
        assert!(!glob("a?c", "abcd"));
        std::fs::remove_dir_all(file.parent().unwrap().parent().unwrap()).unwrap();
    }

    #[test]
    fn the_file_keeps_the_last_inputs_only() {
        let file = temp("trim");
        let mut a = ConsoleHistory::open(&file).unwrap();
        for i in 0..(2 * KEEP + 1) {
            a.add(&format!("{i}")).unwrap();
        }
        let lines = std::fs::read_to_string(&file).unwrap().lines().count();
        assert_eq!(lines, KEEP);
        let b = ConsoleHistory::open(&file).unwrap();
        let tail = b.answer(&Request::Tail { n: 1 });
        assert_eq!(tail[0].2, format!("{}", 2 * KEEP));
        std::fs::remove_dir_all(file.parent().unwrap().parent().unwrap()).unwrap();
    }

    #[test]
    fn requests_are_read_from_jupyter_content() {
        let tail = serde_json::json!({"hist_access_type": "tail", "n": 3});
        assert_eq!(Request::from_content(&tail), Some(Request::Tail { n: 3 }));
        let odd = serde_json::json!({"hist_access_type": "everything"});
        assert_eq!(Request::from_content(&odd), None);
    }
}
