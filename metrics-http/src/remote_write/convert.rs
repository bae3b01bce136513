//! A registry walk turned into remote-write series: the samples a 0.0.4 scrape would show,
//! with the same names and `le`/`quantile` spellings, each identity once. A [`Snapshot`]
//! becomes a 1.0 `WriteRequest` here and a 2.0 `Request` in `convert_v2`, so both
//! versions send the same series.

use std::collections::HashSet;

use tallymark_core::encoding::{write_f64, FamilyHeader, FlatSample, FlatSink};
use tallymark_core::names::{escape_label_name, escape_metric_name, Escaping};
use tallymark_core::MetricKind;

use super::wire::v1::metric_metadata::MetricType;
use super::wire::v1::{Label, MetricMetadata, Sample, TimeSeries, WriteRequest};

/// One registry walk, ready to be written in either version.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub(crate) families: Vec<Family>,
    pub(crate) series: Vec<Series>,
}

/// What a family says about each of its series.
#[derive(Debug)]
pub(crate) struct Family {
    pub(crate) kind: MetricKind,
    pub(crate) name: String,
    pub(crate) help: String,
    pub(crate) unit: String,
}

/// One flat sample and who it is.
#[derive(Debug)]
pub(crate) struct Series {
    /// Its family, an index into [`Snapshot::families`].
    pub(crate) family: usize,
    /// Sorted by name, `__name__` included, empty values left out.
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) value: f64,
    /// When a counter, histogram or summary started counting, in Unix milliseconds; 0
    /// when unknown and for the other kinds, as remote-write 2.0 spells "unset".
    pub(crate) created_ms: i64,
}

/// Builds a [`Snapshot`] from a registry walk, through
/// [`Flatten`](tallymark_core::encoding::Flatten).
pub(crate) struct SnapshotBuilder<'a> {
    /// Labels added to every series that does not have them already (`job`, `instance`).
    external: &'a [(String, String)],
    /// The current family's creation time, for series that do not know their own.
    family_created: Option<f64>,
    snapshot: Snapshot,
}

impl<'a> SnapshotBuilder<'a> {
    pub(crate) fn new(external: &'a [(String, String)]) -> Self {
        SnapshotBuilder {
            external,
            family_created: None,
            snapshot: Snapshot::default(),
        }
    }

    /// The snapshot, each identity once. The registry walk yields every identity once, but
    /// an external label can make two of them alike: `x` and `x{job="batch"}` under an
    /// external `job="batch"`. The first of them is kept, as it is by a scrape target's
    /// `honor_labels`.
    pub(crate) fn finish(mut self) -> Snapshot {
        let mut seen = HashSet::new();
        let first: Vec<bool> = self
            .snapshot
            .series
            .iter()
            .map(|series| seen.insert(series.labels.as_slice()))
            .collect();
        drop(seen);
        let mut first = first.into_iter();
        self.snapshot
            .series
            .retain(|_| first.next().unwrap_or(true));
        self.snapshot
    }
}

/// Unix seconds as remote-write milliseconds; 0, "unset", for a time before the epoch or
/// not a number. A time within the epoch's first millisecond becomes 1 ms, so that it
/// stays set.
fn unix_ms(seconds: f64) -> i64 {
    if seconds.is_finite() && seconds > 0.0 {
        ((seconds * 1000.0).round() as i64).max(1)
    } else {
        0
    }
}

