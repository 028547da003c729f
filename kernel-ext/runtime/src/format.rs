//! Human-readable numbers in the style IPython prints them, shared by the
//! support crate (`timeit!`, `time!`) and the course kernel (`%%time`), so
//! that both print times alike.
//!
//! [`format_seconds`] renders a time span the way `%timeit` does: three
//! significant digits, trailing zeros dropped, in `s`, `ms`, `µs` or `ns`
//! (with the micro sign, U+00B5, as IPython writes it); [`time_report`] is
//! `%time`'s report.

use std::time::Duration;

/// Formats a number with `precision` significant digits, like C's `%g`
/// without the exponent form: trailing zeros and a trailing point are
/// dropped.
///
/// ```
/// use course_kernel_runtime::format::significant;
/// assert_eq!(significant(12.345, 3), "12.3");
/// assert_eq!(significant(1.0, 3), "1");
/// assert_eq!(significant(0.5, 3), "0.5");
/// assert_eq!(significant(456.0, 3), "456");
/// ```
pub fn significant(value: f64, precision: usize) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let precision = precision.max(1);
    let exponent = rounded_exponent(value, precision);
    let decimals = (precision as i32 - 1 - exponent).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// The decimal exponent of `value` after rounding it to `precision`
/// significant digits (so 999.6 at 3 digits has exponent 3, not 2).
fn rounded_exponent(value: f64, precision: usize) -> i32 {
    let sci = format!("{:.*e}", precision - 1, value.abs());
    sci.split('e')
        .nth(1)
        .and_then(|e| e.parse().ok())
        .unwrap_or(0)
}

/// Formats a time span in seconds as IPython's `%timeit` does.
///
/// Below a minute the unit is chosen so the number lies in `[1, 1000)`,
/// printed with `precision` significant digits (IPython uses 3). From a
/// minute up the span is broken into days, hours, minutes and seconds.
/// One deliberate difference from IPython: a value that rounds up to 1000
/// moves to the next unit (`1 ms`) instead of printing `1e+03 µs`.
///
/// ```
/// use course_kernel_runtime::format::format_seconds;
/// assert_eq!(format_seconds(0.0123, 3), "12.3 ms");
/// assert_eq!(format_seconds(456e-6, 3), "456 µs");
/// assert_eq!(format_seconds(8.26e-9, 3), "8.26 ns");
/// assert_eq!(format_seconds(2.0, 3), "2 s");
/// assert_eq!(format_seconds(125.0, 3), "2min 5s");
/// ```
pub fn format_seconds(seconds: f64, precision: usize) -> String {
    if seconds >= 60.0 {
        return format_long(seconds);
    }
    const UNITS: [(&str, f64); 4] =
        [("s", 1.0), ("ms", 1e3), ("\u{b5}s", 1e6), ("ns", 1e9)];
    let mut order = if seconds > 0.0 {
        let exp = seconds.log10().floor() as i32;
        (-(exp.div_euclid(3))).clamp(0, 3) as usize
    } else {
        3
    };
    // Rounding can carry 999.6 up to 1000: show it in the larger unit.
    if order > 0 && rounded_exponent(seconds * UNITS[order].1, precision) >= 3 {
        order -= 1;
    }
    let (unit, scale) = UNITS[order];
    format!("{} {unit}", significant(seconds * scale, precision))
}

/// IPython's breakdown for spans of a minute or more: `1d 2h 3min 4s`.
fn format_long(seconds: f64) -> String {
    const PARTS: [(&str, f64); 4] =
        [("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)];
    let mut leftover = seconds;
    let mut out = Vec::new();
    for (suffix, length) in PARTS {
        let value = (leftover / length).floor();
        if value > 0.0 {
            leftover %= length;
            out.push(format!("{value}{suffix}"));
        }
        if leftover < 1.0 {
            break;
        }
    }
    out.join(" ")
}

/// `%time`'s report: the CPU times (user, system, total) when known, then
/// the wall-clock time.
///
/// ```
/// use std::time::Duration;
/// use course_kernel_runtime::format::time_report;
///
/// let ms = Duration::from_millis;
/// assert_eq!(
///     time_report(Some((ms(70), ms(2))), ms(37)),
///     "CPU times: user 70 ms, sys: 2 ms, total: 72 ms\nWall time: 37 ms"
/// );
/// assert_eq!(time_report(None, ms(5)), "Wall time: 5 ms");
/// ```
pub fn time_report(cpu: Option<(Duration, Duration)>, wall: Duration) -> String {
    let s = |d: Duration| format_seconds(d.as_secs_f64(), 3);
    let mut out = String::new();
    if let Some((user, system)) = cpu {
        out.push_str(&format!(
            "CPU times: user {}, sys: {}, total: {}\n",
            s(user),
            s(system),
            s(user + system)
        ));
    }
    out.push_str(&format!("Wall time: {}", s(wall)));
    out
}

/// Formats a count with thousands separators, as Python's `{:,}` does.
///
/// ```
/// use course_kernel_runtime::format::thousands;
/// assert_eq!(thousands(1_000_000), "1,000,000");
/// assert_eq!(thousands(999), "999");
/// ```
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_has_three_significant_digits() {
        let table = [
            (1.5, "1.5 s"),
            (59.9, "59.9 s"),
            (0.999, "999 ms"),
            (0.1, "100 ms"),
            (12.3e-6, "12.3 \u{b5}s"),
            (1e-6, "1 \u{b5}s"),
            (5e-10, "0.5 ns"),
            (0.0, "0 ns"),
        ];
        for (secs, want) in table {
            assert_eq!(format_seconds(secs, 3), want, "{secs}");
        }
    }

    #[test]
    fn rounding_up_to_a_thousand_moves_to_the_next_unit() {
        assert_eq!(format_seconds(999.7e-6, 3), "1 ms");
        assert_eq!(format_seconds(0.9996, 3), "1 s");
    }

    #[test]
    fn long_spans_break_into_parts() {
        assert_eq!(format_seconds(3600.0 * 25.0 + 61.5, 3), "1d 1h 1min 1s");
        assert_eq!(format_seconds(60.0, 3), "1min");
    }

    #[test]
    fn precision_is_respected() {
        assert_eq!(format_seconds(0.0123456, 5), "12.346 ms");
        assert_eq!(significant(123456.0, 3), "123456");
    }
}
