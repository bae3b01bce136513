//! Escaping per context: label values and 0.0.4 HELP text each escape a different set;
//! OpenMetrics HELP escapes what label values do.
//!
//! Below both storage and encoding: storage keeps label values as they were given, and
//! learns here, once, whether a text format will have to escape them; each encoder escapes
//! for its own format when it writes.

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
pub fn write_openmetrics_help(out: &mut Vec<u8>, help: &str) {
    escape(out, help, true);
}

/// Whether a label value holds a byte the text formats escape, so that writing it takes
/// more than a copy.
#[inline]
pub fn needs_escaping(value: &str) -> bool {
    value.bytes().any(|b| matches!(b, b'\\' | b'"' | b'\n'))
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
    fn only_what_would_be_escaped_needs_escaping() {
        for value in ["", "plain", "tab\there", "ünï,={}"] {
            assert!(!needs_escaping(value), "{value:?}");
        }
        for value in ["a\\b", "say \"hi\"", "two\nlines"] {
            assert!(needs_escaping(value), "{value:?}");
            let mut out = Vec::new();
            write_label_value(&mut out, value);
            assert_ne!(out, value.as_bytes());
        }
    }

    #[test]
    fn openmetrics_help_escapes_quotes_too() {
        let mut out = Vec::new();
        write_openmetrics_help(&mut out, "say \"hi\"");
        assert_eq!(out, br#"say \"hi\""#);
    }

    #[test]
    fn help_text_leaves_quotes_alone() {
        let mut out = Vec::new();
        write_help_text(&mut out, "say \"hi\"\\\n");
        assert_eq!(String::from_utf8(out).unwrap(), "say \"hi\"\\\\\\n");
    }
}
