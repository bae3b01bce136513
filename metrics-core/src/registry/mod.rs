//! The catalog of families: the global one built from every `#[tallymark::metric]`
//! declaration in the program, and explicit registries for tests.

mod collector;
mod encode;
mod identity;
mod metric;
mod rules;
mod sample_names;
mod self_metrics;
mod target_info;
mod warning;

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};

pub use collector::{CollectedFamily, Collection, Collector};
pub use metric::Metric;
pub use warning::{CatalogWarning, SourceLocation};

use crate::clock::unix_seconds;
use crate::descriptor::{Descriptor, MetricKind};
use crate::names::NameError;
use rules::check_family;
pub(crate) use rules::SelfMetric;
use sample_names::{sample_names, share_a_name, written, TakenNames};

/// The labels of a family whose values are known up front, each with its values in
/// declaration order: what [`Registry::families_with_label_values`] reports.
pub type KnownValues = Vec<(String, Vec<String>)>;

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
    /// Two families whose names differ, but not once an escaping scheme rewrites them for a
    /// scraper of legacy names (`a.b` and `a_b`): such a scrape would hold both as one.
    EscapedAlike {
        /// The name refused.
        name: String,
        /// The name of the family registered first.
        other: String,
    },
    /// A metric or label name breaks the exposition grammar, or a label name is one the
    /// family cannot have (twice, `le` on a histogram, `quantile` on a summary).
    InvalidName(NameError),
    /// The name, or one of the names its samples take, is one of tallymark's own
    /// self-metrics.
    Reserved {
        /// The name refused.
        name: String,
        /// The self-metric it would collide with.
        self_metric: &'static str,
    },
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
            RegistryError::EscapedAlike { name, other } => write!(
                f,
                "metric `{name}` is written like `{other}` once escaped for a scraper of \
                 legacy names; rename one of them"
            ),
            RegistryError::InvalidName(e) => e.fmt(f),
            RegistryError::Reserved { name, self_metric } => write!(
                f,
                "metric `{name}` would collide with tallymark's self-metric `{self_metric}`"
            ),
        }
    }
}

impl std::error::Error for RegistryError {}

impl From<NameError> for RegistryError {
    fn from(e: NameError) -> Self {
        RegistryError::InvalidName(e)
    }
}

/// A family held by a registry: a `static` or one shared at run time, when it was
/// registered, which is the `_created` time of its unlabelled series, and the names its
/// samples take, which scrapes that select by name look up.
pub(crate) struct Held {
    metric: HeldMetric,
    registered: f64,
    sample_names: Vec<String>,
}

enum HeldMetric {
    Static(&'static dyn Metric),
    Shared(Arc<dyn Metric>),
}

impl Held {
    fn get(&self) -> &dyn Metric {
        self.metric.get()
    }
}

impl HeldMetric {
    fn get(&self) -> &dyn Metric {
        match self {
            HeldMetric::Static(m) => *m,
            HeldMetric::Shared(m) => &**m,
        }
    }
}

/// A registry's families, and every sample name they take, which a collected family must
/// not take too.
#[derive(Default)]
struct Families {
    /// Sorted by name, so scrapes read the same every time.
    held: Vec<Held>,
    /// Shared, so a scrape keeps them while its collectors run without the lock; a family
    /// registered meanwhile copies them (`Arc::make_mut`) rather than waiting.
    taken: Arc<TakenNames>,
    /// The labels of `target_info`, once set.
    target: Option<Vec<(String, String)>>,
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
    families: RwLock<Families>,
    collectors: RwLock<Vec<Arc<dyn Collector>>>,
    /// Whether the self-metrics are written: by default only by the global registry, so
    /// an explicit one shows exactly what was put in it. What they count is counted either
    /// way.
    self_metrics: bool,
    /// Whether the process-wide self-metric (dropped exemplars) is written here: only by
    /// the global registry, so a process exposes it once, however many registries it has.
    process_metrics: bool,
    /// Collected series dropped for repeating an identity.
    duplicates: identity::DroppedSeries,
    /// Collected families dropped for breaking the exposition rules.
    invalid_families: AtomicU64,
    /// Walks started inside a collector, whose collectors were skipped.
    nested_collections: AtomicU64,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let families = self.families.read().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("Registry")
            .field("families", &families.held.len())
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// An empty registry, which writes exactly what is put in it: none of tallymark's
    /// self-metrics unless [`with_self_metrics`](Registry::with_self_metrics) asks for them.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Writes tallymark's self-metrics after the registry's families, as the global
    /// registry does: `tallymark_label_overflow_total` for each family with a cardinality
    /// budget, and each count of dropped or skipped input once it is non-zero. Only the
    /// global registry writes the process-wide `tallymark_exemplars_dropped_total`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tallymark_core::{CounterFamily, Descriptor, Registry};
    ///
    /// const LOGINS: Descriptor = Descriptor::new("logins_total", "Logins.").with_labels(&["user"]);
    /// let logins = Arc::new(CounterFamily::<1>::new().described(&LOGINS));
    /// logins.labels(["ada"]).inc();
    /// let family = "# HELP logins_total Logins.\n# TYPE logins_total counter\nlogins_total{user=\"ada\"} 1\n";
    ///
    /// let plain = Registry::new();
    /// plain.register(logins.clone()).unwrap();
    /// assert_eq!(plain.render(), family);
    ///
    /// let watched = Registry::new().with_self_metrics();
    /// watched.register(logins).unwrap();
    /// let overflow = [
    ///     "# HELP tallymark_label_overflow_total Label sets folded into a family's overflow series because its cardinality budget was spent.",
    ///     "# TYPE tallymark_label_overflow_total counter",
    ///     "tallymark_label_overflow_total{family=\"logins_total\"} 0",
    /// ]
    /// .map(|line| format!("{line}\n"))
    /// .concat();
    /// assert_eq!(watched.render(), format!("{family}{overflow}"));
    /// ```
    pub fn with_self_metrics(mut self) -> Self {
        self.self_metrics = true;
        self
    }

