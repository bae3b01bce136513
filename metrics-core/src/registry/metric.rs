//! The object-safe view of a metric family that registries and encoders work with, and how
//! each storage type hands a series to an encoder.

use crate::descriptor::{Descriptor, MetricKind};
#[cfg(feature = "protobuf")]
use crate::encoding::NativeView;
use crate::encoding::{LabelPairs, SampleSink, SeriesMeta, Value};
use crate::labels::{Family, LabelSet, Member};
use crate::metric::buckets::MAX_BUCKETS;
#[cfg(feature = "protobuf")]
use crate::metric::exponential::WithSum;
use crate::metric::{
    BucketCounts, Counter, Gauge, Histogram, Info, IntGauge, NativeHistogram, StateSet, Summary,
};

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

/// The series of a metric without labels, whose creation time is its registration time.
const NO_LABELS: SeriesMeta<'static> = SeriesMeta::labels(LabelPairs::EMPTY);

impl Counter {
    pub(crate) fn encode(&self, series: SeriesMeta<'_>, sink: &mut dyn SampleSink) {
        let value = self.value();
        if sink.wants_exemplars() {
            self.exemplar().with(|e| sink.scalar(series, value, e));
        } else {
            sink.scalar(series, value, None);
        }
    }
}

impl<C: BucketCounts> Histogram<C> {
    pub(crate) fn encode(&self, series: SeriesMeta<'_>, sink: &mut dyn SampleSink) {
        let mut counts = [0; MAX_BUCKETS + 1];
        let view = self.view(&mut counts);
        let exemplars = if sink.wants_exemplars() {
            self.exemplars()
        } else {
            &[]
        };
        #[cfg(feature = "protobuf")]
        if let Some(buckets) = self.native_buckets() {
            let native = WithSum {
                buckets,
                sum: view.sum,
            };
            sink.classic_and_native_histogram(series, view, exemplars, NativeView::new(&native));
            return;
        }
        sink.classic_histogram(series, view, exemplars);
    }
}

impl Summary {
    pub(crate) fn encode(&self, series: SeriesMeta<'_>, sink: &mut dyn SampleSink) {
        sink.summary(series, &self.snapshot());
    }
}

impl NativeHistogram {
    pub(crate) fn encode(&self, series: SeriesMeta<'_>, sink: &mut dyn SampleSink) {
        sink.native_histogram(series, self.view());
    }
}

/// `Metric` for the types that stand alone rather than in a family: none takes label
/// values, and each writes its own series.
macro_rules! impl_standalone_metric {
    ($($ty:ty => $kind:ident, |$m:ident, $sink:ident| $encode:expr;)*) => {$(
        impl Metric for $ty {
            fn descriptor(&self) -> &'static Descriptor {
                <$ty>::descriptor(self)
            }
            fn kind(&self) -> MetricKind {
                MetricKind::$kind
            }
            fn encode_series(&self, $sink: &mut dyn SampleSink) {
                let $m = self;
                $encode
            }
        }
    )*};
}

impl_standalone_metric! {
    Counter => Counter, |m, sink| m.encode(NO_LABELS, sink);
    Gauge => Gauge, |m, sink| sink.scalar(NO_LABELS, Value::Float(m.get()), None);
    IntGauge => Gauge, |m, sink| sink.scalar(NO_LABELS, Value::Signed(m.get()), None);
    Summary => Summary, |m, sink| m.encode(NO_LABELS, sink);
    NativeHistogram => Histogram, |m, sink| m.encode(NO_LABELS, sink);
    Info => Info, |m, sink| {
        let labels = LabelPairs::pairs(m.labels());
        sink.scalar(SeriesMeta::labels(labels), Value::Unsigned(1), None);
    };
    StateSet => StateSet, |m, sink| {
        // Each state is a series whose one label is named after the family.
        let (current, name) = (m.current(), [m.descriptor().name()]);
        for i in 0..m.states().len() {
            let labels = LabelPairs::new(&name, m.states().get(i..=i).unwrap_or_default());
            let value = Value::Unsigned(u64::from(i == current));
            sink.scalar(SeriesMeta::labels(labels), value, None);
        }
    };
}

impl<C: BucketCounts> Metric for Histogram<C> {
    fn descriptor(&self) -> &'static Descriptor {
        Histogram::descriptor(self)
    }
    fn kind(&self) -> MetricKind {
        MetricKind::Histogram
    }
    fn encode_series(&self, sink: &mut dyn SampleSink) {
        self.encode(NO_LABELS, sink);
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
