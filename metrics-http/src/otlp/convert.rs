//! A registry walk turned into OTLP metrics: one `Metric` per family, one data point per
//! series, all cumulative. Histograms keep their buckets (classic ones as explicit
//! bounds, native ones as exponential buckets) instead of the flat `_bucket` samples
//! remote write sends, so this is an [`Encoder`] of its own rather than a `FlatSink`.

use tallymark_core::encoding::{
    Encoder, Exemplar, ExemplarSlot, FamilyHeader, HistogramView, NativeView, SampleSink,
    SeriesMeta, SummarySnapshot, Value,
};
use tallymark_core::MetricKind;

use super::wire::common::v1::{any_value, AnyValue, KeyValue};
use super::wire::metrics::v1::exponential_histogram_data_point::Buckets;
use super::wire::metrics::v1::summary_data_point::ValueAtQuantile;
use super::wire::metrics::v1::{
    metric, number_data_point, AggregationTemporality, ExponentialHistogram,
    ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    Sum, Summary, SummaryDataPoint,
};

const CUMULATIVE: i32 = AggregationTemporality::Cumulative as i32;

/// A string attribute.
pub(crate) fn attribute(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
    }
}

/// Unix seconds as OTLP nanoseconds; `None` for a time before the epoch or not a number.
fn unix_nanos(seconds: f64) -> Option<u64> {
    (seconds.is_finite() && seconds >= 0.0).then(|| (seconds * 1e9).round() as u64)
}

/// Builds the metrics of one snapshot through [`Registry::encode_into`].
///
/// [`Registry::encode_into`]: tallymark_core::Registry::encode_into
pub(crate) struct MetricsBuilder {
    /// When the snapshot is taken: every point's `time_unix_nano`.
    now: u64,
    /// The start of series that know no creation time, neither their own nor their
    /// family's: collected ones. The exporter's start, the earliest time tallymark knows
    /// they were counting from.
    fallback_start: u64,
    pub(crate) metrics: Vec<Metric>,
    /// Data points in `metrics`, for `tallymark_otlp_data_points_total`.
    pub(crate) points: u64,
    /// The labels of the registry's `target_info`, which OTLP carries as resource
    /// attributes rather than as a metric.
    pub(crate) target: Vec<(String, String)>,
}

impl MetricsBuilder {
    pub(crate) fn new(now: u64, fallback_start: u64) -> Self {
        MetricsBuilder {
            now,
            fallback_start: fallback_start.min(now),
            metrics: Vec::new(),
            points: 0,
            target: Vec::new(),
        }
    }
}

/// Whether a family is `target_info`: an info family named so is what Prometheus makes of
/// OpenTelemetry's resource attributes, so the attributes go back to the resource.
fn is_target_info(header: &FamilyHeader<'_>) -> bool {
    header.kind == MetricKind::Info && header.name == "target_info"
}

impl Encoder for MetricsBuilder {
    fn family(&mut self, header: &FamilyHeader<'_>, series: &mut dyn FnMut(&mut dyn SampleSink)) {
        let mut points = Points {
            now: self.now,
            family_start: header
                .created
                .and_then(unix_nanos)
                .unwrap_or(self.fallback_start),
            numbers: Vec::new(),
            classic: Vec::new(),
            native: Vec::new(),
            summaries: Vec::new(),
        };
        series(&mut points);
        if is_target_info(header) {
            self.target = points
                .numbers
                .iter()
                .flat_map(|point| &point.attributes)
                .filter_map(
                    |kv| match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                        Some(any_value::Value::StringValue(text)) => {
                            Some((kv.key.clone(), text.clone()))
                        }
                        _ => None,
                    },
                )
                .collect();
            return;
        }
        let Points {
            numbers,
            classic,
            native,
            summaries,
            ..
        } = points;
        let mut data = Vec::new();
        self.points += (numbers.len() + classic.len() + native.len() + summaries.len()) as u64;
        if !numbers.is_empty() {
            data.push(if header.kind == MetricKind::Counter {
                metric::Data::Sum(Sum {
                    data_points: numbers,
                    aggregation_temporality: CUMULATIVE,
                    is_monotonic: true,
                })
            } else {
                metric::Data::Gauge(Gauge {
                    data_points: numbers,
                })
            });
        }
        if !classic.is_empty() {
            data.push(metric::Data::Histogram(Histogram {
                data_points: classic,
                aggregation_temporality: CUMULATIVE,
            }));
        }
        if !native.is_empty() {
            data.push(metric::Data::ExponentialHistogram(ExponentialHistogram {
                data_points: native,
                aggregation_temporality: CUMULATIVE,
            }));
        }
        if !summaries.is_empty() {
            data.push(metric::Data::Summary(Summary {
                data_points: summaries,
            }));
        }
        // A family without series sends nothing: OTLP has no metric without points. A
        // family whose series came in two shapes sends one metric per shape.
        for data in data {
            self.metrics.push(Metric {
                name: header.name.to_owned(),
                description: header.help.to_owned(),
                unit: header.unit.to_owned(),
                data: Some(data),
            });
        }
    }
}

/// The data points of one family, by the shape its series came in.
struct Points {
    now: u64,
    /// The family's registration, else the exporter's start.
    family_start: u64,
    numbers: Vec<NumberDataPoint>,
    classic: Vec<HistogramDataPoint>,
    native: Vec<ExponentialHistogramDataPoint>,
    summaries: Vec<SummaryDataPoint>,
}