    /// The global registry's configuration: it writes the self-metrics and, once for the
    /// process, the process-wide ones.
    pub(crate) fn process_wide() -> Self {
        Registry {
            self_metrics: true,
            process_metrics: true,
            ..Registry::default()
        }
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
        let registered = unix_seconds();
        let desc = metric.get().descriptor();
        let kind = metric.get().kind();
        let names = sample_names(desc.name(), kind);
        check_family(
            desc.name(),
            kind,
            desc.label_names().iter().copied(),
            &names,
        )?;
        let mut families = self.families.write().unwrap_or_else(|e| e.into_inner());
        if families.taken.takes_any(&names) {
            // Only a refusal needs to know which family took the name, so only a refusal
            // scans for it: the first, in name order, that shares one.
            let first = families
                .held
                .iter()
                .find(|other| share_a_name(&other.sample_names, &names))
                .map(|other| (other.get().descriptor(), &other.sample_names));
            return Err(match first {
                Some((other, taken)) if !share_a_name(written(taken), written(&names)) => {
                    RegistryError::EscapedAlike {
                        name: desc.name().to_owned(),
                        other: other.name().to_owned(),
                    }
                }
                _ => RegistryError::Duplicate {
                    name: desc.name().to_owned(),
                    first: first.map_or("", |(other, _)| other.module()).to_owned(),
                    second: desc.module().to_owned(),
                },
            });
        }
        Arc::make_mut(&mut families.taken).take(names.iter().cloned());
        let held = Held {
            metric,
            registered,
            sample_names: names,
        };
        let at = families
            .held
            .partition_point(|h| h.get().descriptor().name() < desc.name());
        families.held.insert(at, held);
        Ok(())
    }

    /// The descriptor and type of every registered family, sorted by name: what the
    /// generated rules, dashboard and reference are made from. Collectors' families are
    /// known only once they run, so they are not listed.
    pub fn families(&self) -> Vec<(&'static Descriptor, MetricKind)> {
        let families = self.families.read().unwrap_or_else(|e| e.into_inner());
        families
            .held
            .iter()
            .map(|held| (held.get().descriptor(), held.get().kind()))
            .collect()
    }

    /// Like [`Registry::families`], with each family's known label values: for every label
    /// whose values are fixed before any is recorded (an enum or `bool` label set, a state
    /// set's states), its name and values in declaration order. Labels whose values are
    /// strings are absent. It allocates, so it is for catalogs rather than scrapes.
    pub fn families_with_label_values(
        &self,
    ) -> Vec<(&'static Descriptor, MetricKind, KnownValues)> {
        let families = self.families.read().unwrap_or_else(|e| e.into_inner());
        families
            .held
            .iter()
            .map(|held| {
                let metric = held.get();
                let mut known: KnownValues = Vec::new();
                metric.label_values(&mut |name, value| match known
                    .iter_mut()
                    .find(|(n, _)| n == name)
                {
                    Some((_, values)) => values.push(value.to_owned()),
                    None => known.push((name.to_owned(), vec![value.to_owned()])),
                });
                (metric.descriptor(), metric.kind(), known)
            })
            .collect()
    }

    /// Whether the registry writes tallymark's self-metrics, among them
    /// `tallymark_label_overflow_total`.
    pub fn writes_self_metrics(&self) -> bool {
        self.self_metrics
    }

    /// The whole exposition in the 0.0.4 text format, as a string.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        self.encode(&mut out);
        // The encoder writes only UTF-8; the lossy branch never runs.
        String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into())
    }
}
