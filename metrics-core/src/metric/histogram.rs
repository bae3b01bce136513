//! Observations counted into buckets.

use std::sync::OnceLock;
use std::time::Duration;

use crate::clock::Stopwatch;
use crate::descriptor::{Descriptor, UNNAMED};
use crate::encoding::HistogramView;
use crate::exemplar::ExemplarSlot;
use crate::metric::bucket::BucketCell;
use crate::metric::buckets::{self, BucketsError, DEFAULT_BUCKETS, MAX_BUCKETS};
#[cfg(feature = "protobuf")]
use crate::metric::exponential::{ExponentialBuckets, DEFAULT_ZERO_THRESHOLD};

/// Where a histogram keeps its buckets: one slot per finite bound, then one for `+Inf`,
/// each with its count and sum. Counts are not cumulative, so an observation touches a
/// single slot.
pub trait BucketCounts: Send + Sync + sealed::Sealed {
    /// The slots.
    fn slots(&self) -> &[BucketCell];
}

mod sealed {
    pub trait Sealed {}
    impl<const N: usize> Sealed for super::InlineCounts<N> {}
    impl Sealed for super::BoxedCounts {}
}

/// Counts stored inside the histogram itself, so a `static` needs no allocation. `N` slots
/// hold up to `N - 1` bounds; user-declared histograms take the maximum.
#[derive(Debug)]
pub struct InlineCounts<const N: usize = { MAX_BUCKETS + 1 }>([BucketCell; N]);

impl<const N: usize> BucketCounts for InlineCounts<N> {
    #[inline]
    fn slots(&self) -> &[BucketCell] {
        &self.0
    }
}

/// Counts sized to the bounds, for the series of a labelled family.
#[derive(Debug)]
pub struct BoxedCounts(Box<[BucketCell]>);

impl BucketCounts for BoxedCounts {
    #[inline]
    fn slots(&self) -> &[BucketCell] {
        &self.0
    }
}

/// A histogram. `Histogram` alone is the unlabelled kind that lives in a `static`; the
/// series of a labelled family are `Histogram<BoxedCounts>`.
///
/// `_count` is the sum of the bucket slots rather than a counter of its own, so `+Inf`
/// always equals `_count`, even in a scrape that races an observation; `_sum` is likewise
/// the sum of the buckets' sums, each bucket's count and sum changing together.
///
/// ```
/// use tallymark_core::Histogram;
///
/// static LATENCY: Histogram = Histogram::with_buckets(&[0.1, 0.5, 1.0]);
/// LATENCY.observe(0.3);
/// LATENCY.observe(2.0);
/// assert_eq!(LATENCY.count(), 2);
/// assert_eq!(LATENCY.sum(), 2.3);
/// ```
#[derive(Debug)]
pub struct Histogram<C: BucketCounts = InlineCounts> {
    bounds: &'static [f64],
    counts: C,
    // One per slot, allocated by the first exemplar: histograms that never see one pay a
    // pointer, and `observe()` never looks here.
    exemplars: OnceLock<Box<[ExemplarSlot]>>,
    desc: &'static Descriptor,
    // Native buckets beside the classic ones, for protobuf scrapes; without the feature no
    // format could carry them, so the field, and its test in `observe()`, are not there.
    #[cfg(feature = "protobuf")]
    native: Option<ExponentialBuckets>,
}

impl Histogram {
    /// A histogram with the Prometheus default buckets (0.005 … 10).
    pub const fn new() -> Self {
        Self::with_buckets(&DEFAULT_BUCKETS)
    }

    /// A histogram with the given bounds, which must strictly ascend and hold no NaN; a
    /// trailing `+Inf` is allowed. Meant for `static` initialisers, where bad bounds are a
    /// compile error; use [`Histogram::try_with_buckets`] for bounds known only at run time.
    ///
    /// # Panics
    /// When the bounds break the rules above.
    pub const fn with_buckets(bounds: &'static [f64]) -> Self {
        Histogram::inline(bounds)
    }

