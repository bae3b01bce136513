//! The sparse exponential buckets of a native histogram, shared by [`NativeHistogram`] and
//! by a classic [`Histogram`] that keeps native buckets beside its own.
//!
//! [`NativeHistogram`]: crate::NativeHistogram
//! [`Histogram`]: crate::Histogram

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;

#[cfg(feature = "protobuf")]
use crate::encoding::views::NativeBuckets;

/// The default schema: each power of two is cut into 2^3 = 8 buckets, each about 9%
/// wider than the last, as client_golang's default bucket factor of 1.1 gives.
pub const DEFAULT_SCHEMA: i8 = 3;
/// The default zero threshold, client_golang's 2^-128: observations this close to zero
/// share the zero bucket. Being above zero also marks an empty histogram as native.
pub const DEFAULT_ZERO_THRESHOLD: f64 = 2.938_735_877_055_719e-39;

/// Buckets per lazily allocated chunk: a histogram allocates only the ranges it uses.
const CHUNK: usize = 128;

/// Bucket `i` holds magnitudes in `(base^(i-1), base^i]`, where `base = 2^(2^-schema)`;
/// magnitudes at most the zero threshold, and NaN, go to the zero bucket, and infinities
/// to the outermost bucket of their sign. Counts only: the sum is kept by the owner.
pub(crate) struct ExponentialBuckets {
    schema: i8,
    zero_threshold: f64,
    zero: AtomicU64,
    positive: Sparse,
    negative: Sparse,
}

impl ExponentialBuckets {
    /// Empty buckets.
    ///
    /// # Panics
    /// When `schema` is outside `-4..=8`, or `zero_threshold` negative or not finite; in
    /// a `static`, a compile error.
    pub(crate) const fn new(schema: i8, zero_threshold: f64) -> Self {
        ExponentialBuckets {
            schema: checked_schema(schema),
            zero_threshold: checked_zero_threshold(zero_threshold),
            zero: AtomicU64::new(0),
            positive: Sparse::new(),
            negative: Sparse::new(),
        }
    }

    /// Changes the schema; meant for builders, before the first observation.
    pub(crate) const fn set_schema(&mut self, schema: i8) {
        self.schema = checked_schema(schema);
    }

    /// Changes the zero threshold; meant for builders, before the first observation.
    pub(crate) const fn set_zero_threshold(&mut self, threshold: f64) {
        self.zero_threshold = checked_zero_threshold(threshold);
    }

    pub(crate) const fn schema(&self) -> i8 {
        self.schema
    }

    pub(crate) const fn zero_threshold(&self) -> f64 {
        self.zero_threshold
    }

    /// Counts `v` in its bucket.
    #[inline]
    pub(crate) fn increment(&self, v: f64) {
        if v > self.zero_threshold {
            self.positive.increment(self.schema, self.zero_threshold, v);
        } else if v < -self.zero_threshold {
            self.negative
                .increment(self.schema, self.zero_threshold, -v);
        } else {
            self.zero.fetch_add(1, Relaxed);
        }
    }

    pub(crate) fn zero_count(&self) -> u64 {
        self.zero.load(Relaxed)
    }

    /// Calls `f(index, count)` for each non-empty bucket of one sign, ascending.
    pub(crate) fn for_each_bucket(&self, positive: bool, f: &mut dyn FnMut(i32, u64)) {
        let side = if positive {
            &self.positive
        } else {
            &self.negative
        };
        side.for_each(f);
    }

    pub(crate) fn reset(&self) {
        self.zero.store(0, Relaxed);
        self.positive.reset();
        self.negative.reset();
    }
}

impl fmt::Debug for ExponentialBuckets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExponentialBuckets")
            .field("schema", &self.schema)
            .field("zero_threshold", &self.zero_threshold)
            .finish_non_exhaustive()
    }
}

const fn checked_schema(schema: i8) -> i8 {
    if schema < -4 || schema > 8 {
        panic!("a native histogram schema lies within -4..=8");
    }
    schema
}

const fn checked_zero_threshold(threshold: f64) -> f64 {
    if !(threshold >= 0.0 && threshold < f64::INFINITY) {
        panic!("a native histogram zero threshold is finite and not negative");
    }
    threshold
}

/// Exponential buckets read with a sum kept elsewhere, as encoders see them.
#[cfg(feature = "protobuf")]
pub(crate) struct WithSum<'a> {
    pub(crate) buckets: &'a ExponentialBuckets,
    pub(crate) sum: f64,
}

