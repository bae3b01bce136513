//! Label pairs written as the text formats spell them, `name="value",...`, escaped here at
//! scrape time rather than once in storage.

use crate::encoding::LabelPairs;
use crate::escape::write_label_value;

/// Appends `pairs` as `name="value"`, comma-separated, without braces.
pub(crate) fn write_pairs(out: &mut Vec<u8>, pairs: LabelPairs<'_>) {
    // Stored values say whether any needs escaping; a copy is then all a value takes.
    let plain = pairs.plain();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        if plain {
            out.extend_from_slice(value.as_bytes());
        } else {
            write_label_value(out, value);
        }
        out.push(b'"');
    }
}

/// One series' label text, escaped and written on its first line and copied from there
/// onto every later one: a histogram writes the same labels on a dozen lines.
pub(crate) struct SeriesLabels<'p> {
    pairs: LabelPairs<'p>,
    /// Where the text was first written in the output.
    written: Option<(usize, usize)>,
}

impl<'p> SeriesLabels<'p> {
    pub(crate) fn new(pairs: LabelPairs<'p>) -> Self {
        SeriesLabels {
            pairs,
            written: None,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Appends the label text to `out`, which must be the output it was first written to.
    #[inline]
    pub(crate) fn write(&mut self, out: &mut Vec<u8>) {
        match self.written {
            Some((start, end)) if end <= out.len() => out.extend_from_within(start..end),
            _ => {
                let start = out.len();
                write_pairs(out, self.pairs);
                self.written = Some((start, out.len()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_names_are_not() {
        let mut out = Vec::new();
        let pairs = [("path", "/a\"b"), ("case", "x\ny\\z"), ("empty", "")];
        write_pairs(&mut out, LabelPairs::pairs(&pairs));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"path="/a\"b",case="x\ny\\z",empty="""#
        );
    }

    #[test]
    fn later_lines_copy_the_first_lines_text() {
        let mut out = b"a{".to_vec();
        let mut labels = SeriesLabels::new(LabelPairs::pairs(&[("q", "\"")]));
        labels.write(&mut out);
        out.extend_from_slice(b"} 1\nb{");
        labels.write(&mut out);
        out.push(b'}');
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a{q=\"\\\"\"} 1\nb{q=\"\\\"\"}"
        );
    }
}
