//! Prometheus text exposition format 0.0.4.

use crate::encoding::label_text::{NameChunks, SampleName, SeriesLabels};
use crate::encoding::{
    write_f64, write_value, Encoder, Exemplar, ExemplarSlot, FamilyHeader, HistogramView,
    NativeView, SampleSink, SeriesMeta, SummarySnapshot, Value,
};
use crate::escape::write_help_text;
use crate::names::rules::MAX_BUCKETS;
use crate::names::Escaping;

/// The Content-Type of this format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Writes `# HELP` and `# TYPE` for a family, its name escaped with underscores as 0.0.4
/// requires.
pub fn write_header(out: &mut Vec<u8>, header: &FamilyHeader<'_>) {
    write_named_header(
        out,
        header,
        &SampleName::new(header.name, Escaping::Underscores),
    );
}

fn write_named_header(out: &mut Vec<u8>, header: &FamilyHeader<'_>, name: &SampleName<'_>) {
    out.extend_from_slice(b"# HELP ");
    name.write_bare(out);
    out.push(b' ');
    write_help_text(out, header.help);
    out.extend_from_slice(b"\n# TYPE ");
    name.write_bare(out);
    out.push(b' ');
    out.extend_from_slice(header.kind.as_str().as_bytes());
    out.push(b'\n');
}

/// The whole text body, 0.0.4 or 1.0.0: each family's header, then its samples, names
/// written as `scheme` asks.
pub(crate) struct TextEncoder<'a> {
    out: &'a mut Vec<u8>,
    scheme: Escaping,
}

impl<'a> TextEncoder<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>, scheme: Escaping) -> Self {
        TextEncoder { out, scheme }
    }
}

impl Encoder for TextEncoder<'_> {
    fn family(&mut self, header: &FamilyHeader<'_>, series: &mut dyn FnMut(&mut dyn SampleSink)) {
        let name = SampleName::new(header.name, self.scheme);
        write_named_header(self.out, header, &name);
        series(&mut TextSamples::named(self.out, name));
    }
}

/// Writes the samples of one family, named `name`. Creation times and exemplars have no
/// place in this format and are left out.
pub struct TextSamples<'a> {
    out: &'a mut Vec<u8>,
    name: SampleName<'a>,
    le: LeTexts,
    chunks: NameChunks,
    /// The chunks of single-line samples, led by the family's name.
    named_chunks: NameChunks,
}

/// Where the `le="…"` text of each bound was first written into the output. The series of
/// a histogram family share their bounds, so every series after the first copies these
/// bytes instead of formatting each bound again, which was most of the cost of a scrape.
struct LeTexts {
    len: usize,
    bounds: [f64; MAX_BUCKETS],
    spans: [(usize, usize); MAX_BUCKETS],
}

impl LeTexts {
    const fn new() -> Self {
        LeTexts {
            len: 0,
            bounds: [0.0; MAX_BUCKETS],
            spans: [(0, 0); MAX_BUCKETS],
        }
    }

    /// The spans written for exactly these bounds, if they were.
    fn spans_for(&self, bounds: &[f64]) -> Option<&[(usize, usize)]> {
        let same = self.len == bounds.len() && self.bounds.get(..self.len) == Some(bounds);
        same.then(|| self.spans.get(..self.len)).flatten()
    }
}

impl<'a> TextSamples<'a> {
    /// A sink for the family `name`, escaped with underscores as 0.0.4 requires.
    ///
    /// ```
    /// use tallymark_core::encoding::text::TextSamples;
    /// use tallymark_core::encoding::{LabelPairs, SampleSink, Value};
    ///
    /// let mut out = Vec::new();
    /// let queue = LabelPairs::pairs(&[("queue", "a")]);
    /// TextSamples::new(&mut out, "jobs_total").sample(queue, Value::Unsigned(3));
    /// assert_eq!(out, b"jobs_total{queue=\"a\"} 3\n");
    /// ```
    pub fn new(out: &'a mut Vec<u8>, name: &'a str) -> Self {
        TextSamples::named(out, SampleName::new(name, Escaping::Underscores))
    }

