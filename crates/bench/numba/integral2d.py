"""Times the 2-D integral of episode 8 with Numba, for `./lab bench`.

Two variants of the same midpoint loop as the course's `integral_rows`
(sum each row, then add the rows): compiled serially with `njit`, and with
the rows shared out among Numba's threads with `prange`. Each is compiled
by a first call, which is not timed; the best of REPEATS runs is reported.

Usage: python integral2d.py N REPEATS
Prints one JSON object: best times in seconds keyed like ./lab bench,
plus Numba's version, its thread count and both results.
"""

import json
import math
import sys
import time

import numba
from numba import njit, prange


def integral(n):
    h = math.pi / n
    total = 0.0
    for i in prange(n):
        x = (i + 0.5) * h
        row = 0.0
        for j in range(n):
            row += math.sin(x + (j + 0.5) * h)
        total += row
    return total * h * h


# One loop, compiled twice: without `parallel=True`, Numba runs `prange`
# as a plain `range`.
integral_serial = njit(integral)
integral_par = njit(parallel=True)(integral)


def best_of(function, n, repeats):
    result = function(n)  # compiles
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(n)
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: integral2d.py N REPEATS")
    n, repeats = int(sys.argv[1]), int(sys.argv[2])
    if n < 1 or repeats < 1:
        sys.exit("integral2d.py: N and REPEATS must be 1 or more")
    serial, serial_result = best_of(integral_serial, n, repeats)
    par, par_result = best_of(integral_par, n, repeats)
    print(json.dumps({
        "integral2d/numba_serial": serial,
        "integral2d/numba_par": par,
        "numba_version": numba.__version__,
        "numba_threads": numba.get_num_threads(),
        "results": [serial_result, par_result],
    }))


if __name__ == "__main__":
    main()
