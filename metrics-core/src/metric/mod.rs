//! Storage: the metric types and the atomics behind them.

mod atomic_f64;
pub mod buckets;
mod counter;
mod gauge;
mod histogram;

pub use counter::Counter;
pub use gauge::{Gauge, IntGauge};
pub use histogram::{BoxedCounts, BucketCounts, Histogram, HistogramTimer, InlineCounts};
