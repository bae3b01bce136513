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
    fn help_text_leaves_quotes_alone() {
        let mut out = Vec::new();
        write_help_text(&mut out, "say \"hi\"\\\n");
        assert_eq!(String::from_utf8(out).unwrap(), "say \"hi\"\\\\\\n");
    }
}
