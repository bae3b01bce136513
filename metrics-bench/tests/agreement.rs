//! Every library is fed the same operations, and its exposition must say the same thing as
//! tallymark's: the same series, with equal values. Otherwise a fast benchmark result could
//! just mean that a library does less.

#[path = "../shared/mod.rs"]
mod shared;

use shared::fastmetrics::{Fastmetrics, FastmetricsExposition};
use shared::labels::{request_ring, str_ring};
use shared::measured::{Measured, MeasuredExposition};
use shared::metrics::{Metrics, MetricsExposition};
use shared::prometheus::{Prometheus, PrometheusExposition};
use shared::prometheus_client::{PrometheusClient, PrometheusClientExposition};
use shared::tallymark::{Tallymark, TallymarkExposition};
use shared::{Exposition, Recording};
use std::sync::OnceLock;

use tallymark_bench::exposition::{differences, parse, Samples, SeriesKey};
use tallymark_bench::ring::{gauge_values, observations, RING_LEN};

/// How many calls `timed_call` makes; durations differ, so only counts are compared.
const TIMED_CALLS: usize = 100;

/// Runs every recording operation over two passes of each ring, then reads the exposition
/// back, keeping the families the operations touch.
fn recorded<L: Recording>() -> Samples {
    let library = L::new();
    let (mut requests, mut strs) = (request_ring(), str_ring());
    let (mut gauges, mut values) = (gauge_values(), observations());
    library.scope(|| {
        for _ in 0..2 * RING_LEN {
            library.counter_inc();
            library.counter_inc_enum(requests.pull());
            library.counter_inc_str(strs.pull());
            library.gauge_set(gauges.pull());
            library.histogram_observe(values.pull());
            library.histogram_observe_enum(requests.pull(), values.pull());
        }
        for _ in 0..TIMED_CALLS {
            library.timed_call();
        }
    });
    let text = library.render();
    let samples = parse(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", L::NAME));
    samples
        .into_iter()
        .filter(|(key, _)| compared(key))
        .collect()
}

/// The families of the recording operations; of the timed one, only what does not depend
/// on how long a call took.
fn compared(key: &SeriesKey) -> bool {
    let families = ["counter_total", "enum_total", "str_total", "gauge"];
    let histograms = ["observe_seconds", "enum_seconds"];
    let timed_inf = key.name == "timed_seconds_bucket"
        && key.labels.iter().any(|(n, v)| n == "le" && v == "inf");
    families.contains(&key.name.as_str())
        || histograms.iter().any(|h| {
            ["_bucket", "_sum", "_count"]
                .iter()
                .any(|s| key.name == format!("{h}{s}"))
        })
        || key.name == "timed_seconds_count"
        || timed_inf
}

fn assert_agree(name: &str, ours: &Samples, theirs: &Samples) {
    let diff = differences(ours, theirs);
    assert!(
        diff.is_empty(),
        "tallymark (left) and {name} (right) disagree:\n{}",
        diff.join("\n")
    );
}

/// tallymark's families are `static`s, shared by every test of this process: they are fed
/// once.
fn tallymark_recorded() -> &'static Samples {
    static SAMPLES: OnceLock<Samples> = OnceLock::new();
    SAMPLES.get_or_init(recorded::<Tallymark>)
}

fn assert_records_like_tallymark<L: Recording>() {
    assert_agree(L::NAME, tallymark_recorded(), &recorded::<L>());
}

#[test]
fn tallymark_records_what_was_fed() {
    let samples = tallymark_recorded();
    let get = |name: &str, labels: &[(&str, &str)]| {
        let key = SeriesKey {
            name: name.to_owned(),
            labels: labels
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        };
        samples[&key]
    };
    let calls = (2 * RING_LEN) as f64;
    assert_eq!(get("counter_total", &[]), calls);
    assert_eq!(get("observe_seconds_count", &[]), calls);
    assert_eq!(get("timed_seconds_count", &[]), TIMED_CALLS as f64);
    assert_eq!(get("gauge", &[]), *gauge_values().items().last().unwrap());
    let enum_sum: f64 = samples
        .iter()
        .filter(|(k, _)| k.name == "enum_total")
        .map(|(_, v)| v)
        .sum();
    assert_eq!(enum_sum, calls);
    // 18 enum series, 18 string series, and 12 buckets + sum + count for each of the 19
    // histograms, one unlabelled counter, one gauge and the timed count and `+Inf`.
    assert_eq!(samples.len(), 18 + 18 + 19 * 14 + 1 + 1 + 2);
}

#[test]
fn prometheus_records_like_tallymark() {
    assert_records_like_tallymark::<Prometheus>();
}

#[test]
fn prometheus_client_records_like_tallymark() {
    assert_records_like_tallymark::<PrometheusClient>();
}

#[test]
fn metrics_records_like_tallymark() {
    assert_records_like_tallymark::<Metrics>();
}

#[test]
fn measured_records_like_tallymark() {
    assert_records_like_tallymark::<Measured>();
}

#[test]
fn fastmetrics_records_like_tallymark() {
    assert_records_like_tallymark::<Fastmetrics>();
}

/// What the encoding benchmarks render, at a size a test can afford.
fn exposed<E: Exposition>() -> Samples {
    let mut samples = Samples::new();
    for mut exposition in [E::counters(1000), E::mixed(10, 20)] {
        exposition.encode();
        // A second scrape must render the same as the first: nothing is drained or reset.
        exposition.encode();
        let text = String::from_utf8_lossy(exposition.output()).into_owned();
        let parsed = parse(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", E::NAME));
        // Each library's own self-metrics and creation times are not part of the comparison.
        samples.extend(
            parsed.into_iter().filter(|(k, _)| {
                !k.name.ends_with("_created") && !k.name.starts_with("tallymark_")
            }),
        );
    }
    samples
}

fn assert_exposes_like_tallymark<E: Exposition>() {
    assert_agree(E::NAME, &exposed::<TallymarkExposition>(), &exposed::<E>());
}

#[test]
fn tallymark_exposes_every_series() {
    // 1000 counters; 5 counter families of 20; 5 histogram families of 20 series, each
    // 12 buckets, a sum and a count.
    assert_eq!(
        exposed::<TallymarkExposition>().len(),
        1000 + 100 + 100 * 14
    );
}

#[test]
fn prometheus_exposes_like_tallymark() {
    assert_exposes_like_tallymark::<PrometheusExposition>();
}

#[test]
fn prometheus_client_exposes_like_tallymark() {
    assert_exposes_like_tallymark::<PrometheusClientExposition>();
}

#[test]
fn metrics_exposes_like_tallymark() {
    assert_exposes_like_tallymark::<MetricsExposition>();
}

#[test]
fn measured_exposes_like_tallymark() {
    assert_exposes_like_tallymark::<MeasuredExposition>();
}

#[test]
fn fastmetrics_exposes_like_tallymark() {
    assert_exposes_like_tallymark::<FastmetricsExposition>();
}
