//! OpenMetrics 1.0 text: the format Prometheus 2.x asks for first.
//!
//! Beyond 0.0.4 it writes `# UNIT`, `_created`, exemplars, the `info` and `stateset`
//! types and a closing `# EOF`. Counter families drop `_total` from their name, which their
//! samples carry; `le` and `quantile` values take the canonical form (`1.0`).

use crate::descriptor::MetricKind;
use crate::encoding::label_text::{write_pairs, NameChunks, SampleName, SeriesLabels};
use crate::encoding::{
    write_f64, write_openmetrics_f64, write_timestamp, write_value, Encoder, Exemplar,
    ExemplarSlot, FamilyHeader, Format, HistogramView, NativeView, SampleSink, SeriesMeta,
    SummarySnapshot, Value,
};
use crate::escape::write_openmetrics_help;
use crate::names::{escape_metric_name, Escaping};

/// The Content-Type of this format.
pub const CONTENT_TYPE: &str = Format::OpenMetrics.content_type();

/// The base units a name may end in, and so declare without being told.
pub const BASE_UNITS: [&str; 9] = [
    "seconds", "bytes", "ratio", "celsius", "meters", "volts", "amperes", "joules", "grams",
];

/// The OpenMetrics family name: a counter's without `_total`, an info's without `_info`.
///
/// ```
/// use tallymark_core::encoding::openmetrics::family_name;
/// use tallymark_core::MetricKind;
///
/// assert_eq!(family_name("http_requests_total", MetricKind::Counter), "http_requests");
/// assert_eq!(family_name("app_build_info", MetricKind::Info), "app_build");
/// assert_eq!(family_name("queue_depth", MetricKind::Gauge), "queue_depth");
/// ```
pub fn family_name(name: &str, kind: MetricKind) -> &str {
    let suffix = match kind {
        MetricKind::Counter => "_total",
        MetricKind::Info => "_info",
        _ => return name,
    };
    name.strip_suffix(suffix).unwrap_or(name)
}

/// The unit written in `# UNIT`: the declared one when the family name ends in it,
/// otherwise a base unit the name ends in. Info and stateset families have none.
///
/// ```
/// use tallymark_core::encoding::openmetrics::unit_of;
/// use tallymark_core::MetricKind;
///
/// assert_eq!(unit_of("process_cpu_seconds", "", MetricKind::Counter), Some("seconds"));
/// assert_eq!(unit_of("queue_depth", "", MetricKind::Gauge), None);
/// assert_eq!(unit_of("disk_usage_percent", "percent", MetricKind::Gauge), Some("percent"));
/// ```
pub fn unit_of<'a>(family: &str, declared: &'a str, kind: MetricKind) -> Option<&'a str> {
    if matches!(kind, MetricKind::Info | MetricKind::StateSet) {
        return None;
    }
    let ends_in = |unit: &str| {
        family
            .strip_suffix(unit)
            .is_some_and(|stem| stem.ends_with('_') && stem.len() > 1)
    };
    if !declared.is_empty() && ends_in(declared) {
        return Some(declared);
    }
    BASE_UNITS.into_iter().find(|unit| ends_in(unit))
}

/// The whole OpenMetrics body: TYPE, UNIT and HELP per family, its samples, `# EOF`, with
/// names written as `scheme` asks.
pub(crate) struct OpenMetricsEncoder<'a> {
    out: &'a mut Vec<u8>,
    scheme: Escaping,
}

impl<'a> OpenMetricsEncoder<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>, scheme: Escaping) -> Self {
        OpenMetricsEncoder { out, scheme }
    }

    fn metadata(&mut self, keyword: &str, family: &SampleName<'_>, text: &str) {
        self.out.extend_from_slice(b"# ");
        self.out.extend_from_slice(keyword.as_bytes());
        self.out.push(b' ');
        family.write_bare(self.out);
        self.out.push(b' ');
        self.out.extend_from_slice(text.as_bytes());
        self.out.push(b'\n');
    }
}

impl Encoder for OpenMetricsEncoder<'_> {
    fn family(&mut self, header: &FamilyHeader<'_>, series: &mut dyn FnMut(&mut dyn SampleSink)) {
        let unescaped = family_name(header.name, header.kind);
        let family = SampleName::new(unescaped, self.scheme);
        self.metadata("TYPE", &family, header.kind.openmetrics_str());
        // The unit must end the name as the scraper reads it: escaped, or as it is.
        let written = escape_metric_name(unescaped, self.scheme);
        if let Some(unit) = unit_of(&written, header.unit, header.kind) {
            self.metadata("UNIT", &family, unit);
        }
        self.out.extend_from_slice(b"# HELP ");
        family.write_bare(self.out);
        self.out.push(b' ');
        write_openmetrics_help(self.out, header.help);
        self.out.push(b'\n');
        series(&mut OpenMetricsSamples {
            out: self.out,
            chunks: family.chunks(),
            family,
            kind: header.kind,
            created: header.created,
        });
    }

    fn finish(&mut self) {
        self.out.extend_from_slice(b"# EOF\n");
    }
}

/// Writes the samples of one family.
struct OpenMetricsSamples<'a> {
    out: &'a mut Vec<u8>,
    family: SampleName<'a>,
    kind: MetricKind,
    /// The family's registration time, for series that do not know their own.
    created: Option<f64>,
    chunks: NameChunks,
}

