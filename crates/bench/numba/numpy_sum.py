"""Times the Python lesson's NumPy sum, `np.arange(n).sum()`, for `./lab bench`.

Like the course's `sum_materialised`, it writes n 8-byte integers to fresh
memory and then reads them back. A first, untimed call runs before the best
of REPEATS back-to-back calls, so that each timed call gets memory just
freed by the one before (as `%timeit` does, and as `./lab bench` times
the Rust rows that allocate fresh memory).

Usage: python numpy_sum.py N REPEATS
Prints one JSON object: the best time in seconds keyed like ./lab bench,
plus NumPy's version and the sum.
"""

import json
import sys
import time

import numpy as np


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: numpy_sum.py N REPEATS")
    n, repeats = int(sys.argv[1]), int(sys.argv[2])
    if n < 1 or repeats < 1:
        sys.exit("numpy_sum.py: N and REPEATS must be 1 or more")
    total = int(np.arange(n).sum())  # untimed: the first touch of memory
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.arange(n).sum()
        times.append(time.perf_counter() - start)
    print(json.dumps({
        "sum/numpy": min(times),
        "numpy_version": np.__version__,
        "result": total,
    }))


if __name__ == "__main__":
    main()
