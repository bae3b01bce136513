//! Escaping per context: label values and 0.0.4 HELP text each escape a different set;
//! OpenMetrics HELP escapes what label values do.

/// Appends a label value, escaping `\`, `"` and newline, the only escapes the text formats
/// accept inside quotes.
pub fn write_label_value(out: &mut Vec<u8>, value: &str) {
    escape(out, value, true);
}

/// Appends HELP text for the 0.0.4 format, escaping `\` and newline only: the Go parser
/// rejects `\"` there.
pub fn write_help_text(out: &mut Vec<u8>, help: &str) {
    escape(out, help, false);
}

/// Appends HELP text for OpenMetrics, which escapes `\`, `"` and newline, as label values
/// do.
///
/// ```
/// let mut out = Vec::new();
/// tallymark_core::encoding::write_openmetrics_help(&mut out, "say \"hi\"");
/// assert_eq!(out, br#"say \"hi\""#);
/// ```
pub fn write_openmetrics_help(out: &mut Vec<u8>, help: &str) {
    escape(out, help, true);
}

fn escape(out: &mut Vec<u8>, text: &str, quotes: bool) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let replacement: &[u8] = match b {
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'"' if quotes => b"\\\"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(replacement);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends `name="value"` pairs, comma-separated, for series text that is rendered once.
pub fn write_label_pairs<'a>(
    out: &mut Vec<u8>,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    for (i, (name, value)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        write_label_value(out, value);
        out.push(b'"');
    }
}

/// Whether `text` is what [`write_label_pairs`] writes for `pairs`, found without writing
/// it. `escaped` says whether `text` holds any escape; when it holds none, each value is
/// compared as it is, since a value that needs escaping cannot match unescaped text.
pub(crate) fn label_text_matches(
    text: &str,
    names: &[&str],
    values: &[&str],
    escaped: bool,
) -> bool {
    if names.len() != values.len() {
        return false;
    }
    let mut rest = text.as_bytes();
    // By index rather than zipped: a label set's size is a constant, so this unrolls.
    for i in 0..values.len() {
        let (Some(name), Some(value)) = (names.get(i), values.get(i)) else {
            return false;
        };
        let pair = if i == 0 {
            Some(rest)
        } else {
            rest.strip_prefix(b",")
        };
        let value_text = pair
            .and_then(|r| strip_name(r, name.as_bytes()))
            .and_then(|r| r.strip_prefix(b"=\""));
        let after = match value_text {
            Some(r) if escaped => strip_escaped(r, value),
            Some(r) => r.strip_prefix(value.as_bytes()),
            None => None,
        };
        match after.and_then(|r| r.strip_prefix(b"\"")) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

/// `text` after `name`, if it starts with it. A family's label names are few and fixed,
/// so the branches here go the same way every time, and comparing in place saves the call
/// to `memcmp` that values, whose lengths vary, are better off with.
#[inline(always)]
fn strip_name<'t>(text: &'t [u8], name: &[u8]) -> Option<&'t [u8]> {
    fn word(s: &[u8], at: usize) -> u64 {
        s.get(at..at + 8)
            .and_then(|w| w.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    }
    fn half(s: &[u8], at: usize) -> u32 {
        s.get(at..at + 4)
            .and_then(|w| w.try_into().ok())
            .map_or(0, u32::from_le_bytes)
    }
    let (head, rest) = text.split_at_checked(name.len())?;
    let len = name.len();
    let same = if len < 4 {
        head == name
    } else if len <= 8 {
        half(head, 0) == half(name, 0) && half(head, len - 4) == half(name, len - 4)
    } else {
        let mut at = 0;
        while at + 8 < len && word(head, at) == word(name, at) {
            at += 8;
        }
        at + 8 >= len && word(head, len - 8) == word(name, len - 8)
    };
    same.then_some(rest)
}

/// `text` after `value` as [`write_label_value`] escapes it, if `text` starts with that.
fn strip_escaped<'t>(mut text: &'t [u8], value: &str) -> Option<&'t [u8]> {
    for &b in value.as_bytes() {
        let escaped: &[u8] = match b {
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'"' => b"\\\"",
            _ => std::slice::from_ref(&b),
        };
        text = text.strip_prefix(escaped)?;
    }
    Some(text)
}

