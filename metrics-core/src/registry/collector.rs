//! Collectors: families whose values are computed at scrape time.

use crate::descriptor::MetricKind;
use crate::encoding::Value;

/// A source of families computed when scraped, like a connection pool's live statistics.
///
/// ```
/// use tallymark_core::{Collection, Collector, Registry};
///
/// struct Pool;
///
/// impl Collector for Pool {
///     fn collect(&self, out: &mut Collection) {
///         out.gauge("pool_connections", "Connections by state.")
///             .sample(&[("state", "idle")], 3.0)
///             .sample(&[("state", "busy")], 1.0);
///     }
/// }
///
/// let registry = Registry::new();
/// registry.register_collector(Pool);
/// let expected = [
///     "# HELP pool_connections Connections by state.",
///     "# TYPE pool_connections gauge",
///     "pool_connections{state=\"idle\"} 3",
///     "pool_connections{state=\"busy\"} 1",
/// ];
/// assert_eq!(registry.render(), expected.map(|l| format!("{l}\n")).concat());
/// ```
pub trait Collector: Send + Sync {
    /// Adds this scrape's families to `out`.
    fn collect(&self, out: &mut Collection);
}

/// The families one collector produced for one scrape.
#[derive(Debug, Default)]
pub struct Collection {
    pub(crate) families: Vec<CollectedFamily>,
}

impl Collection {
    /// Starts a gauge family.
    pub fn gauge(&mut self, name: &str, help: &str) -> &mut CollectedFamily {
        self.family(name, help, MetricKind::Gauge)
    }

    /// Starts a counter family; its name ends in `_total`.
    pub fn counter(&mut self, name: &str, help: &str) -> &mut CollectedFamily {
        self.family(name, help, MetricKind::Counter)
    }

    fn family(&mut self, name: &str, help: &str, kind: MetricKind) -> &mut CollectedFamily {
        self.families.push(CollectedFamily {
            name: name.to_owned(),
            help: help.to_owned(),
            kind,
            samples: Vec::new(),
        });
        let last = self.families.len() - 1;
        &mut self.families[last]
    }
}

/// One family a collector produced.
#[derive(Debug)]
pub struct CollectedFamily {
    pub(crate) name: String,
    pub(crate) help: String,
    pub(crate) kind: MetricKind,
    pub(crate) samples: Vec<CollectedSample>,
}

#[derive(Debug)]
pub(crate) struct CollectedSample {
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) value: Value,
}

impl CollectedFamily {
    /// Adds a sample with the given `(name, value)` label pairs; `&[]` for none.
    pub fn sample(&mut self, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.samples.push(CollectedSample {
            labels: labels
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            value: Value::Float(value),
        });
        self
    }
}