    /// Like [`Histogram::with_buckets`], reporting bad bounds as an error.
    pub fn try_with_buckets(bounds: &'static [f64]) -> Result<Self, BucketsError> {
        buckets::validate(bounds)?;
        Ok(Self::with_buckets(bounds))
    }

    /// Attaches the family's descriptor, taking its buckets when it has any;
    /// `#[tallymark::metric]` calls this.
    pub const fn described(mut self, desc: &'static Descriptor) -> Self {
        if !desc.buckets().is_empty() {
            self.bounds = buckets::checked(desc.buckets());
        }
        self.desc = desc;
        self
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

impl<const N: usize> Histogram<InlineCounts<N>> {
    /// A histogram whose storage is sized for `N - 1` bounds.
    ///
    /// # Panics
    /// When `bounds` are invalid or too many for `N`; in a `static`, a compile error.
    pub(crate) const fn inline(bounds: &'static [f64]) -> Self {
        let bounds = buckets::checked(bounds);
        if bounds.len() >= N {
            panic!("more histogram bounds than slots");
        }
        Histogram {
            bounds,
            counts: InlineCounts([const { BucketCell::new() }; N]),
            exemplars: OnceLock::new(),
            desc: &UNNAMED,
            #[cfg(feature = "protobuf")]
            native: None,
        }
    }

    /// Also keeps native buckets of `schema` (see [`NativeHistogram`]), with
    /// client_golang's zero threshold; call it before the first observation. A protobuf
    /// scrape then carries both kinds in one histogram, sharing `_count` and `_sum`; the
    /// text formats still show the classic buckets alone. The `#[timed]` family keeps
    /// them this way; the series of a `HistogramFamily` keep classic buckets only.
    ///
    /// With `with_native(DEFAULT_SCHEMA)`, each power of two is cut into 8 buckets.
    ///
    /// ```
    /// use tallymark_core::metric::DEFAULT_SCHEMA;
    /// use tallymark_core::Histogram;
    ///
    /// static LATENCY: Histogram = Histogram::with_buckets(&[0.1, 1.0]).with_native(DEFAULT_SCHEMA);
    /// LATENCY.observe(0.25);
    /// assert_eq!(LATENCY.count(), 1);
    /// ```
    ///
    /// # Panics
    /// When `schema` is outside `-4..=8`; in a `static`, a compile error.
    ///
    /// [`NativeHistogram`]: crate::NativeHistogram
    #[cfg(feature = "protobuf")]
    pub const fn with_native(mut self, schema: i8) -> Self {
        // Assigning would drop the old value, which a `const fn` cannot; the one replaced
        // here is `None`, so forgetting it loses nothing.
        if let Some(native) = &mut self.native {
            native.set_schema(schema);
        } else {
            let none = self
                .native
                .replace(ExponentialBuckets::new(schema, DEFAULT_ZERO_THRESHOLD));
            std::mem::forget(none);
        }
        self
    }
}

impl Histogram<BoxedCounts> {
    /// A family series: counts sized to `bounds`, which the family has validated.
    pub(crate) fn series(bounds: &'static [f64], desc: &'static Descriptor) -> Self {
        let slots = (0..=bounds.len()).map(|_| BucketCell::new()).collect();
        Histogram {
            bounds,
            counts: BoxedCounts(slots),
            exemplars: OnceLock::new(),
            desc,
            #[cfg(feature = "protobuf")]
            native: None,
        }
    }
}

impl<C: BucketCounts> Histogram<C> {
    /// Records one observation. NaN lands in `+Inf`, as in client_golang, and adds nothing
    /// to `_sum`.
    #[inline]
    pub fn observe(&self, v: f64) {
        self.record(v);
    }

    /// Records `v` and returns the slot it landed in.
    #[inline(always)]
    fn record(&self, v: f64) -> usize {
        let slot = bucket_of(self.bounds, v);
        // There is always a slot per bound plus `+Inf`; `get` spares the panic path. NaN is
        // counted but adds nothing to `_sum`, which it would make NaN for good.
        let Some(cell) = self.counts.slots().get(slot) else {
            return slot;
        };
        let v_for_sum = if v.is_nan() { 0.0 } else { v };
        #[cfg(feature = "protobuf")]
        if let Some(native) = &self.native {
            // Native first, then the classic count that publishes it: a scrape reads the
            // classic buckets first, so its native buckets hold at least what they count,
            // and `_count`, taken from the native ones, is never below a classic bucket.
            native.increment(v);
            cell.observe_release(v_for_sum);
            return slot;
        }
        cell.observe(v_for_sum);
        slot
    }

    /// Records `v` and keeps `labels` (typically a trace id) as the exemplar of the bucket
    /// it lands in. OpenMetrics and protobuf scrapes write each bucket's latest exemplar;
    /// labels over 128 code points are dropped and counted, never written.
    ///
    /// ```
    /// use tallymark_core::Histogram;
    ///
    /// static LATENCY: Histogram = Histogram::with_buckets(&[0.1, 1.0]);
    /// LATENCY.observe_with_exemplar(0.05, &[("trace_id", "4bf92f3577b34da6")]);
    /// assert_eq!(LATENCY.count(), 1);
    /// ```
    pub fn observe_with_exemplar(&self, v: f64, labels: &[(&str, &str)]) {
        let slot = self.record(v);
        // One per bucket: an unlabelled histogram's inline storage has room for more.
        let slots = self.exemplars.get_or_init(|| {
            (0..=self.bounds.len())
                .map(|_| ExemplarSlot::new())
                .collect()
        });
        if let Some(exemplar) = slots.get(slot) {
            exemplar.record(labels, v);
        }
    }

    /// Each bucket's exemplar slot, in bucket order; empty until the first exemplar.
    pub fn exemplars(&self) -> &[ExemplarSlot] {
        self.exemplars.get().map_or(&[], |e| e)
    }

    /// Records a duration in seconds.
    #[inline]
    pub fn observe_duration(&self, d: Duration) {
        self.observe(d.as_secs_f64());
    }

    /// Starts a timer that records the elapsed seconds when dropped.
    ///
    /// ```
    /// use tallymark_core::Histogram;
    ///
    /// static WORK_SECONDS: Histogram = Histogram::new();
    /// {
    ///     let _timer = WORK_SECONDS.start_timer();
    ///     // ... the work ...
    /// }
    /// assert_eq!(WORK_SECONDS.count(), 1);
    /// ```
    pub fn start_timer(&self) -> HistogramTimer<'_, C> {
        HistogramTimer {
            histogram: self,
            start: Stopwatch::start(),
            armed: true,
        }
    }

    /// How many observations were recorded.
    pub fn count(&self) -> u64 {
        self.slots().iter().map(BucketCell::count).sum()
    }

    /// The sum of all observations.
    pub fn sum(&self) -> f64 {
        // Added from +0.0 in bucket order, as an encoder's snapshot adds them.
        self.slots().iter().fold(0.0, |sum, c| sum + c.get().1)
    }

    /// The finite upper bounds, ascending.
    pub fn bounds(&self) -> &'static [f64] {
        self.bounds
    }

