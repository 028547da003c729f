//! Why a cell failed, as Jupyter shows it: an `error` output (name, value,
//! traceback lines) and an `execute_reply` with status `error`.

use evcxr::{CompilationError, Theme};
use serde_json::{Value, json};

use crate::interrupt::GRACE;

/// A failed cell.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The error's name (`KeyboardInterrupt`, `UsageError`, `E0382`).
    pub ename: String,
    /// The message.
    pub evalue: String,
    /// The lines Jupyter shows.
    pub traceback: Vec<String>,
}

impl Failure {
    /// A failure whose traceback is its message.
    pub fn other(ename: &str, evalue: String) -> Failure {
        Failure {
            ename: ename.to_string(),
            traceback: vec![format!("{ename}: {evalue}")],
            evalue,
        }
    }

    /// The cell stopped at an interrupt, and every variable is kept.
    pub fn interrupted_kept(variables: &[String]) -> Failure {
        let kept = if variables.is_empty() {
            "no variables were defined before it".to_string()
        } else {
            format!(
                "every variable made before it is kept: {}",
                variables.join(", ")
            )
        };
        Failure::other(
            "KeyboardInterrupt",
            format!("the cell stopped when asked; {kept}"),
        )
    }

    /// The cell panicked: evcxr caught the panic at the cell's edge, kept
    /// the variables made before, and dropped those the cell made.
    /// `message` is what the panic printed; its first line (`thread '…'
    /// panicked at src/lib.rs:98:1:`, a place in the code evcxr generates,
    /// already shown in the cell's stderr) is left out of the error.
    pub fn panicked(message: &str, kept: &[String]) -> Failure {
        let kept = if kept.is_empty() {
            String::new()
        } else {
            format!(" (variables kept: {})", kept.join(", "))
        };
        Failure::other(
            "Panic",
            format!(
                "{}{kept}",
                course_kernel_core::outcome::panic_message(message)
            ),
        )
    }

    /// The cell did not stop when asked, so its process was stopped; the
    /// variables in `lost` are gone, and `rebuildable` cells can make them
    /// again.
    pub fn interrupted_lost(lost: &[String], rebuildable: usize) -> Failure {
        Failure::other(
            "KeyboardInterrupt",
            format!(
                "the cell did not stop within {} s of the interrupt (it never checks for one), so \
                 its process and every process it started were stopped. {}",
                GRACE.as_secs(),
                lost_text(lost, rebuildable)
            ),
        )
    }

    /// The cell process ended by itself (a crash, an abort, out of memory).
    pub fn process_died(why: &str, lost: &[String], rebuildable: usize) -> Failure {
        Failure::other(
            "ProcessDied",
            format!(
                "the process running cells ended ({}). {}",
                why.trim(),
                lost_text(lost, rebuildable)
            ),
        )
    }

    /// The cell process was ended by the OOM killer of the kernel's own
    /// memory cgroup: the cell asked for more memory than this server may
    /// use.
    pub fn out_of_memory(
        limit: Option<u64>,
        lost: &[String],
        rebuildable: usize,
    ) -> Failure {
        let limit = match limit {
            Some(bytes) => format!(
                "this server may use at most {:.1} GiB",
                bytes as f64 / (1u64 << 30) as f64
            ),
            None => "this server's memory is limited".into(),
        };
        Failure::other(
            "MemoryError",
            format!(
                "out of memory: {limit}, and the cell asked for more, so the system stopped the \
                 process running cells. Use a smaller size, or free memory first (`drop` a big \
                 variable). {}",
                lost_text(lost, rebuildable)
            ),
        )
    }

    /// The `error` output's content.
    pub fn content(&self) -> Value {
        json!({ "ename": self.ename, "evalue": self.evalue, "traceback": self.traceback })
    }

    /// The `execute_reply` content.
    pub fn reply(&self, execution_count: u64) -> Value {
        json!({
            "status": "error",
            "execution_count": execution_count,
            "ename": self.ename,
            "evalue": self.evalue,
            "traceback": self.traceback,
        })
    }
}

fn lost_text(lost: &[String], rebuildable: usize) -> String {
    if lost.is_empty() {
        return "No variables were lost.".into();
    }
    let again = match rebuildable {
        0 => "No earlier cell made them in a way %rebuild can repeat; run their cells again.".to_string(),
        1 => "Run %rebuild to re-run the 1 cell that made them.".to_string(),
        n => format!("Run %rebuild to re-run the {n} cells that made them, in order."),
    };
    format!(
        "Lost: {} (functions, types and :dep crates are kept). {again}",
        lost.join(", ")
    )
}

/// Compile errors, drawn against the cell's code where they point into it.
pub fn compilation(errors: &[CompilationError], code: &str, count: u64) -> Failure {
    let mut traceback = Vec::new();
    let file = format!("cell [{count}]");
    for error in errors {
        if error.is_from_user_code()
            && let Some(report) =
                error.build_report(file.clone(), code.to_string(), Theme::Light)
        {
            let mut drawn = Vec::new();
            if report
                .write(
                    ariadne::sources([(file.clone(), code.to_string())]),
                    &mut drawn,
                )
                .is_ok()
            {
                traceback
                    .extend(String::from_utf8_lossy(&drawn).lines().map(str::to_string));
                continue;
            }
        }
        for spanned in error.spanned_messages() {
            traceback.extend(spanned.lines.iter().cloned());
            traceback.push(spanned.label.clone());
        }
        traceback.push(error.message());
        traceback.extend(error.help().into_iter().map(|h| format!("help: {h}")));
    }
    let first = errors.first();
    Failure {
        ename: first
            .and_then(|e| e.code().map(str::to_string))
            .unwrap_or_else(|| "Error".to_string()),
        evalue: first.map_or_else(|| "compilation failed".to_string(), |e| e.message()),
        traceback,
    }
}
