//! The three default families, each the union of its call sites. Sites that resolve to
//! one function name in one module (see `naming`) write one series together, their calls
//! added up. Their names and labels follow the autometrics convention, so existing
//! dashboards and alerts work unchanged.

use crate::descriptor::{Descriptor, MetricKind};
use crate::encoding::{HistogramView, LabelPairs, SampleSink, SeriesMeta, Value};
use crate::instrument::naming::{by_series, sites, HasCallee, Named};
use crate::instrument::site::{CountedSite, TimedSite, CALLS, CONCURRENT, DURATIONS, TIMED_SLOTS};
use crate::instrument::Outcome;
use crate::metric::buckets::DEFAULT_BUCKETS;
#[cfg(feature = "protobuf")]
use crate::metric::exponential::NativeTotals;
use crate::metric::{Exemplar, ExemplarSlot};
use crate::registry::Metric;

/// Whether an outcome's series is exported: `ok` always, `error` for functions returning
/// `Result`, and `panic` and `cancelled` once they happened.
fn shown(fallible: bool, outcome: Outcome, happened: bool) -> bool {
    match outcome {
        Outcome::Ok => true,
        Outcome::Error => fallible || happened,
        Outcome::Panic | Outcome::Cancelled => happened,
    }
}

/// The label values of a site's series, in the order of `CALLS` and `DURATIONS`; the
/// gauge `CONCURRENT` reads the first two.
fn label_values<S: HasCallee>(named: &Named<S>, outcome: Option<Outcome>) -> [&'static str; 3] {
    let result = outcome.map_or("", Outcome::as_str);
    [named.function, named.site.callee().module, result]
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
        let count = |site: &CountedSite, outcome| site.count(outcome);
        each_outcome_series(
            &sites().counted,
            count,
            |group, outcome, count, labels| match group {
                [one] if !one.site.derives_count() => one
                    .site
                    .counter(outcome)
                    .encode(SeriesMeta::labels(labels), sink),
                _ => {
                    let slots = group.iter().map(|s| s.site.counter(outcome).exemplar());
                    let exemplar = sink.wants_exemplars().then(|| newest(slots)).flatten();
                    let meta = SeriesMeta::labels(labels);
                    sink.scalar(meta, Value::Unsigned(count), exemplar.as_ref());
                }
            },
        );
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
        let count = |site: &TimedSite, outcome| site.durations(outcome).count();
        each_outcome_series(&sites().timed, count, |group, outcome, _, labels| {
            let meta = SeriesMeta::labels(labels);
            match group {
                [one] => one.site.durations(outcome).encode(meta, sink),
                _ => encode_merged_durations(group, outcome, meta, sink),
            }
        });
    }
}

/// Calls `each` with every exported series of a family labelled by outcome: the sites that
/// write it, the outcome, their calls added up, and the label text.
fn each_outcome_series<S: HasCallee>(
    sites: &[Named<S>],
    count: impl Fn(&S, Outcome) -> u64,
    mut each: impl FnMut(&[Named<S>], Outcome, u64, LabelPairs<'_>),
) {
    for group in by_series(sites) {
        let fallible = group.iter().any(|s| s.site.callee().fallible);
        for outcome in Outcome::ALL {
            let calls = group
                .iter()
                .fold(0u64, |n, s| n.saturating_add(count(s.site, outcome)));
            if shown(fallible, outcome, calls > 0) {
                let values = label_values(&group[0], Some(outcome));
                each(
                    group,
                    outcome,
                    calls,
                    LabelPairs::new(CALLS.label_names(), &values),
                );
            }
        }
    }
}

/// One histogram series from several sites' histograms of one outcome: their buckets
/// added up (every site has the default buckets), and each bucket's newest exemplar.
fn encode_merged_durations(
    group: &[Named<TimedSite>],
    outcome: Outcome,
    meta: SeriesMeta<'_>,
    sink: &mut dyn SampleSink,
) {
    let mut counts = [0u64; TIMED_SLOTS];
    let mut sum = 0.0;
    #[cfg(feature = "protobuf")]
    let mut native: Option<NativeTotals> = None;
    for named in group {
        let histogram = named.site.durations(outcome);
        for (total, cell) in counts.iter_mut().zip(histogram.slots()) {
            let (n, s) = cell.get_acquire();
            *total = total.saturating_add(n);
            sum += s;
        }
        // Read after the site's classic buckets, so they hold all that those counted.
        #[cfg(feature = "protobuf")]
        if let Some(buckets) = histogram.native_buckets() {
            native
                .get_or_insert_with(|| NativeTotals::new(buckets))
                .add(buckets);
        }
    }
    // Rebuilt only for merged series that have exemplars, which a scrape of a program
    // without tracing never sees.
    let mut exemplars = Vec::new();
    let traced = group
        .iter()
        .any(|s| !s.site.durations(outcome).exemplars().is_empty());
    if sink.wants_exemplars() && traced {
        exemplars = (0..TIMED_SLOTS)
            .map(|slot| {
                let merged = ExemplarSlot::new();
                let slots = group
                    .iter()
                    .filter_map(|s| s.site.durations(outcome).exemplars().get(slot));
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
    #[cfg(feature = "protobuf")]
    if let Some(mut native) = native {
        native.sum = sum;
        let native = crate::encoding::NativeView::new(&native);
        sink.classic_and_native_histogram(meta, view, &exemplars, native);
        return;
    }
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
        for group in by_series(&sites().in_flight) {
            let values = label_values(&group[0], None);
            let labels = LabelPairs::new(CONCURRENT.label_names(), &values);
            let running = group
                .iter()
                .fold(0i64, |n, s| n.saturating_add(s.site.running()));
            sink.sample(labels, Value::Signed(running));
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
