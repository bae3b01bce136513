//! Builds a registry from a plan, records the plan's operations, and reads back what every
//! series holds through the library's own accessors, each checked against a model of the
//! operations kept here.

pub use super::model::*;
use std::sync::Arc;

use tallymark_core::metric::DEFAULT_ZERO_THRESHOLD;
use tallymark_core::OVERFLOW_LABEL_VALUE;
use tallymark_core::{
    buckets, Counter, CounterFamily, Descriptor, Family, Gauge, GaugeFamily, Histogram,
    HistogramFamily, Info, IntGauge, IntGaugeFamily, Metric, NativeHistogram,
    NativeHistogramFamily, Registry, StateSet, Summary, SummaryFamily, DEFAULT_BUDGET,
};

use super::collected::*;
use super::readback::*;
use super::spec::{FamilySpec, Kind, LabelNameSpec, NameSpec, Op, RegistrySpec, INJECTION};

/// The facts a family was declared with that reading it needs.
#[derive(Clone, Debug)]
pub struct Declared {
    pub name: String,
    pub label_names: Vec<String>,
    /// The histogram bounds in force.
    pub bounds: Vec<f64>,
    /// The summary quantiles in force.
    pub quantiles: Vec<f64>,
    pub schema: i8,
    pub zero_threshold: f64,
    /// For a classic histogram, the schema of the native buckets it keeps too.
    pub native: Option<i8>,
    pub states: Vec<String>,
    pub info: Vec<(String, String)>,
}

/// One family, labelled or not, driven through label values (none for unlabelled ones).
pub trait Fam: Send + Sync {
    fn apply(&self, values: &[String], model: &mut Model, op: &Op, d: &Declared);
    fn read(
        &self,
        values: &[String],
        model: &Model,
        d: &Declared,
    ) -> Result<Vec<SeriesTruth>, String>;
    fn overflowed(&self) -> Option<u64> {
        None
    }
}

fn pairs_of(names: &[String], values: &[String]) -> Vec<(String, String)> {
    names.iter().cloned().zip(values.iter().cloned()).collect()
}

fn one(d: &Declared, values: &[String], data: Data) -> Vec<SeriesTruth> {
    vec![SeriesTruth {
        labels: pairs_of(&d.label_names, values),
        data,
    }]
}

/// `Fam` for the types that stand alone rather than in a family, which take no label
/// values.
macro_rules! impl_standalone_fam {
    ($($ty:ty => $apply:ident, $read:ident;)*) => {$(
        impl Fam for $ty {
            fn apply(&self, _: &[String], m: &mut Model, op: &Op, d: &Declared) {
                $apply(self, m, op, d);
            }
            fn read(&self, v: &[String], m: &Model, d: &Declared)
                -> Result<Vec<SeriesTruth>, String> {
                Ok(one(d, v, $read(self, m, d)?))
            }
        }
    )*};
}

impl_standalone_fam! {
    Counter => apply_counter, read_counter;
    Gauge => apply_gauge, read_gauge;
    IntGauge => apply_int, read_int;
    Histogram => apply_histogram, read_histogram;
    Summary => apply_summary, read_summary;
    NativeHistogram => apply_native, read_native;
}

impl Fam for StateSet {
    fn apply(&self, _: &[String], m: &mut Model, op: &Op, d: &Declared) {
        match op {
            Op::StateIndex(i) => {
                self.set_index(*i);
                if *i < d.states.len() {
                    m.state = *i;
                }
            }
            Op::StateName(s) => {
                let known = d.states.iter().position(|state| state == s);
                let set = self.set(s);
                // A wrong answer shows up as a state the model does not have.
                if let (Some(i), true) = (known, set) {
                    m.state = i;
                } else if set != known.is_some() {
                    m.state = usize::MAX;
                }
            }
            _ => {}
        }
    }
    fn read(&self, _: &[String], m: &Model, d: &Declared) -> Result<Vec<SeriesTruth>, String> {
        let current = d.states.get(m.state).map(String::as_str);
        if Some(self.state()) != current {
            return bad(format!(
                "state set is in {:?}, the model in {current:?}",
                self.state()
            ));
        }
        Ok(d.states
            .iter()
            .enumerate()
            .map(|(i, state)| SeriesTruth {
                labels: vec![(d.name.clone(), state.clone())],
                data: Data::Flag(u64::from(i == m.state)),
            })
            .collect())
    }
}

impl Fam for Info {
    fn apply(&self, _: &[String], _: &mut Model, _: &Op, _: &Declared) {}
    fn read(&self, _: &[String], _: &Model, d: &Declared) -> Result<Vec<SeriesTruth>, String> {
        let labels: Vec<(String, String)> = self
            .labels()
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        if labels != d.info {
            return bad(format!("info labels {labels:?}, declared {:?}", d.info));
        }
        Ok(vec![SeriesTruth {
            labels,
            data: Data::Flag(1),
        }])
    }
}

