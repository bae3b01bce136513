//! The storage, label sets, registry and encoders behind
//! [tallymark](https://docs.rs/tallymark). Users depend on the `tallymark` facade, which
//! re-exports this crate.
//!
//! The modules follow the data path: [`descriptor`] (what a family is) → [`metric`] and
//! [`labels`] (storage) → [`registry`] (the catalog) → [`encoding`] (exposition);
//! [`instrument`] holds what the function attributes record into.

// A library never writes to the terminal of the program that embeds it: problems go to
// self-metrics, return values and `diagnostics`.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

pub mod descriptor;
#[doc(hidden)]
pub mod diagnostics;
pub mod encoding;
mod escape;
pub mod instrument;
#[expect(
    clippy::print_stderr,
    reason = "the overflow warning moves to `diagnostics::overflow` with the label rewrite"
)]
pub mod labels;
pub mod metric;
pub mod names;
mod pairs;
pub mod registry;

pub use descriptor::{Descriptor, MetricKind, DEFAULT_BUDGET};
pub use encoding::{negotiate, Format};
pub use labels::{
    CounterFamily, Family, GaugeFamily, HistogramFamily, IntGaugeFamily, LabelSet, LabelValue,
    NativeHistogramFamily, SeriesRef, StrLabels, SummaryFamily,
};
pub use metric::buckets;
pub use metric::{
    Counter, Exemplar, Gauge, Histogram, HistogramTimer, Info, InlineCounts, IntGauge,
    NativeHistogram, StateSet, Summary,
};
pub use registry::{
    CatalogWarning, Collection, Collector, Metric, Registration, Registry, RegistryError,
    SourceLocation,
};

/// Re-exported for code that `#[tallymark::metric]` generates.
#[doc(hidden)]
pub use inventory;
