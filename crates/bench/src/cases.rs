//! The benchmark cases: every workload at the Python lesson's sizes.

use std::hint::black_box;

use parallel_course::delayed::{Delayed, delayed};
use parallel_course::workloads::{fractal, integral, lanes, pi, sum, wordcount};

/// One variant of one workload.
pub struct Case {
    /// The workload, e.g. `pi`.
    pub workload: &'static str,
    /// The variant, e.g. `par`.
    pub variant: &'static str,
    /// What it does, in words.
    pub what: String,
    /// Whether this is the serial baseline the others are compared with.
    pub baseline: bool,
    /// Runs the variant once.
    pub run: Box<dyn Fn() -> anyhow::Result<()>>,
}

fn case(
    workload: &'static str,
    variant: &'static str,
    what: &'static str,
    baseline: bool,
    run: impl Fn() -> anyhow::Result<()> + 'static,
) -> Case {
    Case {
        workload,
        variant,
        what: what.to_string(),
        baseline,
        run: Box::new(run),
    }
}

/// Every case, serial baseline first within each workload.
pub fn all() -> anyhow::Result<Vec<Case>> {
    const SUM_N: u64 = 100_000_000;
    const PI_N: u64 = 10_000_000;
    let mut cases = vec![
        case(
            "sum",
            "materialised",
            "sum of a 10^8 vector, filled then summed",
            true,
            || {
                black_box(sum::sum_materialised(black_box(SUM_N)));
                Ok(())
            },
        ),
        case(
            "sum",
            "small_pages",
            "the same in ordinary 4 KiB pages (a page fault every 4 KiB)",
            false,
            || {
                black_box(sum::sum_materialised_small_pages(black_box(SUM_N)));
                Ok(())
            },
        ),
        case(
            "sum",
            "materialised_par",
            "the same, filled and summed by rayon",
            false,
            || {
                black_box(sum::sum_materialised_par(black_box(SUM_N)));
                Ok(())
            },
        ),
        case(
            "sum",
            "chunked",
            "10^8 in chunks of 65 536, never stored",
            false,
            || {
                black_box(sum::sum_chunked(black_box(SUM_N), 1 << 16)?);
                Ok(())
            },
        ),
        case(
            "sum",
            "chunked_par",
            "the same chunks on rayon",
            false,
            || {
                black_box(sum::sum_chunked_par(black_box(SUM_N), 1 << 16)?);
                Ok(())
            },
        ),
        case(
            "pi",
            "loop",
            "Monte-Carlo π, 10^7 points, plain loop",
            true,
            || {
                black_box(pi::pi_loop(PI_N, 1));
                Ok(())
            },
        ),
        case("pi", "iter", "the same as an iterator chain", false, || {
            black_box(pi::pi_iter(PI_N, 1));
            Ok(())
        }),
        case(
            "pi",
            "batched",
            "random numbers in batches, vectorised count",
            false,
            || {
                black_box(pi::pi_batched(PI_N, 1));
                Ok(())
            },
        ),
        case(
            "pi",
            "par",
            "chunks of 65 536 points on rayon",
            false,
            || {
                black_box(pi::pi_par(PI_N, 1));
                Ok(())
            },
        ),
        case(
            "pi",
            "threads",
            "the same chunks on scoped threads",
            false,
            || {
                let threads = parallel_course::cpu::logical_cores();
                black_box(pi::pi_threads(PI_N, 1, threads)?);
                Ok(())
            },
        ),
    ];
    cases.extend(delayed_cases());
    cases.extend(wordcount_cases());
    cases.extend(mandelbrot_cases());
    cases.extend(integral_cases());
    Ok(cases)
}

fn delayed_cases() -> Vec<Case> {
    let estimates: Vec<Delayed<f64>> = (0..10)
        .map(|seed| delayed("pi", (), move |()| pi::pi_loop(1_000_000, seed)))
        .collect();
    let mean = delayed("mean", &estimates, |v: Vec<f64>| {
        v.iter().sum::<f64>() / v.len() as f64
    });
    vec![
        case(
            "delayed",
            "serial",
            "ten π estimates of 10^6 points, one after the other",
            true,
            || {
                black_box((0..10).map(|s| pi::pi_loop(1_000_000, s)).sum::<f64>() / 10.0);
                Ok(())
            },
        ),
        case(
            "delayed",
            "compute",
            "the same as a delayed graph, compute()",
            false,
            move || {
                black_box(mean.compute());
                Ok(())
            },
        ),
    ]
}

