/* Small C functions on arrays for episode 9: each takes a pointer and a
 * length, the way C passes what Rust calls a slice. */
#include <stddef.h>

/* The sum of values[0] .. values[len - 1]. Reads only. */
double sum_c(const double *values, size_t len) {
    double total = 0.0;
    for (size_t i = 0; i < len; i++) {
        total += values[i];
    }
    return total;
}

/* The dot product of two arrays of the same length. Reads only. */
double dot_c(const double *a, const double *b, size_t len) {
    double total = 0.0;
    for (size_t i = 0; i < len; i++) {
        total += a[i] * b[i];
    }
    return total;
}

/* Multiplies every value by factor, in place: writes to the array. */
void scale_c(double *values, size_t len, double factor) {
    for (size_t i = 0; i < len; i++) {
        values[i] *= factor;
    }
}

/* a + b: a call that does almost nothing, to time the call itself. */
double add_c(double a, double b) {
    return a + b;
}
