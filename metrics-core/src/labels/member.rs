//! What a family holds per label set: the series type of each metric kind.

use crate::descriptor::{Descriptor, MetricKind};
use crate::encoding::{SampleSink, SeriesMeta, Value};
use crate::metric::{BoxedCounts, Counter, Gauge, Histogram, IntGauge, NativeHistogram, Summary};

/// A metric kind that a [`Family`](crate::Family) can hold one of per label set.
pub trait Member: Send + Sync + 'static {
    /// The per-label-set storage.
    type Series: Send + Sync + 'static;
    /// The family type.
    const KIND: MetricKind;
    /// A fresh series; `bounds` are the family's validated histogram bounds.
    fn new_series(desc: &'static Descriptor, bounds: &'static [f64]) -> Self::Series;
    /// Hands one series to an encoder.
    fn encode(series: &Self::Series, meta: SeriesMeta<'_>, sink: &mut dyn SampleSink);
    /// Sets a series back to zero.
    fn reset(series: &Self::Series);
}

impl Member for Counter {
    type Series = Counter;
    const KIND: MetricKind = MetricKind::Counter;

    fn new_series(desc: &'static Descriptor, _: &'static [f64]) -> Counter {
        Counter::new().described(desc)
    }

    fn encode(series: &Counter, meta: SeriesMeta<'_>, sink: &mut dyn SampleSink) {
        series.encode(meta, sink);
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

    fn encode(series: &Gauge, meta: SeriesMeta<'_>, sink: &mut dyn SampleSink) {
        sink.scalar(meta, Value::Float(series.get()), None);
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

    fn encode(series: &IntGauge, meta: SeriesMeta<'_>, sink: &mut dyn SampleSink) {
        sink.scalar(meta, Value::Signed(series.get()), None);
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

    fn encode(series: &Self::Series, meta: SeriesMeta<'_>, sink: &mut dyn SampleSink) {
        series.encode(meta, sink);
    }

    fn reset(series: &Self::Series) {
        series.reset();
    }
}

/// Series of a summary family take the descriptor's quantiles and the default window.
impl Member for Summary {
    type Series = Summary;
    const KIND: MetricKind = MetricKind::Summary;

    fn new_series(desc: &'static Descriptor, _: &'static [f64]) -> Summary {
        Summary::new().described(desc)
    }

    fn encode(series: &Summary, meta: SeriesMeta<'_>, sink: &mut dyn SampleSink) {
        series.encode(meta, sink);
    }

    fn reset(series: &Summary) {
        series.reset();
    }
}

/// Series of a native histogram family take the default schema and zero threshold.
impl Member for NativeHistogram {
    type Series = NativeHistogram;
    const KIND: MetricKind = MetricKind::Histogram;

    fn new_series(desc: &'static Descriptor, _: &'static [f64]) -> NativeHistogram {
        NativeHistogram::new().described(desc)
    }

    fn encode(series: &NativeHistogram, meta: SeriesMeta<'_>, sink: &mut dyn SampleSink) {
        series.encode(meta, sink);
    }

    fn reset(series: &NativeHistogram) {
        series.reset();
    }
}
