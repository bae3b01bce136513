//! What makes a family valid in every exposition: its name and label names, and the names
//! its samples take, none of which may be one of tallymark's own self-metrics. Registration
//! checks them once; collected families are checked at each scrape.

use std::sync::LazyLock;

use crate::descriptor::MetricKind;
use crate::names::rules::{
    HISTOGRAM_BUCKET_LABEL, INFO_SUFFIX, INFO_SUFFIX_MISSING, SUMMARY_QUANTILE_LABEL,
};
use crate::names::{
    check_label_name, check_metric_name, label_name_problem, label_names_escape_alike, NameError,
};
use crate::registry::sample_names::{sample_names, share_a_name};
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

    /// The names its samples take. Every registration and every collected family is
    /// checked against them, so they are worked out once per process.
    pub(crate) fn sample_names(self) -> &'static [String] {
        static NAMES: LazyLock<Vec<(SelfMetric, Vec<String>)>> = LazyLock::new(|| {
            SelfMetric::ALL
                .iter()
                .map(|m| (*m, sample_names(m.name(), MetricKind::Counter)))
                .collect()
        });
        NAMES
            .iter()
            .find(|(m, _)| *m == self)
            .map_or(&[], |(_, names)| names.as_slice())
    }
}

/// Why a family's name does not suit its type, beyond the general grammar.
fn kind_name_problem(name: &str, kind: MetricKind) -> Option<&'static str> {
    match kind {
        MetricKind::Info if !name.ends_with(INFO_SUFFIX) => Some(INFO_SUFFIX_MISSING),
        // A stateset's samples are labelled with its own name.
        // A stateset's samples are labelled with its own name, so it must be a label name
        // too, which `:` is not: escaped, the label and the name would differ.
        MetricKind::StateSet if label_name_problem(name).is_some() || name.contains(':') => {
            Some("a state set's name must also be a valid label name, without `:`")
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
/// the type, each label name, no label name twice or taken by the type, and no sample name
/// (`names`, from [`sample_names`]) that a self-metric takes.
pub(crate) fn check_family<'a>(
    name: &str,
    kind: MetricKind,
    labels: impl IntoIterator<Item = &'a str>,
    names: &[String],
) -> Result<(), RegistryError> {
    check_name(name, kind)?;
    check_labels(name, kind, labels)?;
    check_not_reserved(name, names)
}

/// The name's grammar, and what its type asks of it.
pub(crate) fn check_name(name: &str, kind: MetricKind) -> Result<(), RegistryError> {
    check_metric_name(name)?;
    match kind_name_problem(name, kind) {
        Some(reason) => Err(invalid(name, reason)),
        None => Ok(()),
    }
}

/// Each label name's grammar, none twice (as written, or as one escaping scheme writes
/// it), and none the type writes itself.
pub(crate) fn check_labels<'a>(
    name: &str,
    kind: MetricKind,
    labels: impl IntoIterator<Item = &'a str>,
) -> Result<(), RegistryError> {
    let mut seen: Vec<&str> = Vec::new();
    for label in labels {
        check_label_name(label)?;
        if seen.contains(&label) {
            return Err(invalid(label, "a label name appears twice in one family"));
        }
        if seen
            .iter()
            .any(|other| label_names_escape_alike(label, other))
        {
            return Err(invalid(
                label,
                "a label name is written like another of its family once escaped for a \
                 scraper of legacy names (`a.b` and `a_b` are both `a_b`)",
            ));
        }
        if let Some((own, reason)) = own_label(name, kind) {
            if label == own {
                return Err(invalid(label, reason));
            }
        }
        seen.push(label);
    }
    Ok(())
}

/// That none of a family's sample names is one a self-metric writes.
pub(crate) fn check_not_reserved(name: &str, names: &[String]) -> Result<(), RegistryError> {
    match SelfMetric::ALL
        .iter()
        .find(|m| share_a_name(m.sample_names(), names))
    {
        Some(self_metric) => Err(RegistryError::Reserved {
            name: name.to_owned(),
            self_metric: self_metric.name(),
        }),
        None => Ok(()),
    }
}

fn invalid(name: &str, reason: &'static str) -> RegistryError {
    RegistryError::InvalidName(NameError {
        name: name.to_owned(),
        reason,
    })
}
