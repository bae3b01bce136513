//! `prometheus-client` (the official client_rust): a `Family` per labelled metric, looked up
//! with `get_or_create` per call as its docs show, keyed by the label set type itself (the
//! enum struct, or `&'static str` pairs, which need no allocation per lookup).

use ::prometheus_client::encoding::{text, EncodeLabelSet, LabelSetEncoder};
use ::prometheus_client::metrics::counter::Counter;
use ::prometheus_client::metrics::family::Family;
use ::prometheus_client::metrics::gauge::Gauge;
use ::prometheus_client::metrics::histogram::Histogram;
use ::prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use super::{counter_value, histogram_values, mixed_name, Churn, Exposition, Insertion, Recording};
use super::{Request, StrRequest, BUCKETS};

impl EncodeLabelSet for Request {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        [
            ("method", self.method.as_str()),
            ("class", self.class.as_str()),
        ]
        .encode(encoder)
    }
}

type StrKey = [(&'static str, &'static str); 2];
type OneLabel = [(&'static str, &'static str); 1];

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

pub struct PrometheusClient {
    registry: Registry,
    counter: Counter,
    by_request: Family<Request, Counter>,
    by_str: Family<StrKey, Counter>,
    gauge: Gauge<f64, AtomicU64>,
    histogram: Histogram,
    histogram_by_request: Family<Request, Histogram>,
    timed: Histogram,
}

fn str_key((method, route): StrRequest) -> StrKey {
    [("method", method), ("route", route)]
}

impl Recording for PrometheusClient {
    const NAME: &'static str = "prometheus_client";

    fn new() -> Self {
        let mut registry = Registry::default();
        let this = PrometheusClient {
            counter: Counter::default(),
            by_request: Family::default(),
            by_str: Family::default(),
            gauge: Gauge::default(),
            histogram: histogram(),
            histogram_by_request: Family::new_with_constructor(histogram),
            timed: histogram(),
            registry: Registry::default(),
        };
        // Counters are named without `_total`, which its OpenMetrics encoder appends.
        registry.register("counter", "A counter.", this.counter.clone());
        registry.register("enum", "By enum.", this.by_request.clone());
        registry.register("str", "By str.", this.by_str.clone());
        registry.register("gauge", "A gauge.", this.gauge.clone());
        registry.register("observe_seconds", "A histogram.", this.histogram.clone());
        registry.register(
            "enum_seconds",
            "By enum.",
            this.histogram_by_request.clone(),
        );
        registry.register("timed_seconds", "Timed.", this.timed.clone());
        for labels in Request::all() {
            drop(this.by_request.get_or_create(&labels));
            drop(this.histogram_by_request.get_or_create(&labels));
        }
        for labels in super::labels::all_str() {
            drop(this.by_str.get_or_create(&str_key(labels)));
        }
        PrometheusClient { registry, ..this }
    }

    #[inline]
    fn counter_inc(&self) {
        self.counter.inc();
    }

    #[inline]
    fn counter_inc_enum(&self, labels: Request) {
        self.by_request.get_or_create(&labels).inc();
    }

    #[inline]
    fn counter_inc_str(&self, labels: StrRequest) {
        self.by_str.get_or_create(&str_key(labels)).inc();
    }

    #[inline]
    fn gauge_set(&self, v: f64) {
        self.gauge.set(v);
    }

    #[inline]
    fn histogram_observe(&self, v: f64) {
        self.histogram.observe(v);
    }

    #[inline]
    fn histogram_observe_enum(&self, labels: Request, v: f64) {
        self.histogram_by_request.get_or_create(&labels).observe(v);
    }

    /// It has no timer of its own: the docs time with `Instant` by hand.
    #[inline]
    fn timed_call(&self) {
        let start = Instant::now();
        super::timed_work();
        self.timed.observe(start.elapsed().as_secs_f64());
    }

    fn render(&self) -> String {
        let mut out = String::new();
        text::encode(&mut out, &self.registry).unwrap();
        out
    }
}

pub struct PrometheusClientExposition {
    registry: Registry,
    buffer: String,
}

impl Exposition for PrometheusClientExposition {
    const NAME: &'static str = "prometheus_client";

    fn counters(n: usize) -> Self {
        let mut registry = Registry::default();
        let family = Family::<OneLabel, Counter>::default();
        for (i, value) in super::label_values(n).iter().enumerate() {
            family
                .get_or_create(&[("series", value)])
                .inc_by(counter_value(i));
        }
        registry.register("encode", "Counters.", family);
        PrometheusClientExposition {
            registry,
            buffer: String::new(),
        }
    }

    fn mixed(families: usize, series: usize) -> Self {
        let mut registry = Registry::default();
        let values = super::label_values(series);
        for f in 0..families {
            let name = mixed_name(f);
            if f.is_multiple_of(2) {
                let family = Family::<OneLabel, Counter>::default();
                for (i, value) in values.iter().enumerate() {
                    family
                        .get_or_create(&[("series", value)])
                        .inc_by(counter_value(i));
                }
                let name = name.trim_end_matches("_total").to_owned();
                registry.register(name, "Mixed.", family);
            } else {
                let family = Family::<OneLabel, Histogram>::new_with_constructor(histogram);
                for (i, value) in values.iter().enumerate() {
                    let h = family.get_or_create(&[("series", value)]);
                    histogram_values(i).for_each(|v| h.observe(v));
                }
                registry.register(name, "Mixed.", family);
            }
        }
        PrometheusClientExposition {
            registry,
            buffer: String::new(),
        }
    }

    fn encode(&mut self) {
        self.buffer.clear();
        text::encode(&mut self.buffer, &self.registry).unwrap();
    }

    fn output(&self) -> &[u8] {
        self.buffer.as_bytes()
    }
}

pub struct PrometheusClientInsertion(Family<OneLabel, Counter>);

impl Insertion for PrometheusClientInsertion {
    const NAME: &'static str = "prometheus_client";

    fn empty() -> Self {
        PrometheusClientInsertion(Family::default())
    }

    #[inline]
    fn insert(&self, value: &'static str) {
        self.0.get_or_create(&[("series", value)]).inc();
    }
}

pub struct PrometheusClientChurn {
    registry: Registry,
    family: Family<OneLabel, Counter>,
}

impl Churn for PrometheusClientChurn {
    const NAME: &'static str = "prometheus_client";
    const FORGETS_BY: &'static str = "`Family::clear`";

    /// It has no limit of label sets.
    fn empty(_live: usize) -> Self {
        let mut registry = Registry::default();
        let family = Family::default();
        registry.register("churn", "Churned.", family.clone());
        PrometheusClientChurn { registry, family }
    }

    #[inline]
    fn insert(&self, value: &'static str) {
        self.family.get_or_create(&[("series", value)]).inc();
    }

    fn forget(&self, _inserted: &[&'static str]) {
        self.family.clear();
    }

    fn render(&self) -> String {
        let mut out = String::new();
        text::encode(&mut out, &self.registry).unwrap();
        out
    }
}
