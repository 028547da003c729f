"""Times the Mandelbrot zoom of episode 7 with Numba, for `./lab bench`.

The same pixels and the same escape-time loop as the course's
`mandelbrot_serial` (pixel (col, row) is centre + ((col - width//2) +
i (row - height//2)) * scale; a point escapes when |z|^2 > 4, and its count
is the number of steps taken before), written with real numbers so that
Numba computes exactly what Rust does: the image's iteration-count total
must match Rust's. Two variants of one loop: compiled serially with `njit`,
and with the rows shared out among Numba's threads with `prange` (the
lesson's `numba_parallel` puts `prange` on both loops; Numba runs an inner
`prange` serially). Each is compiled by a first, untimed call; the best of
REPEATS runs is reported.

Usage: python mandelbrot.py WIDTH HEIGHT CENTER_RE CENTER_IM EXTENT_RE EXTENT_IM MAX_ITER REPEATS
Prints one JSON object: best times in seconds keyed like ./lab bench, plus
Numba's version, its thread count and both images' iteration totals.
"""

import json
import sys
import time

import numba
import numpy as np
from numba import njit, prange


def fill(result, center_re, center_im, scale, max_iter):
    height, width = result.shape
    for row in prange(height):
        ci = center_im + (row - height // 2) * scale
        for col in range(width):
            cr = center_re + (col - width // 2) * scale
            zr = 0.0
            zi = 0.0
            count = max_iter
            for k in range(max_iter):
                zr, zi = zr * zr - zi * zi + cr, zr * zi + zi * zr + ci
                if zr * zr + zi * zi > 4.0:
                    count = k
                    break
            result[row, col] = count


# One loop, compiled twice: without `parallel=True`, Numba runs `prange`
# as a plain `range`.
fill_serial = njit(nogil=True)(fill)
fill_par = njit(nogil=True, parallel=True)(fill)


def best_of(function, args, repeats):
    result = np.zeros((args[0], args[1]), dtype=np.uint32)
    function(result, *args[2:])  # compiles
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(result, *args[2:])
        times.append(time.perf_counter() - start)
    return min(times), int(result.sum(dtype=np.int64))


def main():
    if len(sys.argv) != 9:
        sys.exit("usage: mandelbrot.py WIDTH HEIGHT CENTER_RE CENTER_IM EXTENT_RE EXTENT_IM MAX_ITER REPEATS")
    width, height = int(sys.argv[1]), int(sys.argv[2])
    center_re, center_im, extent_re, extent_im = map(float, sys.argv[3:7])
    max_iter, repeats = int(sys.argv[7]), int(sys.argv[8])
    if min(width, height, max_iter, repeats) < 1:
        sys.exit("mandelbrot.py: WIDTH, HEIGHT, MAX_ITER and REPEATS must be 1 or more")
    scale = max(extent_re / width, extent_im / height)
    args = (height, width, center_re, center_im, scale, max_iter)
    serial, serial_total = best_of(fill_serial, args, repeats)
    par, par_total = best_of(fill_par, args, repeats)
    print(json.dumps({
        "mandelbrot/numba_serial": serial,
        "mandelbrot/numba_par": par,
        "numba_version": numba.__version__,
        "numba_threads": numba.get_num_threads(),
        "totals": [serial_total, par_total],
    }))


if __name__ == "__main__":
    main()