    /// The native buckets kept beside the classic ones, if any.
    #[cfg(feature = "protobuf")]
    pub(crate) fn native_buckets(&self) -> Option<&ExponentialBuckets> {
        self.native.as_ref()
    }

    /// The native buckets kept beside the classic ones (see
    /// [`with_native`](Histogram::with_native)), with this histogram's sum; `None` for a
    /// histogram without them.
    ///
    /// ```
    /// use tallymark_core::Histogram;
    ///
    /// static LATENCY: Histogram = Histogram::with_buckets(&[1.0]).with_native(0);
    /// LATENCY.observe(1.5);
    /// // With schema 0, bucket 1 holds (1, 2].
    /// assert_eq!(LATENCY.native_view().unwrap().buckets(true), [(1, 1)]);
    /// ```
    #[cfg(feature = "protobuf")]
    pub fn native_view(&self) -> Option<crate::encoding::NativeView<'_>> {
        self.native.as_ref()?;
        Some(crate::encoding::NativeView::new(self))
    }

    /// The non-cumulative count and sum per bucket, the last being `+Inf`.
    pub(crate) fn slots(&self) -> &[BucketCell] {
        let slots = self.counts.slots();
        slots.get(..=self.bounds.len()).unwrap_or(slots)
    }

    /// A snapshot for an encoder, its counts written into `counts`: each bucket is read
    /// once, and `_sum` is the sum of the buckets' sums as read. Native buckets read after
    /// it hold every observation it counted.
    pub(crate) fn view<'a>(&'a self, counts: &'a mut [u64; MAX_BUCKETS + 1]) -> HistogramView<'a> {
        let mut sum = 0.0;
        let mut len = 0;
        for (count, cell) in counts.iter_mut().zip(self.slots()) {
            let (n, s) = cell.get_acquire();
            *count = n;
            sum += s;
            len += 1;
        }
        HistogramView {
            bounds: self.bounds,
            counts: &counts[..len],
            sum,
        }
    }

    pub(crate) fn reset(&self) {
        self.counts.slots().iter().for_each(BucketCell::reset);
        self.exemplars().iter().for_each(ExemplarSlot::clear);
        #[cfg(feature = "protobuf")]
        if let Some(native) = &self.native {
            native.reset();
        }
    }

    pub(crate) const fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }
}

