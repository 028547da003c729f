//! A worker process for episode 11: multiplies `PRODUCTS` pairs of
//! `SIZE`×`SIZE` matrices with ndarray and prints the seconds the products
//! took (filling the matrices is not counted).
//!
//! ndarray multiplies with matrixmultiply, which keeps its own pool of
//! threads, sized once per process from the environment variable
//! `MATMUL_NUM_THREADS` (default: the physical cores, at most 4). Starting
//! this program with different values of that variable is how a notebook
//! compares one thread with several.
//!
//! Usage: `matmul-worker SIZE PRODUCTS`

use std::time::Instant;

use ndarray::Array2;

/// A matrix with entries in [0, 1) that depend on the position and `seed`.
fn matrix(size: usize, seed: usize) -> Array2<f64> {
    Array2::from_shape_fn((size, size), |(i, j)| {
        ((i * 31 + j * 17 + seed * 7) % 101) as f64 / 101.0
    })
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    let [size, products] = args[..] else {
        eprintln!("usage: matmul-worker SIZE PRODUCTS (two whole numbers above zero)");
        std::process::exit(2);
    };
    if size == 0 || products == 0 {
        eprintln!("matmul-worker: SIZE and PRODUCTS must be above zero");
        std::process::exit(2);
    }
    let (a, b) = (matrix(size, 1), matrix(size, 2));
    let start = Instant::now();
    let mut trace = 0.0;
    for _ in 0..products {
        trace += a.dot(&b).diag().sum();
    }
    let seconds = start.elapsed().as_secs_f64();
    // The trace keeps the products from being optimised away.
    println!("{seconds} {trace}");
}
