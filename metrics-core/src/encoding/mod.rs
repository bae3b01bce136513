//! Encoding: metrics hand their series to a [`SampleSink`]; each exposition format is a
//! sink that writes into a reused buffer. One registry walk drives any [`Format`].

pub mod flat;
pub mod html;
mod label_text;
mod negotiate;
mod number;
pub mod openmetrics;
#[cfg(feature = "protobuf")]
pub mod protobuf;
pub mod text;
pub(crate) mod views;

pub use crate::exemplar::{Exemplar, ExemplarSlot};
pub use crate::pairs::LabelPairs;
pub use flat::{FlatSample, FlatSink, Flatten};
pub use negotiate::{negotiate, Exposition, Format};
pub use number::{write_f64, write_openmetrics_f64, write_timestamp, write_value, Value};
pub use views::{HistogramView, NativeView, SummarySnapshot};

use crate::descriptor::MetricKind;

/// The metadata of one family.
#[derive(Clone, Copy, Debug)]
pub struct FamilyHeader<'a> {
    /// The family name as declared (for a counter, including `_total`).
    pub name: &'a str,
    /// HELP text, unescaped.
    pub help: &'a str,
    /// The declared unit, or `""`; OpenMetrics also infers one from the name.
    pub unit: &'a str,
    /// The type.
    pub kind: MetricKind,
    /// When the family was registered, in Unix seconds: the `_created` of series that
    /// do not know their own. `None` for collected families.
    pub created: Option<f64>,
}

/// Who one series is: its label pairs, unescaped (none when unlabelled), and when it was
/// created, if it knows.
#[derive(Clone, Copy, Debug)]
pub struct SeriesMeta<'a> {
    /// The label pairs.
    pub labels: LabelPairs<'a>,
    /// Creation time in Unix seconds; `None` means the family's registration time.
    pub created: Option<f64>,
}

impl<'a> SeriesMeta<'a> {
    /// A series that does not know when it was created.
    pub const fn labels(labels: LabelPairs<'a>) -> Self {
        SeriesMeta {
            labels,
            created: None,
        }
    }
}

/// Receives the series of one family.
///
/// The required methods carry everything some format needs (creation times, exemplars);
/// [`SampleSink::sample`] and [`SampleSink::histogram`] are the plain forms for code that
/// has neither.
pub trait SampleSink {
    /// Whether this format writes exemplars. Metrics skip reading them when it does not,
    /// so a 0.0.4 scrape takes no exemplar lock.
    fn wants_exemplars(&self) -> bool {
        true
    }

    /// A counter, gauge, info or stateset sample, with a counter's exemplar.
    fn scalar(&mut self, series: SeriesMeta<'_>, value: Value, exemplar: Option<&Exemplar>);

    /// A classic histogram series; `exemplars` holds one slot per bucket, or none.
    fn classic_histogram(
        &mut self,
        series: SeriesMeta<'_>,
        view: HistogramView<'_>,
        exemplars: &[ExemplarSlot],
    );

    /// A summary series.
    fn summary(&mut self, series: SeriesMeta<'_>, snapshot: &SummarySnapshot);

    /// A native histogram series.
    fn native_histogram(&mut self, series: SeriesMeta<'_>, view: NativeView<'_>);

    /// A classic histogram series that keeps native buckets too, sharing its sum. Only
    /// protobuf carries both; every other format writes the classic buckets alone, as
    /// client_golang does.
    ///
    /// The native buckets, read after `classic`, hold at least every observation it
    /// counted, so their total is the series' count.
    fn classic_and_native_histogram(
        &mut self,
        series: SeriesMeta<'_>,
        classic: HistogramView<'_>,
        exemplars: &[ExemplarSlot],
        native: NativeView<'_>,
    ) {
        let _ = native;
        self.classic_histogram(series, classic, exemplars);
    }

    /// A counter or gauge sample with nothing but labels and a value.
    fn sample(&mut self, labels: LabelPairs<'_>, value: Value) {
        self.scalar(SeriesMeta::labels(labels), value, None);
    }

    /// A histogram series with nothing but labels and counts.
    fn histogram(&mut self, labels: LabelPairs<'_>, view: HistogramView<'_>) {
        self.classic_histogram(SeriesMeta::labels(labels), view, &[]);
    }
}

/// One exposition format, or any other consumer of a registry walk: it receives whole
/// families, then [`finish`](Encoder::finish).
///
/// The built-in formats implement it; [`Registry::encode_into`] drives one of the caller's,
/// which is how a push client turns a registry into its own wire format without going
/// through text.
///
/// [`Registry::encode_into`]: crate::Registry::encode_into
pub trait Encoder {
    /// Writes one family: its metadata, then the series `series` hands to the sink.
    fn family(&mut self, header: &FamilyHeader<'_>, series: &mut dyn FnMut(&mut dyn SampleSink));
    /// Ends the body.
    fn finish(&mut self) {}
}
