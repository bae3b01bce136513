//! tallymark's own counters, written after a registry's families by the global registry
//! and by explicit ones made `with_self_metrics()`. Each count of dropped input appears once
//! there is something to count, so even there a registry where nothing went wrong shows
//! little beyond what was put in it.

use std::sync::atomic::Ordering::Relaxed;

use crate::descriptor::MetricKind;
use crate::encoding::{Encoder, FamilyHeader, LabelPairs, SampleSink, Value};
use crate::exemplar::exemplars_dropped;
use crate::registry::encode::Selection;
use crate::registry::{Held, Registry, SelfMetric};

/// The one label of the self-metrics counted per family.
const FAMILY: [&str; 1] = ["family"];

impl Registry {
    pub(crate) fn encode_self_metrics(
        &self,
        encoder: &mut dyn Encoder,
        selection: &Selection<'_>,
        families: &[Held],
    ) {
        if !self.self_metrics {
            return;
        }
        encode_overflow_counts(encoder, selection, families);
        let duplicates = self.duplicates.counts();
        if !duplicates.is_empty() {
            family(
                encoder,
                selection,
                SelfMetric::DuplicateSeriesDropped,
                |sink| {
                    for (family, count) in &duplicates {
                        let values = [family.as_str()];
                        let labels = LabelPairs::new(&FAMILY, &values);
                        sink.sample(labels, Value::Unsigned(*count));
                    }
                },
            );
        }
        let unlabelled = [
            (
                SelfMetric::InvalidFamiliesDropped,
                self.invalid_families.load(Relaxed),
            ),
            (
                SelfMetric::NestedCollectionsSkipped,
                self.nested_collections.load(Relaxed),
            ),
            (
                SelfMetric::ExemplarsDropped,
                // Process-wide, so shown by the global registry alone.
                if self.process_metrics {
                    exemplars_dropped()
                } else {
                    0
                },
            ),
        ];
        for (metric, count) in unlabelled {
            if count > 0 {
                family(encoder, selection, metric, |sink| {
                    sink.sample(LabelPairs::EMPTY, Value::Unsigned(count));
                });
            }
        }
    }
}

/// Writes one self-metric family, when the scrape selects it.
fn family(
    encoder: &mut dyn Encoder,
    selection: &Selection<'_>,
    metric: SelfMetric,
    mut series: impl FnMut(&mut dyn SampleSink),
) {
    if !selection.includes(metric.sample_names()) {
        return;
    }
    let header = FamilyHeader {
        name: metric.name(),
        help: metric.help(),
        unit: "",
        kind: MetricKind::Counter,
        created: None,
    };
    encoder.family(&header, &mut series);
}

/// The self-metric behind cardinality budgets: how many lookups each budgeted family
/// folded into its overflow series.
fn encode_overflow_counts(encoder: &mut dyn Encoder, selection: &Selection<'_>, families: &[Held]) {
    let budgeted = || {
        families
            .iter()
            .filter_map(|h| Some((h.get().descriptor().name(), h.get().overflowed()?)))
    };
    if budgeted().next().is_none() {
        return;
    }
    family(encoder, selection, SelfMetric::LabelOverflow, |sink| {
        for (family, count) in budgeted() {
            let values = [family];
            sink.sample(LabelPairs::new(&FAMILY, &values), Value::Unsigned(count));
        }
    });
}
