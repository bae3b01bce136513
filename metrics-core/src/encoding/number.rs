//! Numbers written the way Go's `strconv.FormatFloat(v, 'g', -1, 64)` writes them, because
//! that is what Prometheus itself emits and what `le` labels must match across scrapes.

use std::fmt::Write as _;

/// A sample value as stored: integers stay exact past 2^53.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// A whole-number counter.
    Unsigned(u64),
    /// An integer gauge.
    Signed(i64),
    /// Anything else.
    Float(f64),
}

impl Value {
    /// The value as an f64, as Prometheus stores it.
    pub fn as_f64(self) -> f64 {
        match self {
            Value::Unsigned(v) => v as f64,
            Value::Signed(v) => v as f64,
            Value::Float(v) => v,
        }
    }
}

/// Appends a value.
pub fn write_value(out: &mut Vec<u8>, v: Value) {
    match v {
        Value::Unsigned(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
        Value::Signed(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
        Value::Float(f) => write_f64(out, f),
    }
}

/// A stack buffer long enough for any f64 in either notation.
struct Scratch {
    bytes: [u8; 40],
    len: usize,
}

impl std::fmt::Write for Scratch {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Appends `v` in Go's shortest `'g'` form: `+Inf`, `-Inf`, `NaN`; plain decimals while the
/// decimal exponent is in `-4..6`; otherwise `d.ddde±XX` with at least two exponent digits.
///
/// ```
/// let mut out = Vec::new();
/// tallymark_core::encoding::write_f64(&mut out, 1e6);
/// assert_eq!(out, b"1e+06");
/// ```
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        return out.extend_from_slice(b"NaN");
    }
    if v.is_infinite() {
        return out.extend_from_slice(if v > 0.0 { b"+Inf" } else { b"-Inf" });
    }
    if v == v.trunc() && v.abs() < 1e6 {
        // Whole numbers below a million print as integers: the common case, done without
        // the float formatter.
        if v == 0.0 && v.is_sign_negative() {
            return out.extend_from_slice(b"-0");
        }
        return out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
    }
    let mut scratch = Scratch {
        bytes: [0; 40],
        len: 0,
    };
    // Go writes plain decimals while the shortest digits' exponent is in `-4..6`, which is
    // exactly when the value itself is in `[1e-4, 1e6)`: the shortest digits of a double
    // there round to it, and a bound of the range is itself a double, so the digits cannot
    // cross it. Display gives those digits at once, without a trip through `{:e}`.
    if (1e-4..1e6).contains(&v.abs()) {
        if write!(scratch, "{v}").is_ok() {
            return out.extend_from_slice(&scratch.bytes[..scratch.len]);
        }
        scratch.len = 0;
    }
    // Rust's `{:e}` gives the same shortest round-trip digits as Go, as `1.5e-7`.
    if write!(scratch, "{v:e}").is_err() {
        return out.extend_from_slice(b"NaN");
    }
    let text = &scratch.bytes[..scratch.len];
    let e = text.iter().position(|&b| b == b'e').unwrap_or(text.len());
    let (mantissa, exponent) = (&text[..e], &text[(e + 1).min(text.len())..]);
    let exp: i32 = std::str::from_utf8(exponent)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if (-4..6).contains(&exp) {
        let mut plain = Scratch {
            bytes: [0; 40],
            len: 0,
        };
        if write!(plain, "{v}").is_ok() {
            return out.extend_from_slice(&plain.bytes[..plain.len]);
        }
    }
    out.extend_from_slice(mantissa);
    out.push(b'e');
    out.push(if exp < 0 { b'-' } else { b'+' });
    let digits = exp.unsigned_abs();
    if digits < 10 {
        out.push(b'0');
    }
    out.extend_from_slice(itoa::Buffer::new().format(digits).as_bytes());
}

/// Appends `v` as OpenMetrics writes `le` and `quantile` label values: Go's form, with
/// `.0` added to whole numbers (`1.0`, `0.0`, `1e-05`), as Prometheus's own
/// `formatOpenMetricsFloat` does, so the protobuf and OpenMetrics scrapes of one histogram
/// land on the same series.
///
/// ```
/// let mut out = Vec::new();
/// tallymark_core::encoding::write_openmetrics_f64(&mut out, 10.0);
/// assert_eq!(out, b"10.0");
/// ```
pub fn write_openmetrics_f64(out: &mut Vec<u8>, v: f64) {
    let start = out.len();
    write_f64(out, v);
    let written = &out[start..];
    if v.is_finite() && !written.iter().any(|b| matches!(b, b'.' | b'e')) {
        out.extend_from_slice(b".0");
    }
}

/// Appends a Unix time in seconds, in plain decimal (`1700000000.123`): OpenMetrics
/// timestamps and `_created` values.
///
/// ```
/// let mut out = Vec::new();
/// tallymark_core::encoding::write_timestamp(&mut out, 1_700_000_000.5);
/// assert_eq!(out, b"1700000000.5");
/// ```
pub fn write_timestamp(out: &mut Vec<u8>, seconds: f64) {
    if !seconds.is_finite() {
        return write_f64(out, seconds);
    }
    let mut scratch = Scratch {
        bytes: [0; 40],
        len: 0,
    };
    // Display never uses an exponent and gives the shortest round-trip digits; a time
    // between 1970 and 2100 fits the scratch buffer.
    if write!(scratch, "{seconds}").is_ok() {
        out.extend_from_slice(&scratch.bytes[..scratch.len]);
    } else {
        write_f64(out, seconds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(v: f64) -> String {
        let mut out = Vec::new();
        write_f64(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    /// Each right-hand side is what Go 1.21's `strconv.FormatFloat(v, 'g', -1, 64)` prints.
    #[test]
    fn floats_match_go_format_float_g_shortest() {
        let table: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-1.0, "-1"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.5, "1.5"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (0.000012, "1.2e-05"),
            (1e-5, "1e-05"),
            (-1e-7, "-1e-07"),
            (2.5e-10, "2.5e-10"),
            (5e-324, "5e-324"),
            (999999.0, "999999"),
            (100000.0, "100000"),
            (123456.7, "123456.7"),
            (12345.678, "12345.678"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (123456789.0, "1.23456789e+08"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
            (0.005, "0.005"),
            (2.5, "2.5"),
            (10.0, "10"),
            (1e-4, "0.0001"),
            (-1e-4, "-0.0001"),
            (9.999999999999999e-5, "9.999999999999999e-05"),
            (999999.9999999999, "999999.9999999999"),
            (-123.456, "-123.456"),
        ];
        for (v, want) in table {
            assert_eq!(go(*v), *want, "formatting {v:?}");
        }
    }

    /// What Prometheus's `formatOpenMetricsFloat` gives for each.
    #[test]
    fn openmetrics_numbers_are_canonical() {
        let table: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (1.0, "1.0"),
            (-1.0, "-1.0"),
            (10.0, "10.0"),
            (0.001, "0.001"),
            (1e-5, "1e-05"),
            (1e6, "1e+06"),
            (2.5, "2.5"),
            (f64::INFINITY, "+Inf"),
            (f64::NAN, "NaN"),
        ];
        for (v, want) in table {
            let mut out = Vec::new();
            write_openmetrics_f64(&mut out, *v);
            assert_eq!(String::from_utf8(out).unwrap(), *want, "formatting {v:?}");
        }
    }

    #[test]
    fn integers_are_exact_beyond_f64_precision() {
        let mut out = Vec::new();
        write_value(&mut out, Value::Unsigned(u64::MAX));
        out.push(b' ');
        write_value(&mut out, Value::Signed(i64::MIN));
        assert_eq!(out, b"18446744073709551615 -9223372036854775808");
    }
}
