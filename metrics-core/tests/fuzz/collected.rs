//! The collector of a plan, and what the registry must make of the families it yields at
//! one scrape.

use super::build::*;
use super::readback::*;
use super::spec::*;
use tallymark_core::encoding::Value;
use tallymark_core::MetricKind;

/// The names of the collector's families, after the registered ones'.
pub fn names_of_collected(spec: &RegistrySpec, registered: &[String]) -> Vec<String> {
    let mut names = registered.to_vec();
    for (c, f) in spec.collected.iter().enumerate() {
        let k = spec.families.len() + c;
        let name = match &f.name {
            NameSpec::Prefixed(tail) => format!("r{}m{k}_{tail}", spec.id),
            NameSpec::Arbitrary(s) if valid_metric_name(s) => format!("r{}m{k}_{s}", spec.id),
            NameSpec::Arbitrary(s) => s.clone(),
            NameSpec::Reserved(s) => (*s).to_owned(),
            NameSpec::SameAs(j) => match names.len() {
                0 => format!("r{}m{k}_", spec.id),
                n => names[j % n].clone(),
            },
        };
        names.push(name);
    }
    names.split_off(registered.len())
}

/// A collected sample: its label pairs and value.
pub type Sample = (Vec<(String, String)>, f64);

/// Yields the plan's collected families at every scrape.
pub struct PlanCollector(pub Vec<(CollectedSpec, String)>);

impl tallymark_core::Collector for PlanCollector {
    fn collect(&self, out: &mut tallymark_core::Collection) {
        for (spec, name) in &self.0 {
            let family = if spec.counter {
                out.counter(name, &spec.help)
            } else {
                out.gauge(name, &spec.help)
            };
            for (labels, value) in &spec.samples {
                family.sample(&pairs(labels), *value);
            }
        }
    }
}

/// What the registry must make of the collector's families at one scrape, as documented:
/// one family per name (a repeat of the same type adds its series, of another type drops
/// them); within a family, a series whose label pairs (in any order, empty values left
/// out) an earlier one had is dropped; a family with an invalid name or label name is
/// dropped whole; one whose name a registered family has, or one of its samples' names,
/// is dropped with its series.
pub fn collect(
    spec: &RegistrySpec,
    registered: &[String],
    taken: &[String],
) -> (Vec<Truth>, Drops) {
    let mut drops = Drops::default();
    let drop_series = |drops: &mut Drops, name: &str, n: usize| {
        if n > 0 {
            *drops.duplicates.entry(name.to_owned()).or_default() += n as u64;
        }
    };
    let names = names_of_collected(spec, registered);
    // (name, counter, help, samples)
    let mut unique: Vec<(String, bool, String, Vec<Sample>)> = Vec::new();
    for (c, name) in spec.collected.iter().zip(&names) {
        match unique.iter_mut().find(|u| &u.0 == name) {
            Some(first) if first.1 == c.counter => first.3.extend(c.samples.iter().cloned()),
            Some(_) => drop_series(&mut drops, name, c.samples.len()),
            None => unique.push((name.clone(), c.counter, c.help.clone(), c.samples.clone())),
        }
    }
    let mut out = Vec::new();
    for (name, counter, help, samples) in unique {
        let mut seen: Vec<Vec<(String, String)>> = Vec::new();
        let before = samples.len();
        let samples: Vec<Sample> = samples
            .into_iter()
            .filter(|(labels, _)| {
                let mut identity: Vec<(String, String)> = labels
                    .iter()
                    .filter(|(_, v)| !v.is_empty())
                    .cloned()
                    .collect();
                identity.sort();
                let fresh = !seen.contains(&identity);
                seen.push(identity);
                fresh
            })
            .collect();
        drop_series(&mut drops, &name, before - samples.len());
        let valid_labels = |labels: &[(String, String)]| {
            labels.iter().enumerate().all(|(i, (n, _))| {
                valid_label_name(n) && !labels[..i].iter().any(|(earlier, _)| earlier == n)
            })
        };
        let countable = |v: f64| !counter || v >= 0.0;
        // Label names on different samples that one scheme writes alike.
        let all_names: Vec<&String> = samples
            .iter()
            .flat_map(|(l, _)| l.iter().map(|(n, _)| n))
            .collect();
        let apart = all_names
            .iter()
            .all(|a| all_names.iter().all(|b| !labels_escape_alike(a, b)));
        let valid = apart
            && valid_metric_name(&name)
            && !RESERVED_NAMES.contains(&name.as_str())
            && samples
                .iter()
                .all(|(labels, v)| valid_labels(labels) && countable(*v));
        if !valid {
            drops.invalid += 1;
            continue;
        }
        if taken.contains(&name) {
            drop_series(&mut drops, &name, samples.len());
            continue;
        }
        let series = samples
            .into_iter()
            .map(|(labels, v)| SeriesTruth {
                labels,
                data: if counter {
                    Data::Counter {
                        value: Value::Float(v),
                        exemplar: None,
                    }
                } else {
                    Data::Gauge(v)
                },
            })
            .collect();
        out.push(Truth {
            name,
            kind: if counter {
                MetricKind::Counter
            } else {
                MetricKind::Gauge
            },
            help,
            unit: String::new(),
            series,
            overflowed: None,
            collected: true,
        });
    }
    (out, drops)
}
