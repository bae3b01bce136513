//! A monotonically increasing total.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::descriptor::{Descriptor, UNNAMED};
use crate::exemplar::ExemplarSlot;
use crate::metric::atomic_f64::add_f64;

/// A counter: the whole-number part lives in its own atomic so `inc()` is one
/// `fetch_add`, and fractional increments go to a second, f64-valued atomic.
///
/// ```
/// use tallymark_core::Counter;
///
/// static JOBS: Counter = Counter::new();
/// JOBS.inc();
/// JOBS.inc_by(2);
/// JOBS.inc_by_f64(0.5);
/// assert_eq!(JOBS.get(), 3.5);
/// ```
#[derive(Debug)]
pub struct Counter {
    whole: AtomicU64,
    fraction: AtomicU64,
    // Beside the atomics rather than in them: `inc()` never touches it.
    exemplar: ExemplarSlot,
    desc: &'static Descriptor,
}

impl Counter {
    /// A counter at zero, usable in a `static`.
    pub const fn new() -> Self {
        Counter {
            whole: AtomicU64::new(0),
            fraction: AtomicU64::new(0),
            exemplar: ExemplarSlot::new(),
            desc: &UNNAMED,
        }
    }

    /// Attaches the family's descriptor; `#[tallymark::metric]` calls this.
    pub const fn described(mut self, desc: &'static Descriptor) -> Self {
        self.desc = desc;
        self
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.inc_by(1);
    }

    /// Adds a whole number. The total stops at `u64::MAX` rather than wrap to a small
    /// number, which every `rate()` would read as a reset.
    #[inline]
    pub fn inc_by(&self, n: u64) {
        // Add first and repair after: a load before the add would fetch the cache line
        // shared and then again to write it, which doubles the cost of a counter two
        // threads increment. Only at the limit can a reader see the wrapped total, for the
        // moment between the add and the repair.
        let before = self.whole.fetch_add(n, Relaxed);
        if before.checked_add(n).is_none() {
            self.whole.store(u64::MAX, Relaxed);
        }
    }

    /// Adds a fractional amount. Negative and NaN amounts are ignored, because a counter
    /// that goes down reads as a reset to every `rate()`.
    #[inline]
    pub fn inc_by_f64(&self, v: f64) {
        if v > 0.0 {
            add_f64(&self.fraction, v);
        }
    }

    /// Adds one and keeps `labels` (typically a trace id) as the exemplar of this
    /// increment. OpenMetrics and protobuf scrapes write the latest exemplar; labels over
    /// 128 code points are dropped and counted, never written.
    ///
    /// ```
    /// use tallymark_core::Counter;
    ///
    /// static ORDERS: Counter = Counter::new();
    /// ORDERS.inc_with_exemplar(&[("trace_id", "4bf92f3577b34da6")]);
    /// assert_eq!(ORDERS.get(), 1.0);
    /// ```
    pub fn inc_with_exemplar(&self, labels: &[(&str, &str)]) {
        self.inc_by_with_exemplar(1, labels);
    }

    /// Adds `n` and keeps `labels` as the exemplar, with `n` as its value.
    pub fn inc_by_with_exemplar(&self, n: u64, labels: &[(&str, &str)]) {
        self.inc_by(n);
        self.exemplar.record(labels, n as f64);
    }

    /// The slot holding the latest exemplar.
    pub fn exemplar(&self) -> &ExemplarSlot {
        &self.exemplar
    }

    /// The current total.
    pub fn get(&self) -> f64 {
        self.whole.load(Relaxed) as f64 + f64::from_bits(self.fraction.load(Relaxed))
    }

    /// The whole-number part of the total: exact, where [`Counter::get`] rounds past 2^53.
    pub fn count(&self) -> u64 {
        self.whole.load(Relaxed)
    }

    /// The current total as written out: exact as an integer while no fractional amount
    /// was added.
    pub(crate) fn value(&self) -> crate::encoding::Value {
        let whole = self.whole.load(Relaxed);
        let fraction = f64::from_bits(self.fraction.load(Relaxed));
        if fraction == 0.0 {
            crate::encoding::Value::Unsigned(whole)
        } else {
            crate::encoding::Value::Float(whole as f64 + fraction)
        }
    }

    pub(crate) fn reset(&self) {
        self.whole.store(0, Relaxed);
        self.fraction.store(0, Relaxed);
        self.exemplar.clear();
    }

    pub(crate) const fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }
}

impl Default for Counter {
    fn default() -> Self {
        Counter::new()
    }
}
