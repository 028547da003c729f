//! `flood-mpi N STEPS [--seed S] [--out FILE]`: the support crate's flood
//! on MPI ranks, with halo exchange.
//!
//! Every rank builds its own block of rows of the `N × N` dam break (the
//! support crate's `Block::dam_break`, the same map for the same seed) and
//! steps it `STEPS` times. Before each step, rows travel down (each rank's
//! bottom row to the rank below, into that rank's halo above) and then up
//! (each top row to the rank above), with `MPI_Sendrecv`, which sends and
//! receives at once so that no two ranks wait for each other. Each rank
//! prints its rows, its node and its time in steps and in the exchange;
//! rank 0 gathers the field and prints `time = …`, `halo share = …` (the
//! largest share of a rank's time spent exchanging) and the field's
//! checksum, and with `--out` writes the field (little-endian `f64`, row
//! after row) for a bit-for-bit comparison with the serial run.

#[path = "../node.rs"]
mod node;

use std::path::PathBuf;
use std::process::ExitCode;

use mpi::Count;
use mpi::datatype::PartitionMut;
use mpi::point_to_point as p2p;
use mpi::traits::*;
use parallel_course::workloads::flood::{Block, checksum};
use parallel_course::workloads::integral::rows_of_part;

const USAGE: &str = "usage: flood-mpi N STEPS [--seed S] [--out FILE]  \
    (N: grid side, 8 to 4096; STEPS: 0 to 100000; S: the map's seed, default 1)";

/// What the command line asked for.
struct Args {
    n: usize,
    steps: usize,
    seed: u64,
    out: Option<PathBuf>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let number = |v: Option<String>, what: &str| -> Result<usize, String> {
        v.ok_or(format!("missing {what}"))?
            .parse::<usize>()
            .map_err(|_| format!("{what} must be a whole number"))
    };
    let n = number(args.next(), "N")?;
    let steps = number(args.next(), "STEPS")?;
    let (mut seed, mut out) = (1u64, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = number(args.next(), "the seed")? as u64,
            "--out" => {
                out = Some(PathBuf::from(args.next().ok_or("--out needs a file")?))
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if !(8..=4096).contains(&n) || steps > 100_000 {
        return Err("N or STEPS out of range".into());
    }
    Ok(Args {
        n,
        steps,
        seed,
        out,
    })
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("flood-mpi: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Some(universe) = mpi::initialize() else {
        eprintln!("flood-mpi: MPI was already initialised");
        return ExitCode::from(1);
    };
    let world = universe.world();
    // Ranks are never negative, and a communicator has at least one.
    let (rank, size) = (world.rank() as usize, world.size() as usize);
    let mut block = match Block::dam_break(args.n, args.seed, rank, size) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("flood-mpi: rank {rank}: {e}");
            world.abort(2);
        }
    };
    let above = block
        .has_above()
        .then(|| world.process_at_rank(rank as i32 - 1));
    let below = block
        .has_below()
        .then(|| world.process_at_rank(rank as i32 + 1));
    let mut incoming = vec![0.0f64; block.cols];

    world.barrier();
    let start = mpi::time();
    let (mut halo, mut compute) = (0.0f64, 0.0f64);
    for _ in 0..args.steps {
        let t0 = mpi::time();
        // Rows travel down: the bottom row to the rank below, the row of
        // the rank above into the halo above.
        match (above, below) {
            (Some(a), Some(b)) => {
                p2p::send_receive_into(block.bottom_row(), &b, &mut incoming[..], &a);
            }
            (None, Some(b)) => b.send(block.bottom_row()),
            (Some(a), None) => {
                a.receive_into(&mut incoming[..]);
            }
            (None, None) => {}
        }
        if above.is_some() {
            copy_or_abort(block.set_halo_above(&incoming), &world);
        }
        // Rows travel up.
        match (above, below) {
            (Some(a), Some(b)) => {
                p2p::send_receive_into(block.top_row(), &a, &mut incoming[..], &b);
            }
            (Some(a), None) => a.send(block.top_row()),
            (None, Some(b)) => {
                b.receive_into(&mut incoming[..]);
            }
            (None, None) => {}
        }
        if below.is_some() {
            copy_or_abort(block.set_halo_below(&incoming), &world);
        }
        let t1 = mpi::time();
        block.step();
        halo += t1 - t0;
        compute += mpi::time() - t1;
    }
    let elapsed = mpi::time() - start;
    println!(
        "rank {rank} of {size} on {}: rows {}..{}, compute {compute:.4} s, halo {halo:.4} s",
        node::name(),
        block.first_row,
        block.first_row + block.rows,
    );

    let root = world.process_at_rank(0);
    let mine = [halo, compute];
    if rank == 0 {
        let mut times = vec![0.0f64; 2 * size];
        root.gather_into_root(&mine[..], &mut times[..]);
        let n = args.n;
        let counts: Vec<Count> = (0..size)
            .map(|r| (rows_of_part(n, r, size).len() * n) as Count)
            .collect();
        let displs: Vec<Count> = (0..size)
            .map(|r| (rows_of_part(n, r, size).start * n) as Count)
            .collect();
        let mut field = vec![0.0f64; n * n];
        {
            let mut parts = PartitionMut::new(&mut field[..], counts, displs);
            root.gather_varcount_into_root(block.own_water(), &mut parts);
        }
        let share = times
            .chunks(2)
            .map(|t| t[0] / (t[0] + t[1]).max(1e-12))
            .fold(0.0, f64::max);
        println!("time = {elapsed:.4} s");
        println!("halo share = {share:.4}");
        println!("checksum = {:016x}", checksum(&field));
        if let Some(path) = &args.out {
            let bytes: Vec<u8> = field.iter().flat_map(|v| v.to_le_bytes()).collect();
            if let Err(e) = std::fs::write(path, bytes) {
                eprintln!("flood-mpi: writing {}: {e}", path.display());
                return ExitCode::from(1);
            }
        }
    } else {
        root.gather_into(&mine[..]);
        root.gather_varcount_into(block.own_water());
    }
    ExitCode::SUCCESS
}

/// Stops every rank when a received row does not fit (it cannot happen
/// between copies of this program: every rank has rows of `N` cells).
fn copy_or_abort(copied: parallel_course::Result<()>, world: &impl Communicator) {
    if let Err(e) = copied {
        eprintln!("flood-mpi: {e}");
        world.abort(1);
    }
}
