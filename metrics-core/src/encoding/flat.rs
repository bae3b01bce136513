//! A registry walk as flat samples: each one a name, label pairs and a number, as a 0.0.4
//! scrape shows them. What a consumer wants that has no notion of histograms or
//! summaries: remote-write 1.0, a test reading one value back.

use crate::encoding::{
    Encoder, Exemplar, ExemplarSlot, FamilyHeader, HistogramView, LabelPairs, NativeView,
    SampleSink, SeriesMeta, SummarySnapshot, Value,
};

/// One sample of a family, named and labelled as in text format 0.0.4.
#[derive(Clone, Copy, Debug)]
pub struct FlatSample<'a> {
    /// The family's name, as in its [`FamilyHeader`].
    pub family: &'a str,
    /// What follows it in the sample's name: `""`, `_bucket`, `_sum` or `_count`.
    pub suffix: &'static str,
    /// The series' label pairs.
    pub labels: LabelPairs<'a>,
    /// The label the sample adds to them, if any: a bucket's `le` or a summary's
    /// `quantile`, with its bound, to be written as [`write_f64`](super::write_f64) does.
    pub bound: Option<(&'static str, f64)>,
    /// The value.
    pub value: f64,
    /// When the series was created, in Unix seconds, if it knows; otherwise the family's
    /// [`FamilyHeader::created`] applies, as in [`SeriesMeta::created`].
    pub created: Option<f64>,
}

/// Receives the flat samples of a registry walk; [`Flatten`] drives it.
pub trait FlatSink {
    /// A new family starts; its samples follow.
    fn family(&mut self, header: &FamilyHeader<'_>) {
        let _ = header;
    }
    /// One sample of the current family.
    fn sample(&mut self, sample: FlatSample<'_>);
}

/// An [`Encoder`] that hands a [`FlatSink`] each family's samples: histograms as their
/// cumulative `_bucket`s (`+Inf` included), `_sum` and `_count`, summaries as their
/// quantiles, `_sum` and `_count`, and native histograms as the `+Inf` bucket, `_sum` and
/// `_count` that keep rates and averages working where native buckets cannot go.
///
/// ```
/// use std::sync::Arc;
/// use tallymark_core::encoding::{FlatSample, FlatSink, Flatten};
/// use tallymark_core::{Descriptor, Histogram, Registry};
///
/// struct Names(Vec<String>);
///
/// impl FlatSink for Names {
///     fn sample(&mut self, sample: FlatSample<'_>) {
///         self.0.push(format!("{}{} {}", sample.family, sample.suffix, sample.value));
///     }
/// }
///
/// const WAIT: Descriptor = Descriptor::new("wait_seconds", "Waits.").with_buckets(&[1.0]);
/// let registry = Registry::new();
/// let wait = Arc::new(Histogram::new().described(&WAIT));
/// registry.register(wait.clone()).unwrap();
/// wait.observe(0.5);
///
/// let mut names = Flatten(Names(Vec::new()));
/// registry.encode_into(&mut names, &[]);
/// assert_eq!(
///     names.0 .0,
///     [
///         "wait_seconds_bucket 1",
///         "wait_seconds_bucket 1",
///         "wait_seconds_sum 0.5",
///         "wait_seconds_count 1"
///     ]
/// );
/// ```
#[derive(Debug, Default)]
pub struct Flatten<S>(pub S);

impl<S: FlatSink> Encoder for Flatten<S> {
    fn family(&mut self, header: &FamilyHeader<'_>, series: &mut dyn FnMut(&mut dyn SampleSink)) {
        self.0.family(header);
        series(&mut FamilySamples {
            family: header.name,
            sink: &mut self.0,
        });
    }
}

/// The series of one family, flattened into a sink.
struct FamilySamples<'b, S> {
    family: &'b str,
    sink: &'b mut S,
}

impl<S: FlatSink> FamilySamples<'_, S> {
    fn push(
        &mut self,
        suffix: &'static str,
        series: SeriesMeta<'_>,
        bound: Option<(&'static str, f64)>,
        value: f64,
    ) {
        self.sink.sample(FlatSample {
            family: self.family,
            suffix,
            labels: series.labels,
            bound,
            value,
            created: series.created,
        });
    }

    fn sum_and_count(&mut self, series: SeriesMeta<'_>, sum: f64, count: u64) {
        self.push("_sum", series, None, sum);
        self.push("_count", series, None, count as f64);
    }
}

impl<S: FlatSink> SampleSink for FamilySamples<'_, S> {
    fn wants_exemplars(&self) -> bool {
        false
    }

    fn scalar(&mut self, series: SeriesMeta<'_>, value: Value, _: Option<&Exemplar>) {
        self.push("", series, None, value.as_f64());
    }

    fn classic_histogram(
        &mut self,
        series: SeriesMeta<'_>,
        view: HistogramView<'_>,
        _: &[ExemplarSlot],
    ) {
        let count = view.for_each_bucket(|bound, cumulative| {
            self.push("_bucket", series, Some(("le", bound)), cumulative as f64);
        });
        self.push("_bucket", series, Some(("le", f64::INFINITY)), count as f64);
        self.sum_and_count(series, view.sum, count);
    }

    fn summary(&mut self, series: SeriesMeta<'_>, snapshot: &SummarySnapshot) {
        for &(q, value) in &snapshot.quantiles {
            self.push("", series, Some(("quantile", q)), value);
        }
        self.sum_and_count(series, snapshot.sum, snapshot.count);
    }

    fn native_histogram(&mut self, series: SeriesMeta<'_>, view: NativeView<'_>) {
        let count = view.count();
        self.push("_bucket", series, Some(("le", f64::INFINITY)), count as f64);
        self.sum_and_count(series, view.sum(), count);
    }
}
