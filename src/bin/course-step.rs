//! The steps of episode 12's workflows: small jobs that read files and
//! write files, as a workflow engine (Snakemake) expects.
//!
//! ```text
//! course-step cook STEP --minutes M --out FILE [INPUT...]
//!     a kitchen step: keeps a core busy for M × 20 ms, then writes what it did
//! course-step integral --n N --part I --parts P --out FILE
//!     the 2-D integral's rows of part I of P (episode 8), one number
//! course-step sum --out FILE INPUT...
//!     adds the numbers in the inputs, in the order given
//! course-step count-words BOOK --out FILE
//!     the words of a book and their counts, most frequent first (tab-separated)
//! course-step top-words --top K --out FILE INPUT...
//!     merges word counts and keeps the K most frequent
//! ```
//!
//! Every step writes its output only once it has all of it (to a temporary
//! file, then renamed), so a step that fails leaves no half-written output;
//! it says what went wrong on standard error and exits with status 1 (2 for
//! a command line it does not understand).

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use parallel_course::workloads::integral::{integral_rows, rows_of_part};
use parallel_course::workloads::wordcount::{Book, WordCounts, count_words, top_words};

/// Milliseconds of work per minute of a kitchen step.
const MS_PER_MINUTE: f64 = 20.0;

const USAGE: &str = "usage:
  course-step cook STEP --minutes M --out FILE [INPUT...]
  course-step integral --n N --part I --parts P --out FILE
  course-step sum --out FILE INPUT...
  course-step count-words BOOK --out FILE
  course-step top-words --top K --out FILE INPUT...";

/// A failed step: the message, and whether the command line was at fault.
struct Failure(String, bool);

fn usage(message: impl Into<String>) -> Failure {
    Failure(message.into(), true)
}

fn failed(message: impl Into<String>) -> Failure {
    Failure(message.into(), false)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message, is_usage)) => {
            match args.first() {
                Some(command) => eprintln!("course-step {command}: {message}"),
                None => eprintln!("course-step: {message}"),
            }
            if is_usage {
                eprintln!("{USAGE}");
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// The command line split into `--name value` options and the rest.
struct Args {
    options: Vec<(String, String)>,
    free: Vec<String>,
}

impl Args {
    fn parse(args: &[String]) -> Result<Args, Failure> {
        let mut options = Vec::new();
        let mut free = Vec::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            if let Some(name) = arg.strip_prefix("--") {
                let value = it
                    .next()
                    .ok_or_else(|| usage(format!("--{name} needs a value")))?;
                options.push((name.to_string(), value.clone()));
            } else {
                free.push(arg.clone());
            }
        }
        Ok(Args { options, free })
    }

    fn text(&self, name: &str) -> Result<&str, Failure> {
        self.options
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| usage(format!("--{name} is missing")))
    }

    fn number<T: std::str::FromStr>(
        &self,
        name: &str,
        allowed: &str,
    ) -> Result<T, Failure> {
        let text = self.text(name)?;
        text.parse()
            .map_err(|_| usage(format!("--{name} {text}: expected {allowed}")))
    }

    fn check_known(&self, known: &[&str]) -> Result<(), Failure> {
        match self
            .options
            .iter()
            .find(|(n, _)| !known.contains(&n.as_str()))
        {
            Some((n, _)) => Err(usage(format!("--{n} is not an option of this step"))),
            None => Ok(()),
        }
    }
}

fn run(args: &[String]) -> Result<(), Failure> {
    let (command, rest) = args.split_first().ok_or_else(|| usage("which step?"))?;
    let a = Args::parse(rest)?;
    match command.as_str() {
        "cook" => cook(&a),
        "integral" => integral(&a),
        "sum" => sum(&a),
        "count-words" => count(&a),
        "top-words" => top(&a),
        other => Err(usage(format!("{other:?} is not a step"))),
    }
}

