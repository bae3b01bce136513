//! Storage: the metric types and the atomics behind them.

mod atomic_f64;
mod bucket;
pub mod buckets;
pub(crate) mod clock;
mod counter;
mod exemplar;
mod gauge;
mod histogram;
mod info;
mod native;
mod state_set;
pub(crate) mod summary;

pub use bucket::BucketCell;
pub use clock::{Clock, ManualClock, Stopwatch, SystemClock};
pub use counter::Counter;
pub use exemplar::{exemplars_dropped, Exemplar, ExemplarError, ExemplarSlot, MAX_EXEMPLAR_RUNES};
pub use gauge::{Gauge, IntGauge};
pub use histogram::{BoxedCounts, BucketCounts, Histogram, HistogramTimer, InlineCounts};
pub use info::Info;
pub use native::{NativeHistogram, NativeView, DEFAULT_SCHEMA, DEFAULT_ZERO_THRESHOLD};
pub use state_set::StateSet;
pub use summary::{
    Summary, SummarySnapshot, DEFAULT_AGE_BUCKETS, DEFAULT_MAX_AGE, DEFAULT_QUANTILES,
    RELATIVE_ACCURACY,
};
