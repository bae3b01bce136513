//! Every library is fed the same operations, and its exposition must say the same thing as
//! tallymark's: the same series, with equal values. Otherwise a fast benchmark result could
//! just mean that a library does less.

#[path = "../shared/mod.rs"]
mod shared;

use shared::fastmetrics::{Fastmetrics, FastmetricsChurn, FastmetricsExposition};
use shared::labels::{request_ring, str_ring};
use shared::measured::{Measured, MeasuredChurn, MeasuredExposition};
use shared::metrics::{Metrics, MetricsChurn, MetricsExposition};
use shared::prometheus::{Prometheus, PrometheusChurn, PrometheusExposition};
use shared::prometheus_client::{
    PrometheusClient, PrometheusClientChurn, PrometheusClientExposition,
};
use shared::tallymark::{Tallymark, TallymarkChurn, TallymarkExposition};
use shared::timed_macro as macros;
use shared::{label_values, Churn, Exposition, Recording};
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

/// How many calls each function of `timed_macro` gets in its test.
const MACRO_CALLS: usize = 100;

/// The values of the samples named `name` whose labels are `labels` plus any others
/// (`module`, autometrics' `caller_*`), in the order of their keys.
fn values_of(samples: &Samples, name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
    samples
        .iter()
        .filter(|(key, _)| {
            key.name == name
                && labels
                    .iter()
                    .all(|(n, v)| key.labels.iter().any(|(kn, kv)| kn == n && kv == v))
        })
        .map(|(_, value)| *value)
        .collect()
}

