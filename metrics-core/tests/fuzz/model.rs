//! The model a plan is checked against: what each series must hold, kept apart from the
//! library, and the rules of names and exemplars it follows.

use tallymark_core::encoding::Value;
use tallymark_core::{MetricKind, RegistryError};

use super::spec::{ExemplarLabels, Kind, RESERVED_NAMES};

/// Once found by this test: `Histogram::exemplars()` of an unlabelled histogram returned one
/// slot per inline cell (65), not one per bucket. Fixed; set to `true`, the slots past
/// `+Inf` would only be checked to be empty.
pub const EXEMPLAR_SLOTS_PAST_THE_BUCKETS: bool = false;

/// Bitwise equality, except that every NaN equals every NaN.
pub fn same_f64(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// The exposition grammar for metric names, written here rather than taken from the crate.
pub fn valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Label names: no colon, and `__` is reserved.
pub fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__")
}

/// Whether the library must keep these exemplar labels: 128 code points at most, valid
/// and distinct names.
pub fn exemplar_accepted(labels: &ExemplarLabels) -> bool {
    let runes: usize = labels
        .iter()
        .map(|(n, v)| n.chars().count() + v.chars().count())
        .sum();
    runes <= 128
        && labels.iter().enumerate().all(|(i, (name, _))| {
            valid_label_name(name) && !labels[..i].iter().any(|(earlier, _)| earlier == name)
        })
}

/// What `register` must answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Registered,
    InvalidName,
    Reserved,
    Duplicate,
}

impl Outcome {
    pub fn of(result: &Result<(), RegistryError>) -> Outcome {
        match result {
            Ok(()) => Outcome::Registered,
            Err(RegistryError::InvalidName(_)) => Outcome::InvalidName,
            Err(RegistryError::Reserved { .. }) => Outcome::Reserved,
            Err(RegistryError::Duplicate { .. }) => Outcome::Duplicate,
        }
    }
}

pub fn metric_kind(kind: &Kind) -> MetricKind {
    match kind {
        Kind::Counter => MetricKind::Counter,
        Kind::Gauge | Kind::IntGauge => MetricKind::Gauge,
        Kind::Histogram(_) | Kind::Native(..) => MetricKind::Histogram,
        Kind::Summary(_) => MetricKind::Summary,
        Kind::StateSet(_) => MetricKind::StateSet,
        Kind::Info(_) => MetricKind::Info,
    }
}

/// The rules, in the order the registry applies them: the name, the name for the type,
/// each label name, the self-metrics, the families already there.
pub fn expected_outcome(name: &str, kind: &Kind, labels: &[String], taken: &[String]) -> Outcome {
    if !valid_metric_name(name) {
        return Outcome::InvalidName;
    }
    match kind {
        Kind::Info(_) if !name.ends_with("_info") => return Outcome::InvalidName,
        Kind::StateSet(_) if !valid_label_name(name) => return Outcome::InvalidName,
        _ => {}
    }
    for (i, label) in labels.iter().enumerate() {
        let own = (kind.is_histogram() && label == "le")
            || (matches!(kind, Kind::Summary(_)) && label == "quantile");
        if !valid_label_name(label) || labels[..i].contains(label) || own {
            return Outcome::InvalidName;
        }
    }
    if RESERVED_NAMES.contains(&name) {
        return Outcome::Reserved;
    }
    if taken.iter().any(|t| t == name) {
        return Outcome::Duplicate;
    }
    Outcome::Registered
}

/// What the operations did to one series, computed here without the library.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub whole: u64,
    pub fraction: f64,
    pub exemplar: Option<(ExemplarLabels, f64)>,
    pub gauge: f64,
    pub int: i64,
    /// Non-cumulative, one per bound and one for `+Inf`.
    pub counts: Vec<u64>,
    pub slot_exemplars: Vec<Option<(ExemplarLabels, f64)>>,
    /// Whether `observe_with_exemplar` ever ran, which allocates the exemplar slots.
    pub exemplar_slots: bool,
    pub observations: u64,
    pub sum: f64,
    pub positive: u64,
    pub negative: u64,
    pub zero: u64,
    pub state: usize,
}

impl Model {
    pub fn new(bounds: &[f64]) -> Model {
        Model {
            counts: vec![0; bounds.len() + 1],
            slot_exemplars: vec![None; bounds.len() + 1],
            ..Model::default()
        }
    }
}

/// What one series holds, read through the accessors.
#[derive(Clone, Debug)]
pub enum Data {
    Counter {
        value: Value,
        exemplar: Option<Ex>,
    },
    Gauge(f64),
    Int(i64),
    Histogram {
        bounds: Vec<f64>,
        /// Cumulative, one per bound and the last for `+Inf`, which is the count.
        cumulative: Vec<u64>,
        sum: f64,
        /// One per bucket, `+Inf` last.
        exemplars: Vec<Option<Ex>>,
    },
    Summary {
        quantiles: Vec<(f64, f64)>,
        sum: f64,
        count: u64,
    },
    Native {
        schema: i32,
        zero_threshold: f64,
        zero_count: u64,
        positive: Vec<(i32, u64)>,
        negative: Vec<(i32, u64)>,
        count: u64,
        sum: f64,
    },
    /// A state set's sample, 0 or 1, or an info's, always 1.
    Flag(u64),
}

/// An exemplar: its labels as recorded (checked against the library's label text), and
/// the value and timestamp the library reports.
#[derive(Clone, Debug)]
pub struct Ex {
    pub labels: ExemplarLabels,
    pub value: f64,
    pub timestamp: f64,
}

#[derive(Clone, Debug)]
pub struct SeriesTruth {
    pub labels: Vec<(String, String)>,
    pub data: Data,
}

/// One registered family as the formats must show it.
#[derive(Clone, Debug)]
pub struct Truth {
    pub name: String,
    pub kind: MetricKind,
    pub help: String,
    pub unit: String,
    pub series: Vec<SeriesTruth>,
    /// For labelled families, how many lookups folded into overflow.
    pub overflowed: Option<u64>,
    /// A collector's family: written after the registered ones, without `_created`.
    pub collected: bool,
}
