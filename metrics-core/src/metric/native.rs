//! Native histograms: exponential buckets that need no bounds up front, as Prometheus
//! ingests them from protobuf scrapes.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::descriptor::{Descriptor, UNNAMED};
use crate::encoding::views::NativeBuckets;
use crate::encoding::NativeView;
use crate::metric::atomic_f64::add_f64;
use crate::metric::exponential::{ExponentialBuckets, DEFAULT_SCHEMA, DEFAULT_ZERO_THRESHOLD};

/// A native histogram: bucket `i` holds observations in `(base^(i-1), base^i]`, where
/// `base = 2^(2^-schema)`. Buckets come into being as observations reach them, so no
/// bounds are declared, and Prometheus can merge native histograms of different series.
///
/// Only protobuf carries native buckets. The text formats, which cannot, expose the series
/// as a histogram with only the `+Inf` bucket, `_sum` and `_count`, as client_golang does
/// for a histogram without classic buckets: valid, and enough for averages and rates.
///
/// Observations whose magnitude is at most the zero threshold, and NaN, go to the zero
/// bucket; infinities go to the outermost bucket of their sign. There is no limit on the
/// number of buckets, and resolution is never reduced.
///
/// ```
/// use tallymark_core::NativeHistogram;
///
/// static RESPONSE_SECONDS: NativeHistogram = NativeHistogram::new();
/// RESPONSE_SECONDS.observe(0.25);
/// RESPONSE_SECONDS.observe(0.3);
/// assert_eq!(RESPONSE_SECONDS.count(), 2);
/// // With schema 3, 0.25 = 2^-2 closes bucket -16, and 0.3 falls in (2^-1.75, 2^-1.625].
/// assert_eq!(RESPONSE_SECONDS.view().buckets(true), [(-16, 1), (-13, 1)]);
/// ```
pub struct NativeHistogram {
    buckets: ExponentialBuckets,
    sum: AtomicU64,
    desc: &'static Descriptor,
}

impl NativeHistogram {
    /// A native histogram with schema 3 and client_golang's zero threshold, usable in a
    /// `static`.
    pub const fn new() -> Self {
        NativeHistogram {
            buckets: ExponentialBuckets::new(DEFAULT_SCHEMA, DEFAULT_ZERO_THRESHOLD),
            sum: AtomicU64::new(0),
            desc: &UNNAMED,
        }
    }

    /// Uses `schema`, from -4 (each bucket 2^16 times wider than the last) to 8 (each
    /// 0.27% wider). Higher schemas resolve finer and use more buckets.
    ///
    /// # Panics
    /// When `schema` is outside `-4..=8`; in a `static`, a compile error.
    pub const fn with_schema(mut self, schema: i8) -> Self {
        self.buckets.set_schema(schema);
        self
    }

    /// Uses `threshold` as the zero bucket's half-width. Zero is allowed, but then an
    /// empty histogram reads as a classic one to Prometheus 2.x until its first observation.
    ///
    /// # Panics
    /// When `threshold` is negative or not finite; in a `static`, a compile error.
    pub const fn with_zero_threshold(mut self, threshold: f64) -> Self {
        self.buckets.set_zero_threshold(threshold);
        self
    }

    /// Attaches the family's descriptor; `#[tallymark::metric]` calls this.
    pub const fn described(mut self, desc: &'static Descriptor) -> Self {
        self.desc = desc;
        self
    }

    /// Records one observation.
    #[inline]
    pub fn observe(&self, v: f64) {
        self.buckets.increment(v);
        // As in a classic histogram, NaN is counted but leaves `_sum` a number.
        if !v.is_nan() {
            add_f64(&self.sum, v);
        }
    }

    /// Records a duration in seconds.
    #[inline]
    pub fn observe_duration(&self, d: std::time::Duration) {
        self.observe(d.as_secs_f64());
    }

    /// How many observations were recorded: the zero bucket and every other bucket.
    pub fn count(&self) -> u64 {
        self.view().count()
    }

    /// The sum of all observations.
    pub fn sum(&self) -> f64 {
        f64::from_bits(self.sum.load(Relaxed))
    }

    /// The histogram as encoders read it.
    pub fn view(&self) -> NativeView<'_> {
        NativeView::new(self)
    }

    pub(crate) fn reset(&self) {
        self.sum.store(0, Relaxed);
        self.buckets.reset();
    }

    pub(crate) const fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }
}

impl Default for NativeHistogram {
    fn default() -> Self {
        NativeHistogram::new()
    }
}

impl fmt::Debug for NativeHistogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NativeHistogram")
            .field("name", &self.desc.name())
            .field("schema", &self.buckets.schema())
            .field("zero_threshold", &self.buckets.zero_threshold())
            .finish_non_exhaustive()
    }
}

impl NativeBuckets for NativeHistogram {
    fn schema(&self) -> i32 {
        i32::from(self.buckets.schema())
    }

    fn zero_threshold(&self) -> f64 {
        self.buckets.zero_threshold()
    }

    fn zero_count(&self) -> u64 {
        self.buckets.zero_count()
    }

    fn sum(&self) -> f64 {
        NativeHistogram::sum(self)
    }

    fn for_each_bucket(&self, positive: bool, f: &mut dyn FnMut(i32, u64)) {
        self.buckets.for_each_bucket(positive, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_zero_positive_and_negative_buckets() {
        let h = NativeHistogram::new().with_schema(0);
        for v in [0.0, 1.0, 1.5, 2.0, -3.0, f64::INFINITY] {
            h.observe(v);
        }
        let view = h.view();
        assert_eq!(view.zero_count(), 1);
        assert_eq!(view.buckets(true), [(0, 1), (1, 2), (1024, 1)]);
        assert_eq!(view.buckets(false), [(2, 1)]);
        assert_eq!(view.count(), 6);
    }
}
