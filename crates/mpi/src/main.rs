//! `integral-mpi N`: the 2-D integral of episode 8 on MPI ranks.
//!
//! Start it with `mpirun -n K integral-mpi 10000` (or `srun` under
//! Slurm). Every rank integrates its own block of rows, prints what it
//! did, and the sums are combined on rank 0 with a reduce. Rank 0 then
//! prints `total = …` and `time = …` lines, which
//! `parallel_course::cluster::MpiOutput::value` reads.

use std::process::ExitCode;

use mpi::collective::SystemOperation;
use mpi::traits::*;
use parallel_course::workloads::integral::{N, integral_rows, rows_of_part};

fn main() -> ExitCode {
    let n = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => N,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!(
                "usage: integral-mpi [N]  (N: grid size, a whole number of 1 or more; default {N})"
            );
            return ExitCode::from(2);
        }
    };
    let Some(universe) = mpi::initialize() else {
        eprintln!("integral-mpi: MPI was already initialised");
        return ExitCode::from(1);
    };
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    // Ranks are never negative, and a communicator has at least one.
    let (part, parts) = (rank as usize, size as usize);

    let start = mpi::time();
    let rows = rows_of_part(n, part, parts);
    let sum = integral_rows(n, rows.clone());
    let own = mpi::time() - start;
    println!(
        "rank {rank} of {size} on {}: rows {}..{}, sum = {sum:e}, time = {own:.3} s",
        mpi::environment::processor_name().unwrap_or_else(|_| "?".into()),
        rows.start,
        rows.end,
    );

    let root = world.process_at_rank(0);
    if rank == 0 {
        let mut total = 0.0f64;
        root.reduce_into_root(&sum, &mut total, SystemOperation::sum());
        let elapsed = mpi::time() - start;
        println!("total = {total:e}");
        println!("time = {elapsed:.4} s");
    } else {
        root.reduce_into(&sum, SystemOperation::sum());
    }
    ExitCode::SUCCESS
}
