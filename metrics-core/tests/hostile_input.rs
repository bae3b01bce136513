//! The worst a program can hand the core, and what it gets: never a panic, a hang or an
//! invalid byte; an `Err` for a declaration no format can write, and a counted drop for
//! what a collector gets wrong at scrape time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use tallymark_core::metric::{Exemplar, ExemplarError};
use tallymark_core::names::NameError;
use tallymark_core::{
    Collection, Collector, Counter, CounterFamily, Descriptor, Format, Gauge, Histogram,
    HistogramFamily, Registry, RegistryError, Summary, SummaryFamily,
};

fn encoded(registry: &Registry, format: Format) -> String {
    let mut out = Vec::new();
    registry.encode_as(format, &mut out);
    String::from_utf8(out).unwrap()
}

/// The sample lines of `format` whose name starts with `prefix`, without `_created` lines
/// (their values are wall-clock times).
fn samples(registry: &Registry, format: Format, prefix: &str) -> Vec<String> {
    encoded(registry, format)
        .lines()
        .filter(|l| l.starts_with(prefix) && !l.contains("_created"))
        .map(str::to_owned)
        .collect()
}

fn one(metric: Arc<dyn tallymark_core::Metric>) -> Registry {
    let registry = Registry::new();
    registry.register(metric).unwrap();
    registry
}

#[test]
fn a_summary_takes_infinities_beside_finite_values_without_a_panic() {
    const RATE: Descriptor =
        Descriptor::new("copy_rate", "Bytes per second.").with_quantiles(&[0.5]);
    let summary = Arc::new(Summary::new().described(&RATE));
    summary.observe(2.0);
    // `bytes / secs` with `secs == 0`.
    summary.observe(f64::INFINITY);
    summary.observe(2.0);
    let snapshot = summary.snapshot();
    assert_eq!(snapshot.count, 3);
    assert_eq!(snapshot.sum, f64::INFINITY);
    assert!(
        (snapshot.quantiles[0].1 - 2.0).abs() <= 0.02,
        "{snapshot:?}"
    );
    summary.observe(f64::NEG_INFINITY);
    let registry = one(summary);
    let text = samples(&registry, Format::Text, "copy_rate");
    assert_eq!(text[1..], ["copy_rate_sum NaN", "copy_rate_count 4"]);
    // OpenMetrics cannot carry a NaN sum; the count stays.
    let om = samples(&registry, Format::OpenMetrics, "copy_rate");
    assert_eq!(om[1..], ["copy_rate_count 4"]);
}

#[test]
fn a_histogram_keeps_count_and_sum_in_openmetrics_after_nan() {
    const LATENCY: Descriptor =
        Descriptor::new("nan_latency_seconds", "Latency.").with_buckets(&[1.0]);
    let histogram = Arc::new(Histogram::new().described(&LATENCY));
    histogram.observe(f64::NAN);
    histogram.observe(0.5);
    let registry = one(histogram);
    let expected = [
        "nan_latency_seconds_bucket{le=\"1.0\"} 1",
        "nan_latency_seconds_bucket{le=\"+Inf\"} 2",
        "nan_latency_seconds_count 2",
        "nan_latency_seconds_sum 0.5",
    ];
    assert_eq!(
        samples(&registry, Format::OpenMetrics, "nan_latency"),
        expected
    );
    assert_eq!(
        samples(&registry, Format::Text, "nan_latency"),
        [
            "nan_latency_seconds_bucket{le=\"1\"} 1",
            "nan_latency_seconds_bucket{le=\"+Inf\"} 2",
            "nan_latency_seconds_sum 0.5",
            "nan_latency_seconds_count 2",
        ]
    );
}

