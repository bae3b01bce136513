//! `fastmetrics`: a `Family` per labelled metric, reached through `with_or_new` with a
//! closure (no handle is cloned), keyed by label structs of `&'static str` or enums, which
//! need no allocation per lookup; text encoded as Prometheus 0.0.4 into a reused `String`.

use std::time::Instant;

use ::fastmetrics::encoder::{EncodeLabelSet, EncodeLabelValue, LabelEncoder, LabelSetEncoder};
use ::fastmetrics::error::Result;
use ::fastmetrics::format::text::{self, TextProfile};
use ::fastmetrics::metrics::counter::Counter;
use ::fastmetrics::metrics::family::Family;
use ::fastmetrics::metrics::gauge::Gauge;
use ::fastmetrics::metrics::histogram::Histogram;
use ::fastmetrics::raw::LabelSetSchema;
use ::fastmetrics::registry::Registry;

use super::{counter_value, histogram_values, mixed_name, Churn, Exposition, Insertion, Recording};
use super::{Class, Method, Request, StrRequest, BUCKETS};

impl EncodeLabelValue for Method {
    fn encode(&self, encoder: &mut dyn LabelEncoder) -> Result<()> {
        encoder.encode_str_value(self.as_str())
    }
}

impl EncodeLabelValue for Class {
    fn encode(&self, encoder: &mut dyn LabelEncoder) -> Result<()> {
        encoder.encode_str_value(self.as_str())
    }
}

impl LabelSetSchema for Request {
    fn names() -> Option<&'static [&'static str]> {
        Some(&["method", "class"])
    }
}

impl EncodeLabelSet for Request {
    fn encode(&self, encoder: &mut dyn LabelSetEncoder) -> Result<()> {
        encoder.encode(&("method", &self.method))?;
        encoder.encode(&("class", &self.class))
    }
}

/// The string label set.
#[derive(Clone, PartialEq, Eq, Hash)]
struct StrLabels {
    method: &'static str,
    route: &'static str,
}

impl LabelSetSchema for StrLabels {
    fn names() -> Option<&'static [&'static str]> {
        Some(&["method", "route"])
    }
}

impl EncodeLabelSet for StrLabels {
    fn encode(&self, encoder: &mut dyn LabelSetEncoder) -> Result<()> {
        encoder.encode(&("method", self.method))?;
        encoder.encode(&("route", self.route))
    }
}

/// One label, for exposition and insertion.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Series(&'static str);

impl LabelSetSchema for Series {
    fn names() -> Option<&'static [&'static str]> {
        Some(&["series"])
    }
}

impl EncodeLabelSet for Series {
    fn encode(&self, encoder: &mut dyn LabelSetEncoder) -> Result<()> {
        encoder.encode(&("series", self.0))
    }
}

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

fn profile() -> TextProfile {
    TextProfile::PrometheusV0_0_4
}

pub struct Fastmetrics {
    registry: Registry,
    counter: Counter,
    by_request: Family<Request, Counter>,
    by_str: Family<StrLabels, Counter>,
    gauge: Gauge<f64>,
    histogram: Histogram,
    histogram_by_request: Family<Request, Histogram>,
    timed: Histogram,
}

impl Recording for Fastmetrics {
    const NAME: &'static str = "fastmetrics";

    fn new() -> Self {
        let mut registry = Registry::default();
        let this = Fastmetrics {
            counter: Counter::default(),
            by_request: Family::default(),
            by_str: Family::default(),
            gauge: Gauge::default(),
            histogram: histogram(),
            histogram_by_request: Family::new(histogram),
            timed: histogram(),
            registry: Registry::default(),
        };
        // Its 0.0.4 profile writes counter names as registered, `_total` included.
        registry
            .register("counter_total", "A counter.", this.counter.clone())
            .and_then(|r| r.register("enum_total", "By enum.", this.by_request.clone()))
            .and_then(|r| r.register("str_total", "By str.", this.by_str.clone()))
            .and_then(|r| r.register("gauge", "A gauge.", this.gauge.clone()))
            .and_then(|r| r.register("observe_seconds", "A histogram.", this.histogram.clone()))
            .and_then(|r| {
                let family = this.histogram_by_request.clone();
                r.register("enum_seconds", "By enum.", family)
            })
            .and_then(|r| r.register("timed_seconds", "Timed.", this.timed.clone()))
            .unwrap();
        for labels in Request::all() {
            this.by_request.with_or_new(&labels, |_| ());
            this.histogram_by_request.with_or_new(&labels, |_| ());
        }
        for (method, route) in super::labels::all_str() {
            this.by_str
                .with_or_new(&StrLabels { method, route }, |_| ());
        }
        Fastmetrics { registry, ..this }
    }