impl Points {
    /// The series' attributes, without empty values, which Prometheus reads as no label.
    fn attributes(series: &SeriesMeta<'_>) -> Vec<KeyValue> {
        series
            .labels
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| attribute(key, value))
            .collect()
    }

    /// When the series started counting: its own creation, else its family's. Never
    /// after the snapshot, which a clock stepped back could make it.
    fn start(&self, series: &SeriesMeta<'_>) -> u64 {
        series
            .created
            .and_then(unix_nanos)
            .unwrap_or(self.family_start)
            .min(self.now)
    }
}

impl SampleSink for Points {
    fn wants_exemplars(&self) -> bool {
        false
    }

    fn scalar(&mut self, series: SeriesMeta<'_>, value: Value, _exemplar: Option<&Exemplar>) {
        let value = match value {
            Value::Unsigned(v) => match i64::try_from(v) {
                Ok(v) => number_data_point::Value::AsInt(v),
                Err(_) => number_data_point::Value::AsDouble(v as f64),
            },
            Value::Signed(v) => number_data_point::Value::AsInt(v),
            Value::Float(v) => number_data_point::Value::AsDouble(v),
        };
        self.numbers.push(NumberDataPoint {
            attributes: Self::attributes(&series),
            // A gauge's too: receivers may ignore it, and it says since when the series
            // exists.
            start_time_unix_nano: self.start(&series),
            time_unix_nano: self.now,
            value: Some(value),
        });
    }

    fn classic_histogram(
        &mut self,
        series: SeriesMeta<'_>,
        view: HistogramView<'_>,
        _exemplars: &[ExemplarSlot],
    ) {
        let count = view.counts.iter().fold(0u64, |n, c| n.wrapping_add(*c));
        self.classic.push(HistogramDataPoint {
            attributes: Self::attributes(&series),
            start_time_unix_nano: self.start(&series),
            time_unix_nano: self.now,
            count,
            sum: Some(view.sum),
            bucket_counts: view.counts.to_vec(),
            explicit_bounds: view.bounds.to_vec(),
        });
    }

    fn summary(&mut self, series: SeriesMeta<'_>, snapshot: &SummarySnapshot) {
        self.summaries.push(SummaryDataPoint {
            attributes: Self::attributes(&series),
            start_time_unix_nano: self.start(&series),
            time_unix_nano: self.now,
            count: snapshot.count,
            sum: snapshot.sum,
            quantile_values: snapshot
                .quantiles
                .iter()
                .map(|&(quantile, value)| ValueAtQuantile { quantile, value })
                .collect(),
        });
    }

    fn native_histogram(&mut self, series: SeriesMeta<'_>, view: NativeView<'_>) {
        self.native.push(ExponentialHistogramDataPoint {
            attributes: Self::attributes(&series),
            start_time_unix_nano: self.start(&series),
            time_unix_nano: self.now,
            count: view.count(),
            sum: Some(view.sum()),
            scale: view.schema(),
            zero_count: view.zero_count(),
            positive: Some(exponential_buckets(&view.buckets(true))),
            negative: Some(exponential_buckets(&view.buckets(false))),
            zero_threshold: view.zero_threshold(),
        });
    }
}

/// Prometheus's sparse buckets, `(index, count)` ascending, as OTLP's dense run.
///
/// Prometheus's bucket `i` holds magnitudes in (base^(i-1), base^i], OTLP's bucket `k`
/// those in (base^k, base^(k+1)], at the same base for a schema equal to the scale: so
/// OTLP's index is Prometheus's minus one, and the empty buckets between two sparse ones
/// become zero counts.
fn exponential_buckets(sparse: &[(i32, u64)]) -> Buckets {
    let Some(&(first, _)) = sparse.first() else {
        return Buckets::default();
    };
    let mut bucket_counts = Vec::new();
    for &(index, count) in sparse {
        // Indices ascend, so the distance from the first is never negative.
        let at = index.abs_diff(first) as usize;
        if bucket_counts.len() <= at {
            bucket_counts.resize(at + 1, 0);
        }
        bucket_counts[at] = count;
    }
    Buckets {
        offset: first.saturating_sub(1),
        bucket_counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_info_becomes_resource_labels_and_no_metric() {
        use std::sync::Arc;
        use tallymark_core::{Counter, Descriptor, Registry};

        const JOBS: Descriptor = Descriptor::new("jobs_total", "Jobs.");
        let registry = Registry::new();
        registry
            .register(Arc::new(Counter::new().described(&JOBS)))
            .unwrap();
        registry
            .set_target_info(&[("service.name", "billing"), ("env", "prod")])
            .unwrap();
        let mut builder = MetricsBuilder::new(2_000_000_000, 1_000_000_000);
        registry.encode_into(&mut builder, &[]);
        assert_eq!(
            builder.target,
            [
                ("service.name".to_owned(), "billing".to_owned()),
                ("env".to_owned(), "prod".to_owned())
            ]
        );
        let names: Vec<&str> = builder.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["jobs_total"]);
        assert_eq!(builder.points, 1);
    }

    #[test]
    fn sparse_prometheus_buckets_become_a_dense_run_one_index_lower() {
        let dense = exponential_buckets(&[(-1, 2), (0, 1), (3, 4)]);
        assert_eq!(
            (dense.offset, dense.bucket_counts),
            (-2, vec![2, 1, 0, 0, 4])
        );
        let empty = exponential_buckets(&[]);
        assert_eq!((empty.offset, empty.bucket_counts), (0, vec![]));
    }

    #[test]
    fn times_before_the_epoch_or_not_numbers_are_unknown() {
        assert_eq!(unix_nanos(1.5), Some(1_500_000_000));
        assert_eq!(unix_nanos(-1.0), None);
        assert_eq!(unix_nanos(f64::NAN), None);
    }
}
