//! What Slurm's accounting kept of a finished job (`sacct`), and the
//! efficiency `seff` computes from it: CPU time against the CPUs held for
//! the elapsed time, the largest resident memory against the memory asked
//! for.

use std::fmt;
use std::time::Duration;

use super::submit::{output, slurm};
use crate::error::{Error, Result};

/// The fields read from `sacct`, in this order.
const FIELDS: &str = "JobID,JobName,State,ElapsedRaw,TotalCPU,AllocCPUS,MaxRSS,ReqMem,NodeList,ExitCode,AllocTRES";

/// One line of `sacct`: the job's allocation, its batch script, or one of
/// its steps (`srun`).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountingRow {
    /// `123` for the allocation, `123.batch`, `123.0` for steps.
    pub id: String,
    /// The job's or step's name.
    pub name: String,
    /// `COMPLETED`, `FAILED`, `CANCELLED by 0`, …
    pub state: String,
    /// Wall time from start to end (whole seconds, as Slurm keeps it).
    pub elapsed: Duration,
    /// User and system CPU time of every process (of every step, on the
    /// allocation's line).
    pub cpu: Duration,
    /// The CPUs held.
    pub cpus: u32,
    /// The largest resident memory of any one task, in bytes (steps only).
    pub max_rss: Option<u64>,
    /// The memory asked for, in bytes (the allocation's line): `ReqMem`,
    /// or the memory the job was given (`mem=` in `AllocTRES`) when
    /// Slurm's accounting kept no `ReqMem` for it.
    pub req_mem: Option<u64>,
    /// The nodes it ran on, as Slurm writes a host list (`node[1-2]`).
    pub nodes: String,
    /// `status:signal`.
    pub exit_code: String,
}

/// A finished job as Slurm's accounting kept it: its allocation and each
/// step, and the `seff` figures computed from them.
///
/// ```
/// use parallel_course::cluster::JobAccounting;
/// let text = "7|job|COMPLETED|4|00:07.500|2||2000M|node[1-2]|0:0\n\
///             7.batch|batch|COMPLETED|4|00:00.100|1|2048K||node1|0:0\n\
///             7.0|prog|COMPLETED|3|00:07.400|2|104857600||node[1-2]|0:0\n";
/// let acct = JobAccounting::parse(7, text)?;
/// assert_eq!(acct.cpu_efficiency(), Some(7.5 / (2.0 * 4.0)));
/// assert_eq!(acct.max_rss(), Some(100 << 20));
/// assert_eq!(acct.memory_efficiency(), Some(100.0 / 2000.0));
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct JobAccounting {
    /// The allocation's line: the whole job.
    pub job: AccountingRow,
    /// The batch script and the steps, in `sacct`'s order.
    pub steps: Vec<AccountingRow>,
}

