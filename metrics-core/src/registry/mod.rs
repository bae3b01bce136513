//! The catalog of families: the global one built from every `#[tallymark::metric]`
//! declaration in the program, and explicit registries for tests.

mod catalog;
mod collector;
mod encode;
mod identity;
mod metric;
mod warning;

use std::fmt;
use std::sync::{Arc, RwLock};

pub use catalog::{global, Registration};
pub use collector::{CollectedFamily, Collection, Collector};
pub use metric::Metric;
pub use warning::{CatalogWarning, SourceLocation};

use crate::descriptor::MetricKind;
use crate::encoding::openmetrics::family_name;
use crate::metric::clock::unix_seconds;
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

/// Why a family's name does not suit its type, beyond the general grammar.
fn kind_name_problem(name: &str, kind: MetricKind) -> Option<&'static str> {
    match kind {
        MetricKind::Info if !name.ends_with("_info") => {
            Some("an info metric's name ends in `_info`")
        }
        // A stateset's samples are labelled with its own name.
        MetricKind::StateSet => crate::names::label_name_problem(name)
            .map(|_| "a state set's name must also be a valid label name"),
        _ => None,
    }
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

/// A family held by a registry: a `static` or one shared at run time, and when it was
/// registered, which is the `_created` time of its unlabelled series.
#[derive(Clone)]
struct Held {
    metric: HeldMetric,
    registered: f64,
}

#[derive(Clone)]
enum HeldMetric {
    Static(&'static dyn Metric),
    Shared(Arc<dyn Metric>),
}

impl Held {
    fn get(&self) -> &dyn Metric {
        match &self.metric {
            HeldMetric::Static(m) => *m,
            HeldMetric::Shared(m) => &**m,
        }
    }
}

/// A set of families and collectors that encode together, in any [`Format`].
///
/// [`Format`]: crate::encoding::Format
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
    /// Whether process-wide self-metrics (dropped exemplars) belong here: only in the
    /// global registry, so explicit registries show exactly what was put in them.
    process_metrics: bool,
    /// Collected series dropped for repeating an identity.
    duplicates: identity::DroppedSeries,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let families = self.families.read().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("Registry")
            .field("families", &families.len())
            .finish_non_exhaustive()
    }
}

/// The sample names a family writes in any format, and its OpenMetrics family name, none
/// of which may be another family's.
fn sample_names(name: &str, kind: MetricKind) -> Vec<String> {
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
        self.insert(HeldMetric::Static(metric))
    }

    /// Registers a family shared with the code that records into it.
    pub fn register(&self, metric: Arc<dyn Metric>) -> Result<(), RegistryError> {
        self.insert(HeldMetric::Shared(metric))
    }

    /// Adds a collector, asked for its families at every scrape.
    pub fn register_collector(&self, collector: impl Collector + 'static) {
        self.collectors
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::new(collector));
    }

    fn insert(&self, metric: HeldMetric) -> Result<(), RegistryError> {
        let held = Held {
            metric,
            registered: unix_seconds(),
        };
        let desc = held.get().descriptor();
        let kind = held.get().kind();
        check_metric_name(desc.name())?;
        if let Some(reason) = kind_name_problem(desc.name(), kind) {
            return Err(RegistryError::InvalidName(NameError {
                name: desc.name().to_owned(),
                reason,
            }));
        }
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

    /// The whole exposition in the 0.0.4 text format, as a string.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        self.encode(&mut out);
        // The encoder writes only UTF-8; the lossy branch never runs.
        String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into())
    }
}