/// What [`Histogram::native_view`] reads; only made for a histogram with native buckets.
#[cfg(feature = "protobuf")]
impl<C: BucketCounts> crate::encoding::views::NativeBuckets for Histogram<C> {
    fn schema(&self) -> i32 {
        self.native.as_ref().map_or(0, |n| i32::from(n.schema()))
    }

    fn zero_threshold(&self) -> f64 {
        self.native
            .as_ref()
            .map_or(0.0, ExponentialBuckets::zero_threshold)
    }

    fn zero_count(&self) -> u64 {
        self.native
            .as_ref()
            .map_or(0, ExponentialBuckets::zero_count)
    }

    fn sum(&self) -> f64 {
        Histogram::sum(self)
    }

    fn for_each_bucket(&self, positive: bool, f: &mut dyn FnMut(i32, u64)) {
        if let Some(native) = &self.native {
            native.for_each_bucket(positive, f);
        }
    }
}

/// Up to this many bounds, the bucket is found by counting the bounds below the value
/// rather than by binary search.
const LINEAR_SEARCH_MAX: usize = 32;

/// The slot of `v`: the position of the first bound that is >= `v`, or `bounds.len()`
/// (`+Inf`). NaN lands in `+Inf`, as in client_golang.
///
/// Observed values are as good as random, so a search that branches on them mispredicts
/// about every other step. For the bucket counts people use, counting every bound below
/// `v` has no data-dependent branch at all and compiles to a few vector compares.
#[inline(always)]
// The negated `<=` is the point: NaN compares false to every bound, so it counts past all
// of them without a branch of its own.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
pub(crate) fn bucket_of(bounds: &[f64], v: f64) -> usize {
    if bounds.len() <= LINEAR_SEARCH_MAX {
        bounds.iter().map(|b| usize::from(!(v <= *b))).sum()
    } else {
        bounds.partition_point(|b| !(v <= *b))
    }
}

/// Records the time since [`Histogram::start_timer`] when dropped.
#[must_use = "the timer records when dropped; binding it to `_` drops it at once"]
#[derive(Debug)]
pub struct HistogramTimer<'a, C: BucketCounts> {
    histogram: &'a Histogram<C>,
    start: Stopwatch,
    armed: bool,
}

impl<C: BucketCounts> HistogramTimer<'_, C> {
    /// Records now and returns the elapsed seconds.
    pub fn observe_duration(mut self) -> f64 {
        self.armed = false;
        let secs = self.start.elapsed_secs();
        self.histogram.observe(secs);
        secs
    }

    /// Drops the timer without recording.
    pub fn discard(mut self) {
        self.armed = false;
    }
}

