//! Prometheus text exposition format 0.0.4.

use crate::encoding::{
    write_f64, write_help_text, write_value, FamilyHeader, HistogramView, SampleSink, Value,
};

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

/// Writes the samples of one family, named `name`.
pub struct TextSamples<'a> {
    out: &'a mut Vec<u8>,
    name: &'a str,
}

impl<'a> TextSamples<'a> {
    /// A sink for the family `name`.
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
}

impl SampleSink for TextSamples<'_> {
    fn sample(&mut self, labels: &str, value: Value) {
        self.series_name("", labels, None);
        write_value(self.out, value);
        self.out.push(b'\n');
    }

    fn histogram(&mut self, labels: &str, view: HistogramView<'_>) {
        let mut le = Vec::with_capacity(24);
        let count = view.for_each_bucket(|bound, cumulative| {
            le.clear();
            le.extend_from_slice(b"le=\"");
            write_f64(&mut le, bound);
            le.push(b'"');
            self.series_name("_bucket", labels, Some(&le));
            write_value(self.out, Value::Unsigned(cumulative));
            self.out.push(b'\n');
        });
        self.series_name("_bucket", labels, Some(b"le=\"+Inf\""));
        write_value(self.out, Value::Unsigned(count));
        self.out.push(b'\n');
        self.series_name("_sum", labels, None);
        write_f64(self.out, view.sum);
        self.out.push(b'\n');
        self.series_name("_count", labels, None);
        write_value(self.out, Value::Unsigned(count));
        self.out.push(b'\n');
    }
}
