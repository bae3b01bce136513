//! Label pairs and sample names written as the text formats spell them, `name="value",...`,
//! escaped here at scrape time rather than once in storage, and with names outside the
//! legacy grammar quoted or escaped as the scraper asked.

use std::borrow::Cow;

use crate::encoding::LabelPairs;
use crate::escape::write_label_value;
use crate::names::{
    escape_label_name, escape_metric_name, is_legacy_label_name, is_legacy_metric_name, Escaping,
};

/// A label name as `scheme` writes it: as it is when legacy, else quoted (for
/// `allow-utf-8`) or escaped. Borrowed, so free, in the common case.
fn label_name_text(name: &str, scheme: Escaping) -> Cow<'_, [u8]> {
    match escape_label_name(name, scheme) {
        Cow::Borrowed(same) if scheme == Escaping::AllowUtf8 && !is_legacy_label_name(same) => {
            let mut quoted = Vec::with_capacity(same.len() + 2);
            quoted.push(b'"');
            write_label_value(&mut quoted, same);
            quoted.push(b'"');
            Cow::Owned(quoted)
        }
        Cow::Borrowed(same) => Cow::Borrowed(same.as_bytes()),
        Cow::Owned(escaped) => Cow::Owned(escaped.into_bytes()),
    }
}

/// Appends `pairs` as `name="value"`, comma-separated, without braces, the names written
/// as `scheme` asks.
pub(crate) fn write_pairs(out: &mut Vec<u8>, pairs: LabelPairs<'_>, scheme: Escaping) {
    // Stored values say whether any needs escaping; a copy is then all a value takes.
    let plain = pairs.plain();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&label_name_text(name, scheme));
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

/// A family's name as its sample lines write it: escaped for a scraper of legacy names, or,
/// for one of UTF-8 names, as it is, and quoted inside the braces when it is not legacy
/// (`{"http.server.request.duration_bucket",le="0.1"} 3`).
pub(crate) struct SampleName<'a> {
    /// The name as written, or, when quoted, the text between the quotes.
    text: Cow<'a, str>,
    /// What opens a sample line that has no suffix: the name, or `{"name"` when quoted.
    /// Kept apart from `text`, so that each line reads it with no test of the name's kind.
    lead: Cow<'a, [u8]>,
    quoted: bool,
    scheme: Escaping,
}

impl<'a> SampleName<'a> {
    pub(crate) fn new(name: &'a str, scheme: Escaping) -> Self {
        if scheme == Escaping::AllowUtf8 && !is_legacy_metric_name(name) {
            let mut inner = Vec::with_capacity(name.len() + 2);
            write_label_value(&mut inner, name);
            // Escaping only adds backslashes to UTF-8 text, so the text stays UTF-8.
            let text = String::from_utf8(inner).map_or(Cow::Borrowed(name), Cow::Owned);
            let mut lead = Vec::with_capacity(text.len() + 3);
            lead.extend_from_slice(b"{\"");
            lead.extend_from_slice(text.as_bytes());
            lead.push(b'"');
            return SampleName {
                text,
                lead: Cow::Owned(lead),
                quoted: true,
                scheme,
            };
        }
        let text = escape_metric_name(name, scheme);
        let lead = match &text {
            Cow::Borrowed(name) => Cow::Borrowed(name.as_bytes()),
            Cow::Owned(escaped) => Cow::Owned(escaped.as_bytes().to_vec()),
        };
        SampleName {
            text,
            lead,
            quoted: false,
            scheme,
        }
    }

    /// The scheme label names are written by too.
    pub(crate) fn scheme(&self) -> Escaping {
        self.scheme
    }

    /// Whether the name goes in quotes inside the braces, so that the labels after it
    /// follow a comma and a line without labels still has braces.
    pub(crate) fn is_quoted(&self) -> bool {
        self.quoted
    }

