//! What each format must carry for a registry's truths, in the terms each outside parser
//! reports, and the comparison of what a parser read with it.

pub use super::expect_pb::*;

use tallymark_core::encoding::Value;
use tallymark_core::MetricKind;

use super::build::{same_f64, Data, Drops, Ex, Truth};
use super::model::{escape, Scheme};

/// A number as a parser reported it: Python's parsers keep integers as integers.
#[derive(Clone, Copy, Debug)]
pub enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    /// `i:123` or `f:<Python repr>`, as judge.py writes numbers.
    pub fn parse(text: &str) -> Option<Num> {
        if let Some(int) = text.strip_prefix("i:") {
            return int.parse().ok().map(Num::Int);
        }
        text.strip_prefix("f:")?.parse().ok().map(Num::Float)
    }

    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

/// What a sample's value must be.
#[derive(Clone, Copy, Debug)]
pub enum Want {
    /// Written as an integer, read back exactly.
    Int(i128),
    /// Written as a float: the same bits (NaN as any NaN). A whole number may be written
    /// without a point, which the parsers read as an integer; `-0` reads as `0`.
    Float(f64),
    /// A `_created` time, between these Unix seconds.
    Between(f64, f64),
}

impl Want {
    fn of(value: Value) -> Want {
        match value {
            Value::Unsigned(n) => Want::Int(i128::from(n)),
            Value::Signed(n) => Want::Int(i128::from(n)),
            Value::Float(f) => Want::Float(f),
        }
    }

    pub fn matches(self, got: Num) -> bool {
        match (self, got) {
            (Want::Int(want), Num::Int(got)) => want == got,
            (Want::Int(_), Num::Float(_)) => false,
            (Want::Float(want), Num::Float(got)) => same_f64(want, got),
            (Want::Float(want), Num::Int(got)) => want == want.trunc() && got as f64 == want,
            (Want::Between(low, high), got) => (low..=high).contains(&got.as_f64()),
        }
    }
}

/// A label value: text as given, or an `le` / `quantile` number, compared as a number.
#[derive(Clone, Debug)]
pub enum LabelWant {
    Text(String),
    Number(f64),
}

impl LabelWant {
    fn matches(&self, got: &str) -> bool {
        match self {
            LabelWant::Text(t) => t == got,
            // Rust reads Go's and Python's spellings alike: `+Inf`, `1e-05`, `-0`.
            LabelWant::Number(n) => got.parse::<f64>().is_ok_and(|g| same_f64(*n, g)),
        }
    }
}

#[derive(Clone, Debug)]
pub struct WantExemplar {
    pub labels: Vec<(String, String)>,
    pub value: f64,
    /// As prometheus_client reports an OpenMetrics timestamp: `seconds.nanoseconds`.
    pub timestamp: String,
}

#[derive(Clone, Debug)]
pub struct WantSample {
    pub name: String,
    pub labels: Vec<(String, LabelWant)>,
    pub value: Want,
    pub exemplar: Option<WantExemplar>,
}

#[derive(Clone, Debug)]
pub struct WantFamily {
    pub name: String,
    pub kind: &'static str,
    pub help: String,
    pub unit: String,
    pub samples: Vec<WantSample>,
}

/// A sample as a text parser read it.
#[derive(Clone, Debug)]
pub struct GotSample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: Num,
    pub timestamp: Option<String>,
    pub exemplar: Option<GotExemplar>,
}

#[derive(Clone, Debug)]
pub struct GotExemplar {
    pub labels: Vec<(String, String)>,
    pub value: Num,
    pub timestamp: Option<String>,
}

#[derive(Clone, Debug)]
pub struct GotFamily {
    pub name: String,
    pub kind: String,
    pub help: String,
    pub unit: String,
    pub samples: Vec<GotSample>,
}

/// The two text formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextFormat {
    Text,
    OpenMetrics,
}

/// Python's `str.isspace`, which prometheus_client's 0.0.4 parser strips lines with.
fn py_space(c: char) -> bool {
    matches!(c, '\t'..='\r' | '\u{1c}'..='\u{20}' | '\u{85}' | '\u{a0}' | '\u{1680}'
        | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}')
}

/// HELP as the parser reports it. The 0.0.4 parser strips the line (so trailing
/// whitespace goes, a newline excepted, which is escaped) and splits on ASCII whitespace
/// (so leading whitespace goes); the OpenMetrics one splits on spaces.
fn help_as_parsed(help: &str, format: TextFormat) -> String {
    match format {
        TextFormat::Text => help
            .trim_end_matches(|c| c != '\n' && py_space(c))
            .trim_start_matches([' ', '\t', '\r', '\u{b}', '\u{c}'])
            .to_owned(),
        TextFormat::OpenMetrics => help.trim_start_matches(' ').to_owned(),
    }
}

