//! The catalog of families: the global one built from every `#[tallymark::metric]`
//! declaration in the program, and explicit registries for tests.

mod catalog;
mod collector;
mod metric;

use std::fmt;
use std::sync::{Arc, RwLock};

pub use catalog::{global, Registration};
pub use collector::{CollectedFamily, Collection, Collector};
pub use metric::Metric;

use crate::descriptor::MetricKind;
use crate::encoding::text::{write_header, TextSamples};
use crate::encoding::{write_label_pairs, FamilyHeader, SampleSink, Value};
use crate::names::{check_label_name, check_metric_name, NameError};

/// Why a family was not registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryError {
    /// Two families claim one name (or one's samples would take the other's name).
    Duplicate {
        /// The contested name.
        name: String,
        /// The module of the family registered first.
        first: String,
        /// The module of the one refused.
        second: String,
    },
    /// A metric or label name breaks the exposition grammar.
    InvalidName(NameError),
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::Duplicate {
                name,
                first,
                second,
            } => write!(
                f,
                "metric `{name}` is declared twice: in `{first}` and in `{second}`"
            ),
            RegistryError::InvalidName(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RegistryError {}

impl From<NameError> for RegistryError {
    fn from(e: NameError) -> Self {
        RegistryError::InvalidName(e)
    }
}

/// A family held by a registry: a `static` or one shared at run time.
#[derive(Clone)]
enum Held {
    Static(&'static dyn Metric),
    Shared(Arc<dyn Metric>),
}

impl Held {
    fn get(&self) -> &dyn Metric {
        match self {
            Held::Static(m) => *m,
            Held::Shared(m) => &**m,
        }
    }
}

/// A set of families and collectors that encode together.
///
/// ```
/// use std::sync::Arc;
/// use tallymark_core::{Counter, Descriptor, Registry};
///
/// let registry = Registry::new();
/// let jobs = Arc::new(Counter::new().described(const { &Descriptor::new("jobs_total", "Jobs run.") }));
/// registry.register(jobs.clone()).unwrap();
/// jobs.inc();
/// assert_eq!(
///     registry.render(),
///     "# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\njobs_total 1\n"
/// );
/// ```
#[derive(Default)]
pub struct Registry {
    /// Sorted by name, so scrapes read the same every time.
    families: RwLock<Vec<Held>>,
    collectors: RwLock<Vec<Arc<dyn Collector>>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let families = self.families.read().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("Registry")
            .field("families", &families.len())
            .finish_non_exhaustive()
    }
}

/// The sample names a family writes, which must not collide with another family's.
fn sample_names(name: &str, kind: MetricKind) -> Vec<String> {
    match kind {
        MetricKind::Histogram => ["", "_bucket", "_sum", "_count"]
            .iter()
            .map(|suffix| format!("{name}{suffix}"))
            .collect(),
        MetricKind::Counter | MetricKind::Gauge => vec![name.to_owned()],
    }
}

fn clashes(a: (&str, MetricKind), b: (&str, MetricKind)) -> bool {
    let theirs = sample_names(b.0, b.1);
    sample_names(a.0, a.1).iter().any(|n| theirs.contains(n))
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Registers a family that lives in a `static`.
    pub fn register_static(&self, metric: &'static dyn Metric) -> Result<(), RegistryError> {
        self.insert(Held::Static(metric))
    }

    /// Registers a family shared with the code that records into it.
    pub fn register(&self, metric: Arc<dyn Metric>) -> Result<(), RegistryError> {
        self.insert(Held::Shared(metric))
    }

    /// Adds a collector, asked for its families at every scrape.
    pub fn register_collector(&self, collector: impl Collector + 'static) {
        self.collectors
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::new(collector));
    }

    fn insert(&self, held: Held) -> Result<(), RegistryError> {
        let desc = held.get().descriptor();
        let kind = held.get().kind();
        check_metric_name(desc.name())?;
        for label in desc.label_names() {
            check_label_name(label)?;
        }
        let mut families = self.families.write().unwrap_or_else(|e| e.into_inner());
        let existing = families.iter().map(Held::get).find(|other| {
            clashes(
                (other.descriptor().name(), other.kind()),
                (desc.name(), kind),
            )
        });
        if let Some(other) = existing {
            return Err(RegistryError::Duplicate {
                name: desc.name().to_owned(),
                first: other.descriptor().module().to_owned(),
                second: desc.module().to_owned(),
            });
        }
        let at = families.partition_point(|h| h.get().descriptor().name() < desc.name());
        families.insert(at, held);
        Ok(())
    }

    /// Appends every family in Prometheus text format 0.0.4.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let families = self.families.read().unwrap_or_else(|e| e.into_inner());
        for held in families.iter() {
            let metric = held.get();
            let desc = metric.descriptor();
            write_header(
                out,
                &FamilyHeader {
                    name: desc.name(),
                    help: desc.help(),
                    unit: desc.unit(),
                    kind: metric.kind(),
                },
            );
            metric.encode_series(&mut TextSamples::new(out, desc.name()));
        }
        let taken: Vec<(&str, MetricKind)> = families
            .iter()
            .map(|h| (h.get().descriptor().name(), h.get().kind()))
            .collect();
        self.encode_collected(out, &taken);
        self.encode_overflow_counts(out, &families);
    }

    /// The whole exposition as a string.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        self.encode(&mut out);
        // The encoder writes only UTF-8; the lossy branch never runs.
        String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into())
    }

    fn encode_collected(&self, out: &mut Vec<u8>, registered: &[(&str, MetricKind)]) {
        let collectors = self.collectors.read().unwrap_or_else(|e| e.into_inner());
        let mut collection = Collection::default();
        for collector in collectors.iter() {
            collector.collect(&mut collection);
        }
        let mut taken = registered.to_vec();
        let mut labels = Vec::new();
        for family in &collection.families {
            if let Err(e) = check_collected(family) {
                eprintln!("tallymark: collector family skipped: {e}");
                continue;
            }
            if taken
                .iter()
                .any(|t| clashes(*t, (&family.name, family.kind)))
            {
                eprintln!(
                    "tallymark: collector family skipped: metric `{}` is already registered",
                    family.name
                );
                continue;
            }
            taken.push((&family.name, family.kind));
            let header = FamilyHeader {
                name: &family.name,
                help: &family.help,
                unit: "",
                kind: family.kind,
            };
            write_header(out, &header);
            let mut sink = TextSamples::new(out, &family.name);
            for sample in &family.samples {
                labels.clear();
                write_label_pairs(
                    &mut labels,
                    sample.labels.iter().map(|(n, v)| (n.as_str(), v.as_str())),
                );
                sink.sample(&String::from_utf8_lossy(&labels), sample.value);
            }
        }
    }

    /// The self-metric behind cardinality budgets: how many lookups each budgeted family
    /// folded into its overflow series.
    fn encode_overflow_counts(&self, out: &mut Vec<u8>, families: &[Held]) {
        let budgeted: Vec<(&str, u64)> = families
            .iter()
            .filter_map(|h| Some((h.get().descriptor().name(), h.get().overflowed()?)))
            .collect();
        if budgeted.is_empty() {
            return;
        }
        let name = "tallymark_label_overflow_total";
        write_header(
            out,
            &FamilyHeader {
                name,
                help: "Label sets folded into a family's overflow series because its cardinality budget was spent.",
                unit: "",
                kind: MetricKind::Counter,
            },
        );
        let mut sink = TextSamples::new(out, name);
        let mut labels = Vec::new();
        for (family, count) in budgeted {
            labels.clear();
            write_label_pairs(&mut labels, [("family", family)]);
            sink.sample(&String::from_utf8_lossy(&labels), Value::Unsigned(count));
        }
    }
}

fn check_collected(family: &CollectedFamily) -> Result<(), NameError> {
    check_metric_name(&family.name)?;
    for sample in &family.samples {
        for (name, _) in &sample.labels {
            check_label_name(name)?;
        }
    }
    Ok(())
}
