//! The 0.0.4 text format, asserted byte for byte on small registries.

use std::sync::Arc;

use tallymark_core::{
    Counter, CounterFamily, Descriptor, Gauge, GaugeFamily, Histogram, HistogramFamily, IntGauge,
    Registry,
};

const JOBS: Descriptor = Descriptor::new("jobs_total", "Jobs run.");
const TEMPERATURE: Descriptor = Descriptor::new("temperature_celsius", "Room temperature.");
const CONNECTIONS: Descriptor = Descriptor::new("connections", "Open connections.");
const LATENCY: Descriptor =
    Descriptor::new("latency_seconds", "Latency.").with_buckets(&[0.1, 1.0]);
const ODD: Descriptor = Descriptor::new(
    "odd_values",
    "Edge values: \\ and \"quotes\"\nsecond line, ünïcödé.",
)
.with_labels(&["case"]);
const PATHS: Descriptor =
    Descriptor::new("path_hits_total", "Hits by path.").with_labels(&["path"]);
const SIZES: Descriptor = Descriptor::new("size_bytes", "Sizes.")
    .with_labels(&["kind"])
    .with_buckets(&[100.0, 1e6]);

#[test]
fn every_metric_type_renders_exactly() {
    let registry = Registry::new();
    let jobs = Arc::new(Counter::new().described(&JOBS));
    let temperature = Arc::new(Gauge::new().described(&TEMPERATURE));
    let connections = Arc::new(IntGauge::new().described(&CONNECTIONS));
    let latency = Arc::new(Histogram::new().described(&LATENCY));
    let sizes = Arc::new(HistogramFamily::<1>::new().described(&SIZES));
    for metric in [
        jobs.clone() as Arc<dyn tallymark_core::Metric>,
        temperature.clone(),
        connections.clone(),
        latency.clone(),
        sizes.clone(),
    ] {
        registry.register(metric).unwrap();
    }
    jobs.inc_by(3);
    temperature.set(21.5);
    connections.set(-2);
    latency.observe(0.05);
    latency.observe(0.1);
    latency.observe(7.0);
    sizes.labels(["upload"]).observe(2e6);

    assert_eq!(
        registry.render(),
        "# HELP connections Open connections.\n\
         # TYPE connections gauge\n\
         connections -2\n\
         # HELP jobs_total Jobs run.\n\
         # TYPE jobs_total counter\n\
         jobs_total 3\n\
         # HELP latency_seconds Latency.\n\
         # TYPE latency_seconds histogram\n\
         latency_seconds_bucket{le=\"0.1\"} 2\n\
         latency_seconds_bucket{le=\"1\"} 2\n\
         latency_seconds_bucket{le=\"+Inf\"} 3\n\
         latency_seconds_sum 7.15\n\
         latency_seconds_count 3\n\
         # HELP size_bytes Sizes.\n\
         # TYPE size_bytes histogram\n\
         size_bytes_bucket{kind=\"upload\",le=\"100\"} 0\n\
         size_bytes_bucket{kind=\"upload\",le=\"1e+06\"} 0\n\
         size_bytes_bucket{kind=\"upload\",le=\"+Inf\"} 1\n\
         size_bytes_sum{kind=\"upload\"} 2e+06\n\
         size_bytes_count{kind=\"upload\"} 1\n\
         # HELP temperature_celsius Room temperature.\n\
         # TYPE temperature_celsius gauge\n\
         temperature_celsius 21.5\n"
    );
}

#[test]
fn label_values_help_and_special_floats_are_escaped_and_spelled_as_go_does() {
    let registry = Registry::new();
    let odd = Arc::new(GaugeFamily::<1>::new().described(&ODD));
    registry.register(odd.clone()).unwrap();
    for (case, value) in [
        ("back\\slash", f64::NAN),
        ("\"quoted\"", f64::INFINITY),
        ("new\nline", f64::NEG_INFINITY),
        ("ünïcödé ✓", 1e6),
        ("tiny", 1e-5),
        ("tenth", 0.1),
    ] {
        odd.labels([case]).set(value);
    }
    assert_eq!(
        registry.render(),
        "# HELP odd_values Edge values: \\\\ and \"quotes\"\\nsecond line, ünïcödé.\n\
         # TYPE odd_values gauge\n\
         odd_values{case=\"\\\"quoted\\\"\"} +Inf\n\
         odd_values{case=\"back\\\\slash\"} NaN\n\
         odd_values{case=\"new\\nline\"} -Inf\n\
         odd_values{case=\"tenth\"} 0.1\n\
         odd_values{case=\"tiny\"} 1e-05\n\
         odd_values{case=\"ünïcödé ✓\"} 1e+06\n"
    );
}