fn values<const N: usize>(values: &[String]) -> [&str; N] {
    std::array::from_fn(|i| values[i].as_str())
}

/// `Fam` for the labelled families: each call looks its label set up.
macro_rules! labelled {
    ($($family:ident => $apply:ident, $read:ident;)*) => {$(
        impl<const N: usize> Fam for $family<N> {
            fn apply(&self, v: &[String], m: &mut Model, op: &Op, d: &Declared) {
                $apply(&*self.labels(values::<N>(v)), m, op, d);
            }
            fn read(&self, v: &[String], m: &Model, d: &Declared)
                -> Result<Vec<SeriesTruth>, String> {
                Ok(one(d, v, $read(&*self.labels(values::<N>(v)), m, d)?))
            }
            fn overflowed(&self) -> Option<u64> {
                Some(Family::overflowed(self))
            }
        }
    )*};
}

labelled! {
    CounterFamily => apply_counter, read_counter;
    GaugeFamily => apply_gauge, read_gauge;
    IntGaugeFamily => apply_int, read_int;
    HistogramFamily => apply_histogram, read_histogram;
    SummaryFamily => apply_summary, read_summary;
    NativeHistogramFamily => apply_native, read_native;
}

fn leak(s: &str) -> &'static str {
    s.to_owned().leak()
}

fn shared<T: Fam + Metric + 'static>(metric: T) -> (Arc<dyn Fam>, Arc<dyn Metric>) {
    let metric = Arc::new(metric);
    (metric.clone(), metric)
}

/// Builds the metric for a family: unlabelled, or a family of one to three labels.
fn make(
    kind: &Kind,
    labelled: Option<usize>,
    desc: &'static Descriptor,
    d: &Declared,
) -> (Arc<dyn Fam>, Arc<dyn Metric>) {
    macro_rules! family {
        ($family:ident, $n:expr) => {
            match $n {
                1 => shared($family::<1>::new().described(desc)),
                2 => shared($family::<2>::new().described(desc)),
                _ => shared($family::<3>::new().described(desc)),
            }
        };
    }
    match (kind, labelled) {
        (Kind::Counter, None) => shared(Counter::new().described(desc)),
        (Kind::Gauge, None) => shared(Gauge::new().described(desc)),
        (Kind::IntGauge, None) => shared(IntGauge::new().described(desc)),
        (Kind::Histogram(_), None) => shared(unlabelled_histogram(desc, d)),
        (Kind::Summary(_), None) => shared(Summary::new().described(desc)),
        (Kind::Native(..), None) => shared(
            NativeHistogram::new()
                .with_schema(d.schema)
                .with_zero_threshold(d.zero_threshold)
                .described(desc),
        ),
        (Kind::StateSet(_), _) => {
            let states: Vec<&'static str> = d.states.iter().map(|s| leak(s)).collect();
            shared(StateSet::new(states.leak()).described(desc))
        }
        (Kind::Info(_), _) => {
            let pairs: Vec<(&'static str, &'static str)> =
                d.info.iter().map(|(n, v)| (leak(n), leak(v))).collect();
            shared(Info::new(pairs.leak()).described(desc))
        }
        (Kind::Counter, Some(n)) => family!(CounterFamily, n),
        (Kind::Gauge, Some(n)) => family!(GaugeFamily, n),
        (Kind::IntGauge, Some(n)) => family!(IntGaugeFamily, n),
        (Kind::Histogram(_), Some(n)) => family!(HistogramFamily, n),
        (Kind::Summary(_), Some(n)) => family!(SummaryFamily, n),
        (Kind::Native(..), Some(n)) => family!(NativeHistogramFamily, n),
    }
}

/// A classic histogram, with native buckets when declared so.
fn unlabelled_histogram(desc: &'static Descriptor, d: &Declared) -> Histogram {
    let histogram = Histogram::new();
    #[cfg(feature = "protobuf")]
    let histogram = match d.native {
        Some(schema) => histogram.with_native(schema),
        None => histogram,
    };
    #[cfg(not(feature = "protobuf"))]
    let _ = d;
    histogram.described(desc)
}

/// Which series the operations made, as the family must have routed them: a label set
/// seen before is its series; one reading `__overflow__` throughout is the overflow series;
/// past the budget, every lookup of a new set folds into overflow and is counted.
struct Routing {
    stored: Vec<Vec<String>>,
    models: Vec<Model>,
    overflow: Option<Model>,
    overflowed: u64,
}

