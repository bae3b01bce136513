//! A [`Snapshot`] as a remote-write 2.0 `io.prometheus.write.v2.Request`: every string
//! once in the request's symbol table, each series naming its labels, help and unit by
//! index, with its own metadata and creation time.

use std::collections::HashMap;

use super::convert::{metric_type, Snapshot};
use super::wire::v2::{Metadata, Request, Sample, TimeSeries};

/// The strings of one request, each once, in the order first used.
struct SymbolTable<'s> {
    symbols: Vec<&'s str>,
    index: HashMap<&'s str, u32>,
}

impl<'s> SymbolTable<'s> {
    /// A table holding `""` first, as 2.0 requires: an absent help or unit points at it.
    fn new() -> Self {
        SymbolTable {
            symbols: vec![""],
            index: HashMap::from([("", 0)]),
        }
    }

    fn reference(&mut self, symbol: &'s str) -> u32 {
        if let Some(&at) = self.index.get(symbol) {
            return at;
        }
        // A request holds far fewer strings than `u32::MAX`: each is a label or a help
        // text of a series held in memory.
        let at = u32::try_from(self.symbols.len()).unwrap_or(u32::MAX);
        self.symbols.push(symbol);
        self.index.insert(symbol, at);
        at
    }
}

impl Snapshot {
    /// The remote-write 2.0 request: every series with one sample at `timestamp_ms`, its
    /// family's type, help and unit, and its creation time.
    pub(crate) fn to_v2(&self, timestamp_ms: i64) -> Request {
        let mut table = SymbolTable::new();
        let timeseries = self
            .series
            .iter()
            .map(|series| {
                let labels_refs = series
                    .labels
                    .iter()
                    .flat_map(|(name, value)| [name.as_str(), value.as_str()])
                    .map(|symbol| table.reference(symbol))
                    .collect();
                let metadata = self.families.get(series.family).map(|family| Metadata {
                    r#type: metric_type(family.kind),
                    help_ref: table.reference(&family.help),
                    unit_ref: table.reference(&family.unit),
                });
                TimeSeries {
                    labels_refs,
                    samples: vec![Sample {
                        value: series.value,
                        timestamp: timestamp_ms,
                    }],
                    metadata,
                    created_timestamp: series.created_ms,
                }
            })
            .collect();
        Request {
            symbols: table.symbols.into_iter().map(str::to_owned).collect(),
            timeseries,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tallymark_core::encoding::Flatten;
    use tallymark_core::{Counter, CounterFamily, Descriptor, Gauge, Registry};

    use tallymark_core::MetricKind;

    use super::super::convert::SnapshotBuilder;
    use super::super::wire::{v1, v2};
    use super::*;

    #[test]
    fn both_versions_number_each_metric_type_alike() {
        let kinds = [
            MetricKind::Counter,
            MetricKind::Gauge,
            MetricKind::Histogram,
            MetricKind::Summary,
            MetricKind::Info,
            MetricKind::StateSet,
        ];
        let names: Vec<(&str, &str)> = kinds
            .map(|kind| {
                let number = metric_type(kind);
                let v1 = v1::metric_metadata::MetricType::try_from(number).map(|t| t.as_str_name());
                let v2 = v2::metadata::MetricType::try_from(number).map(|t| t.as_str_name());
                (v1.unwrap_or("none"), v2.unwrap_or("none"))
            })
            .into();
        assert_eq!(
            names,
            [
                ("COUNTER", "METRIC_TYPE_COUNTER"),
                ("GAUGE", "METRIC_TYPE_GAUGE"),
                ("HISTOGRAM", "METRIC_TYPE_HISTOGRAM"),
                ("SUMMARY", "METRIC_TYPE_SUMMARY"),
                ("INFO", "METRIC_TYPE_INFO"),
                ("STATESET", "METRIC_TYPE_STATESET"),
            ]
        );
    }

    fn unix_ms_now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }

    /// A series as `name=value,... type help unit created value`, read back through the
    /// symbol table.
    fn readable(request: &Request, series: &TimeSeries) -> String {
        let symbol = |at: u32| request.symbols[at as usize].as_str();
        let labels: Vec<String> = series
            .labels_refs
            .chunks(2)
            .map(|pair| format!("{}={}", symbol(pair[0]), symbol(pair[1])))
            .collect();
        let metadata = series.metadata.unwrap_or_default();
        format!(
            "{} {} {:?} {:?} {} {}",
            labels.join(","),
            metadata.r#type,
            symbol(metadata.help_ref),
            symbol(metadata.unit_ref),
            series.created_timestamp,
            series.samples[0].value,
        )
    }

    #[test]
    fn strings_are_sent_once_and_series_point_at_them() {
        const REQUESTS: Descriptor =
            Descriptor::new("requests_total", "Requests.").with_labels(&["path"]);
        const DEPTH: Descriptor =
            Descriptor::new("queue_depth_bytes", "Bytes queued.").with_unit("bytes");
        let registry = Registry::new();
        let before_ms = unix_ms_now();
        let requests = Arc::new(CounterFamily::<1>::new().described(&REQUESTS));
        let depth = Arc::new(Gauge::new().described(&DEPTH));
        registry.register(requests.clone()).unwrap();
        registry.register(depth.clone()).unwrap();
        requests.labels(["/a"]).inc_by(3);
        requests.labels(["/b"]).inc();
        depth.set(4.0);
        let after_ms = unix_ms_now();

        let external = [("job".to_owned(), "batch".to_owned())];
        let mut builder = Flatten(SnapshotBuilder::new(&external));
        registry.encode_into(&mut builder, &[]);
        let request = builder.0.finish().to_v2(1_700_000_000_000);

        assert_eq!(
            request.symbols,
            [
                "",
                "__name__",
                "queue_depth_bytes",
                "job",
                "batch",
                "Bytes queued.",
                "bytes",
                "requests_total",
                "path",
                "/a",
                "Requests.",
                "/b",
            ]
        );
        let created: Vec<i64> = request
            .timeseries
            .iter()
            .map(|s| s.created_timestamp)
            .collect();
        // The gauge has none; each counter series has the time its label set was first
        // used, rounded to the millisecond (so up to 1 ms past the clock read after it).
        assert_eq!(created[0], 0);
        for at in &created[1..] {
            assert!(
                (before_ms..=after_ms + 1).contains(at),
                "{at} not in {before_ms}..={after_ms}"
            );
        }
        let got: Vec<String> = request
            .timeseries
            .iter()
            .map(|series| readable(&request, series))
            .collect();
        let (gauge, counter) = (
            v2::metadata::MetricType::Gauge as i32,
            v2::metadata::MetricType::Counter as i32,
        );
        assert_eq!(
            got,
            [
                format!(
                    r#"__name__=queue_depth_bytes,job=batch {gauge} "Bytes queued." "bytes" 0 4"#
                ),
                format!(
                    r#"__name__=requests_total,job=batch,path=/a {counter} "Requests." "" {} 3"#,
                    created[1]
                ),
                format!(
                    r#"__name__=requests_total,job=batch,path=/b {counter} "Requests." "" {} 1"#,
                    created[2]
                ),
            ]
        );
        assert!(request
            .timeseries
            .iter()
            .all(|s| s.samples[0].timestamp == 1_700_000_000_000));
    }

    #[test]
    fn an_unlabelled_counter_is_created_when_its_family_was_registered() {
        const EVENTS: Descriptor = Descriptor::new("events_total", "Events.");
        let registry = Registry::new();
        let before_ms = unix_ms_now();
        registry
            .register(Arc::new(Counter::new().described(&EVENTS)))
            .unwrap();
        let after_ms = unix_ms_now();
        let mut builder = Flatten(SnapshotBuilder::new(&[]));
        registry.encode_into(&mut builder, &[]);
        let request = builder.0.finish().to_v2(1);
        let created = request.timeseries[0].created_timestamp;
        assert!(
            (before_ms..=after_ms + 1).contains(&created),
            "{created} not in {before_ms}..={after_ms}"
        );
    }
}
