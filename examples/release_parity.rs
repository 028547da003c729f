//! Times the release-parity workload in a release build, for comparison
//! with the same workload timed inside the course kernel
//! (`tests/kernel/release-parity.ipynb`). `./lab test` runs both and
//! prints the ratio.

use parallel_course::timing::Timer;
use parallel_course::workloads::pi::pi_loop;

fn main() -> Result<(), parallel_course::Error> {
    let t = Timer::new()
        .loops(1)
        .repeats(7)
        .run(|| pi_loop(10_000_000, 42))?;
    println!("{}", parallel_course::build_info());
    println!("{t}");
    println!("RELEASE_PARITY_SECONDS {}", t.best);
    Ok(())
}