impl Routing {
    fn route(
        &mut self,
        values: &[String],
        budget: usize,
        bounds: &[f64],
    ) -> (Vec<String>, &mut Model) {
        if let Some(i) = self.stored.iter().position(|s| s == values) {
            return (values.to_vec(), &mut self.models[i]);
        }
        let all_overflow = values.iter().all(|v| v == OVERFLOW_LABEL_VALUE);
        if all_overflow || self.stored.len() >= budget {
            if !all_overflow {
                self.overflowed += 1;
            }
            let overflow = vec![OVERFLOW_LABEL_VALUE.to_owned(); values.len()];
            return (
                overflow,
                self.overflow.get_or_insert_with(|| Model::new(bounds)),
            );
        }
        self.stored.push(values.to_vec());
        self.models.push(Model::new(bounds));
        (
            values.to_vec(),
            self.models.last_mut().expect("just pushed"),
        )
    }
}

/// What one scrape drops of the collector's families: series repeating an identity (or
/// in a family whose name another family takes), by family name; and invalid families.
/// The registry adds them up over its life, so scrape `k` reports `k` times these.
#[derive(Clone, Debug, Default)]
pub struct Drops {
    pub duplicates: std::collections::BTreeMap<String, u64>,
    pub invalid: u64,
}

/// A registry built from a plan, and the truth of every family it holds.
pub struct Built {
    pub registry: Registry,
    /// The registered families (in registration order), then the collected ones.
    pub truths: Vec<Truth>,
    pub drops: Drops,
    /// Unix seconds before the first metric was made: every `_created` is after it.
    pub started: f64,
}

pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

fn resolve_name(f: &FamilySpec, id: u64, k: usize, earlier: &[String]) -> String {
    let prefix = format!("r{id}m{k}_");
    match &f.name {
        NameSpec::Prefixed(tail) => format!("{prefix}{tail}"),
        NameSpec::Arbitrary(s) if valid_metric_name(s) => format!("{prefix}{s}"),
        NameSpec::Arbitrary(s) => s.clone(),
        NameSpec::Reserved(s) => (*s).to_owned(),
        NameSpec::SameAs(j) => match earlier.len() {
            0 => prefix,
            n => earlier[j % n].clone(),
        },
    }
}

