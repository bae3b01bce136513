//! Instrumentation: what `#[timed]`, `#[counted]` and `#[in_flight]` record into. The
//! generated code is a guard around the function body; everything else lives here.

mod families;
mod guard;
mod site;

pub(crate) use families::default_families;
pub use guard::{CallGuard, Outcome, Recorder};
pub use site::{Callee, CountedSite, InFlightSite, SiteRegistration, TimedSite};
