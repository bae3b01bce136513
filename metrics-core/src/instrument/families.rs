//! The three default families, each the union of its call sites. Sites that resolve to
//! one function name in one module write one series together, their calls added up. Their names and labels
//! follow the autometrics convention, so existing dashboards and alerts work unchanged.

use std::sync::OnceLock;

use crate::descriptor::{Descriptor, MetricKind};
use crate::encoding::{write_label_pairs, HistogramView, SampleSink, SeriesMeta, Value};
use crate::instrument::site::{
    Callee, CountedSite, InFlightSite, SiteRegistration, TimedSite, TIMED_SLOTS,
};
use crate::instrument::Outcome;
use crate::metric::buckets::DEFAULT_BUCKETS;
use crate::metric::{Exemplar, ExemplarSlot};
use crate::registry::{CatalogWarning, Metric, SourceLocation};

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
        // Sites of one series end up side by side, in source order.
        let key = |c: &Callee| (c.function, c.module, c.file, c.line);
        sites.counted.sort_by_key(|s| key(&s.callee));
        sites.timed.sort_by_key(|s| key(&s.callee));
        sites.in_flight.sort_by_key(|s| key(&s.callee));
        sites
    })
}

/// Whether an outcome's series is exported: `ok` always, `error` for functions returning
/// `Result`, and `panic` and `cancelled` once they happened.
fn shown(fallible: bool, outcome: Outcome, happened: bool) -> bool {
    match outcome {
        Outcome::Ok => true,
        Outcome::Error => fallible || happened,
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

/// The sites that write one series, adjacent once sorted: usually one, and more when
/// several functions resolve to one name in one module (see [`merged_call_sites`]).
fn by_series<'s, S: HasCallee>(
    sites: &'s [&'static S],
) -> impl Iterator<Item = &'s [&'static S]> {
    sites.chunk_by(|a, b| a.callee().same_series(b.callee()))
}

trait HasCallee {
    fn callee(&self) -> &Callee;
}

impl HasCallee for CountedSite {
    fn callee(&self) -> &Callee {
        &self.callee
    }
}

impl HasCallee for TimedSite {
    fn callee(&self) -> &Callee {
        &self.callee
    }
}

impl HasCallee for InFlightSite {
    fn callee(&self) -> &Callee {
        &self.callee
    }
}

/// Whether any site of a merged series returns a `Result`.
fn any_fallible<S: HasCallee>(group: &[&'static S]) -> bool {
    group.iter().any(|s| s.callee().fallible)
}

impl Metric for CallsFamily {
    fn descriptor(&self) -> &'static Descriptor {
        &CALLS
    }
    fn kind(&self) -> MetricKind {
        MetricKind::Counter
    }
    fn encode_series(&self, sink: &mut dyn SampleSink) {
        let mut buf = Vec::new();
        for group in by_series(&sites().counted) {
            let (callee, fallible) = (&group[0].callee, any_fallible(group));
            for outcome in Outcome::ALL {
                let count: u64 = group
                    .iter()
                    .fold(0, |n, s| n.saturating_add(s.count(outcome)));
                if !shown(fallible, outcome, count > 0) {
                    continue;
                }
                let labels = label_text(&mut buf, callee, Some(outcome));
                match group {
                    [site] => site.counter(outcome).encode(SeriesMeta::labels(labels), sink),
                    _ => {
                        let exemplar = sink
                            .wants_exemplars()
                            .then(|| newest(group.iter().map(|s| s.counter(outcome).exemplar())))
                            .flatten();
                        let meta = SeriesMeta::labels(labels);
                        sink.scalar(meta, Value::Unsigned(count), exemplar.as_ref());
                    }
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
        for group in by_series(&sites().timed) {
            let (callee, fallible) = (&group[0].callee, any_fallible(group));
            for outcome in Outcome::ALL {
                let count: u64 = group
                    .iter()
                    .fold(0, |n, s| n.saturating_add(s.durations(outcome).count()));
                if !shown(fallible, outcome, count > 0) {
                    continue;
                }
                let labels = label_text(&mut buf, callee, Some(outcome));
                match group {
                    [site] => site
                        .durations(outcome)
                        .encode(SeriesMeta::labels(labels), sink),
                    _ => encode_merged_durations(group, outcome, SeriesMeta::labels(labels), sink),
                }
            }
        }
    }
}

/// One histogram series from several sites' histograms of one outcome: their buckets
/// added up (every site has the default buckets), and each bucket's newest exemplar.
fn encode_merged_durations(
    group: &[&'static TimedSite],
    outcome: Outcome,
    meta: SeriesMeta<'_>,
    sink: &mut dyn SampleSink,
) {
    let mut counts = [0u64; TIMED_SLOTS];
    let mut sum = 0.0;
    for site in group {
        let histogram = site.durations(outcome);
        for (total, cell) in counts.iter_mut().zip(histogram.slots()) {
            let (n, s) = cell.get();
            *total = total.saturating_add(n);
            sum += s;
        }
    }
    // Rebuilt only for merged series that have exemplars, which a scrape of a program
    // without tracing never sees.
    let mut exemplars = Vec::new();
    let traced = group
        .iter()
        .any(|s| !s.durations(outcome).exemplars().is_empty());
    if sink.wants_exemplars() && traced {
        exemplars = (0..TIMED_SLOTS)
            .map(|slot| {
                let merged = ExemplarSlot::new();
                let slots = group
                    .iter()
                    .filter_map(|s| s.durations(outcome).exemplars().get(slot));
                if let Some(exemplar) = newest(slots) {
                    merged.store(exemplar);
                }
                merged
            })
            .collect();
    }
    let view = HistogramView {
        bounds: &DEFAULT_BUCKETS,
        counts: &counts,
        sum,
    };
    sink.classic_histogram(meta, view, &exemplars);
}

/// The most recent exemplar kept in any of `slots`.
fn newest<'s>(slots: impl Iterator<Item = &'s ExemplarSlot>) -> Option<Exemplar> {
    slots
        .filter_map(|slot| slot.with(|e| e.cloned()))
        .max_by(|a, b| a.timestamp().total_cmp(&b.timestamp()))
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
        for group in by_series(&sites().in_flight) {
            let labels = label_text(&mut buf, &group[0].callee, None);
            let running = group.iter().fold(0i64, |n, s| n.saturating_add(s.running()));
            sink.sample(labels, Value::Signed(running));
        }
    }
}

/// Every series of a default family that more than one function writes, reported once
/// each in [`Registry::catalog_warnings`](crate::Registry::catalog_warnings).
pub(crate) fn merged_call_sites() -> Vec<CatalogWarning> {
    fn merged<S: HasCallee>(
        attribute: &'static str,
        family: &'static Descriptor,
        sites: &[&'static S],
        out: &mut Vec<CatalogWarning>,
    ) {
        for group in by_series(sites).filter(|g| g.len() > 1) {
            let callee = group[0].callee();
            let mut locations: Vec<SourceLocation> = group
                .iter()
                .map(|s| SourceLocation {
                    file: s.callee().file,
                    line: s.callee().line,
                })
                .collect();
            locations.sort();
            out.push(CatalogWarning::MergedCallSites {
                attribute,
                family: family.name(),
                function: callee.function,
                module: callee.module,
                locations,
            });
        }
    }
    let sites = sites();
    let mut warnings = Vec::new();
    merged("counted", &CALLS, &sites.counted, &mut warnings);
    merged("timed", &DURATIONS, &sites.timed, &mut warnings);
    merged("in_flight", &CONCURRENT, &sites.in_flight, &mut warnings);
    warnings
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
