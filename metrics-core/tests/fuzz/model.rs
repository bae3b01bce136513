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

/// Prometheus 3's rule for metric names, written here rather than taken from the crate:
/// any text but the empty one, without control characters.
pub fn valid_metric_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_ascii_control())
}

/// Label names: as metric names, and `__` is reserved, also once escaped with underscores.
pub fn valid_label_name(name: &str) -> bool {
    valid_metric_name(name)
        && !name.starts_with("__")
        && !escape(name, Scheme::Underscores, false).starts_with("__")
}

/// The escaping schemes that rewrite names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Underscores,
    Dots,
    Values,
}

/// A name as `scheme` writes it, after Prometheus's `EscapeName`; `colon` says whether the
/// legacy grammar allows `:` (metric names) or not (label names).
pub fn escape(name: &str, scheme: Scheme, colon: bool) -> String {
    let allowed = |i: usize, c: char| {
        c.is_ascii_alphabetic() || c == '_' || (colon && c == ':') || (i > 0 && c.is_ascii_digit())
    };
    let legacy = !name.is_empty() && name.char_indices().all(|(i, c)| allowed(i, c));
    let mut out = String::new();
    match scheme {
        Scheme::Underscores | Scheme::Values if legacy => return name.to_owned(),
        Scheme::Underscores => {
            for (i, c) in name.char_indices() {
                out.push(if allowed(i, c) { c } else { '_' });
            }
        }
        Scheme::Dots => {
            for (i, c) in name.char_indices() {
                match c {
                    '_' => out.push_str("__"),
                    '.' => out.push_str("_dot_"),
                    c if allowed(i, c) => out.push(c),
                    _ => out.push_str("__"),
                }
            }
        }
        Scheme::Values => {
            out.push_str("U__");
            for (i, c) in name.char_indices() {
                match c {
                    '_' => out.push_str("__"),
                    c if allowed(i, c) => out.push(c),
                    c => out.push_str(&format!("_{:x}_", c as u32)),
                }
            }
        }
    }
    out
}

/// Whether two label names are written alike by some scheme.
pub fn labels_escape_alike(a: &str, b: &str) -> bool {
    a != b
        && [Scheme::Underscores, Scheme::Dots, Scheme::Values]
            .into_iter()
            .any(|s| escape(a, s, false) == escape(b, s, false))
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
            valid_label_name(name)
                && !labels[..i]
                    .iter()
                    .any(|(earlier, _)| earlier == name || labels_escape_alike(earlier, name))
        })
}

/// What `register` must answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Registered,
    InvalidName,
    Reserved,
    Duplicate,
    /// Alike another family's name once escaped. The plans give every family a prefix of
    /// its own, so the model never expects it: seen, it is a disagreement.
    EscapedAlike,
}

impl Outcome {
    pub fn of(result: &Result<(), RegistryError>) -> Outcome {
        match result {
            Ok(()) => Outcome::Registered,
            Err(RegistryError::InvalidName(_)) => Outcome::InvalidName,
            Err(RegistryError::Reserved { .. }) => Outcome::Reserved,
            Err(RegistryError::Duplicate { .. }) => Outcome::Duplicate,
            Err(RegistryError::EscapedAlike { .. }) => Outcome::EscapedAlike,
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
        // Its samples carry a label of its own name, which may hold no `:`.
        Kind::StateSet(_) if !valid_label_name(name) || name.contains(':') => {
            return Outcome::InvalidName
        }
        _ => {}
    }
    for (i, label) in labels.iter().enumerate() {
        let own = (kind.is_histogram() && label == "le")
            || (matches!(kind, Kind::Summary(_)) && label == "quantile");
        let alike = labels[..i].iter().any(|l| labels_escape_alike(l, label));
        if !valid_label_name(label) || labels[..i].contains(label) || own || alike {
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
        /// The native buckets kept beside the classic ones, if any.
        native: Option<NativeTruth>,
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

/// The native buckets of a classic histogram that keeps them too; its count and sum are
/// the classic ones.
#[derive(Clone, Debug)]
pub struct NativeTruth {
    pub schema: i32,
    pub zero_threshold: f64,
    pub zero_count: u64,
    pub positive: Vec<(i32, u64)>,
    pub negative: Vec<(i32, u64)>,
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
