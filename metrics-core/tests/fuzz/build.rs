//! Builds a registry from a plan, records the plan's operations, and reads back what every
//! series holds through the library's own accessors, each checked against a model of the
//! operations kept here.

use std::sync::Arc;

use tallymark_core::encoding::Value;
use tallymark_core::labels::OVERFLOW_LABEL_VALUE;
use tallymark_core::metric::{BucketCounts, ExemplarSlot, DEFAULT_ZERO_THRESHOLD};
use tallymark_core::{
    buckets, Counter, CounterFamily, Descriptor, Family, Gauge, GaugeFamily, Histogram,
    HistogramFamily, Info, IntGauge, IntGaugeFamily, Metric, MetricKind, NativeHistogram,
    NativeHistogramFamily, Registry, RegistryError, StateSet, Summary, SummaryFamily,
    DEFAULT_BUDGET,
};

use super::spec::{
    CollectedSpec, ExemplarLabels, FamilySpec, Kind, LabelNameSpec, NameSpec, Op, RegistrySpec,
    INJECTION, RESERVED_NAMES,
};

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

/// Label pairs as the exposition formats write them inside braces.
pub fn label_text(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(name);
        out.push_str("=\"");
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out
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
    fn of(result: &Result<(), RegistryError>) -> Outcome {
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
fn expected_outcome(name: &str, kind: &Kind, labels: &[String], taken: &[String]) -> Outcome {
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
    fn new(bounds: &[f64]) -> Model {
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

fn bad<T>(what: String) -> Result<T, String> {
    Err(what)
}

fn check_f64(what: &str, library: f64, model: f64) -> Result<(), String> {
    if same_f64(library, model) {
        Ok(())
    } else {
        bad(format!(
            "{what}: the library reports {library:?}, the model {model:?}"
        ))
    }
}

fn read_slot(
    slot: &ExemplarSlot,
    model: &Option<(ExemplarLabels, f64)>,
) -> Result<Option<Ex>, String> {
    let read = slot.with(|e| e.map(|e| (e.label_text().to_owned(), e.value(), e.timestamp())));
    match (read, model) {
        (None, None) => Ok(None),
        (Some((text, value, timestamp)), Some((labels, v))) => {
            if text != label_text(labels) {
                return bad(format!(
                    "exemplar label text {text:?}, expected {:?}",
                    label_text(labels)
                ));
            }
            check_f64("exemplar value", value, *v)?;
            Ok(Some(Ex {
                labels: labels.clone(),
                value,
                timestamp,
            }))
        }
        (read, model) => bad(format!("exemplar {read:?}, the model has {model:?}")),
    }
}

fn record_exemplar(target: &mut Option<(ExemplarLabels, f64)>, labels: &ExemplarLabels, v: f64) {
    if exemplar_accepted(labels) {
        *target = Some((labels.clone(), v));
    }
}

fn pairs(labels: &ExemplarLabels) -> Vec<(&str, &str)> {
    labels
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

fn apply_counter(c: &Counter, m: &mut Model, op: &Op, _: &Declared) {
    let add = |m: &mut Model, n: u64| m.whole = m.whole.saturating_add(n);
    match op {
        Op::Inc => {
            c.inc();
            add(m, 1);
        }
        Op::IncBy(n) => {
            c.inc_by(*n);
            add(m, *n);
        }
        Op::IncByF64(v) => {
            c.inc_by_f64(*v);
            if *v > 0.0 {
                m.fraction += v;
            }
        }
        Op::IncWithExemplar(labels) => {
            c.inc_with_exemplar(&pairs(labels));
            add(m, 1);
            record_exemplar(&mut m.exemplar, labels, 1.0);
        }
        Op::IncByWithExemplar(n, labels) => {
            c.inc_by_with_exemplar(*n, &pairs(labels));
            add(m, *n);
            record_exemplar(&mut m.exemplar, labels, *n as f64);
        }
        _ => {}
    }
}

fn read_counter(c: &Counter, m: &Model, _: &Declared) -> Result<Data, String> {
    if c.count() != m.whole {
        return bad(format!(
            "counter count() {} but the model has {}",
            c.count(),
            m.whole
        ));
    }
    check_f64("counter get()", c.get(), m.whole as f64 + m.fraction)?;
    let value = if m.fraction == 0.0 {
        Value::Unsigned(c.count())
    } else {
        Value::Float(c.get())
    };
    Ok(Data::Counter {
        value,
        exemplar: read_slot(c.exemplar(), &m.exemplar)?,
    })
}

fn apply_gauge(g: &Gauge, m: &mut Model, op: &Op, _: &Declared) {
    match op {
        Op::Set(v) => {
            g.set(*v);
            m.gauge = *v;
        }
        Op::Add(v) => {
            g.add(*v);
            m.gauge += v;
        }
        Op::Sub(v) => {
            g.sub(*v);
            m.gauge += -v;
        }
        _ => {}
    }
}

fn read_gauge(g: &Gauge, m: &Model, _: &Declared) -> Result<Data, String> {
    check_f64("gauge get()", g.get(), m.gauge)?;
    Ok(Data::Gauge(g.get()))
}

fn apply_int(g: &IntGauge, m: &mut Model, op: &Op, _: &Declared) {
    match op {
        Op::IntSet(v) => {
            g.set(*v);
            m.int = *v;
        }
        Op::IntAdd(v) => {
            g.add(*v);
            m.int = m.int.wrapping_add(*v);
        }
        Op::IntSub(v) => {
            g.sub(*v);
            m.int = m.int.wrapping_sub(*v);
        }
        _ => {}
    }
}

fn read_int(g: &IntGauge, m: &Model, _: &Declared) -> Result<Data, String> {
    if g.get() != m.int {
        return bad(format!(
            "int gauge get() {} but the model has {}",
            g.get(),
            m.int
        ));
    }
    Ok(Data::Int(g.get()))
}

/// The bucket of `v`: the first bound at or above it, `+Inf` past them all and for NaN.
fn slot_of(bounds: &[f64], v: f64) -> usize {
    bounds.iter().position(|b| v <= *b).unwrap_or(bounds.len())
}

fn apply_histogram<C: BucketCounts>(h: &Histogram<C>, m: &mut Model, op: &Op, _: &Declared) {
    let bounds = h.bounds();
    let (v, labels) = match op {
        Op::Observe(v) => {
            h.observe(*v);
            (*v, None)
        }
        Op::ObserveWithExemplar(v, labels) => {
            h.observe_with_exemplar(*v, &pairs(labels));
            m.exemplar_slots = true;
            (*v, Some(labels))
        }
        _ => return,
    };
    let slot = slot_of(bounds, v);
    m.counts[slot] += 1;
    m.observations += 1;
    if let Some(labels) = labels {
        record_exemplar(&mut m.slot_exemplars[slot], labels, v);
    }
}

fn read_histogram<C: BucketCounts>(
    h: &Histogram<C>,
    m: &Model,
    d: &Declared,
) -> Result<Data, String> {
    let bounds = d.bounds.as_slice();
    if h.bounds() != bounds {
        return bad(format!(
            "histogram bounds {:?}, declared {bounds:?}",
            h.bounds()
        ));
    }
    if h.count() != m.observations {
        return bad(format!(
            "histogram count() {} but {} observations",
            h.count(),
            m.observations
        ));
    }
    let slots = h.exemplars();
    let exemplars = if m.exemplar_slots {
        let extra_allowed = EXEMPLAR_SLOTS_PAST_THE_BUCKETS && slots.len() > bounds.len();
        if slots.len() != bounds.len() + 1 && !extra_allowed {
            return bad(format!(
                "{} exemplar slots for {} bounds",
                slots.len(),
                bounds.len()
            ));
        }
        if let Some(stray) = slots
            .iter()
            .skip(bounds.len() + 1)
            .position(|s| s.with(|e| e.is_some()))
        {
            return bad(format!(
                "an exemplar in slot {} past the +Inf bucket",
                bounds.len() + 1 + stray
            ));
        }
        slots
            .iter()
            .zip(&m.slot_exemplars)
            .map(|(slot, model)| read_slot(slot, model))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        if !slots.is_empty() {
            return bad("exemplar slots without an exemplar recorded".to_owned());
        }
        vec![None; bounds.len() + 1]
    };
    let cumulative = m
        .counts
        .iter()
        .scan(0u64, |total, n| {
            *total += n;
            Some(*total)
        })
        .collect();
    Ok(Data::Histogram {
        bounds: bounds.to_vec(),
        cumulative,
        sum: h.sum(),
        exemplars,
    })
}

fn apply_summary(s: &Summary, m: &mut Model, op: &Op, _: &Declared) {
    if let Op::Observe(v) = op {
        s.observe(*v);
        m.observations += 1;
        m.sum += v;
    }
}

fn read_summary(s: &Summary, m: &Model, d: &Declared) -> Result<Data, String> {
    let quantiles = d.quantiles.as_slice();
    let snapshot = s.snapshot();
    if snapshot.count != m.observations {
        return bad(format!(
            "summary count {} but {} observations",
            snapshot.count, m.observations
        ));
    }
    check_f64("summary sum", snapshot.sum, m.sum)?;
    let reported: Vec<f64> = snapshot.quantiles.iter().map(|(q, _)| *q).collect();
    if reported != quantiles {
        return bad(format!(
            "summary quantiles {reported:?}, declared {quantiles:?}"
        ));
    }
    Ok(Data::Summary {
        quantiles: snapshot.quantiles,
        sum: snapshot.sum,
        count: snapshot.count,
    })
}

fn apply_native(h: &NativeHistogram, m: &mut Model, op: &Op, d: &Declared) {
    let zero_threshold = d.zero_threshold;
    if let Op::Observe(v) = op {
        h.observe(*v);
        m.observations += 1;
        if *v > zero_threshold {
            m.positive += 1;
        } else if *v < -zero_threshold {
            m.negative += 1;
        } else {
            m.zero += 1;
        }
        if !v.is_nan() {
            m.sum += v;
        }
    }
}

fn read_native(h: &NativeHistogram, m: &Model, d: &Declared) -> Result<Data, String> {
    let (schema, zero_threshold) = (d.schema, d.zero_threshold);
    let view = h.view();
    let positive = view.buckets(true);
    let negative = view.buckets(false);
    let total = |b: &[(i32, u64)]| b.iter().map(|(_, n)| n).sum::<u64>();
    let counted = (
        view.zero_count(),
        total(&positive),
        total(&negative),
        view.count(),
    );
    let modelled = (m.zero, m.positive, m.negative, m.observations);
    if counted != modelled {
        return bad(format!(
            "native (zero, positive, negative, count) {counted:?}, the model {modelled:?}"
        ));
    }
    if view.schema() != i32::from(schema) || !same_f64(view.zero_threshold(), zero_threshold) {
        return bad(format!(
            "native schema {} and zero threshold {}, declared {schema} and {zero_threshold}",
            view.schema(),
            view.zero_threshold()
        ));
    }
    check_f64("native sum", view.sum(), m.sum)?;
    Ok(Data::Native {
        schema: view.schema(),
        zero_threshold: view.zero_threshold(),
        zero_count: view.zero_count(),
        positive,
        negative,
        count: view.count(),
        sum: view.sum(),
    })
}

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

/// `Fam` for the unlabelled types, which take no label values.
macro_rules! unlabelled {
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

unlabelled! {
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
        (Kind::Histogram(_), None) => shared(Histogram::new().described(desc)),
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
    let registry = Registry::new();
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

/// The names of the collector's families, after the registered ones'.
fn names_of_collected(spec: &RegistrySpec, registered: &[String]) -> Vec<String> {
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
type Sample = (Vec<(String, String)>, f64);

/// Yields the plan's collected families at every scrape.
struct PlanCollector(Vec<(CollectedSpec, String)>);

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
fn collect(spec: &RegistrySpec, registered: &[String], taken: &[String]) -> (Vec<Truth>, Drops) {
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
        let valid = valid_metric_name(&name)
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
