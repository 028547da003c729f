"""Episode 9, Rust called from Python: which threads run at the same time?

Times the sum of the whole numbers below `high` (the Python lesson's pybind11
example) five ways, each making one call per thread: a pure-Python loop, one
call after another and on threads, then the Rust function of `course_rust`
one call after another, on threads holding the GIL, and on threads with the
GIL released. Prints the best of a few runs of each, its speed-up over the
same calls made one after another, and how many cores were busy (the
process's CPU time divided by the wall time).

Run it with the Python that has course_rust installed (a cell does this with
parallel_course::python::run_script):

    .course/maturin-venv/bin/python crates/from-python/gil_threads.py --threads 2
"""

import argparse
import os
import threading
import time

import course_rust


def sum_range_python(high):
    """The same sum as course_rust.sum_range, one addition at a time, in Python."""
    total = 0
    for i in range(high):
        total += i
    return total


def one_after_another(function, high, calls):
    """Calls function(high) `calls` times in this thread."""
    return [function(high) for _ in range(calls)]


def on_threads(function, high, calls):
    """Calls function(high) once on each of `calls` threads, all at once."""
    results = [None] * calls

    def work(k):
        results[k] = function(high)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def best_of(repeats, run):
    """The best wall time of `repeats` runs, the busy cores during that run,
    and the results of every run."""
    best, busy, results = None, None, []
    for _ in range(repeats):
        cpu, wall = time.process_time(), time.perf_counter()
        results += run()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if best is None or wall < best:
            best, busy = wall, cpu / wall
    return best, busy, results


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=positive, default=2,
                        help="calls made at once, one per thread (default 2)")
    parser.add_argument("--repeats", type=positive, default=3,
                        help="runs of each row, the best is shown (default 3)")
    parser.add_argument("--high-python", type=positive, default=10**7,
                        help="numbers summed by one Python call (default 10**7)")
    parser.add_argument("--high-rust", type=positive, default=10**9,
                        help="numbers summed by one Rust call (default 10**9)")
    args = parser.parse_args()
    n, py, rs = args.threads, args.high_python, args.high_rust

    rows = [  # what, function, high, how the calls are made
        ("Python loop, one call after another", sum_range_python, py, one_after_another),
        (f"Python loop, {n} threads", sum_range_python, py, on_threads),
        ("Rust, one call after another", course_rust.sum_range, rs, one_after_another),
        (f"Rust holding the GIL, {n} threads", course_rust.sum_range, rs, on_threads),
        (f"Rust releasing the GIL, {n} threads", course_rust.sum_range_nogil, rs, on_threads),
    ]
    print(f"{n} calls a row, best of {args.repeats}, on {os.cpu_count()} cores; "
          f"a call sums {py:,} numbers in Python, {rs:,} in Rust", flush=True)
    if hasattr(os, "getloadavg"):
        print(f"Load before the run (runnable threads, 1-minute average): "
              f"{os.getloadavg()[0]:.1f}", flush=True)
    header = f"{'':38} {'best':>8} {'speed-up':>9} {'busy cores':>11}"
    print(header + "\n" + "-" * len(header), flush=True)
    serial, wrong, one_call = None, [], {}
    for what, function, high, how in rows:
        best, busy, results = best_of(args.repeats, lambda: how(function, high, n))
        if how is one_after_another:
            serial = one_call[function] = best
        wrong += [what for r in results if r != high * (high - 1) // 2]
        print(f"{what:38} {best:7.3f}s {serial / best:8.2f}× {busy:11.2f}", flush=True)
    python_call = one_call[sum_range_python] / n
    rust_call = one_call[course_rust.sum_range] / n
    print(f"\nOne call: Python {python_call:.3f} s, Rust {rust_call:.3f} s; Rust adds "
          f"{(rs / rust_call) / (py / python_call):.0f}× as many numbers a second.")
    print("\nThe Python lesson's pybind11 figures (sum_range(10**9), 10 rounds of 2 "
          "threads):\n  one call 0.274 s; GIL held 5.59 s, GIL released 2.81 s: "
          "a speed-up of 1.99.\n  Source: 'Calling External C and C++ Libraries from "
          "Python', Parallel Programming\n  in Python (Netherlands eScience Center).")
    if wrong:
        raise SystemExit(f"wrong sums from: {', '.join(sorted(set(wrong)))}")
    print("Every call returned high·(high−1)/2.")


if __name__ == "__main__":
    main()