    fn named(out: &'a mut Vec<u8>, name: SampleName<'a>) -> Self {
        TextSamples {
            out,
            le: LeTexts::new(),
            chunks: name.chunks(),
            named_chunks: name.chunks(),
            name,
        }
    }

    /// Writes the name and the labels, `extra` labels after the series' own.
    fn series_name(&mut self, suffix: &str, labels: &mut SeriesLabels<'_>, extra: Option<&[u8]>) {
        if labels.is_empty() && extra.is_none() {
            self.name.write(self.out, suffix);
            self.out.extend_from_slice(self.name.bare_end());
            return;
        }
        self.open_labels(suffix, labels, extra.is_some());
        if let Some(extra) = extra {
            self.out.extend_from_slice(extra);
        }
        self.out.extend_from_slice(b"} ");
    }

    /// Writes `name_suffix{labels`, and the comma after them when more labels follow.
    fn open_labels(&mut self, suffix: &str, labels: &mut SeriesLabels<'_>, more: bool) {
        self.name.write(self.out, suffix);
        labels.write_open(self.out, &mut self.chunks);
        if more && !labels.is_empty() {
            self.out.push(b',');
        }
    }

    /// Writes `name_bucket{labels,` (or `name_bucket{` without labels), the start of every
    /// bucket line: on the first, and by copying the first onto the others.
    fn bucket_prefix(
        &mut self,
        labels: &mut SeriesLabels<'_>,
        prefix: &mut Option<(usize, usize)>,
    ) {
        match *prefix {
            Some((start, end)) if end <= self.out.len() => self.out.extend_from_within(start..end),
            _ => {
                let start = self.out.len();
                self.open_labels("_bucket", labels, true);
                *prefix = Some((start, self.out.len()));
            }
        }
    }

    fn line(
        &mut self,
        suffix: &str,
        labels: &mut SeriesLabels<'_>,
        extra: Option<&[u8]>,
        value: Value,
    ) {
        self.series_name(suffix, labels, extra);
        write_value(self.out, value);
        self.out.push(b'\n');
    }

    /// `_sum` and `_count`, which end histograms and summaries alike.
    fn sum_and_count(&mut self, labels: &mut SeriesLabels<'_>, sum: f64, count: u64) {
        self.line("_sum", labels, None, Value::Float(sum));
        self.line("_count", labels, None, Value::Unsigned(count));
    }
}

