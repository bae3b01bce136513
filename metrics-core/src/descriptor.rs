//! What a metric family is, as opposed to what it has counted: name, HELP, unit, label
//! names, buckets and the cardinality budget.

/// The default cardinality budget: how many distinct label sets one family may hold before
/// new ones fold into the overflow series.
pub const DEFAULT_BUDGET: usize = 10_000;

/// The type of a family, as written after `# TYPE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricKind {
    /// A monotonically increasing total.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Observations counted into buckets.
    Histogram,
    /// Observations summarised as quantiles over a sliding window, with a sum and count.
    Summary,
    /// Constant labels describing the target, `build_info` style; the value is always 1.
    Info,
    /// One of a fixed set of states is current, like Python's `Enum`.
    StateSet,
}

impl MetricKind {
    /// The word the Prometheus text format 0.0.4 uses for this type. It has no words for
    /// info and stateset, which it exposes as gauges, as Python's client does.
    ///
    /// ```
    /// use tallymark_core::MetricKind;
    /// assert_eq!(MetricKind::Summary.as_str(), "summary");
    /// assert_eq!(MetricKind::StateSet.as_str(), "gauge");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge | MetricKind::Info | MetricKind::StateSet => "gauge",
            MetricKind::Histogram => "histogram",
            MetricKind::Summary => "summary",
        }
    }

    /// The word OpenMetrics 1.0 uses for this type.
    ///
    /// ```
    /// use tallymark_core::MetricKind;
    /// assert_eq!(MetricKind::StateSet.openmetrics_str(), "stateset");
    /// ```
    pub const fn openmetrics_str(self) -> &'static str {
        match self {
            MetricKind::Info => "info",
            MetricKind::StateSet => "stateset",
            other => other.as_str(),
        }
    }
}

/// The static facts about one metric family.
///
/// `#[tallymark::metric]` builds one from the attribute and the doc comment; code that
/// registers metrics at run time builds one with the `const` builder methods.
///
/// ```
/// use tallymark_core::Descriptor;
///
/// const REQUESTS: Descriptor = Descriptor::new("requests_total", "Requests served.")
///     .with_labels(&["method"])
///     .with_budget(100);
/// assert_eq!(REQUESTS.label_names(), ["method"]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Descriptor {
    name: &'static str,
    help: &'static str,
    unit: &'static str,
    label_names: &'static [&'static str],
    buckets: &'static [f64],
    quantiles: &'static [f64],
    budget: usize,
    module: &'static str,
}

impl Descriptor {
    /// A descriptor with a name and HELP text, no labels and the default budget.
    pub const fn new(name: &'static str, help: &'static str) -> Self {
        Descriptor {
            name,
            help,
            unit: "",
            label_names: &[],
            buckets: &[],
            quantiles: &[],
            budget: DEFAULT_BUDGET,
            module: "",
        }
    }

    /// Sets the label names, in the order label values are given.
    pub const fn with_labels(mut self, names: &'static [&'static str]) -> Self {
        self.label_names = names;
        self
    }

    /// Sets the unit (`seconds`, `bytes`, ...).
    pub const fn with_unit(mut self, unit: &'static str) -> Self {
        self.unit = unit;
        self
    }

    /// Sets histogram bucket bounds; empty means the type's default.
    pub const fn with_buckets(mut self, buckets: &'static [f64]) -> Self {
        self.buckets = buckets;
        self
    }

    /// Sets the quantiles a summary reports; empty means the default 0.5, 0.9, 0.99.
    ///
    /// ```
    /// use tallymark_core::Descriptor;
    ///
    /// const SIZES: Descriptor =
    ///     Descriptor::new("size_bytes", "Sizes.").with_quantiles(&[0.5, 0.99]);
    /// assert_eq!(SIZES.quantiles(), [0.5, 0.99]);
    /// ```
    pub const fn with_quantiles(mut self, quantiles: &'static [f64]) -> Self {
        self.quantiles = quantiles;
        self
    }

    /// Sets how many label sets the family may hold before folding into overflow.
    pub const fn with_budget(mut self, budget: usize) -> Self {
        self.budget = budget;
        self
    }

    /// Records the module that declared the family, for collision reports.
    pub const fn with_module(mut self, module: &'static str) -> Self {
        self.module = module;
        self
    }

    /// The metric name as exposed.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The HELP text, unescaped.
    pub const fn help(&self) -> &'static str {
        self.help
    }

    /// The unit, or `""` when there is none.
    pub const fn unit(&self) -> &'static str {
        self.unit
    }

    /// The label names, in declaration order.
    pub const fn label_names(&self) -> &'static [&'static str] {
        self.label_names
    }

    /// Histogram bucket bounds given at declaration; empty means the default.
    pub const fn buckets(&self) -> &'static [f64] {
        self.buckets
    }

    /// Summary quantiles given at declaration; empty means the default.
    pub const fn quantiles(&self) -> &'static [f64] {
        self.quantiles
    }

    /// The cardinality budget.
    pub const fn budget(&self) -> usize {
        self.budget
    }

    /// The module that declared the family, or `""` when unknown.
    pub const fn module(&self) -> &'static str {
        self.module
    }
}

/// The descriptor of a metric built with `new()` and never described: it has no name, and
/// registries refuse it.
pub(crate) const UNNAMED: Descriptor = Descriptor::new("", "");