/// Calls `work` `MACRO_CALLS` times and reads tallymark's default registry back.
fn tallymark_after_calls(work: fn()) -> Samples {
    (0..MACRO_CALLS).for_each(|_| work());
    let text = ::tallymark::render();
    parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

const CALLS: f64 = MACRO_CALLS as f64;

#[test]
fn tallymark_timed_counts_every_call_in_the_default_family() {
    let samples = tallymark_after_calls(macros::tallymark_default_work);
    let function = [("function", "tallymark_default_work"), ("result", "ok")];
    let count = "function_calls_duration_seconds_count";
    assert_eq!(values_of(&samples, count, &function), [CALLS]);
    assert_eq!(values_of(&samples, "function_calls_total", &function), []);
}

#[test]
fn tallymark_timed_counts_every_call_in_a_declared_histogram() {
    let samples = tallymark_after_calls(macros::tallymark_declared_work);
    assert_eq!(
        values_of(&samples, "timed_macro_seconds_count", &[]),
        [CALLS]
    );
}

#[test]
fn tallymark_timed_counts_every_call_under_its_literal_labels() {
    let samples = tallymark_after_calls(macros::tallymark_literal_labels_work);
    let name = "timed_macro_by_endpoint_seconds_count";
    assert_eq!(values_of(&samples, name, &[]), [CALLS]);
    assert_eq!(
        values_of(&samples, name, &[("endpoint", "/api/users")]),
        [CALLS]
    );
}

#[test]
fn tallymark_counted_and_timed_count_every_call_once_each() {
    let samples = tallymark_after_calls(macros::tallymark_counted_timed_work);
    let function = [
        ("function", "tallymark_counted_timed_work"),
        ("result", "ok"),
    ];
    let count = "function_calls_duration_seconds_count";
    assert_eq!(values_of(&samples, count, &function), [CALLS]);
    assert_eq!(
        values_of(&samples, "function_calls_total", &function),
        [CALLS]
    );
}

#[test]
fn autometrics_counts_every_call() {
    macros::autometrics_settings();
    (0..MACRO_CALLS).for_each(|_| macros::autometrics_work());
    let text = macros::autometrics_render();
    let samples = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let function = [("function", "autometrics_work")];
    let count = "function_calls_duration_seconds_count";
    assert_eq!(values_of(&samples, count, &function), [CALLS], "{text}");
    assert_eq!(
        values_of(&samples, "function_calls_total", &function),
        [CALLS],
        "{text}"
    );
}

#[test]
fn metered_counts_every_call() {
    let work = macros::MeteredWork::default();
    (0..MACRO_CALLS).for_each(|_| work.work());
    assert_eq!(work.recorded(), (MACRO_CALLS as u64, MACRO_CALLS as u64));
}

/// Label sets per round of the churn tests, and the most a family may hold at once.
const CHURN_ROUND: usize = 100;
const CHURN_ROUNDS: usize = 3;

/// What a family renders before and after each round's `forget`, keeping its own samples
/// (`churn_total`), and the lookups it folded into overflow in that round.
struct Round {
    before: Samples,
    after: Samples,
    overflowed: Option<u64>,
}

fn churned<C: Churn>() -> Vec<Round> {
    let values = label_values(CHURN_ROUND * CHURN_ROUNDS);
    let family = C::empty(CHURN_ROUND);
    let read = |family: &C| {
        let text = family.render();
        let samples = parse(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", C::NAME));
        samples
            .into_iter()
            .filter(|(key, _)| key.name == "churn_total")
            .collect::<Samples>()
    };
    values
        .chunks(CHURN_ROUND)
        .map(|round| {
            family.scope(|| round.iter().for_each(|v| family.insert(v)));
            let before = read(&family);
            let overflowed = family.overflowed();
            family.forget(round);
            Round {
                before,
                after: read(&family),
                overflowed,
            }
        })
        .collect()
}

/// `churn_total{series=v} 1` for each of `values`.
fn ones(values: &[&str]) -> Samples {
    values.iter().map(|v| (series(v), 1.0)).collect()
}

fn series(value: &str) -> SeriesKey {
    SeriesKey {
        name: "churn_total".to_owned(),
        labels: vec![("series".to_owned(), value.to_owned())],
    }
}

/// Each round's label sets are exported until its `forget`, and none after it.
fn assert_forgets<C: Churn>() {
    let values = label_values(CHURN_ROUND * CHURN_ROUNDS);
    for (round, values) in churned::<C>().iter().zip(values.chunks(CHURN_ROUND)) {
        assert_agree(C::NAME, &ones(values), &round.before);
        assert_eq!(round.after, Samples::new(), "{}", C::NAME);
        assert_eq!(round.overflowed, None);
    }
}

#[test]
fn prometheus_forgets_churned_series() {
    assert_forgets::<PrometheusChurn>();
}

#[test]
fn prometheus_client_forgets_churned_series() {
    assert_forgets::<PrometheusClientChurn>();
}

#[test]
fn metrics_forgets_churned_series() {
    assert_forgets::<MetricsChurn>();
}

#[test]
fn measured_forgets_churned_series() {
    assert_forgets::<MeasuredChurn>();
}

#[test]
fn fastmetrics_cannot_forget_churned_series() {
    let values = label_values(CHURN_ROUND * CHURN_ROUNDS);
    for (n, round) in churned::<FastmetricsChurn>().iter().enumerate() {
        let so_far = ones(&values[..(n + 1) * CHURN_ROUND]);
        assert_agree("fastmetrics", &so_far, &round.before);
        assert_agree("fastmetrics", &so_far, &round.after);
    }
}

/// `clear` gives every entry back, to the budget too, so each round reads like the first:
/// all of its label sets exported, none folded, nothing left after the forget.
#[test]
fn tallymark_churned_rounds_each_read_like_the_first() {
    let values = label_values(CHURN_ROUND * CHURN_ROUNDS);
    for (n, round) in churned::<TallymarkChurn>().iter().enumerate() {
        let this_round = &values[n * CHURN_ROUND..(n + 1) * CHURN_ROUND];
        assert_agree("tallymark", &ones(this_round), &round.before);
        assert_eq!(round.overflowed, Some(0), "round {n}");
        assert_eq!(round.after, Samples::new(), "round {n}");
    }
}
