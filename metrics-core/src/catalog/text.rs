//! Escaping for the generated artefacts, and what they share about the program: which
//! annotated functions it has and how a bucket bound reads as an `le` label.
//!
//! Every piece of user text (a module path, a HELP line, a label name) passes through one
//! of these before it lands in YAML, JSON, PromQL or Markdown.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::descriptor::{Descriptor, MetricKind};
use crate::instrument::{sites, Callee};
use crate::registry::Registry;

/// The default family `#[counted]` records into.
pub(crate) const CALLS: &str = "function_calls_total";
/// The default family `#[timed]` records into.
pub(crate) const DURATIONS: &str = "function_calls_duration_seconds";
/// The default family `#[in_flight]` records into.
pub(crate) const CONCURRENT: &str = "function_calls_concurrent";
/// tallymark's self-metric counting label sets folded into overflow.
pub(crate) const OVERFLOW: &str = "tallymark_label_overflow_total";

/// `text` as a YAML double-quoted scalar: `\`, `"` and every control character escaped,
/// so no value can end the string or start a new key.
pub(crate) fn yaml_string(text: &str) -> String {
    quoted(text, |c, out| match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        // YAML forbids these raw in a double-quoted scalar; NEL and the line and
        // paragraph separators would fold as line breaks.
        c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => out.push(c),
    })
}

/// `text` as a JSON string literal, quotes included (RFC 8259: `"`, `\` and the controls
/// below U+0020 escaped; U+2028 and U+2029 too, so the text is also valid JavaScript).
pub(crate) fn json_string(text: &str) -> String {
    quoted(text, |c, out| match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x20 || matches!(c, '\u{2028}' | '\u{2029}') => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => out.push(c),
    })
}

/// `text` as a PromQL double-quoted string, quotes included.
pub(crate) fn promql_string(text: &str) -> String {
    quoted(text, |c, out| match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        c => out.push(c),
    })
}

fn quoted(text: &str, mut each: impl FnMut(char, &mut String)) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        each(c, &mut out);
    }
    out.push('"');
    out
}

/// `text` safe inside a Markdown table cell and as inline text: the characters Markdown
/// gives a meaning (`|` ends a cell, `*` `_` emphasise, `<` opens HTML, ...) are
/// backslash-escaped, and a line break becomes a space, since a cell is one line.
pub(crate) fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '<' | '>' | '(' | ')' | '#' | '+'
            | '-' | '!' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A bucket bound as the text of its `le` label, as tallymark writes it (Go's shortest
/// form: `0.25`, `1`, `1e+06`).
pub(crate) fn le_text(bound: f64) -> String {
    let mut out = Vec::new();
    crate::encoding::write_f64(&mut out, bound);
    String::from_utf8(out).unwrap_or_default()
}

/// A matcher for the bucket of `bound`: a whole bound is written `1` in the text formats
/// but `1.0` by Prometheus when it scrapes protobuf, so both are accepted.
pub(crate) fn le_matcher(bound: f64) -> String {
    let text = le_text(bound);
    if bound == bound.trunc() && bound.abs() < 1e6 {
        format!("le=~{}", promql_string(&format!("{text}|{text}\\.0")))
    } else {
        format!("le={}", promql_string(&text))
    }
}

/// The bucket bounds a histogram family uses: its own, or the default ones.
pub(crate) fn bucket_bounds(descriptor: &Descriptor) -> &'static [f64] {
    match descriptor.buckets() {
        [] => &crate::metric::buckets::DEFAULT_BUCKETS,
        own => own,
    }
}

/// What the artefacts know of one annotated function.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Function {
    /// The `function` label its series carry.
    pub(crate) function: &'static str,
    /// Its `module` label.
    pub(crate) module: &'static str,
    /// Whether `#[counted]` is on it, so `function_calls_total` has its series.
    pub(crate) counted: bool,
    /// Whether `#[timed]` is on it.
    pub(crate) timed: bool,
    /// Whether `#[in_flight]` is on it.
    pub(crate) in_flight: bool,
}

/// The annotated functions whose default families `registry` holds, sorted by module and
/// function: the default families are the program's, so they are listed only for a
/// registry that holds them (the global one).
pub(crate) fn functions(registry: &Registry) -> Vec<Function> {
    let held: Vec<&str> = registry
        .families()
        .iter()
        .map(|(descriptor, _)| descriptor.name())
        .collect();
    let holds = |name: &str| held.contains(&name);
    let sites = sites();
    let mut all: BTreeMap<(&'static str, &'static str), Function> = BTreeMap::new();
    fn entry<'m>(
        all: &'m mut BTreeMap<(&'static str, &'static str), Function>,
        function: &'static str,
        module: &'static str,
    ) -> &'m mut Function {
        all.entry((module, function)).or_insert(Function {
            function,
            module,
            ..Function::default()
        })
    }
    if holds(CALLS) {
        for named in &sites.counted {
            entry(&mut all, named.function, named.site.callee.module).counted = true;
        }
    }
    if holds(DURATIONS) {
        for named in &sites.timed {
            entry(&mut all, named.function, named.site.callee.module).timed = true;
        }
    }
    if holds(CONCURRENT) {
        for named in &sites.in_flight {
            entry(&mut all, named.function, named.site.callee.module).in_flight = true;
        }
    }
    all.into_values().collect()
}

/// The `function` label the series of `callee` carry: the name its sites resolved to,
/// which is its qualified name where methods share a plain one.
pub(crate) fn function_label(callee: &Callee) -> &'static str {
    let sites = sites();
    let same = |other: &Callee| {
        other.module == callee.module && other.file == callee.file && other.line == callee.line
    };
    sites
        .counted
        .iter()
        .find(|n| same(&n.site.callee))
        .map(|n| n.function)
        .or_else(|| {
            sites
                .timed
                .iter()
                .find(|n| same(&n.site.callee))
                .map(|n| n.function)
        })
        .unwrap_or(callee.function)
}

/// The word a reader knows the family type by.
pub(crate) fn kind_word(kind: MetricKind) -> &'static str {
    kind.openmetrics_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_strings_cannot_be_broken_out_of() {
        assert_eq!(yaml_string("a\"b\\c\nd\u{7}e"), r#""a\"b\\c\nd\u0007e""#);
        assert_eq!(yaml_string("plain: {x}"), r#""plain: {x}""#);
    }

    #[test]
    fn json_strings_escape_quotes_backslashes_and_controls() {
        assert_eq!(
            json_string("say \"hi\"\\\n\t\u{1}\u{2028}é"),
            r#""say \"hi\"\\\n\t\u0001\u2028é""#
        );
    }

    #[test]
    fn promql_strings_escape_quotes_and_backslashes() {
        assert_eq!(promql_string("a\"b\\c"), r#""a\"b\\c""#);
    }

    #[test]
    fn markdown_text_escapes_table_and_emphasis_characters() {
        assert_eq!(
            markdown_text("a|b *c* <d>\nnext_line"),
            r"a\|b \*c\* \<d\> next\_line"
        );
    }

    #[test]
    fn whole_bounds_match_both_spellings_of_le() {
        assert_eq!(le_matcher(0.25), r#"le="0.25""#);
        assert_eq!(le_matcher(1.0), r#"le=~"1|1\\.0""#);
        assert_eq!(le_matcher(2e6), r#"le="2e+06""#);
    }
}