    /// Appends the name as a `# HELP`, `# TYPE` or `# UNIT` line names it.
    pub(crate) fn write_bare(&self, out: &mut Vec<u8>) {
        if self.is_quoted() {
            out.push(b'"');
            out.extend_from_slice(self.text.as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(self.text.as_bytes());
        }
    }

    /// Appends the sample name, the family's and `suffix`: `{"name_suffix"` when quoted.
    pub(crate) fn write(&self, out: &mut Vec<u8>, suffix: &str) {
        if self.is_quoted() {
            out.extend_from_slice(b"{\"");
            out.extend_from_slice(self.text.as_bytes());
            out.extend_from_slice(suffix.as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(self.text.as_bytes());
            out.extend_from_slice(suffix.as_bytes());
        }
    }

    /// What opens a sample line without a suffix: the name, or `{"name"`.
    pub(crate) fn lead(&self) -> &[u8] {
        &self.lead
    }

    /// What ends a sample name that has no labels: ` `, or `} ` after a quoted one.
    pub(crate) fn bare_end(&self) -> &'static [u8] {
        if self.is_quoted() {
            b"} "
        } else {
            b" "
        }
    }

    /// Label chunks for this name's lines.
    pub(crate) fn chunks(&self) -> NameChunks {
        NameChunks::new(self.scheme, if self.is_quoted() { b',' } else { b'{' })
    }
}

/// The text around a family's label values, `{a="`, `",b="` and so on, written once for a
/// family and copied before each value: a series whose values need no escaping then costs
/// two copies per label. The first chunk may start with the text before the brace (the
/// sample's name), so that a one-label line takes as many copies as one that copied a
/// pre-rendered label text. After a quoted sample name the labels open with a comma
/// instead of the brace, which the name's own text holds.
pub(crate) struct NameChunks {
    /// The address and length of the names, and of the lead, the chunks were made for.
    /// Every series of a family is paired with the family's one slice of names.
    names: [usize; 4],
    text: [u8; CHUNK_ROOM],
    /// Where each chunk ends in `text`; chunk `i` starts where `i - 1` ended.
    ends: [usize; MAX_CHUNKED],
    /// How label names are written.
    scheme: Escaping,
    /// What opens the labels: `{`, or `,` after a quoted sample name.
    open: u8,
}

impl NameChunks {
    pub(crate) const fn new(scheme: Escaping, open: u8) -> Self {
        NameChunks {
            names: [0, usize::MAX, 0, 0],
            text: [0; CHUNK_ROOM],
            ends: [0; MAX_CHUNKED],
            scheme,
            open,
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
        same_key(&self.names, &key) || self.make(key, lead, names)
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
            let open = [self.open];
            let (before, open): (&[u8], &[u8]) = match i {
                0 => (lead, &open),
                _ => (b"", b"\","),
            };
            let written = label_name_text(name, self.scheme);
            let pieces = [before, open, &written, b"=\""];
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
            out.extend_from_slice(if self.open == b',' { b"} " } else { b" " });
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
        out.push(self.open);
        write_pairs(out, pairs, self.scheme);
        out.extend_from_slice(close);
    }
}

/// Whether two chunk keys are the same, compared word by word in registers. An array's
/// `==` compares through memory: the key, just stored to the stack in 8-byte words, is
/// read back in 16-byte loads that the processor cannot forward from those stores, and the
/// stall was most of the time a one-label sample line took. Instruction counts do not show
/// it.
#[inline(always)]
fn same_key(held: &[usize; 4], asked: &[usize; 4]) -> bool {
    let [a, b, c, d] = *held;
    let [w, x, y, z] = *asked;
    (a ^ w) | (b ^ x) | (c ^ y) | (d ^ z) == 0
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
        write_pairs(&mut out, LabelPairs::pairs(&pairs), Escaping::Underscores);
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
        let mut chunks = NameChunks::new(Escaping::Underscores, b'{');
        for (names, values) in cases {
            let stored = PackedStrs::new(values.iter().copied());
            for _ in 0..2 {
                let (mut copied, mut written) = (Vec::new(), b"m{".to_vec());
                chunks.write_open(&mut copied, b"m", LabelPairs::stored(names, &stored));
                write_pairs(
                    &mut written,
                    LabelPairs::new(names, values),
                    Escaping::Underscores,
                );
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
        let mut chunks = NameChunks::new(Escaping::Underscores, b'{');
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
