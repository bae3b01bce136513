//! Instrumentation: what `#[timed]`, `#[counted]` and `#[in_flight]` record into. The
//! generated code is a guard around the function body; everything else lives here.

mod families;
mod guard;
mod naming;
mod site;
mod target;
mod trace;

pub(crate) use families::default_families;
pub use guard::{call_once, CallGuard, Fallible, Outcome, Recorder};
pub(crate) use naming::{merged_call_sites, sites};
pub use site::{Callee, CountedSite, CountedTimedSite, InFlightSite, SiteRegistration, TimedSite};
pub use target::{
    counted_target, in_flight_target, known_label_value, series, single_series_recorder,
    site_series, timed_target, unbounded, CallLabels, CountedTarget, InFlightTarget,
    KnownLabelValue, LabelText, SingleSeriesTarget, TimedTarget,
};
pub use trace::{current_trace_id, TraceId, TRACE_ID_LABEL};
