//! `target_info`: constant labels that describe the whole registry (the service, its
//! version, where it runs), written as one OpenMetrics info family, as Python's
//! `set_target_info` does and as OpenTelemetry's resource attributes arrive in Prometheus.

use std::sync::{Arc, LazyLock};

use crate::descriptor::MetricKind;
use crate::encoding::{Encoder, FamilyHeader, LabelPairs, SeriesMeta, Value};
use crate::registry::encode::Selection;
use crate::registry::rules::check_labels;
use crate::registry::sample_names::{sample_names, share_a_name};
use crate::registry::{Families, Registry, RegistryError};

/// The family's name, which OpenMetrics writes as the info family `target`.
const NAME: &str = "target_info";

/// What the family says it is.
const HELP: &str = "Target metadata.";

/// The sample names the family takes, worked out once.
fn names() -> &'static [String] {
    static NAMES: LazyLock<Vec<String>> = LazyLock::new(|| sample_names(NAME, MetricKind::Info));
    &NAMES
}

impl Registry {
    /// Sets the labels of `target_info`, replacing any set before: facts about the whole
    /// registry, written as `target_info{...} 1` (an info family in OpenMetrics) first in
    /// every scrape, and read by exporters as resource attributes.
    ///
    /// The label names follow the rules of any family's; once set, the name `target_info`
    /// stays taken, so no family can be registered under it.
    ///
    /// ```
    /// use tallymark_core::Registry;
    ///
    /// let registry = Registry::new();
    /// registry
    ///     .set_target_info(&[("service.name", "billing"), ("version", "1.4.2")])
    ///     .unwrap();
    /// assert_eq!(
    ///     registry.render(),
    ///     "# HELP target_info Target metadata.\n# TYPE target_info gauge\n\
    ///      target_info{service_name=\"billing\",version=\"1.4.2\"} 1\n"
    /// );
    /// assert_eq!(
    ///     registry.set_target_info(&[("", "x")]).unwrap_err().to_string(),
    ///     "a label name cannot be empty"
    /// );
    /// ```
    pub fn set_target_info(&self, labels: &[(&str, &str)]) -> Result<(), RegistryError> {
        check_labels(NAME, MetricKind::Info, labels.iter().map(|(name, _)| *name))?;
        let mut families = self.families.write().unwrap_or_else(|e| e.into_inner());
        if families.target.is_none() {
            if families.taken.takes_any(names()) {
                let first = families
                    .held
                    .iter()
                    .find(|held| share_a_name(&held.sample_names, names()))
                    .map_or("", |held| held.get().descriptor().module());
                return Err(RegistryError::Duplicate {
                    name: NAME.to_owned(),
                    first: first.to_owned(),
                    second: String::new(),
                });
            }
            Arc::make_mut(&mut families.taken).take(names().iter().cloned());
        }
        families.target = Some(
            labels
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        );
        Ok(())
    }

    /// The labels `set_target_info` set, in order; empty when it was not called.
    pub fn target_info(&self) -> Vec<(String, String)> {
        let families = self.families.read().unwrap_or_else(|e| e.into_inner());
        families.target.clone().unwrap_or_default()
    }
}

/// Writes `target_info`, when it is set and selected.
pub(crate) fn encode_target_info(
    families: &Families,
    encoder: &mut dyn Encoder,
    selection: &Selection<'_>,
) {
    let Some(labels) = &families.target else {
        return;
    };
    if !selection.includes(names()) {
        return;
    }
    let header = FamilyHeader {
        name: NAME,
        help: HELP,
        unit: "",
        kind: MetricKind::Info,
        created: None,
    };
    encoder.family(&header, &mut |sink| {
        sink.scalar(
            SeriesMeta::labels(LabelPairs::owned(labels)),
            Value::Unsigned(1),
            None,
        );
    });
}
