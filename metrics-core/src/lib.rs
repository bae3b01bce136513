//! The storage, label sets, registry and encoders behind
//! [tallymark](https://docs.rs/tallymark). Users depend on the `tallymark` facade, which
//! re-exports what they name from this crate.
//!
//! The modules follow the data path: `descriptor` (what a family is) → [`metric`] and
//! `labels` (storage) → `registry` (registries and collectors) → [`encoding`]
//! (exposition); `instrument` holds what the function attributes record into, and
//! `catalog` gathers the program's families. Each module imports only those beneath it:
//! `catalog` → `instrument` → `registry` → `labels` → `metric` → `encoding` → the leaves
//! (`escape`, `pairs`, `exemplar`, `label_value`, `clock`, `names`, `descriptor`), so the
//! encoders see storage only through the views it hands them. Only what users name is public: the types at the
//! root, [`metric`] for the metric types' parts, [`encoding`] for custom encoders and
//! [`names`] for the naming rules. What generated code needs is in `__private`, hidden and
//! outside the semver promise.

// A library never writes to the terminal of the program that embeds it: problems go to
// self-metrics, return values and `diagnostics`.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

mod catalog;
mod clock;
mod descriptor;
#[doc(hidden)]
pub mod diagnostics;
pub mod encoding;
mod escape;
mod exemplar;
mod instrument;
mod label_value;
mod labels;
pub mod metric;
pub mod names;
mod pairs;
mod registry;

pub use catalog::{objectives, Objective, ObjectiveRegistration};
/// Operator artefacts made from a registry: a Prometheus rule file, a Grafana dashboard
/// and a Markdown reference.
pub mod artefacts {
    pub use crate::catalog::{
        alert_rules, dashboard, global_alert_rules, global_dashboard, global_reference, reference,
        ERROR_RATIO_THRESHOLD, LATENCY_P99_THRESHOLD_SECONDS, SCOPE,
    };
}
pub use descriptor::{Descriptor, MetricKind, DEFAULT_BUDGET};
pub use encoding::{negotiate, Format};
pub use instrument::{current_trace_id, Fallible, Outcome, TraceId, TRACE_ID_LABEL};
pub use labels::{
    CounterFamily, Family, GaugeFamily, HistogramFamily, IntGaugeFamily, LabelSet, LabelValue,
    Member, NativeHistogramFamily, SeriesHandle, SeriesRef, StrLabels, SummaryFamily,
    OVERFLOW_LABEL_VALUE,
};
pub use metric::buckets;
pub use metric::{
    Counter, Exemplar, Gauge, Histogram, HistogramTimer, Info, IntGauge, NativeHistogram, StateSet,
    Summary,
};
pub use registry::{
    CatalogWarning, CollectedFamily, Collection, Collector, Metric, Registry, RegistryError,
    SourceLocation,
};

/// Paths that the code `#[metric]`, `#[timed]`, `#[counted]`, `#[in_flight]` and the
/// derives generate names, through the facade's `__private`. Not a public API: anything
/// here may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use std::borrow::Cow;
    pub use std::boxed::Box;
    pub use std::hash::{Hash, Hasher};
    pub use std::option::Option::{self, None, Some};
    pub use std::{file, line, module_path};

    pub use crate::catalog::{global, Objective, ObjectiveRegistration, Registration};
    pub use crate::encoding::LabelPairs;
    pub use crate::instrument::{
        call_once, counted_target, in_flight_target, known_label_value, series,
        single_series_recorder, site_series, timed_target, unbounded, CallGuard, CallLabels,
        Callee, CountedSite, CountedTarget, CountedTimedSite, Fallible, InFlightSite,
        InFlightTarget, KnownLabelValue, LabelText, Outcome, Recorder, SingleSeriesTarget,
        SiteRegistration, TimedSite, TimedTarget,
    };
    pub use crate::labels::dense::{dense_count, dense_index, dense_labels, Values};
    pub use crate::labels::SiteSeries;
    pub use crate::{Descriptor, LabelSet, LabelValue, Metric, StrLabels};
    pub use inventory;
}
