//! Encoding: metrics hand their samples to a [`SampleSink`]; each exposition format is a
//! sink that writes into a reused buffer.

mod escape;
mod number;
pub mod text;

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

pub use escape::{write_help_text, write_label_pairs, write_label_value};
pub use number::{write_f64, write_value, Value};

use crate::descriptor::MetricKind;

/// The metadata lines of one family.
#[derive(Clone, Copy, Debug)]
pub struct FamilyHeader<'a> {
    /// The family name (for a counter, including `_total`).
    pub name: &'a str,
    /// HELP text, unescaped.
    pub help: &'a str,
    /// The unit, or `""`.
    pub unit: &'a str,
    /// The type.
    pub kind: MetricKind,
}

/// One histogram series at scrape time.
#[derive(Clone, Copy, Debug)]
pub struct HistogramView<'a> {
    /// Finite upper bounds, ascending.
    pub bounds: &'a [f64],
    /// Non-cumulative counts, one per bound and a last one for `+Inf`.
    pub slots: &'a [AtomicU64],
    /// The sum of observations.
    pub sum: f64,
}

impl HistogramView<'_> {
    /// Visits `(upper bound, cumulative count)` for each finite bound, then returns the
    /// total, which is both the `+Inf` bucket and `_count`.
    pub fn for_each_bucket(&self, mut f: impl FnMut(f64, u64)) -> u64 {
        let mut cumulative = 0u64;
        for (i, slot) in self.slots.iter().enumerate() {
            cumulative = cumulative.wrapping_add(slot.load(Relaxed));
            if let Some(&bound) = self.bounds.get(i) {
                f(bound, cumulative);
            }
        }
        cumulative
    }
}

/// Receives the samples of one family. `labels` is the series' pre-rendered label text,
/// `name="value"` pairs without braces, empty for an unlabelled series.
pub trait SampleSink {
    /// A counter or gauge sample.
    fn sample(&mut self, labels: &str, value: Value);
    /// A histogram series.
    fn histogram(&mut self, labels: &str, view: HistogramView<'_>);
}
