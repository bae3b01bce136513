//! One histogram bucket: its count and the sum of what landed in it, side by side in one
//! 128-bit atomic.
//!
//! An observation must add one to a count and its value to a sum. As two atomics that is
//! two locked instructions, and on the machines we measure each costs as much as a whole
//! counter increment; the pair was most of `observe()`. Kept together, they change in one
//! compare-and-swap, and the histogram's sum is the sum of its buckets' sums.

#[cfg(feature = "protobuf")]
use std::sync::atomic::Ordering::Release;
use std::sync::atomic::Ordering::{self, Acquire, Relaxed};

use portable_atomic::AtomicU128;

/// A bucket's count (high 64 bits) and sum (low 64 bits, f64 bits).
#[derive(Debug)]
pub struct BucketCell(AtomicU128);

impl BucketCell {
    /// An empty bucket.
    pub const fn new() -> Self {
        BucketCell(AtomicU128::new(0))
    }

    /// Counts one observation of `v`.
    #[inline]
    pub(crate) fn observe(&self, v: f64) {
        self.add(v, Relaxed);
    }

    /// Counts one observation of `v` and publishes what this thread wrote before it: a
    /// reader that sees the new count through [`BucketCell::get_acquire`] sees those
    /// writes too. A histogram with native buckets counts there first, so a scrape never
    /// finds an observation in its classic buckets that its native buckets lack.
    #[cfg(feature = "protobuf")]
    #[inline]
    pub(crate) fn observe_release(&self, v: f64) {
        self.add(v, Release);
    }

    /// The compare-and-swap loop of both; `success` is a constant at each caller, so each
    /// compiles to its own loop with its own ordering.
    #[inline(always)]
    fn add(&self, v: f64, success: Ordering) {
        let mut current = self.0.load(Relaxed);
        loop {
            let (count, sum) = split(current);
            let next = join(count.wrapping_add(1), sum + v);
            match self
                .0
                .compare_exchange_weak(current, next, success, Relaxed)
            {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// The count and the sum, read together.
    #[inline]
    pub fn get(&self) -> (u64, f64) {
        split(self.0.load(Relaxed))
    }

    /// Like [`BucketCell::get`], also seeing what [`BucketCell::observe_release`]
    /// published.
    #[inline]
    pub(crate) fn get_acquire(&self) -> (u64, f64) {
        split(self.0.load(Acquire))
    }

    /// How many observations landed here.
    #[inline]
    pub fn count(&self) -> u64 {
        self.get().0
    }

    pub(crate) fn reset(&self) {
        self.0.store(0, Relaxed);
    }
}

impl Default for BucketCell {
    fn default() -> Self {
        BucketCell::new()
    }
}

#[inline(always)]
fn split(cell: u128) -> (u64, f64) {
    ((cell >> 64) as u64, f64::from_bits(cell as u64))
}

#[inline(always)]
fn join(count: u64, sum: f64) -> u128 {
    (u128::from(count) << 64) | u128::from(sum.to_bits())
}

#[cfg(test)]
mod tests {
    use super::BucketCell;

    #[test]
    fn a_cell_counts_and_sums_together() {
        let cell = BucketCell::new();
        assert_eq!(cell.get(), (0, 0.0));
        cell.observe(0.25);
        cell.observe(-1.5);
        assert_eq!(cell.get(), (2, -1.25));
        cell.reset();
        assert_eq!(cell.get(), (0, 0.0));
    }

    #[test]
    fn concurrent_observations_are_all_kept() {
        let cell = BucketCell::new();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| (0..10_000).for_each(|_| cell.observe(0.5)));
            }
        });
        assert_eq!(cell.get(), (40_000, 20_000.0));
    }
}