impl JobAccounting {
    /// Reads `sacct -P -n` lines of job `id`, with the fields
    /// `JobID|JobName|State|ElapsedRaw|TotalCPU|AllocCPUS|MaxRSS|ReqMem|NodeList|ExitCode`
    /// and, optionally, `|AllocTRES`.
    ///
    /// # Errors
    ///
    /// [`Error::Worker`] when no line is the job's own.
    pub fn parse(id: u64, text: &str) -> Result<JobAccounting> {
        let mut job = None;
        let mut steps = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let row = parse_row(line)?;
            if row.id == id.to_string() {
                job = Some(row);
            } else if row.id.starts_with(&format!("{id}.")) {
                steps.push(row);
            }
        }
        let job = job.ok_or_else(|| {
            Error::Worker(format!(
                "Slurm's accounting has no line for job {id}:\n{text}"
            ))
        })?;
        Ok(JobAccounting { job, steps })
    }

    /// The job's CPU time: the allocation's, or the steps' together when
    /// the allocation's line has none yet.
    pub fn cpu_time(&self) -> Duration {
        let steps: Duration = self.steps.iter().map(|s| s.cpu).sum();
        self.job.cpu.max(steps)
    }

    /// The largest resident memory of any task of any step, in bytes.
    pub fn max_rss(&self) -> Option<u64> {
        self.steps
            .iter()
            .chain(std::iter::once(&self.job))
            .filter_map(|s| s.max_rss)
            .max()
    }

    /// CPU efficiency as `seff` computes it: CPU time ÷ (CPUs held ×
    /// elapsed time), from 0 to 1 (a little over 1 when the whole seconds
    /// of the elapsed time round down). `None` before the job ran a second.
    pub fn cpu_efficiency(&self) -> Option<f64> {
        let held = f64::from(self.job.cpus) * self.job.elapsed.as_secs_f64();
        (held > 0.0).then(|| self.cpu_time().as_secs_f64() / held)
    }

    /// CPUs kept busy on average: CPU time ÷ elapsed time.
    pub fn busy_cpus(&self) -> Option<f64> {
        let elapsed = self.job.elapsed.as_secs_f64();
        (elapsed > 0.0).then(|| self.cpu_time().as_secs_f64() / elapsed)
    }

    /// Memory efficiency as `seff` computes it: the largest resident memory
    /// ÷ the memory asked for, from 0 to 1.
    pub fn memory_efficiency(&self) -> Option<f64> {
        let asked = self.job.req_mem.filter(|&m| m > 0)? as f64;
        Some(self.max_rss()? as f64 / asked)
    }

    /// Whether every line has reached a final state (the accounting of a
    /// step arrives a moment after the job ends).
    pub fn is_final(&self) -> bool {
        let done = |s: &AccountingRow| {
            [
                "COMPLETED",
                "FAILED",
                "CANCELLED",
                "TIMEOUT",
                "OUT_OF_ME",
                "NODE_FAIL",
            ]
            .iter()
            .any(|f| s.state.starts_with(f))
        };
        done(&self.job) && self.steps.iter().all(done)
    }

    /// The rows as a table: id, name, state, nodes, elapsed, CPU time,
    /// MaxRSS.
    pub fn table(&self) -> crate::table::Table {
        let mut t = crate::table::Table::new([
            "JobID",
            "JobName",
            "State",
            "NodeList",
            "Elapsed",
            "TotalCPU",
            "AllocCPUS",
            "MaxRSS",
        ]);
        for r in std::iter::once(&self.job).chain(&self.steps) {
            t.row((
                r.id.clone(),
                r.name.clone(),
                r.state.clone(),
                r.nodes.clone(),
                format!("{} s", r.elapsed.as_secs()),
                format!("{:.2} s", r.cpu.as_secs_f64()),
                r.cpus,
                r.max_rss.map_or(String::new(), mib),
            ));
        }
        t
    }

    /// Shows the table in the notebook, with the efficiency lines below.
    pub fn evcxr_display(&self) {
        let table = self.table();
        let text = format!("{table}\n{}", self.seff());
        let html = format!(
            "{}<pre>{}</pre>",
            table.to_html(),
            crate::display::escape_html(&self.seff())
        );
        crate::display::emit(&[("text/plain", &text), ("text/html", &html)]);
    }

    /// The efficiency lines, as `seff` prints them.
    pub fn seff(&self) -> String {
        let mut s = String::new();
        let held = self.job.elapsed.as_secs();
        match self.cpu_efficiency() {
            Some(e) => s.push_str(&format!(
                "CPU efficiency: {:.1}% of {} CPU × {held} s = {} CPU-s held (CPU time used: \
                 {:.2} s)\n",
                100.0 * e,
                self.job.cpus,
                u64::from(self.job.cpus) * held,
                self.cpu_time().as_secs_f64()
            )),
            None => s.push_str("CPU efficiency: the job ran less than a second\n"),
        }
        match (self.memory_efficiency(), self.max_rss(), self.job.req_mem) {
            (Some(e), Some(rss), Some(req)) => s.push_str(&format!(
                "Memory efficiency: {:.1}% of {} asked for (largest resident memory of a task: \
                 {})\n",
                100.0 * e,
                mib(req),
                mib(rss)
            )),
            _ => s.push_str("Memory efficiency: not recorded\n"),
        }
        s
    }
}

impl fmt::Display for JobAccounting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n{}", self.table(), self.seff())
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
}

