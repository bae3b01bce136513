//! Hand-written registries for cases the fuzz run found, small enough to read.

use super::spec::{CollectedSpec, FamilySpec, Kind, NameSpec, Op, RegistrySpec};

fn family(kind: Kind, tail: &str, ops: Vec<Op>) -> FamilySpec {
    FamilySpec {
        kind,
        name: NameSpec::Prefixed(tail.to_owned()),
        help: String::new(),
        unit: String::new(),
        labels: None,
        budget: None,
        label_values: vec![Vec::new()],
        ops: ops.into_iter().map(|op| (0, op)).collect(),
    }
}

/// An unlabelled histogram with four bounds and one exemplar, on a NaN observation: its
/// `exemplars()` returned 65 slots (shrunk from the in-process run).
pub fn exemplar_slots_of_an_unlabelled_histogram() -> RegistrySpec {
    RegistrySpec {
        id: 0,
        families: vec![family(
            Kind::Histogram(vec![
                5e-324,
                1.1125369292536007e-308,
                83.987170962045,
                2.2614116266254013e114,
            ]),
            "latency_seconds",
            vec![Op::ObserveWithExemplar(f64::NAN, Vec::new())],
        )],
        collected: Vec::new(),
    }
}

/// A collector's counters below zero and NaN, beside a registered counter: OpenMetrics
/// got `…_total -1` and `…_total NaN` (the judged run's registries 14 and 520).
pub fn collected_counters_below_zero_and_nan() -> RegistrySpec {
    let counter = |tail: &str, value: f64| CollectedSpec {
        counter: true,
        name: NameSpec::Prefixed(tail.to_owned()),
        help: "Computed at scrape time.".to_owned(),
        samples: vec![(vec![("queue".to_owned(), "a".to_owned())], value)],
    };
    RegistrySpec {
        id: 0,
        families: vec![family(Kind::Counter, "jobs_total", vec![Op::IncBy(2)])],
        collected: vec![
            counter("refunds_total", -1.0),
            counter("errors_total", f64::NAN),
            counter("drift_total", f64::NEG_INFINITY),
        ],
    }
}
