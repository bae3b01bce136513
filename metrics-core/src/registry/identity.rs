//! One identity, one series, for what collectors yield: a collector computes its families
//! at every scrape, so nothing before the scrape can promise that their series are unique.
//! Here the same name given twice becomes one family, and a series whose labels an earlier
//! one of its family already had is dropped and counted.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use crate::labels::OVERFLOW_LABEL_VALUE;
use crate::registry::collector::{CollectedFamily, CollectedSample};

/// How many family names the count of dropped series keeps apart.
const MAX_FAMILIES: usize = 1000;

/// How many series each family lost to an earlier one with the same identity, over the
/// registry's life: the self-metric `tallymark_duplicate_series_dropped_total`.
#[derive(Debug, Default)]
pub(crate) struct DroppedSeries(Mutex<BTreeMap<String, u64>>);

impl DroppedSeries {
    pub(crate) fn add(&self, family: &str, n: usize) {
        if n == 0 {
            return;
        }
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        // A collector whose family names come from data could grow this without end; past
        // the cap, new names share one entry, as label sets past a budget do.
        let family = match counts.len() < MAX_FAMILIES || counts.contains_key(family) {
            true => family,
            false => OVERFLOW_LABEL_VALUE,
        };
        match counts.get_mut(family) {
            Some(count) => *count = count.saturating_add(n),
            None => {
                counts.insert(family.to_owned(), n);
            }
        }
    }

    /// The counts so far, by family name; empty until a series was dropped.
    pub(crate) fn counts(&self) -> Vec<(String, u64)> {
        let counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        counts.iter().map(|(f, n)| (f.clone(), *n)).collect()
    }
}

/// The collected families with one family per name, in the order first given. A name given
/// again with the same type adds its series to the first; with another type, its series are
/// dropped. Within a family, a series whose label pairs (in any order, and leaving out
/// empty values, which Prometheus reads as no label) an earlier series had is dropped. Every drop is counted in `dropped`.
pub(crate) fn unique_families(
    families: Vec<CollectedFamily>,
    dropped: &DroppedSeries,
) -> Vec<CollectedFamily> {
    let mut unique: Vec<CollectedFamily> = Vec::with_capacity(families.len());
    let mut position: HashMap<String, usize> = HashMap::new();
    for family in families {
        match position.get(&family.name).map(|&at| &mut unique[at]) {
            Some(first) if first.kind == family.kind => first.samples.extend(family.samples),
            Some(_) => dropped.add(&family.name, family.samples.len()),
            None => {
                position.insert(family.name.clone(), unique.len());
                unique.push(family);
            }
        }
    }
    for family in &mut unique {
        let before = family.samples.len();
        family.samples = unique_samples(std::mem::take(&mut family.samples));
        dropped.add(&family.name, before - family.samples.len());
    }
    unique
}

fn unique_samples(samples: Vec<CollectedSample>) -> Vec<CollectedSample> {
    let mut seen: HashSet<Vec<(String, String)>> = HashSet::with_capacity(samples.len());
    samples
        .into_iter()
        .filter(|sample| {
            let mut identity: Vec<(String, String)> = sample
                .labels
                .iter()
                .filter(|(_, value)| !value.is_empty())
                .cloned()
                .collect();
            identity.sort();
            seen.insert(identity)
        })
        .collect()
}
