//! Storage: the metric types and the atomics behind them.

mod atomic_f64;
mod bucket;
pub mod buckets;
mod counter;
pub(crate) mod exponential;
mod gauge;
mod histogram;
mod info;
mod native;
mod state_set;
pub(crate) mod summary;

pub use crate::clock::{Clock, ManualClock, Stopwatch, SystemClock};
pub use crate::encoding::{NativeView, SummarySnapshot};
pub use crate::exemplar::{
    exemplars_dropped, Exemplar, ExemplarError, ExemplarSlot, MAX_EXEMPLAR_RUNES,
};
pub use bucket::BucketCell;
pub use counter::Counter;
pub use exponential::{DEFAULT_SCHEMA, DEFAULT_ZERO_THRESHOLD};
pub use gauge::{Gauge, IntGauge};
pub use histogram::{BoxedCounts, BucketCounts, Histogram, HistogramTimer, InlineCounts};
pub use info::Info;
pub use native::NativeHistogram;
pub use state_set::StateSet;
pub use summary::{
    Summary, DEFAULT_AGE_BUCKETS, DEFAULT_MAX_AGE, DEFAULT_QUANTILES, RELATIVE_ACCURACY,
};
