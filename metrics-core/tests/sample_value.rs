//! `Registry::sample_value`: one sample read back by its 0.0.4 name and labels, from every
//! kind of family, with the inputs a test author gets wrong.

use std::sync::Arc;

use tallymark_core::{
    Collection, Collector, CounterFamily, Descriptor, Gauge, NativeHistogram, Registry, Summary,
};

struct Queue;

impl Collector for Queue {
    fn collect(&self, out: &mut Collection) {
        out.gauge("queue_depth", "Jobs waiting.")
            .sample(&[("shard", "a"), ("zone", "eu")], 4.0)
            .sample(&[("shard", "")], 1.0);
    }
}

/// The registry, and the median its summary reports (a sketch's estimate of 2.0).
fn registry() -> (Registry, f64) {
    const ROWS: Descriptor = Descriptor::new("rows_total", "Rows.").with_labels(&["table", "op"]);
    const LOAD: Descriptor = Descriptor::new("load", "Load.");
    const LAG: Descriptor = Descriptor::new("lag_seconds", "Lag.").with_quantiles(&[0.5]);
    const SIZE: Descriptor = Descriptor::new("size_bytes", "Sizes.");
    let registry = Registry::new().with_self_metrics();
    let rows = Arc::new(CounterFamily::<2>::new().described(&ROWS));
    let load = Arc::new(Gauge::new().described(&LOAD));
    let lag = Arc::new(Summary::new().described(&LAG));
    let size = Arc::new(NativeHistogram::new().described(&SIZE));
    registry.register(rows.clone()).unwrap();
    registry.register(load.clone()).unwrap();
    registry.register(lag.clone()).unwrap();
    registry.register(size.clone()).unwrap();
    registry.register_collector(Queue);
    rows.labels(["users", "insert"]).inc_by(u64::MAX);
    rows.labels(["users \"x\"\n", ""]).inc();
    load.set(f64::NAN);
    lag.observe(2.0);
    size.observe(100.0);
    size.observe(-1.0);
    let median = lag.snapshot().quantiles[0].1;
    (registry, median)
}

#[test]
fn every_kind_reads_back_by_its_text_names() {
    let (registry, median) = registry();
    assert!((median - 2.0).abs() < 0.05, "{median}");
    let value = |name, labels: &[(&str, &str)]| registry.sample_value(name, labels);
    assert_eq!(
        value("rows_total", &[("op", "insert"), ("table", "users")]),
        Some(u64::MAX as f64)
    );
    // Unescaped values, and an empty value that is no label at all.
    assert_eq!(
        value("rows_total", &[("table", "users \"x\"\n")]),
        Some(1.0)
    );
    assert_eq!(
        value("rows_total", &[("table", "users \"x\"\n"), ("op", "")]),
        Some(1.0)
    );
    assert!(value("load", &[]).is_some_and(f64::is_nan));
    assert_eq!(value("lag_seconds", &[("quantile", "0.5")]), Some(median));
    assert_eq!(value("lag_seconds_count", &[]), Some(1.0));
    assert_eq!(value("size_bytes_bucket", &[("le", "+Inf")]), Some(2.0));
    assert_eq!(value("size_bytes_sum", &[]), Some(99.0));
    assert_eq!(
        value("queue_depth", &[("zone", "eu"), ("shard", "a")]),
        Some(4.0)
    );
    assert_eq!(value("queue_depth", &[]), Some(1.0));
    assert_eq!(
        value(
            "tallymark_label_overflow_total",
            &[("family", "rows_total")]
        ),
        Some(0.0)
    );
}

#[test]
fn near_misses_find_nothing() {
    let (registry, _) = registry();
    let value = |name, labels: &[(&str, &str)]| registry.sample_value(name, labels);
    // A label too few, too many, or given twice.
    assert_eq!(value("rows_total", &[("table", "users")]), None);
    assert_eq!(
        value(
            "rows_total",
            &[("op", "insert"), ("table", "users"), ("x", "1")]
        ),
        None
    );
    assert_eq!(
        value("rows_total", &[("table", "users"), ("table", "users")]),
        None
    );
    // The family name of a suffixed sample, a prefix of a name, and an unknown name.
    assert_eq!(value("lag_seconds", &[]), None);
    assert_eq!(value("rows", &[("op", "insert"), ("table", "users")]), None);
    assert_eq!(value("", &[]), None);
    assert_eq!(value("nope", &[]), None);
    // A bound that is not a number, or not one of the family's.
    assert_eq!(value("size_bytes_bucket", &[("le", "inf!")]), None);
    assert_eq!(value("lag_seconds", &[("quantile", "0.9")]), None);
}
