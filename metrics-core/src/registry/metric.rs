//! The object-safe view of a metric family that registries and encoders work with.

use crate::descriptor::{Descriptor, MetricKind};
use crate::encoding::{HistogramView, SampleSink, Value};
use crate::labels::{Family, LabelSet, Member};
use crate::metric::{BucketCounts, Counter, Gauge, Histogram, IntGauge};

/// A metric family as a registry sees it.
pub trait Metric: Send + Sync {
    /// Name, HELP, unit and labels.
    fn descriptor(&self) -> &'static Descriptor;
    /// The family type.
    fn kind(&self) -> MetricKind;
    /// Hands every series to `sink`.
    fn encode_series(&self, sink: &mut dyn SampleSink);
    /// For families with a cardinality budget, how many lookups folded into overflow.
    fn overflowed(&self) -> Option<u64> {
        None
    }
}

impl Metric for Counter {
    fn descriptor(&self) -> &'static Descriptor {
        Counter::descriptor(self)
    }
    fn kind(&self) -> MetricKind {
        MetricKind::Counter
    }
    fn encode_series(&self, sink: &mut dyn SampleSink) {
        sink.sample("", self.value());
    }
}

impl Metric for Gauge {
    fn descriptor(&self) -> &'static Descriptor {
        Gauge::descriptor(self)
    }
    fn kind(&self) -> MetricKind {
        MetricKind::Gauge
    }
    fn encode_series(&self, sink: &mut dyn SampleSink) {
        sink.sample("", Value::Float(self.get()));
    }
}

impl Metric for IntGauge {
    fn descriptor(&self) -> &'static Descriptor {
        IntGauge::descriptor(self)
    }
    fn kind(&self) -> MetricKind {
        MetricKind::Gauge
    }
    fn encode_series(&self, sink: &mut dyn SampleSink) {
        sink.sample("", Value::Signed(self.get()));
    }
}

impl<C: BucketCounts> Metric for Histogram<C> {
    fn descriptor(&self) -> &'static Descriptor {
        Histogram::descriptor(self)
    }
    fn kind(&self) -> MetricKind {
        MetricKind::Histogram
    }
    fn encode_series(&self, sink: &mut dyn SampleSink) {
        sink.histogram(
            "",
            HistogramView {
                bounds: self.bounds(),
                slots: self.slots(),
                sum: self.sum(),
            },
        );
    }
}

impl<L: LabelSet, M: Member> Metric for Family<L, M> {
    fn descriptor(&self) -> &'static Descriptor {
        Family::descriptor(self)
    }
    fn kind(&self) -> MetricKind {
        M::KIND
    }
    fn encode_series(&self, sink: &mut dyn SampleSink) {
        Family::encode_series(self, sink);
    }
    fn overflowed(&self) -> Option<u64> {
        L::DENSE.is_none().then(|| Family::overflowed(self))
    }
}