fn cook(a: &Args) -> Result<(), Failure> {
    a.check_known(&["minutes", "out"])?;
    let (step, inputs) = a
        .free
        .split_first()
        .ok_or_else(|| usage("cook needs the step's name"))?;
    let minutes: f64 = a.number("minutes", "minutes, a number from 0 to 1000")?;
    if !(0.0..=1000.0).contains(&minutes) {
        return Err(usage(format!("--minutes {minutes}: allowed 0 to 1000")));
    }
    for input in inputs {
        read(input)?;
    }
    let start = Instant::now();
    let work = Duration::from_secs_f64(minutes * MS_PER_MINUTE / 1000.0);
    let mut x = 0.0f64;
    while start.elapsed() < work {
        for i in 0..10_000 {
            x = std::hint::black_box(x + f64::from(i).sin());
        }
    }
    let after = if inputs.is_empty() {
        "nothing".to_string()
    } else {
        inputs.join(", ")
    };
    write(
        a.text("out")?,
        &format!("{step} ({minutes} min), after {after}\n"),
    )
}

fn integral(a: &Args) -> Result<(), Failure> {
    a.check_known(&["n", "part", "parts", "out"])?;
    let n: usize = a.number("n", "a whole number of rows, 1 to 10^6")?;
    let parts: usize = a.number("parts", "a whole number of parts, 1 or more")?;
    let part: usize = a.number("part", "a part's number, 0 to parts - 1")?;
    if n == 0 || n > 1_000_000 || parts == 0 || part >= parts {
        return Err(usage(format!(
            "--n {n} --part {part} --parts {parts}: allowed n from 1 to 10^6, parts 1 or more, part below parts"
        )));
    }
    let value = integral_rows(n, rows_of_part(n, part, parts));
    write(a.text("out")?, &format!("{value}\n"))
}

fn sum(a: &Args) -> Result<(), Failure> {
    a.check_known(&["out"])?;
    if a.free.is_empty() {
        return Err(usage("sum needs input files"));
    }
    let mut total = 0.0;
    for input in &a.free {
        let text = read(input)?;
        let value: f64 = text.trim().parse().map_err(|_| {
            failed(format!(
                "{input}: expected one number, found {:?}",
                text.trim()
            ))
        })?;
        total += value;
    }
    write(a.text("out")?, &format!("{total}\n"))
}

fn count(a: &Args) -> Result<(), Failure> {
    a.check_known(&["out"])?;
    let [book] = &a.free[..] else {
        return Err(usage("count-words takes one book"));
    };
    let text = read(book)?;
    let counts = count_words(Book::from_text(0, text).body());
    if counts.is_empty() {
        return Err(failed(format!(
            "{book} has no words: is it the right file?"
        )));
    }
    write(a.text("out")?, &tsv(&top_words(&counts, counts.len())))
}

fn top(a: &Args) -> Result<(), Failure> {
    a.check_known(&["top", "out"])?;
    let k: usize = a.number("top", "how many words to keep, 1 or more")?;
    if k == 0 || a.free.is_empty() {
        return Err(usage("top-words needs --top 1 or more and input files"));
    }
    let mut all = WordCounts::new();
    for input in &a.free {
        for (line, row) in read(input)?.lines().enumerate() {
            let parsed = row
                .split_once('\t')
                .and_then(|(w, c)| Some((w, c.parse::<u64>().ok()?)));
            let (word, n) = parsed.ok_or_else(|| {
                failed(format!(
                    "{input}, line {}: expected `word<TAB>count`, found {row:?}",
                    line + 1
                ))
            })?;
            *all.entry(word.to_string()).or_default() += n;
        }
    }
    write(a.text("out")?, &tsv(&top_words(&all, k)))
}

fn tsv(rows: &[(String, u64)]) -> String {
    let mut out = String::new();
    for (word, n) in rows {
        let _ = writeln!(out, "{word}\t{n}");
    }
    out
}

fn read(path: &str) -> Result<String, Failure> {
    let bytes =
        std::fs::read(path).map_err(|e| failed(format!("reading {path}: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        failed(format!(
            "{path} is not UTF-8 text (byte {}): a text file was expected",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Writes `text` to `path` whole or not at all: a temporary file, renamed.
fn write(path: &str, text: &str) -> Result<(), Failure> {
    let out = Path::new(path);
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| failed(format!("creating {}: {e}", dir.display())))?;
    }
    let tmp = format!("{path}.partial");
    std::fs::write(&tmp, text).map_err(|e| failed(format!("writing {tmp}: {e}")))?;
    std::fs::rename(&tmp, out)
        .map_err(|e| failed(format!("renaming {tmp} to {path}: {e}")))
}
