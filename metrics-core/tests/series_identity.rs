//! No output holds two series with one identity, whatever collectors yield: a name given
//! twice is one family, a repeated label set is dropped and counted, and a collected family
//! that takes a registered family's name is dropped and counted, in every format.

use std::sync::Arc;

use tallymark_core::{Collection, Collector, Counter, Descriptor, Format, Registry};

/// Yields, at every scrape, each mistake a collector can make.
struct Careless;

impl Collector for Careless {
    fn collect(&self, out: &mut Collection) {
        out.gauge("pool_connections", "Connections by state.")
            .sample(&[("pool", "a"), ("state", "idle")], 3.0)
            // The same pairs in another order: the same series.
            .sample(&[("state", "idle"), ("pool", "a")], 30.0)
            .sample(&[("pool", "a"), ("state", "busy")], 1.0);
        // The same family again, with one new series and one repeated.
        out.gauge("pool_connections", "Connections by state, again.")
            .sample(&[("pool", "b"), ("state", "idle")], 2.0)
            .sample(&[("pool", "a"), ("state", "busy")], 10.0);
        // An empty value is no label: these two are one series.
        out.gauge("queue_depth", "Jobs waiting.")
            .sample(&[], 4.0)
            .sample(&[("shard", "")], 40.0);
        // The registered counter's name, from a collector.
        out.counter("jobs_total", "Jobs, counted again.")
            .sample(&[], 99.0);
        // The name again as another type: its series are dropped.
        out.counter("queue_depth", "Not a gauge.").sample(&[], 5.0);
    }
}

/// The registered counter and the careless collector, with the count of dropped series
/// written when `self_metrics` asks for it.
fn registry_with(self_metrics: bool) -> Registry {
    const JOBS: Descriptor = Descriptor::new("jobs_total", "Jobs run.");
    let registry = match self_metrics {
        true => Registry::new().with_self_metrics(),
        false => Registry::new(),
    };
    let jobs = Arc::new(Counter::new().described(&JOBS));
    jobs.inc_by(7);
    registry.register(jobs).unwrap();
    registry.register_collector(Careless);
    registry
}

fn registry() -> Registry {
    registry_with(true)
}

