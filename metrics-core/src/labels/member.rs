//! What a family holds per label set: the series type of each metric kind.

use crate::descriptor::{Descriptor, MetricKind};
use crate::encoding::{HistogramView, SampleSink, Value};
use crate::metric::{BoxedCounts, Counter, Gauge, Histogram, IntGauge};

/// A metric kind that a [`Family`](crate::Family) can hold one of per label set.
pub trait Member: Send + Sync + 'static {
    /// The per-label-set storage.
    type Series: Send + Sync + 'static;
    /// The family type.
    const KIND: MetricKind;
    /// A fresh series; `bounds` are the family's validated histogram bounds.
    fn new_series(desc: &'static Descriptor, bounds: &'static [f64]) -> Self::Series;
    /// Hands one series to an encoder.
    fn encode(series: &Self::Series, labels: &str, sink: &mut dyn SampleSink);
    /// Sets a series back to zero.
    fn reset(series: &Self::Series);
}

impl Member for Counter {
    type Series = Counter;
    const KIND: MetricKind = MetricKind::Counter;

    fn new_series(desc: &'static Descriptor, _: &'static [f64]) -> Counter {
        Counter::new().described(desc)
    }

    fn encode(series: &Counter, labels: &str, sink: &mut dyn SampleSink) {
        sink.sample(labels, series.value());
    }

    fn reset(series: &Counter) {
        series.reset();
    }
}

impl Member for Gauge {
    type Series = Gauge;
    const KIND: MetricKind = MetricKind::Gauge;

    fn new_series(desc: &'static Descriptor, _: &'static [f64]) -> Gauge {
        Gauge::new().described(desc)
    }

    fn encode(series: &Gauge, labels: &str, sink: &mut dyn SampleSink) {
        sink.sample(labels, Value::Float(series.get()));
    }

    fn reset(series: &Gauge) {
        series.reset();
    }
}

impl Member for IntGauge {
    type Series = IntGauge;
    const KIND: MetricKind = MetricKind::Gauge;

    fn new_series(desc: &'static Descriptor, _: &'static [f64]) -> IntGauge {
        IntGauge::new().described(desc)
    }

    fn encode(series: &IntGauge, labels: &str, sink: &mut dyn SampleSink) {
        sink.sample(labels, Value::Signed(series.get()));
    }

    fn reset(series: &IntGauge) {
        series.reset();
    }
}

impl Member for Histogram {
    type Series = Histogram<BoxedCounts>;
    const KIND: MetricKind = MetricKind::Histogram;

    fn new_series(desc: &'static Descriptor, bounds: &'static [f64]) -> Self::Series {
        Histogram::series(bounds, desc)
    }

    fn encode(series: &Self::Series, labels: &str, sink: &mut dyn SampleSink) {
        sink.histogram(
            labels,
            HistogramView {
                bounds: series.bounds(),
                slots: series.slots(),
                sum: series.sum(),
            },
        );
    }

    fn reset(series: &Self::Series) {
        series.reset();
    }
}