    #[inline]
    fn counter_inc(&self) {
        self.counter.inc();
    }

    #[inline]
    fn counter_inc_enum(&self, labels: Request) {
        self.by_request.with_or_new(&labels, Counter::inc);
    }

    #[inline]
    fn counter_inc_str(&self, (method, route): StrRequest) {
        self.by_str
            .with_or_new(&StrLabels { method, route }, Counter::inc);
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
        self.histogram_by_request
            .with_or_new(&labels, |h| h.observe(v));
    }

    /// It has no timer of its own: `Instant` by hand.
    #[inline]
    fn timed_call(&self) {
        let start = Instant::now();
        super::timed_work();
        self.timed.observe(start.elapsed().as_secs_f64());
    }

    fn render(&self) -> String {
        let mut out = String::new();
        text::encode(&mut out, &self.registry, profile()).unwrap();
        out
    }
}

pub struct FastmetricsExposition {
    registry: Registry,
    buffer: String,
}

impl Exposition for FastmetricsExposition {
    const NAME: &'static str = "fastmetrics";

    fn counters(n: usize) -> Self {
        let mut registry = Registry::default();
        let family = Family::<Series, Counter>::default();
        for (i, value) in super::label_values(n).iter().enumerate() {
            family.with_or_new(&Series(value), |c| c.inc_by(counter_value(i)));
        }
        registry
            .register("encode_total", "Counters.", family)
            .unwrap();
        FastmetricsExposition {
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
                let family = Family::<Series, Counter>::default();
                for (i, value) in values.iter().enumerate() {
                    family.with_or_new(&Series(value), |c| c.inc_by(counter_value(i)));
                }
                registry.register(name, "Mixed.", family).unwrap();
            } else {
                let family = Family::<Series, Histogram>::new(histogram);
                for (i, value) in values.iter().enumerate() {
                    family.with_or_new(&Series(value), |h| {
                        histogram_values(i).for_each(|v| h.observe(v))
                    });
                }
                registry.register(name, "Mixed.", family).unwrap();
            }
        }
        FastmetricsExposition {
            registry,
            buffer: String::new(),
        }
    }

    fn encode(&mut self) {
        self.buffer.clear();
        text::encode(&mut self.buffer, &self.registry, profile()).unwrap();
    }

    fn output(&self) -> &[u8] {
        self.buffer.as_bytes()
    }
}

pub struct FastmetricsInsertion(Family<Series, Counter>);

impl Insertion for FastmetricsInsertion {
    const NAME: &'static str = "fastmetrics";

    fn empty() -> Self {
        FastmetricsInsertion(Family::default())
    }

    #[inline]
    fn insert(&self, value: &'static str) {
        self.0.with_or_new(&Series(value), Counter::inc);
    }
}

pub struct FastmetricsChurn {
    registry: Registry,
    family: Family<Series, Counter>,
}

impl Churn for FastmetricsChurn {
    const NAME: &'static str = "fastmetrics";
    const FORGETS_BY: &'static str = "none: its `Family` has no removal";

    /// It has no limit of label sets.
    fn empty(_live: usize) -> Self {
        let mut registry = Registry::default();
        let family = Family::<Series, Counter>::default();
        registry
            .register("churn_total", "Churned.", family.clone())
            .unwrap();
        FastmetricsChurn { registry, family }
    }

    #[inline]
    fn insert(&self, value: &'static str) {
        self.family.with_or_new(&Series(value), Counter::inc);
    }

    /// There is nothing to call: every label set stays.
    fn forget(&self, _inserted: &[&'static str]) {}

    fn render(&self) -> String {
        let mut out = String::new();
        text::encode(&mut out, &self.registry, profile()).unwrap();
        out
    }
}