/// The unit OpenMetrics declares: the given one when the family name ends in it, else a
/// base unit the name ends in; none for info and state sets.
fn unit_of(family: &str, declared: &str, kind: MetricKind) -> String {
    if matches!(kind, MetricKind::Info | MetricKind::StateSet) {
        return String::new();
    }
    let ends_in =
        |unit: &str| family.len() > unit.len() + 1 && family.ends_with(&format!("_{unit}"));
    if !declared.is_empty() && ends_in(declared) {
        return declared.to_owned();
    }
    tallymark_core::encoding::openmetrics::BASE_UNITS
        .into_iter()
        .find(|u| ends_in(u))
        .unwrap_or_default()
        .to_owned()
}

/// `seconds.nanoseconds` as prometheus_client's OpenMetrics parser reads a timestamp
/// written in plain decimal: the digits after the point, cut or padded to nine.
fn python_timestamp(seconds: f64) -> String {
    let text = format!("{seconds}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut nanos: String = fraction.chars().take(9).collect();
    while nanos.len() < 9 {
        nanos.push('0');
    }
    format!("{whole}.{nanos}")
}

fn texts(labels: &[(String, String)]) -> Vec<(String, LabelWant)> {
    labels
        .iter()
        .map(|(n, v)| (n.clone(), LabelWant::Text(v.clone())))
        .collect()
}

fn with(labels: &[(String, String)], name: &str, value: LabelWant) -> Vec<(String, LabelWant)> {
    let mut all = texts(labels);
    all.push((name.to_owned(), value));
    all
}

fn sample(name: String, labels: Vec<(String, LabelWant)>, value: Want) -> WantSample {
    WantSample {
        name,
        labels,
        value,
        exemplar: None,
    }
}

fn exemplar(ex: &Option<Ex>, format: TextFormat) -> Option<WantExemplar> {
    match format {
        TextFormat::Text => None,
        TextFormat::OpenMetrics => ex.as_ref().map(|e| WantExemplar {
            labels: e.labels.clone(),
            value: e.value,
            timestamp: python_timestamp(e.timestamp),
        }),
    }
}

/// The families a text parser must read, self-metrics included. `created` bounds the
/// `_created` times of OpenMetrics. Names are escaped with underscores, as both text
/// formats write them for a scraper that names no escaping.
pub fn text_families(
    truths: &[Truth],
    drops: &Drops,
    scrape: u64,
    format: TextFormat,
    created: (f64, f64),
) -> Vec<WantFamily> {
    let metric = |name: &str| escape(name, Scheme::Underscores, true);
    let label = |name: &str| escape(name, Scheme::Underscores, false);
    let mut families = unescaped_text_families(truths, drops, scrape, format, created);
    for family in &mut families {
        family.name = metric(&family.name);
        for sample in &mut family.samples {
            sample.name = metric(&sample.name);
            for (name, _) in &mut sample.labels {
                *name = label(name);
            }
            if let Some(exemplar) = &mut sample.exemplar {
                for (name, _) in &mut exemplar.labels {
                    *name = label(name);
                }
            }
        }
    }
    families
}

fn unescaped_text_families(
    truths: &[Truth],
    drops: &Drops,
    scrape: u64,
    format: TextFormat,
    created: (f64, f64),
) -> Vec<WantFamily> {
    let om = format == TextFormat::OpenMetrics;
    let created = Want::Between(created.0, created.1);
    let mut families = Vec::new();
    for t in truths {
        let name = t.name.as_str();
        let (family, kind) = match (t.kind, om) {
            (MetricKind::Counter, _) => (name.strip_suffix("_total").unwrap_or(name), "counter"),
            (MetricKind::Info, true) => (name.strip_suffix("_info").unwrap_or(name), "info"),
            (MetricKind::StateSet, true) => (name, "stateset"),
            (MetricKind::Gauge | MetricKind::Info | MetricKind::StateSet, _) => (name, "gauge"),
            (MetricKind::Histogram, _) => (name, "histogram"),
            (MetricKind::Summary, _) => (name, "summary"),
        };
        let mut samples = Vec::new();
        for s in &t.series {
            let labels = &s.labels;
            match &s.data {
                Data::Counter {
                    value,
                    exemplar: ex,
                } => {
                    // Both parsers name a counter's sample `<family>_total`, the 0.0.4 one
                    // even when the exposition does not.
                    let mut total =
                        sample(format!("{family}_total"), texts(labels), Want::of(*value));
                    total.exemplar = exemplar(ex, format);
                    samples.push(total);
                    if om && !t.collected {
                        samples.push(sample(format!("{family}_created"), texts(labels), created));
                    }
                }
                Data::Gauge(v) => {
                    samples.push(sample(name.to_owned(), texts(labels), Want::Float(*v)))
                }
                Data::Int(v) => samples.push(sample(
                    name.to_owned(),
                    texts(labels),
                    Want::Int(i128::from(*v)),
                )),
                Data::Flag(v) => {
                    let sample_name = match (t.kind, om) {
                        (MetricKind::Info, true) => format!("{family}_info"),
                        _ => name.to_owned(),
                    };
                    samples.push(sample(
                        sample_name,
                        texts(labels),
                        Want::Int(i128::from(*v)),
                    ));
                }
                // Native buckets beside the classic ones never reach a text format.
                Data::Histogram {
                    bounds,
                    cumulative,
                    sum,
                    exemplars,
                    native: _,
                } => {
                    for (i, count) in cumulative.iter().enumerate() {
                        let le = bounds.get(i).copied().unwrap_or(f64::INFINITY);
                        let mut bucket = sample(
                            format!("{name}_bucket"),
                            with(labels, "le", LabelWant::Number(le)),
                            Want::Int(i128::from(*count)),
                        );
                        bucket.exemplar = exemplar(&exemplars[i], format);
                        samples.push(bucket);
                    }
                    let count = *cumulative.last().expect("+Inf bucket");
                    let negative_bounds = bounds.first().is_some_and(|b| *b < 0.0);
                    if !om || (*sum >= 0.0 && !negative_bounds) {
                        samples.push(sample(
                            format!("{name}_sum"),
                            texts(labels),
                            Want::Float(*sum),
                        ));
                        samples.push(sample(
                            format!("{name}_count"),
                            texts(labels),
                            Want::Int(i128::from(count)),
                        ));
                    }
                    if om {
                        samples.push(sample(format!("{name}_created"), texts(labels), created));
                    }
                }
                Data::Native { count, sum, .. } => {
                    samples.push(sample(
                        format!("{name}_bucket"),
                        with(labels, "le", LabelWant::Number(f64::INFINITY)),
                        Want::Int(i128::from(*count)),
                    ));
                    if !om || *sum >= 0.0 {
                        samples.push(sample(
                            format!("{name}_sum"),
                            texts(labels),
                            Want::Float(*sum),
                        ));
                        samples.push(sample(
                            format!("{name}_count"),
                            texts(labels),
                            Want::Int(i128::from(*count)),
                        ));
                    }
                    if om {
                        samples.push(sample(format!("{name}_created"), texts(labels), created));
                    }
                }
                Data::Summary {
                    quantiles,
                    sum,
                    count,
                } => {
                    for (q, v) in quantiles {
                        if om && *v < 0.0 {
                            continue;
                        }
                        samples.push(sample(
                            name.to_owned(),
                            with(labels, "quantile", LabelWant::Number(*q)),
                            Want::Float(*v),
                        ));
                    }
                    samples.push(sample(
                        format!("{name}_count"),
                        texts(labels),
                        Want::Int(i128::from(*count)),
                    ));
                    if !om || *sum >= 0.0 {
                        samples.push(sample(
                            format!("{name}_sum"),
                            texts(labels),
                            Want::Float(*sum),
                        ));
                    }
                    if om {
                        samples.push(sample(format!("{name}_created"), texts(labels), created));
                    }
                }
            }
        }
        families.push(WantFamily {
            name: family.to_owned(),
            kind,
            help: help_as_parsed(&t.help, format),
            // The unit must end the name as written, escaped.
            unit: if om {
                unit_of(&escape(family, Scheme::Underscores, true), &t.unit, t.kind)
            } else {
                String::new()
            },
            samples,
        });
    }
    for (name, help, series) in self_metrics(truths, drops, scrape) {
        families.push(WantFamily {
            name: name.strip_suffix("_total").unwrap_or(name).to_owned(),
            kind: "counter",
            help: help.to_owned(),
            unit: String::new(),
            samples: series
                .into_iter()
                .map(|(labels, n)| {
                    sample(name.to_owned(), texts(&labels), Want::Int(i128::from(n)))
                })
                .collect(),
        });
    }
    families
}

/// A self-metric: its name, HELP, and each series' labels and value.
pub type SelfMetric = (
    &'static str,
    &'static str,
    Vec<(Vec<(String, String)>, u64)>,
);

/// tallymark's own counters, as the registry writes them after every family, at scrape
/// number `scrape` of its life: name, HELP, and each series' labels and value.
pub fn self_metrics(truths: &[Truth], drops: &Drops, scrape: u64) -> Vec<SelfMetric> {
    let family = |name: &str| vec![("family".to_owned(), name.to_owned())];
    let mut out = Vec::new();
    let overflowed: Vec<_> = truths
        .iter()
        .filter_map(|t| Some((family(&t.name), t.overflowed?)))
        .collect();
    if !overflowed.is_empty() {
        out.push((
            "tallymark_label_overflow_total",
            "Label sets folded into a family's overflow series because its cardinality budget was spent.",
            overflowed,
        ));
    }
    if !drops.duplicates.is_empty() {
        out.push((
            "tallymark_duplicate_series_dropped_total",
            "Series a collector yielded that were dropped because an earlier series had the same name and labels.",
            drops.duplicates.iter().map(|(n, k)| (family(n), k * scrape)).collect(),
        ));
    }
    if drops.invalid > 0 {
        out.push((
            "tallymark_invalid_families_dropped_total",
            "Families a collector yielded that were dropped because their name or labels break the exposition rules, or because a counter's value was negative or NaN.",
            vec![(Vec::new(), drops.invalid * scrape)],
        ));
    }
    out
}

fn labels_match(want: &[(String, LabelWant)], got: &[(String, String)]) -> bool {
    want.len() == got.len()
        && want
            .iter()
            .all(|(n, v)| got.iter().any(|(gn, gv)| gn == n && v.matches(gv)))
}

fn sample_matches(want: &WantSample, got: &GotSample) -> Result<(), String> {
    if !want.value.matches(got.value) {
        return Err(format!("value {:?}, expected {:?}", got.value, want.value));
    }
    if got.timestamp.is_some() {
        return Err(format!(
            "a timestamp {:?} where none was written",
            got.timestamp
        ));
    }
    match (&want.exemplar, &got.exemplar) {
        (None, None) => Ok(()),
        (Some(w), Some(g)) => {
            let mut wl = w.labels.clone();
            let mut gl = g.labels.clone();
            wl.sort();
            gl.sort();
            if wl != gl {
                return Err(format!("exemplar labels {gl:?}, expected {wl:?}"));
            }
            if !Want::Float(w.value).matches(g.value) {
                return Err(format!(
                    "exemplar value {:?}, expected {}",
                    g.value, w.value
                ));
            }
            if g.timestamp.as_deref() != Some(w.timestamp.as_str()) {
                return Err(format!(
                    "exemplar timestamp {:?}, expected {}",
                    g.timestamp, w.timestamp
                ));
            }
            Ok(())
        }
        (w, g) => Err(format!("exemplar {g:?}, expected {w:?}")),
    }
}

/// Compares what a parser read with what it must have read: the same families, each with
/// its type, HELP and unit, and the same samples in any order.
pub fn compare_text(want: &[WantFamily], got: &[GotFamily]) -> Result<(), String> {
    let mut unmatched: Vec<&GotFamily> = got.iter().collect();
    for w in want {
        let Some(at) = unmatched.iter().position(|g| g.name == w.name) else {
            return Err(format!(
                "family `{}` is missing; read: {:?}",
                w.name,
                names(&unmatched)
            ));
        };
        let g = unmatched.remove(at);
        let context = |e: String| format!("family `{}`: {e}", w.name);
        if g.kind != w.kind || g.help != w.help || g.unit != w.unit {
            return Err(context(format!(
                "type, HELP, unit read as ({:?}, {:?}, {:?}), expected ({:?}, {:?}, {:?})",
                g.kind, g.help, g.unit, w.kind, w.help, w.unit
            )));
        }
        let mut samples: Vec<&GotSample> = g.samples.iter().collect();
        for ws in &w.samples {
            let Some(at) = samples
                .iter()
                .position(|gs| gs.name == ws.name && labels_match(&ws.labels, &gs.labels))
            else {
                return Err(context(format!(
                    "no sample {} {:?}; read {:#?}",
                    ws.name, ws.labels, samples
                )));
            };
            let gs = samples.remove(at);
            sample_matches(ws, gs)
                .map_err(|e| context(format!("sample {} {:?}: {e}", ws.name, gs.labels)))?;
        }
        if !samples.is_empty() {
            return Err(context(format!("samples nobody wrote: {samples:#?}")));
        }
    }
    if !unmatched.is_empty() {
        return Err(format!("families nobody wrote: {:?}", names(&unmatched)));
    }
    Ok(())
}

fn names(families: &[&GotFamily]) -> Vec<String> {
    families.iter().map(|f| f.name.clone()).collect()
}

/// How many sample lines an exposition must hold: one per sample the parser reports.
pub fn sample_count(families: &[WantFamily]) -> usize {
    families.iter().map(|f| f.samples.len()).sum()
}
