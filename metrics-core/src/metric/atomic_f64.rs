//! f64 arithmetic on an `AtomicU64` holding the value's bits.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Adds `v` with a compare-and-swap loop; there is no hardware float add.
#[inline]
pub(crate) fn add_f64(cell: &AtomicU64, v: f64) {
    let mut current = cell.load(Relaxed);
    loop {
        let next = (f64::from_bits(current) + v).to_bits();
        match cell.compare_exchange_weak(current, next, Relaxed, Relaxed) {
            Ok(_) => return,
            Err(actual) => current = actual,
        }
    }
}
