//! The three default families, each the union of its call sites. Their names and labels
//! follow the autometrics convention, so existing dashboards and alerts work unchanged.

use std::sync::OnceLock;

use crate::descriptor::{Descriptor, MetricKind};
use crate::encoding::{write_label_pairs, SampleSink, SeriesMeta, Value};
use crate::instrument::site::{Callee, CountedSite, InFlightSite, SiteRegistration, TimedSite};
use crate::instrument::Outcome;
use crate::registry::Metric;

const CALLS: Descriptor = Descriptor::new(
    "function_calls_total",
    "Calls of functions annotated with #[counted], by how they ended.",
)
.with_labels(&["function", "module", "result"])
.with_module("tallymark");

const DURATIONS: Descriptor = Descriptor::new(
    "function_calls_duration_seconds",
    "Duration of calls of functions annotated with #[timed], by how they ended.",
)
.with_labels(&["function", "module", "result"])
.with_unit("seconds")
.with_module("tallymark");

const CONCURRENT: Descriptor = Descriptor::new(
    "function_calls_concurrent",
    "Calls of functions annotated with #[in_flight] running now.",
)
.with_labels(&["function", "module"])
.with_module("tallymark");

/// The registered sites of each kind, sorted by function then module, gathered once: the
/// set is fixed before `main`.
struct Sites {
    counted: Vec<&'static CountedSite>,
    timed: Vec<&'static TimedSite>,
    in_flight: Vec<&'static InFlightSite>,
}

fn sites() -> &'static Sites {
    static SITES: OnceLock<Sites> = OnceLock::new();
    SITES.get_or_init(|| {
        let mut sites = Sites {
            counted: Vec::new(),
            timed: Vec::new(),
            in_flight: Vec::new(),
        };
        for registration in inventory::iter::<SiteRegistration> {
            match registration {
                SiteRegistration::Counted(s) => sites.counted.push(s),
                SiteRegistration::Timed(s) => sites.timed.push(s),
                SiteRegistration::InFlight(s) => sites.in_flight.push(s),
            }
        }
        let key = |c: &Callee| (c.function, c.module);
        sites.counted.sort_by_key(|s| key(&s.callee));
        sites.timed.sort_by_key(|s| key(&s.callee));
        sites.in_flight.sort_by_key(|s| key(&s.callee));
        sites
    })
}

/// Whether an outcome's series is exported: `ok` always, `error` for functions returning
/// `Result`, and `panic` and `cancelled` once they happened.
fn shown(callee: &Callee, outcome: Outcome, happened: bool) -> bool {
    match outcome {
        Outcome::Ok => true,
        Outcome::Error => callee.fallible || happened,
        Outcome::Panic | Outcome::Cancelled => happened,
    }
}

fn label_text<'b>(buf: &'b mut Vec<u8>, callee: &Callee, outcome: Option<Outcome>) -> &'b str {
    buf.clear();
    let pairs = [("function", callee.function), ("module", callee.module)];
    let result = outcome.map(|o| ("result", o.as_str()));
    write_label_pairs(buf, pairs.into_iter().chain(result));
    // Names and module paths are identifiers, so the text is ASCII.
    std::str::from_utf8(buf).unwrap_or_default()
}

/// `function_calls_total`.
pub(crate) struct CallsFamily;
/// `function_calls_duration_seconds`.
pub(crate) struct DurationsFamily;
/// `function_calls_concurrent`.
pub(crate) struct ConcurrentFamily;

impl Metric for CallsFamily {
    fn descriptor(&self) -> &'static Descriptor {
        &CALLS
    }
    fn kind(&self) -> MetricKind {
        MetricKind::Counter
    }
    fn encode_series(&self, sink: &mut dyn SampleSink) {
        let mut buf = Vec::new();
        for site in &sites().counted {
            for outcome in Outcome::ALL {
                let calls = site.counter(outcome);
                if shown(&site.callee, outcome, calls.count() > 0) {
                    let labels = label_text(&mut buf, &site.callee, Some(outcome));
                    calls.encode(SeriesMeta::labels(labels), sink);
                }
            }
        }
    }
}

impl Metric for DurationsFamily {
    fn descriptor(&self) -> &'static Descriptor {
        &DURATIONS
    }
    fn kind(&self) -> MetricKind {
        MetricKind::Histogram
    }
    fn encode_series(&self, sink: &mut dyn SampleSink) {
        let mut buf = Vec::new();
        for site in &sites().timed {
            for outcome in Outcome::ALL {
                let histogram = site.durations(outcome);
                if shown(&site.callee, outcome, histogram.count() > 0) {
                    let labels = label_text(&mut buf, &site.callee, Some(outcome));
                    histogram.encode(SeriesMeta::labels(labels), sink);
                }
            }
        }
    }
}

impl Metric for ConcurrentFamily {
    fn descriptor(&self) -> &'static Descriptor {
        &CONCURRENT
    }
    fn kind(&self) -> MetricKind {
        MetricKind::Gauge
    }
    fn encode_series(&self, sink: &mut dyn SampleSink) {
        let mut buf = Vec::new();
        for site in &sites().in_flight {
            let labels = label_text(&mut buf, &site.callee, None);
            sink.sample(labels, Value::Signed(site.running()));
        }
    }
}

/// The default families that have at least one call site, for the global catalog.
pub(crate) fn default_families() -> Vec<&'static dyn Metric> {
    let sites = sites();
    let mut families: Vec<&'static dyn Metric> = Vec::new();
    if !sites.counted.is_empty() {
        families.push(&CallsFamily);
    }
    if !sites.timed.is_empty() {
        families.push(&DurationsFamily);
    }
    if !sites.in_flight.is_empty() {
        families.push(&ConcurrentFamily);
    }
    families
}