impl FlatSink for SnapshotBuilder<'_> {
    fn family(&mut self, header: &FamilyHeader<'_>) {
        self.family_created = header.created;
        self.snapshot.families.push(Family {
            kind: header.kind,
            name: header.name.to_owned(),
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
        let family = self.snapshot.families.len().saturating_sub(1);
        // Only what counts from a start has a creation time; a gauge's would mean nothing.
        let counts_from_a_start = self.snapshot.families.last().is_some_and(|f| {
            matches!(
                f.kind,
                MetricKind::Counter | MetricKind::Histogram | MetricKind::Summary
            )
        });
        let created_ms = match sample.created.or(self.family_created) {
            Some(seconds) if counts_from_a_start => unix_ms(seconds),
            _ => 0,
        };
        self.snapshot.series.push(Series {
            family,
            labels: pairs,
            value: sample.value,
            created_ms,
        });
    }
}

impl Snapshot {
    /// The remote-write 1.0 request: every series with one sample at `timestamp_ms`, and
    /// each family's metadata. 1.0 predates UTF-8 names, so metric and label names are
    /// escaped with underscores, as a 0.0.4 scrape writes them; the registry refuses names
    /// that would then collide.
    pub(crate) fn into_v1(self, timestamp_ms: i64) -> WriteRequest {
        let label = |(name, value): (String, String)| {
            if name == "__name__" {
                let value = escape_metric_name(&value, Escaping::Underscores).into_owned();
                return Label { name, value };
            }
            let name = escape_label_name(&name, Escaping::Underscores).into_owned();
            Label { name, value }
        };
        let timeseries = self
            .series
            .into_iter()
            .map(|series| TimeSeries {
                // An escaped name may sort elsewhere, so the pairs are sorted again.
                labels: {
                    let mut labels: Vec<Label> = series.labels.into_iter().map(label).collect();
                    labels.sort_unstable_by(|a, b| a.name.cmp(&b.name));
                    labels
                },
                samples: vec![Sample {
                    value: series.value,
                    timestamp: timestamp_ms,
                }],
            })
            .collect();
        let metadata = self
            .families
            .into_iter()
            .map(|family| MetricMetadata {
                r#type: metric_type(family.kind),
                metric_family_name: escape_metric_name(&family.name, Escaping::Underscores)
                    .into_owned(),
                help: family.help,
                unit: family.unit,
            })
            .collect();
        WriteRequest {
            timeseries,
            metadata,
        }
    }
}

/// The metadata type of `kind`, as both versions number it: 2.0's `Metadata.MetricType`
/// keeps 1.0's numbers, only its names gained a `METRIC_TYPE_` prefix.
pub(crate) fn metric_type(kind: MetricKind) -> i32 {
    let number = match kind {
        MetricKind::Counter => MetricType::Counter,
        MetricKind::Gauge => MetricType::Gauge,
        MetricKind::Histogram => MetricType::Histogram,
        MetricKind::Summary => MetricType::Summary,
        MetricKind::Info => MetricType::Info,
        MetricKind::StateSet => MetricType::Stateset,
    };
    number as i32
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
        let mut builder = Flatten(SnapshotBuilder::new(&external));
        registry.encode_into(&mut builder, &[]);
        let request = builder.0.finish().into_v1(1_700_000_000_000);
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
        let mut builder = Flatten(SnapshotBuilder::new(&external));
        registry.encode_into(&mut builder, &[]);
        let got: Vec<String> = builder
            .0
            .finish()
            .into_v1(1_700_000_000_000)
            .timeseries
            .iter()
            .map(labels)
            .collect();
        assert_eq!(
            got,
            [
                "__name__=queue_depth,job=batch 1",
                "__name__=queue_depth,job=batch,shard=a 4",
                "__name__=tallymark_duplicate_series_dropped_total,family=queue_depth,job=batch 2",
            ]
        );
    }

    #[test]
    fn version_1_escapes_utf8_names_with_underscores_and_sorts_them_again() {
        const CONNECTIONS: Descriptor = Descriptor::new("db.client.connections.usage", "Pool.")
            .with_labels(&["state", "ézone"]);
        let registry = Registry::new();
        let connections = Arc::new(tallymark_core::GaugeFamily::<2>::new().described(&CONNECTIONS));
        registry.register(connections.clone()).unwrap();
        connections.labels(["idle", "eu"]).set(3.0);
        let mut builder = Flatten(SnapshotBuilder::new(&[]));
        registry.encode_into(&mut builder, &[]);
        let request = builder.0.finish().into_v1(1_700_000_000_000);
        let got: Vec<String> = request.timeseries.iter().map(labels).collect();
        // `ézone` sorts after `state`; escaped, `_zone` sorts before it.
        assert_eq!(
            got,
            ["__name__=db_client_connections_usage,_zone=eu,state=idle 3"]
        );
        assert_eq!(
            request.metadata[0].metric_family_name,
            "db_client_connections_usage"
        );
    }
}
