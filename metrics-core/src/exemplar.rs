//! Exemplars: one recent traced example kept beside a counter or a histogram bucket, and
//! written only in OpenMetrics and protobuf.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

use crate::clock::unix_seconds;
use crate::names::{check_label_name, label_names_escape_alike, NameError};
use crate::pairs::LabelPairs;
use crate::pairs::PackedStrs;

/// The OpenMetrics limit on an exemplar's label names and values together, in code points.
pub const MAX_EXEMPLAR_RUNES: usize = 128;

/// Exemplars refused since the process started; the global registry exposes it as
/// `tallymark_exemplars_dropped_total` once it is non-zero.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// How many exemplars were refused (too long, or a bad or repeated label name) and so
/// never written.
///
/// ```
/// let before = tallymark_core::metric::exemplars_dropped();
/// let long = "x".repeat(200);
/// tallymark_core::Counter::new().inc_with_exemplar(&[("trace_id", &long)]);
/// assert_eq!(tallymark_core::metric::exemplars_dropped(), before + 1);
/// ```
pub fn exemplars_dropped() -> u64 {
    DROPPED.load(Relaxed)
}

/// Why an exemplar was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExemplarError {
    /// The label names and values add up to more than [`MAX_EXEMPLAR_RUNES`] code points.
    TooLong {
        /// How many code points they hold.
        runes: usize,
    },
    /// A label name breaks the exposition grammar, or is given twice.
    InvalidName(NameError),
}

impl fmt::Display for ExemplarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExemplarError::TooLong { runes } => write!(
                f,
                "exemplar labels hold {runes} code points; OpenMetrics allows {MAX_EXEMPLAR_RUNES}"
            ),
            ExemplarError::InvalidName(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ExemplarError {}

/// One exemplar: its labels (kept in one allocation, as series labels are), the observed
/// value and when it was recorded, in Unix seconds.
///
/// ```
/// use tallymark_core::metric::Exemplar;
///
/// let exemplar = Exemplar::new(&[("trace_id", "4bf92f35")], 0.043).unwrap();
/// assert_eq!(exemplar.labels().get("trace_id"), Some("4bf92f35"));
/// assert_eq!(exemplar.value(), 0.043);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Exemplar {
    /// Names and values in turn.
    labels: PackedStrs,
    value: f64,
    timestamp: f64,
}

impl Exemplar {
    /// An exemplar stamped with the current time, or why it cannot be one.
    pub fn new(labels: &[(&str, &str)], value: f64) -> Result<Self, ExemplarError> {
        let runes: usize = labels
            .iter()
            .map(|(n, v)| n.chars().count() + v.chars().count())
            .sum();
        if runes > MAX_EXEMPLAR_RUNES {
            return Err(ExemplarError::TooLong { runes });
        }
        for (i, (name, _)) in labels.iter().enumerate() {
            check_label_name(name).map_err(ExemplarError::InvalidName)?;
            if labels[..i].iter().any(|(earlier, _)| earlier == name) {
                return Err(ExemplarError::InvalidName(NameError {
                    name: (*name).to_owned(),
                    reason: "a label name appears twice in one exemplar",
                }));
            }
            if labels[..i]
                .iter()
                .any(|(earlier, _)| label_names_escape_alike(earlier, name))
            {
                return Err(ExemplarError::InvalidName(NameError {
                    name: (*name).to_owned(),
                    reason: "a label name is written like another of its exemplar once escaped \
                             for a scraper of legacy names",
                }));
            }
        }
        Ok(Exemplar {
            labels: PackedStrs::new(labels.iter().flat_map(|(n, v)| [*n, *v])),
            value,
            timestamp: unix_seconds(),
        })
    }

    /// Replaces the timestamp, in Unix seconds; for tests that compare exact output.
    pub fn at(mut self, unix_seconds: f64) -> Self {
        self.timestamp = unix_seconds;
        self
    }

    /// The label pairs.
    pub fn labels(&self) -> LabelPairs<'_> {
        LabelPairs::interleaved(&self.labels)
    }

    /// The observed value.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// When it was recorded, in Unix seconds.
    pub fn timestamp(&self) -> f64 {
        self.timestamp
    }
}

/// Where a counter or one histogram bucket keeps its latest exemplar. It takes a lock only
/// when an exemplar is recorded or read, never on the plain recording path.
#[derive(Debug, Default)]
pub struct ExemplarSlot(Mutex<Option<Box<Exemplar>>>);

impl ExemplarSlot {
    /// An empty slot, usable in a `static`.
    pub const fn new() -> Self {
        ExemplarSlot(Mutex::new(None))
    }

    /// Keeps the exemplar built from `labels` and `value`, replacing the last one; a refused
    /// exemplar is counted in [`exemplars_dropped`] and the previous one stays.
    pub fn record(&self, labels: &[(&str, &str)], value: f64) {
        match Exemplar::new(labels, value) {
            Ok(exemplar) => self.store(exemplar),
            Err(_) => {
                DROPPED.fetch_add(1, Relaxed);
            }
        }
    }

    /// Keeps `exemplar`, replacing the last one.
    pub fn store(&self, exemplar: Exemplar) {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *slot = Some(Box::new(exemplar));
    }

    /// Calls `f` with the latest exemplar, if there is one, under the slot's lock.
    pub fn with<R>(&self, f: impl FnOnce(Option<&Exemplar>) -> R) -> R {
        let slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(slot.as_deref())
    }

    pub(crate) fn clear(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
