//! Where a rank runs, as both MPI programs print it.

/// The node this rank runs on: Slurm's name for it (`SLURMD_NODENAME`,
/// which tells the course cluster's emulated nodes apart), else the
/// machine's.
pub fn name() -> String {
    std::env::var("SLURMD_NODENAME")
        .ok()
        .filter(|n| !n.is_empty())
        .or_else(|| mpi::environment::processor_name().ok())
        .unwrap_or_else(|| "?".into())
}
