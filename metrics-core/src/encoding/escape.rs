//! Escaping per context: label values and 0.0.4 HELP text each escape a different set.

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
    fn help_text_leaves_quotes_alone() {
        let mut out = Vec::new();
        write_help_text(&mut out, "say \"hi\"\\\n");
        assert_eq!(String::from_utf8(out).unwrap(), "say \"hi\"\\\\\\n");
    }
}
