//! Explicit targets: `#[timed(FAMILY)]`, `#[counted(FAMILY, labels(..))]` and
//! `#[in_flight(FAMILY)]` record into a declared metric. What the generated code calls is
//! here: a kind check per attribute, and the label values that `labels(..)` gives.
//!
//! A `#[metric(labels(a, b))]` static `FAMILY` comes with a hidden struct of the same name
//! (types and values live in separate namespaces) whose fields are the label names, so
//! `labels(a = .., b = ..)` becomes `FAMILY { a: .., b: .. }` and the compiler itself
//! reports a label the family does not have, or one left without a value. A family keyed
//! by a `#[derive(LabelSet)]` struct `L` comes with `type FAMILY = L` instead.

use std::borrow::Cow;

use crate::instrument::Recorder;
use crate::labels::{Family, LabelSet, LabelValue, Member, SeriesHandle, SiteSeries};
use crate::metric::{BucketCounts, Counter, Gauge, Histogram, IntGauge};

/// A metric that `#[counted(..)]` can count calls into.
#[diagnostic::on_unimplemented(
    message = "`#[counted]` counts calls, so it needs a counter; `{Self}` is not one",
    label = "not a `Counter` or a counter family"
)]
pub trait CountedTarget {}

impl CountedTarget for Counter {}
impl<L: LabelSet> CountedTarget for Family<L, Counter> {}

/// A metric that `#[timed(..)]` can record durations into.
#[diagnostic::on_unimplemented(
    message = "`#[timed]` records durations, so it needs a histogram; `{Self}` is not one",
    label = "not a `Histogram` or a histogram family"
)]
pub trait TimedTarget {}

impl<C: BucketCounts> TimedTarget for Histogram<C> {}
impl<L: LabelSet> TimedTarget for Family<L, Histogram> {}

/// A metric that `#[in_flight(..)]` can count running calls in.
#[diagnostic::on_unimplemented(
    message = "`#[in_flight]` counts running calls, so it needs a gauge; `{Self}` is not one",
    label = "not a `Gauge`, an `IntGauge` or a gauge family"
)]
pub trait InFlightTarget {}

impl InFlightTarget for Gauge {}
impl InFlightTarget for IntGauge {}
impl<L: LabelSet> InFlightTarget for Family<L, Gauge> {}
impl<L: LabelSet> InFlightTarget for Family<L, IntGauge> {}

/// The target of `#[counted(..)]`, once its kind is checked.
#[inline]
pub fn counted_target<T: CountedTarget>(target: &T) -> &T {
    target
}

/// The target of `#[timed(..)]`, once its kind is checked.
#[inline]
pub fn timed_target<T: TimedTarget>(target: &T) -> &T {
    target
}

/// The target of `#[in_flight(..)]`, once its kind is checked.
#[inline]
pub fn in_flight_target<T: InFlightTarget>(target: &T) -> &T {
    target
}

/// What the text of one label is read from, in `labels(name = value)` for a family keyed
/// by strings: a `&str` (a string literal, or `unbounded(..)`), or a value whose type
/// implements [`LabelValue`].
///
/// A `&str` has a `LabelText` so that a mistaken one is reported once, by
/// [`known_label_value`], which is what the attributes pass every value through that is
/// neither.
///
/// ```
/// use tallymark_core::__private::LabelText;
///
/// assert_eq!(404u16.text(), "404");
/// assert_eq!("/users".text(), "/users");
/// ```
pub trait LabelText {
    /// The label text, unescaped.
    fn text(&self) -> Cow<'_, str>;
}

impl<T: LabelValue> LabelText for T {
    #[inline]
    fn text(&self) -> Cow<'_, str> {
        self.label()
    }
}