#[test]
fn a_histogram_with_a_negative_sum_leaves_count_and_sum_out_of_openmetrics_until_it_is_not() {
    const OFFSET: Descriptor =
        Descriptor::new("clock_offset_seconds", "Offset.").with_buckets(&[1.0]);
    let histogram = Arc::new(Histogram::new().described(&OFFSET));
    histogram.observe(-2.0);
    let registry = one(histogram.clone());
    assert_eq!(
        samples(&registry, Format::OpenMetrics, "clock_offset"),
        [
            "clock_offset_seconds_bucket{le=\"1.0\"} 1",
            "clock_offset_seconds_bucket{le=\"+Inf\"} 1",
        ]
    );
    histogram.observe(3.0);
    assert_eq!(
        samples(&registry, Format::OpenMetrics, "clock_offset")[2..],
        ["clock_offset_seconds_count 2", "clock_offset_seconds_sum 1"]
    );
}

#[test]
fn a_summary_of_negative_values_writes_no_negative_quantile_to_openmetrics() {
    const DRIFT: Descriptor = Descriptor::new("drift", "Drift.").with_quantiles(&[0.5]);
    let summary = Arc::new(Summary::new().described(&DRIFT));
    summary.observe(-5.0);
    let registry = one(summary);
    let text = samples(&registry, Format::Text, "drift");
    let median: f64 = text[0]
        .strip_prefix("drift{quantile=\"0.5\"} ")
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!((median + 5.0).abs() <= 0.05, "{text:?}");
    assert_eq!(text[1..], ["drift_sum -5", "drift_count 1"]);
    assert_eq!(
        samples(&registry, Format::OpenMetrics, "drift"),
        ["drift_count 1"]
    );
}

#[test]
fn a_counter_stops_at_the_largest_total_instead_of_wrapping() {
    let counter = Counter::new();
    counter.inc_by(u64::MAX);
    counter.inc_by(2);
    assert_eq!(counter.count(), u64::MAX);
    counter.inc();
    assert_eq!(counter.count(), u64::MAX);
}

fn refused(metric: Arc<dyn tallymark_core::Metric>) -> String {
    Registry::new().register(metric).unwrap_err().to_string()
}

#[test]
fn declarations_no_format_can_write_are_refused_with_the_reason() {
    const TWICE: Descriptor = Descriptor::new("twice_total", "Twice.").with_labels(&["a", "a"]);
    assert_eq!(
        refused(Arc::new(CounterFamily::<2>::new().described(&TWICE))),
        "invalid name `a`: a label name appears twice in one family"
    );
    const LE: Descriptor = Descriptor::new("sizes_bytes", "Sizes.").with_labels(&["le"]);
    assert_eq!(
        refused(Arc::new(HistogramFamily::<1>::new().described(&LE))),
        "invalid name `le`: a histogram labels its buckets with `le`"
    );
    const QUANTILE: Descriptor = Descriptor::new("ages", "Ages.").with_labels(&["quantile"]);
    assert_eq!(
        refused(Arc::new(SummaryFamily::<1>::new().described(&QUANTILE))),
        "invalid name `quantile`: a summary labels its quantiles with `quantile`"
    );
    const OURS: Descriptor = Descriptor::new("tallymark_label_overflow_total", "Mine.");
    assert_eq!(
        refused(Arc::new(Counter::new().described(&OURS))),
        "metric `tallymark_label_overflow_total` would collide with tallymark's self-metric `tallymark_label_overflow_total`"
    );
    // A gauge named as the counter's OpenMetrics family takes its samples' names too.
    const ALIKE: Descriptor = Descriptor::new("tallymark_exemplars_dropped", "Mine.");
    assert_eq!(
        Registry::new()
            .register(Arc::new(Gauge::new().described(&ALIKE)))
            .unwrap_err(),
        RegistryError::Reserved {
            name: "tallymark_exemplars_dropped".to_owned(),
            self_metric: "tallymark_exemplars_dropped_total",
        }
    );
}

#[test]
fn an_exemplar_with_a_repeated_label_name_is_refused() {
    assert_eq!(
        Exemplar::new(&[("trace_id", "a"), ("trace_id", "b")], 1.0).unwrap_err(),
        ExemplarError::InvalidName(NameError {
            name: "trace_id".to_owned(),
            reason: "a label name appears twice in one exemplar",
        })
    );
    let before = tallymark_core::metric::exemplars_dropped();
    Counter::new().inc_with_exemplar(&[("span_id", "a"), ("span_id", "b")]);
    assert_eq!(tallymark_core::metric::exemplars_dropped(), before + 1);
}