/// The books, read on first use so that other workloads run without them.
fn books() -> anyhow::Result<&'static [wordcount::Book]> {
    static BOOKS: std::sync::OnceLock<Result<Vec<wordcount::Book>, String>> =
        std::sync::OnceLock::new();
    BOOKS
        .get_or_init(|| wordcount::books().map_err(|e| e.to_string()))
        .as_deref()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

fn wordcount_cases() -> Vec<Case> {
    vec![
        case(
            "wordcount",
            "serial",
            "every shipped book, counted one word at a time",
            true,
            move || {
                let total = books()?
                    .iter()
                    .map(|b| wordcount::count_words(b.body()))
                    .reduce(wordcount::merge_counts);
                black_box(total);
                Ok(())
            },
        ),
        case(
            "wordcount",
            "par",
            "all books in 256 KB pieces on rayon, fold + reduce",
            false,
            move || {
                black_box(wordcount::count_books_par(books()?));
                Ok(())
            },
        ),
    ]
}

fn mandelbrot_cases() -> Vec<Case> {
    const MAX_ITER: u32 = 1024;
    let zoom = fractal::BoundingBox::zoom(1024, 1024);
    let threads = parallel_course::cpu::logical_cores();
    vec![
        case(
            "mandelbrot",
            "serial",
            "the lesson's zoom, 1024², max_iter 1024, serial",
            true,
            move || {
                black_box(fractal::mandelbrot_serial(&zoom, MAX_ITER)?);
                Ok(())
            },
        ),
        case(
            "mandelbrot",
            "rows",
            "one rayon task per row",
            false,
            move || {
                black_box(fractal::mandelbrot_rows_par(&zoom, MAX_ITER)?);
                Ok(())
            },
        ),
        case(
            "mandelbrot",
            "tiles",
            "64×64 tiles on rayon",
            false,
            move || {
                black_box(fractal::mandelbrot_tiles_par(&zoom, MAX_ITER, 64)?);
                Ok(())
            },
        ),
        case(
            "mandelbrot",
            "static",
            "one block of rows per thread, no stealing",
            false,
            move || {
                black_box(fractal::mandelbrot_static(&zoom, MAX_ITER, threads)?);
                Ok(())
            },
        ),
        Case {
            what: format!(
                "8 pixels per step, masked escape, one core ({})",
                lanes::simd()
            ),
            ..case("mandelbrot", "lanes", "", false, move || {
                black_box(lanes::mandelbrot_lanes(&zoom, MAX_ITER)?);
                Ok(())
            })
        },
        case(
            "mandelbrot",
            "lanes_par",
            "lanes × rayon, one task per row",
            false,
            move || {
                black_box(lanes::mandelbrot_lanes_par(&zoom, MAX_ITER)?);
                Ok(())
            },
        ),
    ]
}

/// The grid of the 2-D integral (HPC2N's n = 10⁴, 10⁸ sines).
pub const INTEGRAL_N: usize = integral::N;

fn integral_cases() -> Vec<Case> {
    const N: usize = INTEGRAL_N;
    let threads = parallel_course::cpu::logical_cores();
    vec![
        case(
            "integral2d",
            "serial",
            "∫∫ sin(x+y) on a 10⁴ × 10⁴ grid, one loop",
            true,
            || {
                black_box(integral::integral_serial(black_box(N)));
                Ok(())
            },
        ),
        case(
            "integral2d",
            "c",
            "the same loop in C, -O2 (cc crate)",
            false,
            || {
                black_box(course_c::integral_serial(black_box(N)));
                Ok(())
            },
        ),
        case(
            "integral2d",
            "threads",
            "one block of rows per scoped thread",
            false,
            move || {
                black_box(integral::integral_threads(black_box(N), threads)?);
                Ok(())
            },
        ),
        case("integral2d", "par", "a rayon task per row", false, || {
            black_box(integral::integral_par(black_box(N)));
            Ok(())
        }),
        Case {
            what: format!(
                "8 sines per step, polynomial sine, one core ({})",
                lanes::simd()
            ),
            ..case("integral2d", "lanes", "", false, || {
                black_box(lanes::integral_lanes(black_box(N)));
                Ok(())
            })
        },
        case(
            "integral2d",
            "lanes_par",
            "lanes × rayon, one task per row",
            false,
            || {
                black_box(lanes::integral_lanes_par(black_box(N)));
                Ok(())
            },
        ),
    ]
}
