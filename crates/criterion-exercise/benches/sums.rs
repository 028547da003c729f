//! Episode 2's sums under criterion. From the course's folder:
//! `cargo bench --manifest-path crates/criterion-exercise/Cargo.toml`.
//!
//! The exercise: add a benchmark of `sum_chunked_par` to the group, run
//! again, then change [`CHUNK`] in `src/lib.rs` and read what criterion
//! says changed.

use std::hint::black_box;

use course_criterion::{CHUNK, N};
use criterion::{Criterion, criterion_group, criterion_main};
use parallel_course::workloads::sum::sum_chunked;

fn sums(c: &mut Criterion) {
    let mut group = c.benchmark_group("sum of 10^8 numbers");
    // 20 samples of a few tens of milliseconds each: a run of some seconds.
    group.sample_size(20);
    group.bench_function("sum_chunked", |b| {
        b.iter(|| sum_chunked(black_box(N), CHUNK).expect("CHUNK is a valid chunk size"))
    });
    group.finish();
}

criterion_group!(benches, sums);
criterion_main!(benches);