fn encoded(registry: &Registry, format: Format) -> String {
    let mut out = Vec::new();
    registry.encode_as(format, &mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn text_keeps_the_first_of_each_identity_and_counts_the_rest() {
    let registry = registry();
    let expected = |dropped: u64| {
        [
            "# HELP jobs_total Jobs run.",
            "# TYPE jobs_total counter",
            "jobs_total 7",
            "# HELP pool_connections Connections by state.",
            "# TYPE pool_connections gauge",
            "pool_connections{pool=\"a\",state=\"idle\"} 3",
            "pool_connections{pool=\"a\",state=\"busy\"} 1",
            "pool_connections{pool=\"b\",state=\"idle\"} 2",
            "# HELP queue_depth Jobs waiting.",
            "# TYPE queue_depth gauge",
            "queue_depth 4",
            "# HELP tallymark_duplicate_series_dropped_total Series a collector yielded that were dropped because an earlier series had the same name and labels.",
            "# TYPE tallymark_duplicate_series_dropped_total counter",
            &format!("tallymark_duplicate_series_dropped_total{{family=\"jobs_total\"}} {dropped}"),
            &format!("tallymark_duplicate_series_dropped_total{{family=\"pool_connections\"}} {}", 2 * dropped),
            &format!("tallymark_duplicate_series_dropped_total{{family=\"queue_depth\"}} {}", 2 * dropped),
        ]
        .map(|l| format!("{l}\n"))
        .concat()
    };
    assert_eq!(registry.render(), expected(1));
    // Counted at every scrape that drops them.
    assert_eq!(registry.render(), expected(2));
}

#[test]
fn a_registry_without_self_metrics_drops_the_same_series_and_writes_no_count() {
    let expected = [
        "# HELP jobs_total Jobs run.",
        "# TYPE jobs_total counter",
        "jobs_total 7",
        "# HELP pool_connections Connections by state.",
        "# TYPE pool_connections gauge",
        "pool_connections{pool=\"a\",state=\"idle\"} 3",
        "pool_connections{pool=\"a\",state=\"busy\"} 1",
        "pool_connections{pool=\"b\",state=\"idle\"} 2",
        "# HELP queue_depth Jobs waiting.",
        "# TYPE queue_depth gauge",
        "queue_depth 4",
    ]
    .map(|l| format!("{l}\n"))
    .concat();
    assert_eq!(registry_with(false).render(), expected);
}

#[test]
fn openmetrics_holds_each_identity_once() {
    let text = encoded(&registry(), Format::OpenMetrics);
    let samples: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("jobs_created"))
        .collect();
    assert_eq!(
        samples,
        [
            "jobs_total 7",
            "pool_connections{pool=\"a\",state=\"idle\"} 3",
            "pool_connections{pool=\"a\",state=\"busy\"} 1",
            "pool_connections{pool=\"b\",state=\"idle\"} 2",
            "queue_depth 4",
            "tallymark_duplicate_series_dropped_total{family=\"jobs_total\"} 1",
            "tallymark_duplicate_series_dropped_total{family=\"pool_connections\"} 2",
            "tallymark_duplicate_series_dropped_total{family=\"queue_depth\"} 2",
        ]
    );
    assert!(text.ends_with("# EOF\n"));
}

#[cfg(feature = "protobuf")]
#[test]
fn protobuf_holds_each_identity_once() {
    use prost::Message;
    use tallymark_core::encoding::protobuf::model::MetricFamily;

    let mut body = &encoded_bytes(&registry(), Format::Protobuf)[..];
    let mut series = Vec::new();
    while !body.is_empty() {
        let family = MetricFamily::decode_length_delimited(&mut body).unwrap();
        let name = family.name().to_owned();
        for metric in family.metric {
            let labels: Vec<String> = metric
                .label
                .iter()
                .map(|l| format!("{}={}", l.name(), l.value()))
                .collect();
            let value = metric
                .gauge
                .map(|g| g.value())
                .or(metric.counter.map(|c| c.value()));
            series.push(format!("{name} {labels:?} {value:?}"));
        }
    }
    assert_eq!(
        series,
        [
            "jobs_total [] Some(7.0)",
            "pool_connections [\"pool=a\", \"state=idle\"] Some(3.0)",
            "pool_connections [\"pool=a\", \"state=busy\"] Some(1.0)",
            "pool_connections [\"pool=b\", \"state=idle\"] Some(2.0)",
            "queue_depth [] Some(4.0)",
            "tallymark_duplicate_series_dropped_total [\"family=jobs_total\"] Some(1.0)",
            "tallymark_duplicate_series_dropped_total [\"family=pool_connections\"] Some(2.0)",
            "tallymark_duplicate_series_dropped_total [\"family=queue_depth\"] Some(2.0)",
        ]
    );
}

#[cfg(feature = "protobuf")]
fn encoded_bytes(registry: &Registry, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    registry.encode_as(format, &mut out);
    out
}

#[test]
fn a_label_set_that_reads_overflow_throughout_is_the_overflow_series() {
    use tallymark_core::CounterFamily;
    const USERS: Descriptor = Descriptor::new("logins_total", "Logins by user.")
        .with_labels(&["user", "region"])
        .with_budget(2);
    let registry = Registry::new().with_self_metrics();
    let logins = Arc::new(CounterFamily::<2>::new().described(&USERS));
    registry.register(logins.clone()).unwrap();
    logins.labels(["ann", "eu"]).inc();
    // Spelled as the overflow series: that series, not a second one like it, and not a
    // label set that spends the budget.
    logins.labels(["__overflow__", "__overflow__"]).inc_by(5);
    logins.labels(["bob", "us"]).inc();
    // Past the budget: folded, here with a value that is only partly `__overflow__`.
    logins.labels(["__overflow__", "eu"]).inc();
    let expected = [
        "# HELP logins_total Logins by user.",
        "# TYPE logins_total counter",
        "logins_total{user=\"ann\",region=\"eu\"} 1",
        "logins_total{user=\"bob\",region=\"us\"} 1",
        "logins_total{user=\"__overflow__\",region=\"__overflow__\"} 6",
        "# HELP tallymark_label_overflow_total Label sets folded into a family's overflow series because its cardinality budget was spent.",
        "# TYPE tallymark_label_overflow_total counter",
        "tallymark_label_overflow_total{family=\"logins_total\"} 1",
    ]
    .map(|l| format!("{l}\n"))
    .concat();
    assert_eq!(registry.render(), expected);
}
