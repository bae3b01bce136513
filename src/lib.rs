//! Prometheus metrics for Rust: families declared as `static`s, recorded through atomics
//! with no lock and no lazy initialisation, served in every format Prometheus scrapes.
//!
//! ```
//! use tallymark::{metric, CounterFamily, Histogram};
//!
//! /// Total HTTP requests.
//! #[metric(labels(method, endpoint, status))]
//! static HTTP_REQUESTS_TOTAL: CounterFamily<3> = CounterFamily::new();
//!
//! /// Time spent on a batch, in seconds.
//! #[metric(buckets = [0.1, 0.5, 1.0])]
//! static BATCH_DURATION_SECONDS: Histogram = Histogram::new();
//!
//! HTTP_REQUESTS_TOTAL.labels(["GET", "/api/users", "200"]).inc();
//! BATCH_DURATION_SECONDS.observe(0.3);
//!
//! let text = tallymark::render();
//! assert!(text.contains("http_requests_total{method=\"GET\",endpoint=\"/api/users\",status=\"200\"} 1\n"));
//! assert!(text.contains("batch_duration_seconds_bucket{le=\"0.5\"} 1\n"));
//! ```

// A library never writes to the terminal of the program that embeds it; tallymark's own
// events go through `tallymark_core::diagnostics`.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

// What users name, and nothing else: the macros' machinery is behind `__private` below.
pub use tallymark_core::{
    buckets, current_trace_id, encoding, names, negotiate, CatalogWarning, CollectedFamily,
    Collection, Collector, Counter, CounterFamily, Descriptor, Exemplar, Fallible, Family, Format,
    Gauge, GaugeFamily, Histogram, HistogramFamily, HistogramTimer, Info, IntGauge, IntGaugeFamily,
    LabelSet, LabelValue, Member, Metric, MetricKind, NativeHistogram, NativeHistogramFamily,
    Objective, Outcome, Registry, RegistryError, SeriesHandle, SeriesRef, SourceLocation, StateSet,
    StrLabels, Summary, SummaryFamily, TraceId, DEFAULT_BUDGET, OVERFLOW_LABEL_VALUE,
    TRACE_ID_LABEL,
};
pub use tallymark_macros::{counted, in_flight, metric, timed, LabelSet, LabelValue};

pub mod catalog;
pub mod textfile;

// `axum`, `actix`, `process`, `push`, `remote_write`, `otlp`, `PushError` and
// `ClientCerts`, each present when its feature is on; with none on, the glob brings
// nothing, which is not a mistake.
#[cfg(feature = "http")]
#[allow(unused_imports)]
pub use tallymark_http::modules::*;
#[cfg(feature = "http")]
pub use tallymark_http::{
    serve, serve_registry, Auth, HttpMetrics, HttpMetricsBuilder, MetricsEndpoint, RequestTimer,
    ServeError, ServeOptions, ServerHandle, UNMATCHED_ROUTE,
};

/// The global registry: every `#[metric]` static in the program, and the collectors added
/// to it.
pub fn registry() -> &'static Registry {
    Registry::global()
}

/// The global registry in Prometheus text format 0.0.4.
pub fn render() -> String {
    Registry::global().render()
}

/// Adds a collector to the global registry; it is asked for its families at every scrape.
pub fn register_collector(collector: impl Collector + 'static) {
    Registry::global().register_collector(collector);
}

/// The README's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Paths that macro-generated code names: core's, as they are. Not a public API.
#[doc(hidden)]
pub use tallymark_core::__private;