/// Reads back what [`write_label_pairs`] wrote: the `(name, value)` pairs, unescaped. For
/// formats that need labels apart (protobuf), so that series keep only their text.
/// Malformed text ends the list early.
///
/// ```
/// use tallymark_core::encoding::parse_label_pairs;
///
/// let pairs = parse_label_pairs(r#"path="/a\"b",case="x\ny""#);
/// assert_eq!(pairs, [("path".into(), "/a\"b".into()), ("case".into(), "x\ny".into())]);
/// ```
pub fn parse_label_pairs(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut rest = text;
    while let Some((name, after)) = rest.split_once("=\"") {
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    end = Some(i + 1);
                    break;
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, other)) => value.push(other),
                    None => break,
                },
                c => value.push(c),
            }
        }
        let Some(end) = end else { break };
        pairs.push((name.to_owned(), value));
        rest = after[end..].strip_prefix(',').unwrap_or(&after[end..]);
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escape_backslash_quote_and_newline_only() {
        let mut out = Vec::new();
        write_label_value(&mut out, "a\\b\"c\nd\té");
        assert_eq!(String::from_utf8(out).unwrap(), "a\\\\b\\\"c\\nd\té");
    }

    #[test]
    fn label_text_reads_back_as_it_was_written() {
        let pairs = [
            ("a", "plain"),
            ("b", "q\"uo\\te\nnl"),
            ("c", ""),
            ("d", "ünï,=\""),
        ];
        let mut text = Vec::new();
        write_label_pairs(&mut text, pairs);
        let read = parse_label_pairs(std::str::from_utf8(&text).unwrap());
        let read: Vec<(&str, &str)> = read.iter().map(|(n, v)| (&**n, &**v)).collect();
        assert_eq!(read, pairs);
        assert!(parse_label_pairs("").is_empty());
    }

    #[test]
    fn label_text_matches_exactly_the_pairs_it_was_written_from() {
        let written = |pairs: &[(&str, &str)]| {
            let mut text = Vec::new();
            write_label_pairs(&mut text, pairs.iter().copied());
            String::from_utf8(text).unwrap()
        };
        let cases: &[&[(&str, &str)]] = &[
            &[("a", "plain"), ("b", "/x/y")],
            &[("a", "q\"uo\\te\nnl"), ("b", "")],
            &[("a", "x\",b=\"y"), ("b", "")],
            &[("a", "x"), ("b", "y")],
            &[("a", "x")],
            &[("a", "x\"")],
        ];
        // A family compares label sets of one arity only.
        for pairs in cases {
            for other in cases.iter().filter(|o| o.len() == pairs.len()) {
                let text = written(pairs);
                let escaped = text.contains('\\');
                let (names, values): (Vec<&str>, Vec<&str>) = other.iter().copied().unzip();
                let matched = label_text_matches(&text, &names, &values, escaped);
                assert_eq!(matched, pairs == other, "{text} against {other:?}");
            }
        }
        // A raw value that happens to read like escaped text is still a different value.
        let text = written(&[("a", "x\\y")]);
        assert!(!label_text_matches(&text, &["a"], &["x\\\\y"], true));
        assert!(label_text_matches(&text, &["a"], &["x\\y"], true));
    }

    #[test]
    fn names_compare_like_slices_at_every_length() {
        let a: Vec<u8> = (1..=40).collect();
        for len in 0..40 {
            let text = &a[..len + 1];
            assert_eq!(strip_name(text, &a[..len]), Some(&a[len..=len]));
            for flip in 0..len {
                let mut name = a[..len].to_vec();
                name[flip] ^= 0x80;
                assert_eq!(strip_name(text, &name), None, "length {len}, byte {flip}");
            }
        }
        assert_eq!(strip_name(b"ab", b"abc"), None);
    }

    #[test]
    fn help_text_leaves_quotes_alone() {
        let mut out = Vec::new();
        write_help_text(&mut out, "say \"hi\"\\\n");
        assert_eq!(String::from_utf8(out).unwrap(), "say \"hi\"\\\\\\n");
    }
}
