//! The names a family's samples take, which no other family may take too. They depend only
//! on a family's name and type, so each is worked out once: a registered family's when it
//! is registered, a self-metric's once per process, a collected family's once per scrape.

use std::collections::HashSet;

use foldhash::fast::RandomState;

use crate::descriptor::MetricKind;
use crate::encoding::openmetrics::family_name;

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

/// Whether two families' sample names, from [`sample_names`], have one in common.
pub(crate) fn share_a_name(a: &[String], b: &[String]) -> bool {
    a.iter().any(|n| b.contains(n))
}

/// Every sample name some set of families writes, so a family can be checked against all
/// of them with one lookup per name of its own, rather than against each family in turn.
#[derive(Clone, Debug, Default)]
pub(crate) struct TakenNames(HashSet<String, RandomState>);

impl TakenNames {
    /// Whether a family with these sample names would write one already taken.
    pub(crate) fn takes_any(&self, names: &[String]) -> bool {
        names.iter().any(|n| self.0.contains(n.as_str()))
    }

    /// Marks a family's sample names as taken.
    pub(crate) fn take(&mut self, names: impl IntoIterator<Item = String>) {
        self.0.extend(names);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_takes_its_suffixes_and_its_declared_name() {
        assert_eq!(
            sample_names("jobs_total", MetricKind::Counter),
            ["jobs", "jobs_total", "jobs_created"]
        );
        assert_eq!(
            sample_names("latency_seconds", MetricKind::Histogram),
            [
                "latency_seconds",
                "latency_seconds_bucket",
                "latency_seconds_sum",
                "latency_seconds_count",
                "latency_seconds_created",
            ]
        );
        assert_eq!(
            sample_names("build_info", MetricKind::Info),
            ["build", "build_info"]
        );
        assert_eq!(sample_names("depth", MetricKind::Gauge), ["depth"]);
    }

    #[test]
    fn a_counter_takes_the_same_names_with_or_without_total() {
        assert_eq!(
            sample_names("jobs", MetricKind::Counter),
            sample_names("jobs_total", MetricKind::Counter)
        );
    }

    #[test]
    fn taken_names_answer_for_every_family_taken_and_no_other() {
        let mut taken = TakenNames::default();
        taken.take(sample_names("latency_seconds", MetricKind::Histogram));
        taken.take(sample_names("jobs_total", MetricKind::Counter));
        let takes = |name, kind| taken.takes_any(&sample_names(name, kind));
        // A gauge named like one of the histogram's series.
        assert!(takes("latency_seconds_bucket", MetricKind::Gauge));
        // A counter spelled without `_total`, whose samples are the other counter's.
        assert!(takes("jobs", MetricKind::Counter));
        // A gauge named like the counter's OpenMetrics family.
        assert!(takes("jobs", MetricKind::Gauge));
        assert!(!takes("latency", MetricKind::Gauge));
        assert!(!takes("jobs_seconds", MetricKind::Histogram));
        assert!(!TakenNames::default().takes_any(&sample_names("jobs", MetricKind::Gauge)));
    }

    #[test]
    fn families_share_a_name_exactly_when_one_is_taken() {
        let counter = sample_names("jobs_total", MetricKind::Counter);
        let created = sample_names("jobs_created", MetricKind::Gauge);
        let other = sample_names("jobs_seconds", MetricKind::Gauge);
        assert!(share_a_name(&counter, &created));
        assert!(share_a_name(&created, &counter));
        assert!(!share_a_name(&counter, &other));
    }
}
