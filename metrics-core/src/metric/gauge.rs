//! Values that go up and down, in f64 and i64 flavours.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use crate::clock::unix_seconds;
use crate::descriptor::{Descriptor, UNNAMED};
use crate::metric::atomic_f64::add_f64;

/// A gauge holding an f64.
///
/// ```
/// use tallymark_core::Gauge;
///
/// static TEMPERATURE: Gauge = Gauge::new();
/// TEMPERATURE.set(20.5);
/// TEMPERATURE.add(1.0);
/// TEMPERATURE.dec();
/// assert_eq!(TEMPERATURE.get(), 20.5);
/// ```
#[derive(Debug)]
pub struct Gauge {
    bits: AtomicU64,
    desc: &'static Descriptor,
}

impl Gauge {
    /// A gauge at zero, usable in a `static`.
    pub const fn new() -> Self {
        Gauge {
            bits: AtomicU64::new(0),
            desc: &UNNAMED,
        }
    }

    /// Attaches the family's descriptor; `#[tallymark::metric]` calls this.
    pub const fn described(mut self, desc: &'static Descriptor) -> Self {
        self.desc = desc;
        self
    }

    /// Sets the value.
    #[inline]
    pub fn set(&self, v: f64) {
        self.bits.store(v.to_bits(), Relaxed);
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.add(1.0);
    }

    /// Subtracts one.
    #[inline]
    pub fn dec(&self) {
        self.add(-1.0);
    }

    /// Adds `v`, which may be negative.
    #[inline]
    pub fn add(&self, v: f64) {
        add_f64(&self.bits, v);
    }

    /// Subtracts `v`.
    #[inline]
    pub fn sub(&self, v: f64) {
        add_f64(&self.bits, -v);
    }

    /// Sets the value to the current Unix time in seconds.
    pub fn set_to_current_time(&self) {
        self.set(unix_seconds());
    }

    /// The current value.
    pub fn get(&self) -> f64 {
        f64::from_bits(self.bits.load(Relaxed))
    }

    pub(crate) fn reset(&self) {
        self.set(0.0);
    }

    pub(crate) const fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }
}

impl Default for Gauge {
    fn default() -> Self {
        Gauge::new()
    }
}

/// A gauge holding an i64: every operation is a single atomic instruction.
///
/// ```
/// use tallymark_core::IntGauge;
///
/// static CONNECTIONS: IntGauge = IntGauge::new();
/// CONNECTIONS.inc();
/// CONNECTIONS.add(4);
/// CONNECTIONS.sub(2);
/// assert_eq!(CONNECTIONS.get(), 3);
/// ```
#[derive(Debug)]
pub struct IntGauge {
    value: AtomicI64,
    desc: &'static Descriptor,
}

impl IntGauge {
    /// A gauge at zero, usable in a `static`.
    pub const fn new() -> Self {
        IntGauge {
            value: AtomicI64::new(0),
            desc: &UNNAMED,
        }
    }

    /// Attaches the family's descriptor; `#[tallymark::metric]` calls this.
    pub const fn described(mut self, desc: &'static Descriptor) -> Self {
        self.desc = desc;
        self
    }

    /// Sets the value.
    #[inline]
    pub fn set(&self, v: i64) {
        self.value.store(v, Relaxed);
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.value.fetch_add(1, Relaxed);
    }

    /// Subtracts one.
    #[inline]
    pub fn dec(&self) {
        self.value.fetch_sub(1, Relaxed);
    }

    /// Adds `v`, which may be negative.
    #[inline]
    pub fn add(&self, v: i64) {
        self.value.fetch_add(v, Relaxed);
    }

    /// Subtracts `v`.
    #[inline]
    pub fn sub(&self, v: i64) {
        self.value.fetch_sub(v, Relaxed);
    }

    /// Sets the value to the current Unix time in whole seconds.
    pub fn set_to_current_time(&self) {
        self.set(unix_seconds() as i64);
    }

    /// The current value.
    pub fn get(&self) -> i64 {
        self.value.load(Relaxed)
    }

    pub(crate) fn reset(&self) {
        self.set(0);
    }

    pub(crate) const fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }
}

impl Default for IntGauge {
    fn default() -> Self {
        IntGauge::new()
    }
}