#[test]
fn label_sets_past_the_budget_fold_into_one_overflow_series_and_are_counted() {
    const SMALL: Descriptor = Descriptor::new("small_total", "Few paths.")
        .with_labels(&["path"])
        .with_budget(2);
    let registry = Registry::new().with_self_metrics();
    let family = Arc::new(CounterFamily::<1>::new().described(&SMALL));
    registry.register(family.clone()).unwrap();
    for path in ["/a", "/b", "/c", "/d", "/a"] {
        family.labels([path]).inc();
    }
    assert_eq!(family.overflowed(), 2);
    assert_eq!(
        registry.render(),
        "# HELP small_total Few paths.\n\
         # TYPE small_total counter\n\
         small_total{path=\"/a\"} 2\n\
         small_total{path=\"/b\"} 1\n\
         small_total{path=\"__overflow__\"} 2\n\
         # HELP tallymark_label_overflow_total Label sets folded into a family's overflow series because its cardinality budget was spent.\n\
         # TYPE tallymark_label_overflow_total counter\n\
         tallymark_label_overflow_total{family=\"small_total\"} 2\n"
    );
}

#[test]
fn removed_and_cleared_label_sets_leave_the_exposition() {
    let registry = Registry::new();
    let family = Arc::new(CounterFamily::<1>::new().described(&PATHS));
    registry.register(family.clone()).unwrap();
    family.labels(["/a"]).inc();
    let kept = family.labels(["/b"]);
    kept.inc();
    assert!(family.remove(["/b"]));
    assert!(!family.remove(["/never"]));
    kept.inc(); // a kept handle still records, unseen
    let header = "# HELP path_hits_total Hits by path.\n# TYPE path_hits_total counter\n";
    assert_eq!(
        registry.render(),
        format!("{header}path_hits_total{{path=\"/a\"}} 1\n")
    );
    family.clear();
    assert_eq!(registry.render(), header);
    family.labels(["/b"]).inc();
    assert_eq!(
        registry.render(),
        format!("{header}path_hits_total{{path=\"/b\"}} 1\n")
    );
}

#[test]
fn two_families_with_one_name_are_refused_naming_both_modules() {
    const FIRST: Descriptor = Descriptor::new("dup_total", "First.").with_module("app::api");
    const SECOND: Descriptor = Descriptor::new("dup_total", "Second.").with_module("app::db");
    let registry = Registry::new();
    registry
        .register(Arc::new(Counter::new().described(&FIRST)))
        .unwrap();
    let err = registry
        .register(Arc::new(Counter::new().described(&SECOND)))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "metric `dup_total` is declared twice: in `app::api` and in `app::db`"
    );
}

#[test]
fn a_gauge_named_like_a_histograms_samples_is_a_collision() {
    const HIST: Descriptor = Descriptor::new("wait_seconds", "Waits.").with_module("a");
    const COUNT: Descriptor = Descriptor::new("wait_seconds_count", "Waits.").with_module("b");
    let registry = Registry::new();
    registry
        .register(Arc::new(Histogram::new().described(&HIST)))
        .unwrap();
    assert!(matches!(
        registry.register(Arc::new(Gauge::new().described(&COUNT))),
        Err(tallymark_core::RegistryError::Duplicate { .. })
    ));
}

#[test]
fn invalid_runtime_names_are_refused() {
    const BAD: Descriptor = Descriptor::new("bad\nname", "Bad.");
    let registry = Registry::new();
    let err = registry
        .register(Arc::new(Counter::new().described(&BAD)))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid name `bad\\nname`: a metric name cannot hold a control character"
    );
}
