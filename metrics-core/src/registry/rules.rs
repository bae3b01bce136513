//! What makes a family valid in every exposition: its name and label names, and the names
//! its samples take, which no other family, and none of tallymark's own self-metrics, may
//! take too. Registration checks them once; collected families are checked at each scrape.

use crate::descriptor::MetricKind;
use crate::encoding::openmetrics::family_name;
use crate::names::rules::{
    HISTOGRAM_BUCKET_LABEL, INFO_SUFFIX, INFO_SUFFIX_MISSING, SUMMARY_QUANTILE_LABEL,
};
use crate::names::{check_label_name, check_metric_name, label_name_problem, NameError};
use crate::registry::RegistryError;

/// tallymark's own counters, which appear in a scrape once there is something to count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SelfMetric {
    LabelOverflow,
    ExemplarsDropped,
    DuplicateSeriesDropped,
    InvalidFamiliesDropped,
    NestedCollectionsSkipped,
}

impl SelfMetric {
    pub(crate) const ALL: [SelfMetric; 5] = [
        SelfMetric::LabelOverflow,
        SelfMetric::ExemplarsDropped,
        SelfMetric::DuplicateSeriesDropped,
        SelfMetric::InvalidFamiliesDropped,
        SelfMetric::NestedCollectionsSkipped,
    ];

    pub(crate) const fn name(self) -> &'static str {
        match self {
            SelfMetric::LabelOverflow => "tallymark_label_overflow_total",
            SelfMetric::ExemplarsDropped => "tallymark_exemplars_dropped_total",
            SelfMetric::DuplicateSeriesDropped => "tallymark_duplicate_series_dropped_total",
            SelfMetric::InvalidFamiliesDropped => "tallymark_invalid_families_dropped_total",
            SelfMetric::NestedCollectionsSkipped => "tallymark_nested_collections_skipped_total",
        }
    }

    pub(crate) const fn help(self) -> &'static str {
        match self {
            SelfMetric::LabelOverflow => "Label sets folded into a family's overflow series because its cardinality budget was spent.",
            SelfMetric::ExemplarsDropped => "Exemplars refused, and so never exposed, because their labels were over 128 code points or had an invalid or repeated name.",
            SelfMetric::DuplicateSeriesDropped => "Series a collector yielded that were dropped because an earlier series had the same name and labels.",
            SelfMetric::InvalidFamiliesDropped => "Families a collector yielded that were dropped because their name or labels break the exposition rules, or because a counter's value was negative or NaN.",
            SelfMetric::NestedCollectionsSkipped => "Scrapes started inside a collector's collect, whose collectors were skipped rather than run again.",
        }
    }
}

/// Why a family's name does not suit its type, beyond the general grammar.
fn kind_name_problem(name: &str, kind: MetricKind) -> Option<&'static str> {
    match kind {
        MetricKind::Info if !name.ends_with(INFO_SUFFIX) => Some(INFO_SUFFIX_MISSING),
        // A stateset's samples are labelled with its own name.
        MetricKind::StateSet => {
            label_name_problem(name).map(|_| "a state set's name must also be a valid label name")
        }
        _ => None,
    }
}

/// The label a type writes itself, which its families cannot also have.
fn own_label(name: &str, kind: MetricKind) -> Option<(&str, &'static str)> {
    match kind {
        MetricKind::Histogram => Some(HISTOGRAM_BUCKET_LABEL),
        MetricKind::Summary => Some(SUMMARY_QUANTILE_LABEL),
        MetricKind::StateSet => Some((name, "a state set labels its samples with its own name")),
        _ => None,
    }
}

/// Checks everything about one family that does not depend on the others: the name for
/// the type, each label name, and no label name twice or taken by the type.
pub(crate) fn check_family<'a>(
    name: &str,
    kind: MetricKind,
    labels: impl IntoIterator<Item = &'a str>,
) -> Result<(), RegistryError> {
    check_metric_name(name)?;
    let invalid = |label: &str, reason| {
        RegistryError::InvalidName(NameError {
            name: label.to_owned(),
            reason,
        })
    };
    if let Some(reason) = kind_name_problem(name, kind) {
        return Err(invalid(name, reason));
    }
    let mut seen: Vec<&str> = Vec::new();
    for label in labels {
        check_label_name(label)?;
        if seen.contains(&label) {
            return Err(invalid(label, "a label name appears twice in one family"));
        }
        if let Some((own, reason)) = own_label(name, kind) {
            if label == own {
                return Err(invalid(label, reason));
            }
        }
        seen.push(label);
    }
    if let Some(self_metric) = SelfMetric::ALL
        .iter()
        .find(|m| clashes((m.name(), MetricKind::Counter), (name, kind)))
    {
        return Err(RegistryError::Reserved {
            name: name.to_owned(),
            self_metric: self_metric.name(),
        });
    }
    Ok(())
}

/// The sample names a family writes in any format, and its OpenMetrics family name, none
/// of which may be another family's.
pub(crate) fn sample_names(name: &str, kind: MetricKind) -> Vec<String> {
    let family = family_name(name, kind);
    let suffixes: &[&str] = match kind {
        MetricKind::Histogram => &["", "_bucket", "_sum", "_count", "_created"],
        MetricKind::Summary => &["", "_sum", "_count", "_created"],
        MetricKind::Counter => &["", "_total", "_created"],
        MetricKind::Info => &["", "_info"],
        MetricKind::Gauge | MetricKind::StateSet => &[""],
    };
    let mut names: Vec<String> = suffixes.iter().map(|s| format!("{family}{s}")).collect();
    if !names.iter().any(|n| n == name) {
        names.push(name.to_owned());
    }
    names
}

/// Whether two families would write a sample name in common.
pub(crate) fn clashes(a: (&str, MetricKind), b: (&str, MetricKind)) -> bool {
    let theirs = sample_names(b.0, b.1);
    sample_names(a.0, a.1).iter().any(|n| theirs.contains(n))
}
