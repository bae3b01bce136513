//! Each operation of a plan, recorded into the library and into the model side by side, and
//! each series read back through the library's own accessors and checked against the model.

use super::build::*;
use super::spec::*;
use tallymark_core::encoding::Value;
use tallymark_core::metric::{BucketCounts, ExemplarSlot};
use tallymark_core::{Counter, Gauge, Histogram, IntGauge, NativeHistogram, Summary};

pub fn bad<T>(what: String) -> Result<T, String> {
    Err(what)
}

pub fn check_f64(what: &str, library: f64, model: f64) -> Result<(), String> {
    if same_f64(library, model) {
        Ok(())
    } else {
        bad(format!(
            "{what}: the library reports {library:?}, the model {model:?}"
        ))
    }
}

pub fn read_slot(
    slot: &ExemplarSlot,
    model: &Option<(ExemplarLabels, f64)>,
) -> Result<Option<Ex>, String> {
    let read = slot.with(|e| {
        e.map(|e| {
            let pairs: ExemplarLabels = e
                .labels()
                .iter()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect();
            (pairs, e.value(), e.timestamp())
        })
    });
    match (read, model) {
        (None, None) => Ok(None),
        (Some((pairs, value, timestamp)), Some((labels, v))) => {
            if pairs != *labels {
                return bad(format!("exemplar labels {pairs:?}, expected {labels:?}"));
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

pub fn record_exemplar(
    target: &mut Option<(ExemplarLabels, f64)>,
    labels: &ExemplarLabels,
    v: f64,
) {
    if exemplar_accepted(labels) {
        *target = Some((labels.clone(), v));
    }
}

pub fn pairs(labels: &ExemplarLabels) -> Vec<(&str, &str)> {
    labels
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

pub fn apply_counter(c: &Counter, m: &mut Model, op: &Op, _: &Declared) {
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

pub fn read_counter(c: &Counter, m: &Model, _: &Declared) -> Result<Data, String> {
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

pub fn apply_gauge(g: &Gauge, m: &mut Model, op: &Op, _: &Declared) {
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

pub fn read_gauge(g: &Gauge, m: &Model, _: &Declared) -> Result<Data, String> {
    check_f64("gauge get()", g.get(), m.gauge)?;
    Ok(Data::Gauge(g.get()))
}

pub fn apply_int(g: &IntGauge, m: &mut Model, op: &Op, _: &Declared) {
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

pub fn read_int(g: &IntGauge, m: &Model, _: &Declared) -> Result<Data, String> {
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
pub fn slot_of(bounds: &[f64], v: f64) -> usize {
    bounds.iter().position(|b| v <= *b).unwrap_or(bounds.len())
}

pub fn apply_histogram<C: BucketCounts>(h: &Histogram<C>, m: &mut Model, op: &Op, d: &Declared) {
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
    if d.native.is_some() {
        count_native(m, v, tallymark_core::metric::DEFAULT_ZERO_THRESHOLD);
    }
    if let Some(labels) = labels {
        record_exemplar(&mut m.slot_exemplars[slot], labels, v);
    }
}

pub fn read_histogram<C: BucketCounts>(
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
        native: native_beside(h, m, d)?,
    })
}

/// Which native bucket of a zero threshold `v` goes to: the sides only, as the model
/// cannot place it in its bucket without the library's arithmetic.
fn count_native(m: &mut Model, v: f64, zero_threshold: f64) {
    if v > zero_threshold {
        m.positive += 1;
    } else if v < -zero_threshold {
        m.negative += 1;
    } else {
        m.zero += 1;
    }
}

/// The native buckets a classic histogram keeps beside its own, checked against the
/// model: as many in each side as it put there, none when none were declared.
#[cfg(feature = "protobuf")]
fn native_beside<C: BucketCounts>(
    h: &Histogram<C>,
    m: &Model,
    d: &Declared,
) -> Result<Option<NativeTruth>, String> {
    let (view, schema) = match (h.native_view(), d.native) {
        (None, None) => return Ok(None),
        (Some(view), Some(schema)) => (view, schema),
        (view, declared) => {
            return bad(format!(
                "native buckets {} beside the classic ones, declared {declared:?}",
                if view.is_some() { "kept" } else { "missing" }
            ))
        }
    };
    let positive = view.buckets(true);
    let negative = view.buckets(false);
    let total = |b: &[(i32, u64)]| b.iter().map(|(_, n)| n).sum::<u64>();
    let counted = (view.zero_count(), total(&positive), total(&negative));
    if counted != (m.zero, m.positive, m.negative) {
        return bad(format!(
            "native (zero, positive, negative) {counted:?} beside the classic buckets, \
             the model {:?}",
            (m.zero, m.positive, m.negative)
        ));
    }
    let zero_threshold = tallymark_core::metric::DEFAULT_ZERO_THRESHOLD;
    if view.schema() != i32::from(schema) || !same_f64(view.zero_threshold(), zero_threshold) {
        return bad(format!(
            "native schema {} and zero threshold {} beside the classic buckets, \
             declared {schema} and {zero_threshold}",
            view.schema(),
            view.zero_threshold()
        ));
    }
    check_f64("native sum beside the classic buckets", view.sum(), h.sum())?;
    Ok(Some(NativeTruth {
        schema: view.schema(),
        zero_threshold: view.zero_threshold(),
        zero_count: view.zero_count(),
        positive,
        negative,
    }))
}

#[cfg(not(feature = "protobuf"))]
fn native_beside<C: BucketCounts>(
    _: &Histogram<C>,
    _: &Model,
    _: &Declared,
) -> Result<Option<NativeTruth>, String> {
    Ok(None)
}

pub fn apply_summary(s: &Summary, m: &mut Model, op: &Op, _: &Declared) {
    if let Op::Observe(v) = op {
        s.observe(*v);
        m.observations += 1;
        m.sum += v;
    }
}

pub fn read_summary(s: &Summary, m: &Model, d: &Declared) -> Result<Data, String> {
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

pub fn apply_native(h: &NativeHistogram, m: &mut Model, op: &Op, d: &Declared) {
    let zero_threshold = d.zero_threshold;
    if let Op::Observe(v) = op {
        h.observe(*v);
        m.observations += 1;
        count_native(m, *v, zero_threshold);
        if !v.is_nan() {
            m.sum += v;
        }
    }
}

pub fn read_native(h: &NativeHistogram, m: &Model, d: &Declared) -> Result<Data, String> {
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