/// Families no format can write, beside one that is fine.
struct Broken;

impl Collector for Broken {
    fn collect(&self, out: &mut Collection) {
        out.gauge("queue\nlength", "A name with a newline.")
            .sample(&[], 1.0);
        // Two label names that underscores escape alike, on two series: as written they
        // differ, but a legacy scraper would read one label twice over.
        out.gauge("workers", "Labels alike once escaped.")
            .sample(&[("db.system", "a")], 1.0)
            .sample(&[("db_system", "b")], 1.0);
        out.gauge("queue_depth", "A label given twice.")
            .sample(&[("shard", "a"), ("shard", "b")], 2.0);
        out.counter("tallymark_label_overflow_total", "Ours.")
            .sample(&[], 3.0);
        out.gauge("pool_size", "Fine.")
            .sample(&[("pool", "io")], 4.0);
    }
}

#[test]
fn collected_families_no_format_can_write_are_dropped_and_counted() {
    let registry = Registry::new().with_self_metrics();
    registry.register_collector(Broken);
    let expected = |dropped: u64| {
        [
            "# HELP pool_size Fine.".to_owned(),
            "# TYPE pool_size gauge".to_owned(),
            "pool_size{pool=\"io\"} 4".to_owned(),
            "# HELP tallymark_invalid_families_dropped_total Families a collector yielded that were dropped because their name or labels break the exposition rules, or because a counter's value was negative or NaN.".to_owned(),
            "# TYPE tallymark_invalid_families_dropped_total counter".to_owned(),
            format!("tallymark_invalid_families_dropped_total {dropped}"),
        ]
        .map(|l| format!("{l}\n"))
        .concat()
    };
    assert_eq!(registry.render(), expected(4));
    assert_eq!(registry.render(), expected(8));
}

/// Runs `f` on another thread and fails if it has not returned within 10 s, so that a
/// deadlock fails the test instead of hanging it.
fn within_ten_seconds<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, wait) = mpsc::channel();
    thread::spawn(move || {
        let _ = done.send(f());
    });
    wait.recv_timeout(Duration::from_secs(10))
        .expect("finished instead of deadlocking")
}

/// A collector that scrapes the registry it belongs to, and the first time registers a
/// family and a collector while it collects.
struct Reentrant {
    registry: &'static Registry,
    nested: Mutex<Vec<String>>,
    registered: AtomicBool,
}

impl Collector for Reentrant {
    fn collect(&self, out: &mut Collection) {
        let nested = self.registry.render();
        self.nested.lock().unwrap().push(nested);
        if !self.registered.swap(true, Ordering::Relaxed) {
            const LATE: Descriptor = Descriptor::new("late_total", "Registered while collecting.");
            self.registry
                .register(Arc::new(Counter::new().described(&LATE)))
                .unwrap();
            self.registry.register_collector(Quiet);
        }
        out.gauge("collected", "Always one.").sample(&[], 1.0);
    }
}

struct Quiet;

impl Collector for Quiet {
    fn collect(&self, out: &mut Collection) {
        out.gauge("quiet", "A collector registered by a collector.")
            .sample(&[], 1.0);
    }
}

fn lines(text: &[&str]) -> String {
    text.iter().map(|l| format!("{l}\n")).collect()
}

const NESTED_HELP: &str = "# HELP tallymark_nested_collections_skipped_total Scrapes started inside a collector's collect, whose collectors were skipped rather than run again.";
const NESTED_TYPE: &str = "# TYPE tallymark_nested_collections_skipped_total counter";

