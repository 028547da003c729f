/* The 2-D integral of episode 8, row block by row block, in C.
 * The same loop as parallel_course::workloads::integral::integral_rows:
 * every cell (i, j) of an n x n grid over [0, pi]^2 with first <= i < end
 * adds sin(x_i + y_j) * h^2 at its midpoint. */
#include <math.h>
#include <stddef.h>

double integral_rows_c(size_t n, size_t first, size_t end) {
    const double h = M_PI / (double)n;
    double total = 0.0;
    if (end > n) {
        end = n;
    }
    for (size_t i = first; i < end; i++) {
        const double x = ((double)i + 0.5) * h;
        double row = 0.0;
        for (size_t j = 0; j < n; j++) {
            const double y = ((double)j + 0.5) * h;
            row += sin(x + y);
        }
        total += row;
    }
    return total * h * h;
}
