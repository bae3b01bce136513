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
    /// Calls `f` with `(label name, value)` for every value a label can take, when the
    /// values are known before any is recorded (enum and `bool` label sets, state sets):
    /// each label's values in declaration order, each once. Families whose label values
    /// are strings, the default, call nothing.
    fn label_values(&self, f: &mut dyn FnMut(&str, &str)) {
        let _ = f;
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
}

impl Metric for StateSet {
    fn descriptor(&self) -> &'static Descriptor {
        StateSet::descriptor(self)
    }
    fn kind(&self) -> MetricKind {
        MetricKind::StateSet
    }
    fn encode_series(&self, sink: &mut dyn SampleSink) {
        // Each state is a series whose one label is named after the family.
        let (current, name) = (self.current(), [self.descriptor().name()]);
        for i in 0..self.states().len() {
            let labels = LabelPairs::new(&name, self.states().get(i..=i).unwrap_or_default());
            let value = Value::Unsigned(u64::from(i == current));
            sink.scalar(SeriesMeta::labels(labels), value, None);
        }
    }
    fn label_values(&self, f: &mut dyn FnMut(&str, &str)) {
        // The exposition's one label is named after the family, one value per state.
        let name = self.descriptor().name();
        for state in self.states() {
            f(name, state);
        }
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
    fn label_values(&self, f: &mut dyn FnMut(&str, &str)) {
        if let Some(count) = L::DENSE {
            distinct_dense_values(self.label_names(), count, L::dense_values, f);
        }
    }
}

/// What [`LabelSet::dense_values`] is: the values of the dense label set at an index.
type DenseValues = fn(usize, &mut dyn FnMut(&str));

/// Walks the `count` dense label sets, whose values `dense_values` gives in label order,
/// and calls `f` with each label's name and each of its values the first time it appears:
/// the first label varies slowest, so first appearance is declaration order. A value
/// without a name (a family with no descriptor) is skipped.
fn distinct_dense_values(
    names: &[&str],
    count: usize,
    dense_values: DenseValues,
    f: &mut dyn FnMut(&str, &str),
) {
    let mut seen: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    for index in 0..count {
        let mut label = 0;
        dense_values(index, &mut |value| {
            if let (Some(name), Some(values)) = (names.get(label), seen.get_mut(label)) {
                if !values.iter().any(|v| v == value) {
                    values.push(value.to_owned());
                    f(name, value);
                }
            }
            label += 1;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::distinct_dense_values;
    use crate::labels::dense::{dense_count, dense_labels, Values};

    const FIELDS: [Values; 2] = [Some(&["GET", "POST", "PUT"]), Some(&["false", "true"])];

    fn fields(index: usize, f: &mut dyn FnMut(&str)) {
        dense_labels(index, &FIELDS, f);
    }

    fn distinct(names: &[&str]) -> Vec<(String, String)> {
        let mut got = Vec::new();
        let count = dense_count(&FIELDS).unwrap_or(0);
        distinct_dense_values(names, count, fields, &mut |name, value| {
            got.push((name.to_owned(), value.to_owned()));
        });
        got
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn each_value_is_reported_once_in_declaration_order() {
        // Six label sets; `method` changes slowest, `cached` alternates.
        assert_eq!(
            distinct(&["method", "cached"]),
            pairs(&[
                ("method", "GET"),
                ("cached", "false"),
                ("cached", "true"),
                ("method", "POST"),
                ("method", "PUT"),
            ])
        );
    }

    #[test]
    fn values_without_a_name_are_skipped() {
        assert_eq!(
            distinct(&["method"]),
            pairs(&[("method", "GET"), ("method", "POST"), ("method", "PUT")])
        );
    }
}
