//! Prometheus text exposition format 0.0.4.

use crate::encoding::{
    write_f64, write_help_text, write_value, Encoder, FamilyHeader, HistogramView, SampleSink,
    SeriesMeta, Value,
};
use crate::metric::{Exemplar, ExemplarSlot, NativeView, SummarySnapshot};

/// The Content-Type of this format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Writes `# HELP` and `# TYPE` for a family.
pub fn write_header(out: &mut Vec<u8>, header: &FamilyHeader<'_>) {
    out.extend_from_slice(b"# HELP ");
    out.extend_from_slice(header.name.as_bytes());
    out.push(b' ');
    write_help_text(out, header.help);
    out.extend_from_slice(b"\n# TYPE ");
    out.extend_from_slice(header.name.as_bytes());
    out.push(b' ');
    out.extend_from_slice(header.kind.as_str().as_bytes());
    out.push(b'\n');
}

/// The whole 0.0.4 body: each family's header, then its samples.
pub(crate) struct TextEncoder<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> TextEncoder<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>) -> Self {
        TextEncoder { out }
    }
}

impl Encoder for TextEncoder<'_> {
    fn family(&mut self, header: &FamilyHeader<'_>, series: &mut dyn FnMut(&mut dyn SampleSink)) {
        write_header(self.out, header);
        series(&mut TextSamples::new(self.out, header.name));
    }
}

/// Writes the samples of one family, named `name`. Creation times and exemplars have no
/// place in this format and are left out.
pub struct TextSamples<'a> {
    out: &'a mut Vec<u8>,
    name: &'a str,
}

impl<'a> TextSamples<'a> {
    /// A sink for the family `name`.
    ///
    /// ```
    /// use tallymark_core::encoding::text::TextSamples;
    /// use tallymark_core::encoding::{SampleSink, Value};
    ///
    /// let mut out = Vec::new();
    /// TextSamples::new(&mut out, "jobs_total").sample("queue=\"a\"", Value::Unsigned(3));
    /// assert_eq!(out, b"jobs_total{queue=\"a\"} 3\n");
    /// ```
    pub fn new(out: &'a mut Vec<u8>, name: &'a str) -> Self {
        TextSamples { out, name }
    }

    fn series_name(&mut self, suffix: &str, labels: &str, extra: Option<&[u8]>) {
        self.out.extend_from_slice(self.name.as_bytes());
        self.out.extend_from_slice(suffix.as_bytes());
        if labels.is_empty() && extra.is_none() {
            self.out.push(b' ');
            return;
        }
        self.out.push(b'{');
        self.out.extend_from_slice(labels.as_bytes());
        if let Some(extra) = extra {
            if !labels.is_empty() {
                self.out.push(b',');
            }
            self.out.extend_from_slice(extra);
        }
        self.out.extend_from_slice(b"} ");
    }

    fn line(&mut self, suffix: &str, labels: &str, extra: Option<&[u8]>, value: Value) {
        self.series_name(suffix, labels, extra);
        write_value(self.out, value);
        self.out.push(b'\n');
    }

    /// `_sum` and `_count`, which end histograms and summaries alike.
    fn sum_and_count(&mut self, labels: &str, sum: f64, count: u64) {
        self.line("_sum", labels, None, Value::Float(sum));
        self.line("_count", labels, None, Value::Unsigned(count));
    }
}

impl SampleSink for TextSamples<'_> {
    fn wants_exemplars(&self) -> bool {
        false
    }

    fn scalar(&mut self, series: SeriesMeta<'_>, value: Value, _: Option<&Exemplar>) {
        self.line("", series.labels, None, value);
    }

    fn classic_histogram(
        &mut self,
        series: SeriesMeta<'_>,
        view: HistogramView<'_>,
        _: &[ExemplarSlot],
    ) {
        let labels = series.labels;
        let mut le = Vec::with_capacity(24);
        let count = view.for_each_bucket(|bound, cumulative| {
            le.clear();
            le.extend_from_slice(b"le=\"");
            write_f64(&mut le, bound);
            le.push(b'"');
            self.line("_bucket", labels, Some(&le), Value::Unsigned(cumulative));
        });
        self.line(
            "_bucket",
            labels,
            Some(b"le=\"+Inf\""),
            Value::Unsigned(count),
        );
        self.sum_and_count(labels, view.sum, count);
    }

    fn summary(&mut self, series: SeriesMeta<'_>, snapshot: &SummarySnapshot) {
        let mut quantile = Vec::with_capacity(24);
        for &(q, value) in &snapshot.quantiles {
            quantile.clear();
            quantile.extend_from_slice(b"quantile=\"");
            write_f64(&mut quantile, q);
            quantile.push(b'"');
            self.line("", series.labels, Some(&quantile), Value::Float(value));
        }
        self.sum_and_count(series.labels, snapshot.sum, snapshot.count);
    }

    fn native_histogram(&mut self, series: SeriesMeta<'_>, view: NativeView<'_>) {
        // The text formats have no native buckets; `+Inf`, `_sum` and `_count` are valid
        // on their own and keep rates and averages working.
        let count = view.count();
        let labels = series.labels;
        self.line(
            "_bucket",
            labels,
            Some(b"le=\"+Inf\""),
            Value::Unsigned(count),
        );
        self.sum_and_count(labels, view.sum(), count);
    }
}
