//! `metrics` with `metrics-exporter-prometheus`. Handles are registered once and held, as
//! its docs advise, wherever the label values are known up front; string label sets go
//! through `counter!` per call, under a recorder installed around the whole measurement.
//! The exporter keeps raw histogram observations until a scrape or an upkeep drains them.

use ::metrics::{counter, gauge, histogram, with_local_recorder, Counter, Gauge, Histogram};
use ::metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use ::metrics_util::MetricKindMask;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{counter_value, histogram_values, mixed_name, Churn, Exposition, Insertion, Recording};
use super::{Request, StrRequest, BUCKETS};

fn recorder() -> PrometheusRecorder {
    PrometheusBuilder::new()
        .set_buckets(&BUCKETS)
        .expect("buckets are not empty")
        .build_recorder()
}

pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
    counter: Counter,
    by_request: Vec<Counter>,
    gauge: Gauge,
    histogram: Histogram,
    histogram_by_request: Vec<Histogram>,
    timed: Histogram,
}

impl Recording for Metrics {
    const NAME: &'static str = "metrics";

    fn new() -> Self {
        let recorder = Arc::new(recorder());
        let labels = |r: Request| [("method", r.method.as_str()), ("class", r.class.as_str())];
        with_local_recorder(&*recorder, || {
            for (method, route) in super::labels::all_str() {
                let _ = counter!("str_total", "method" => method, "route" => route);
            }
            Metrics {
                counter: counter!("counter_total"),
                by_request: Request::all()
                    .map(|r| counter!("enum_total", &labels(r)))
                    .collect(),
                gauge: gauge!("gauge"),
                histogram: histogram!("observe_seconds"),
                histogram_by_request: Request::all()
                    .map(|r| histogram!("enum_seconds", &labels(r)))
                    .collect(),
                timed: histogram!("timed_seconds"),
                handle: recorder.handle(),
                recorder: Arc::clone(&recorder),
            }
        })
    }

    fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        with_local_recorder(&*self.recorder, f)
    }

    #[inline]
    fn counter_inc(&self) {
        self.counter.increment(1);
    }

    #[inline]
    fn counter_inc_enum(&self, labels: Request) {
        self.by_request[labels.index()].increment(1);
    }

    #[inline]
    fn counter_inc_str(&self, (method, route): StrRequest) {
        counter!("str_total", "method" => method, "route" => route).increment(1);
    }

    #[inline]
    fn gauge_set(&self, v: f64) {
        self.gauge.set(v);
    }

    #[inline]
    fn histogram_observe(&self, v: f64) {
        self.histogram.record(v);
    }

    #[inline]
    fn histogram_observe_enum(&self, labels: Request, v: f64) {
        self.histogram_by_request[labels.index()].record(v);
    }

    /// It has no timer of its own: `Instant` by hand, recording the `Duration`.
    #[inline]
    fn timed_call(&self) {
        let start = Instant::now();
        super::timed_work();
        self.timed.record(start.elapsed());
    }

    fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    fn render(&self) -> String {
        self.handle.render()
    }
}

pub struct MetricsExposition {
    handle: PrometheusHandle,
    buffer: Vec<u8>,
}

impl Exposition for MetricsExposition {
    const NAME: &'static str = "metrics";

    fn counters(n: usize) -> Self {
        let recorder = recorder();
        with_local_recorder(&recorder, || {
            for (i, value) in super::label_values(n).iter().enumerate() {
                counter!("encode_total", "series" => *value).increment(counter_value(i));
            }
        });
        MetricsExposition {
            handle: recorder.handle(),
            buffer: Vec::new(),
        }
    }

    fn mixed(families: usize, series: usize) -> Self {
        let recorder = recorder();
        let values = super::label_values(series);
        with_local_recorder(&recorder, || {
            for f in 0..families {
                let name = mixed_name(f);
                for (i, value) in values.iter().enumerate() {
                    if f.is_multiple_of(2) {
                        counter!(name.clone(), "series" => *value).increment(counter_value(i));
                    } else {
                        let h = histogram!(name.clone(), "series" => *value);
                        histogram_values(i).for_each(|v| h.record(v));
                    }
                }
            }
        });
        MetricsExposition {
            handle: recorder.handle(),
            buffer: Vec::new(),
        }
    }

    fn encode(&mut self) {
        self.buffer.clear();
        self.handle.render_to_write(&mut self.buffer).unwrap();
    }

    fn output(&self) -> &[u8] {
        &self.buffer
    }
}

pub struct MetricsInsertion(PrometheusRecorder);

impl Insertion for MetricsInsertion {
    const NAME: &'static str = "metrics";

    fn empty() -> Self {
        MetricsInsertion(recorder())
    }

    fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        with_local_recorder(&self.0, f)
    }

    #[inline]
    fn insert(&self, value: &'static str) {
        counter!("encode_total", "series" => value).increment(1);
    }
}

/// How long a series of `MetricsChurn` may go without an update before its exporter drops it.
const IDLE_TIMEOUT: Duration = Duration::from_millis(1);

pub struct MetricsChurn {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl Churn for MetricsChurn {
    const NAME: &'static str = "metrics";
    const FORGETS_BY: &'static str =
        "no call: the exporter's `idle_timeout` (1 ms) drops series idle that long, at a render";

    /// It has no limit of label sets.
    fn empty(_live: usize) -> Self {
        let recorder = PrometheusBuilder::new()
            .idle_timeout(MetricKindMask::COUNTER, Some(IDLE_TIMEOUT))
            .build_recorder();
        MetricsChurn {
            handle: recorder.handle(),
            recorder,
        }
    }

    fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        with_local_recorder(&self.recorder, f)
    }

    #[inline]
    fn insert(&self, value: &'static str) {
        counter!("churn_total", "series" => value).increment(1);
    }

    /// A render notes each series' last update; one after the timeout drops those idle
    /// since. Nothing else forgets a series in `metrics`.
    fn forget(&self, _inserted: &[&'static str]) {
        drop(self.handle.render());
        std::thread::sleep(IDLE_TIMEOUT * 2);
        drop(self.handle.render());
    }

    fn render(&self) -> String {
        self.handle.render()
    }
}