/// Label value sets with each `INJECTION` replaced: the first set's value at that place,
/// then `",<next label name>="` and the first set's next value, as if closing one pair and
/// opening the next.
fn inject(sets: &[Vec<String>], names: &[String]) -> Vec<Vec<String>> {
    let first: Vec<String> = sets
        .first()
        .map(|s| {
            s.iter()
                .map(|v| {
                    if v == INJECTION {
                        String::new()
                    } else {
                        v.clone()
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    sets.iter()
        .map(|set| {
            set.iter()
                .enumerate()
                .map(|(p, v)| {
                    if v != INJECTION {
                        return v.clone();
                    }
                    let next = (p + 1) % names.len().max(1);
                    format!(
                        "{}\",{}=\"{}",
                        first.get(p).map_or("", String::as_str),
                        names.get(next).map_or("", String::as_str),
                        first.get(next).map_or("", String::as_str)
                    )
                })
                .collect()
        })
        .collect()
}

fn resolve_labels(kind: &Kind, specs: &[LabelNameSpec]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for spec in specs {
        let name = match spec {
            LabelNameSpec::Plain(s) | LabelNameSpec::Arbitrary(s) => s.clone(),
            LabelNameSpec::Own if kind.is_histogram() => "le".to_owned(),
            LabelNameSpec::Own => "quantile".to_owned(),
            LabelNameSpec::SameAs(j) => match names.len() {
                0 => "a".to_owned(),
                n => names[j % n].clone(),
            },
        };
        names.push(name);
    }
    names
}

fn declared(f: &FamilySpec, name: &str, label_names: Vec<String>) -> Declared {
    let labelled = f.labels.is_some();
    let bounds = match &f.kind {
        Kind::Histogram(b) if b.is_empty() => buckets::DEFAULT_BUCKETS.to_vec(),
        Kind::Histogram(b) => b.iter().copied().filter(|b| *b != f64::INFINITY).collect(),
        _ => Vec::new(),
    };
    let quantiles = match &f.kind {
        Kind::Summary(q) if q.is_empty() => tallymark_core::metric::DEFAULT_QUANTILES.to_vec(),
        Kind::Summary(q) => q.clone(),
        _ => Vec::new(),
    };
    // Half the unlabelled classic histograms keep native buckets too (only protobuf can
    // write them), picked by name so every seed still draws the registry it always drew.
    let by_name = name
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let native = match &f.kind {
        Kind::Histogram(_) if !labelled && cfg!(feature = "protobuf") && by_name % 2 == 0 => {
            Some((by_name / 2 % 13) as i8 - 4)
        }
        _ => None,
    };
    let (schema, zero_threshold) = match &f.kind {
        Kind::Native(s, z) if !labelled => (*s, *z),
        _ => (
            tallymark_core::metric::DEFAULT_SCHEMA,
            DEFAULT_ZERO_THRESHOLD,
        ),
    };
    Declared {
        name: name.to_owned(),
        label_names,
        bounds,
        quantiles,
        schema,
        zero_threshold,
        native,
        states: match &f.kind {
            Kind::StateSet(s) => s.clone(),
            _ => Vec::new(),
        },
        info: match &f.kind {
            Kind::Info(p) => p.clone(),
            _ => Vec::new(),
        },
    }
}

/// Builds, registers and records a plan. `Err` is a disagreement between the library and
/// this file's model: a wrong answer from `register`, or an accessor that reports what the
/// operations did not do.
pub fn build(spec: &RegistrySpec) -> Result<Built, String> {
    let started = unix_now() - 1e-3;
    // The model expects the self-metrics, so the outside parsers read them too.
    let registry = Registry::new().with_self_metrics();
    let mut names: Vec<String> = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    let mut truths = Vec::new();
    for (k, f) in spec.families.iter().enumerate() {
        let name = resolve_name(f, spec.id, k, &names);
        names.push(name.clone());
        let label_names = f
            .labels
            .as_ref()
            .map_or_else(Vec::new, |l| resolve_labels(&f.kind, l));
        let label_values = inject(&f.label_values, &label_names);
        let d = declared(f, &name, label_names.clone());
        let leaked_labels: Vec<&'static str> = label_names.iter().map(|n| leak(n)).collect();
        let mut desc = Descriptor::new(leak(&name), leak(&f.help))
            .with_unit(leak(&f.unit))
            .with_labels(leaked_labels.leak());
        if let Some(budget) = f.budget {
            desc = desc.with_budget(budget);
        }
        match &f.kind {
            Kind::Histogram(b) if !b.is_empty() => desc = desc.with_buckets(b.clone().leak()),
            Kind::Summary(q) if !q.is_empty() => desc = desc.with_quantiles(q.clone().leak()),
            _ => {}
        }
        let desc: &'static Descriptor = Box::leak(Box::new(desc));
        let (fam, metric) = make(&f.kind, f.labels.as_ref().map(Vec::len), desc, &d);
        let expected = expected_outcome(&name, &f.kind, &label_names, &taken);
        let result = registry.register(metric);
        let outcome = Outcome::of(&result);
        if outcome != expected {
            return bad(format!(
                "family {k} `{name}` ({:?}, labels {label_names:?}): register gave {result:?}, \
                 expected {expected:?}",
                f.kind
            ));
        }
        // Recorded whether or not it was registered: a refused family still records.
        let budget = f.budget.unwrap_or(DEFAULT_BUDGET);
        let mut routing = Routing {
            stored: Vec::new(),
            models: Vec::new(),
            overflow: None,
            overflowed: 0,
        };
        let mut unlabelled = Model::new(&d.bounds);
        for (pick, op) in &f.ops {
            if f.labels.is_some() {
                let values = &label_values[pick % label_values.len()];
                let (_, model) = routing.route(values, budget, &d.bounds);
                fam.apply(values, model, op, &d);
            } else {
                fam.apply(&[], &mut unlabelled, op, &d);
            }
        }
        if outcome != Outcome::Registered {
            continue;
        }
        taken.push(name.clone());
        let context = |e: String| format!("family {k} `{name}`: {e}");
        let mut series = Vec::new();
        let overflowed = if f.labels.is_some() {
            let reported = fam.overflowed();
            if reported != Some(routing.overflowed) {
                return bad(context(format!(
                    "overflowed() is {reported:?}, the model folded {} lookups",
                    routing.overflowed
                )));
            }
            for (values, model) in routing.stored.iter().zip(&routing.models) {
                series.extend(fam.read(values, model, &d).map_err(context)?);
            }
            if let Some(model) = &routing.overflow {
                let overflow = vec![OVERFLOW_LABEL_VALUE.to_owned(); label_names.len()];
                series.extend(fam.read(&overflow, model, &d).map_err(context)?);
            }
            reported
        } else {
            series.extend(fam.read(&[], &unlabelled, &d).map_err(context)?);
            None
        };
        truths.push(Truth {
            name,
            kind: metric_kind(&f.kind),
            help: f.help.clone(),
            unit: f.unit.clone(),
            series,
            overflowed,
            collected: false,
        });
    }
    let (collected, drops) = collect(spec, &names, &taken);
    truths.extend(collected);
    if !spec.collected.is_empty() {
        registry.register_collector(PlanCollector(
            spec.collected
                .iter()
                .zip(names_of_collected(spec, &names))
                .map(|(c, n)| (c.clone(), n))
                .collect(),
        ));
    }
    Ok(Built {
        registry,
        truths,
        drops,
        started,
    })
}
