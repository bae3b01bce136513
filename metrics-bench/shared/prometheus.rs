//! `prometheus` 0.14 (tikv's rust-prometheus), default features off. Integer counters
//! (`IntCounter`), whose `inc` is one atomic add. Enum label sets use handles resolved once
//! per label set, which is what its `prometheus-static-metric` companion generates; string
//! label sets go through `with_label_values` per call, as its docs show.

use ::prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts,
    Registry, TextEncoder,
};

use super::{counter_value, histogram_values, mixed_name, Churn, Exposition, Insertion, Recording};
use super::{Request, StrRequest, BUCKETS};

pub struct Prometheus {
    registry: Registry,
    counter: IntCounter,
    by_request: Vec<IntCounter>,
    by_str: IntCounterVec,
    gauge: Gauge,
    histogram: Histogram,
    histogram_by_request: Vec<Histogram>,
    timed: Histogram,
}

fn histogram_opts(name: &str) -> HistogramOpts {
    HistogramOpts::new(name, "A histogram.").buckets(BUCKETS.to_vec())
}

impl Recording for Prometheus {
    const NAME: &'static str = "prometheus";

    fn new() -> Self {
        let registry = Registry::new();
        let counter = IntCounter::new("counter_total", "A counter.").unwrap();
        let enum_vec =
            IntCounterVec::new(Opts::new("enum_total", "By enum."), &["method", "class"]).unwrap();
        let by_str =
            IntCounterVec::new(Opts::new("str_total", "By str."), &["method", "route"]).unwrap();
        let gauge = Gauge::new("gauge", "A gauge.").unwrap();
        let histogram = Histogram::with_opts(histogram_opts("observe_seconds")).unwrap();
        let enum_seconds =
            HistogramVec::new(histogram_opts("enum_seconds"), &["method", "class"]).unwrap();
        let timed = Histogram::with_opts(histogram_opts("timed_seconds")).unwrap();
        registry.register(Box::new(counter.clone())).unwrap();
        registry.register(Box::new(enum_vec.clone())).unwrap();
        registry.register(Box::new(by_str.clone())).unwrap();
        registry.register(Box::new(gauge.clone())).unwrap();
        registry.register(Box::new(histogram.clone())).unwrap();
        registry.register(Box::new(enum_seconds.clone())).unwrap();
        registry.register(Box::new(timed.clone())).unwrap();
        let values = |r: Request| [r.method.as_str(), r.class.as_str()];
        let by_request = Request::all()
            .map(|r| enum_vec.with_label_values(&values(r)))
            .collect();
        let histogram_by_request = Request::all()
            .map(|r| enum_seconds.with_label_values(&values(r)))
            .collect();
        for (method, route) in super::labels::all_str() {
            by_str.with_label_values(&[method, route]);
        }
        Prometheus {
            registry,
            counter,
            by_request,
            by_str,
            gauge,
            histogram,
            histogram_by_request,
            timed,
        }
    }

    #[inline]
    fn counter_inc(&self) {
        self.counter.inc();
    }

    #[inline]
    fn counter_inc_enum(&self, labels: Request) {
        self.by_request[labels.index()].inc();
    }

    #[inline]
    fn counter_inc_str(&self, labels: StrRequest) {
        self.by_str.with_label_values(&[labels.0, labels.1]).inc();
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
        self.histogram_by_request[labels.index()].observe(v);
    }

    #[inline]
    fn timed_call(&self) {
        let timer = self.timed.start_timer();
        super::timed_work();
        timer.observe_duration();
    }

    fn render(&self) -> String {
        TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap()
    }
}

pub struct PrometheusExposition {
    registry: Registry,
    buffer: Vec<u8>,
}

impl Exposition for PrometheusExposition {
    const NAME: &'static str = "prometheus";

    fn counters(n: usize) -> Self {
        let registry = Registry::new();
        let vec = IntCounterVec::new(Opts::new("encode_total", "Counters."), &["series"]).unwrap();
        for (i, value) in super::label_values(n).iter().enumerate() {
            vec.with_label_values(&[value]).inc_by(counter_value(i));
        }
        registry.register(Box::new(vec)).unwrap();
        PrometheusExposition {
            registry,
            buffer: Vec::new(),
        }
    }

    fn mixed(families: usize, series: usize) -> Self {
        let registry = Registry::new();
        let values = super::label_values(series);
        for f in 0..families {
            let name = mixed_name(f);
            if f.is_multiple_of(2) {
                let vec = IntCounterVec::new(Opts::new(name, "Mixed."), &["series"]).unwrap();
                for (i, value) in values.iter().enumerate() {
                    vec.with_label_values(&[value]).inc_by(counter_value(i));
                }
                registry.register(Box::new(vec)).unwrap();
            } else {
                let vec = HistogramVec::new(histogram_opts(&name), &["series"]).unwrap();
                for (i, value) in values.iter().enumerate() {
                    let h = vec.with_label_values(&[value]);
                    histogram_values(i).for_each(|v| h.observe(v));
                }
                registry.register(Box::new(vec)).unwrap();
            }
        }
        PrometheusExposition {
            registry,
            buffer: Vec::new(),
        }
    }

    fn encode(&mut self) {
        self.buffer.clear();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut self.buffer)
            .unwrap();
    }

    fn output(&self) -> &[u8] {
        &self.buffer
    }
}

pub struct PrometheusInsertion(IntCounterVec);

impl Insertion for PrometheusInsertion {
    const NAME: &'static str = "prometheus";

    fn empty() -> Self {
        PrometheusInsertion(
            IntCounterVec::new(Opts::new("encode_total", "Counters."), &["series"]).unwrap(),
        )
    }

    #[inline]
    fn insert(&self, value: &'static str) {
        self.0.with_label_values(&[value]).inc();
    }
}

/// A family in a registry of its own: the registry's gather leaves an emptied family out,
/// where the encoder alone refuses it.
pub struct PrometheusChurn {
    registry: Registry,
    family: IntCounterVec,
}

impl Churn for PrometheusChurn {
    const NAME: &'static str = "prometheus";
    const FORGETS_BY: &'static str = "`MetricVec::reset`";

    /// It has no limit of label sets.
    fn empty(_live: usize) -> Self {
        let registry = Registry::new();
        let family = IntCounterVec::new(Opts::new("churn_total", "Churned."), &["series"]).unwrap();
        registry.register(Box::new(family.clone())).unwrap();
        PrometheusChurn { registry, family }
    }

    #[inline]
    fn insert(&self, value: &'static str) {
        self.family.with_label_values(&[value]).inc();
    }

    fn forget(&self, _inserted: &[&'static str]) {
        self.family.reset();
    }

    fn render(&self) -> String {
        TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap()
    }
}