#[cfg(feature = "protobuf")]
impl NativeBuckets for WithSum<'_> {
    fn schema(&self) -> i32 {
        i32::from(self.buckets.schema)
    }

    fn zero_threshold(&self) -> f64 {
        self.buckets.zero_threshold
    }

    fn zero_count(&self) -> u64 {
        self.buckets.zero_count()
    }

    fn sum(&self) -> f64 {
        self.sum
    }

    fn for_each_bucket(&self, positive: bool, f: &mut dyn FnMut(i32, u64)) {
        self.buckets.for_each_bucket(positive, f);
    }
}

/// The buckets of several histograms added up, for a series that several call sites
/// write: every site keeps the same schema and zero threshold, taken from the first.
#[cfg(feature = "protobuf")]
pub(crate) struct NativeTotals {
    schema: i8,
    zero_threshold: f64,
    zero: u64,
    positive: std::collections::BTreeMap<i32, u64>,
    negative: std::collections::BTreeMap<i32, u64>,
    /// The sum, kept by the owners of the buckets.
    pub(crate) sum: f64,
}

#[cfg(feature = "protobuf")]
impl NativeTotals {
    pub(crate) fn new(first: &ExponentialBuckets) -> Self {
        NativeTotals {
            schema: first.schema,
            zero_threshold: first.zero_threshold,
            zero: 0,
            positive: std::collections::BTreeMap::new(),
            negative: std::collections::BTreeMap::new(),
            sum: 0.0,
        }
    }

    pub(crate) fn add(&mut self, buckets: &ExponentialBuckets) {
        self.zero = self.zero.wrapping_add(buckets.zero_count());
        for (positive, side) in [(true, &mut self.positive), (false, &mut self.negative)] {
            buckets.for_each_bucket(positive, &mut |index, n| {
                let total = side.entry(index).or_default();
                *total = total.wrapping_add(n);
            });
        }
    }
}

#[cfg(feature = "protobuf")]
impl NativeBuckets for NativeTotals {
    fn schema(&self) -> i32 {
        i32::from(self.schema)
    }

    fn zero_threshold(&self) -> f64 {
        self.zero_threshold
    }

    fn zero_count(&self) -> u64 {
        self.zero
    }

    fn sum(&self) -> f64 {
        self.sum
    }

    fn for_each_bucket(&self, positive: bool, f: &mut dyn FnMut(i32, u64)) {
        let side = if positive {
            &self.positive
        } else {
            &self.negative
        };
        side.iter().for_each(|(index, n)| f(*index, *n));
    }
}

/// The buckets of one sign: a table of chunks, each allocated on first use, covering
/// every index a finite magnitude above the zero threshold can reach.
struct Sparse {
    table: OnceLock<Table>,
}

struct Table {
    /// The index of the first slot.
    lowest: i32,
    /// The index of the last slot, where infinities land.
    highest: i32,
    chunks: Box<[OnceLock<Box<[AtomicU64]>>]>,
}

impl Sparse {
    const fn new() -> Self {
        Sparse {
            table: OnceLock::new(),
        }
    }

    #[inline]
    fn increment(&self, schema: i8, zero_threshold: f64, magnitude: f64) {
        let table = self.table.get_or_init(|| {
            let smallest = zero_threshold.max(f64::from_bits(1));
            let (lowest, highest) = (key(smallest, schema), key(f64::MAX, schema));
            let slots = (highest - lowest) as usize + 1;
            Table {
                lowest,
                highest,
                chunks: (0..slots.div_ceil(CHUNK))
                    .map(|_| OnceLock::new())
                    .collect(),
            }
        });
        let index = if magnitude.is_finite() {
            key(magnitude, schema).clamp(table.lowest, table.highest)
        } else {
            table.highest
        };
        let at = (index - table.lowest) as usize;
        let Some(chunk) = table.chunks.get(at / CHUNK) else {
            return;
        };
        let chunk = chunk.get_or_init(|| (0..CHUNK).map(|_| AtomicU64::new(0)).collect());
        if let Some(slot) = chunk.get(at % CHUNK) {
            slot.fetch_add(1, Relaxed);
        }
    }

    /// Calls `f(index, count)` for each non-empty bucket, ascending.
    fn for_each(&self, f: &mut dyn FnMut(i32, u64)) {
        let Some(table) = self.table.get() else {
            return;
        };
        for (c, chunk) in table.chunks.iter().enumerate() {
            let Some(chunk) = chunk.get() else { continue };
            for (i, slot) in chunk.iter().enumerate() {
                let n = slot.load(Relaxed);
                if n > 0 {
                    f(table.lowest + (c * CHUNK + i) as i32, n);
                }
            }
        }
    }