fn parse_row(line: &str) -> Result<AccountingRow> {
    let f: Vec<&str> = line.split('|').collect();
    if f.len() < 10 {
        return Err(Error::Worker(format!(
            "sacct gave {line:?}, not the {} fields asked for",
            FIELDS.split(',').count()
        )));
    }
    Ok(AccountingRow {
        id: f[0].to_string(),
        name: f[1].to_string(),
        state: f[2].to_string(),
        elapsed: Duration::from_secs(f[3].parse().unwrap_or(0)),
        cpu: cpu_time(f[4]).unwrap_or_default(),
        cpus: f[5].parse().unwrap_or(0),
        max_rss: memory(f[6]),
        // Slurm 22.05 sometimes keeps no ReqMem for a job (sacct prints its
        // "no value" marker); the memory it was given is the same request.
        req_mem: memory(f[7]).or_else(|| f.get(10).and_then(|tres| tres_memory(tres))),
        nodes: f[8].to_string(),
        exit_code: f[9].to_string(),
    })
}

/// Slurm's CPU time: `[D-][HH:]MM:SS[.mmm]`.
pub(crate) fn cpu_time(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let (days, rest) = match text.split_once('-') {
        Some((d, r)) => (d.parse::<u64>().ok()?, r),
        None => (0, text),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (h, m, s) = match parts.as_slice() {
        [m, s] => (0.0, m.parse::<f64>().ok()?, s.parse::<f64>().ok()?),
        [h, m, s] => (
            h.parse::<f64>().ok()?,
            m.parse::<f64>().ok()?,
            s.parse::<f64>().ok()?,
        ),
        _ => return None,
    };
    Some(Duration::from_secs_f64(
        days as f64 * 86_400.0 + h * 3600.0 + m * 60.0 + s,
    ))
}

/// The `mem=` entry of a TRES list such as `billing=2,cpu=2,mem=6026M,node=1`.
fn tres_memory(tres: &str) -> Option<u64> {
    tres.split(',')
        .find_map(|entry| entry.strip_prefix("mem="))
        .and_then(memory)
}

/// Slurm's memory: bytes, or a number with `K`, `M`, `G` or `T` (powers of
/// 1024), possibly followed by `n` or `c` (per node, per CPU: older
/// versions). `None` for an empty field and for Slurm's "no value" marker
/// (2⁶⁴ − 2, which `sacct` prints as `18446744073709551616.00M`): no real
/// size reaches 2⁶³ bytes.
pub(crate) fn memory(text: &str) -> Option<u64> {
    let t = text.trim().trim_end_matches(['n', 'c']);
    if t.is_empty() {
        return None;
    }
    let (number, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_uppercase()),
        _ => (t, 'B'),
    };
    let scale: u64 = match unit {
        'B' => 1,
        'K' => 1 << 10,
        'M' => 1 << 20,
        'G' => 1 << 30,
        'T' => 1 << 40,
        _ => return None,
    };
    let value: f64 = number.parse().ok()?;
    let bytes = value * scale as f64;
    (value.is_finite() && value >= 0.0 && bytes < 2f64.powi(63)).then_some(bytes as u64)
}