impl OpenMetricsSamples<'_> {
    fn series_name(&mut self, suffix: &str, labels: &mut SeriesLabels<'_>, extra: Option<&[u8]>) {
        self.family.write(self.out, suffix);
        if labels.is_empty() && extra.is_none() {
            self.out.extend_from_slice(self.family.bare_end());
            return;
        }
        labels.write_open(self.out, &mut self.chunks);
        if let Some(extra) = extra {
            if !labels.is_empty() {
                self.out.push(b',');
            }
            self.out.extend_from_slice(extra);
        }
        self.out.extend_from_slice(b"} ");
    }

    fn line(
        &mut self,
        suffix: &str,
        labels: &mut SeriesLabels<'_>,
        value: Value,
        exemplar: Option<&Exemplar>,
    ) {
        self.series_name(suffix, labels, None);
        write_value(self.out, value);
        self.exemplar(exemplar);
        self.out.push(b'\n');
    }

    fn exemplar(&mut self, exemplar: Option<&Exemplar>) {
        if let Some(exemplar) = exemplar {
            self.out.extend_from_slice(b" # {");
            write_pairs(self.out, exemplar.labels(), self.family.scheme());
            self.out.extend_from_slice(b"} ");
            write_f64(self.out, exemplar.value());
            self.out.push(b' ');
            write_timestamp(self.out, exemplar.timestamp());
        }
    }

    fn created(&mut self, labels: &mut SeriesLabels<'_>, created: Option<f64>) {
        if let Some(created) = created.or(self.created) {
            self.series_name("_created", labels, None);
            write_timestamp(self.out, created);
            self.out.push(b'\n');
        }
    }

    /// `_count` and `_sum`. OpenMetrics treats `_sum` as a counter, which may not be
    /// negative or NaN, and prometheus_client's parser reads a histogram's `_count` only
    /// beside its `_sum`; so while a histogram's sum is negative (or NaN, from `+Inf` and
    /// `-Inf` observed together) both are left out, and a summary keeps its `_count`. NaN
    /// observations add nothing to sums, so they never hide either.
    fn count_and_sum(
        &mut self,
        labels: &mut SeriesLabels<'_>,
        count: u64,
        sum: f64,
        histogram: bool,
    ) {
        let sum_allowed = sum >= 0.0;
        if histogram && !sum_allowed {
            return;
        }
        self.line("_count", labels, Value::Unsigned(count), None);
        if sum_allowed {
            self.line("_sum", labels, Value::Float(sum), None);
        }
    }

    fn bucket(
        &mut self,
        labels: &mut SeriesLabels<'_>,
        le: f64,
        cumulative: u64,
        exemplar: Option<&Exemplar>,
    ) {
        let mut extra = Vec::with_capacity(24);
        extra.extend_from_slice(b"le=\"");
        write_openmetrics_f64(&mut extra, le);
        extra.push(b'"');
        self.series_name("_bucket", labels, Some(&extra));
        write_value(self.out, Value::Unsigned(cumulative));
        self.exemplar(exemplar);
        self.out.push(b'\n');
    }
}

impl SampleSink for OpenMetricsSamples<'_> {
    fn scalar(&mut self, series: SeriesMeta<'_>, value: Value, exemplar: Option<&Exemplar>) {
        let labels = &mut SeriesLabels::new(series.labels);
        match self.kind {
            MetricKind::Counter => {
                self.line("_total", labels, value, exemplar);
                self.created(labels, series.created);
            }
            MetricKind::Info => self.line("_info", labels, value, None),
            _ => self.line("", labels, value, None),
        }
    }

    fn classic_histogram(
        &mut self,
        series: SeriesMeta<'_>,
        view: HistogramView<'_>,
        exemplars: &[ExemplarSlot],
    ) {
        let labels = &mut SeriesLabels::new(series.labels);
        let mut bucket = 0;
        let count = view.for_each_bucket(|le, cumulative| {
            match exemplars.get(bucket) {
                Some(slot) => slot.with(|e| self.bucket(labels, le, cumulative, e)),
                None => self.bucket(labels, le, cumulative, None),
            }
            bucket += 1;
        });
        match exemplars.get(bucket) {
            Some(slot) => slot.with(|e| self.bucket(labels, f64::INFINITY, count, e)),
            None => self.bucket(labels, f64::INFINITY, count, None),
        }
        let negative_bounds = view.bounds.first().is_some_and(|b| *b < 0.0);
        if !negative_bounds {
            self.count_and_sum(labels, count, view.sum, true);
        }
        self.created(labels, series.created);
    }

    fn summary(&mut self, series: SeriesMeta<'_>, snapshot: &SummarySnapshot) {
        let labels = &mut SeriesLabels::new(series.labels);
        let mut extra = Vec::with_capacity(24);
        // OpenMetrics reads quantile values as counter-like: a negative one, from negative
        // observations, is left out; the other quantiles, `_count` and `_sum` stay.
        for &(q, value) in snapshot
            .quantiles
            .iter()
            .filter(|(_, v)| v.is_nan() || *v >= 0.0)
        {
            extra.clear();
            extra.extend_from_slice(b"quantile=\"");
            write_openmetrics_f64(&mut extra, q);
            extra.push(b'"');
            self.series_name("", labels, Some(&extra));
            write_value(self.out, Value::Float(value));
            self.out.push(b'\n');
        }
        self.count_and_sum(labels, snapshot.count, snapshot.sum, false);
        self.created(labels, series.created);
    }

    fn native_histogram(&mut self, series: SeriesMeta<'_>, view: NativeView<'_>) {
        // OpenMetrics 1.0 has no native buckets: `+Inf`, `_count` and `_sum` are valid on
        // their own, as client_golang writes a histogram without classic buckets.
        let count = view.count();
        let labels = &mut SeriesLabels::new(series.labels);
        self.bucket(labels, f64::INFINITY, count, None);
        self.count_and_sum(labels, count, view.sum(), true);
        self.created(labels, series.created);
    }
}
