//! The names a family's samples take, which no other family may take too. They depend only
//! on a family's name and type, so each is worked out once: a registered family's when it
//! is registered, a self-metric's once per process, a collected family's once per scrape.

use std::collections::HashSet;

use foldhash::fast::RandomState;

use crate::descriptor::MetricKind;
use crate::encoding::openmetrics::family_name;
use crate::names::{escape_metric_name, Escaping};

/// The sample names a family writes in any format, and its OpenMetrics family name, none
/// of which may be another family's: as written, then as each escaping scheme writes them.
///
/// An escaped name is kept behind a control character naming its scheme, which no name
/// holds: two names collide only when one scheme writes them alike (`a.b` and `a_b`
/// under underscores), never because one scheme's form of one is another's of the other.
/// A name from a scrape's `name[]` selection is compared with the names as written alone.
pub(crate) fn sample_names(name: &str, kind: MetricKind) -> Vec<String> {
    let mut names = written_names(name, kind);
    let written = names.len();
    for (tag, scheme) in ['\u{1}', '\u{2}', '\u{3}']
        .into_iter()
        .zip(Escaping::REWRITING)
    {
        for i in 0..written {
            let escaped = format!("{tag}{}", escape_metric_name(&names[i], scheme));
            names.push(escaped);
        }
    }
    names
}

/// The names as written of a family's [`sample_names`], without the escaped forms.
pub(crate) fn written(names: &[String]) -> &[String] {
    let end = names
        .iter()
        .position(|n| n.starts_with(['\u{1}', '\u{2}', '\u{3}']))
        .unwrap_or(names.len());
    &names[..end]
}

/// The names as written, without the escaped forms.
fn written_names(name: &str, kind: MetricKind) -> Vec<String> {
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
            written_names("jobs_total", MetricKind::Counter),
            ["jobs", "jobs_total", "jobs_created"]
        );
        assert_eq!(
            written_names("latency_seconds", MetricKind::Histogram),
            [
                "latency_seconds",
                "latency_seconds_bucket",
                "latency_seconds_sum",
                "latency_seconds_count",
                "latency_seconds_created",
            ]
        );
        assert_eq!(
            written_names("build_info", MetricKind::Info),
            ["build", "build_info"]
        );
        assert_eq!(
            sample_names("a.b", MetricKind::Gauge),
            ["a.b", "\u{1}a_b", "\u{2}a_dot_b", "\u{3}U__a_2e_b"]
        );
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
    fn names_one_scheme_writes_alike_collide_and_no_others() {
        let mut taken = TakenNames::default();
        taken.take(sample_names("a_b", MetricKind::Gauge));
        taken.take(sample_names("x__y", MetricKind::Gauge));
        taken.take(sample_names("U__p_2e_q", MetricKind::Gauge));
        let takes = |name| taken.takes_any(&sample_names(name, MetricKind::Gauge));
        // Underscores write both `a_b`; values write both `U__p_2e_q`.
        assert!(takes("a.b"));
        assert!(takes("a-b"));
        assert!(takes("p.q"));
        // Dots write `x____y` for `x__y` and `x__y` for `x_y`, `x-y` or `x.y`'s `x_dot_y`:
        // no scheme writes `x_y` as another writes `x__y`.
        assert!(!takes("x_y"));
        assert!(!takes("x.y"));
        assert!(!takes("a.c"));
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
