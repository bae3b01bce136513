//! Inputs generated before timing starts and read through a wrapping index, so that an
//! iteration costs one load and the optimiser cannot fold the input into a constant.

use std::hint::black_box;

/// How many inputs a ring holds: a power of two, so wrapping is a mask, and small enough
/// that the ring stays in L1 alongside what is being measured.
pub const RING_LEN: usize = 1024;

/// A fixed sequence of inputs, read in a loop.
#[derive(Clone, Debug)]
pub struct Ring<T> {
    items: Box<[T]>,
    at: usize,
}

impl<T: Copy> Ring<T> {
    /// `RING_LEN` inputs from `make`, fed a deterministic pseudo-random stream so that every
    /// run and every library sees the same inputs.
    pub fn new(mut make: impl FnMut(&mut Rng) -> T) -> Self {
        let mut rng = Rng::new(0x5eed_1234_abcd_0001);
        Ring {
            items: (0..RING_LEN).map(|_| make(&mut rng)).collect(),
            at: 0,
        }
    }

    /// The next input. The index passes through `black_box` so the compiler can neither
    /// predict it nor hoist the load out of the benchmark loop.
    #[inline(always)]
    pub fn pull(&mut self) -> T {
        let i = black_box(self.at) & (RING_LEN - 1);
        self.at = self.at.wrapping_add(1);
        self.items[i]
    }

    /// The same inputs, read from position `at` on: two threads reading one ring from
    /// different places do not touch the same series in lockstep.
    pub fn starting_at(mut self, at: usize) -> Self {
        self.at = at;
        self
    }

    /// Every input, in order.
    pub fn items(&self) -> &[T] {
        &self.items
    }
}

/// xorshift64*: enough randomness to defeat branch prediction, with no dependency.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Histogram observations: spread over the default buckets (0.005 … 10) and past them, in
/// eighths of a millisecond so that every library's float sum is exact and comparable.
pub fn observations() -> Ring<f64> {
    Ring::new(|rng| {
        let magnitude = 1 << (4 + rng.below(14));
        let eighths_of_ms = 1 + rng.below(magnitude);
        eighths_of_ms as f64 / 8000.0
    })
}

/// Gauge values: whole numbers, as a queue depth or a connection count would be.
pub fn gauge_values() -> Ring<f64> {
    Ring::new(|rng| rng.below(10_000) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_wraps_and_repeats_exactly() {
        let mut ring = observations();
        let first: Vec<f64> = (0..RING_LEN).map(|_| ring.pull()).collect();
        let second: Vec<f64> = (0..RING_LEN).map(|_| ring.pull()).collect();
        assert_eq!(first, second);
        assert_eq!(first, ring.items());
    }

    #[test]
    fn observations_reach_every_default_bucket_and_beyond() {
        let ring = observations();
        let bounds = [
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ];
        let mut hit = [false; 12];
        for &v in ring.items() {
            hit[bounds.partition_point(|&b| b < v)] = true;
        }
        assert!(hit.iter().all(|&h| h), "{hit:?}");
    }
}