#[test]
fn a_collector_may_scrape_and_register_without_recursing_or_deadlocking() {
    let registry: &'static Registry = Box::leak(Box::new(Registry::new().with_self_metrics()));
    let collector = Arc::new(Reentrant {
        registry,
        nested: Mutex::new(Vec::new()),
        registered: AtomicBool::new(false),
    });
    registry.register_collector(Shared(collector.clone()));
    let first = within_ten_seconds(move || registry.render());
    let collected = [
        "# HELP collected Always one.",
        "# TYPE collected gauge",
        "collected 1",
    ];
    // What the collector registered shows from the next scrape.
    let mut expected = collected.to_vec();
    expected.extend([
        NESTED_HELP,
        NESTED_TYPE,
        "tallymark_nested_collections_skipped_total 1",
    ]);
    assert_eq!(first, lines(&expected));
    let second = within_ten_seconds(move || registry.render());
    let mut expected = vec![
        "# HELP late_total Registered while collecting.",
        "# TYPE late_total counter",
        "late_total 0",
    ];
    expected.extend(collected);
    expected.extend([
        "# HELP quiet A collector registered by a collector.",
        "# TYPE quiet gauge",
        "quiet 1",
        NESTED_HELP,
        NESTED_TYPE,
        "tallymark_nested_collections_skipped_total 2",
    ]);
    assert_eq!(second, lines(&expected));
    // The scrapes the collector started saw everything but collected families.
    let nested = collector.nested.lock().unwrap().clone();
    assert_eq!(
        nested,
        [
            lines(&[
                NESTED_HELP,
                NESTED_TYPE,
                "tallymark_nested_collections_skipped_total 1"
            ]),
            lines(&[
                "# HELP late_total Registered while collecting.",
                "# TYPE late_total counter",
                "late_total 0",
                NESTED_HELP,
                NESTED_TYPE,
                "tallymark_nested_collections_skipped_total 2",
            ]),
        ]
    );
}

/// A collector shared with the test, which reads what it saw.
struct Shared(Arc<Reentrant>);

impl Collector for Shared {
    fn collect(&self, out: &mut Collection) {
        self.0.collect(out);
    }
}