    fn reset(&self) {
        if let Some(table) = self.table.get() {
            for chunk in table.chunks.iter().filter_map(OnceLock::get) {
                chunk.iter().for_each(|slot| slot.store(0, Relaxed));
            }
        }
    }
}

/// The index of the bucket holding `v` (finite, positive): the same arithmetic as
/// client_golang, so boundaries fall where Prometheus expects them.
fn key(v: f64, schema: i8) -> i32 {
    let (frac, exp) = frexp(v);
    if schema > 0 {
        let bounds = bounds(schema);
        // The first bound >= frac; past the last one is the next power's first bucket.
        let i = bounds.partition_point(|b| *b < frac) as i32;
        i + (exp - 1) * bounds.len() as i32
    } else {
        // Exact powers of two close the bucket below.
        let exp = if frac == 0.5 { exp - 1 } else { exp };
        let shift = u32::from(schema.unsigned_abs());
        (exp + (1 << shift) - 1) >> shift
    }
}

/// `v = frac * 2^exp` with `frac` in `[0.5, 1)`, for finite positive `v`.
fn frexp(v: f64) -> (f64, i32) {
    const EXPONENT: u64 = 0x7ff << 52;
    let bits = v.to_bits();
    let biased = ((bits & EXPONENT) >> 52) as i32;
    if biased == 0 {
        // Subnormal: scale into the normal range first.
        let (frac, exp) = frexp(v * f64::from_bits((1023 + 64) << 52));
        return (frac, exp - 64);
    }
    (
        f64::from_bits((bits & !EXPONENT) | (1022 << 52)),
        biased - 1022,
    )
}

/// For schema `s > 0`, the `2^s` bucket bounds within `[0.5, 1)`: `2^(i/2^s - 1)`.
fn bounds(schema: i8) -> &'static [f64] {
    static TABLES: [OnceLock<Box<[f64]>>; 8] = [const { OnceLock::new() }; 8];
    let s = usize::from(schema.unsigned_abs()).clamp(1, 8);
    TABLES[s - 1].get_or_init(|| {
        let n = 1u32 << s;
        (0..n)
            .map(|i| (f64::from(i) / f64::from(n) - 1.0).exp2())
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_splits_into_a_half_open_fraction_and_exponent() {
        assert_eq!(frexp(1.0), (0.5, 1));
        assert_eq!(frexp(0.75), (0.75, 0));
        assert_eq!(frexp(6.0), (0.75, 3));
        assert_eq!(frexp(f64::from_bits(1)), (0.5, -1073));
    }

    #[test]
    fn powers_of_the_base_close_their_bucket() {
        // Schema 0: base 2, bucket i is (2^(i-1), 2^i].
        assert_eq!(key(1.0, 0), 0);
        assert_eq!(key(1.5, 0), 1);
        assert_eq!(key(2.0, 0), 1);
        assert_eq!(key(2.1, 0), 2);
        assert_eq!(key(0.5, 0), -1);
        // Schema -1: base 4.
        assert_eq!(key(4.0, -1), 1);
        assert_eq!(key(4.1, -1), 2);
        assert_eq!(key(1.0, -1), 0);
        // Schema 2: base 2^(1/4); 2 closes bucket 4, and 1.2 falls in (2^(1/4), 2^(2/4)].
        assert_eq!(key(2.0, 2), 4);
        assert_eq!(key(1.2, 2), 2);
        assert_eq!(key(1.0, 2), 0);
    }

    /// Merged call sites: the totals are each bucket's counts added up, the zero bucket's
    /// too, in ascending order on each side; the schema is the sites'.
    #[cfg(feature = "protobuf")]
    #[test]
    fn totals_add_the_buckets_of_several_histograms() {
        let (a, b) = (
            ExponentialBuckets::new(0, 0.0),
            ExponentialBuckets::new(0, 0.0),
        );
        for v in [1.0, 3.0, 0.0, -1.5] {
            a.increment(v);
        }
        for v in [3.5, 0.75, f64::NAN, -1.5] {
            b.increment(v);
        }
        let mut totals = NativeTotals::new(&a);
        totals.add(&a);
        totals.add(&b);
        let buckets = |positive| {
            let mut out = Vec::new();
            totals.for_each_bucket(positive, &mut |i, n| out.push((i, n)));
            out
        };
        // Schema 0: 0.75 is in (2^-1, 1], 1 closes bucket 0, 3 and 3.5 are in (2, 4].
        assert_eq!(buckets(true), [(0, 2), (2, 2)]);
        assert_eq!(buckets(false), [(1, 2)]);
        // 0 and NaN.
        assert_eq!((totals.schema(), totals.zero_count()), (0, 2));
    }
}
