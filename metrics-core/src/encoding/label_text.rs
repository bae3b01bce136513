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

/// The most labels, and the most bytes of names, that [`NameChunks`] holds.
const MAX_CHUNKED: usize = 8;
const CHUNK_ROOM: usize = 256;

/// The text around a family's label values, `{a="`, `",b="` and so on, written once for a
/// family and copied before each value: a series whose values need no escaping then costs
/// two copies per label. The first chunk may start with the text before the brace (the
/// sample's name), so that a one-label line takes as many copies as one that copied a
/// pre-rendered label text.
pub(crate) struct NameChunks {
    /// The address and length of the names, and of the lead, the chunks were made for.
    /// Every series of a family is paired with the family's one slice of names.
    names: [usize; 4],
    text: [u8; CHUNK_ROOM],
    /// Where each chunk ends in `text`; chunk `i` starts where `i - 1` ended.
    ends: [usize; MAX_CHUNKED],
}

impl NameChunks {
    pub(crate) const fn new() -> Self {
        NameChunks {
            names: [0, usize::MAX, 0, 0],
            text: [0; CHUNK_ROOM],
            ends: [0; MAX_CHUNKED],
        }
    }

    /// Makes the chunks for `names`, the first led by `lead`, unless they are made; false
    /// when they do not fit. Every series of a family asks, and all but the first find
    /// them made.
    #[inline(always)]
    fn prepare(&mut self, lead: &[u8], names: &[&str]) -> bool {
        let key = [
            names.as_ptr() as usize,
            names.len(),
            lead.as_ptr() as usize,
            lead.len(),
        ];
        self.names == key || self.make(key, lead, names)
    }

    #[cold]
    #[inline(never)]
    fn make(&mut self, key: [usize; 4], lead: &[u8], names: &[&str]) -> bool {
        self.names = [0, usize::MAX, 0, 0];
        if names.len() > MAX_CHUNKED {
            return false;
        }
        let mut at = 0;
        for (i, name) in names.iter().enumerate() {
            let (before, open): (&[u8], &[u8]) = match i {
                0 => (lead, b"{"),
                _ => (b"", b"\","),
            };
            let pieces = [before, open, name.as_bytes(), b"=\""];
            for piece in pieces {
                let Some(room) = self.text.get_mut(at..at + piece.len()) else {
                    return false;
                };
                room.copy_from_slice(piece);
                at += piece.len();
            }
            if let Some(end) = self.ends.get_mut(i) {
                *end = at;
            }
        }
        self.names = key;
        true
    }

    /// Appends chunk `i`.
    #[inline(always)]
    fn copy_chunk(&self, out: &mut Vec<u8>, i: usize) {
        let start = match i {
            0 => 0,
            i => self.ends.get(i - 1).copied().unwrap_or(0),
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        out.extend_from_slice(self.text.get(start..end).unwrap_or_default());
    }

    /// Appends `lead`, `{` and `pairs` as [`write_pairs`] writes them, by copies alone
    /// when it can; the caller closes the brace. A cache is kept for one `lead` at a time.
    #[inline(always)]
    pub(crate) fn write_open(&mut self, out: &mut Vec<u8>, lead: &[u8], pairs: LabelPairs<'_>) {
        if !self.write_plain(out, lead, &pairs, b"\"") {
            self.write_escaped(out, lead, pairs, b"");
        }
    }

    /// Appends `lead{pairs} `, or `lead ` without pairs: the start of a sample line up to
    /// its value. Stored plain values, the common case, are tried before anything else.
    #[inline(always)]
    pub(crate) fn write_line_start(
        &mut self,
        out: &mut Vec<u8>,
        lead: &[u8],
        pairs: &LabelPairs<'_>,
    ) {
        if self.write_plain(out, lead, pairs, b"\"} ") {
            return;
        }
        if pairs.is_empty() {
            out.extend_from_slice(lead);
            out.push(b' ');
        } else {
            self.write_escaped(out, lead, *pairs, b"} ");
        }
    }

    /// The copies-only path: chunks and stored values, then `close` (which ends the last
    /// value's quotes); false, writing nothing, when the pairs need more than copies.
    #[inline(always)]
    fn write_plain(
        &mut self,
        out: &mut Vec<u8>,
        lead: &[u8],
        pairs: &LabelPairs<'_>,
        close: &[u8],
    ) -> bool {
        let Some((names, values)) = pairs.plain_stored() else {
            return false;
        };
        if names.is_empty() || !self.prepare(lead, names) {
            return false;
        }
        // One label, the most common set, is one chunk and the whole text.
        if let Some(value) = values.single() {
            self.copy_chunk(out, 0);
            out.extend_from_slice(value);
        } else {
            values.for_each_bytes(|i, value| {
                self.copy_chunk(out, i);
                out.extend_from_slice(value);
            });
        }
        out.extend_from_slice(close);
        true
    }

    #[cold]
    fn write_escaped(&self, out: &mut Vec<u8>, lead: &[u8], pairs: LabelPairs<'_>, close: &[u8]) {
        out.extend_from_slice(lead);
        out.push(b'{');
        write_pairs(out, pairs);
        out.extend_from_slice(close);
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

    /// Appends `{` and the label text to `out`, which must be the output it was first
    /// written to; the caller closes the brace.
    #[inline]
    pub(crate) fn write_open(&mut self, out: &mut Vec<u8>, chunks: &mut NameChunks) {
        match self.written {
            Some((start, end)) if end <= out.len() => out.extend_from_within(start..end),
            _ => {
                let start = out.len();
                chunks.write_open(out, b"", self.pairs);
                self.written = Some((start, out.len()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairs::PackedStrs;

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

    /// Chunks or not, escaping or not, the text is the same.
    #[test]
    fn copied_chunks_write_what_escaping_writes() {
        let names = ["method", "path", "a"];
        let long: Vec<String> = (0..9)
            .map(|i| format!("label_{i}_{}", "n".repeat(30)))
            .collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        let cases: [(&[&str], &[&str]); 5] = [
            (&names, &["GET", "/x", ""]),
            (&names, &["GET", "/\"quoted\"", "x\ny"]),
            (&names[..1], &["only"]),
            (&long, &["v"; 9]),
            (&long[..7], &["w"; 7]),
        ];
        let mut chunks = NameChunks::new();
        for (names, values) in cases {
            let stored = PackedStrs::new(values.iter().copied());
            for _ in 0..2 {
                let (mut copied, mut written) = (Vec::new(), b"m{".to_vec());
                chunks.write_open(&mut copied, b"m", LabelPairs::stored(names, &stored));
                write_pairs(&mut written, LabelPairs::new(names, values));
                assert_eq!(
                    String::from_utf8(copied).unwrap(),
                    String::from_utf8(written).unwrap()
                );
            }
        }
    }

    #[test]
    fn later_lines_copy_the_first_lines_text() {
        let mut out = b"a".to_vec();
        let mut chunks = NameChunks::new();
        let mut labels = SeriesLabels::new(LabelPairs::pairs(&[("q", "\"")]));
        labels.write_open(&mut out, &mut chunks);
        out.extend_from_slice(b"} 1\nb");
        labels.write_open(&mut out, &mut chunks);
        out.push(b'}');
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a{q=\"\\\"\"} 1\nb{q=\"\\\"\"}"
        );
    }
}