impl<C: BucketCounts> Drop for HistogramTimer<'_, C> {
    fn drop(&mut self) {
        if self.armed {
            self.histogram.observe(self.start.elapsed_secs());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::bucket_of;

    /// Counting the bounds below a value must land where a binary search lands, at every
    /// bound, between bounds, past them, and for NaN and the infinities.
    #[test]
    fn counting_bounds_agrees_with_binary_search() {
        let bounds: Vec<f64> = (0..80).map(|i| f64::from(i) * 0.5 - 3.0).collect();
        for len in [0, 1, 2, 11, 32, 33, 80] {
            let bounds = &bounds[..len];
            let probes = bounds.iter().flat_map(|&b| [b, b - 0.25, b + 0.25]).chain([
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                -0.0,
                1e300,
            ]);
            for v in probes {
                #[allow(clippy::neg_cmp_op_on_partial_ord)]
                let want = bounds.partition_point(|b| !(v <= *b));
                assert_eq!(bucket_of(bounds, v), want, "{v} among {len} bounds");
            }
        }
    }

    /// Classic and native buckets of one histogram, by hand: bounds 0.1 and 1; schema 0,
    /// whose bucket `i` is `(2^(i-1), 2^i]`.
    #[cfg(feature = "protobuf")]
    #[test]
    fn a_histogram_with_native_buckets_counts_each_observation_in_both() {
        let histogram = super::Histogram::with_buckets(&[0.1, 1.0]).with_native(0);
        for v in [0.0625, 0.25, 0.375, 1.0, 1.0, 3.0, -2.0, 0.0, f64::NAN] {
            histogram.observe(v);
        }
        let mut counts = [0; super::MAX_BUCKETS + 1];
        let view = histogram.view(&mut counts);
        // 0.0625, -2 and 0 are at most 0.1; 0.25, 0.375 and both 1s at most 1; 3 and NaN
        // only in `+Inf`, NaN adding nothing to the sum.
        assert_eq!(view.counts, [3, 4, 2]);
        assert_eq!(view.sum, 3.6875);
        assert_eq!((histogram.count(), histogram.sum()), (9, 3.6875));

        let native = histogram.native_view().unwrap();
        assert_eq!((native.schema(), native.zero_count()), (0, 2));
        // 2^-4 closes bucket -4, 2^-2 bucket -2; 0.375 is in (2^-2, 2^-1], 1 closes 0,
        // 3 is in (2, 4]; the magnitude 2 of -2 closes negative bucket 1.
        assert_eq!(
            native.buckets(true),
            [(-4, 1), (-2, 1), (-1, 1), (0, 2), (2, 1)]
        );
        assert_eq!(native.buckets(false), [(1, 1)]);
        assert_eq!((native.count(), native.sum()), (9, 3.6875));
        assert!(super::Histogram::new().native_view().is_none());
    }

    /// The native side of a histogram files every value where a [`NativeHistogram`] of
    /// the same schema does, infinities and NaN included, and a reset empties both sides.
    ///
    /// [`NativeHistogram`]: crate::NativeHistogram
    #[cfg(feature = "protobuf")]
    #[test]
    fn native_buckets_beside_classic_ones_match_a_native_histogram() {
        let values = [
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -0.0,
            1e-300,
            f64::MAX,
            -f64::MAX,
            f64::from_bits(1),
            0.001,
            7.5,
            -0.3,
        ];
        let dual = super::Histogram::new().with_native(crate::metric::DEFAULT_SCHEMA);
        let native = crate::NativeHistogram::new();
        for v in values {
            dual.observe(v);
            native.observe(v);
        }
        let side = dual.native_view().unwrap();
        let want = native.view();
        assert_eq!(side.zero_count(), want.zero_count());
        assert_eq!(side.buckets(true), want.buckets(true));
        assert_eq!(side.buckets(false), want.buckets(false));
        assert_eq!((side.count(), dual.count()), (11, 11));

        dual.reset();
        assert_eq!((side.count(), dual.count()), (0, 0));
        assert_eq!(side.buckets(true), []);
    }
}
