//! What the protobuf exposition must carry for a registry's truths, as Python's `protobuf`
//! reads it, and the comparison of what it read with it.

use std::fmt;

use tallymark_core::MetricKind;

use super::build::{same_f64, Data, Drops, Ex, Truth};
use super::expect::*;

/// An f64 compared bitwise, NaN equal to NaN; printed with its bits when they matter.
#[derive(Clone, Copy)]
pub struct F(pub f64);

impl PartialEq for F {
    fn eq(&self, other: &F) -> bool {
        same_f64(self.0, other.0)
    }
}

impl fmt::Debug for F {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0.0 && self.0.is_sign_negative() {
            write!(f, "-0.0")
        } else {
            write!(f, "{:?}", self.0)
        }
    }
}

/// A protobuf exemplar: labels, value, timestamp as seconds and nanoseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct PbExemplar {
    pub labels: Vec<(Option<String>, Option<String>)>,
    pub value: Option<F>,
    pub timestamp: Option<(i64, i32)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PbBucket {
    pub upper_bound: Option<F>,
    pub cumulative_count: Option<u64>,
    pub cumulative_count_float: Option<F>,
    pub exemplar: Option<PbExemplar>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct PbHistogram {
    pub sample_count: Option<u64>,
    pub sample_count_float: Option<F>,
    pub sample_sum: Option<F>,
    pub buckets: Vec<PbBucket>,
    pub schema: Option<i32>,
    pub zero_threshold: Option<F>,
    pub zero_count: Option<u64>,
    pub zero_count_float: Option<F>,
    /// Absolute `(index, count)` per native bucket, decoded from spans and deltas.
    pub positive: Vec<(i32, i64)>,
    pub negative: Vec<(i32, i64)>,
    /// Float counts, which tallymark never writes.
    pub positive_count: Vec<F>,
    pub negative_count: Vec<F>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PbValue {
    Counter {
        value: Option<F>,
        exemplar: Option<PbExemplar>,
    },
    Gauge(Option<F>),
    Untyped(Option<F>),
    Summary {
        sample_count: Option<u64>,
        sample_sum: Option<F>,
        quantiles: Vec<(Option<F>, Option<F>)>,
    },
    Histogram(PbHistogram),
}

/// A `created_timestamp`: as read (seconds and nanoseconds), or as expected, any time in
/// a range of Unix seconds, since a series is created when the plan first touches it.
#[derive(Clone, Debug)]
pub enum PbCreated {
    At(i64, i32),
    Between(f64, f64),
}

impl PartialEq for PbCreated {
    fn eq(&self, other: &PbCreated) -> bool {
        let within = |(seconds, nanos): (i64, i32), (lo, hi): (f64, f64)| {
            let t = seconds as f64 + f64::from(nanos) * 1e-9;
            (lo..=hi).contains(&t)
        };
        match (self, other) {
            (PbCreated::At(a, b), PbCreated::At(c, d)) => (a, b) == (c, d),
            (PbCreated::At(s, n), PbCreated::Between(lo, hi))
            | (PbCreated::Between(lo, hi), PbCreated::At(s, n)) => within((*s, *n), (*lo, *hi)),
            (PbCreated::Between(..), PbCreated::Between(..)) => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct PbMetric {
    pub labels: Vec<(Option<String>, Option<String>)>,
    /// Every value message the metric holds, normally exactly one.
    pub values: Vec<PbValue>,
    pub timestamp_ms: Option<i64>,
    /// The `created_timestamp` of the counter, summary or histogram it holds.
    pub created: Option<PbCreated>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PbFamily {
    pub name: Option<String>,
    pub help: Option<String>,
    pub kind: Option<i32>,
    pub metrics: Vec<PbMetric>,
}

pub fn pb_labels(labels: &[(String, String)]) -> Vec<(Option<String>, Option<String>)> {
    labels
        .iter()
        .map(|(n, v)| (Some(n.clone()), Some(v.clone())))
        .collect()
}

pub fn pb_exemplar(ex: &Ex) -> PbExemplar {
    // As client_golang splits a time: whole seconds, and the rest rounded to nanoseconds.
    let seconds = ex.timestamp.floor();
    let nanos = ((ex.timestamp - seconds) * 1e9).round().min(999_999_999.0);
    PbExemplar {
        labels: pb_labels(&ex.labels),
        value: Some(F(ex.value)),
        timestamp: Some((seconds as i64, nanos as i32)),
    }
}

pub fn f(v: f64) -> Option<F> {
    Some(F(v))
}

/// The protobuf families the registry must write: every registered family with a series,
/// sorted by name as the registry keeps them, then the collected ones in the order given,
/// then the self-metrics; the series in any order, each
/// value as the accessors report it.
/// `created` bounds the `created_timestamp` of every registered counter, histogram and
/// summary; collected families and the self-metrics have none.
pub fn pb_families(
    truths: &[Truth],
    drops: &Drops,
    scrape: u64,
    created: (f64, f64),
) -> Vec<PbFamily> {
    let mut families = Vec::new();
    let mut registered: Vec<&Truth> = truths.iter().filter(|t| !t.collected).collect();
    registered.sort_by(|a, b| a.name.cmp(&b.name));
    let collected = truths.iter().filter(|t| t.collected);
    for t in registered.into_iter().chain(collected) {
        if t.series.is_empty() {
            continue;
        }
        let kind = match t.kind {
            MetricKind::Counter => 0,
            MetricKind::Gauge | MetricKind::Info | MetricKind::StateSet => 1,
            MetricKind::Summary => 2,
            MetricKind::Histogram => 4,
        };
        let metrics = t
            .series
            .iter()
            .map(|s| {
                let value = match &s.data {
                    Data::Counter { value, exemplar } => PbValue::Counter {
                        value: f(value.as_f64()),
                        exemplar: exemplar.as_ref().map(pb_exemplar),
                    },
                    Data::Gauge(v) => PbValue::Gauge(f(*v)),
                    Data::Int(v) => PbValue::Gauge(f(*v as f64)),
                    Data::Flag(v) => PbValue::Gauge(f(*v as f64)),
                    Data::Summary {
                        quantiles,
                        sum,
                        count,
                    } => PbValue::Summary {
                        sample_count: Some(*count),
                        sample_sum: f(*sum),
                        quantiles: quantiles.iter().map(|(q, v)| (f(*q), f(*v))).collect(),
                    },
                    Data::Histogram {
                        bounds,
                        cumulative,
                        sum,
                        exemplars,
                        native,
                    } => {
                        let mut buckets: Vec<PbBucket> = bounds
                            .iter()
                            .zip(cumulative)
                            .zip(exemplars)
                            .map(|((b, c), e)| PbBucket {
                                upper_bound: f(*b),
                                cumulative_count: Some(*c),
                                cumulative_count_float: None,
                                exemplar: e.as_ref().map(pb_exemplar),
                            })
                            .collect();
                        let count = *cumulative.last().expect("+Inf bucket");
                        if let Some(Some(e)) = exemplars.last() {
                            buckets.push(PbBucket {
                                upper_bound: f(f64::INFINITY),
                                cumulative_count: Some(count),
                                cumulative_count_float: None,
                                exemplar: Some(pb_exemplar(e)),
                            });
                        }
                        let mut histogram = PbHistogram {
                            sample_count: Some(count),
                            sample_sum: f(*sum),
                            buckets,
                            ..PbHistogram::default()
                        };
                        // Native buckets go in the same message, sharing count and sum.
                        if let Some(n) = native {
                            let signed =
                                |b: &[(i32, u64)]| b.iter().map(|(i, n)| (*i, *n as i64)).collect();
                            histogram.schema = Some(n.schema);
                            histogram.zero_threshold = f(n.zero_threshold);
                            histogram.zero_count = Some(n.zero_count);
                            histogram.positive = signed(&n.positive);
                            histogram.negative = signed(&n.negative);
                        }
                        PbValue::Histogram(histogram)
                    }
                    Data::Native {
                        schema,
                        zero_threshold,
                        zero_count,
                        positive,
                        negative,
                        count,
                        sum,
                    } => {
                        let signed =
                            |b: &[(i32, u64)]| b.iter().map(|(i, n)| (*i, *n as i64)).collect();
                        PbValue::Histogram(PbHistogram {
                            sample_count: Some(*count),
                            sample_sum: f(*sum),
                            schema: Some(*schema),
                            zero_threshold: f(*zero_threshold),
                            zero_count: Some(*zero_count),
                            positive: signed(positive),
                            negative: signed(negative),
                            ..PbHistogram::default()
                        })
                    }
                };
                let counts = !matches!(value, PbValue::Gauge(_) | PbValue::Untyped(_));
                PbMetric {
                    labels: pb_labels(&s.labels),
                    values: vec![value],
                    timestamp_ms: None,
                    created: (counts && !t.collected)
                        .then_some(PbCreated::Between(created.0, created.1)),
                }
            })
            .collect();
        families.push(PbFamily {
            name: Some(t.name.clone()),
            help: Some(t.help.clone()),
            kind: Some(kind),
            metrics,
        });
    }
    for (name, help, series) in self_metrics(truths, drops, scrape) {
        families.push(PbFamily {
            name: Some(name.to_owned()),
            help: Some(help.to_owned()),
            kind: Some(0),
            metrics: series
                .into_iter()
                .map(|(labels, n)| PbMetric {
                    labels: pb_labels(&labels),
                    values: vec![PbValue::Counter {
                        value: f(n as f64),
                        exemplar: None,
                    }],
                    timestamp_ms: None,
                    created: None,
                })
                .collect(),
        });
    }
    families
}

/// Compares decoded families with the expected ones: the same families in the same order
/// (the registry's), the series of each in any order.
pub fn compare_pb(want: &[PbFamily], got: &[PbFamily]) -> Result<(), String> {
    let sorted = |families: &[PbFamily]| -> Vec<PbFamily> {
        families
            .iter()
            .map(|fam| {
                let mut fam = fam.clone();
                fam.metrics.sort_by_cached_key(|m| format!("{m:?}"));
                fam
            })
            .collect()
    };
    let (want, got) = (sorted(want), sorted(got));
    let want_names: Vec<&Option<String>> = want.iter().map(|f| &f.name).collect();
    let got_names: Vec<&Option<String>> = got.iter().map(|f| &f.name).collect();
    if want_names != got_names {
        return Err(format!("families {got_names:?}, expected {want_names:?}"));
    }
    for (w, g) in want.iter().zip(&got) {
        if w != g {
            return Err(format!(
                "family {:?} decoded as\n{g:#?}\nexpected\n{w:#?}",
                w.name
            ));
        }
    }
    Ok(())
}

/// Native buckets from spans and deltas, as Prometheus reads them: a span starts at its
/// offset from where the previous one ended (the first, from zero), and each count is the
/// one before plus its delta.
#[cfg(feature = "protobuf")]
pub fn absolute(spans: &[(i32, u32)], deltas: &[i64]) -> Result<Vec<(i32, i64)>, String> {
    let expected: u64 = spans.iter().map(|(_, len)| u64::from(*len)).sum();
    if expected != deltas.len() as u64 {
        return Err(format!("{} deltas for spans {spans:?}", deltas.len()));
    }
    let mut out = Vec::new();
    let mut deltas = deltas.iter();
    let mut next: i32 = 0;
    let mut count: i64 = 0;
    for (offset, len) in spans {
        next += offset;
        for _ in 0..*len {
            count += deltas.next().copied().unwrap_or_default();
            out.push((next, count));
            next += 1;
        }
    }
    Ok(out)
}
