//! What a series hands a sink beyond its labels and value: a classic histogram's counts,
//! a summary's quantiles, a native histogram's buckets. Storage builds them; encoders read
//! them, so neither side names the other's types.

use std::fmt;

/// One classic histogram series at scrape time: a snapshot, read once from the atomics.
#[derive(Clone, Copy, Debug)]
pub struct HistogramView<'a> {
    /// Finite upper bounds, ascending.
    pub bounds: &'a [f64],
    /// Non-cumulative counts, one per bound and a last one for `+Inf`.
    pub counts: &'a [u64],
    /// The sum of observations.
    pub sum: f64,
}

impl HistogramView<'_> {
    /// Visits `(upper bound, cumulative count)` for each finite bound, then returns the
    /// total, which is both the `+Inf` bucket and `_count`.
    pub fn for_each_bucket(&self, mut f: impl FnMut(f64, u64)) -> u64 {
        let mut cumulative = 0u64;
        for (i, count) in self.counts.iter().enumerate() {
            cumulative = cumulative.wrapping_add(*count);
            if let Some(&bound) = self.bounds.get(i) {
                f(bound, cumulative);
            }
        }
        cumulative
    }
}

/// A summary's values at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct SummarySnapshot {
    /// `(quantile, value)` pairs in ascending quantile order; values are NaN when the
    /// window is empty.
    pub quantiles: Vec<(f64, f64)>,
    /// The sum of every observation.
    pub sum: f64,
    /// How many observations there were.
    pub count: u64,
}

/// What a native histogram's storage answers at scrape time; the view reads it lazily, so
/// a format that writes only the count and sum never collects the buckets.
pub(crate) trait NativeBuckets {
    fn schema(&self) -> i32;
    fn zero_threshold(&self) -> f64;
    fn zero_count(&self) -> u64;
    fn sum(&self) -> f64;
    /// Visits the non-empty buckets of one sign as `(index, count)`, ascending by index.
    fn for_each_bucket(&self, positive: bool, f: &mut dyn FnMut(i32, u64));
}

/// A native histogram at scrape time.
#[derive(Clone, Copy)]
pub struct NativeView<'a> {
    storage: &'a dyn NativeBuckets,
}

impl<'a> NativeView<'a> {
    pub(crate) fn new(storage: &'a dyn NativeBuckets) -> Self {
        NativeView { storage }
    }

    /// The bucket schema.
    pub fn schema(&self) -> i32 {
        self.storage.schema()
    }

    /// The zero bucket's half-width.
    pub fn zero_threshold(&self) -> f64 {
        self.storage.zero_threshold()
    }

    /// Observations in the zero bucket.
    pub fn zero_count(&self) -> u64 {
        self.storage.zero_count()
    }

    /// The sum of all observations.
    pub fn sum(&self) -> f64 {
        self.storage.sum()
    }

    /// Every observation: the zero bucket plus all others. Derived from the buckets, so it
    /// always equals their total.
    pub fn count(&self) -> u64 {
        let mut total = self.zero_count();
        for positive in [true, false] {
            self.storage
                .for_each_bucket(positive, &mut |_, n| total = total.wrapping_add(n));
        }
        total
    }

    /// Visits the non-empty buckets of one sign as [`buckets`](NativeView::buckets) lists
    /// them, without collecting them.
    pub(crate) fn for_each_bucket(&self, positive: bool, f: &mut dyn FnMut(i32, u64)) {
        self.storage.for_each_bucket(positive, f);
    }

    /// The non-empty buckets of one sign as `(index, count)`, ascending by index; for the
    /// negative side, index `i` holds `[-base^i, -base^(i-1))`.
    pub fn buckets(&self, positive: bool) -> Vec<(i32, u64)> {
        let mut out = Vec::new();
        self.storage
            .for_each_bucket(positive, &mut |index, n| out.push((index, n)));
        out
    }
}

impl fmt::Debug for NativeView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NativeView")
            .field("schema", &self.schema())
            .field("zero_threshold", &self.zero_threshold())
            .field("zero_count", &self.zero_count())
            .field("sum", &self.sum())
            .finish_non_exhaustive()
    }
}