/// What Slurm's accounting kept of job `id` (`sacct -j ID`), waiting up to
/// `patience` for the lines of a job that just ended to become final.
///
/// # Errors
///
/// [`Error::Setup`] when Slurm has no accounting (a cluster without
/// `slurmdbd`); [`Error::Worker`] when it does not know the job.
pub fn job_accounting(id: u64, patience: Duration) -> Result<JobAccounting> {
    let start = std::time::Instant::now();
    loop {
        let text = output(
            slurm("sacct").args([
                "-j",
                &id.to_string(),
                "-P",
                "-n",
                "--noconvert",
                "-o",
                FIELDS,
            ]),
            "sacct",
        )
        .map_err(|e| match e {
            Error::Worker(why) if why.contains("disabled") => Error::Setup(format!(
                "this cluster keeps no accounting ({why}); the course's cluster keeps it when \
                 slurmdbd and MariaDB are installed (`./lab` installs them as root)"
            )),
            other => other,
        })?;
        let parsed = JobAccounting::parse(id, &text);
        match parsed {
            Ok(acct) if acct.is_final() => return Ok(acct),
            other if start.elapsed() >= patience => return other,
            _ => {}
        }
        crate::interrupt::check("reading Slurm's accounting");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `sacct`'s own table of jobs `ids` (every step), with the fields a
/// learner reads first: elapsed time, CPU time, largest resident memory,
/// state, nodes.
///
/// ```no_run
/// println!("{}", parallel_course::cluster::sacct(&[12, 13])?);
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// As [`job_accounting`].
pub fn sacct(ids: &[u64]) -> Result<String> {
    if ids.is_empty() {
        return Err(Error::invalid("ids", "[]", "one job number or more"));
    }
    let list: Vec<String> = ids.iter().map(u64::to_string).collect();
    output(
        slurm("sacct").args([
            "-j",
            &list.join(","),
            "-o",
            "JobID%12,JobName%14,State%11,NodeList%12,Elapsed,TotalCPU%10,AllocCPUS%9,\
             MaxRSS%10,ReqMem%8",
        ]),
        "sacct",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slurm_times_and_sizes_are_read_in_every_form() {
        assert_eq!(cpu_time("00:01.500"), Some(Duration::from_millis(1500)));
        assert_eq!(cpu_time("01:02:03"), Some(Duration::from_secs(3723)));
        assert_eq!(cpu_time("1-00:00:01"), Some(Duration::from_secs(86_401)));
        assert_eq!(cpu_time(""), None);
        assert_eq!(memory("2048K"), Some(2 << 20));
        assert_eq!(memory("1000Mn"), Some(1000 << 20));
        assert_eq!(memory("1.5G"), Some(3 << 29));
        assert_eq!(memory("123"), Some(123));
        assert_eq!(memory(""), None);
        assert_eq!(memory("12Q"), None);
        assert_eq!(
            memory("18446744073709551616.00M"),
            None,
            "Slurm's no-value marker"
        );
        assert_eq!(
            tres_memory("billing=2,cpu=2,mem=6026M,node=1"),
            Some(6026 << 20)
        );
        assert_eq!(tres_memory("cpu=2,node=1"), None);
    }

    #[test]
    fn a_job_without_req_mem_in_the_accounting_takes_the_memory_it_was_given() {
        let text = "57|j|COMPLETED|2|00:02.000|2||18446744073709551616.00M|node1|0:0|\
                    billing=2,cpu=2,mem=6026M,node=1\n\
                    57.0|p|COMPLETED|2|00:02.000|2|14808K||node1|0:0|cpu=2,mem=6026M,node=1\n";
        let acct = JobAccounting::parse(57, text).unwrap();
        assert_eq!(acct.job.req_mem, Some(6026 << 20));
        assert!(
            (acct.memory_efficiency().unwrap() - 14808.0 / (6026.0 * 1024.0)).abs()
                < 1e-12
        );
        let asked =
            "58|j|COMPLETED|2|00:02.000|2||1000M|node1|0:0|cpu=2,mem=6026M,node=1\n";
        assert_eq!(
            JobAccounting::parse(58, asked).unwrap().job.req_mem,
            Some(1000 << 20)
        );
    }

    #[test]
    fn the_job_line_and_its_steps_give_seffs_figures() {
        let text = "9|hybrid|COMPLETED|10|00:15.000|2|||node1|0:0\n\
                    9.batch|batch|COMPLETED|10|00:00.200|2|3000K|1000M|node1|0:0\n\
                    9.0|prog|COMPLETED|10|00:14.800|2|50M||node1|0:0\n\
                    90|other|COMPLETED|1|00:01.000|1|||node2|0:0\n";
        let acct = JobAccounting::parse(9, text).unwrap();
        assert_eq!(acct.steps.len(), 2, "job 90 is not a step of 9");
        assert!(acct.is_final());
        assert_eq!(acct.max_rss(), Some(50 << 20));
        assert_eq!(acct.cpu_time(), Duration::from_secs(15));
        assert!((acct.cpu_efficiency().unwrap() - 0.75).abs() < 1e-12);
        assert!((acct.busy_cpus().unwrap() - 1.5).abs() < 1e-12);
        // Only the job's own line says what was asked for, as seff reads it.
        assert_eq!(acct.memory_efficiency(), None);
        let seff = acct.seff();
        assert!(
            seff.contains("CPU efficiency: 75.0% of 2 CPU × 10 s"),
            "{seff}"
        );
        assert!(
            JobAccounting::parse(8, text)
                .unwrap_err()
                .to_string()
                .contains("no line for job 8")
        );
    }

    #[test]
    fn a_job_still_running_is_not_final() {
        let text = "5|j|RUNNING|2|00:00.000|1|||node1|0:0\n";
        assert!(!JobAccounting::parse(5, text).unwrap().is_final());
        assert!(parse_row("5|j|RUNNING").is_err());
    }
}
