//! A reader of the Prometheus text format 0.0.4 and of OpenMetrics text, just enough to
//! compare what different libraries expose: every sample becomes one entry keyed by its
//! name and its labels, sorted, so that label order and number formatting do not matter.

use std::collections::BTreeMap;
use std::fmt;

/// One series: the sample name and its `(name, value)` labels, sorted by name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeriesKey {
    /// The sample name, suffix included (`x_bucket`, `x_total`).
    pub name: String,
    /// Sorted label pairs, unescaped; `le` and `quantile` values are normalised to the
    /// shortest form of the number they hold, since libraries write `1` or `1.0`.
    pub labels: Vec<(String, String)>,
}

impl fmt::Display for SeriesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        let pairs: Vec<String> = self
            .labels
            .iter()
            .map(|(n, v)| format!("{n}={v:?}"))
            .collect();
        write!(f, "{{{}}}", pairs.join(","))
    }
}

/// Every sample of an exposition.
pub type Samples = BTreeMap<SeriesKey, f64>;

/// Why a line could not be read.
#[derive(Debug, PartialEq)]
pub struct ParseError {
    /// The 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub reason: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for ParseError {}

/// Reads every sample line; comments, `# EOF` and blank lines are skipped, as are
/// timestamps and exemplars after the value.
pub fn parse(text: &str) -> Result<Samples, ParseError> {
    let mut samples = Samples::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let error = |reason| ParseError {
            line: index + 1,
            reason,
        };
        let (key, rest) = parse_series(line).map_err(error)?;
        let value = rest
            .split_whitespace()
            .next()
            .ok_or(error("no value"))
            .and_then(|v| parse_number(v).ok_or(error("value is not a number")))?;
        if samples.insert(key, value).is_some() {
            return Err(error("series repeated"));
        }
    }
    Ok(samples)
}

fn parse_series(line: &str) -> Result<(SeriesKey, &str), &'static str> {
    let name_end = line
        .find(|c: char| c == '{' || c.is_whitespace())
        .ok_or("no value after the name")?;
    let name = line[..name_end].to_owned();
    if name.is_empty() {
        return Err("empty metric name");
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let (pairs, after) = parse_labels(inner)?;
        labels = pairs;
        rest = after;
    }
    for (label, value) in &mut labels {
        if label == "le" || label == "quantile" {
            let number = parse_number(value).ok_or("`le` or `quantile` is not a number")?;
            *value = format!("{number:?}");
        }
    }
    labels.sort();
    Ok((SeriesKey { name, labels }, rest))
}

/// `(name, value)` label pairs.
type Labels = Vec<(String, String)>;

/// Label pairs up to the closing brace, unescaping `\\`, `\"` and `\n`.
fn parse_labels(mut rest: &str) -> Result<(Labels, &str), &'static str> {
    let mut pairs = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', ',']);
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((pairs, after));
        }
        let (name, after) = rest.split_once("=\"").ok_or("label without `=\"`")?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().ok_or("unterminated label value")? {
                (i, '"') => break i + 1,
                (_, '\\') => match chars.next().ok_or("dangling escape")?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                (_, c) => value.push(c),
            }
        };
        pairs.push((name.trim().to_owned(), value));
        rest = &after[end..];
    }
}

fn parse_number(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => text.parse().ok(),
    }
}

/// The differences between two expositions: series only one side has, and values that
/// differ by more than a relative 1e-9 (sums may be added in another order). Empty when
/// they agree.
pub fn differences(left: &Samples, right: &Samples) -> Vec<String> {
    let mut out = Vec::new();
    for (key, a) in left {
        match right.get(key) {
            None => out.push(format!("only on the left: {key} {a}")),
            Some(b) if !close(*a, *b) => out.push(format!("{key}: {a} against {b}")),
            Some(_) => {}
        }
    }
    for (key, b) in right {
        if !left.contains_key(key) {
            out.push(format!("only on the right: {key} {b}"));
        }
    }
    out
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, labels: &[(&str, &str)]) -> SeriesKey {
        SeriesKey {
            name: name.to_owned(),
            labels: labels
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn samples_are_keyed_by_name_and_sorted_labels() {
        let text = "# HELP x_total Things.\n# TYPE x_total counter\n\
                    x_total{b=\"2\",a=\"q\\\"uo\\\\te\\n\"} 3\n\
                    y 1.5e+06 1700000000\n\
                    h_bucket{le=\"1.0\"} 2 # {trace_id=\"a\"} 0.5\n\
                    h_bucket{le=\"+Inf\"} 4\n# EOF\n";
        let samples = parse(text).unwrap();
        let want: Samples = [
            (key("x_total", &[("a", "q\"uo\\te\n"), ("b", "2")]), 3.0),
            (key("y", &[]), 1.5e6),
            (key("h_bucket", &[("le", "1.0")]), 2.0),
            (key("h_bucket", &[("le", "inf")]), 4.0),
        ]
        .into_iter()
        .collect();
        assert_eq!(samples, want);
    }

    #[test]
    fn le_written_as_integer_or_float_is_one_series() {
        let a = parse("h_bucket{le=\"1\"} 2\n").unwrap();
        let b = parse("h_bucket{le=\"1.0\"} 2.0\n").unwrap();
        assert!(differences(&a, &b).is_empty());
    }

    #[test]
    fn differences_name_missing_series_and_unequal_values() {
        let a = parse("x 1\ny 2\n").unwrap();
        let b = parse("x 1.5\nz 2\n").unwrap();
        assert_eq!(
            differences(&a, &b),
            [
                "x{}: 1 against 1.5",
                "only on the left: y{} 2",
                "only on the right: z{} 2"
            ]
        );
    }

    #[test]
    fn malformed_lines_are_reported_with_their_number() {
        assert_eq!(
            parse("ok 1\nbad{a=\"1} 2\n").unwrap_err(),
            ParseError {
                line: 2,
                reason: "unterminated label value"
            }
        );
    }
}