impl SampleSink for TextSamples<'_> {
    fn wants_exemplars(&self) -> bool {
        false
    }

    /// One line, its labels written straight out: most series of most scrapes come here.
    #[inline]
    fn scalar(&mut self, series: SeriesMeta<'_>, value: Value, _: Option<&Exemplar>) {
        let name = self.name.lead();
        self.named_chunks
            .write_line_start(self.out, name, &series.labels);
        write_value(self.out, value);
        self.out.push(b'\n');
    }

    fn classic_histogram(
        &mut self,
        series: SeriesMeta<'_>,
        view: HistogramView<'_>,
        _: &[ExemplarSlot],
    ) {
        let labels = &mut SeriesLabels::new(series.labels);
        let copies = self.le.spans_for(view.bounds).is_some();
        let cacheable = view.bounds.len() <= MAX_BUCKETS;
        let mut prefix = None;
        let mut bucket = 0;
        let count = view.for_each_bucket(|bound, cumulative| {
            self.bucket_prefix(labels, &mut prefix);
            let span = self.le.spans.get(bucket).copied();
            match span {
                Some((start, end)) if copies => self.out.extend_from_within(start..end),
                _ => {
                    let start = self.out.len();
                    self.out.extend_from_slice(b"le=\"");
                    write_f64(self.out, bound);
                    self.out.push(b'"');
                    if let (true, Some(span), Some(b)) = (
                        cacheable,
                        self.le.spans.get_mut(bucket),
                        self.le.bounds.get_mut(bucket),
                    ) {
                        *span = (start, self.out.len());
                        *b = bound;
                    }
                }
            }
            self.out.extend_from_slice(b"} ");
            write_value(self.out, Value::Unsigned(cumulative));
            self.out.push(b'\n');
            bucket += 1;
        });
        if cacheable && !copies {
            self.le.len = view.bounds.len();
        }
        self.bucket_prefix(labels, &mut prefix);
        self.out.extend_from_slice(b"le=\"+Inf\"} ");
        write_value(self.out, Value::Unsigned(count));
        self.out.push(b'\n');
        self.sum_and_count(labels, view.sum, count);
    }

    fn summary(&mut self, series: SeriesMeta<'_>, snapshot: &SummarySnapshot) {
        let labels = &mut SeriesLabels::new(series.labels);
        let mut quantile = Vec::with_capacity(24);
        for &(q, value) in &snapshot.quantiles {
            quantile.clear();
            quantile.extend_from_slice(b"quantile=\"");
            write_f64(&mut quantile, q);
            quantile.push(b'"');
            self.line("", labels, Some(&quantile), Value::Float(value));
        }
        self.sum_and_count(labels, snapshot.sum, snapshot.count);
    }

    fn native_histogram(&mut self, series: SeriesMeta<'_>, view: NativeView<'_>) {
        // The text formats have no native buckets; `+Inf`, `_sum` and `_count` are valid
        // on their own and keep rates and averages working.
        let count = view.count();
        let labels = &mut SeriesLabels::new(series.labels);
        self.line(
            "_bucket",
            labels,
            Some(b"le=\"+Inf\""),
            Value::Unsigned(count),
        );
        self.sum_and_count(labels, view.sum(), count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{LabelPairs, SampleSink};

    fn histogram(
        out: &mut TextSamples<'_>,
        labels: LabelPairs<'_>,
        bounds: &[f64],
        counts: &[u64],
    ) {
        let view = HistogramView {
            bounds,
            counts,
            sum: 1.5,
        };
        out.histogram(labels, view);
    }

    /// The `le` texts of one family's first series are copied into the others; a series
    /// with other bounds gets its own.
    #[test]
    fn each_series_gets_the_le_texts_of_its_own_bounds() {
        let mut out = Vec::new();
        let mut samples = TextSamples::new(&mut out, "h");
        let a = |value| LabelPairs::new(&["a"], value);
        histogram(&mut samples, a(&["1"]), &[0.5, 1.0], &[1, 0, 0]);
        histogram(&mut samples, a(&["2"]), &[0.5, 1.0], &[0, 1, 0]);
        histogram(&mut samples, LabelPairs::EMPTY, &[0.25], &[0, 2]);
        histogram(&mut samples, a(&["3"]), &[0.5, 1.0], &[0, 0, 1]);
        let text = String::from_utf8(out).unwrap();
        let buckets: Vec<&str> = text.lines().filter(|l| l.contains("_bucket")).collect();
        assert_eq!(
            buckets,
            [
                "h_bucket{a=\"1\",le=\"0.5\"} 1",
                "h_bucket{a=\"1\",le=\"1\"} 1",
                "h_bucket{a=\"1\",le=\"+Inf\"} 1",
                "h_bucket{a=\"2\",le=\"0.5\"} 0",
                "h_bucket{a=\"2\",le=\"1\"} 1",
                "h_bucket{a=\"2\",le=\"+Inf\"} 1",
                "h_bucket{le=\"0.25\"} 0",
                "h_bucket{le=\"+Inf\"} 2",
                "h_bucket{a=\"3\",le=\"0.5\"} 0",
                "h_bucket{a=\"3\",le=\"1\"} 0",
                "h_bucket{a=\"3\",le=\"+Inf\"} 1",
            ]
        );
    }
}
