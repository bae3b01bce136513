//! A registry walk turned into remote-write time series: the samples a 0.0.4 scrape would
//! show, with the same names and `le`/`quantile` spellings, stamped with one timestamp.

use tallymark_core::encoding::{write_f64, FamilyHeader, FlatSample, FlatSink};
use tallymark_core::MetricKind;

use super::wire::metric_metadata::MetricType;
use super::wire::{Label, MetricMetadata, Sample, TimeSeries, WriteRequest};

/// Builds one `WriteRequest` from a registry walk, through
/// [`Flatten`](tallymark_core::encoding::Flatten).
pub(crate) struct WriteRequestBuilder<'a> {
    /// Labels added to every series that does not have them already (`job`, `instance`).
    external: &'a [(String, String)],
    timestamp_ms: i64,
    request: WriteRequest,
}

impl<'a> WriteRequestBuilder<'a> {
    pub(crate) fn new(external: &'a [(String, String)], timestamp_ms: i64) -> Self {
        WriteRequestBuilder {
            external,
            timestamp_ms,
            request: WriteRequest::default(),
        }
    }

    /// The request, each identity once. The registry walk yields every identity once, but
    /// an external label can make two of them alike: `x` and `x{job="batch"}` under an
    /// external `job="batch"`. The first of them is kept, as it is by a scrape target's
    /// `honor_labels`.
    pub(crate) fn finish(mut self) -> WriteRequest {
        let mut seen = std::collections::HashSet::new();
        self.request.timeseries.retain(|series| {
            let identity: Vec<(String, String)> = series
                .labels
                .iter()
                .map(|l| (l.name.clone(), l.value.clone()))
                .collect();
            seen.insert(identity)
        });
        self.request
    }
}

impl FlatSink for WriteRequestBuilder<'_> {
    fn family(&mut self, header: &FamilyHeader<'_>) {
        let kind = match header.kind {
            MetricKind::Counter => MetricType::Counter,
            MetricKind::Gauge => MetricType::Gauge,
            MetricKind::Histogram => MetricType::Histogram,
            MetricKind::Summary => MetricType::Summary,
            MetricKind::Info => MetricType::Info,
            MetricKind::StateSet => MetricType::Stateset,
        };
        self.request.metadata.push(MetricMetadata {
            r#type: kind as i32,
            metric_family_name: header.name.to_owned(),
            help: header.help.to_owned(),
            unit: header.unit.to_owned(),
        });
    }

    /// Adds one series: the sample's name and labels, with the external labels it lacks,
    /// sorted by name as receivers require.
    fn sample(&mut self, sample: FlatSample<'_>) {
        let mut pairs: Vec<(String, String)> = sample
            .labels
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        if let Some((name, bound)) = sample.bound {
            let mut text = Vec::new();
            write_f64(&mut text, bound);
            pairs.push((name.to_owned(), String::from_utf8_lossy(&text).into_owned()));
        }
        for (name, value) in self.external {
            if !pairs.iter().any(|(n, _)| n == name) {
                pairs.push((name.clone(), value.clone()));
            }
        }
        // An empty value is no label, to Prometheus and so to its receivers.
        pairs.retain(|(_, value)| !value.is_empty());
        pairs.push((
            "__name__".to_owned(),
            format!("{}{}", sample.family, sample.suffix),
        ));
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.request.timeseries.push(TimeSeries {
            labels: pairs
                .into_iter()
                .map(|(name, value)| Label { name, value })
                .collect(),
            samples: vec![Sample {
                value: sample.value,
                timestamp: self.timestamp_ms,
            }],
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tallymark_core::encoding::Flatten;
    use tallymark_core::{Collection, Collector, CounterFamily, Descriptor, Histogram, Registry};

    use super::*;

    fn labels(series: &TimeSeries) -> String {
        let pairs: Vec<String> = series
            .labels
            .iter()
            .map(|l| format!("{}={}", l.name, l.value))
            .collect();
        format!("{} {}", pairs.join(","), series.samples[0].value)
    }

    #[test]
    fn series_are_named_and_labelled_as_in_the_text_format() {
        const REQUESTS: Descriptor =
            Descriptor::new("requests_total", "Requests.").with_labels(&["path", "job"]);
        const LATENCY: Descriptor =
            Descriptor::new("latency_seconds", "Latency.").with_buckets(&[0.5, 1.0]);
        let registry = Registry::new().with_self_metrics();
        let requests = Arc::new(CounterFamily::<2>::new().described(&REQUESTS));
        let latency = Arc::new(Histogram::new().described(&LATENCY));
        registry.register(requests.clone()).unwrap();
        registry.register(latency.clone()).unwrap();
        requests.labels(["/a", "own"]).inc_by(3);
        latency.observe(0.7);

        let external = [
            ("job".to_owned(), "batch".to_owned()),
            ("zone".to_owned(), "x".to_owned()),
        ];
        let mut builder = Flatten(WriteRequestBuilder::new(&external, 1_700_000_000_000));
        registry.encode_into(&mut builder, &[]);
        let request = builder.0.finish();
        let got: Vec<String> = request.timeseries.iter().map(labels).collect();
        assert_eq!(
            got,
            [
                "__name__=latency_seconds_bucket,job=batch,le=0.5,zone=x 0",
                "__name__=latency_seconds_bucket,job=batch,le=1,zone=x 1",
                "__name__=latency_seconds_bucket,job=batch,le=+Inf,zone=x 1",
                "__name__=latency_seconds_sum,job=batch,zone=x 0.7",
                "__name__=latency_seconds_count,job=batch,zone=x 1",
                "__name__=requests_total,job=own,path=/a,zone=x 3",
                // The registry's own self-metric travels like any other family.
                "__name__=tallymark_label_overflow_total,family=requests_total,job=batch,zone=x 0",
            ]
        );
        assert!(request
            .timeseries
            .iter()
            .all(|s| s.samples[0].timestamp == 1_700_000_000_000));
        let families: Vec<(&str, i32)> = request
            .metadata
            .iter()
            .map(|m| (m.metric_family_name.as_str(), m.r#type))
            .collect();
        assert_eq!(
            families,
            [
                ("latency_seconds", MetricType::Histogram as i32),
                ("requests_total", MetricType::Counter as i32),
                ("tallymark_label_overflow_total", MetricType::Counter as i32),
            ]
        );
    }

    /// A collector whose series are alike once the external labels are added, or once an
    /// empty value is left out, or outright.
    struct Alike;

    impl Collector for Alike {
        fn collect(&self, out: &mut Collection) {
            out.gauge("queue_depth", "Jobs waiting.")
                .sample(&[], 1.0)
                .sample(&[("job", "batch")], 2.0)
                .sample(&[("shard", "")], 3.0)
                .sample(&[("shard", "a")], 4.0)
                .sample(&[("shard", "a")], 5.0);
        }
    }

    #[test]
    fn each_identity_is_sent_once() {
        let registry = Registry::new().with_self_metrics();
        registry.register_collector(Alike);
        let external = [("job".to_owned(), "batch".to_owned())];
        let mut builder = Flatten(WriteRequestBuilder::new(&external, 1_700_000_000_000));
        registry.encode_into(&mut builder, &[]);
        let got: Vec<String> = builder.0.finish().timeseries.iter().map(labels).collect();
        assert_eq!(
            got,
            [
                "__name__=queue_depth,job=batch 1",
                "__name__=queue_depth,job=batch,shard=a 4",
                "__name__=tallymark_duplicate_series_dropped_total,family=queue_depth,job=batch 2",
            ]
        );
    }
}