impl LabelText for &str {
    #[inline]
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

/// `unbounded(value)` in `labels(..)`: any text, accepted knowingly; the family's
/// cardinality budget bounds the series it can create.
#[inline]
pub fn unbounded(value: &str) -> &str {
    value
}

/// A value given in `labels(name = value)` whose type bounds the values it can take (a
/// [`LabelValue`]), so that a `&str`, which can hold any text, must be marked
/// `unbounded(..)`. It is copied by reference, so that `labels(method = req.method)` leaves
/// `req` whole for the function body.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a label value of known cardinality",
    label = "a label value must be a string literal or implement `LabelValue`",
    note = "a `&str` can hold any text, so each new value could add a series: write \
            `unbounded(value)` to accept that; the family's cardinality budget then applies"
)]
pub trait KnownLabelValue {
    /// What the label struct holds.
    type Value;
    /// A copy of the value.
    fn to_value(&self) -> Self::Value;
}

impl<T: LabelValue> KnownLabelValue for T {
    type Value = T;
    #[inline]
    fn to_value(&self) -> T {
        self.clone()
    }
}

/// The value of `labels(name = value)` for a value that is neither a string literal nor
/// `unbounded(..)`. A value of the wrong type is reported here, once: the result's type
/// is then unknown, which silences the errors it would cause further on.
#[inline]
pub fn known_label_value<T: KnownLabelValue + ?Sized>(value: &T) -> T::Value {
    value.to_value()
}

/// A declared metric that is a single series, so that a call records into it with no label
/// values.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has labels, so a call can only be recorded into one of its series",
    label = "give the label values with `labels(name = value, ..)`"
)]
pub trait SingleSeriesTarget {
    /// What the guard records into.
    type Recorder: Recorder + ?Sized;
    /// The metric as a recorder.
    fn recorder(&self) -> &Self::Recorder;
}

impl SingleSeriesTarget for Counter {
    type Recorder = Self;
    #[inline]
    fn recorder(&self) -> &Self {
        self
    }
}

impl SingleSeriesTarget for Gauge {
    type Recorder = Self;
    #[inline]
    fn recorder(&self) -> &Self {
        self
    }
}

impl SingleSeriesTarget for IntGauge {
    type Recorder = Self;
    #[inline]
    fn recorder(&self) -> &Self {
        self
    }
}

impl<C: BucketCounts> SingleSeriesTarget for Histogram<C> {
    type Recorder = Self;
    #[inline]
    fn recorder(&self) -> &Self {
        self
    }
}

/// A single-series target as its recorder; a family given without `labels(..)` is
/// reported here, once.
#[inline]
pub fn single_series_recorder<T: SingleSeriesTarget + ?Sized>(target: &T) -> &T::Recorder {
    target.recorder()
}

/// The label values one call gives a family keyed by `L`, as `labels(..)` builds them.
///
/// `#[metric(labels(..))]` implements it for its hidden label struct; a
/// `#[derive(LabelSet)]` type implements it as itself.
pub trait CallLabels<L: LabelSet> {
    /// Calls `f` with the family's lookup for these values.
    fn with_lookup<R, F>(self, f: F) -> R
    where
        F: for<'a> FnOnce(L::Lookup<'a>) -> R;
}

impl<L> CallLabels<L> for L
where
    L: for<'a> LabelSet<Lookup<'a> = L>,
{
    #[inline]
    fn with_lookup<R, F>(self, f: F) -> R
    where
        F: for<'a> FnOnce(L::Lookup<'a>) -> R,
    {
        f(self)
    }
}

/// The series of `family` that `labels` name.
#[inline]
pub fn series<'f, L: LabelSet, M: Member>(
    family: &'f Family<L, M>,
    labels: impl CallLabels<L>,
) -> SeriesHandle<'f, M::Series> {
    labels.with_lookup(|lookup| family.handle(lookup))
}

/// [`series`] for `labels(..)` made only of string literals: `site`, the call site's own
/// `static`, remembers the series, so a call costs what a call into an unlabelled target
/// costs.
#[inline]
pub fn site_series<'f, L: LabelSet, M: Member>(
    family: &'f Family<L, M>,
    site: &'f SiteSeries,
    labels: impl CallLabels<L>,
) -> SeriesHandle<'f, M::Series> {
    labels.with_lookup(|lookup| family.labels_at(site, lookup))
}