/// A collector that scrapes another registry, as a bridge between two would.
struct Bridge(&'static Registry);

impl Collector for Bridge {
    fn collect(&self, out: &mut Collection) {
        let inner = self.0.render();
        let saw = inner.lines().any(|l| l == "inner_gauge 7");
        out.gauge(
            "bridge_saw_inner",
            "Whether the inner scrape had its collector's family.",
        )
        .sample(&[], if saw { 1.0 } else { 0.0 });
    }
}

struct Inner;

impl Collector for Inner {
    fn collect(&self, out: &mut Collection) {
        out.gauge("inner_gauge", "The inner registry's collected family.")
            .sample(&[], 7.0);
    }
}

#[test]
fn a_collector_that_scrapes_another_registry_gets_that_registrys_collected_families() {
    let inner: &'static Registry = Box::leak(Box::new(Registry::new()));
    inner.register_collector(Inner);
    let outer = Registry::new();
    outer.register_collector(Bridge(inner));
    assert_eq!(
        outer.render(),
        "# HELP bridge_saw_inner Whether the inner scrape had its collector's family.\n\
         # TYPE bridge_saw_inner gauge\n\
         bridge_saw_inner 1\n"
    );
    assert!(!inner.render().contains("nested"));
}

/// A family copies plain values without looking at them until one needs escaping; from
/// then on every scrape escapes that one, in every text format, and still copies the rest.
#[test]
fn a_value_needing_escaping_after_plain_ones_is_escaped_from_its_first_scrape() {
    const PATHS: Descriptor = Descriptor::new("paths_total", "Paths.").with_labels(&["path"]);
    let family = Arc::new(CounterFamily::<1>::new().described(&PATHS));
    let registry = one(family.clone());
    family.labels(["/a"]).inc();
    assert_eq!(
        samples(&registry, Format::Text, "paths_total"),
        ["paths_total{path=\"/a\"} 1"]
    );
    family.labels(["/b\"\n\\"]).inc_by(2);
    family.labels(["/c"]).inc_by(3);
    let expected = [
        "paths_total{path=\"/a\"} 1",
        "paths_total{path=\"/b\\\"\\n\\\\\"} 2",
        "paths_total{path=\"/c\"} 3",
    ];
    assert_eq!(samples(&registry, Format::Text, "paths_total"), expected);
    assert_eq!(
        samples(&registry, Format::OpenMetrics, "paths_total"),
        expected
    );
}

/// Each histogram series writes its own `name_bucket{labels,` once and copies it onto its
/// other bucket lines; the next series, escaped or not, starts afresh.
#[test]
fn histogram_series_each_copy_their_own_escaped_labels_onto_every_bucket_line() {
    const WAIT: Descriptor = Descriptor::new("wait_seconds", "Waits.")
        .with_labels(&["queue"])
        .with_buckets(&[1.0]);
    let family = Arc::new(HistogramFamily::<1>::new().described(&WAIT));
    let registry = one(family.clone());
    family.labels(["a\"b"]).observe(0.5);
    family.labels(["c"]).observe(2.0);
    assert_eq!(
        samples(&registry, Format::Text, "wait_seconds"),
        [
            "wait_seconds_bucket{queue=\"a\\\"b\",le=\"1\"} 1",
            "wait_seconds_bucket{queue=\"a\\\"b\",le=\"+Inf\"} 1",
            "wait_seconds_sum{queue=\"a\\\"b\"} 0.5",
            "wait_seconds_count{queue=\"a\\\"b\"} 1",
            "wait_seconds_bucket{queue=\"c\",le=\"1\"} 0",
            "wait_seconds_bucket{queue=\"c\",le=\"+Inf\"} 1",
            "wait_seconds_sum{queue=\"c\"} 2",
            "wait_seconds_count{queue=\"c\"} 1",
        ]
    );
}

/// Names that differ only until a scheme escapes them would give a legacy scraper one
/// family twice over, or one label twice in a series: the second is refused, and says why.
#[test]
fn names_alike_once_escaped_are_refused_at_registration() {
    use tallymark_core::{Descriptor, Gauge, GaugeFamily, RegistryError};

    let registry = Registry::new();
    let gauge = |desc: &'static Descriptor| Arc::new(Gauge::new().described(desc));
    registry
        .register(gauge(
            const { &Descriptor::new("http.requests", "Dotted.") },
        ))
        .unwrap();
    let alike = [
        // Underscores write `http_requests` for both.
        "http_requests",
        "http-requests",
        // Values write `U__http_2e_requests` for both.
        "U__http_2e_requests",
    ];
    for name in alike {
        let desc: &'static Descriptor = Box::leak(Box::new(Descriptor::new(
            Box::leak(name.to_owned().into_boxed_str()),
            "Alike.",
        )));
        assert_eq!(
            registry.register(gauge(desc)),
            Err(RegistryError::EscapedAlike {
                name: name.to_owned(),
                other: "http.requests".to_owned(),
            }),
            "{name}"
        );
    }
    assert_eq!(
        RegistryError::EscapedAlike {
            name: "http_requests".to_owned(),
            other: "http.requests".to_owned(),
        }
        .to_string(),
        "metric `http_requests` is written like `http.requests` once escaped for a scraper \
         of legacy names; rename one of them"
    );
    // Dots write `http__requests` for `http_requests`, apart from `http_dot_requests`:
    // a name no scheme writes alike is welcome.
    registry
        .register(gauge(const { &Descriptor::new("http:requests", "Colon.") }))
        .unwrap();

    const LABELS: Descriptor =
        Descriptor::new("pool_size", "Labels alike.").with_labels(&["db.system", "db_system"]);
    assert_eq!(
        registry
            .register(Arc::new(GaugeFamily::<2>::new().described(&LABELS)))
            .unwrap_err()
            .to_string(),
        "invalid name `db_system`: a label name is written like another of its family once \
         escaped for a scraper of legacy names (`a.b` and `a_b` are both `a_b`)"
    );
}
